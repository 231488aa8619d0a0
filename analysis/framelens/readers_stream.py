"""Streaming readers: inputs of any size read block by block, every row located, a bad row reported
and never raised.

The counterpart of :mod:`framelens.readers` (one whole input → one DataFrame) for
:mod:`framelens.batch`, split in two so that the process which cuts an input stays light:

* the ``*_blocks`` functions *cut* one input into :class:`Block` s of bounded rows and bytes. For
  uncompressed JSONL a block is a byte range the reader reads itself; for ``.jsonl.gz`` the
  decompressed lines, for CSV/TSV the parsed records (quoted fields may hold line breaks, so CSV must
  be parsed to be cut), for Parquet an Arrow record batch and for a folder its list of ``.txt`` files
  travel with the block. Cutting is deterministic: the same input and bounds give the same blocks.
* the ``read_*_block`` functions (in a worker) hand each row of a block to a :class:`RowSink`:
  ``sink.add`` with its row number and a getter for its fields, or ``sink.reject`` with the reason
  — never an exception for one bad row. UTF-8 JSONL is read in blocks of lines with ``pyarrow.json``
  where a block is clean, and line by line (``json.loads``) around the lines that are not (see
  :class:`_ArrowJsonl`): the same rows, values and rejects either way.

Row numbers follow :mod:`framelens.readers`: JSONL rows are physical line numbers (blank lines are
skipped and not counted as read), CSV/TSV and Parquet rows are 1-based data records (a blank line is
no record, as for pandas), a folder's rows are the 1-based position of the file in sorted order. The
rules shared with the whole-file readers (which lines are JSON records, the names of a CSV header's
columns, which files a folder holds, a text file's fields) are theirs:
:func:`~framelens.readers.json_record`, :func:`~framelens.readers.delimited_header`,
:func:`~framelens.readers.text_folder_files`, :func:`~framelens.readers.text_file_fields`.

An input whose container is broken (a truncated or corrupt ``.gz``, a damaged Parquet page, bytes the
encoding cannot even split into characters) raises :class:`~framelens.errors.InputError` naming the
file and the row from which it cannot be read; nothing past that point can be counted.
"""
from __future__ import annotations

import codecs
import csv
import functools
import gzip
import io
import itertools
import json
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple, Protocol, Sequence

import numpy as np

from .errors import InputError
from .readers import delimited_header, json_record, text_file_fields, text_folder_files

#: ``check_header(names, file)``: raises :class:`InputError` when a wanted field is not among ``names``
HeaderCheck = Callable[[Sequence[str], str], None]


class Block(NamedTuple):
    """A piece of one input: the row (or line) number of its first row, the input bytes it accounts
    for (compressed bytes for ``.gz``, for progress), and either the byte range to read or the
    already read rows (``payload``)."""

    first_row: int
    nbytes: int
    byte_range: tuple[int, int] | None = None
    payload: Any = None


class RowSink(Protocol):
    """What the ``read_*_block`` functions hand rows to (the batch's row builder).

    ``names`` are the fields wanted, the text field first, and ``roles`` the role each plays
    (``"text"``, ``"source"``, ``"doc_id"``, ``"date"``, ``"title"`` or, for a kept field, its own
    name, ``"kept:<name>"`` where that is a role's). A field may be wanted for several roles (kept and
    read as the date, say): it is in ``names`` once per role, and every role gets its value.
    """

    names: list[str]
    roles: list[str]
    max_field_chars: int

    def add(self, row: int, get: Callable[[str], Any], raw: Any, check_bytes: bool = True) -> None:
        """A readable row: ``get(name)`` is the value of field ``name`` (``None`` when absent);
        ``check_bytes=False`` where the reader guarantees no undecodable bytes."""

    def reject(self, file: str, row: int | None, reason: str, raw: Any) -> None:
        """A row read but unreadable, with the reason and its raw text."""

    def add_arrow(self, rows: range, columns: dict[str, Any]) -> None:
        """A block of rows read at once: role → Arrow string array."""


class Unreadable(NamedTuple):
    """A record a cutter found but cannot split into fields (a quoted field never closed): it stands
    in the block's records, and the reader of the block rejects it with ``reason``. ``raw`` is the
    record as it is written in the file (at most :data:`UNREADABLE_RAW_CHARS` characters of it)."""

    reason: str
    raw: str


#: the raw text an :class:`Unreadable` record keeps: plenty for a reject's snippet, while a quote
#: opened early in a large file would otherwise carry the rest of the file to a worker a second time
UNREADABLE_RAW_CHARS = 1 << 16


