"""Reading documents from files: CSV/TSV, JSONL (.gz), Parquet and folders of .txt files.

Each reader returns a raw DataFrame (all columns as they are in the file) plus a list of
:class:`ReadIssue` for what it had to repair; hard problems raise :class:`InputError` naming the file,
the row (1-based data record; for byte-level problems the line) and the field.
"""
from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from .errors import InputError

FILE_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
SEPARATORS = {"csv": ",", "tsv": "\t"}  # the field separator of each delimited format (see separator)
_HEADER_SCAN = 1 << 20  # bytes of a CSV's first line read to choose its separator


def separator(path: str | os.PathLike, fmt: str) -> str:
    """The field separator of a delimited input of format ``fmt`` (``"csv"`` or ``"tsv"``).

    A tab for TSV. For CSV a comma, or a semicolon when the header line has semicolons and no
    comma: spreadsheets set to a language that writes decimal commas (German, French, ...) save
    CSV that way, and so are some public corpora (BABE). A file that cannot be read gets the comma:
    reading it reports the problem.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("doc_id;outlet;text\\n1;x;Rebels advanced, then stopped.\\n")
    >>> _ = (d / "b.csv").write_text("doc_id,text\\n1;2,Rebels advanced.\\n")
    >>> separator(d / "a.csv", "csv"), separator(d / "b.csv", "csv")
    (';', ',')
    """
    if fmt != "csv":
        return SEPARATORS[fmt]
    opener = gzip.open if os.fspath(path).lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            line = f.readline(_HEADER_SCAN).removeprefix(codecs.BOM_UTF8)
            while not line.strip():  # pandas and the batch reader skip blank lines before the header
                line = f.readline(_HEADER_SCAN)
                if not line:
                    break
    except (OSError, EOFError, zlib.error):
        return ","
    return ";" if b";" in line and b"," not in line else ","


@dataclass(frozen=True)
class ReadIssue:
    """Something a reader repaired or noticed, with where it is."""

    file: str
    row: int | None
    field: str | None
    issue: str


def detect_format(path: Path) -> str:
    """The input format of ``path``: a folder, or a file by extension (``.gz`` looked through)."""
    if path.is_dir():
        return "folder"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    fmt = FILE_FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        raise InputError(
            f"cannot tell the format from the extension; use one of {', '.join(sorted(FILE_FORMATS))} "
            "(optionally .gz), or a folder of .txt files",
            file=path,
        )
    return fmt


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"not a valid gzip file ({exc})", file=path) from None
    return data


def decode(data: bytes, path: Path, encoding: str, errors: str) -> tuple[str, int]:
    """Decode ``data``; return the text and the number of replaced bytes.

    With ``errors="strict"`` an undecodable byte raises an InputError giving the line and the byte
    offset, and telling the user about ``encoding=`` and ``errors="replace"``.
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=path) from None
    if data.startswith(codecs.BOM_UTF8) and encoding.replace("-", "").lower() == "utf8":
        data = data[len(codecs.BOM_UTF8):]
    if errors == "strict":
        try:
            return data.decode(encoding), 0
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(
                f"undecodable bytes at line {line}, byte offset {exc.start} ({data[exc.start:exc.start + 4]!r}) "
                f"for encoding {encoding!r}; pass encoding=... or errors='replace'",
                file=path,
            ) from None
    if errors != "replace":
        raise InputError(f"errors must be 'strict' or 'replace', not {errors!r}", file=path)
    replaced = 0

    def count_and_replace(exc: UnicodeDecodeError):
        nonlocal replaced
        replaced += exc.end - exc.start
        return ("\ufffd", exc.end)

    name = f"framelens-count-{id(count_and_replace)}"
    codecs.register_error(name, count_and_replace)
    return data.decode(encoding, errors=name), replaced


def read_delimited(path: Path, sep: str, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    text, replaced = decode(_read_bytes(path), path, encoding, errors)
    issues = [ReadIssue(str(path), None, None, f"replaced {replaced} undecodable bytes")] if replaced else []
    kind = "TSV" if sep == "\t" else "CSV"
    try:
        # Every column as text: an id like "007" or a date must reach us as written. index_col=False:
        # when the first record has one field more than the header, pandas would otherwise take the
        # first column as the index and shift every other column by one (the ids read as texts).
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # …and it warns as it drops the extra field
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                             index_col=False)
    except pd.errors.ParserWarning:
        row, n, width = _first_long_record(text, sep)
        raise InputError(f"malformed {kind}: {n} fields where the header has {width} (quote a field that holds "
                         f"the separator)", file=path, row=row) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"malformed {kind}: {exc}", file=path) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty (no header row)", file=path) from None
    return df, issues


def _first_long_record(text: str, sep: str) -> tuple[int | None, int, int]:
    """(row, fields, header fields) of the first data record with more fields than the header; row
    numbers count records, blank lines not included, as pandas numbers them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    width, row = None, 0
    for record in reader:
        if not record or (len(record) == 1 and record[0] and not record[0].strip(" \t")):
            continue
        if width is None:  # the header
            width = len(record)
            continue
        row += 1
        if len(record) > width:
            return row, len(record), width
    width = width or 0
    return None, width + 1, width  # pandas saw one the csv module does not: say so without a row


