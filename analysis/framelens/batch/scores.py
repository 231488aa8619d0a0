"""Batch output as the comparisons' input: per-document label counts without the documents.

:func:`load_scores` reads what :func:`~framelens.batch.score_files` wrote — the group columns
(``source``, ``date``, kept fields, ``file``, ``row``), ``tokens`` and the ``count_<label>`` columns,
nothing else — into a :class:`BatchScores`. :func:`framelens.keyness` (of the lexicon's labels),
:func:`framelens.shares` and :func:`framelens.divergence` take it where they take a corpus, and give
the tables they give on the corpus itself: they only ever use each document's label counts, its
token count and its group, which the batch output holds. What needs the texts (n-gram keyness,
keyword-in-context, finding stories) says so.

Memory: about 12 bytes per document and label with a hit (a sparse matrix), plus the group columns
(160k news articles scored with ``conflict_actors``: 23 MB, loaded in 0.5 s);
:func:`~framelens.batch.aggregate` is the way for per-group sums of an output of any size.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..corpus import group_frame, groups, source_summary
from .aggregate import _batch_record, _canonical, _dataset, _find_manifest, _label_lexicon, _output_columns, _part_files
from .manifest import manifest_path

_BATCH_ROWS = 65_536


class BatchScores:
    """The per-document label counts of a batch output, ready for the comparisons.

    Build one with :func:`load_scores`. It stands in for a corpus in :func:`framelens.keyness`
    (with the lexicon the batch was scored with), :func:`framelens.shares` and
    :func:`framelens.divergence`.

    Attributes
    ----------
    docs : pandas.DataFrame
        One row per scored document, in output order: ``doc_id, source, date`` (datetime), the
        kept fields, ``file, row``.
    counts : scipy.sparse.csr_matrix
        Documents × labels hit counts (``int64``), columns in the order of :attr:`label_ids`.
    tokens : numpy.ndarray
        Word tokens per document (the denominator of ``framelens.score``'s rates).
    label_ids : list of str
    manifest : dict
        The run's manifest (inputs and their fingerprints, lexicon, parameters, counts).
    output : pathlib.Path
    """

    def __init__(self, output: Path, docs: pd.DataFrame, counts: Any, tokens: np.ndarray, manifest: dict,
                 manifest_path: Path):
        self.output = output
        self.docs = docs
        self.counts = counts
        self.tokens = tokens
        self.manifest = manifest
        self.manifest_path = manifest_path
        self.label_ids = _label_lexicon(manifest).label_ids()
        self._batch = _batch_record(manifest, manifest_path)
        # timezone: the clock of the dates, as Corpus.meta records it (score_files' timezone=)
        self.meta = {"name": f"batch output {output}", "timezone": self._batch["timezone"]}
        self.issues = _duplicate_ids(docs)  # unreadable rows are in the run's rejects file, not here

    def __len__(self) -> int:
        return len(self.docs)

    def subset(self, mask: Any) -> "BatchScores":
        """The documents selected by a boolean mask (as :meth:`Corpus.subset`)."""
        keep = np.asarray(mask, dtype=bool)
        return BatchScores(self.output, self.docs[keep].reset_index(drop=True), self.counts[keep], self.tokens[keep],
                           self.manifest, self.manifest_path)

    def summary(self) -> pd.DataFrame:
        """Documents, tokens and dates per source, as :meth:`Corpus.summary` (``empty_texts``: documents
        without a word token)."""
        return source_summary(self.docs, self.tokens, self.tokens == 0)

    @property
    def lexicon(self) -> dict:
        """Name, version and SHA-256 of the lexicon the documents were scored with."""
        return {k: self.manifest["lexicon"][k] for k in ("name", "version", "sha256")}

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the fingerprints of the run's inputs (the manifest lists them)."""
        return self._batch["inputs_sha256"]

    def provenance(self) -> dict:
        return {"name": f"batch output {self.output}", "n_docs": len(self), "sha256": self.fingerprint,
                "batch": self._batch}

    @property
    def texts(self) -> list[str]:
        raise ParameterError(f"{self.output} holds label counts, not texts: n-gram keyness, keyword-in-context, "
                             "sentences and finding stories (within='story') need the documents "
                             "(framelens.read_corpus on the inputs); label keyness, shares, divergence, and "
                             "within= a story column kept with keep=, run on these counts")

    def group_frame(self, by: str | Sequence[str]) -> pd.DataFrame:
        """One column per key of ``by`` (an output column or a date bin), as :meth:`Corpus.group_frame`."""
        return group_frame(self.docs, by, where="the batch output")

    def groups(self, by: str | Sequence[str]) -> pd.Series:
        return groups(self.docs, by, where="the batch output")

    def counts_for(self, lexicon: Any) -> tuple[Any, list[str]]:
        """The count matrix and its label ids, once ``lexicon`` is checked to be the one scored with."""
        if lexicon.fingerprint != self.lexicon["sha256"]:
            lex = self.lexicon
            same_name = (lex["name"], lex["version"]) == (lexicon.name, lexicon.version)
            raise ParameterError(f"{self.output} was scored with lexicon {lex['name']} {lex['version']} (sha256 "
                                 f"{lex['sha256'][:12]}…), not with {lexicon.name} {lexicon.version} (sha256 "
                                 f"{lexicon.fingerprint[:12]}…)"
                                 + (": same name and version, other content (an edited file, or an earlier "
                                    "framelens, whose fingerprints left out the order of labels)"
                                    if same_name else "")
                                 + "; give that lexicon, or score the inputs again with this one")
        return self.counts, list(self.label_ids)

    def __repr__(self) -> str:
        lex = self.lexicon
        return (f"<BatchScores {self.output}: {len(self):,} documents, {len(self.label_ids)} labels of "
                f"{lex['name']} {lex['version']}>")


def _duplicate_ids(docs: pd.DataFrame) -> pd.DataFrame:
    """``file, row, field, issue`` for each document whose id another document has too: batch
    scoring keeps both (an archive's exports overlap), and every comparison counts both."""
    twice = docs["doc_id"].duplicated(keep=False).to_numpy()
    rows = docs.loc[twice, ["file", "row"]] if "file" in docs.columns else pd.DataFrame(index=docs.index[twice])
    return pd.DataFrame({"file": rows.get("file"), "row": rows.get("row"), "field": "doc_id",
                         "issue": "duplicate id: " + docs.loc[twice, "doc_id"].astype(str) + ", kept and counted"}
                        ).reset_index(drop=True)[["file", "row", "field", "issue"]]


def is_batch_output(path: str | os.PathLike) -> bool:
    """Whether ``path`` is what :func:`~framelens.batch.score_files` wrote: a directory with a manifest,
    or a single output file with its ``.manifest.json`` beside it."""
    path = Path(path)
    return path.exists() and manifest_path(path).is_file()


def load_scores(output: str | os.PathLike, *, lexicon: Any = None) -> BatchScores:
    """The per-document counts of a batch output, for the comparisons (no text is read).

    Parameters
    ----------
    output : path
        The dataset directory or single file that :func:`~framelens.batch.score_files` wrote.
    lexicon : Lexicon or str, optional
        Checked now against the lexicon the run used (it is checked again by each comparison).

    Returns
    -------
    BatchScores

    Examples
    --------
    >>> import tempfile, pathlib, framelens, framelens.batch as fb
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "n.jsonl").write_text('{"text": "Rebels shelled the town.", "source": "Wire"}\\n'
    ...                                '{"text": "Insurgents and the army.", "source": "Post"}\\n')
    >>> _ = fb.score_files(d / "n.jsonl", "conflict_actors", d / "out", jobs=1, progress=False)
    >>> scores = fb.load_scores(d / "out")
    >>> len(scores), scores.label_ids[:2]
    (2, ['rebels', 'insurgents'])
    >>> k = framelens.keyness(scores, by="source", lexicon="conflict_actors")
    """
    output = Path(output)
    record, manifest_path = _find_manifest(output)
    totals = record.get("counts", {})
    if not totals.get("written"):
        raise ParameterError(f"{output}: the batch output holds no scored document ({totals.get('read', 0):,} read, "
                             f"{totals.get('rejected', 0):,} rejected)")
    fmt = record["output"]["format"]
    files = _part_files(output, record)
    keys = _output_columns(record, files, fmt)
    labels = _label_lexicon(record).label_ids()
    value_cols = ["tokens", *(f"count_{lab}" for lab in labels)]
    import scipy.sparse as sp

    frames, tokens, rows, cols, values, n = [], [], [], [], [], 0
    for batch in _dataset(files, fmt, keys, value_cols).to_batches(columns=keys + value_cols, batch_size=_BATCH_ROWS):
        if batch.num_rows == 0:
            continue
        frames.append(_canonical(batch.select(keys).to_pandas(), value_cols))
        tokens.append(batch.column("tokens").to_numpy(zero_copy_only=False).astype(np.int64, copy=False))
        for j, name in enumerate(value_cols[1:]):  # only the hits are kept: most counts are 0
            column = batch.column(name).to_numpy(zero_copy_only=False)
            hit = np.flatnonzero(column)
            rows.append(hit + n)
            cols.append(np.full(len(hit), j, dtype=np.int32))
            values.append(column[hit].astype(np.int64, copy=False))
        n += batch.num_rows
    docs = pd.concat(frames, ignore_index=True)[["doc_id", "source", "date", *(k for k in keys if k not in
                                                                                 ("doc_id", "source", "date"))]]
    counts = sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, len(labels)),
                           dtype=np.int64)
    tokens = np.concatenate(tokens)
    import pyarrow as pa

    pa.default_memory_pool().release_unused()  # Arrow's pool keeps the batches' memory otherwise (~0.6 kB a document)
    scores = BatchScores(output, docs, counts, tokens, record, manifest_path)
    if lexicon is not None:
        from ..compare._tables import as_lexicon

        scores.counts_for(as_lexicon(lexicon))
    return scores