#: what a damaged input's error says: its rows from there on can be neither scored nor counted, so the
#: run stops there (the rows before it were readable, but those of its open chunk are not written)
_STOP = "nothing from there on can be read or counted: repair the file, or leave it out of the inputs"

#: what reading a compressed or encoded stream raises when the bytes are damaged
_STREAM_ERRORS = (OSError, EOFError, zlib.error, UnicodeError)


def _compressed(path: str | os.PathLike) -> bool:
    return os.fspath(path).lower().endswith(".gz")


# ---------------------------------------------------------------------------------------------
# cutting
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def lines_end_in_newline_byte(encoding: str) -> bool:
    """Whether text in ``encoding`` ends its lines with the byte ``\\n`` and with nothing else (UTF-8,
    Latin-1, cp1252 … : ASCII stays ASCII), so that JSONL can be cut and split into lines as bytes.
    Not UTF-16 or UTF-32 (a PowerShell ``>`` writes UTF-16), whose ``\\n`` is two or four bytes.

    Examples
    --------
    >>> lines_end_in_newline_byte("utf-8"), lines_end_in_newline_byte("cp1252"), lines_end_in_newline_byte("utf-16")
    (True, True, False)
    """
    encoder = codecs.getincrementalencoder(encoding)()
    encoder.encode("")  # a byte order mark, if the codec writes one
    try:
        return encoder.encode('{"a": 1}\n') == b'{"a": 1}\n'
    except UnicodeError:
        return False


def jsonl_blocks(path: str, max_rows: int, max_bytes: int, *, encoding: str = "utf-8",
                 errors: str = "strict") -> Iterator[Block]:
    """Cut a JSONL file (``.gz`` too) into blocks of at most ``max_rows`` lines and about
    ``max_bytes`` bytes; an empty file still gives one (empty) block.

    In an ``encoding`` whose line end is not the byte ``\\n`` (UTF-16, UTF-32:
    :func:`lines_end_in_newline_byte`), the lines are decoded here and travel with the block as UTF-8
    (:func:`read_jsonl_block` then reads them as UTF-8 and rejects a line with bytes that did not
    decode, unless ``errors="replace"``: then they read as U+FFFD).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.jsonl"
    >>> _ = p.write_text('{"text": "a"}\\n{"text": "b"}\\n{"text": "c"}\\n')
    >>> [(b.first_row, b.byte_range) for b in jsonl_blocks(str(p), 2, 1 << 20)]
    [(1, (0, 28)), (3, (28, 42))]
    """
    if not lines_end_in_newline_byte(encoding):
        return _jsonl_transcoded_blocks(path, max_rows, max_bytes, encoding, errors)
    return (_jsonl_gz_blocks if _compressed(path) else _jsonl_ranges)(path, max_rows, max_bytes)


_MARK_UNDECODABLE = "framelens-mark-undecodable"
codecs.register_error(_MARK_UNDECODABLE, lambda exc: ("\udcff", exc.end))


def _jsonl_transcoded_blocks(path: str, max_rows: int, max_bytes: int, encoding: str, errors: str) -> Iterator[Block]:
    with open(path, "rb") as raw:
        counter = _CountingReader(raw)  # the bytes of the file (compressed ones for .gz), for progress
        binary = gzip.GzipFile(fileobj=counter) if _compressed(path) else io.BufferedReader(counter, 1 << 20)
        # newline="\n": lines end at "\n" only, as in the byte reader (a "\r" stays in its line);
        # bytes that do not decode become U+DCFF, and so the byte 0xFF in the UTF-8 lines, which the
        # reader of the block rejects with its row (the run goes on, as for UTF-8 input)
        text = io.TextIOWrapper(binary, encoding=encoding,
                                errors="replace" if errors == "replace" else _MARK_UNDECODABLE, newline="\n")
        first_line, line, buf, size, done, yielded = 1, 1, [], 0, 0, False
        try:
            for decoded in text:
                data = decoded.encode("utf-8", errors="surrogateescape")
                buf.append(data)
                size += len(data)
                line += 1
                if len(buf) >= max_rows or size >= max_bytes:
                    yield Block(first_line, counter.count - done, payload=b"".join(buf))
                    first_line, buf, size, done, yielded = line, [], 0, counter.count, True
        except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz: nothing past it can be counted
            where = f"from line {line} on ({exc}); {_STOP}" if line > 1 else f"({exc}); {_STOP}"
            raise InputError(f"not a valid gzip file {where}", file=path) from None
        if buf or not yielded:
            yield Block(first_line, counter.count - done, payload=b"".join(buf))


