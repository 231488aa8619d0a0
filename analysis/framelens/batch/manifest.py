"""The batch manifest: what a run read, with which lexicon and parameters, and which parts are done.

An output directory holds, beside its part files:

``_manifest.json``
    Written (atomically) when a run starts, with ``status: "running"``, and again when it ends with
    ``status: "complete"``, the counts and the list of parts. It records the inputs and their
    fingerprints, the lexicon (name, version, SHA-256, families and labels), the framelens version
    and the parameters that shape the output.
``_journal.jsonl``
    One line appended (and fsync'ed) per completed part while the run goes on. After a crash or a
    SIGKILL it tells the next run which parts to skip; a torn last line is ignored. Removed at the end,
    when the manifest lists the parts.
``_rejects/part-….jsonl`` then ``_rejects.jsonl``
    Rows that could not be scored: per part while running, merged in part order at the end.

Names start with ``_`` so that Arrow/Spark-style dataset readers skip them.

While a run goes on it holds ``.<output name>.lock`` beside the output (:func:`run_lock`), so that a
second run into the same output stops at once.

Input fingerprints are ``size``, ``mtime`` and, by default, the SHA-256 of the file's first and last
MiB together with its size (``method: "sha256-head-tail-1MiB"``): quick on archives of many GB and
enough to notice a file that was replaced, appended to or truncated — not an edit in the middle of
a large file that keeps its size; pass ``fingerprint="full"`` to hash whole files. A folder of
``.txt`` files is fingerprinted by the list of its files with their sizes and fingerprints. On resume,
sizes and hashes must match (``mtime`` is recorded, not compared: copying a file changes it).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import ParameterError
from ..io_utils import atomic_path
from ..readers import text_folder_files
from .sources import InputFile

MANIFEST_NAME = "_manifest.json"
JOURNAL_NAME = "_journal.jsonl"
REJECTS_NAME = "_rejects.jsonl"
REJECTS_DIR = "_rejects"
SCHEMA_VERSION = 1
HEAD_TAIL = 2**20
FINGERPRINT_METHODS = ("head-tail", "full")
SINGLE_FILE_MANIFEST = ".manifest.json"  # beside a single output file: scores.csv → scores.csv.manifest.json


def manifest_path(output: Path, single_file: bool | None = None) -> Path:
    """The manifest of the batch output ``output``: ``_manifest.json`` inside a dataset directory,
    ``<output>.manifest.json`` beside a single file. ``single_file=None``: decided by whether
    ``output`` is a directory now."""
    if single_file is None:
        single_file = not output.is_dir()
    return output.with_name(output.name + SINGLE_FILE_MANIFEST) if single_file else output / MANIFEST_NAME


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def fingerprint_file(path: str | os.PathLike, method: str = "head-tail") -> dict[str, Any]:
    """Size, mtime and SHA-256 (of the first and last MiB, or of the whole content) of a file.

    Examples
    --------
    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(delete=False); _ = f.write(b"abc"); f.close()
    >>> fingerprint_file(f.name)["sha256"] == fingerprint_file(f.name, "full")["sha256"]
    False
    """
    if method not in FINGERPRINT_METHODS:
        raise ParameterError(f"fingerprint must be one of {FINGERPRINT_METHODS}, not {method!r}")
    path = Path(path)
    stat = path.stat()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if method == "full":
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        else:
            h.update(str(stat.st_size).encode() + b"\0")
            h.update(f.read(HEAD_TAIL))
            if stat.st_size > HEAD_TAIL:
                f.seek(max(stat.st_size - HEAD_TAIL, HEAD_TAIL))
                h.update(f.read(HEAD_TAIL))
    return {"size": stat.st_size,
            "mtime": _dt.datetime.fromtimestamp(stat.st_mtime, _dt.timezone.utc).isoformat(),
            "method": "sha256" if method == "full" else "sha256-head-tail-1MiB",
            "sha256": h.hexdigest()}


def fingerprint_input(inp: InputFile, method: str = "head-tail") -> dict[str, Any]:
    """The manifest entry of one input: path, format and fingerprint."""
    path = Path(inp.path)
    if inp.format == "folder":
        h, size, n = hashlib.sha256(), 0, 0
        for file in text_folder_files(path, required=False):
            fp = fingerprint_file(file, method)
            h.update(f"{file.relative_to(path).as_posix()}\0{fp['size']}\0{fp['sha256']}\n".encode())
            size, n = size + fp["size"], n + 1
        fp = {"size": size, "files": n, "mtime": None, "method": f"folder-of-{'sha256' if method == 'full' else 'sha256-head-tail-1MiB'}",
              "sha256": h.hexdigest()}
    else:
        fp = fingerprint_file(path, method)
    return {"path": inp.path, "format": inp.format, **fp}


def _same_inputs(old: list[dict], new: list[dict]) -> str | None:
    """Why two input lists differ, or ``None``."""
    before, now = [i["path"] for i in old], [i["path"] for i in new]
    if before != now:
        # named, not listed whole: the list of an archive of 20,000 files would be the whole message
        gone, added = [p for p in before if p not in set(now)], [p for p in now if p not in set(before)]
        parts = [f"{len(seq):,} {what} ({_some(seq)})" for what, seq in (("new", added), ("gone", gone)) if seq]
        if not parts:  # the same paths, in another order (a glob's are sorted; a list is as given)
            at = next((k for k, (a, b) in enumerate(zip(before, now)) if a != b), min(len(before), len(now)))
            parts = [f"the same paths in another order (input {at + 1} was {before[at] if at < len(before) else '–'}, "
                     f"now {now[at] if at < len(now) else '–'})"]
        return f"the inputs differ: {'; '.join(parts)} (the earlier run read {len(before):,}, this one {len(now):,})"
    for a, b in zip(old, new):
        if (a["size"], a["sha256"], a["method"]) != (b["size"], b["sha256"], b["method"]):
            return f"input {a['path']} changed since the earlier run (size or content fingerprint)"
    return None


def _some(paths: list[str], shown: int = 3) -> str:
    """The first ``shown`` of ``paths``, and how many more."""
    more = f", … {len(paths) - shown:,} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


_HELD: set[int] = set()  # the descriptors of the locks this process holds (see release_inherited_locks)


@contextmanager
def run_lock(output: str | os.PathLike) -> Iterator[Path | None]:
    """Hold ``.<output name>.lock``, beside ``output``, for as long as the block runs.

    A second run into the same output (the same command started twice, a scheduled job overlapping
    the previous one) would clear or mix the first one's parts; it stops at once instead, with a
    ParameterError naming the process that holds the lock. The lock is the operating system's
    (``flock``): a run that crashed or was killed holds none, so resuming needs no clean-up. The
    file is removed when the block ends (a killed run leaves it, unlocked). Where ``fcntl`` is
    missing (Windows) runs are not locked: yields ``None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "scores"
    >>> with run_lock(out) as lock:
    ...     try:
    ...         with run_lock(out):
    ...             pass
    ...     except ParameterError as exc:
    ...         print(str(exc).split(":")[1].strip())
    another framelens run is writing this output (process ...
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield None
        return
    output = Path(output)
    path = output.with_name(f".{output.name}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by another process
            holder = os.read(fd, 64).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise ParameterError(f"{output}: another framelens run is writing this output (process {holder}); wait "
                                 "for it to end, or give another output") from None
        try:  # the run that held it may have removed the file between our open and flock: then retry
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    _HELD.add(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield path
    finally:
        try:
            os.unlink(path)  # still held: a run that opened it meanwhile finds it gone, and retries
        except FileNotFoundError:
            pass
        _HELD.discard(fd)
        os.close(fd)


def release_inherited_locks() -> None:
    """In a forked worker: close the lock descriptors inherited from the run, so that the lock ends
    with the run's own process (a worker outliving a killed run would otherwise keep it)."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


class Manifest:
    """The manifest and journal of one output directory.

    Parameters
    ----------
    directory : path
        Where the parts, the manifest and the journal live.
    record : dict
        The run's description: ``inputs``, ``lexicon``, ``params`` (those that shape the output),
        ``output``; counts and parts are added by :meth:`finish`.
    """

    def __init__(self, directory: str | os.PathLike, record: dict[str, Any]):
        self.directory = Path(directory)
        self.record = record

    @property
    def path(self) -> Path:
        return self.directory / MANIFEST_NAME

    @property
    def journal_path(self) -> Path:
        return self.directory / JOURNAL_NAME

    @staticmethod
    def read_file(path: str | os.PathLike) -> dict[str, Any] | None:
        path = Path(path)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    @classmethod
    def read(cls, directory: str | os.PathLike) -> dict[str, Any] | None:
        """The manifest of an output directory, or ``None``."""
        return cls.read_file(Path(directory) / MANIFEST_NAME)

    def same_run(self, record: dict[str, Any]) -> str | None:
        """Why ``record`` describes another run than this manifest (inputs, lexicon, parameters,
        framelens version), or ``None``."""
        old = self.record
        why = _same_inputs(old.get("inputs", []), record["inputs"])
        if why is None and old.get("framelens_version") != record.get("framelens_version"):
            # another version may score differently: its parts and ours must not make one dataset
            why = (f"the earlier run used framelens {old.get('framelens_version')}, this is "
                   f"{record.get('framelens_version')}")
        if why is None and old.get("lexicon", {}).get("sha256") != record["lexicon"]["sha256"]:
            why = f"the lexicon differs ({old['lexicon'].get('name')} {old['lexicon'].get('sha256', '')[:12]}… before)"
        # a run recorded before timezone= existed read its dates on UTC, today's default
        old_params = {"timezone": "UTC", **old.get("params", {})}
        if why is None and old_params != record["params"]:
            changed = sorted(k for k in set(old_params) | set(record["params"])
                             if old_params.get(k) != record["params"].get(k))
            why = f"parameters differ: {', '.join(changed)}"
        return why

    @classmethod
    def open(cls, directory: str | os.PathLike, record: dict[str, Any], *, resume: bool = True) -> "Manifest":
        """Start a run in ``directory``: continue the recorded one (``resume``) or start afresh.

        Raises ParameterError when ``resume`` is set and the recorded run used other inputs, another
        lexicon or other output-shaping parameters: mixing them would give a silently wrong dataset.
        """
        directory = Path(directory)
        old = cls.read(directory)
        if old is not None and resume:
            why = cls(directory, old).same_run(record)
            if why:
                raise ParameterError(f"{directory}: cannot resume: {why}; use another output, or resume=False "
                                     "(--no-resume) to start again")
            return cls(directory, {**old, "resumed": old.get("resumed", 0) + (old.get("status") != "complete")})
        if old is not None or directory.exists():
            cls.clear(directory)
        manifest = cls(directory, {"framelens_batch": SCHEMA_VERSION, "status": "running", "started": _now(), **record})
        manifest.write()
        return manifest

    @staticmethod
    def clear(directory: Path) -> None:
        """Remove what a previous run left (its parts, manifest, journal, rejects, temp files) — nothing else."""
        if not directory.exists():
            return
        if not directory.is_dir():
            raise ParameterError(f"{directory}: the output exists and is not a directory")
        ours = [p for p in directory.iterdir() if p.name.startswith(("part-", ".part-", "._", MANIFEST_NAME, JOURNAL_NAME, REJECTS_NAME))]
        others = [p.name for p in directory.iterdir() if p not in ours and p.name != REJECTS_DIR]
        if others:
            raise ParameterError(f"{directory}: the output directory holds files that are not framelens batch output "
                                 f"({', '.join(sorted(others)[:5])}); give an empty or new directory")
        for p in ours:
            p.unlink()
        rejects = directory / REJECTS_DIR
        if rejects.exists():
            for p in rejects.iterdir():
                p.unlink()
            rejects.rmdir()

    @property
    def complete(self) -> bool:
        return self.record.get("status") == "complete"

    def write(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as tmp:
            tmp.write_text(json.dumps(self.record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    def discard_temp(self) -> list[Path]:
        """Delete partial files a killed run left (temp names start with a dot); return them."""
        gone = []
        for folder in (self.directory, self.directory / REJECTS_DIR):
            if folder.exists():
                for p in folder.iterdir():
                    if p.name.startswith(".") and p.name.endswith(".tmp"):
                        p.unlink()
                        gone.append(p)
        return gone

    def completed(self) -> dict[str, dict[str, Any]]:
        """Parts recorded as done whose files are still there, by part name."""
        done: dict[str, dict[str, Any]] = {}
        if self.complete:
            entries = self.record.get("parts", [])
        elif self.journal_path.exists():
            entries = []
            for line in self.journal_path.read_text(encoding="utf-8").splitlines():
                try:
                    entries.append(json.loads(line))
                except json.JSONDecodeError:  # the torn last line of a killed run
                    continue
        else:
            entries = []
        for entry in entries:
            files = [entry.get("file"), entry.get("rejects_file")]
            if all(f is None or (self.directory / f).exists() for f in files):
                done[entry["name"]] = entry
        return done

    def record_part(self, entry: dict[str, Any]) -> None:
        """Append a completed part to the journal and make it durable before going on."""
        with open(self.journal_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def finish(self, parts: list[dict[str, Any]], counts: dict[str, int], **extra: Any) -> None:
        """Record the complete run (parts in order, counts) and drop the journal."""
        self.record.update(status="complete", finished=_now(), counts=counts,
                           parts=sorted(parts, key=lambda p: p["name"]), **extra)
        self.write()
        if self.journal_path.exists():
            self.journal_path.unlink()
