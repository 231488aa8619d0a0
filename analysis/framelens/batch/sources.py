"""What batch scoring reads: inputs found from files, folders and globs, cut into chunks of bounded
size, and read in the worker into records and rejects.

The formats themselves are read by :mod:`framelens.readers_stream`; this module adds what is
particular to a batch run:

* :func:`expand_inputs` turns files, folders and glob patterns into :class:`InputFile` s.
* :func:`iter_chunks` (main process) numbers the blocks an input is cut into as :class:`Chunk` s, each
  named after its output part. Cutting is deterministic: the same input and the same
  ``chunk_size``/``chunk_bytes`` give the same chunks, which is what lets an interrupted run resume
  part by part.
* :func:`parse_chunk` (worker) turns a chunk into :class:`Records`: one entry per readable row, with
  its 1-based row or line number, the values of each role (:class:`Columns`) and kept field, and
  rejects (file, row, reason, raw snippet) for rows that are unreadable or over the :class:`Limits`
  — never an exception for one bad row, so that ``read == written + rejected`` always holds.
"""
from __future__ import annotations

import codecs
import glob
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Sequence

from ..errors import InputError, ParameterError
from ..readers import SEPARATORS, SURROGATES, detect_format, separator, text_folder_files
from ..readers_stream import (Block, delimited_blocks, delimited_header_row, head_records, jsonl_blocks,
                              jsonl_head_lines, jsonl_layout_problem, parquet_blocks, parquet_columns,
                              read_delimited_block, read_jsonl_block, read_parquet_block, read_text_folder_block,
                              text_folder_blocks)

SNIPPET_CHARS = 200  # raw text kept in a reject record: enough to find the row, not a copy of it
# the head of a JSONL input whose fields check_columns looks at: whichever bound comes first
JSONL_CHECK_LINES = 1000
JSONL_CHECK_BYTES = 2**20
_LISTED_FIELDS = 50  # fields named in an error, at most (JSONL records may each have others)
_GLOB_CHARS = re.compile(r"[*?\[]")


# ---------------------------------------------------------------------------------------------
# what to read
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class InputFile:
    """One input after glob expansion: its position, path as given and format."""

    index: int
    path: str
    format: str  # "jsonl", "csv", "tsv", "parquet" or "folder"

    @property
    def compressed(self) -> bool:
        return self.path.lower().endswith(".gz")

    @property
    def nbytes(self) -> int:
        p = Path(self.path)
        if p.is_dir():
            return sum(f.stat().st_size for f in text_folder_files(p, required=False))
        return p.stat().st_size


def has_glob(value: str) -> bool:
    """Whether a command-line input is a glob pattern rather than a path."""
    return bool(_GLOB_CHARS.search(value)) and not Path(value).exists()


class _Output(NamedTuple):
    """What a run into an output writes, as real paths (see :func:`_output_paths`)."""

    files: frozenset[str]
    dataset: str  # the output, if it is a dataset directory: its part-* and _* entries are the run's
    parts: str  # the parts folder of a single output file: all of it is the run's

    def holds(self, path: str) -> bool:
        real = os.path.realpath(path)
        if real in self.files or real.startswith(self.parts + os.sep):
            return True
        rel = os.path.relpath(real, self.dataset)
        if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return False
        return rel.split(os.sep)[0].startswith(("part-", "_"))


def _output_paths(out: str | os.PathLike) -> _Output:
    """What a run into ``out`` writes. The names are those of :mod:`framelens.batch.local` and
    :mod:`framelens.batch.manifest`: a single file ``scores.csv`` has ``scores.csv.manifest.json``,
    ``scores.csv.rejects.jsonl`` and its parts in ``scores.csv.parts/``; a dataset directory holds
    ``part-*`` files and ``_manifest.json``, ``_rejects.jsonl`` …; ``.scores.csv.lock`` sits beside
    either."""
    base = os.path.realpath(os.fspath(out))
    lock = os.path.join(os.path.dirname(base), f".{os.path.basename(base)}.lock")
    return _Output(frozenset({base, base + ".manifest.json", base + ".rejects.jsonl", lock}), base, base + ".parts")