_CUT_BUFFER = 1 << 23  # bytes read at a time to find where blocks end


def _jsonl_ranges(path: str, max_rows: int, max_bytes: int) -> Iterator[Block]:
    # Only where blocks end is found here (the worker reads the bytes). Per buffer, bytearray.find
    # places the cut and NumPy counts the lines before it; a Python step per line costs the main
    # process seconds per GB, and an array of every line end about 0.5 s, taken from the workers.
    # Only a cut by the row limit needs the line ends of its stretch.
    start, first_line, lines, yielded = 0, 1, 0, False  # the open block: offset, line number, lines
    base = 0  # file offset of buf[0]
    buf = bytearray(_CUT_BUFFER)  # reused: a fresh buffer would be faulted in page by page each time
    is_newline = np.empty(len(buf), dtype=bool)
    data = np.frombuffer(buf, dtype=np.uint8)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            pos = 0  # buf[pos:n] is not in a block yet
            while pos < n:
                # the block ends at the first line end at or past start + max_bytes (at least one
                # line), unless its max_rows-th line ends before
                lo = max(pos, start + max_bytes - 1 - base)
                cut = buf.find(b"\n", lo, n) if lo < n else -1
                stop = cut + 1 if cut >= 0 else n
                newline = np.equal(data[pos:stop], 0x0A, out=is_newline[:stop - pos])
                count = int(np.count_nonzero(newline))  # several times faster than bytearray.count
                need = max_rows - lines
                if count >= need:  # the row limit comes first (or on the same line)
                    cut, count = pos + int(np.flatnonzero(newline)[need - 1]), need
                elif cut < 0:
                    lines += count
                    break
                end = base + cut + 1
                yield Block(first_line, end - start, byte_range=(start, end))
                first_line += lines + count
                start, lines, yielded, pos = end, 0, True, cut + 1
            base += n
    if base > start or not yielded:  # the last line may lack its newline
        yield Block(first_line, base - start, byte_range=(start, base))


def _jsonl_gz_blocks(path: str, max_rows: int, max_bytes: int) -> Iterator[Block]:
    with open(path, "rb") as raw_file:
        try:
            with gzip.GzipFile(fileobj=raw_file) as f:
                first_line, line, buf, size, done, yielded = 1, 1, [], 0, 0, False
                for raw in f:
                    buf.append(raw)
                    size += len(raw)
                    line += 1
                    if len(buf) >= max_rows or size >= max_bytes:
                        now = raw_file.tell()
                        yield Block(first_line, now - done, payload=b"".join(buf))
                        first_line, buf, size, done, yielded = line, [], 0, now, True
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt archive: rows past it cannot be counted
            where = f"from line {line} on ({exc}); {_STOP}" if line > 1 else f"({exc}); {_STOP}"
            raise InputError(f"not a valid gzip file {where}", file=path) from None
        if buf or not yielded:
            yield Block(first_line, raw_file.tell() - done, payload=b"".join(buf))


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