def delimited_header(names: Sequence[str]) -> list[str]:
    """The column names pandas gives a CSV/TSV header row: an empty name becomes ``"Unnamed: <i>"``
    (``i`` its 0-based position) and a repeated name ``"<name>.<n>"``, the first keeping its name and
    ``n`` skipping names the header already has (named columns are renamed before unnamed ones).

    The rule of ``pandas.read_csv`` (C parser), shared by :func:`read_delimited` (pandas applies it)
    and the streaming reader (:func:`framelens.readers_stream.delimited_blocks`), so that a column
    is found by the same name either way.

    Examples
    --------
    >>> delimited_header(["text", "source", "text", "", "text.1"])
    ['text', 'source', 'text.2', 'Unnamed: 3', 'text.1']
    """
    header = [name if name != "" else f"Unnamed: {i}" for i, name in enumerate(names)]
    unnamed = [i for i, name in enumerate(names) if name == ""]
    counts: dict[str, int] = {}
    for i in [i for i, name in enumerate(names) if name != ""] + unnamed:  # named columns keep their names first
        col = header[i]
        old, count = col, counts.get(col, 0)
        if count > 0:
            while count > 0:
                counts[old] = count + 1
                col = f"{old}.{count}"
                count = count + 1 if col in header else counts.get(col, 0)
            header[i] = col
        counts[col] = count + 1
    return header


