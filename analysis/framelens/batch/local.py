"""Batch scoring of whole archives: streaming, chunked, parallel, resumable.

:func:`score_files` cuts the inputs into chunks (:mod:`.sources`), scores each chunk in a worker
with the arrays behind the per-document :func:`framelens.score` (text, source and date made what
:func:`framelens.read_corpus` makes them, so the columns and formulas are those of the in-memory
path), writes one part file per chunk atomically, straight from Arrow, and records each finished
part in the manifest's journal (:mod:`.manifest`). A single Parquet output file is written by the
main process while the workers run, from parts kept as Arrow IPC files (so the Parquet encoding is
done once). Memory is bounded by the chunk size times the number of chunks in flight (``2 × jobs``),
whatever the size of the corpus. A rerun of the same command after a crash skips the recorded parts;
the final dataset is the same as that of an uninterrupted run because chunks are cut
deterministically and a part's content depends only on its chunk.

The engine that runs the chunks is a process pool here (``engine="local"``) or a Dask cluster
(``engine="dask"``, :mod:`.dask_engine`); both call :func:`process_chunk`.
"""
from __future__ import annotations

import functools
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import ParameterError
from ..io_utils import TABLE_FORMATS, atomic_path, plain_permissions, shows_progress, write_table
from ..lexicon import Lexicon
from .manifest import (REJECTS_DIR, REJECTS_NAME, Manifest, fingerprint_input, manifest_path, release_inherited_locks,
                       run_lock)
from .sources import (Chunk, Columns, Limits, Records, check_columns, expand_inputs, iter_chunks, kept_role,
                      parse_chunk)

PART_FORMATS = {"parquet": ".parquet", "csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl"}
# Parts of a single Parquet output file are Arrow IPC files: quick to write and to read back, so the
# Parquet encoding is done once, when the parts are assembled (see _ParquetAssembler).
PART_FORMATS_INTERNAL = {**PART_FORMATS, "arrow": ".arrow"}
EXTRA_COLUMNS = ("date", "file", "row")  # what batch rows carry beyond framelens.score's columns
DEFAULT_CHUNK_SIZE = 10_000
DEFAULT_CHUNK_BYTES = 16 * 2**20  # ~6 × this in memory per worker while a chunk is scored


def row_key_columns(keep: Sequence[str] = ()) -> list[str]:
    """The columns of a batch output row before its scores, in order: ``doc_id, source, date``, the
    kept fields, ``file, row`` (what :func:`~framelens.batch.aggregate` may group by)."""
    return ["doc_id", "source", "date", *keep, "file", "row"]


def _empty_table(keep: Sequence[str], labels: Sequence[str]):
    """An output table without rows, with the columns and types of :func:`score_records`'s."""
    scores = [f"{kind}_{lab}" for kind in ("count", "rate", "share") for lab in labels]
    return _part_schema(tuple([*row_key_columns(keep), "tokens", "hits", *scores])).empty_table()


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to turn a chunk into a part (pickled once per worker)."""

    lexicon: Lexicon
    match_engine: str
    columns: Columns
    limits: Limits
    parts_dir: str
    part_format: str
    row_ids: bool  # ids from row numbers alone (one input) or "<file>:<row>" (several)
    timezone: str = "UTC"  # the clock of the dates (read_corpus's timezone=)


@dataclass
class PartResult:
    """What one chunk produced; one line of the manifest journal."""

    name: str
    input: int
    chunk: int
    first_row: int
    read: int
    written: int
    rejected: int
    nbytes: int
    file: str | None  # the part file, relative to the output directory (None: no row was scorable)
    rejects_file: str | None
    seconds: float = 0.0

    def entry(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# one chunk (runs in a worker)
# ---------------------------------------------------------------------------------------------
def init_worker(settings: Settings, pool_worker: bool = False) -> None:
    """Compile the lexicon once per worker process (compile_lexicon caches it by fingerprint).

    ``pool_worker``: this process exists only to score chunks (a worker of :func:`run_local`'s
    pool), so its allocator may keep freed memory for the next chunk (see :func:`_keep_freed_memory`),
    and a forked one lets go of the run's lock (see :func:`~framelens.batch.manifest.run_lock`).
    """
    from ..matching import compile_lexicon

    if pool_worker:
        release_inherited_locks()
        # Ctrl-C reaches the whole process group: the run's process stops the pool, and a worker
        # waiting for work would only print a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()
        _keep_freed_memory()
    compile_lexicon(settings.lexicon, engine=settings.match_engine)


def _die_with_parent() -> None:
    """On Linux, have the kernel end this worker (SIGTERM) when the process that started it dies,
    even by SIGKILL (the OOM killer, ``kill -9``): a worker of a pool whose owner is gone would
    otherwise wait for work forever, holding its memory."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGTERM), 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory (up to 256 MiB) and to serve blocks under 64 MiB from
    its heap. A worker allocates and frees the same ~10-100 MB buffers for every chunk; by default
    they go back to the kernel and fault in again, page by page (on full news articles, a fifth of
    the CPU time was such system time). Peak memory does not change. Elsewhere than glibc: nothing."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 64 << 20)
    mallopt(m_trim_threshold, 256 << 20)