def delimited_blocks(path: str, sep: str, max_rows: int, max_chars: int, *, encoding: str = "utf-8",
                     check_header: HeaderCheck | None = None) -> Iterator[Block]:
    """Cut a CSV/TSV file (``.gz`` too) into blocks of at most ``max_rows`` records and about
    ``max_chars`` characters; each block's payload is ``(header, records)``.

    Undecodable bytes are kept as lone surrogates (``surrogateescape``) for the reader of the row to
    reject or replace; an empty file (nothing but blank lines, not even a header row) is one block
    of no rows, as an empty JSONL file is (an archive may hold an empty day); ``check_header(header,
    path)`` may raise :class:`InputError`. The header's names are those pandas gives
    (:func:`~framelens.readers.delimited_header`: ``text, text`` → ``text, text.1``). Blank lines are
    skipped and not numbered. A quoted field still open at the end of the file becomes an
    :class:`Unreadable` record (the rest of the file is inside it: one reject, not rows scored with the
    next records glued to their text), whose reason names the row and line where it starts and whose
    raw text is the record as written, opening quote included; a damaged ``.gz`` raises
    :class:`InputError` with the row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.csv"
    >>> _ = p.write_text('id,text\\n1,"Rebels\\nadvanced"\\n2,The army said\\n')
    >>> [(b.first_row, b.payload) for b in delimited_blocks(str(p), ",", 1, 1 << 20)]
    [(1, (['id', 'text'], [['1', 'Rebels\\nadvanced']])), (2, (['id', 'text'], [['2', 'The army said']]))]
    """
    csv.field_size_limit(sys.maxsize)  # sizes are checked per field by the reader of the rows instead
    with open(path, "rb") as raw:
        # the bytes of the file are counted (compressed ones for .gz), as the progress total counts them
        counter = _CountingReader(raw)
        binary = gzip.GzipFile(fileobj=counter) if _compressed(path) else io.BufferedReader(counter, 1 << 20)
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        ended: list[bool] = []  # set once the reader has asked for a line past the last one
        reader = csv.reader(itertools.chain(text, _note_end(ended)), delimiter=sep)
        header = _read_header(reader, path)
        if header is None:
            yield Block(1, counter.count, payload=([], []))
            return
        if check_header is not None:
            check_header(header, path)
        first, row, rows, size, done, yielded = 1, 1, [], 0, 0, False
        line = reader.line_num  # lines read before the next record: it starts on the line after
        try:
            for record in reader:
                if not record or (len(record) == 1 and record[0] and not record[0].strip(" \t")):
                    line = reader.line_num
                    continue  # a blank line: no record (pandas skips it too)
                if ended:  # the record ran into the end of the file: a quote never closed
                    record = _unclosed_record(path, encoding, row, line + 1, reader.line_num)
                rows.append(record)
                size += sum(map(len, record))
                row += 1
                line = reader.line_num
                if len(rows) >= max_rows or size >= max_chars:
                    yield Block(first, counter.count - done, payload=(header, rows))
                    first, rows, size, done, yielded = row, [], 0, counter.count, True
        except (*_STREAM_ERRORS, csv.Error) as exc:  # rows past this point cannot be counted
            raise InputError(f"cannot read the file from this row on ({exc}); {_STOP}",
                             file=path, row=row) from None
        if rows or not yielded:
            yield Block(first, counter.count - done, payload=(header, rows))


