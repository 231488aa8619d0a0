"""Label shares within a family, per group, with document-level bootstrap intervals.

A label's *share* in a group is its hits over all the family's hits in that group's documents
(ratio of summed counts): of all the times outlet A named the armed opposition, how often did it say
"rebels"? Hits in one article are not independent (a writer who says "terrorists" once tends to
repeat it), so the uncertainty comes from resampling *documents*, not hits: each bootstrap replicate
draws the group's documents with replacement and recomputes the ratio. Intervals are percentile
intervals; all replicates are one matrix product (replicate weights × document counts).

:func:`shares_test` tests whether two groups' shares differ by permuting the group labels of their
documents.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._tables import (
    Groups,
    ResultTable,
    as_corpus,
    as_lexicon,
    label_counts,
    provenance_record,
    resolve_families,
    resolve_groups,
    result_table,
    small_group_note,
)
from .keyness import bh_adjust

#: replicates are drawn in blocks of about this many weights, to bound memory
_BLOCK = 4_000_000
#: a bootstrap interval needs the family's hits in at least this many resampled units (documents, stories)
MIN_DOCS_WITH_HITS = 2
#: the note when it has fewer
ONE_UNIT_NOTE = "hits in only one {unit}: no interval"


def resolve_seed(seed: Any) -> Any:
    """The seed to use *and record*: ``seed`` itself, or for ``None`` a fresh one from the operating
    system's entropy, so that the provenance of an unseeded run still says how to repeat it.

    Examples
    --------
    >>> resolve_seed(3)
    3
    >>> isinstance(resolve_seed(None), int)
    True
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    try:
        np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"seed must be an integer or None, not {seed!r}") from exc
    return seed


