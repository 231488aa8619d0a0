"""Reading documents from files: CSV/TSV, JSONL (.gz), Parquet and folders of .txt files.

Each reader returns a raw DataFrame (all columns as they are in the file) plus a list of
:class:`ReadIssue` for what it had to repair; hard problems raise :class:`InputError` naming the file,
the row (1-based data record; for byte-level problems the line) and the field.
"""
from __future__ import annotations

import codecs
import gzip
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

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
        except (OSError, EOFError) as exc:
            raise InputError(f"not a valid gzip file ({exc})", file=path) from None
    return data


def decode(data: bytes, path: Path, encoding: str, errors: str) -> tuple[str, int]:
    """Decode ``data``; return the text and the number of replaced bytes.

    With ``errors="strict"`` an undecodable byte raises an InputError giving the line and the byte
    offset, and telling the user about ``encoding=`` and ``errors="replace"``.
    """
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
    try:
        # Every column as text: an id like "007" or a date must reach us as written.
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        raise InputError(f"malformed {'TSV' if sep == chr(9) else 'CSV'}: {exc}", file=path) from None
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty (no header row)", file=path) from None
    return df, issues


def read_jsonl(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    """One record per line. UTF-8 files go through Arrow's JSON reader; anything it refuses or
    could read differently is read again line by line, which locates the bad line."""
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
    except InputError:
        raise
    except Exception:  # malformed JSON, a non-object line, a field changing type, invalid UTF-8…
        return None
    frame = table.to_pandas()
    del table
    try:  # the parser's buffers, freed, stay with Arrow's allocator (mimalloc) unless handed back
        pa.default_memory_pool().release_unused()
    except AttributeError:  # pragma: no cover - pyarrow < 9
        pass
    return frame


def _read_jsonl_lines(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    text, replaced = decode(_read_bytes(path), path, encoding, errors)
    issues = [ReadIssue(str(path), None, None, f"replaced {replaced} undecodable bytes")] if replaced else []
    records = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON ({exc.msg} at column {exc.colno})", file=path, row=lineno) from None
        if not isinstance(record, dict):
            raise InputError(f"each line must be a JSON object, found {type(record).__name__}", file=path, row=lineno)
        records.append(record)
    return pd.DataFrame.from_records(records), issues


def read_parquet(path: Path) -> tuple[pd.DataFrame, list[ReadIssue]]:
    import pyarrow.parquet as pq

    if not path.exists():
        raise InputError("no such file or folder", file=path)
    try:
        return pq.read_table(path).to_pandas(), []
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise InputError(f"cannot read Parquet ({exc})", file=path) from None


def read_text_folder(path: Path, encoding: str, errors: str) -> tuple[pd.DataFrame, list[ReadIssue]]:
    """One document per .txt file; ``source`` is the sub-folder name (the folder's own name at top level)."""
    rows, issues = [], []
    files = sorted(p for p in path.rglob("*.txt") if p.is_file())
    if not files:
        raise InputError("no .txt files in this folder", file=path)
    for file in files:
        text, replaced = decode(file.read_bytes(), file, encoding, errors)
        if replaced:
            issues.append(ReadIssue(str(file), None, "text", f"replaced {replaced} undecodable bytes"))
        rel = file.relative_to(path)
        source = rel.parts[0] if len(rel.parts) > 1 else path.name
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        rows.append({"doc_id": rel.with_suffix("").as_posix(), "source": source, "title": first_line, "text": text})
    return pd.DataFrame(rows), issues


def read_table(path: str | os.PathLike, *, encoding: str = "utf-8", errors: str = "strict") -> tuple[pd.DataFrame, list[ReadIssue]]:
    """Read any supported input into a raw DataFrame and the issues met on the way."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    fmt = detect_format(path)
    if fmt == "folder":
        return read_text_folder(path, encoding, errors)
    if fmt in ("csv", "tsv"):
        return read_delimited(path, "," if fmt == "csv" else "\t", encoding, errors)
    if fmt == "jsonl":
        return read_jsonl(path, encoding, errors)
    return read_parquet(path)
