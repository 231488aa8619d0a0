"""Chunked readers for batch scoring: files, globs and folders, cut into pieces of bounded size.

Reading is split in two so that the process which feeds the workers stays light:

* :func:`iter_chunks` (main process) only *cuts* an input into :class:`Chunk` s. For uncompressed
  JSONL a chunk is a byte range the worker reads itself; for a folder it is a list of ``.txt`` files;
  for ``.jsonl.gz`` the decompressed lines, for CSV/TSV the parsed records (quoted fields may hold line
  breaks, so CSV must be parsed to be cut) and for Parquet an Arrow record batch travel with the chunk.
* :func:`parse_chunk` (worker) turns a chunk into :class:`Records` (one entry per readable row, with
  its 1-based row or line number) and rejects (row, reason, raw snippet) — never an exception for one
  bad row, so that ``read == written + rejected`` always holds. UTF-8 JSONL is read in blocks of
  lines with ``pyarrow.json`` where a block is clean, and line by line (``json.loads``) around the
  lines that are not (see :class:`_ArrowJsonl`): the same rows, values and rejects either way.

Cutting is deterministic: the same input and the same ``chunk_size``/``chunk_bytes`` give the same
chunks, which is what lets an interrupted run resume part by part.

Row numbers follow :mod:`framelens.readers`: JSONL rows are physical line numbers (blank lines are
skipped and not counted as read), CSV/TSV and Parquet rows are 1-based data records, a folder's rows
are the 1-based position of the file in sorted order.
"""
from __future__ import annotations

import codecs
import csv
import glob
import gzip
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import InputError, ParameterError
from ..readers import detect_format

SNIPPET_CHARS = 200  # raw text kept in a reject record: enough to find the row, not a copy of it
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes under errors="surrogateescape"
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
            return sum(f.stat().st_size for f in p.rglob("*.txt") if f.is_file())
        return p.stat().st_size


def has_glob(value: str) -> bool:
    """Whether a command-line input is a glob pattern rather than a path."""
    return bool(_GLOB_CHARS.search(value)) and not Path(value).exists()