def resample_weights(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """``n_boot × n`` bootstrap weights: how often each of ``n`` documents is drawn in each replicate.

    Equivalent to drawing ``n`` documents with replacement ``n_boot`` times.
    """
    draws = rng.integers(0, n, size=(n_boot, n))
    flat = (np.arange(n_boot)[:, None] * n + draws).ravel()
    return np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(np.float64)


def bootstrap_shares(
    counts: np.ndarray,
    families: Sequence[Sequence[int]],
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shares of labels within families for one group of documents, with percentile intervals.

    Parameters
    ----------
    counts : array, documents × labels
        Hit counts of one group's documents.
    families : list of lists of int
        Column indices of each family's labels (shares are within a family).
    n_boot : int
        Bootstrap replicates (0: no intervals).
    ci : float
        Interval coverage.

    Returns
    -------
    (share, lower, upper, family_hits)
        Arrays over the labels (NaN where the family has no hit); family hits per label's family.
        ``lower``/``upper`` are NaN when fewer than two documents hold the family's hits: every
        replicate would then repeat one document's shares, a zero-width interval that claims a
        certainty one document cannot give.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[3, 1], [2, 2], [4, 0], [1, 3]])
    >>> share, lo, hi, hits = bootstrap_shares(counts, [[0, 1]], n_boot=500, rng=np.random.default_rng(0))
    >>> share.round(3).tolist(), bool(lo[0] < share[0] < hi[0])
    ([0.625, 0.375], True)
    """
    rng = rng or np.random.default_rng(0)
    counts = np.asarray(counts, dtype=np.float64)
    n_docs, n_labels = counts.shape
    share = np.full(n_labels, np.nan)
    lower = np.full(n_labels, np.nan)
    upper = np.full(n_labels, np.nan)
    fam_hits = np.zeros(n_labels)
    summed = counts.sum(axis=0)
    for cols in families:
        cols = list(cols)
        total = summed[cols].sum()
        fam_hits[cols] = total
        if total > 0:
            share[cols] = summed[cols] / total
    if n_boot <= 0 or n_docs == 0:
        return share, lower, upper, fam_hits
    # all replicates at once: weights (n_boot × docs) @ counts (docs × labels)
    boot = np.empty((n_boot, n_labels))
    block = max(1, _BLOCK // max(n_docs, 1))
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        boot[start:stop] = resample_weights(n_docs, stop - start, rng) @ counts
    tail = (1.0 - ci) / 2.0
    for cols in families:
        cols = list(cols)
        if np.count_nonzero(counts[:, cols].sum(axis=1) > 0) < MIN_DOCS_WITH_HITS:
            continue
        fam = boot[:, cols]
        total = fam.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(total > 0, fam / total, np.nan)  # a replicate may draw no hit at all
        valid = ~np.isnan(ratio[:, 0])
        if valid.any():
            lower[cols], upper[cols] = np.quantile(ratio[valid], [tail, 1.0 - tail], axis=0)
    return share, lower, upper, fam_hits


def shares(
    corpus: Any,
    lexicon: Any,
    family: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "source",
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int | None = 0,
    *,
    within: Any = None,
    engine: str = "auto",
) -> ResultTable:
    """Each label's share of its family's hits, per group, with document-bootstrap intervals.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    family : str, list of str or None
        Family id(s); ``None`` for every family of the lexicon.
    by : str or list of str
        Column(s) and/or a date bin (``["source", "month"]`` gives shares per outlet per month).
    ci : float
        Coverage of the percentile interval (0 < ci < 1).
    n_boot : int
        Bootstrap replicates; each resamples the group's documents with replacement. 0 skips the
        intervals (``lower``/``upper`` are then NaN).
    seed : int or None
        Seed of the resampling, recorded in the provenance (``None``: a fresh seed from the operating
        system, recorded too, so the run can be repeated).
    within : str, Stories or sequence, optional
        Compare inside stories only (framing without selection): a story column (``"story"``,
        ``"event"``), a :class:`~framelens.compare.stories.Stories` result, one story per document, or
        ``"story"`` on a corpus without that column to find stories with
        :func:`~framelens.compare.stories.stories`. Dispatches to
        :func:`~framelens.compare.stratified.shares_within` (story-bootstrap intervals, extra column
        ``n_stories``).

    Returns
    -------
    ResultTable (a DataFrame)
        One row per (group, family, label): ``group``, the ``by`` key columns when there are several,
        ``family, label, count`` (the label's hits in the group), ``share`` (count / family hits),
        ``lower, upper`` (the interval), ``n_docs``, ``family_hits`` and ``note``. Groups with fewer
        than 5 documents or fewer than 10 hits in the family are kept and flagged in ``note``; a
        group without any hit in a family has ``share`` NaN and says so in ``note``; a group whose
        family hits all lie in one document has no interval (NaN, said in ``note``). Rows follow the
        groups' sorted order, then the lexicon's order of families and labels.

    Examples
    --------
    >>> import framelens
    >>> s = framelens.shares(framelens.datasets.load_sample(), "conflict_actors", n_boot=200)
    >>> list(s.columns[:7])
    ['group', 'family', 'label', 'count', 'share', 'lower', 'upper']
    """
    if within is not None:
        from .stratified import shares_within

        return shares_within(corpus, lexicon, family=family, by=by, story=within, ci=ci, n_boot=n_boot,
                             seed=seed, engine=engine)
    if not (isinstance(ci, (int, float)) and 0 < ci < 1):
        raise ParameterError(f"ci must be a coverage between 0 and 1 (e.g. 0.95), not {ci!r}")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ParameterError(f"n_boot must be a non-negative integer, not {n_boot!r}")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    fams = resolve_families(lex, family)
    groups = resolve_groups(corpus, by)
    matrix, label_ids = label_counts(corpus, lex, engine)
    column = {lab: i for i, lab in enumerate(label_ids)}
    used = [column[lab] for f in fams for lab in lex.family(f).label_ids()]  # the families' columns, in order
    bounds = np.cumsum([0] + [len(lex.family(f).labels) for f in fams])
    local = [list(range(a, b)) for a, b in zip(bounds[:-1], bounds[1:])]  # each family's columns in `dense`
    dense = matrix[:, used].toarray()

    rows = []
    for g, name in enumerate(groups.names):
        share, lower, upper, hits = bootstrap_shares(dense[groups.codes == g], local, n_boot=n_boot, ci=ci, rng=rng)
        counts = dense[groups.codes == g].sum(axis=0)
        with_hits = dense[groups.codes == g] > 0
        for k, f in enumerate(fams):
            note = small_group_note(int(groups.n_docs[g]), hits[local[k][0]], family=f)
            if n_boot > 0 and np.count_nonzero(with_hits[:, local[k]].any(axis=1)) == 1:
                note = "; ".join(x for x in (note, ONE_UNIT_NOTE.format(unit="document")) if x)
            for c in local[k]:
                rows.append((name, f, label_ids[used[c]], int(counts[c]), share[c], lower[c], upper[c],
                             int(groups.n_docs[g]), int(hits[c]), note))
    out = pd.DataFrame(rows, columns=["group", "family", "label", "count", "share", "lower", "upper",
                                      "n_docs", "family_hits", "note"])
    out = _with_keys(out, groups)
    params = {"by": groups.by, "family": fams, "ci": ci, "n_boot": n_boot, "seed": seed,
              "interval": "percentile, documents resampled within group", "engine": engine}
    return result_table(out, provenance_record(corpus, lex, params, kind="shares"))


def _with_keys(out: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    """Insert the ``by`` key columns after ``group`` when ``by`` has several keys."""
    if len(groups.by) < 2:
        return out
    keys = groups.frame.assign(group=groups.names)
    out = out.merge(keys, on="group", how="left", sort=False)
    cols = [c for c in out.columns if c not in groups.by]
    return out[cols[:1] + list(groups.by) + cols[1:]]


def permutation_share_difference(
    counts_a: np.ndarray, counts_b: np.ndarray, *, n_perm: int = 9999, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Permutation test of share differences between two groups of documents (one family).

    Parameters
    ----------
    counts_a, counts_b : arrays, documents × labels of one family
    n_perm : int
        Random relabellings of the pooled documents (group sizes kept).

    Returns
    -------
    (share_a, share_b, p, n_valid)
        Shares per label, two-sided p-values ``(1 + #{|d*| ≥ |d|}) / (1 + n_valid)`` where ``n_valid``
        counts the relabellings in which both groups have at least one family hit.
    """
    rng = rng or np.random.default_rng(0)
    a, b = np.asarray(counts_a, dtype=np.float64), np.asarray(counts_b, dtype=np.float64)
    pooled = np.vstack([a, b])
    n_a, n_all = len(a), len(pooled)
    grand = pooled.sum(axis=0)

    def diff(sum_a: np.ndarray) -> np.ndarray:
        sum_b = grand - sum_a
        tot_a, tot_b = sum_a.sum(axis=-1, keepdims=True), sum_b.sum(axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((tot_a > 0) & (tot_b > 0), sum_a / tot_a - sum_b / tot_b, np.nan)

    observed_a = a.sum(axis=0)
    observed = diff(observed_a)
    share_a = observed_a / observed_a.sum() if observed_a.sum() > 0 else np.full(len(grand), np.nan)
    sb = grand - observed_a
    share_b = sb / sb.sum() if sb.sum() > 0 else np.full(len(grand), np.nan)
    extreme = np.zeros(len(grand))
    n_valid = 0
    block = max(1, _BLOCK // max(n_all, 1))
    base = np.arange(n_all)
    for start in range(0, n_perm, block):
        stop = min(n_perm, start + block)
        perm = rng.permuted(np.broadcast_to(base, (stop - start, n_all)), axis=1)
        member = np.zeros((stop - start, n_all))
        np.put_along_axis(member, perm[:, :n_a], 1.0, axis=1)
        d = diff(member @ pooled)
        ok = ~np.isnan(d[:, 0])
        n_valid += int(ok.sum())
        extreme += (np.abs(d[ok]) >= np.abs(observed) - 1e-12).sum(axis=0)
    p = (1.0 + extreme) / (1.0 + n_valid)
    return share_a, share_b, np.where(np.isnan(observed), np.nan, p), n_valid


def shares_test(
    corpus: Any,
    lexicon: Any,
    family: str,
    by: str | Sequence[str] = "source",
    groups: tuple[str, str] = None,  # type: ignore[assignment]
    label: str | None = None,
    n_perm: int = 9999,
    seed: int | None = 0,
    *,
    engine: str = "auto",
) -> ResultTable:
    """Do two groups give a label different shares? A permutation test on documents.

    Under the null hypothesis the documents of the two groups are exchangeable: the test relabels
    them at random (keeping the group sizes) and recomputes the difference of shares.

    Parameters
    ----------
    corpus, lexicon
    family : str
        The family whose shares are compared.
    by : str or list of str
    groups : (str, str)
        The two groups, ``a`` and ``b``.
    label : str, optional
        One label of the family; by default every label (with Benjamini–Hochberg ``p_adj``).
    n_perm : int
        Random relabellings.
    seed : int or None

    Returns
    -------
    ResultTable (a DataFrame)
        ``family, label, group_a, group_b, share_a, share_b, difference`` (a − b), ``p`` (two-sided),
        ``p_adj``, ``n_perm`` (relabellings where both groups had a hit), ``n_docs_a, n_docs_b, note``.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare import shares_test
    >>> corpus = framelens.datasets.load_sample()
    >>> a, b = sorted(corpus.docs["source"].unique())[:2]
    >>> t = shares_test(corpus, "conflict_actors", "armed_opposition", groups=(a, b), n_perm=999)
    """
    if groups is None or isinstance(groups, str) or len(groups) != 2:
        raise ParameterError(f"groups must name two groups, (a, b), not {groups!r}")
    if not isinstance(n_perm, (int, np.integer)) or n_perm < 1:
        raise ParameterError(f"n_perm must be a positive integer, not {n_perm!r}")
    seed = resolve_seed(seed)
    rng = np.random.default_rng(seed)
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    fam = lex.family(family)  # ParameterError when absent
    labels = fam.label_ids()
    if label is not None and label not in labels:
        raise ParameterError(f"label {label!r} is not in family {family!r}; labels: {', '.join(labels)}")
    grouping = resolve_groups(corpus, by)
    ia, ib = (grouping.index(g) for g in groups)
    if ia == ib:
        raise ParameterError(f"groups must be two different groups, not {groups!r}")
    matrix, label_ids = label_counts(corpus, lex, engine)
    column = {lab: i for i, lab in enumerate(label_ids)}
    cols = [column[lab] for lab in labels]
    dense = matrix[:, cols].toarray()
    a, b = dense[grouping.codes == ia], dense[grouping.codes == ib]
    share_a, share_b, p, n_valid = permutation_share_difference(a, b, n_perm=n_perm, rng=rng)
    note_a = small_group_note(len(a), a.sum(), family=family)
    note_b = small_group_note(len(b), b.sum(), family=family)
    note = "; ".join(f"{g!r}: {n}" for g, n in zip(groups, (note_a, note_b)) if n)
    out = pd.DataFrame({
        "family": family, "label": labels, "group_a": str(groups[0]), "group_b": str(groups[1]),
        "share_a": share_a, "share_b": share_b, "difference": share_a - share_b, "p": p,
    })
    finite = out["p"].notna().to_numpy()
    p_adj = np.full(len(out), np.nan)
    p_adj[finite] = bh_adjust(out["p"].to_numpy()[finite])
    out["p_adj"] = p_adj
    if label is not None:
        out = out[out["label"] == label].reset_index(drop=True)
        out["p_adj"] = out["p"]
    out["n_perm"] = n_valid
    out["n_docs_a"], out["n_docs_b"], out["note"] = len(a), len(b), note
    params = {"by": grouping.by, "family": family, "groups": list(map(str, groups)), "label": label,
              "n_perm": n_perm, "seed": seed, "engine": engine}
    return result_table(out, provenance_record(corpus, lex, params, kind="shares_test"))