def _is_bookkeeping(path: str) -> bool:
    """Whether ``path`` is the manifest, journal or rejects file of a framelens batch output (of any
    run): JSON(L) files that a glob such as ``'*.json*'`` matches, and never news. A pretty-printed
    manifest read as JSONL would be as many rejects as it has lines."""
    p = Path(path)
    name = p.name
    if name in ("_manifest.json", "_journal.jsonl", "_rejects.jsonl"):
        manifest = p.parent / "_manifest.json"
    elif name.endswith(".manifest.json"):
        manifest = p
    elif name.endswith(".rejects.jsonl"):
        manifest = p.with_name(name[: -len(".rejects.jsonl")] + ".manifest.json")
    else:
        return False
    try:
        with open(manifest, "rb") as f:
            return b'"framelens_batch"' in f.read(256)  # the manifest's first key
    except OSError:
        return False


def expand_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike], *,
                  output: str | os.PathLike | None = None) -> list[InputFile]:
    """Files, folders and glob patterns → the list of inputs, in order, each once.

    A glob (``"archive/2024-*.jsonl.gz"``, ``"archive/**/*.csv"``) expands to its matches in sorted
    order; a pattern that matches nothing, a missing path, an unknown extension or a folder without
    any ``.txt`` file raises :class:`~framelens.errors.InputError`.

    ``output`` is the run's output: a glob's matches that are the output or its manifest, rejects or
    parts are left out (``'*.csv' --out scores.csv`` run twice must not read its own scores the
    second time), and an input named explicitly that is one of them raises
    :class:`~framelens.errors.ParameterError` (the run would overwrite it). The manifest, journal and
    rejects files of other batch runs are left out of a glob's matches too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.jsonl", "a.jsonl", "scores.jsonl"): _ = (d / name).write_text('{"text": "x"}\\n')
    >>> [Path(i.path).name for i in expand_inputs(str(d / "*.jsonl"), output=d / "scores.jsonl")]
    ['a.jsonl', 'b.jsonl']
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if not inputs:
        raise ParameterError("no inputs: give at least one file, folder or glob pattern")
    out = _output_paths(output) if output is not None else None
    paths: list[str] = []
    for item in inputs:
        item = os.fspath(item)
        if has_glob(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputError("the glob pattern matches no file", file=item)
            matches = [m for m in matches if not _is_bookkeeping(m) and not (out is not None and out.holds(m))]
            if not matches:
                raise InputError("the glob pattern matches only the output of framelens batch runs (their scores, "
                                 "manifests or rejects)", file=item)
            paths.extend(matches)
        else:
            if not Path(item).exists():
                raise InputError("no such file or folder", file=item)
            if out is not None and out.holds(item):
                raise ParameterError(f"out {output}: the run would overwrite its input {item} (the output, or a "
                                     "file written beside it); give another output")
            paths.append(item)
    seen, out_files = set(), []
    for p in paths:
        key = os.path.realpath(p)
        if key in seen:
            continue
        seen.add(key)
        fmt = detect_format(Path(p))
        if fmt == "folder":  # a folder without documents fails here, before the output exists
            text_folder_files(p)
        out_files.append(InputFile(len(out_files), p, fmt))
    return out_files


ROLES = ("text", "source", "doc_id", "date", "title")


def kept_role(name: str) -> str:
    """The key of kept field ``name`` in :attr:`Records.values`: its name, unless a role has that
    name (``keep=["title"]`` beside ``title="headline"`` keeps the field ``title``, not the
    headline)."""
    return f"kept:{name}" if name in ROLES else name


@dataclass(frozen=True)
class Columns:
    """Which field plays each role, and which extra fields to carry into the output.

    ``None`` for a role means "the field of the default name if present" (``source``, ``doc_id``,
    ``date``, ``title``), as in :func:`framelens.read_corpus`. ``text`` must exist.
    """

    text: str | None = None
    source: str | None = None
    id: str | None = None  # noqa: A003 - the name read_corpus uses
    date: str | None = None
    title: str | None = None
    keep: tuple[str, ...] = ()

    def resolved(self) -> dict[str, str]:
        """role → field name to look for (explicit or default)."""
        return {"text": self.text or "text", "source": self.source or "source", "doc_id": self.id or "doc_id",
                "date": self.date or "date", "title": self.title or "title"}

    def explicit(self) -> dict[str, str]:
        return {role: name for role, name in (("text", self.text), ("source", self.source), ("doc_id", self.id),
                                              ("date", self.date), ("title", self.title)) if name}

    def check_header(self, names: Sequence[str], file: str) -> None:
        """Fail early when a column named by the user (or ``text``) is not in a file's header."""
        wanted = {**self.explicit(), "text": self.text or "text"}
        listed = ", ".join(SURROGATES.sub("\ufffd", str(n)) for n in names)
        if SURROGATES.search("".join(map(str, names))):  # a Latin-1 "résumé" read as UTF-8
            listed += (" (\ufffd: bytes of the header that do not decode in the encoding given; is the file in "
                       "another one? --encoding / encoding=, e.g. cp1252)")
        for role, name in wanted.items():
            if name not in names:
                raise InputError(f"no column {name!r} for {role}; the columns are: {listed}", file=file, field=name)
        for name in self.keep:
            if name not in names:
                raise InputError(f"no column {name!r} to keep; the columns are: {listed}", file=file, field=name)

    def check_fields(self, records: Sequence[dict], file: str) -> None:
        """Fail early when none of a JSONL file's first ``records`` has the text field: every row
        would be rejected. No records (an empty file, or none readable) is no evidence either way,
        and passes.

        Only the text field: unlike a CSV header, JSON records may each have their own fields, and
        a JSONL input without an (explicitly named) source, id, date, title or kept field is read,
        with that field empty, as it always was.
        """
        name = self.text or "text"
        if not records or any(name in record for record in records):
            return
        seen = list(dict.fromkeys(key for record in records for key in record))
        listed = ", ".join(map(str, seen[:_LISTED_FIELDS]))
        if len(seen) > _LISTED_FIELDS:
            listed += f", … ({len(seen) - _LISTED_FIELDS:,} more)"
        where = (f"in the first record; its fields are: {listed}" if len(records) == 1 else
                 f"in the first {len(records):,} records; their fields are: {listed}")
        raise InputError(f"no field {name!r} for text {where}", file=file, field=name)