def _unclosed_record(path: str, encoding: str, row: int, first_line: int, last_line: int) -> Unreadable:
    """Record ``row``, which starts on line ``first_line`` and whose quoted field is still open at the
    end of the file (line ``last_line``), as an :class:`Unreadable` with its text as written.

    The csv reader's fields have lost the opening quote (and one of each doubled ``""``), so the
    lines are read again from the file, split into lines as the first reading split them. This
    costs a second reading of the file, but only for a file that is broken this way, and saves
    keeping the text of every record while cutting.
    """
    opener = gzip.open if _compressed(path) else open
    parts, kept, total = [], 0, 0
    with opener(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        for part in itertools.islice(text, first_line - 1, None):
            total += len(part)
            if kept < UNREADABLE_RAW_CHARS:
                parts.append(part[:UNREADABLE_RAW_CHARS - kept])
                kept += len(parts[-1])
    lines = f"lines {first_line}-{last_line}" if last_line > first_line else f"line {first_line}"
    return Unreadable(f"unclosed quote: a quoted field opened in row {row} (line {first_line}) is never closed; "
                      f"the rest of the file ({lines}, {total:,} characters) is inside it", "".join(parts))


def delimited_header_row(path: str, sep: str, *, encoding: str = "utf-8") -> list[str]:
    """The column names of a CSV/TSV file (``.gz`` too), as :func:`delimited_blocks` reads them,
    without reading further: to check the columns of every input before a run starts. An empty file
    has none (``[]``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.csv"
    >>> _ = p.write_text('\\ufeffid,text,text\\n1,a,b\\n', encoding="utf-8")
    >>> delimited_header_row(str(p), ",")
    ['id', 'text', 'text.1']
    """
    opener = gzip.open if _compressed(path) else open
    with opener(path, "rb") as binary:
        text = io.TextIOWrapper(binary, encoding=encoding, errors="surrogateescape", newline="")
        return _read_header(csv.reader(text, delimiter=sep), path) or []


def _read_header(reader, path: str) -> list[str] | None:
    """The first row of ``reader`` past blank lines (which pandas skips too) and a BOM, named as
    pandas names it (:func:`~framelens.readers.delimited_header`); ``None`` for an empty file."""
    try:
        header = next(reader)
        if header and header[0].startswith("\ufeff"):
            header[0] = header[0][1:]
        while not header or (len(header) == 1 and not header[0].strip(" \t")):
            header = next(reader)
    except StopIteration:
        return None
    except (*_STREAM_ERRORS, csv.Error) as exc:
        raise InputError(f"cannot read the header row ({exc})", file=path) from None
    return delimited_header(header)


def _note_end(ended: list[bool]) -> Iterator[str]:
    """An empty iterator that notes when it is reached (chained after a file's lines, it tells that
    the csv reader asked for more lines than the file has, which it does only inside a quoted field)."""
    ended.append(True)
    return
    yield


def jsonl_head(path: str, max_lines: int, max_bytes: int, *, encoding: str = "utf-8") -> list[dict]:
    """The JSON objects among the first ``max_lines`` non-blank lines of a JSONL file (``.gz``
    too), reading no more than ``max_bytes`` (uncompressed) bytes: to check the fields of every
    input before a run starts, at the same small cost whatever the size of the file.

    A line that is not a JSON object (:func:`~framelens.readers.json_record`) is left out, and so is
    a line cut by ``max_bytes``; undecodable bytes read as U+FFFD. A damaged ``.gz`` ends the head
    where the damage starts (reading the blocks reports it, with the line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.jsonl"
    >>> _ = p.write_text('{"text": "a"}\\n\\nnot json\\n{"text": "b", "source": "Wire"}\\n{"text": "c"}\\n')
    >>> jsonl_head(str(p), 3, 1 << 20)
    [{'text': 'a'}, {'text': 'b', 'source': 'Wire'}]
    """
    return head_records(jsonl_head_lines(path, max_lines, max_bytes, encoding=encoding))


def head_records(lines: Sequence[tuple[int, str]]) -> list[dict]:
    """The JSON objects among lines of :func:`jsonl_head_lines` (the others left out)."""
    records = []
    for _, line in lines:
        try:
            records.append(json_record(line))
        except ValueError:
            continue
    return records


def jsonl_layout_problem(lines: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """``(line, reason)`` when the first lines of a ``.json``/``.jsonl`` file
    (:func:`jsonl_head_lines`) show that it is plainly no JSON Lines: none of them is a JSON object,
    and the first one starts a whole-file JSON document — an array of records (what pandas'
    ``to_json`` writes by default) or a lone ``{`` that opens an object printed over several lines.
    Every line would be a reject. ``None`` otherwise (a first line too long to read whole, or cut
    off, is no evidence).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.json"
    >>> _ = p.write_text('[{"text": "a"},\\n {"text": "b"}]\\n')
    >>> line, reason = jsonl_layout_problem(jsonl_head_lines(str(p), 10, 1 << 20))
    >>> line, reason.split("; ")[1][:36]
    (1, 'the file looks like one JSON array, ')
    """
    from .readers import _json_layout_hint

    problem = None
    for i, (lineno, line) in enumerate(lines):
        try:
            json_record(line)
            return None  # a JSON object: JSON Lines, whatever its other lines hold
        except ValueError as exc:
            # an array's "[", or a lone "{" that opens an object printed over several lines (a
            # first line cut off within its object is a broken line of JSON Lines, left to the run)
            whole_file = line.lstrip().startswith("[") or line.strip() == "{"
            if i == 0 and whole_file and (hint := _json_layout_hint(line)):
                problem = (lineno, str(exc) + hint)
    return problem


def jsonl_head_lines(path: str, max_lines: int, max_bytes: int, *,
                     encoding: str = "utf-8") -> list[tuple[int, str]]:
    """The first ``max_lines`` non-blank lines of a JSONL file (``.gz`` too) that lie whole within its
    first ``max_bytes`` (uncompressed) bytes, with their line numbers, decoded (undecodable bytes as
    U+FFFD): what :func:`jsonl_head` and :func:`jsonl_layout_problem` judge, read once."""
    lines: list[tuple[int, bytes]] = []
    size, lineno = 0, 0
    with (gzip.open if _compressed(path) else open)(path, "rb") as f:
        if not lines_end_in_newline_byte(encoding):  # UTF-16 …: lines read as text, then as UTF-8
            f = _Utf8Lines(io.TextIOWrapper(f, encoding=encoding, errors="replace", newline="\n"))
            encoding = "utf-8"
        try:
            while len(lines) < max_lines and size < max_bytes:
                raw = f.readline(max_bytes - size)
                if not raw:
                    break
                if not size and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8):]
                size += len(raw)
                lineno += 1
                if size >= max_bytes and not raw.endswith(b"\n"):
                    break  # the rest of this line lies past the bytes read
                if raw.strip():
                    lines.append((lineno, raw))
        except _STREAM_ERRORS:
            pass  # a damaged .gz: the lines before the damage
    return [(n, raw.decode(encoding, errors="replace").removesuffix("\n")) for n, raw in lines]