def score_records(records: Records, chunk: Chunk, settings: Settings):
    """Per-document scores of a chunk's readable rows, as an Arrow table: the columns of
    ``framelens.score`` per document plus date, the kept fields, file and row.

    Text, source and date are made what :func:`framelens.read_corpus` makes them (see
    :func:`role_fields`), and the scores are the arrays behind :func:`framelens.score` (same
    formulas; no provenance record, as the manifest is the provenance of a batch). The table is
    built from those arrays directly, with the schema (pandas metadata included) that
    ``pyarrow.Table.from_pandas`` gives the equivalent DataFrame. Only the ids are set here, because
    a chunk may repeat an id that a batch keeps (checking uniqueness across a whole archive would
    need memory that grows with it).
    """
    import pyarrow as pa

    from ..scoring import _doc_scores

    v = records.values  # lists, or Arrow string arrays when the rows were read in Arrow blocks
    n = len(records.rows)
    texts, source, date = role_fields(v, settings.timezone)
    scores = _doc_scores(texts, settings.lexicon, settings.match_engine)
    file = chunk.input.path
    ids = v["doc_id"]
    if isinstance(ids, list) or ids.null_count:
        ids = [str(i) if i is not None else (str(r) if settings.row_ids else f"{file}:{r}")
               for i, r in zip(ids if isinstance(ids, list) else ids.to_pylist(), records.rows)]
    columns: dict[str, Any] = {"doc_id": ids, "source": source, "date": date}
    for name in settings.columns.keep:
        values = v.get(kept_role(name), [None] * n)
        if isinstance(values, list):
            values = [None if x is None else str(x) for x in values]
        columns[name] = values  # Arrow strings already (integers were read as their decimal text)
    if chunk.input.format == "folder":  # a folder's row is one .txt file: name it
        columns["file"] = [chunk.payload[r - chunk.first_row] for r in records.rows]
    else:
        columns["file"] = [file] * n
    columns["row"] = np.asarray(records.rows, dtype=np.int64)
    columns["tokens"] = scores["tokens"]
    columns["hits"] = scores["hits"]
    for kind in ("counts", "rates", "shares"):
        block = scores[kind]
        columns.update((f"{kind[:-1]}_{lab}", block[:, j]) for j, lab in enumerate(scores["labels"]))
    schema = _part_schema(tuple(columns))
    arrays = []
    for field in schema:
        values = columns[field.name]
        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            arrays.append(values.cast(field.type))
        else:
            arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


# An ISO 8601 date, or a date and time without a zone, of 1900-2099: read the same by Arrow and by
# pandas (tested on random strings of this shape, invalid days and times included: Arrow refuses
# those, and the chunk then goes through pandas, which keeps them as missing)
_ISO_DATE = r"^(?:19|20)\d\d-\d\d-\d\d(?:[T ]\d\d(?::\d\d(?::\d\d(?:\.\d{1,9})?)?)?)?$"


def role_fields(values: dict[str, Any], timezone: str = "UTC") -> tuple[list[str], Any, Any]:
    """The text, source and date of each row as :func:`framelens.read_corpus` makes them: texts
    (a list; ``""`` where missing), sources (Arrow strings; ``"(missing)"`` where missing) and dates
    (Arrow ``timestamp[ns]`` without a zone, on the clock ``timezone`` names, as
    ``read_corpus(..., timezone=timezone)`` stores them; missing where empty or unparseable).

    With Arrow alone when every value is a string or missing and every date an ISO 8601 date or
    date-time without a zone of 1900-2099 (what archives hold): a tenth of the CPU time of scoring
    100 MB was building a DataFrame and a Corpus per chunk. A date without a zone is on the chosen
    clock as written, whatever ``timezone`` is, so the fast path holds for every one. Otherwise
    (numbers, zones, other date formats, a day that does not exist) through ``read_corpus`` itself.
    """
    fields = _role_fields_arrow(values)
    return fields if fields is not None else _role_fields_pandas(values, timezone)


def _arrow_strings(values: Any):
    """Arrow strings for values read as Arrow, or for a list of str and None; else None."""
    import pyarrow as pa

    if not isinstance(values, list):
        return values
    if not all(x is None or x.__class__ is str for x in values):
        return None
    return pa.array(values, type=pa.string())