@dataclass(frozen=True)
class Limits:
    """Per-row limits: a field longer than ``max_field_chars`` is rejected, not scored."""

    max_field_chars: int = 5_000_000
    encoding: str = "utf-8"
    errors: str = "strict"  # "replace": undecodable bytes become U+FFFD instead of rejecting the row

    def __post_init__(self):
        # checked here, before a run starts, rather than as a LookupError from the first worker
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ParameterError(f"unknown encoding {self.encoding!r}") from None
        if self.errors not in ("strict", "replace"):
            raise ParameterError(f"errors must be 'strict' or 'replace', not {self.errors!r}")


def check_columns(files: Sequence[InputFile], columns: Columns, limits: Limits = Limits()) -> None:
    """Check that every CSV/TSV and Parquet input has the columns ``columns`` names (and
    ``text``), reading only headers and schemas, and that the first records of every JSONL input
    (up to :data:`JSONL_CHECK_LINES` non-blank lines or :data:`JSONL_CHECK_BYTES` bytes, ``.gz``
    included, whichever comes first) have the text field. Folders have fixed fields.

    JSONL records have no header: the text field is missing there when *none* of the first records
    that are JSON objects has it (then every row would be rejected); other fields are not checked
    (see :meth:`Columns.check_fields`). A file whose first lines are empty or unreadable passes: its
    rows are rejected and counted by the run as usual.

    Called before a run creates its output, so that a misspelt column fails with nothing written
    (the same check in :func:`iter_chunks` would come after the manifest exists, and the corrected
    command would then be refused as a different run). Raises
    :class:`~framelens.errors.InputError` naming the file and the column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "news.csv").write_text("id,body\\n1,Rebels advanced.\\n")
    >>> check_columns(expand_inputs(d / "news.csv"), Columns(text="body", id="id"))
    >>> try:
    ...     check_columns(expand_inputs(d / "news.csv"), Columns(text="content"))
    ... except InputError as exc:
    ...     print(exc.reason)
    no column 'content' for text; the columns are: id, body
    >>> _ = (d / "news.jsonl").write_text('{"id": 1, "text": "Rebels advanced."}\\n')
    >>> try:
    ...     check_columns(expand_inputs(d / "news.jsonl"), Columns(text="body"))
    ... except InputError as exc:
    ...     print(exc.reason)
    no field 'body' for text in the first record; its fields are: id, text
    """
    for inp in files:
        if inp.format in SEPARATORS:
            names = delimited_header_row(inp.path, separator(inp.path, inp.format), encoding=limits.encoding)
            if not names:  # an empty file: no rows, no columns to check
                continue
        elif inp.format == "parquet":
            names = parquet_columns(inp.path)
            if not names:  # a file of 0 bytes: no rows, no columns to check
                continue
        elif inp.format == "jsonl":
            head = jsonl_head_lines(inp.path, JSONL_CHECK_LINES, JSONL_CHECK_BYTES, encoding=limits.encoding)
            # a .json file of one JSON array (pandas' default to_json) would be a run of rejects only
            problem = jsonl_layout_problem(head)
            if problem is not None:
                raise InputError(problem[1], file=inp.path, row=problem[0])
            records = head_records(head)
            columns.check_fields(records, inp.path)
            continue
        else:
            continue
        columns.check_header(names, inp.path)