class _Utf8Lines:
    """The ``readline`` of a text stream, as UTF-8 bytes (for :func:`jsonl_head`)."""

    def __init__(self, text: io.TextIOWrapper):
        self.text = text

    def readline(self, limit: int = -1) -> bytes:
        return self.text.readline(limit).encode("utf-8", errors="surrogatepass")


def parquet_blocks(path: str, max_rows: int, fields: Sequence[str], *,
                   check_header: HeaderCheck | None = None) -> Iterator[Block]:
    """Cut a Parquet file into record batches of at most ``max_rows`` rows holding those of
    ``fields`` that it has; an empty file (no rows, or 0 bytes) gives one block with ``payload=None``.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.parquet"
    >>> pd.DataFrame({"text": ["a", "b", "c"], "other": [1, 2, 3]}).to_parquet(p)
    >>> blocks = parquet_blocks(str(p), 2, ["text", "source"])
    >>> [(b.first_row, b.payload.num_rows, b.payload.schema.names) for b in blocks]
    [(1, 2, ['text']), (3, 1, ['text'])]
    """
    import pyarrow.parquet as pq

    if not Path(path).stat().st_size:  # a file of 0 bytes (an export that wrote nothing): no rows, as for CSV
        yield Block(1, 0, payload=None)
        return
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"cannot read Parquet ({exc})", file=path) from None
    names = pf.schema_arrow.names
    if check_header is not None:
        check_header(names, path)
    wanted = [n for n in dict.fromkeys(fields) if n in names]
    total_rows, size = max(pf.metadata.num_rows, 1), Path(path).stat().st_size
    first = 1
    batches = pf.iter_batches(batch_size=max_rows, columns=wanted)
    while True:
        try:
            batch = next(batches, None)
        except Exception as exc:  # a damaged page: pyarrow raises OSError or ArrowInvalid, among others
            raise InputError(f"cannot read Parquet from this row on ({exc}); {_STOP}",
                             file=path, row=first) from None
        if batch is None:
            break
        yield Block(first, size * batch.num_rows // total_rows, payload=batch)
        first += batch.num_rows
    if first == 1:  # an empty file still gets its (empty) block, so that every input is accounted for
        yield Block(1, size, payload=None)


def parquet_columns(path: str) -> list[str]:
    """The column names of a Parquet file (its schema only is read); none for a file of 0 bytes.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "news.parquet"
    >>> pd.DataFrame({"text": ["a"], "source": ["b"]}).to_parquet(p, index=False)
    >>> parquet_columns(str(p))
    ['text', 'source']
    """
    import pyarrow.parquet as pq

    if not Path(path).stat().st_size:  # a file of 0 bytes: no columns, and no rows (see parquet_blocks)
        return []
    try:
        return pq.read_schema(path).names
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"cannot read Parquet ({exc})", file=path) from None


def text_folder_blocks(path: str, max_files: int, max_bytes: int) -> Iterator[Block]:
    """Cut a folder of ``.txt`` files (:func:`~framelens.readers.text_folder_files`) into lists of
    at most ``max_files`` file names and about ``max_bytes`` bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("a", "b", "c"): _ = (root / f"{name}.txt").write_text("Rebels advanced.")
    >>> [(b.first_row, [pathlib.Path(f).name for f in b.payload]) for b in text_folder_blocks(str(root), 2, 1 << 20)]
    [(1, ['a.txt', 'b.txt']), (3, ['c.txt'])]
    """
    first, batch, size = 1, [], 0
    for i, file in enumerate(text_folder_files(path), start=1):
        batch.append(str(file))
        size += file.stat().st_size
        if len(batch) >= max_files or size >= max_bytes:
            yield Block(first, size, payload=batch)
            first, batch, size = i + 1, [], 0
    if batch:
        yield Block(first, size, payload=batch)


# ---------------------------------------------------------------------------------------------
# reading (in the worker)
# ---------------------------------------------------------------------------------------------
def read_delimited_block(file: str, block: Block, sep: str, sink: RowSink) -> None:
    """The records of a :func:`delimited_blocks` block; one whose field count differs from the
    header's, or an :class:`Unreadable` one, is rejected. A row's raw text (for its reject) is
    :class:`RecordText`."""
    header, rows = block.payload
    width = len(header)
    for i, record in enumerate(rows):
        row = block.first_row + i
        if len(record) != width or record.__class__ is not list:
            if record.__class__ is Unreadable:
                sink.reject(file, row, record.reason, record.raw)
            else:
                sink.reject(file, row, f"{len(record)} fields where the header has {width}", RecordText(record, sep))
            continue
        mapping = dict(zip(header, record))
        sink.add(row, mapping.get, RecordText(record, sep))