def read_jsonl(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    """One record per line. UTF-8 files go through Arrow's JSON reader; anything it refuses or
    could read differently is read again line by line, which locates the bad line."""
    from .readers_stream import jsonl_head_lines, jsonl_layout_problem

    # plainly no JSON Lines (one JSON array, one object over several lines): said as batch scoring
    # says it, before Arrow's reader, which takes an object printed over several lines for a record
    problem = jsonl_layout_problem(jsonl_head_lines(str(path), 10, 1 << 20, encoding=encoding))
    if problem is not None:
        raise InputError(problem[1], file=path, row=problem[0])
    if encoding.replace("-", "").replace("_", "").lower() == "utf8":
        fast = _read_jsonl_arrow(path)
        if fast is not None:
            return fast, []
    return _read_jsonl_lines(path, encoding, errors)


#: Arrow types whose pandas conversion equals what ``json.loads`` + ``DataFrame.from_records`` give
_PLAIN_JSON_TYPES = ("string", "int64", "double", "bool")


def _read_jsonl_arrow(path: Path) -> pd.DataFrame | None:
    """The JSONL file as a DataFrame via ``pyarrow.json`` (C++, ~10× faster than ``json.loads`` per
    line and without a Python object per value), or None when the line-by-line reader must decide.

    Arrow guesses timestamps from strings; those fields are read again as strings so that every
    value reaches ``read_corpus`` as written, as with the line reader. Nested values, nulls in a
    boolean field and null-only fields convert differently, so they go to the line reader too.
    """
    import pyarrow as pa
    import pyarrow.json as pj

    try:
        source = pa.BufferReader(_read_bytes(path)) if path.suffix.lower() == ".gz" else str(path)
        # one thread: as fast for a file of this kind, and the threads' own memory stays unused
        options = pj.ReadOptions(use_threads=False)
        table = pj.read_json(source, read_options=options)
        strings = [f for f in table.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)]
        if strings:
            schema = pa.schema([pa.field(f.name, pa.string()) if f in strings else f for f in table.schema])
            del table
            if not isinstance(source, str):
                source.seek(0)
            table = pj.read_json(source, read_options=options, parse_options=pj.ParseOptions(explicit_schema=schema))
        for field, column in zip(table.schema, table.columns):
            if str(field.type) not in _PLAIN_JSON_TYPES or (pa.types.is_boolean(field.type) and column.null_count):
                return None
            if field.type == pa.string():
                column.validate(full=True)  # Arrow's JSON parser does not check UTF-8 itself
            if field.type == pa.float64() and column.length() > column.null_count:
                import pyarrow.compute as pc

                if pc.max(pc.abs(column)).as_py() >= 2**53:  # an integer beyond int64 read as a double loses
                    return None                              # digits: the line reader keeps it whole
    except InputError:
        raise
    except Exception:  # malformed JSON, a non-object line, a field changing type, invalid UTF-8…
        return None
    frame = arrow_to_pandas(table)
    del table
    try:  # the parser's buffers, freed, stay with Arrow's allocator (mimalloc) unless handed back
        pa.default_memory_pool().release_unused()
    except AttributeError:  # pragma: no cover - pyarrow < 9
        pass
    return frame


# Lone surrogates: json.loads makes them of "\\ud800" escapes without their pair, and decoding with
# errors="surrogateescape" of undecodable bytes (U+DC80..U+DCFF); no encoder takes them
SURROGATES = re.compile("[\ud800-\udfff]")


def _read_jsonl_lines(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    text, replaced = decode(_read_bytes(path), path, encoding, errors)
    text = text.removeprefix("\ufeff")  # a byte-order mark that the codec kept ("utf-16-le" keeps it)
    issues = [ReadIssue(str(path), None, None, f"replaced {replaced} undecodable bytes")] if replaced else []
    records = []
    # "\n" only: str.splitlines would also cut at U+2028, U+0085 and other characters that JSON
    # strings may hold as they are (as the streaming reader and Arrow do)
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json_record(line)
        except ValueError as exc:
            raise InputError(str(exc) + _json_layout_hint(line), file=path, row=lineno) from None
        if "\\u" in line:
            _lone_surrogates(record, path, lineno, errors, issues)
        records.append(record)
    return _integers_with_nulls(pd.DataFrame.from_records(records), records), issues


def _json_layout_hint(line: str) -> str:
    """What to do when a line that is no JSON object looks like the start of a whole-file JSON
    document (a ``.json`` file is read as JSON Lines): an array of records, or pretty-printed JSON."""
    stripped = line.strip()
    if stripped.startswith("["):
        what = "one JSON array"
    elif stripped == "{":  # only the opening brace: pretty-printed (a broken record line holds more)
        what = "one JSON document over several lines"
    else:
        return ""
    return (f"; the file looks like {what}, not JSON Lines (one object per line): write it with pandas' "
            "to_json(path, orient='records', lines=True), or read it with pandas.read_json and pass the DataFrame")


def _lone_surrogates(record: dict, path: Path, lineno: int, errors: str, issues: list[ReadIssue]) -> None:
    """A ``"\\ud800"`` escape without its pair decodes to a lone surrogate, which no encoder takes
    (it would fail later, far from the line): an error naming the line and field, or U+FFFD with
    ``errors="replace"``."""
    for key, value in record.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False) \
            if isinstance(value, (dict, list)) else ""
        if not SURROGATES.search(text):
            continue
        if errors != "replace":
            raise InputError("a lone surrogate escape (\\ud800-\\udfff without its pair) is not text; pass "
                             "errors='replace' to read it as U+FFFD", file=path, row=lineno, field=key)
        record[key] = _replace_surrogates(value)
        issues.append(ReadIssue(str(path), lineno, key, "replaced a lone surrogate escape"))