def expand_inputs(inputs: str | os.PathLike | Sequence[str | os.PathLike]) -> list[InputFile]:
    """Files, folders and glob patterns → the list of inputs, in order, each once.

    A glob (``"archive/2024-*.jsonl.gz"``, ``"archive/**/*.csv"``) expands to its matches in sorted
    order; a pattern that matches nothing, a missing path or an unknown extension raises
    :class:`~framelens.errors.InputError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.jsonl", "a.jsonl"): _ = (d / name).write_text('{"text": "x"}\\n')
    >>> [Path(i.path).name for i in expand_inputs(str(d / "*.jsonl"))]
    ['a.jsonl', 'b.jsonl']
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if not inputs:
        raise ParameterError("no inputs: give at least one file, folder or glob pattern")
    paths: list[str] = []
    for item in inputs:
        item = os.fspath(item)
        if has_glob(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise InputError("the glob pattern matches no file", file=item)
            paths.extend(matches)
        else:
            if not Path(item).exists():
                raise InputError("no such file or folder", file=item)
            paths.append(item)
    seen, out = set(), []
    for p in paths:
        key = os.path.realpath(p)
        if key in seen:
            continue
        seen.add(key)
        out.append(InputFile(len(out), p, detect_format(Path(p))))
    return out


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
        for role, name in wanted.items():
            if name not in names:
                raise InputError(f"no column {name!r} for {role}; the columns are: {', '.join(map(str, names))}",
                                 file=file, field=name)
        for name in self.keep:
            if name not in names:
                raise InputError(f"no column {name!r} to keep; the columns are: {', '.join(map(str, names))}",
                                 file=file, field=name)


@dataclass(frozen=True)
class Limits:
    """Per-row limits: a field longer than ``max_field_chars`` is rejected, not scored."""

    max_field_chars: int = 5_000_000
    encoding: str = "utf-8"
    errors: str = "strict"  # "replace": undecodable bytes become U+FFFD instead of rejecting the row


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


def iter_chunks(inp: InputFile, columns: Columns, chunk_size: int = 10_000,
                chunk_bytes: int = 16 * 2**20, limits: Limits = Limits()) -> Iterator[Chunk]:
    """Cut one input into chunks of at most ``chunk_size`` rows (and about ``chunk_bytes`` bytes).

    Only one chunk is held at a time; a consumer that stops pulling stops the reading.
    """
    if chunk_size < 1 or chunk_bytes < 1:
        raise ParameterError(f"chunk_size and chunk_bytes must be ≥ 1, not {chunk_size} and {chunk_bytes}")
    if inp.format == "jsonl":
        yield from (_jsonl_gz_chunks if inp.compressed else _jsonl_chunks)(inp, chunk_size, chunk_bytes)
    elif inp.format in ("csv", "tsv"):
        yield from _csv_chunks(inp, columns, chunk_size, chunk_bytes, limits)
    elif inp.format == "parquet":
        yield from _parquet_chunks(inp, columns, chunk_size)
    else:
        yield from _folder_chunks(inp, chunk_size, chunk_bytes)


def _jsonl_chunks(inp: InputFile, chunk_size: int, chunk_bytes: int) -> Iterator[Chunk]:
    # Only line boundaries are found here (buffered readline, C speed); the worker reads the bytes.
    with open(inp.path, "rb") as f:
        index, start, first_line, line, lines, pos = 0, 0, 1, 1, 0, 0
        for raw in f:
            pos += len(raw)
            line += 1
            lines += 1
            if lines >= chunk_size or pos - start >= chunk_bytes:
                yield Chunk(inp, index, first_line, pos - start, byte_range=(start, pos))
                index, start, first_line, lines = index + 1, pos, line, 0
        if pos > start or index == 0:
            yield Chunk(inp, index, first_line, pos - start, byte_range=(start, pos))


def _jsonl_gz_chunks(inp: InputFile, chunk_size: int, chunk_bytes: int) -> Iterator[Chunk]:
    with open(inp.path, "rb") as raw_file:
        try:
            with gzip.GzipFile(fileobj=raw_file) as f:
                index, first_line, line, buf, size, done = 0, 1, 1, [], 0, 0
                for raw in f:
                    buf.append(raw)
                    size += len(raw)
                    line += 1
                    if len(buf) >= chunk_size or size >= chunk_bytes:
                        now = raw_file.tell()
                        yield Chunk(inp, index, first_line, now - done, payload=b"".join(buf))
                        index, first_line, buf, size, done = index + 1, line, [], 0, now
        except (OSError, EOFError) as exc:  # a truncated or corrupt archive: rows past it cannot be counted
            raise InputError(f"not a valid gzip file past line {line - 1} ({exc})", file=inp.path) from None
        if buf or index == 0:
            yield Chunk(inp, index, first_line, raw_file.tell() - done, payload=b"".join(buf))


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for progress in MB."""

    def __init__(self, f):
        self.f, self.count = f, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.f.readinto(b)
        self.count += n or 0
        return n


def _csv_chunks(inp: InputFile, columns: Columns, chunk_size: int, chunk_bytes: int, limits: Limits) -> Iterator[Chunk]:
    csv.field_size_limit(sys.maxsize)  # sizes are checked per field against Limits instead
    opener = gzip.open if inp.compressed else open
    with opener(inp.path, "rb") as binary:
        counter = _CountingReader(binary)
        # surrogateescape keeps undecodable bytes visible to the worker, which rejects that row only
        text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 20), encoding=limits.encoding,
                                errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter="," if inp.format == "csv" else "\t")
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("the file is empty (no header row)", file=inp.path) from None
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        columns.check_header(header, inp.path)
        index, first, row, rows, size, done = 0, 1, 1, [], 0, 0
        for record in reader:
            rows.append(record)
            size += sum(map(len, record))
            row += 1
            if len(rows) >= chunk_size or size >= chunk_bytes:
                yield Chunk(inp, index, first, counter.count - done, payload=(header, rows))
                index, first, rows, size, done = index + 1, row, [], 0, counter.count
        if rows or index == 0:
            yield Chunk(inp, index, first, counter.count - done, payload=(header, rows))