def _role_fields_arrow(values: dict[str, Any]) -> tuple[list[str], Any, Any] | None:
    """:func:`role_fields` with Arrow, or None where it cannot be sure to equal read_corpus."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..corpus import MISSING_GROUP

    text, source, date = (_arrow_strings(values[role]) for role in ("text", "source", "date"))
    if text is None or source is None or date is None:
        return None
    date = pc.if_else(pc.equal(date, ""), pa.scalar(None, pa.string()), date)  # "" is no date, as in read_corpus
    if pc.all(pc.match_substring_regex(date, _ISO_DATE)).as_py() is False:  # (None: no date at all)
        return None
    try:
        date = date.cast(pa.timestamp("ns"))
    except pa.ArrowInvalid:  # a day or a time that does not exist: read_corpus keeps it as missing
        return None
    return pc.fill_null(text, "").to_pylist(), pc.fill_null(source, MISSING_GROUP), date


def _role_fields_pandas(values: dict[str, Any], timezone: str = "UTC") -> tuple[list[str], Any, Any]:
    """:func:`role_fields` through :func:`framelens.read_corpus` (any values)."""
    import pyarrow as pa

    from ..corpus import CorpusWarning, read_corpus

    roles = ("text", "source", "date", "title")
    frame = pd.DataFrame({"doc_id": [str(i) for i in range(len(values["text"]))],  # unique: ids are set apart
                          **{role: values[role] if isinstance(values[role], list) else values[role].to_pandas()
                             for role in roles}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # empty texts and bad dates are kept, as in read_corpus
        corpus = read_corpus(frame, text="text", source="source", id="doc_id", date="date", title="title",
                             timezone=timezone)
    return (corpus.texts, pa.array(corpus.docs["source"], type=pa.string(), from_pandas=True),
            pa.array(corpus.docs["date"], type=pa.timestamp("ns"), from_pandas=True))


@functools.lru_cache(maxsize=16)
def _part_schema(names: tuple[str, ...]):
    """The Arrow schema of a part with these columns, as ``Table.from_pandas`` makes it for the
    DataFrame of ``framelens.score`` columns (so with the same pandas metadata)."""
    import pyarrow as pa

    def dtype(name: str) -> str:
        if name == "date":
            return "datetime64[ns]"
        if name in ("row", "tokens", "hits") or name.startswith("count_"):
            return "int64"
        if name.startswith(("rate_", "share_")):
            return "float64"
        return "str"

    empty = pd.DataFrame({name: pd.Series(dtype=dtype(name)) for name in names})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def process_chunk(chunk: Chunk, settings: Settings) -> PartResult:
    """Read, score and write one chunk: rejects first, then the part, each atomically."""
    started = time.perf_counter()
    records = parse_chunk(chunk, settings.columns, settings.limits)
    out = Path(settings.parts_dir)
    rejects_file = None
    if records.rejects:
        rejects_file = f"{REJECTS_DIR}/{chunk.name}.jsonl"
        with atomic_path(out / rejects_file) as tmp:
            tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records.rejects), encoding="utf-8")
    part_file = None
    written = 0
    if records.rows:
        table = score_records(records, chunk, settings)
        part_file = chunk.name + PART_FORMATS_INTERNAL[settings.part_format]
        _write_part(table, out / part_file, settings.part_format)
        written = table.num_rows
    if records.read != written + len(records.rejects):  # a bug, not bad input: stop before recording the part
        raise AssertionError(f"{chunk.name}: read {records.read} rows but wrote {written} and rejected {len(records.rejects)}")
    return PartResult(chunk.name, chunk.input.index, chunk.index, chunk.first_row, records.read, written,
                      len(records.rejects), chunk.nbytes, part_file, rejects_file, time.perf_counter() - started)


def _write_part(table, path: Path, part_format: str) -> None:
    """Write a part atomically: Parquet and Arrow IPC straight from Arrow, text formats via pandas."""
    if part_format == "parquet":
        import pyarrow.parquet as pq

        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
    elif part_format == "arrow":
        import pyarrow as pa

        options = pa.ipc.IpcWriteOptions(compression="lz4")  # ~6× smaller on disk, as quick to write
        with atomic_path(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, \
                pa.ipc.new_file(sink, table.schema, options=options) as writer:
            writer.write_table(table)
    else:
        write_table(table.to_pandas(), path)


# ---------------------------------------------------------------------------------------------
# the local engine: a process pool with bounded work in flight
# ---------------------------------------------------------------------------------------------
def _pool_context():
    """fork when this process runs no other Python thread, else forkserver (or spawn).

    fork starts workers at once with the lexicon already compiled (score_files compiles it first,
    and compile_lexicon caches it) and framelens already imported; forking a process that runs other
    threads (a Dask client, a notebook's helpers) can deadlock, so then workers start from a
    forkserver that has imported framelens instead, and compile the lexicon once each.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["framelens.batch.local", "framelens.scoring"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_local(chunks: Iterable[Chunk], settings: Settings, jobs: int, on_result: Callable[[PartResult], None],
              on_start: Callable[[], None] = lambda: None) -> None:
    """Score ``chunks`` on ``jobs`` processes (in this process when ``jobs == 1``).

    At most ``2 × jobs`` chunks are read ahead of the workers (backpressure), so memory stays
    bounded however long the input. ``on_start`` is called once the workers exist (a progress bar
    started before would add a thread to fork).
    """
    if jobs == 1:
        init_worker(settings)
        on_start()
        for chunk in chunks:
            on_result(process_chunk(chunk, settings))
        return
    with ProcessPoolExecutor(jobs, mp_context=_pool_context(), initializer=init_worker, initargs=(settings, True)) as pool:
        pending: set = set()
        pool.submit(int).result()  # start the workers now, before any other thread of ours exists
        on_start()
        try:
            for chunk in chunks:
                while len(pending) >= 2 * jobs:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        on_result(future.result())
                pending.add(pool.submit(process_chunk, chunk, settings))
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_result(future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise


# ---------------------------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------------------------
class Progress:
    """A tqdm bar (MB/s, documents/s, ETA) on a terminal's stderr or in a notebook; a one-line
    summary otherwise."""

    def __init__(self, total_bytes: int, enabled: bool | None, label: str):
        self.interactive = shows_progress() if enabled is None else bool(enabled)
        self.quiet = enabled is False
        self.started = time.perf_counter()
        self.docs = self.bytes = 0
        self.total, self.label, self.bar = total_bytes, label, None

    def start(self) -> None:
        """Show the bar (called once the workers have started)."""
        if self.interactive and not self.quiet and self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, unit="B", unit_scale=True, desc=self.label, file=sys.stderr,
                            dynamic_ncols=True, smoothing=0.1)

    def skip(self, nbytes: int) -> None:
        self.total = max(self.total - nbytes, 0)
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def update(self, result: PartResult) -> None:
        self.docs += result.read
        self.bytes += result.nbytes
        if self.bar is not None:
            self.bar.update(result.nbytes)
            elapsed = max(time.perf_counter() - self.started, 1e-9)
            self.bar.set_postfix_str(f"{self.docs / elapsed:,.0f} docs/s", refresh=False)

    def close(self, summary: str) -> None:
        if self.bar is not None:
            self.bar.close()
        if not self.quiet:
            print(summary, file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# the public entry point
# ---------------------------------------------------------------------------------------------
@dataclass
class BatchResult:
    """What :func:`score_files` did: where the output is and what the manifest says."""

    output: Path  # the dataset directory or the single output file
    manifest_path: Path
    manifest: dict = field(repr=False)
    read: int = 0
    written: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    parts_skipped: int = 0  # parts an earlier run had completed
    seconds: float = 0.0


@dataclass(frozen=True)
class _Layout:
    """Where the parts go: the dataset directory itself, or a work directory beside a single file."""

    output: Path
    work: Path
    part_format: str
    single_file: bool

    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.output, self.single_file)  # a directory is its own work folder

    @property
    def rejects_path(self) -> Path:
        return self.output.with_name(self.output.name + ".rejects.jsonl") if self.single_file else self.work / REJECTS_NAME


def _layout(out: str | os.PathLike, format: str | None) -> _Layout:  # noqa: A002
    named_as_folder = str(out).endswith(("/", os.sep))
    out = Path(out)
    if out.name in ("", ".."):  # "." or "..": the folder by its name (the lock and the parts go beside it)
        out = Path(os.path.abspath(out))
        named_as_folder = True
    suffix = out.suffix.lower()
    if suffix and suffix not in TABLE_FORMATS and not out.is_dir() and not named_as_folder:
        # "scores.xlsx" is a mistake to report, not a directory to create
        raise ParameterError(f"out {out}: cannot tell the output format from the extension {suffix!r}; give a file "
                             f"name ending in {', '.join(sorted(TABLE_FORMATS))}, or a directory (a name ending "
                             "in '/' may hold a dot)")
    if suffix in TABLE_FORMATS and not out.is_dir() and not named_as_folder:
        fmt = TABLE_FORMATS[suffix]
        if format is not None and format != fmt:
            raise ParameterError(f"out {out} asks for {fmt} by its extension but format={format!r}")
        return _Layout(out, out.with_name(out.name + ".parts"), fmt, True)
    fmt = format or "parquet"
    if fmt not in PART_FORMATS:
        raise ParameterError(f"format must be one of {', '.join(PART_FORMATS)}, not {fmt!r}")
    return _Layout(out, out, fmt, False)


def _default_jobs() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def score_files(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    lexicon: Lexicon | str,
    out: str | os.PathLike,
    *,
    jobs: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    text: str | None = None,
    source: str | None = None,
    id: str | None = None,  # noqa: A002 - the name read_corpus uses
    date: str | None = None,
    title: str | None = None,
    keep: Sequence[str] = (),
    format: str | None = None,  # noqa: A002
    engine: str = "local",
    scheduler: Any = None,
    resume: bool = True,
    match_engine: str = "auto",
    max_field_chars: int = 5_000_000,
    encoding: str = "utf-8",
    errors: str = "strict",
    fingerprint: str = "head-tail",
    progress: bool | None = None,
    timezone: str = "UTC",
) -> BatchResult:
    """Score files of any size against a lexicon, per document, in bounded memory and in parallel.

    Parameters
    ----------
    inputs : path, glob or list of them
        CSV/TSV, JSONL (``.gz`` too), Parquet files, folders of ``.txt`` files, or glob patterns
        (``"archive/*.jsonl.gz"``, ``"archive/**/*.csv"``), scored in the order given.
    lexicon : Lexicon or str
        A Lexicon, a built-in name or a path (see :func:`framelens.load_lexicon`).
    out : path
        A directory → a dataset of part files (``part-<input>-<chunk>.parquet`` …) with
        ``_manifest.json`` and ``_rejects.jsonl``; a file name ending in ``.parquet``, ``.csv``,
        ``.tsv`` or ``.jsonl`` → one file, assembled from parts at the end, with
        ``<out>.manifest.json`` and ``<out>.rejects.jsonl`` beside it.
    jobs : int, optional
        Worker processes (local engine) or workers of a new local cluster (Dask); default (or -1):
        every core this process may use; -2 every core but one, and so on.
    chunk_size, chunk_bytes : int
        A chunk (one part file) holds at most ``chunk_size`` rows and about ``chunk_bytes`` bytes of
        input; memory use is about ``2 × jobs`` chunks.
    text, source, id, date, title : str, optional
        Field names of each role, as in :func:`framelens.read_corpus` (defaults: ``text``,
        ``source``, ``doc_id``, ``date``, ``title`` when present). Without an id field, ids are the row
        numbers (``"<file>:<row>"`` when there are several inputs).
    keep : list of str
        Other fields to carry into the output as text (e.g. ``["topic"]`` to aggregate by it later).
    format : {"parquet", "csv", "tsv", "jsonl"}, optional
        Part format of a dataset directory (default parquet); a single file's follows its extension.
    engine : {"local", "dask"}
        Where the chunks are scored: local processes, or a Dask cluster (see
        :func:`framelens.batch.dask_engine.run_dask`).
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: the scheduler address (``"tcp://10.0.0.5:8786"``) or a Client; by
        default a local cluster of ``jobs`` single-threaded worker processes.
    resume : bool
        Continue an interrupted run of the same command (same inputs, lexicon and parameters) from its
        manifest; ``False`` removes the previous output and starts again.
    match_engine : {"auto", "hyperscan", "python"}
        The matching engine (identical hits; see :func:`framelens.compile_lexicon`).
    max_field_chars : int
        A row with a field longer than this is rejected rather than scored.
    encoding, errors : str
        Text encoding; ``errors="replace"`` scores rows with undecodable bytes (as U+FFFD) instead of
        rejecting them.
    fingerprint : {"head-tail", "full"}
        How inputs are fingerprinted in the manifest (see :mod:`framelens.batch.manifest`).
    progress : bool, optional
        A progress bar on stderr; default: when stderr is a terminal or in a Jupyter notebook
        (otherwise one summary line). ``False`` prints nothing.
    timezone : str, default "UTC"
        The clock of the output's ``date`` column, as in :func:`framelens.read_corpus`: ``"UTC"``,
        an IANA zone name (``"Asia/Kolkata"``) or ``"as-written"`` (each date's own time, its
        offset dropped). Recorded in the manifest's parameters (resuming with another one is
        refused) and in the provenance of :func:`load_scores` and :func:`aggregate`
        (``attrs["framelens"]["batch"]["timezone"]``).

    Returns
    -------
    BatchResult
        ``output``, ``manifest`` (the dict written to the manifest), ``read``, ``written``,
        ``rejected``, ``rejects_path``, ``parts_skipped``, ``seconds``. Always ``read == written +
        rejected``.

    Notes
    -----
    Each output row has the columns of ``framelens.score(corpus, lexicon)`` per document — ``doc_id,
    source, tokens, hits, count_<label>, rate_<label>, share_<label>`` — plus ``date``, the kept
    fields, ``file`` and ``row`` (the row or line number in that file) after ``source``. Rows that
    cannot be scored (undecodable bytes, malformed JSON, a missing text, a field over
    ``max_field_chars``, a CSV record with the wrong number of fields) go to the rejects file with
    file, row, reason and a raw snippet. Duplicate ids are kept. Use :func:`framelens.batch.aggregate`
    for per-group scores of the output.

    The values equal those of ``framelens.score(framelens.read_corpus(file, ..., timezone=timezone))``,
    except in a few cases where a chunk cannot see the whole file, or where the batch keeps what was written: JSONL
    without ids and with blank lines (batch ids are line numbers, ``read_corpus`` counts records);
    a JSON field mixing integers and decimals (batch keeps ``4``, ``read_corpus`` makes it ``4.0``);
    an object or array in a role field (batch writes its JSON, ``read_corpus`` Python's repr); a CSV
    record with too few fields (batch rejects it, pandas pads it).

    Examples
    --------
    >>> import tempfile, pathlib, framelens.batch as fb
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "news.jsonl").write_text('{"text": "Rebels shelled the town.", "source": "Wire"}\\n'
    ...                                   '{"text": "The army denied it.", "source": "Post"}\\n')
    >>> r = fb.score_files(d / "news.jsonl", "conflict_actors", d / "scores", jobs=1, progress=False)
    >>> r.read, r.written, r.rejected
    (2, 2, 0)
    """
    from ..scoring import as_lexicon

    started = time.perf_counter()
    if engine not in ("local", "dask"):
        raise ParameterError(f"engine must be 'local' or 'dask', not {engine!r}")
    if engine == "dask":
        from .dask_engine import require_distributed

        require_distributed()  # before anything is written
    if errors not in ("strict", "replace"):
        raise ParameterError(f"errors must be 'strict' or 'replace', not {errors!r}")
    from ..corpus import check_timezone

    timezone = check_timezone(timezone)
    if int(chunk_size) < 1 or int(chunk_bytes) < 1:
        raise ParameterError(f"chunk_size and chunk_bytes must be ≥ 1, not {chunk_size} and {chunk_bytes}")
    jobs = _default_jobs() if jobs is None else int(jobs)
    if jobs < 0:  # as in scikit-learn and joblib: -1 is every core, -2 every core but one …
        jobs = max(_default_jobs() + 1 + jobs, 1)
    if jobs < 1:
        raise ParameterError(f"jobs must be ≥ 1, or negative (-1: every core, as in scikit-learn), not {jobs}")
    lex = as_lexicon(lexicon)
    files = expand_inputs(inputs, output=out)  # a glob's matches leave out this run's own output
    keep = tuple(keep or ())
    clash = [k for k in keep if k in ("doc_id", "source", "tokens", "hits", *EXTRA_COLUMNS)
             or k.startswith(("count_", "rate_", "share_"))]
    if clash:
        raise ParameterError(f"keep: {clash} would clash with output columns of the same name")
    columns = Columns(text=text, source=source, id=id, date=date, title=title, keep=keep)
    limits = Limits(max_field_chars=int(max_field_chars), encoding=encoding, errors=errors)
    check_columns(files, columns, limits)  # a misspelt column fails here, before the output exists
    layout = _layout(out, format)
    from ..matching import compile_lexicon

    compile_lexicon(lex, engine=match_engine)  # a bad lexicon or engine fails here, not in a worker

    record = {
        "framelens_version": __version__,
        "inputs": [fingerprint_input(f, fingerprint) for f in files],
        "lexicon": {**lex.provenance(),
                    "families": {fam.id: fam.label_ids() for fam in lex.families}},
        "params": {"chunk_size": chunk_size, "chunk_bytes": chunk_bytes, "columns": asdict(columns) | {"keep": list(keep)},
                   "max_field_chars": limits.max_field_chars, "encoding": encoding, "errors": errors,
                   "format": layout.part_format, "single_file": layout.single_file, "timezone": timezone},
        "output": {"path": str(layout.output), "format": layout.part_format,
                   "extra_columns": row_key_columns(keep)[2:]},
    }
    # one run at a time per output: a second one (the same command started twice) would clear or
    # mix the first one's parts
    with run_lock(layout.output):
        if layout.single_file and resume and layout.output.exists() and layout.manifest_path.exists():
            finished = Manifest(layout.work, Manifest.read_file(layout.manifest_path))
            why = finished.same_run(record)
            if finished.complete and why is None:  # nothing left to do
                return _already_complete(layout, finished, started, progress)
            if finished.complete:  # another run's output: replacing it is for resume=False to say
                raise ParameterError(f"{layout.output} holds the scores of another run: {why}; use another output, or "
                                     "resume=False (--no-resume) to replace it")
        if (layout.single_file and resume and layout.output.exists() and not layout.manifest_path.exists()
                and not layout.work.exists()):
            # a file that no batch run wrote (or whose manifest is gone): framelens replaces only its own files
            raise ParameterError(f"{layout.output} exists and is not the output of a framelens batch run (there is no "
                                 f"{layout.manifest_path.name} beside it); use another output, or resume=False "
                                 "(--no-resume) to replace it")
        manifest = Manifest.open(layout.work, record, resume=resume)
        if manifest.complete:
            if layout.single_file:  # killed after the file was in place, before its manifest: finish that
                _finish_single_file(layout, manifest)
            return _already_complete(layout, manifest, started, progress)
        manifest.discard_temp()
        if layout.single_file:
            _discard_stale_temp(layout)
        done = manifest.completed()
        empty = functools.partial(_empty_table, keep, lex.label_ids())  # a single file of no row still has its columns
        assembler = _ParquetAssembler(layout, empty) if layout.single_file and layout.part_format == "parquet" else None
        part_format = "arrow" if assembler is not None else layout.part_format
        settings = Settings(lex, match_engine, columns, limits, str(layout.work), part_format, row_ids=len(files) == 1,
                            timezone=timezone)
        total = sum(f.nbytes for f in files)
        bar = Progress(total, progress, f"framelens {lex.name}")
        results: dict[str, dict] = dict(done)

        def chunks() -> Iterator[Chunk]:
            for inp in files:
                for chunk in iter_chunks(inp, columns, chunk_size, chunk_bytes, limits):
                    if assembler is not None:
                        assembler.expect(chunk.name)
                    if chunk.name in done:
                        bar.skip(chunk.nbytes)
                        if assembler is not None:
                            assembler.completed(done[chunk.name])
                        continue
                    yield chunk

        def on_result(result: PartResult) -> None:
            entry = result.entry()
            manifest.record_part(entry)
            results[result.name] = entry
            bar.update(result)
            if assembler is not None:
                assembler.completed(entry)

        try:
            if engine == "dask":
                from .dask_engine import run_dask

                bar.start()
                run_dask(chunks(), settings, jobs=jobs, scheduler=scheduler, on_result=on_result)
            else:
                run_local(chunks(), settings, jobs, on_result, on_start=bar.start)
        except BaseException:
            if bar.bar is not None:
                bar.bar.close()
            if assembler is not None:
                assembler.abort()
            raise

        parts = sorted(results.values(), key=lambda p: p["name"])
        counts = {k: sum(p[k] for p in parts) for k in ("read", "written", "rejected")}
        if counts["read"] != counts["written"] + counts["rejected"]:
            raise AssertionError(f"lost rows: read {counts['read']}, wrote {counts['written']}, "
                                 f"rejected {counts['rejected']}")
        _merge_rejects(layout, parts)
        if assembler is not None:
            assembler.finish()
        elif layout.single_file:
            _merge_parts(layout, parts, empty)
        elif parts and not counts["written"]:
            _empty_part(layout, parts[0], empty)
        manifest.finish(parts, counts, rejects=str(layout.rejects_path) if counts["rejected"] else None,
                        seconds=round(time.perf_counter() - started, 3))
        if layout.single_file:
            _finish_single_file(layout, manifest)
        result = _result(layout, manifest.record, len(done), started)
        mb = bar.bytes / 1e6
        secs = max(result.seconds, 1e-9)
        bar.close(
            f"framelens: scored {_documents(counts['written'])}"
            + (f", rejected {counts['rejected']:,} (see {layout.rejects_path})" if counts["rejected"] else "")
            + f" from {len(files)} input(s) in {result.seconds:.1f} s"
            + (f" ({len(done):,} part{'' if len(done) == 1 else 's'} from an earlier run)" if done else "")
            + f": {bar.docs / secs:,.0f} docs/s, {mb / secs:,.1f} MB/s → {layout.output}"
        )
        return result


def _documents(n: int) -> str:
    return f"{n:,} document" + ("" if n == 1 else "s")


def _already_complete(layout: _Layout, manifest: Manifest, started: float, progress: bool | None) -> BatchResult:
    """The result of a run that an earlier one finished: nothing to do, and said so."""
    result = _result(layout, manifest.record, len(manifest.record.get("parts", [])), started)
    if progress is not False:
        print(f"framelens: {layout.output} is already complete ({_documents(result.written)} scored, "
              f"{result.rejected:,} rejected); nothing to do", file=sys.stderr)
    return result


def _finish_single_file(layout: _Layout, manifest: Manifest) -> None:
    """The last step of a single-file run, once the file and its rejects are in place and the
    manifest says complete: the manifest beside the file, and the parts folder gone."""
    with atomic_path(layout.manifest_path) as tmp:
        shutil.copyfile(manifest.path, tmp)
    shutil.rmtree(layout.work)


def _discard_stale_temp(layout: _Layout) -> None:
    """Delete the temporary files a killed single-file run left beside its output (the output, its
    manifest and rejects are written under ``.<output name>.<random>.tmp`` and renamed at the end)."""
    # exactly those three names and mkstemp's random part: "scores.csv" must not take the
    # temporary files of another output called "scores.csv.parquet"
    names = "|".join(re.escape(p.name) for p in (layout.output, layout.manifest_path, layout.rejects_path))
    ours = re.compile(rf"\.(?:{names})\.[a-z0-9_]+\.tmp")
    if layout.output.parent.is_dir():
        for p in layout.output.parent.iterdir():
            if ours.fullmatch(p.name) and p.is_file():
                p.unlink()


def _result(layout: _Layout, record: dict, skipped: int, started: float) -> BatchResult:
    counts = record.get("counts", {})
    return BatchResult(layout.output, layout.manifest_path, record, counts.get("read", 0), counts.get("written", 0),
                       counts.get("rejected", 0), layout.rejects_path if counts.get("rejected") else None,
                       skipped, time.perf_counter() - started)


def _merge_rejects(layout: _Layout, parts: list[dict]) -> None:
    """Concatenate the per-part rejects (JSONL) in part order into one file, then drop the parts."""
    files = [layout.work / p["rejects_file"] for p in parts if p.get("rejects_file")]
    if files:
        with atomic_path(layout.rejects_path) as tmp, open(tmp, "wb") as out:
            for f in files:
                with open(f, "rb") as src:
                    shutil.copyfileobj(src, out)
    elif layout.rejects_path.exists():  # an earlier run's (replaced with --no-resume): not this output's rejects
        layout.rejects_path.unlink()
    folder = layout.work / REJECTS_DIR
    if folder.exists():
        shutil.rmtree(folder)


def _merge_parts(layout: _Layout, parts: list[dict], empty: Callable[[], Any]) -> None:
    """Assemble a single CSV/TSV/JSONL output file from the parts (their bytes, one after another);
    with no part (no row was scorable), the table ``empty()`` gives: a CSV of its header."""
    files = [layout.work / p["file"] for p in parts if p.get("file")]
    fmt = layout.part_format
    if not files:
        _write_part(empty(), layout.output, fmt)
        return
    header = _csv_header(files[0], fmt) if fmt in ("csv", "tsv") else b""
    with atomic_path(layout.output) as tmp, open(tmp, "wb") as out:
        for i, f in enumerate(files):
            with open(f, "rb") as src:
                if i and header:  # each part repeats the header
                    if src.read(len(header)) != header:
                        raise AssertionError(f"{f.name}: its header differs from the first part's")
                shutil.copyfileobj(src, out)
    for f in files:
        f.unlink()


def _empty_part(layout: _Layout, first: dict, empty: Callable[[], Any]) -> None:
    """A dataset directory without any scorable row gets one part of no rows (the first chunk's),
    so that ``pd.read_parquet(directory)`` and :func:`~framelens.batch.aggregate` see its columns."""
    name = first["name"] + PART_FORMATS[layout.part_format]
    _write_part(empty(), layout.work / name, layout.part_format)
    first["file"] = name


def _csv_header(path: Path, fmt: str) -> bytes:
    """The header of a CSV/TSV part as its bytes: written again from its column names as the part
    writer wrote it (a name may hold a quoted line break, so the header is not its first line)."""
    sep = "," if fmt == "csv" else "\t"
    names = pd.read_csv(path, sep=sep, nrows=0).columns
    return pd.DataFrame(columns=names).to_csv(index=False, sep=sep).encode("utf-8")


def _read_part(path: Path):
    """A part as an Arrow table: Arrow IPC (memory-mapped) or Parquet (written by earlier versions)."""
    import pyarrow as pa

    if path.suffix == ".arrow":
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    import pyarrow.parquet as pq

    return pq.read_table(path)


class _ParquetAssembler:
    """Writes a single Parquet output file from its parts, in part order, while the run goes on.

    The main process mostly waits for its workers, so appending each part as soon as it and all the
    parts before it are done keeps the (serial) Parquet encoding off the end of the run. The file is
    written beside the output under a temporary name and renamed onto it by :meth:`finish` only; the
    parts stay on disk until the run is complete, so an interrupted run resumes from them.
    """

    def __init__(self, layout: _Layout, empty: Callable[[], Any]):
        import collections

        self.layout = layout
        self.empty = empty  # the table of a run without any scorable row
        self.expected: collections.deque[str] = collections.deque()
        self.finished: dict[str, dict] = {}
        self.writer = None
        self.tmp: Path | None = None

    def expect(self, name: str) -> None:
        """The next part in order (parts are expected in the order chunks are cut)."""
        self.expected.append(name)

    def completed(self, entry: dict) -> None:
        self.finished[entry["name"]] = entry
        while self.expected and self.expected[0] in self.finished:
            entry = self.finished.pop(self.expected.popleft())
            if entry.get("file"):
                self._append(self.layout.work / entry["file"])

    def _append(self, path: Path) -> None:
        import pyarrow.parquet as pq

        table = _read_part(path)
        if self.writer is None:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.layout.output.name}.", suffix=".tmp", dir=self.layout.output.parent)
            os.close(fd)
            self.tmp = Path(tmp)
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table.cast(self.writer.schema))

    def finish(self) -> None:
        """Close the file and move it onto the output (an empty table when no row was scorable)."""
        if self.expected or self.finished:
            raise AssertionError(f"parts not assembled: {list(self.expected)[:3]} {list(self.finished)[:3]}")
        if self.writer is None:
            _write_part(self.empty(), self.layout.output, "parquet")
            return
        self.writer.close()
        self.writer = None
        plain_permissions(self.tmp)
        os.replace(self.tmp, self.layout.output)
        self.tmp = None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        if self.tmp is not None and self.tmp.exists():
            self.tmp.unlink()