# ---------------------------------------------------------------------------------------------
# chunks
# ---------------------------------------------------------------------------------------------
@dataclass
class Chunk:
    """A piece of one input, small enough for one worker; ``name`` identifies its output part."""

    input: InputFile
    index: int  # 0-based chunk number within the input
    first_row: int  # row/line number of the first row in the chunk
    nbytes: int  # input bytes this chunk accounts for (compressed bytes for .gz), for progress
    byte_range: tuple[int, int] | None = None  # uncompressed JSONL: the worker reads the range
    payload: Any = None  # bytes (.jsonl.gz), (header, rows) (CSV), RecordBatch (Parquet), files (folder)

    @property
    def name(self) -> str:
        return f"part-{self.input.index:05d}-{self.index:06d}"

    @property
    def block(self) -> Block:
        """What the streaming readers read: the chunk without its place in the run."""
        return Block(self.first_row, self.nbytes, self.byte_range, self.payload)


def iter_chunks(inp: InputFile, columns: Columns, chunk_size: int = 10_000,
                chunk_bytes: int = 16 * 2**20, limits: Limits = Limits()) -> Iterator[Chunk]:
    """Cut one input into chunks of at most ``chunk_size`` rows (and about ``chunk_bytes`` bytes).

    Only one chunk is held at a time; a consumer that stops pulling stops the reading.
    """
    if chunk_size < 1 or chunk_bytes < 1:
        raise ParameterError(f"chunk_size and chunk_bytes must be ≥ 1, not {chunk_size} and {chunk_bytes}")
    if inp.format == "jsonl":
        blocks = jsonl_blocks(inp.path, chunk_size, chunk_bytes, encoding=limits.encoding, errors=limits.errors)
    elif inp.format in SEPARATORS:
        blocks = delimited_blocks(inp.path, separator(inp.path, inp.format), chunk_size, chunk_bytes, encoding=limits.encoding,
                                  check_header=columns.check_header)
    elif inp.format == "parquet":
        blocks = parquet_blocks(inp.path, chunk_size, [*columns.resolved().values(), *columns.keep],
                                check_header=columns.check_header)
    else:
        blocks = text_folder_blocks(inp.path, chunk_size, chunk_bytes)
    for index, block in enumerate(blocks):
        yield Chunk(inp, index, *block)