def _parquet_chunks(inp: InputFile, columns: Columns, chunk_size: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(inp.path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"cannot read Parquet ({exc})", file=inp.path) from None
    names = pf.schema_arrow.names
    columns.check_header(names, inp.path)
    wanted = [n for n in dict.fromkeys([*columns.resolved().values(), *columns.keep]) if n in names]
    total_rows, size = max(pf.metadata.num_rows, 1), Path(inp.path).stat().st_size
    first = 1
    for index, batch in enumerate(pf.iter_batches(batch_size=chunk_size, columns=wanted)):
        yield Chunk(inp, index, first, size * batch.num_rows // total_rows, payload=batch)
        first += batch.num_rows
    if first == 1:  # an empty file still gets its (empty) part, so that every input is accounted for
        yield Chunk(inp, 0, 1, size, payload=None)


def _folder_chunks(inp: InputFile, chunk_size: int, chunk_bytes: int) -> Iterator[Chunk]:
    root = Path(inp.path)
    files = sorted(p for p in root.rglob("*.txt") if p.is_file())
    if not files:
        raise InputError("no .txt files in this folder", file=inp.path)
    index, first, batch, size = 0, 1, [], 0
    for i, path in enumerate(files, start=1):
        batch.append(str(path))
        size += path.stat().st_size
        if len(batch) >= chunk_size or size >= chunk_bytes:
            yield Chunk(inp, index, first, size, payload=batch)
            index, first, batch, size = index + 1, i + 1, [], 0
    if batch:
        yield Chunk(inp, index, first, size, payload=batch)


# ---------------------------------------------------------------------------------------------
# parsing (in the worker)
# ---------------------------------------------------------------------------------------------
@dataclass
class Records:
    """Readable rows of a chunk: row numbers, the values of each role and kept field, and rejects.

    Values arrive in segments, in row order: lists filled row by row (:class:`_RowBuilder`) or Arrow
    string arrays for whole blocks of lines read at once (:func:`_parse_jsonl`); :attr:`values`
    joins them per field.
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
                             "snippet": _SURROGATE.sub("\ufffd", snippet)})

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
    """Applies the role mapping and the limits to one row at a time (the hot loop of reading)."""

    def __init__(self, file: str, columns: Columns, limits: Limits, records: Records):
        self.file, self.limits, self.records = file, limits, records
        fields = list(columns.resolved().items())  # "text" first: it decides whether the row is kept
        fields += [(name, name) for name in columns.keep if name not in {n for _, n in fields}]
        self.roles = [role for role, _ in fields]
        self.names = [name for _, name in fields]
        self.lists: list[list] = []
        self._segment: dict | None = None

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
                if isinstance(value, (dict, list)):  # nested metadata is kept as its JSON text
                    values[i] = value = json.dumps(value, ensure_ascii=False, sort_keys=True)
                else:
                    continue
            if len(value) > limit:
                return records.reject(self.file, row, f"field {self.names[i]!r} has {len(value):,} characters, over "
                                      f"the limit of {limit:,}", raw)
            if check_bytes and _SURROGATE.search(value):
                if self.limits.errors != "replace":
                    return records.reject(self.file, row, f"undecodable bytes for encoding {self.limits.encoding!r} "
                                          f"in field {self.names[i]!r}", raw)
                values[i] = _SURROGATE.sub("\ufffd", value)
        records.rows.append(row)
        if not self.lists or records.segments[-1] is not self._segment:
            self.lists = records.lists(self.roles)
            self._segment = records.segments[-1]
        for column, value in zip(self.lists, values):
            column.append(value)


def parse_chunk(chunk: Chunk, columns: Columns, limits: Limits = Limits()) -> Records:
    """The readable rows of ``chunk`` and the rejected ones; never raises for a bad row."""
    records = Records()
    fmt = chunk.input.format
    # a folder's fields have fixed names (see _parse_folder); the kept fields stay empty
    builder = _RowBuilder(chunk.input.path, columns if fmt != "folder" else Columns(keep=columns.keep), limits, records)
    if fmt == "jsonl":
        if chunk.byte_range is not None:
            start, end = chunk.byte_range
            with open(chunk.input.path, "rb") as f:
                f.seek(start)
                data = f.read(end - start)
        else:
            data = chunk.payload
        _parse_jsonl(data, chunk, limits, builder)
    elif fmt in ("csv", "tsv"):
        header, rows = chunk.payload
        width = len(header)
        for i, record in enumerate(rows):
            row = chunk.first_row + i
            if len(record) != width:
                records.read += 1
                sep = "," if fmt == "csv" else "\t"
                records.reject(chunk.input.path, row, f"{len(record)} fields where the header has {width}", sep.join(record))
                continue
            mapping = dict(zip(header, record))
            builder.add(row, mapping.get, mapping)
    elif fmt == "parquet":
        batch = chunk.payload
        if batch is not None and batch.num_rows:
            data = {name: batch.column(name).to_pylist() for name in batch.schema.names}
            for i in range(batch.num_rows):  # Arrow strings are valid UTF-8: nothing to check
                builder.add(chunk.first_row + i, lambda name, i=i: data[name][i] if name in data else None,
                            {k: v[i] for k, v in data.items()}, check_bytes=False)
    else:
        _parse_folder(chunk, limits, builder)
    return records


def _parse_jsonl(data: bytes, chunk: Chunk, limits: Limits, builder: _RowBuilder) -> None:
    if chunk.first_row == 1 and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    fast = _ArrowJsonl.create(data, chunk, limits, builder)
    if fast is None:
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        _parse_jsonl_lines(lines, chunk.first_row, chunk.input.path, limits, builder)
    else:
        fast.read(0, fast.n_lines)


def _parse_jsonl_lines(lines: Sequence[bytes], first_row: int, file: str, limits: Limits, builder: _RowBuilder) -> None:
    """The reference reader: one line at a time with :func:`json.loads` (``lines[0]`` is line ``first_row``)."""
    records = builder.records
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        row = first_row + i
        try:
            line = raw.decode(limits.encoding, errors=limits.errors)
        except UnicodeDecodeError as exc:
            records.read += 1
            records.reject(file, row, f"undecodable bytes for encoding {limits.encoding!r} at byte {exc.start} of "
                                      f"the line", raw)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            records.read += 1
            records.reject(file, row, f"malformed JSON ({exc.msg} at column {exc.colno})", line)
            continue
        if not isinstance(record, dict):
            records.read += 1
            records.reject(file, row, f"each line must be a JSON object, found {type(record).__name__}", line)
            continue
        # strictly decoded UTF-8 holds no lone surrogate unless a \\udXXX escape put one there
        builder.add(row, record.get, line, check_bytes=b"\\ud" in raw or b"\\uD" in raw)


class _ArrowJsonl:
    """Read blocks of JSONL lines with ``pyarrow.json`` (~4× faster than ``json.loads`` per line),
    falling back to :func:`_parse_jsonl_lines` exactly where a block is not plainly clean.

    A block is taken whole only when every line starts with ``{``, the bytes are valid UTF-8, Arrow
    parses it into exactly one row per line with every wanted field a string (or null; an integer id
    or kept field is turned into its decimal text, as ``str()`` does), no text is missing and no
    field is over the length limit. Otherwise (a malformed or non-object line, a blank line,
    undecodable bytes, a nested or numeric text, a lone surrogate escape…) the line at fault, when
    known (Arrow names the row of a parse error), is read by itself line by line and the lines
    around it go on in blocks; when it is not known the block is split in two, down to blocks of
    :attr:`MIN_LINES` lines read line by line. So the rows, values and rejects are those of the
    line-by-line reader, whatever the hint, and a rare bad line costs little.
    """

    MIN_LINES = 8
    _CHANGED = re.compile(r"Column\(/(.*?)\) changed from (?:string to number|number to string)")
    _ROW = re.compile(r" in row (\d+)")

    def __init__(self, data: bytes, chunk: Chunk, limits: Limits, builder: _RowBuilder):
        import numpy as np
        import pyarrow as pa

        self.pa, self.np = pa, np
        self.data, self.chunk, self.limits, self.builder = data, chunk, limits, builder
        self.buffer = pa.py_buffer(data)
        arr = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(arr == 0x0A)
        if not data.endswith(b"\n"):
            ends = np.r_[ends, len(data)]
        self.ends = ends  # line i is data[starts[i]:ends[i]], as data.split(b"\n") cuts it
        self.starts = np.r_[0, ends[:-1] + 1].astype(np.int64)
        self.n_lines = int(ends.shape[0])
        # a line must start with "{" (no blank, indented or BOM-prefixed line)
        first = arr[np.minimum(self.starts, max(len(data) - 1, 0))] if len(data) else arr[:0]
        self.opens = (first == 0x7B) & (self.ends > self.starts)
        self.fields = list(dict.fromkeys(builder.names))
        self.types = {name: pa.string() for name in self.fields}
        # a number is accepted, as its decimal text, only where the row reader would str() it
        self.numeric_ok = {name for name in self.fields if all(
            role not in ("text", "source", "date", "title")
            for role, n in zip(builder.roles, builder.names) if n == name)}

    @classmethod
    def create(cls, data: bytes, chunk: Chunk, limits: Limits, builder: _RowBuilder) -> "_ArrowJsonl | None":
        """A fast reader for ``data``, or ``None`` where only the line-by-line reader applies."""
        if codecs.lookup(limits.encoding).name != "utf-8" or not data:
            return None
        try:
            import pyarrow.json  # noqa: F401
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            return None
        return cls(data, chunk, limits, builder)

    def read(self, lo: int, hi: int) -> None:
        """Lines ``lo`` to ``hi - 1``, in order: in Arrow blocks where they are clean, the others
        line by line."""
        while lo < hi:
            fault = self._block(lo, hi)
            if fault is None:
                return
            if lo <= fault < hi and hi - lo > 1:  # the line at fault alone, then the rest
                self.read(lo, fault)
                self._lines(fault, fault + 1)
                lo = fault + 1
            elif hi - lo >= 2 * self.MIN_LINES:  # somewhere in the block: halve it
                mid = (lo + hi) // 2
                self.read(lo, mid)
                lo = mid
            else:
                self._lines(lo, hi)
                return

    def _lines(self, lo: int, hi: int) -> None:
        lines = [self.data[s:e] for s, e in zip(self.starts[lo:hi].tolist(), self.ends[lo:hi].tolist())]
        _parse_jsonl_lines(lines, self.chunk.first_row + lo, self.chunk.input.path, self.limits, self.builder)

    def _block(self, lo: int, hi: int) -> int | None:
        """Read lines ``lo`` to ``hi - 1`` as one block: ``None`` when done, else nothing is read
        and the index of a line at fault is returned (-1 when unknown)."""
        pa, np = self.pa, self.np
        opens = self.opens[lo:hi]
        if not opens.all():
            return lo + int(np.argmin(opens))
        start, stop = int(self.starts[lo]), int(self.ends[hi - 1])
        piece = self.buffer.slice(start, stop - start)
        try:  # the row reader rejects a line with undecodable bytes anywhere, not only in wanted fields
            pa.LargeStringArray.from_buffers(1, pa.py_buffer(np.array([0, stop - start], dtype=np.int64)), piece
                                             ).validate(full=True)
        except pa.ArrowInvalid:
            try:
                piece.to_pybytes().decode("utf-8")
            except UnicodeDecodeError as exc:  # the line holding the first bad byte
                return int(np.searchsorted(self.starts, start + exc.start, side="right")) - 1
            return -1
        table = self._parse(piece)
        if isinstance(table, int):
            return lo + table if table >= 0 else -1
        if table.num_rows != hi - lo:
            return -1
        limit = self.limits.max_field_chars
        columns = {}
        for name in self.fields:
            col = table.column(name)
            if pa.types.is_integer(col.type):
                col = col.cast(pa.string())
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if col.null_count and name == self.builder.names[0]:  # a missing text: rejected with its line
                return lo + int(np.argmax(col.is_null().to_numpy(zero_copy_only=False)))
            if len(col) and col.null_count < len(col):
                import pyarrow.compute as pc

                longest = pc.max(pc.binary_length(col)).as_py()  # bytes ≥ characters: exact check only if needed
                if longest > limit:
                    over = pc.greater(pc.utf8_length(col), limit).fill_null(False).to_numpy(zero_copy_only=False)
                    if over.any():
                        return lo + int(np.argmax(over))
            columns[name] = col
        first = self.chunk.first_row + lo
        self.builder.records.add_arrow(range(first, first + hi - lo),
                                       {role: columns[name] for role, name in zip(self.builder.roles, self.builder.names)})
        return None

    def _parse(self, piece):
        """The wanted fields of a block of lines as a Table or, if Arrow refuses it, the row it
        names in its error (-1 if none)."""
        import pyarrow.json as pj

        pa = self.pa
        types = dict(self.types)  # starting from the types the last block had
        flipped: set[str] = set()
        while True:
            schema = pa.schema([(name, types[name]) for name in self.fields])
            try:
                table = pj.read_json(pa.BufferReader(piece),
                                     read_options=pj.ReadOptions(use_threads=False, block_size=piece.size + 1),
                                     parse_options=pj.ParseOptions(explicit_schema=schema,
                                                                   unexpected_field_behavior="ignore"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                m = self._CHANGED.search(str(exc))
                name = m.group(1) if m else None
                if name not in self.numeric_ok or name in flipped:
                    row = self._ROW.search(str(exc))
                    return int(row.group(1)) if row else -1
                # integers where strings were expected or the other way round: the other type, once
                # per field (a float, a boolean or a mix of both then fails for good)
                flipped.add(name)
                types[name] = pa.int64() if types[name] == pa.string() else pa.string()
                continue
            self.types = types
            return table


def _parse_folder(chunk: Chunk, limits: Limits, builder: _RowBuilder) -> None:
    root = Path(chunk.input.path)
    for i, name in enumerate(chunk.payload):
        path, row = Path(name), chunk.first_row + i
        data = path.read_bytes()
        try:
            text = data.decode(limits.encoding, errors=limits.errors)
        except UnicodeDecodeError as exc:
            builder.records.read += 1
            builder.records.reject(name, None, f"undecodable bytes for encoding {limits.encoding!r} at byte "
                                               f"{exc.start}", data)
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        rel = path.relative_to(root)
        # the same rule as framelens.readers.read_text_folder: sub-folder = source, first line = title
        fields = {"text": text, "doc_id": rel.with_suffix("").as_posix(),
                  "source": rel.parts[0] if len(rel.parts) > 1 else root.name,
                  "title": next((ln.strip() for ln in text.splitlines() if ln.strip()), "")}
        builder.add(row, fields.get, text)
