"""Per-group scores from batch output of any size, without loading the documents.

:func:`aggregate` scans the output dataset with pyarrow, reading only the group columns, ``tokens`` and
the ``count_<label>`` columns, sums them per group batch by batch (memory grows with the number of
groups, not of documents), then recomputes rates and within-family shares with the same helper as
:func:`framelens.score`. The result equals ``framelens.score(corpus, lexicon, by=...)`` on the same
corpus.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..corpus import DATE_BINS, Corpus
from ..errors import ParameterError
from ..lexicon import Family, Label, Lexicon
from ..provenance import provenance
from ..results import ResultTable, result_table
from .manifest import MANIFEST_NAME, Manifest

_SCAN_BATCH = 65_536


def _find_manifest(output: Path) -> tuple[dict, Path]:
    """The manifest of a dataset directory or of a single output file."""
    path = output / MANIFEST_NAME if output.is_dir() else output.with_name(output.name + ".manifest.json")
    record = Manifest.read_file(path)
    if record is None:
        raise ParameterError(f"{output}: no batch manifest ({path.name}); is this the output of framelens.batch.score_files?")
    if record.get("status") != "complete":
        raise ParameterError(f"{output}: the batch run is not complete (status {record.get('status')!r}); "
                             "rerun the same command to finish it")
    return record, path


def _label_lexicon(record: dict) -> Lexicon:
    """A pattern-less Lexicon with the recorded families and labels: what shares need."""
    lex = record["lexicon"]
    families = tuple(Family(fid, tuple(Label(lid, ()) for lid in labels)) for fid, labels in lex["families"].items())
    return Lexicon(lex["name"], lex["version"], families)


def _dataset(output: Path, fmt: str, columns: list[str], key_columns: list[str]):
    import pyarrow as pa
    import pyarrow.dataset as ds

    if fmt == "parquet":
        file_format = "parquet"
    elif fmt in ("csv", "tsv"):
        import pyarrow.csv as pacsv

        # keys must stay text ("007", "2024") whatever they look like
        file_format = ds.CsvFileFormat(
            parse_options=pacsv.ParseOptions(delimiter="," if fmt == "csv" else "\t", newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in key_columns},
                                                 strings_can_be_null=False))
    else:
        file_format = ds.JsonFileFormat()
    return ds.dataset(str(output), format=file_format)


def aggregate(
    output: str | os.PathLike,
    by: str | Sequence[str],
    *,
    lexicon: Lexicon | str | None = None,
) -> ResultTable:
    """Counts, rates and within-family shares per group, from the output of :func:`score_files`.

    Parameters
    ----------
    output : path
        The dataset directory or single file that :func:`~framelens.batch.score_files` wrote.
    by : str or list of str
        Output columns (``"source"``, a field kept with ``keep=``) and/or date bins (``"day"``,
        ``"week"``, ``"month"``, ``"quarter"``, ``"year"``) of the ``date`` column, as in
        :func:`framelens.score`.
    lexicon : Lexicon or str, optional
        Checked against the manifest's lexicon fingerprint when given; the families and labels are
        otherwise taken from the manifest.

    Returns
    -------
    ResultTable (a DataFrame)
        The ``by`` columns, ``n_docs``, ``tokens``, ``hits``, ``count_<label>``, ``rate_<label>``
        (per 1,000 tokens) and ``share_<label>`` (within family), one row per group in sorted order:
        the columns and values of ``framelens.score(corpus, lexicon, by=by)``.

    Examples
    --------
    >>> import tempfile, pathlib, framelens.batch as fb
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "n.jsonl").write_text('{"text": "Rebels and the army.", "source": "Wire"}\\n')
    >>> _ = fb.score_files(d / "n.jsonl", "conflict_actors", d / "out", jobs=1, progress=False)
    >>> fb.aggregate(d / "out", by="source")[["source", "n_docs"]].to_dict("records")
    [{'source': 'Wire', 'n_docs': 1}]
    """
    output = Path(output)
    record, _ = _find_manifest(output)
    if lexicon is not None:
        from ..scoring import as_lexicon

        lex = as_lexicon(lexicon)
        if lex.fingerprint != record["lexicon"]["sha256"]:
            raise ParameterError(f"{output} was scored with lexicon {record['lexicon']['name']} "
                                 f"{record['lexicon']['version']} (sha256 {record['lexicon']['sha256'][:12]}…), "
                                 f"not with {lex.name} {lex.version}")
    labels_lex = _label_lexicon(record)
    labels = labels_lex.label_ids()
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise ParameterError("by: give at least one column name or date bin")

    totals = record.get("counts", {})
    if totals.get("written") == 0:  # no part holds a row: there are no columns to check either
        raise ParameterError(f"{output}: the batch output holds no scored document ({totals.get('read', 0):,} read, "
                             f"{totals.get('rejected', 0):,} rejected: see the rejects file)")
    fmt = record["output"]["format"]
    probe = _dataset(output, fmt, [], [])
    present = set(probe.schema.names)
    needed_keys = []
    for key in keys:
        if key in present:
            needed_keys.append(key)
        elif key in DATE_BINS:
            needed_keys.append("date")
        else:
            raise ParameterError(f"by: no column {key!r} in the batch output; columns: "
                                 f"{', '.join(n for n in probe.schema.names if not n.startswith(('count_', 'rate_', 'share_')))}; "
                                 f"date bins: {', '.join(DATE_BINS)}")
    needed_keys = list(dict.fromkeys(needed_keys))
    string_keys = [k for k in needed_keys if k != "date"] + (["date"] if fmt != "parquet" else [])
    dataset = _dataset(output, fmt, needed_keys, string_keys) if fmt != "parquet" else probe
    value_cols = ["tokens", *(f"count_{lab}" for lab in labels)]

    partials = []
    for batch in dataset.to_batches(columns=needed_keys + value_cols, batch_size=_SCAN_BATCH):
        if batch.num_rows == 0:
            continue
        frame = batch.to_pandas()
        partials.append(_partial_sums(frame, keys, value_cols))
        if len(partials) >= 64:  # keep the partial tables few: memory grows with groups, not documents
            partials = [_combine(partials, sort=False)]
    if not partials:
        raise ParameterError(f"{output}: the batch output holds no scored document")
    summed = _combine(partials, sort=True)
    group_cols = list(summed.index.names)
    summed = summed.reset_index()
    counts = summed[value_cols[1:]].set_axis(labels, axis=1).astype(np.int64)
    tokens = summed["tokens"].astype(np.int64)
    from ..scoring import _family_shares

    rates = counts.mul(1000.0).div(tokens.where(tokens > 0), axis=0)  # as in framelens.score
    shares = _family_shares(counts, labels_lex)
    out = pd.concat(
        [summed[group_cols], summed["n_docs"].astype(np.int64), tokens.rename("tokens"), counts.sum(axis=1).rename("hits"),
         counts.add_prefix("count_"), rates.add_prefix("rate_"), shares.add_prefix("share_")],
        axis=1,
    )
    params = {"by": by, "batch_output": str(output), "read": record["counts"]["read"],
              "written": record["counts"]["written"], "rejected": record["counts"]["rejected"]}
    prov = provenance(lexicon=labels_lex, params=params)
    prov["lexicon"] = {k: record["lexicon"][k] for k in ("name", "version", "sha256")}
    prov["inputs"] = record["inputs"]
    prov["kind"] = "score"  # the table framelens.score(corpus, lexicon, by=by) gives, from the batch's counts
    return result_table(out, prov)


def _partial_sums(frame: pd.DataFrame, keys: list[str], value_cols: list[str]) -> pd.DataFrame:
    """Group keys of a batch (the rules of Corpus.group_frame) and its sums per group."""
    canon = pd.DataFrame(index=frame.index)
    for col in ("doc_id", "source", "title", "text"):
        canon[col] = frame[col] if col in frame.columns else ""
    if "date" in frame.columns:
        date = frame["date"]
        if not pd.api.types.is_datetime64_any_dtype(date):
            date = pd.to_datetime(date.astype("string").replace("", pd.NA), errors="coerce", format="ISO8601")
        if getattr(date.dt, "tz", None) is not None:
            date = date.dt.tz_convert("UTC").dt.tz_localize(None)
        canon["date"] = date.astype("datetime64[ns]")
    else:
        canon["date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in frame.columns:
        if col not in canon.columns and col not in value_cols:
            canon[col] = frame[col]
    groups = Corpus(canon).group_frame(keys)
    values = frame[value_cols].astype(np.int64)
    grouped = pd.concat([groups, values], axis=1).groupby(keys, sort=False)
    summed = grouped[value_cols].sum()
    summed.insert(0, "n_docs", grouped.size())
    return summed


def _combine(partials: list[pd.DataFrame], *, sort: bool) -> pd.DataFrame:
    both = pd.concat(partials)
    return both.groupby(level=list(range(both.index.nlevels)), sort=sort).sum()