class RecordText:
    """The text of a parsed CSV/TSV record, as a CSV writer writes it (fields quoted where they hold
    the separator, a quote or a line break): for a file so written — by pandas, a spreadsheet, the
    :mod:`csv` module — the row as it is in the file, without its line end. Undecodable bytes stay
    the lone surrogates they were read as, for the reject to show as U+FFFD.

    Made into text only by ``str()``, i.e. only for a row that is rejected: the records themselves
    are not kept as text (that would double what a block carries to its worker).

    Examples
    --------
    >>> str(RecordText(["1", 'He said "no", then left', "Wire"], ","))
    '1,"He said ""no"", then left",Wire'
    """

    __slots__ = ("record", "sep")

    def __init__(self, record: Sequence[str], sep: str):
        self.record, self.sep = record, sep

    def __str__(self) -> str:
        out = io.StringIO()
        # "\r\n" as line end: a field holding either character is quoted, as a reader needs it to be
        csv.writer(out, delimiter=self.sep, lineterminator="\r\n").writerow(self.record)
        return out.getvalue()[:-2]

    def __repr__(self) -> str:
        return f"RecordText({str(self)!r})"


def read_parquet_block(block: Block, sink: RowSink) -> None:
    """The rows of a :func:`parquet_blocks` block. A row's raw text (for its reject) is
    :class:`RowJson`."""
    batch = block.payload
    if batch is None or not batch.num_rows:
        return
    data = {name: batch.column(name).to_pylist() for name in batch.schema.names}
    for i in range(batch.num_rows):  # Arrow strings are valid UTF-8: nothing to check
        sink.add(block.first_row + i, lambda name, i=i: data[name][i] if name in data else None,
                 RowJson(data, i), check_bytes=False)


class RowJson:
    """The text of a row of columns (a Parquet row): the row as a JSON object, as a JSONL line shows
    a row — readable whatever language reads the rejects, unlike a Python repr. Values JSON has no
    type for are written as their text (dates and times as ``str`` writes them, ``2024-03-05
    00:00:00``); binary values as UTF-8 text, undecodable bytes shown as U+FFFD.

    Made into text only by ``str()``, i.e. only for a row that is rejected (as :class:`RecordText`).

    Examples
    --------
    >>> import datetime
    >>> str(RowJson({"text": [None], "date": [datetime.datetime(2024, 3, 5)], "page": [b"A1"]}, 0))
    '{"text": null, "date": "2024-03-05 00:00:00", "page": "A1"}'
    """

    __slots__ = ("columns", "index")

    def __init__(self, columns: dict[str, Sequence[Any]], index: int):
        self.columns, self.index = columns, index

    def __str__(self) -> str:
        row = {name: values[self.index] for name, values in self.columns.items()}
        row = {k: None if isinstance(v, float) and v != v else v for k, v in row.items()}  # NaN is not JSON
        return json.dumps(row, ensure_ascii=False, default=_json_text)

    def __repr__(self) -> str:
        return f"RowJson({str(self)!r})"