def _replace_surrogates(value):
    if isinstance(value, str):
        return SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    return value


def _integers_with_nulls(frame: pd.DataFrame, records: list[dict]) -> pd.DataFrame:
    """Columns of integers (and nulls) as integers, not floats: pandas makes ``[7, None]`` ``[7.0,
    nan]`` and integers beyond int64 floats, so an id or source 7 would read "7.0" and a long id lose
    digits. Nullable ``Int64`` where they fit (as :func:`arrow_to_pandas` does), else the integers
    themselves."""
    if not frame.columns.is_unique:
        return frame
    for name in frame.columns[frame.dtypes == "float64"]:
        if all((v := r.get(name)) is None or v.__class__ is int for r in records):  # stops at the first float
            values = [r.get(name) for r in records]
            try:
                frame[name] = pd.array(values, dtype="Int64")
            except (OverflowError, TypeError, ValueError):  # beyond int64
                frame[name] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def arrow_to_pandas(table, *, ignore_metadata: bool = False) -> pd.DataFrame:
    """``table.to_pandas()``, except that an integer column with nulls becomes a nullable integer
    column (pandas would make it float, and an id or source 7 would read "7.0").

    Examples
    --------
    >>> import pyarrow as pa
    >>> arrow_to_pandas(pa.table({"source": [7, None]}))["source"].astype("string").tolist()
    ['7', <NA>]
    """
    import pyarrow as pa

    frame = table.to_pandas(ignore_metadata=ignore_metadata)
    if not frame.columns.is_unique:
        return frame
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_integer(field.type) and column.null_count and field.name in frame.columns:
            kind = "UInt" if pa.types.is_unsigned_integer(field.type) else "Int"
            dtype = pd.api.types.pandas_dtype(f"{kind}{field.type.bit_width}")
            frame[field.name] = column.to_pandas(types_mapper={field.type: dtype}.get).array
    return frame