# ---------------------------------------------------------------------------------------------
# parsing (in the worker)
# ---------------------------------------------------------------------------------------------
@dataclass
class Records:
    """Readable rows of a chunk: row numbers, the values of each role and kept field, and rejects.

    Values arrive in segments, in row order: lists filled row by row (:class:`_RowBuilder`) or Arrow
    string arrays for whole blocks of JSONL lines read at once
    (:func:`~framelens.readers_stream.read_jsonl_block`); :attr:`values` joins them per field.
    """

    rows: list[int] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    read: int = 0
    segments: list[dict[str, Any]] = field(default_factory=list)  # role → list, or role → Arrow array

    def reject(self, file: str, row: int | None, reason: str, raw: Any) -> None:
        if isinstance(raw, bytes):
            raw = raw[: SNIPPET_CHARS * 4].decode("utf-8", errors="replace")
        snippet = str(raw)[:SNIPPET_CHARS]
        self.rejects.append({"file": file, "row": row, "reason": reason,
                             "snippet": SURROGATES.sub("\ufffd", snippet)})

    def lists(self, roles: Sequence[str]) -> list[list]:
        """The lists that values read row by row go into (a new segment after an Arrow one)."""
        if not self.segments or not isinstance(self.segments[-1][roles[0]], list):
            self.segments.append({role: [] for role in roles})
        last = self.segments[-1]
        return [last[role] for role in roles]

    def add_arrow(self, rows: range, columns: dict[str, Any]) -> None:
        """Add a block of rows read at once: ``columns`` maps every role to an Arrow string array."""
        self.rows.extend(rows)
        self.read += len(rows)
        self.segments.append(columns)

    @property
    def values(self) -> dict[str, Any]:
        """Role or kept field → its values (``None`` where absent): an Arrow ``ChunkedArray`` of
        strings when every row was read in Arrow blocks, else a list."""
        if not self.segments:
            return {}
        out: dict[str, Any] = {}
        for role in self.segments[0]:
            parts = [seg[role] for seg in self.segments]
            if not any(isinstance(p, list) for p in parts):
                import pyarrow as pa

                out[role] = pa.chunked_array(parts, type=pa.string())
            else:
                out[role] = [x for p in parts for x in (p if isinstance(p, list) else p.to_pylist())]
        return out


