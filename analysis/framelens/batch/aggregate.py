"""Per-group scores from batch output of any size, without loading the documents.

:func:`aggregate` scans the output dataset with pyarrow, reading only the group columns, ``tokens`` and
the ``count_<label>`` columns, sums them per group batch by batch (memory grows with the number of
groups, not of documents), then recomputes rates and within-family shares with the same helper as
:func:`framelens.score`. The result equals ``framelens.score(corpus, lexicon, by=...)`` on the same
corpus.

It reads the part files that the manifest lists (a table saved into the output directory later is not
a part), with the column types the writer used: group keys as text, counts as integers. Arrow's
CSV and JSON readers would otherwise guess them from the first rows ("007" as 7, a kept
``"2024-05-01 10:00"`` as a timestamp, a column empty in the first part as null, then an error).
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from ..corpus import DATE_BINS, MISSING_GROUP, CorpusWarning, group_frame, natural_order
from ..errors import ParameterError
from ..lexicon import Family, Label, Lexicon
from ..provenance import provenance
from ..results import ResultTable, result_table
from .manifest import Manifest, manifest_path

_SCAN_BATCH = 65_536


def _find_manifest(output: Path) -> tuple[dict, Path]:
    """The manifest of a dataset directory or of a single output file."""
    if not output.exists():
        raise ParameterError(f"{output}: no such file or folder")
    path = manifest_path(output)
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


def _is_score_column(name: str) -> bool:
    return name in ("tokens", "hits") or name.startswith(("count_", "rate_", "share_"))


def _group_keys(by: object) -> list[str]:
    """``by`` as a list of distinct keys (a key given twice groups once, as in framelens.score)."""
    keys = [by] if isinstance(by, str) else list(by) if isinstance(by, (list, tuple)) else None
    if keys is None or not all(isinstance(k, str) for k in keys):
        raise ParameterError(f"by: give a column name or a date bin, or a list of them, not {by!r} (the batch "
                             "output itself holds the per-document scores)")
    if not keys:
        raise ParameterError("by: give at least one column name or date bin")
    return list(dict.fromkeys(keys))


def _part_files(output: Path, record: dict) -> list[Path]:
    """The files that hold the rows: the single output file, or the parts the manifest lists (not
    whatever else the directory holds, such as a per-group table saved beside the parts)."""
    if not output.is_dir():
        return [output]
    if "parts" not in record:  # not written by score_files (whose complete manifests list them)
        return sorted(p for p in output.glob(f"part-*.{record['output']['format']}") if p.is_file())
    files = [output / part["file"] for part in record["parts"] if part.get("file")]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise ParameterError(f"{output}: {len(missing):,} part file(s) that the manifest lists are missing "
                             f"({', '.join(missing[:3])}{' …' if len(missing) > 3 else ''}); score the inputs "
                             "again (resume=False, --no-resume)")
    return files


def _output_columns(record: dict, files: list[Path], fmt: str) -> list[str]:
    """The columns of the per-document rows (the manifest says which come beside the scores)."""
    extra = record.get("output", {}).get("extra_columns")
    if extra is not None:
        return ["doc_id", "source", *extra]
    import pyarrow.dataset as ds  # a manifest without the list: read the names from the first part

    return [n for n in ds.dataset(str(files[0]), format=_file_format(fmt, None)).schema.names if not _is_score_column(n)]


def _file_format(fmt: str, schema):
    """The pyarrow.dataset format of the parts; text formats read ``schema``'s columns with its types
    (none guessed: a column that Arrow would type from its first rows may be empty there, or hold a
    key that looks like a number or a timestamp)."""
    import pyarrow.dataset as ds

    if fmt == "parquet":
        return ds.ParquetFileFormat()
    if fmt in ("csv", "tsv"):
        import pyarrow.csv as pacsv

        types = {} if schema is None else {f.name: f.type for f in schema}
        return ds.CsvFileFormat(
            parse_options=pacsv.ParseOptions(delimiter="," if fmt == "csv" else "\t", newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False))  # "" stays ""
    import pyarrow.json as pajson

    if schema is None:
        return ds.JsonFileFormat()
    return ds.JsonFileFormat(parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))


def _scan_schema(key_columns: list[str], value_columns: list[str]):
    """Types to read text parts with: keys as text (``row`` is a number), values as integers."""
    import pyarrow as pa

    keys = [pa.field(k, pa.int64() if k == "row" else pa.string()) for k in key_columns]
    return pa.schema(keys + [pa.field(v, pa.int64()) for v in value_columns])


def _dataset(files: list[Path], fmt: str, key_columns: list[str], value_columns: list[str]):
    import pyarrow.dataset as ds

    names = [str(f) for f in files]
    if fmt == "parquet":  # typed already, every part with the same schema
        return ds.dataset(names, format=_file_format(fmt, None))
    schema = _scan_schema(key_columns, value_columns)
    return ds.dataset(names, format=_file_format(fmt, schema), schema=schema)


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
        Output columns (``"source"``, a field kept with ``keep=``, also the batch's own ``"file"``
        and ``"row"``) and/or date bins (``"day"``, ``"week"``, ``"month"``, ``"quarter"``,
        ``"year"``) of the ``date`` column, as in :func:`framelens.score`: values are grouped as
        text, an empty or missing value (a document without a date, for a bin) forms the
        ``"(missing)"`` group, and a key given twice groups once. Score columns (``tokens``,
        ``hits``, ``count_…``) are not groups; ``None`` is an error (the output itself holds the
        per-document scores).
    lexicon : Lexicon or str, optional
        Checked against the manifest's lexicon fingerprint when given; the families and labels are
        otherwise taken from the manifest.

    Returns
    -------
    ResultTable (a DataFrame)
        The ``by`` columns, ``n_docs``, ``tokens``, ``hits``, ``count_<label>``, ``rate_<label>``
        (per 1,000 tokens) and ``share_<label>`` (within family), one row per group in sorted order:
        the columns and values of ``framelens.score(corpus, lexicon, by=by)``. ``attrs["framelens"]``
        holds the provenance with ``kind="score"`` and ``by``/``shape`` as ``score`` records them,
        the lexicon, the run's counts (``read``, ``written``, ``rejected``) and, under ``batch``, the
        run that scored the documents: its manifest, framelens version, start and end, and its
        inputs as a count, a size in bytes and one SHA-256 over their fingerprints (the manifest
        lists them). There is no corpus fingerprint: that would need every text.

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
    record, manifest_path = _find_manifest(output)
    if lexicon is not None:
        from ..scoring import as_lexicon

        lex = as_lexicon(lexicon)
        if lex.fingerprint != record["lexicon"]["sha256"]:
            raise ParameterError(f"{output} was scored with lexicon {record['lexicon']['name']} "
                                 f"{record['lexicon']['version']} (sha256 {record['lexicon']['sha256'][:12]}…), "
                                 f"not with {lex.name} {lex.version}")
    labels_lex = _label_lexicon(record)
    labels = labels_lex.label_ids()
    keys = _group_keys(by)

    totals = record.get("counts", {})
    if totals.get("written") == 0:  # no part holds a row: there are no columns to check either
        rejected = totals.get("rejected", 0)
        raise ParameterError(f"{output}: the batch output holds no scored document ({totals.get('read', 0):,} read, "
                             f"{rejected:,} rejected{': see the rejects file' if rejected else ''})")
    fmt = record["output"]["format"]
    files = _part_files(output, record)
    present = _output_columns(record, files, fmt)
    needed_keys = []
    for key in keys:
        if _is_score_column(key):
            raise ParameterError(f"by: {key!r} is a score column, not a group; group by one of {', '.join(present)} "
                                 f"or a date bin ({', '.join(DATE_BINS)})")
        if key in present:
            needed_keys.append(key)
        elif key in DATE_BINS:
            needed_keys.append("date")
        else:
            raise ParameterError(f"by: no column {key!r} in the batch output; columns: {', '.join(present)}; "
                                 f"date bins: {', '.join(DATE_BINS)}")
    needed_keys = list(dict.fromkeys(needed_keys))
    value_cols = ["tokens", *(f"count_{lab}" for lab in labels)]
    dataset = _dataset(files, fmt, needed_keys, value_cols)

    partials = []
    dated = False  # whether any document has a date (told once, for the whole output, as score tells it)
    for batch in dataset.to_batches(columns=needed_keys + value_cols, batch_size=_SCAN_BATCH):
        if batch.num_rows == 0:
            continue
        frame = batch.to_pandas()
        summed, has_date = _partial_sums(frame, keys, value_cols)
        partials.append(summed)
        dated = dated or has_date
        if len(partials) >= 64:  # keep the partial tables few: memory grows with groups, not documents
            partials = [_combine(partials, sort=False)]
    if not partials:
        raise ParameterError(f"{output}: the batch output holds no scored document")
    bins = [k for k in keys if k in DATE_BINS and k not in present]
    if bins and not dated:
        warnings.warn(f"by={bins[0]!r}: no document has a date, so all of them form the group {MISSING_GROUP!r}; "
                      "name the date field when scoring (score_files(..., date='published'), --date-column on the "
                      "command line)", CorpusWarning, stacklevel=2)
    summed = _combine(partials, sort=True)
    group_cols = list(summed.index.names)
    summed = summed.reset_index()
    summed = summed.iloc[natural_order(summed[group_cols])].reset_index(drop=True)  # as framelens.score orders them
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
    params = {"by": by, "shape": "wide", "batch_output": str(output), "read": totals["read"],
              "written": totals["written"], "rejected": totals["rejected"]}
    prov = provenance(lexicon=labels_lex, params=params)
    prov["lexicon"] = {k: record["lexicon"][k] for k in ("name", "version", "sha256")}
    prov["batch"] = _batch_record(record, manifest_path)
    prov["kind"] = "score"  # the table framelens.score(corpus, lexicon, by=by) gives, from the batch's counts
    return result_table(out, prov)


def _batch_record(record: dict, manifest_path: Path) -> dict:
    """The run that scored the documents, for the provenance: its manifest, framelens version and
    times, and its inputs as a count, a size and one SHA-256 over their fingerprints. Not the list of
    inputs, which the manifest keeps: pandas deep-copies ``attrs`` on every operation, and the list of
    a 20,000-file archive made each one cost a tenth of a second."""
    inputs = record.get("inputs", [])
    fingerprints = [{k: i.get(k) for k in ("path", "format", "size", "method", "sha256")} for i in inputs]
    digest = hashlib.sha256(json.dumps(fingerprints, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return {"manifest": str(manifest_path), "framelens_version": record.get("framelens_version"),
            "started": record.get("started"), "finished": record.get("finished"), "inputs": len(inputs),
            "input_bytes": sum(int(i.get("size") or 0) for i in inputs), "inputs_sha256": digest,
            # the clock of the dates (score_files' timezone=; a run from before it existed: UTC)
            "timezone": (record.get("params") or {}).get("timezone", "UTC")}


def _partial_sums(frame: pd.DataFrame, keys: list[str], value_cols: list[str]) -> tuple[pd.DataFrame, bool]:
    """Group keys of a batch (the rules of Corpus.group_frame), its sums per group, and whether any of
    its documents has a date."""
    canon = _canonical(frame, value_cols)
    with warnings.catch_warnings():
        # "no document has a date" is about the whole output, not one batch of it: aggregate tells it
        warnings.simplefilter("ignore", CorpusWarning)
        groups = group_frame(canon, keys, where="the batch output")
    values = frame[value_cols].astype(np.int64)
    grouped = pd.concat([groups, values], axis=1).groupby(keys, sort=False)
    summed = grouped[value_cols].sum()
    summed.insert(0, "n_docs", grouped.size())
    return summed, bool(canon["date"].notna().any())


def _canonical(frame: pd.DataFrame, value_cols: Sequence[str]) -> pd.DataFrame:
    """The rows' ``doc_id, source, date`` as a Corpus holds them (the date parsed from text parts,
    without a zone), then the other columns but ``value_cols``.

    The stored dates are naive, already on the run's clock (``timezone=`` of the scoring): they are
    read as written, never converted again (no ``utc=True``: a naive date stays the time it shows)."""
    canon = pd.DataFrame(index=frame.index)
    for col in ("doc_id", "source"):
        canon[col] = frame[col] if col in frame.columns else ""
    if "date" in frame.columns:
        date = frame["date"]
        if not pd.api.types.is_datetime64_any_dtype(date):
            date = pd.to_datetime(date.astype("string").replace("", pd.NA), errors="coerce", format="ISO8601")
        if getattr(date.dt, "tz", None) is not None:  # not a part framelens wrote (its dates are naive)
            date = date.dt.tz_localize(None)  # its wall-clock time, as stored
        canon["date"] = date.astype("datetime64[ns]")
    else:
        canon["date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for col in frame.columns:
        if col not in canon.columns and col not in value_cols:
            canon[col] = frame[col]
    return canon


def _combine(partials: list[pd.DataFrame], *, sort: bool) -> pd.DataFrame:
    both = pd.concat(partials)
    return both.groupby(level=list(range(both.index.nlevels)), sort=sort).sum()