def json_record(line: str) -> dict:
    """One JSONL line as its record; a ValueError saying why when it is not a JSON object.

    The rule every JSONL reader applies (:func:`read_jsonl` raises with the line, the streaming
    reader of :mod:`framelens.readers_stream` rejects that line only).

    Examples
    --------
    >>> json_record('{"text": "Rebels advanced."}')
    {'text': 'Rebels advanced.'}
    >>> json_record('[1, 2]')
    Traceback (most recent call last):
    ...
    ValueError: each line must be a JSON object, found list
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"malformed JSON ({json_error(exc)})") from None
    if not isinstance(record, dict):
        raise ValueError(f"each line must be a JSON object, found {type(record).__name__}")
    return record


def json_error(exc: json.JSONDecodeError) -> str:
    """What is wrong with a JSON text and where, in one form whatever :mod:`json`'s message: its
    message, lower-cased and without the ``" at"`` some messages end in, then ``at column <n>``.

    Examples
    --------
    >>> try:
    ...     json.loads('{"text": "Rebels advanced')
    ... except json.JSONDecodeError as exc:
    ...     print(json_error(exc))
    unterminated string starting at column 10
    """
    # json ends some messages in " at" ("Unterminated string starting at", "Invalid control
    # character at"), to which its own str() adds ": line 1 column 10 (char 9)"; others not
    message = exc.msg.removesuffix(" at").rstrip(" :")
    if message[:1].isupper() and not message[1:2].isupper():  # "Expecting value", not an acronym
        message = message[0].lower() + message[1:]
    return f"{message} at column {exc.colno}"


def read_parquet(path: Path) -> tuple[pd.DataFrame, list[ReadIssue]]:
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError("no such file or folder", file=path)
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"cannot read Parquet ({exc})", file=path) from None
    # The file's columns as they are, whatever pandas wrote about its index: a table saved with
    # set_index("doc_id") keeps doc_id as a column of the file, which pandas would turn back into
    # the index (and the ids into row numbers here, unlike batch scoring, which reads the column).
    # An unnamed index pandas stored ("__index_level_0__") is no field of the documents.
    frame = arrow_to_pandas(table.drop_columns([n for n in table.column_names if _PANDAS_INDEX.fullmatch(n)]),
                            ignore_metadata=True)
    return frame, []


_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def text_folder_files(folder: str | os.PathLike, *, required: bool = True) -> list[Path]:
    """The documents of a folder input: its ``.txt`` files (``.TXT`` too), at any depth, in sorted
    order, leaving out hidden ones: a name starting with ``.`` in the path below the folder (Jupyter's
    ``.ipynb_checkpoints/`` copies, macOS's ``._`` files) is no document.

    With ``required`` (the default) a folder without any raises :class:`InputError`; row ``n`` of a
    folder is the ``n``-th of these files.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "wire").mkdir(); _ = (root / "wire" / "b.txt").write_text("x"); _ = (root / "a.txt").write_text("y")
    >>> (root / ".ipynb_checkpoints").mkdir(); _ = (root / ".ipynb_checkpoints" / "a-checkpoint.txt").write_text("y")
    >>> [f.relative_to(root).as_posix() for f in text_folder_files(root)]
    ['a.txt', 'wire/b.txt']
    """
    root = Path(folder)
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".txt" and p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if required and not files:
        raise InputError("no .txt files in this folder", file=folder)
    return files


def text_file_fields(root: Path, file: Path, text: str) -> dict[str, str]:
    """The fields of the document in ``file`` of the folder ``root``, given its decoded ``text``.

    ``doc_id`` is the path below ``root`` without ``.txt``, ``source`` the first sub-folder (the
    folder's own name for a file at the top), ``title`` the first non-blank line.

    Examples
    --------
    >>> fields = text_file_fields(Path("news"), Path("news/herald/0412.txt"), "\\n Rebels advance \\nThe army said.")
    >>> fields["doc_id"], fields["source"], fields["title"]
    ('herald/0412', 'herald', 'Rebels advance')
    """
    rel = file.relative_to(root)
    source = rel.parts[0] if len(rel.parts) > 1 else root.name
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return {"doc_id": rel.with_suffix("").as_posix(), "source": source, "title": title, "text": text}


def read_text_folder(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    """One document per .txt file, with the fields of :func:`text_file_fields`."""
    rows, issues = [], []
    for file in text_folder_files(path):
        text, replaced = decode(file.read_bytes(), file, encoding, errors)
        if replaced:
            issues.append(ReadIssue(str(file), None, "text", f"replaced {replaced} undecodable bytes"))
        rows.append(text_file_fields(path, file, text))
    return pd.DataFrame(rows), issues


def read_table(path: str | os.PathLike, *, encoding: str = "utf-8", errors: str = "strict") -> tuple[pd.DataFrame, list[ReadIssue]]:
    """Read any supported input into a raw DataFrame and the issues met on the way (``~`` is the
    home folder, as in pandas' readers)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    fmt = detect_format(path)
    if fmt == "folder":
        return read_text_folder(path, encoding, errors)
    if fmt in SEPARATORS:
        return read_delimited(path, separator(path, fmt), encoding, errors)
    if fmt == "jsonl":
        return read_jsonl(path, encoding, errors)
    return read_parquet(path)