class _RowBuilder:
    """Applies the role mapping and the limits to one row at a time (the hot loop of reading): the
    :class:`~framelens.readers_stream.RowSink` the streaming readers hand rows to."""

    def __init__(self, file: str, columns: Columns, limits: Limits, records: Records):
        self.file, self.limits, self.records = file, limits, records
        fields = list(columns.resolved().items())  # "text" first: it decides whether the row is kept
        # a kept field is read for itself even when a role reads it too (keep=["published"] beside
        # date="published" keeps the date as written), under a key no role uses
        fields += [(kept_role(name), name) for name in dict.fromkeys(columns.keep)]
        self.roles = [role for role, _ in fields]
        self.names = [name for _, name in fields]
        self.lists: list[list] = []
        self._segment: dict | None = None

    @property
    def max_field_chars(self) -> int:
        return self.limits.max_field_chars

    def reject(self, file: str, row: int | None, reason: str, raw: Any) -> None:
        """Count a row the reader could not read, and record why."""
        self.records.read += 1
        self.records.reject(file, row, reason, raw)

    def add_arrow(self, rows: range, columns: dict[str, Any]) -> None:
        self.records.add_arrow(rows, columns)

    def add(self, row: int, get, raw: Any, check_bytes: bool = True) -> None:
        """Add the row whose field ``name`` is ``get(name)`` (``None`` when absent), or reject it.

        ``check_bytes=False`` skips the search for undecodable bytes (lone surrogates) where the
        reader guarantees there are none.
        """
        records = self.records
        records.read += 1
        values = [get(name) for name in self.names]
        text = values[0]
        if text is None:
            return records.reject(self.file, row, f"missing text (no value in field {self.names[0]!r})", raw)
        if isinstance(text, (dict, list)):
            return records.reject(self.file, row, f"text field {self.names[0]!r} holds a JSON "
                                  f"{'object' if isinstance(text, dict) else 'array'}, not text", raw)
        limit = self.limits.max_field_chars
        for i, value in enumerate(values):
            if value.__class__ is not str:
                if value is None:
                    continue
                if isinstance(value, (dict, list)):  # nested metadata is kept as its JSON text
                    values[i] = value = json.dumps(value, ensure_ascii=False, sort_keys=True)
                elif isinstance(value, (bytes, bytearray)):  # a binary Parquet column: text in the input's encoding
                    try:
                        values[i] = value = value.decode(self.limits.encoding, errors=self.limits.errors)
                    except UnicodeDecodeError as exc:
                        return records.reject(self.file, row, f"undecodable bytes for encoding "
                                              f"{self.limits.encoding!r} at byte {exc.start} in field "
                                              f"{self.names[i]!r}", raw)
                elif isinstance(value, (bool, int, float)):
                    # a number (JSON, Parquet) as its text here, row by row: left to pandas, a chunk's
                    # column would be typed by the chunk's other rows (7 → "7.0" beside a 2.5 or a null)
                    values[i] = value = None if value != value else str(value)  # NaN: missing, as in pandas
                    if value is None:
                        if i == 0:
                            return records.reject(self.file, row, f"missing text (NaN in field {self.names[0]!r})",
                                                  raw)
                        continue
                else:  # dates and times (Parquet): read_corpus reads them as they are
                    continue
            if len(value) > limit:
                return records.reject(self.file, row, f"field {self.names[i]!r} has {len(value):,} characters, over "
                                      f"the limit of {limit:,}", raw)
            if check_bytes and (bad := SURROGATES.search(value)):
                if self.limits.errors != "replace":
                    undecodable = "\udc80" <= bad.group() <= "\udcff"  # (surrogateescape's range)
                    what = (f"undecodable bytes for encoding {self.limits.encoding!r}" if undecodable
                            else "a lone surrogate escape (\\ud800-\\udfff without its pair), which is not text,")
                    return records.reject(self.file, row, f"{what} in field {self.names[i]!r}", raw)
                values[i] = SURROGATES.sub("\ufffd", value)
        records.rows.append(row)
        if not self.lists or records.segments[-1] is not self._segment:
            self.lists = records.lists(self.roles)
            self._segment = records.segments[-1]
        for column, value in zip(self.lists, values):
            column.append(value)


def parse_chunk(chunk: Chunk, columns: Columns, limits: Limits = Limits()) -> Records:
    """The readable rows of ``chunk`` and the rejected ones; never raises for a bad row."""
    records = Records()
    fmt, file, block = chunk.input.format, chunk.input.path, chunk.block
    # a folder's fields have fixed names (see framelens.readers.text_file_fields); the kept fields stay empty
    builder = _RowBuilder(file, columns if fmt != "folder" else Columns(keep=columns.keep), limits, records)
    if fmt == "jsonl":
        read_jsonl_block(file, block, builder, encoding=limits.encoding, errors=limits.errors)
    elif fmt in SEPARATORS:
        read_delimited_block(file, block, separator(file, fmt), builder)
    elif fmt == "parquet":
        read_parquet_block(block, builder)
    else:
        read_text_folder_block(file, block, builder, encoding=limits.encoding, errors=limits.errors)
    return records