def _json_text(value: Any) -> str:
    """A value JSON has no type for, as text (``json.dumps``'s ``default``)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")  # not str(): that is "b'...'"
    return str(value)


def read_text_folder_block(root: str, block: Block, sink: RowSink, *, encoding: str = "utf-8",
                           errors: str = "strict") -> None:
    """The documents of a :func:`text_folder_blocks` block, with the fields of
    :func:`~framelens.readers.text_file_fields`; a file that does not decode is rejected, named by
    its own path, with its row (its position in the folder, as in the output's ``row``)."""
    root_path = Path(root)
    for i, name in enumerate(block.payload):
        path, row = Path(name), block.first_row + i
        data = path.read_bytes()
        try:
            text = data.decode(encoding, errors=errors)
        except UnicodeDecodeError as exc:
            sink.reject(name, row, f"undecodable bytes for encoding {encoding!r} at byte {exc.start}", data)
            continue
        if text.startswith("\ufeff"):
            text = text[1:]
        fields = text_file_fields(root_path, path, text)
        sink.add(row, fields.get, text)


def read_jsonl_block(file: str, block: Block, sink: RowSink, *, encoding: str = "utf-8",
                     errors: str = "strict") -> None:
    """The records of a :func:`jsonl_blocks` block (its byte range of ``file`` is read here)."""
    if block.byte_range is not None:
        start, end = block.byte_range
        with open(file, "rb") as f:
            f.seek(start)
            data = f.read(end - start)
    else:
        data = block.payload
    if block.first_row == 1 and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    fast = _ArrowJsonl.create(data, block.first_row, file, sink, encoding, errors)
    if fast is None:
        lines = data.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        _read_lines(lines, block.first_row, file, sink, encoding, errors)
    else:
        fast.read(0, fast.n_lines)


def _read_lines(lines: Sequence[bytes], first_row: int, file: str, sink: RowSink, encoding: str, errors: str) -> None:
    """The reference reader: one line at a time with :func:`json.loads` (``lines[0]`` is line ``first_row``).

    In an encoding whose line end is not the byte ``\\n``, :func:`jsonl_blocks` has made the lines
    UTF-8 (with the byte ``0xFF`` where the input's bytes did not decode).
    """
    transcoded = not lines_end_in_newline_byte(encoding)
    decode_as = "utf-8" if transcoded else encoding
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        row = first_row + i
        try:
            line = raw.decode(decode_as, errors=errors)
        except UnicodeDecodeError as exc:
            where = "in the line" if transcoded else f"at byte {exc.start} of the line"
            sink.reject(file, row, f"undecodable bytes for encoding {encoding!r} {where}", raw)
            continue
        try:
            record = json_record(line)
        except ValueError as exc:
            sink.reject(file, row, str(exc), line)
            continue
        # strictly decoded UTF-8 holds no lone surrogate unless a \\udXXX escape put one there
        sink.add(row, record.get, line, check_bytes=b"\\ud" in raw or b"\\uD" in raw)


class _ArrowJsonl:
    """Read blocks of JSONL lines with ``pyarrow.json`` (~4× faster than ``json.loads`` per line),
    falling back to :func:`_read_lines` exactly where a block is not plainly clean.

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

    def __init__(self, data: bytes, first_row: int, file: str, sink: RowSink, encoding: str, errors: str):
        import numpy as np
        import pyarrow as pa

        self.pa, self.np = pa, np
        self.data, self.first_row, self.file, self.sink = data, first_row, file, sink
        self.encoding, self.errors = encoding, errors  # a UTF-8 codec, spelled as the user did (for messages)
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
        self.fields = list(dict.fromkeys(sink.names))
        self.types = {name: pa.string() for name in self.fields}
        # a number is accepted, as its decimal text, only where the row reader would str() it
        self.numeric_ok = {name for name in self.fields if all(
            role not in ("text", "source", "date", "title")
            for role, n in zip(sink.roles, sink.names) if n == name)}

    @classmethod
    def create(cls, data: bytes, first_row: int, file: str, sink: RowSink, encoding: str,
               errors: str) -> "_ArrowJsonl | None":
        """A fast reader for ``data``, or ``None`` where only the line-by-line reader applies."""
        if (codecs.lookup(encoding).name != "utf-8" and lines_end_in_newline_byte(encoding)) or not data:
            return None
        try:
            import pyarrow.json  # noqa: F401
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            return None
        return cls(data, first_row, file, sink, encoding, errors)

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
        _read_lines(lines, self.first_row + lo, self.file, self.sink, self.encoding, self.errors)

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
        limit = self.sink.max_field_chars
        columns = {}
        for name in self.fields:
            col = table.column(name)
            if pa.types.is_integer(col.type):
                col = col.cast(pa.string())
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if col.null_count and name == self.sink.names[0]:  # a missing text: rejected with its line
                return lo + int(np.argmax(col.is_null().to_numpy(zero_copy_only=False)))
            if len(col) and col.null_count < len(col):
                import pyarrow.compute as pc

                longest = pc.max(pc.binary_length(col)).as_py()  # bytes ≥ characters: exact check only if needed
                if longest > limit:
                    over = pc.greater(pc.utf8_length(col), limit).fill_null(False).to_numpy(zero_copy_only=False)
                    if over.any():
                        return lo + int(np.argmax(over))
            columns[name] = col
        first = self.first_row + lo
        self.sink.add_arrow(range(first, first + hi - lo),
                            {role: columns[name] for role, name in zip(self.sink.roles, self.sink.names)})
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
