"""Writing result tables atomically, in the format their file name asks for; where progress shows."""
from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import ParameterError

TABLE_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".jsonl": "jsonl", ".json": "jsonl"}


def table_format(path: str | os.PathLike) -> str:
    """The table format implied by a file name's extension (.csv, .tsv, .parquet, .jsonl)."""
    suffix = Path(path).suffix.lower()
    if suffix not in TABLE_FORMATS:
        raise ParameterError(
            f"{path}: cannot tell the output format from the extension {suffix or '(none)'!r}; "
            f"use one of {', '.join(sorted(TABLE_FORMATS))}"
        )
    return TABLE_FORMATS[suffix]


def shows_progress() -> bool:
    """Whether a progress bar is wanted when the caller did not say: on a terminal, and in a
    Jupyter kernel (whose stderr is no terminal, but where tqdm.auto draws a notebook bar)."""
    if sys.stderr.isatty():
        return True
    ipython = sys.modules.get("IPython")  # imported already in any kernel: never imported here
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def plain_permissions(path: str | os.PathLike) -> None:
    """Give a file made by ``tempfile.mkstemp`` (mode 0600) the mode a plain ``open()`` would have."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    So a crash or an error never leaves a partial output file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        plain_permissions(tmp_path)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write ``df`` to ``path`` atomically; the format follows the extension.

    The provenance record in ``df.attrs["framelens"]`` goes into the Parquet schema metadata, and
    beside CSV/JSONL files as ``<name>.provenance.json``.
    """
    fmt = table_format(path)
    path = Path(path)
    record = df.attrs.get("framelens")
    out = df.reset_index() if index else df
    with atomic_path(path) as tmp:
        if fmt == "csv":
            out.to_csv(tmp, index=False)
        elif fmt == "tsv":
            out.to_csv(tmp, index=False, sep="\t")
        elif fmt == "jsonl":
            out.to_json(tmp, orient="records", lines=True, date_format="iso", force_ascii=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(out, preserve_index=False)
            if record is not None:
                meta = dict(table.schema.metadata or {})
                meta[b"framelens"] = json.dumps(record, sort_keys=True).encode()
                table = table.replace_schema_metadata(meta)
            pq.write_table(table, tmp)
    if record is not None and fmt != "parquet":
        with atomic_path(path.with_name(path.name + ".provenance.json")) as tmp:
            tmp.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
