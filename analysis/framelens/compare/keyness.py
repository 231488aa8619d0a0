"""Keyness: which terms (lexicon labels or n-grams) a group uses more, or less, than others.

Three statistics, all vectorised over the vocabulary (no Python loop per term):

``log_odds_dirichlet``
    Monroe, Colaresi & Quinn (2008), "Fightin' Words", eqs. 16–22: the log-odds ratio with an
    informative Dirichlet prior. With ``y_wi`` the count of term ``w`` in group ``i``, ``n_i`` the
    group's total count, ``α_w`` the prior and ``α0 = Σ α_w``::

        δ̂_w = log[(y_wi + α_w) / (n_i + α0 − y_wi − α_w)] − log[(y_wj + α_w) / (n_j + α0 − y_wj − α_w)]
        σ²_w ≈ 1/(y_wi + α_w) + 1/(y_wj + α_w)         z_w = δ̂_w / σ_w

    ``α_w = α0 · y_w / N`` where ``y_w`` and ``N`` are counts over the whole corpus (all groups):
    the prior's *shape* is always the corpus's word distribution. ``prior_scale`` sets ``α0``; by
    default ``α0 = n_i + n_j``, the size of the data compared, so that the prior weighs as much as
    the two sides together. Comparing each group with the rest of the whole corpus, that is ``α0 =
    N`` and ``α_w = y_w``, the corpus's own counts (the empirical-Bayes default of the R package
    tidylo). A comparison inside a period, with a reference group or between a pair covers less
    than the corpus: a prior of the whole corpus's size would then outweigh the data compared (by
    ``N / (n_i + n_j)``) and shrink its z-scores by about the square root of that, so that the same
    month's z-scores would depend on how many other months the corpus holds.
``chi2`` and ``g2``
    Pearson's χ² and the log-likelihood G² of the 2 × 2 table (this term / all other terms) ×
    (group / other side), without continuity correction, 1 degree of freedom. As in quanteda's
    ``textstat_keyness`` the statistic is *signed*: negative when the group uses the term less than
    expected. ``p_adj`` is Benjamini–Hochberg over the terms of each comparison that occur on
    either side (``scipy.stats.false_discovery_control``); a term absent from both (a label the
    texts never use) is no test: ``p`` and ``p_adj`` are 1 and it does not count in the BH family.

What counts as the vocabulary:

* with a lexicon, the terms are its labels and ``n_i`` is the group's word tokens (every token
  that is not a hit of the label is "another term"); rates are per 1,000 word tokens as in
  :func:`framelens.score`;
* without one, the terms are all n-grams in ``ngram_range`` of lower-cased ``\\w+`` tokens (as
  :mod:`framelens.text` splits words), ``n_i`` is the group's number of n-gram occurrences, and rates
  are per 1,000 word tokens.

``log_ratio`` is the effect size (Hardie's "Log Ratio"): ``log2((rate + ε) / (rate_other + ε))``
with ``ε`` the rate of half an occurrence at the two sides' mean size, ``ε = 1000 / (tokens +
tokens_other)`` per 1,000 tokens. A term absent from one side keeps a finite value, a term absent
from both gets 0, and with equally large sides this is the classic "add 0.5 to both counts".
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._tables import (
    DATE_BINS,
    release_memory,
    MIN_DOCS,
    Groups,
    ResultTable,
    as_corpus,
    as_lexicon,
    document_tokens,
    group_sums,
    label_counts,
    ngram_table,
    provenance_record,
    resolve_groups,
    result_table,
    small_group_note,
)

METHODS = ("log_odds_dirichlet", "chi2", "g2")
#: the provenance's description of the default prior
_PRIOR_DEFAULT = "alpha_w = (n_i + n_j) * y_w / N: corpus frequencies at the size of each comparison"
#: added to both counts in ``log_ratio``
CONTINUITY = 0.5
PAIRS = "pairs"
#: Result columns kept in float64; the other statistics are stored as float32. Everything is
#: computed in float64 (and sorted on it); float32 keeps 7 significant digits — more than any
#: count supports — and a full-vocabulary table of millions of rows in half the memory. P-values
#: need float64's range (a G² p-value reaches 1e-300).
_FLOAT64_COLUMNS = {"p": np.float64, "p_adj": np.float64}


# ---------------------------------------------------------------------------------------------
# the statistics, one term per array element
def log_odds_dirichlet(
    y_i: np.ndarray, y_j: np.ndarray, n_i: float, n_j: float, alpha: np.ndarray, alpha0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al.'s (2008) log-odds ratio with informative Dirichlet prior, and its z-score.

    Parameters
    ----------
    y_i, y_j : array
        Counts of each term on the two sides.
    n_i, n_j : float
        Total counts (all terms) on the two sides.
    alpha : array
        Prior pseudo-counts ``α_w`` per term; ``alpha0`` their total over the whole vocabulary.

    Returns
    -------
    (log_odds, z) : arrays
        ``δ̂_w`` (eq. 16) and ``δ̂_w / sqrt(1/(y_wi+α_w) + 1/(y_wj+α_w))`` (eqs. 18–22). A term with
        ``α_w = 0`` and no count on either side carries no evidence: both are 0.

    Examples
    --------
    >>> import numpy as np
    >>> lo, z = log_odds_dirichlet(np.array([10.]), np.array([2.]), 100, 100, np.array([6.]), 100)
    >>> round(float(lo[0]), 3), round(float(z[0]), 3)
    (0.736, 1.699)
    """
    y_i, y_j, alpha = (np.asarray(a, dtype=np.float64) for a in (y_i, y_j, alpha))
    a_i, a_j = y_i + alpha, y_j + alpha
    empty = (a_i <= 0) | (a_j <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log(a_i) - np.log(n_i + alpha0 - a_i) - np.log(a_j) + np.log(n_j + alpha0 - a_j)
        z = delta / np.sqrt(1.0 / a_i + 1.0 / a_j)
    delta[empty], z[empty] = 0.0, 0.0
    return delta, z


def contingency_2x2(y_i: np.ndarray, y_j: np.ndarray, n_i: float, n_j: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Signed χ² or G² (``method`` "chi2"/"g2") of each term's 2 × 2 table, and its p-value (1 df).

    The table of term ``w`` is ``[[y_i, n_i − y_i], [y_j, n_j − y_j]]``. A term absent from both
    sides gives 0 and p = 1. The sign is that of ``y_i/n_i − y_j/n_j``.

    Examples
    --------
    >>> import numpy as np
    >>> stat, p = contingency_2x2(np.array([30.]), np.array([10.]), 1000, 1000, "chi2")
    >>> round(float(stat[0]), 3)
    10.204
    """
    from scipy.special import xlogy
    from scipy.stats import chi2

    y_i, y_j = np.asarray(y_i, dtype=np.float64), np.asarray(y_j, dtype=np.float64)
    observed = np.stack([y_i, n_i - y_i, y_j, n_j - y_j])
    term_total, other_total = y_i + y_j, (n_i + n_j) - (y_i + y_j)
    total = n_i + n_j
    expected = np.stack([term_total * n_i, other_total * n_i, term_total * n_j, other_total * n_j]) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "chi2":
            cells = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
            stat = cells.sum(axis=0)
        else:
            cells = np.where(expected > 0, xlogy(observed, observed / expected), 0.0)
            stat = 2.0 * cells.sum(axis=0)
        direction = np.sign(y_i / n_i - y_j / n_j) if n_i > 0 and n_j > 0 else np.zeros_like(y_i)
    stat = np.maximum(stat, 0.0)  # rounding can leave −1e-13
    p = chi2.sf(stat, df=1)
    return direction * stat, p


def log_ratio(y_i: np.ndarray, y_j: np.ndarray, tokens_i: float, tokens_j: float) -> np.ndarray:
    """``log2`` ratio of the rates, each plus half an occurrence at the sides' mean size.

    Examples
    --------
    >>> float(log_ratio(np.array([0.0]), np.array([0.0]), 1000, 9000)[0])
    0.0
    >>> bool(np.isclose(log_ratio(np.array([0.0]), np.array([10.0]), 1000, 1000)[0], np.log2(0.5 / 10.5)))
    True
    """
    size = max(float(tokens_i) + float(tokens_j), 1.0)
    eps = 2.0 * CONTINUITY / size  # per token: half an occurrence at the mean size of the two sides
    rate_i = np.asarray(y_i, dtype=np.float64) / max(float(tokens_i), 1.0)
    rate_j = np.asarray(y_j, dtype=np.float64) / max(float(tokens_j), 1.0)
    return np.log2((rate_i + eps) / (rate_j + eps))


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (``scipy.stats.false_discovery_control``)."""
    from scipy.stats import false_discovery_control  # imported on use: scipy.stats is slow to import

    p = np.asarray(p, dtype=np.float64)
    return false_discovery_control(p, method="bh") if len(p) else p


# ---------------------------------------------------------------------------------------------
# which comparisons
def _comparisons(names: list[str], strata: np.ndarray, reference: str | None, frame: pd.DataFrame | None = None,
                 by: Sequence[str] | None = None) -> list[tuple[int, np.ndarray, str | None]]:
    """``(group, other groups pooled on the other side, reference label)`` for each comparison.

    Groups are only compared with groups of the same stratum (period).
    """
    G = len(names)
    out: list[tuple[int, np.ndarray, str | None]] = []
    if reference is None:
        for g in range(G):
            others = np.flatnonzero((strata == strata[g]) & (np.arange(G) != g))
            out.append((g, others, None))
    elif reference == PAIRS:
        for g in range(G):
            for h in range(g + 1, G):
                if strata[g] == strata[h]:
                    out.append((g, np.array([h]), names[h]))
    else:
        ref = _reference_groups(names, strata, reference, frame, by)
        for g in range(G):
            r = ref.get(int(strata[g]))
            if r is not None and r != g:
                out.append((g, np.array([r]), names[r]))
    return out


def _reference_groups(names, strata, reference, frame, by) -> dict[int, int]:
    """Per stratum, the index of the reference group.

    ``reference`` is a group's full name (then only its own period is compared) or, when ``by``
    mixes columns and a date bin, the non-date part of the names (then it is looked up per period
    and must have documents in every period).
    """
    ref = str(reference)
    if ref in names:
        g = names.index(ref)
        return {int(strata[g]): g}
    found: dict[int, int] = {}
    other_keys = [k for k in (by or []) if k not in DATE_BINS]
    if frame is not None and other_keys and len(other_keys) < len(by):
        part = frame[other_keys].astype(str).agg(" | ".join, axis=1).to_numpy()
        for g in np.flatnonzero(part == ref):
            found[int(strata[g])] = int(g)
    if not found:
        shown = ", ".join(map(repr, names[:20])) + (" …" if len(names) > 20 else "")
        raise ParameterError(f"reference group {reference!r} has no documents; groups: {shown}")
    missing = sorted(set(strata.tolist()) - set(found))
    if missing:
        periods = sorted({names[g].split(" | ")[-1] for g in np.flatnonzero(np.isin(strata, missing))})
        raise ParameterError(
            f"reference group {reference!r} has no documents in period(s) {', '.join(periods[:10])}; "
            "compare each group with the rest (reference=None) or choose another reference"
        )
    return found


# ---------------------------------------------------------------------------------------------
def keyness_from_counts(
    table: Any,
    terms: Sequence[str],
    groups: Sequence[str],
    *,
    method: str = "log_odds_dirichlet",
    reference: str | None = None,
    totals: Sequence[float] | None = None,
    tokens: Sequence[float] | None = None,
    prior_scale: float | None = None,
    min_count: int = 0,
    strata: Sequence[int] | None = None,
    group_frame: pd.DataFrame | None = None,
    by: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Keyness of every term for every comparison, from a group × term count table.

    This is the statistical core of :func:`keyness`, usable on any count table.

    Parameters
    ----------
    table : array or sparse matrix, G × T
        Counts of each term in each group.
    terms, groups : sequences of str
        Names of the columns and rows.
    method : {"log_odds_dirichlet", "chi2", "g2"}
    reference : None, group name or "pairs"
        ``None``: each group against all the others pooled; a name: each group against that group;
        ``"pairs"``: every pair once (``group`` before ``reference`` in ``groups`` order).
    totals : sequence of float, optional
        Each group's total count over the whole vocabulary (``n_i``); default the row sums.
    tokens : sequence of float, optional
        Word tokens per group, the denominators of ``rate``; default ``totals``.
    prior_scale : float, optional
        ``α0`` of the Dirichlet prior, the same in every comparison; default each comparison's own
        size ``n_i + n_j`` (``N``, so ``α_w`` = corpus counts, when a group is compared with the
        rest of the whole corpus).
    min_count : int
        Keep the terms whose count over both sides of a comparison reaches this.
    strata : sequence of int, optional
        Compare only groups of the same stratum (period).
    group_frame, by : optional
        The groups' key columns and the ``by`` keys, so that a ``reference`` may name the non-date
        part of the groups (``"A"`` for the groups ``"A | 2024-01"``, ``"A | 2024-02"``…).

    Returns
    -------
    DataFrame
        ``group, [reference,] term, count, count_other, rate, rate_other, log_ratio`` then
        ``log_odds, z`` or ``chi2``/``g2, p, p_adj``; sorted by group (and reference) then the
        statistic, descending; ties keep the order of ``terms``. ``group``, ``reference`` and
        ``term`` are categorical columns (categories in alphabetical order).

    Examples
    --------
    >>> import numpy as np
    >>> k = keyness_from_counts(np.array([[30, 70], [10, 90]]), ["rebels", "other"], ["A", "B"])
    >>> k.loc[k.group == "A", "term"].tolist()
    ['rebels', 'other']
    """
    names = [str(g) for g in groups]
    term_names = [str(t) for t in terms]
    codes, categories = pd.factorize(np.asarray(term_names, dtype=object), sort=True)
    res = _keyness_columns(table, len(term_names), names, method=method, reference=reference, totals=totals,
                           tokens=tokens, prior_scale=prior_scale, min_count=min_count, strata=strata,
                           group_frame=group_frame, by=by, term_code=codes.astype(np.int32))
    out = _frame(res, pd.Index(categories, dtype="str"), names, reference is not None)
    out.attrs["alpha0"] = res.alpha0
    return out


@dataclass
class _Columns:
    """The rows of every comparison, written once in their final order (indices, not names)."""

    alpha0: float | None  # None: the default prior, each comparison's own size (not one value)
    lengths: np.ndarray  # rows per comparison, in order
    group: np.ndarray  # per comparison: the group's index
    ref: np.ndarray  # per comparison: the reference group's index, −1 for the rest
    term: np.ndarray  # per row: the term's code (int32)
    values: dict[str, np.ndarray]  # count, count_other, then the float columns


def _table_rows(table: Any, n_terms: int, n_groups: int) -> tuple[Any, Any]:
    """``(row(g), column sums)`` of a G × T table, dense or scipy sparse, without densifying it whole."""
    if hasattr(table, "tocsr"):  # scipy sparse: one dense row at a time
        csr = table.tocsr()
        if csr.shape != (n_groups, n_terms):
            raise ParameterError(f"table is {csr.shape[0]} × {csr.shape[1]} but there are {n_groups} groups and {n_terms} terms")
        dtype = np.int64 if np.issubdtype(csr.dtype, np.integer) else np.float64

        def row(g: int) -> np.ndarray:
            return csr.getrow(g).toarray().ravel().astype(dtype, copy=False)

        return row, np.asarray(csr.sum(axis=0)).ravel().astype(dtype, copy=False)
    dense = np.asarray(table)
    if dense.ndim != 2 or dense.shape != (n_groups, n_terms):
        shape = " × ".join(map(str, dense.shape))
        raise ParameterError(f"table is {shape} but there are {n_groups} groups and {n_terms} terms")
    if not np.issubdtype(dense.dtype, np.integer):
        dense = dense.astype(np.float64, copy=False)
    elif dense.dtype != np.int64 and dense.dtype != np.int32:
        dense = dense.astype(np.int64)
    return (lambda g: dense[g]), dense.sum(axis=0, dtype=np.int64 if dense.dtype.kind == "i" else np.float64)


def _distinct(columns: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """``(code of each row, the columns' values for each code)`` for the distinct tuples of ``columns``.

    Integer columns are packed into one int64 key when their ranges allow and hash-encoded by
    Arrow, whose table grows with the distinct keys (a few thousand here; pandas sizes its table
    by the number of rows, a million, and touches tens of MB doing so). Other columns are
    factorised one by one and their codes combined.
    """
    if all(c.dtype.kind in "iu" for c in columns) and len(columns[0]):
        spans = [int(c.max()) + 1 for c in columns]  # key = ((c0 · s1) + c1) · s2 + c2 …
        if min(int(c.min()) for c in columns) >= 0 and float(np.prod([float(x) for x in spans])) < 2.0**62:
            import pyarrow as pa
            import pyarrow.compute as pc

            key = columns[0].astype(np.int64)
            for col, span in zip(columns[1:], spans[1:]):
                key *= span
                key += col
            encoded = pc.dictionary_encode(pa.array(key))
            del key
            inv = encoded.indices.to_numpy(zero_copy_only=False)
            distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
            values = []
            for span in spans[:0:-1]:  # unpack the last column first
                values.append(distinct % span)
                distinct = distinct // span
            values.append(distinct)
            return inv, values[::-1]
    inv, _ = pd.factorize(columns[0], use_na_sentinel=False)
    for col in columns[1:]:
        ci, cu = pd.factorize(col, use_na_sentinel=False)
        inv *= len(cu)
        inv += ci
        del ci
        inv, _ = pd.factorize(inv)
    if not len(inv):
        return inv, [c[:0] for c in columns]
    # codes are numbered in order of first appearance: code k first occurs where the running
    # maximum first reaches k
    top = np.maximum.accumulate(inv)
    new = np.empty(len(inv), dtype=bool)
    new[0] = True
    np.greater(top[1:], top[:-1], out=new[1:])
    del top
    first = np.flatnonzero(new)
    return inv, [c[first] for c in columns]


def _descending_order(stat: np.ndarray, inv: np.ndarray) -> np.ndarray:
    """Rows in descending order of ``stat[inv]`` (NaN last), ties in row order: a stable sort.

    ``stat`` has one value per distinct row (a few thousand), so the rows are sorted by their rank
    among those values: a radix sort when the ranks fit 16 bits, else a sort of ``rank·R + row``.
    """
    neg = -stat
    by_value = np.argsort(neg, kind="stable")  # NaN last
    sorted_neg = neg[by_value]
    new = np.ones(len(stat), dtype=bool)
    if len(stat) > 1:
        same = (sorted_neg[1:] == sorted_neg[:-1]) | (np.isnan(sorted_neg[1:]) & np.isnan(sorted_neg[:-1]))
        new[1:] = ~same
    rank = np.empty(len(stat), dtype=np.int64)
    rank[by_value] = np.cumsum(new) - 1
    if len(stat) <= 2**16:
        return np.argsort(rank.astype(np.uint16)[inv], kind="stable")  # radix sort
    R = len(inv)
    key = rank[inv] * R + np.arange(R)
    key.sort()
    return key % R


def _keyness_columns(table: Any, n_terms: int, names: list[str], *, method: str, reference: str | None, totals: Any,
                     tokens: Any, prior_scale: float | None, min_count: int, strata: Any, group_frame: Any = None,
                     by: Any = None, term_code: np.ndarray | None = None) -> _Columns:
    """Every comparison's statistics, written straight into preallocated result columns.

    The statistics of a term depend only on its counts ``(y_i, y_j)`` and corpus count ``y_w``; a
    corpus has a few thousand distinct such triples against a million terms, so they are computed
    per distinct triple and gathered into the rows, already sorted. ``term_code`` maps a term index
    to the code written in ``term`` (default the index).
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    G, T = len(names), n_terms
    row, corpus_counts = _table_rows(table, T, G)
    totals_arr = (np.array([float(row(g).sum()) for g in range(G)]) if totals is None
                  else np.asarray(totals, dtype=np.float64))
    tokens_arr = totals_arr if tokens is None else np.asarray(tokens, dtype=np.float64)
    strata_arr = np.zeros(G, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    if prior_scale is not None and not prior_scale > 0:
        raise ParameterError(f"prior_scale must be a positive number (α0), not {prior_scale!r}")
    N = float(totals_arr.sum())
    # the prior's total: fixed when given, else each comparison's size (see the module docstring)
    alpha0 = N if prior_scale is None else float(prior_scale)
    stat_cols = ["log_odds", "z"] if method == "log_odds_dirichlet" else [method, "p", "p_adj"]
    float_cols = ["rate", "rate_other", "log_ratio", *stat_cols]

    comparisons = _comparisons(names, strata_arr, reference, group_frame, by)
    stratum_sum: dict[int, np.ndarray] = {}

    def sides(g: int, others: np.ndarray, ref_label: str | None) -> tuple[np.ndarray, np.ndarray]:
        y_i = row(g)
        if ref_label is not None:
            return y_i, row(int(others[0]))
        s = int(strata_arr[g])  # the rest of the stratum: its sum minus this group
        if s not in stratum_sum:
            members = np.flatnonzero(strata_arr == s)
            stratum_sum[s] = corpus_counts if len(members) == G else sum(row(int(k)) for k in members)
        return y_i, stratum_sum[s] - y_i

    # within one stratum, "the rest" is every other count: y_j = y_w − y_i, and the kept terms
    # (y_i + y_j = y_w ≥ min_count) are the same in every comparison
    rest_is_all = reference is None and len(set(strata_arr.tolist())) == 1
    # sizes first, so that every column is allocated once
    keeps: list[np.ndarray | None] = []
    for g, others, ref_label in comparisons:
        if rest_is_all and keeps:
            keeps.append(keeps[0])
            continue
        if rest_is_all:
            both = corpus_counts
        else:
            y_i, y_j = sides(g, others, ref_label)
            both = y_i + y_j
        keeps.append(None if min_count <= 0 or both.min(initial=min_count) >= min_count
                     else np.flatnonzero(both >= min_count))
        del both
    lengths = np.array([T if k is None else len(k) for k in keeps], dtype=np.int64)
    R = int(lengths.sum())
    # no count exceeds the term's corpus count: int32 unless a corpus has 2³¹ of one term
    count_dtype = np.int32 if T == 0 or float(np.max(corpus_counts)) < 2**31 - 1 else np.int64
    term = np.empty(R, dtype=np.int32)
    values = {"count": np.empty(R, dtype=count_dtype), "count_other": np.empty(R, dtype=count_dtype)}
    for name in float_cols:
        values[name] = np.empty(R, dtype=_FLOAT64_COLUMNS.get(name, np.float32))

    start = 0
    per_comparison = False  # did a default prior differ from N (a comparison smaller than the corpus)?
    for (g, others, ref_label), keep, length in zip(comparisons, keeps, lengths):
        if length == 0:
            continue
        stop = start + int(length)
        y_w = corpus_counts
        if rest_is_all:
            y_i = row(g)
            if keep is not None:
                y_i, y_w = y_i[keep], y_w[keep]
            inv, (yi, yw) = _distinct([y_i, y_w])
            yi, yw = yi.astype(np.float64), yw.astype(np.float64)
            yj = yw - yi
        else:
            y_i, y_j = sides(g, others, ref_label)
            if keep is not None:
                y_i, y_j, y_w = y_i[keep], y_j[keep], y_w[keep]
            inv, (yi, yj, yw) = _distinct([y_i, y_j, y_w])
            yi, yj, yw = yi.astype(np.float64), yj.astype(np.float64), yw.astype(np.float64)
            del y_j
        del y_i, y_w
        n_i, n_j = totals_arr[g], totals_arr[others].sum()
        t_i, t_j = tokens_arr[g], tokens_arr[others].sum()
        u: dict[str, np.ndarray] = {"count": np.rint(yi).astype(count_dtype),
                                    "count_other": np.rint(yj).astype(count_dtype)}
        with np.errstate(divide="ignore", invalid="ignore"):
            u["rate"] = yi * 1000.0 / t_i if t_i > 0 else np.full(len(yi), np.nan)
            u["rate_other"] = yj * 1000.0 / t_j if t_j > 0 else np.full(len(yi), np.nan)
            u["log_ratio"] = log_ratio(yi, yj, t_i, t_j)
        if method == "log_odds_dirichlet":
            a0 = alpha0 if prior_scale is not None else float(n_i + n_j)
            alpha = a0 * yw / N if N > 0 else np.zeros(len(yw))
            u["log_odds"], u["z"] = log_odds_dirichlet(yi, yj, n_i, n_j, alpha, a0)
            if prior_scale is None and abs(a0 - N) > 1e-9 * N:
                per_comparison = True
            stat = u["z"]
        else:
            stat, u["p"] = contingency_2x2(yi, yj, n_i, n_j, method)
            u[method] = stat
        # descending statistic; the stable sort keeps ties in column order (lexicon order for
        # labels, shortest then alphabetical for n-grams)
        order = _descending_order(stat, inv)
        if method != "log_odds_dirichlet":  # BH ranks every term's p: over the rows, not the distinct values
            # a term absent from both sides was not tested (its p = 1 is no p-value): it stays out of
            # the BH family, where it would only inflate m and every other term's p_adj
            p_rows = u["p"][inv]
            tested = ((yi + yj) > 0)[inv]
            p_adj = np.ones(len(p_rows))
            p_adj[tested] = bh_adjust(p_rows[tested])
            u["p_adj"] = p_adj[order]
            del p_rows, tested, p_adj
        rows = np.take(inv, order)
        del inv
        picked = order if keep is None else keep[order]
        del order
        if term_code is None:
            term[start:stop] = picked
        else:
            np.take(term_code, picked, out=term[start:stop], mode="clip")
        del picked
        for name, column in values.items():
            if name == "p_adj":
                column[start:stop] = u["p_adj"]
            else:
                # mode="clip": the indices are valid, and the default mode buffers the output.
                # u holds one float64 value per distinct triple: cast before the gather.
                np.take(u[name].astype(column.dtype, copy=False), rows, out=column[start:stop], mode="clip")
        del rows, u
        start = stop
    release_memory()  # what counting and the comparisons freed, now that the result is written
    kept = lengths > 0
    return _Columns(
        None if per_comparison else alpha0, lengths[kept],
        np.array([g for (g, _, _), k in zip(comparisons, kept) if k], dtype=np.int64),
        np.array([-1 if r is None else int(o[0]) for (_, o, r), k in zip(comparisons, kept) if k], dtype=np.int64),
        term, values,
    )


#: the name columns of a keyness table (categorical, categories in alphabetical order)
NAME_COLUMNS = ("group", "reference", "term", "family", "note")


def keyness_dtypes(frame: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """A keyness table built another way (``keyness_within``) given :func:`keyness`' dtypes: name
    columns (and the ``by`` ``keys``) categorical, counts int32, statistics float32 but ``p``/``p_adj``."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if name in NAME_COLUMNS or name in keys:
            values = col.astype(str)
            col = pd.Series(pd.Categorical(values, categories=sorted(values.unique())), index=frame.index)
        elif name in ("count", "count_other") and (not len(col) or col.max() < 2**31 - 1):
            col = col.astype(np.int32)
        elif col.dtype == np.float64 and name not in _FLOAT64_COLUMNS:
            col = col.astype(np.float32)
        out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _category_dtype(categories: pd.Index) -> pd.CategoricalDtype:
    """A CategoricalDtype over categories known to be distinct and non-null.

    The public constructor checks that by hashing every category as a Python object: for a
    million n-grams that is 0.1 s and 70 MB, so the check pandas itself skips internally is
    skipped here too (with the public path as a fallback).
    """
    try:
        return pd.CategoricalDtype._from_fastpath(categories, False)
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without this fast path
        return pd.CategoricalDtype(categories, ordered=False)


def _categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=_category_dtype(categories), validate=False)


def _per_comparison(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A per-comparison code repeated over the comparison's rows, in the smallest integer type."""
    values = np.asarray(values)
    small = np.int8 if values.size == 0 or values.max(initial=0) < 127 else np.int32
    return np.repeat(values.astype(small), lengths)


def _frame(res: _Columns, term_categories: pd.Index, names: list[str], with_reference: bool) -> pd.DataFrame:
    """The result DataFrame over the columns of ``res`` (no copy): names as categorical codes."""
    group_codes, group_categories = pd.factorize(np.asarray(names, dtype=object), sort=True)
    group_index = pd.Index(group_categories, dtype="str")
    data: dict[str, Any] = {"group": _categorical(_per_comparison(group_codes[res.group], res.lengths), group_index)}
    if with_reference:
        ref_codes = np.where(res.ref >= 0, group_codes[np.maximum(res.ref, 0)], -1)
        data["reference"] = _categorical(_per_comparison(ref_codes, res.lengths), group_index)
    data["term"] = _categorical(res.term, term_categories)
    data.update(res.values)
    return pd.DataFrame(data, copy=False)


# ---------------------------------------------------------------------------------------------
def keyness(
    corpus: Any,
    by: str | Sequence[str] = "source",
    lexicon: Any = None,
    ngram_range: tuple[int, int] = (1, 1),
    method: str = "log_odds_dirichlet",
    reference: str | None = None,
    prior_scale: float | None = None,
    min_count: int | None = None,
    *,
    within: Any = None,
    engine: str = "auto",
) -> ResultTable:
    """Terms that distinguish each group: Fightin' Words log-odds, χ² or G² keyness.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    by : str or list of str
        Column(s) and/or a date bin (``"month"``…) that define the groups. When ``by`` mixes columns
        and a date bin (``["source", "month"]``), groups are compared *within each period*: the rest,
        the reference or the pairs are taken from the same month.
    lexicon : Lexicon or str, optional
        When given, the terms are its labels (hit counts); otherwise every n-gram in
        ``ngram_range`` of the texts.
    ngram_range : (int, int)
        Smallest and largest n-gram length, without a lexicon.
    method : {"log_odds_dirichlet", "chi2", "g2"}
        See the module documentation for the formulas.
    reference : None, str or "pairs"
        ``None``: each group against the rest (all other groups pooled); a group name: each other
        group against it; ``"pairs"``: every pair of groups once.
    prior_scale : float, optional
        ``α0``, the total pseudo-count of the Dirichlet prior (log-odds only), the same in every
        comparison; default each comparison's size ``n_i + n_j`` — the corpus total, i.e. ``α_w`` =
        the term's count in the whole corpus, when each group is compared with the rest of the whole
        corpus (the provenance's ``alpha0`` is then that total, else None).
    min_count : int, optional
        Keep terms counted at least this often over both sides of a comparison; default 0 with a
        lexicon (every label is listed) and 5 for n-grams.
    within : str, Stories or sequence, optional
        Compare inside stories only (see :func:`framelens.shares`): dispatches to
        :func:`~framelens.compare.stratified.keyness_within`, which supports ``method``
        ``"log_odds_dirichlet"`` (per-story log-odds combined across stories) or ``"cmh"``, no
        ``reference="pairs"`` and no ``prior_scale``.
    engine : str
        Lexicon matching engine.

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, [reference,] term, [family,] count, count_other, rate, rate_other, log_ratio``,
        then ``log_odds, z`` (log-odds) or ``chi2``/``g2, p, p_adj``, then ``note``.
        ``count``/``rate`` are the group's, ``*_other`` the other side's (rate = per 1,000 word
        tokens). ``reference`` (with a named reference or pairs) names the other side. With a
        multi-key ``by`` the key columns follow ``group``. Sorted by group then the statistic
        (z, or the signed χ²/G²), descending: over-used terms first, under-used last. ``note`` flags
        groups (or other sides) with fewer than 5 documents — or, with a lexicon, fewer than 10 hits
        in the label's family; they are kept. The name columns (``group``, ``reference``, ``term``,
        ``family``, the ``by`` keys, ``note``) are categorical, their categories in alphabetical
        order: a million-term table stores each n-gram's text once. Counts are int32 (int64 past
        2³¹), ``p`` and ``p_adj`` float64, the other statistics float32 (computed and sorted in
        float64; 7 significant digits stored, half the memory). ``attrs["framelens"]`` holds the
        provenance.

    Examples
    --------
    >>> import framelens
    >>> corpus = framelens.datasets.load_sample()
    >>> k = framelens.keyness(corpus, by="source", lexicon="conflict_actors")
    >>> list(k.columns[:4])
    ['group', 'term', 'family', 'count']
    >>> words = framelens.keyness(corpus, ngram_range=(1, 2), method="g2")
    """
    if within is not None:
        if prior_scale is not None:
            raise ParameterError("prior_scale does not apply with within=: story-controlled log-odds use each story's own prior")
        from .stratified import keyness_within

        return keyness_within(corpus, by=by, lexicon=lexicon, story=within, ngram_range=ngram_range, method=method,
                              reference=reference, min_count=min_count, engine=engine)
    if method not in METHODS:
        needs = " ('cmh' compares within stories: give within=)" if method == "cmh" else ""
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}{needs}")
    lo_hi = _check_ngram_range(ngram_range)
    if min_count is not None and (not isinstance(min_count, (int, np.integer)) or min_count < 0):
        raise ParameterError(f"min_count must be a non-negative integer, not {min_count!r}")
    if prior_scale is not None and not (isinstance(prior_scale, (int, float)) and prior_scale > 0):
        raise ParameterError(f"prior_scale must be a positive number (α0), not {prior_scale!r}")
    corpus = as_corpus(corpus)
    lex = as_lexicon(lexicon) if lexicon is not None else None
    groups = resolve_groups(corpus, by)  # validates `by` before any counting
    if reference is not None and reference != PAIRS:
        _comparisons(groups.names, groups.strata, reference, groups.frame, groups.by)  # raises if absent
    if len(groups) < 2:
        raise ParameterError(f"keyness needs at least two groups; by={groups.by} gives only {groups.names}")
    getattr(corpus, "fingerprint", None)  # hashed (and cached) now, while little memory is in use

    if lex is not None:
        matrix, label_ids = label_counts(corpus, lex, engine)
        table = group_sums(matrix, groups.codes, len(groups))
        tokens = group_sums(document_tokens(corpus).reshape(-1, 1), groups.codes, len(groups)).toarray().ravel()
        totals, mc = tokens, 0 if min_count is None else min_count
        codes, categories = pd.factorize(np.asarray(label_ids, dtype=object), sort=True)
        term_code, term_categories = codes.astype(np.int32), pd.Index(categories, dtype="str")
        n_terms = len(label_ids)
    else:
        mc = 5 if min_count is None else min_count
        ng = ngram_table(_texts(corpus), groups.codes, len(groups), lo_hi, min_count=max(mc, 1), dense=True)
        table, totals, tokens, n_terms = ng.table, ng.totals, ng.tokens, len(ng)
        term_code, term_categories = _alphabetical(ng)
        del ng
        release_memory(heap=False)  # Arrow's share of what counting and naming left behind
    res = _keyness_columns(table, n_terms, groups.names, method=method, reference=reference, totals=totals,
                           tokens=tokens, prior_scale=prior_scale, min_count=mc, strata=groups.strata,
                           group_frame=groups.frame, by=groups.by, term_code=term_code)
    out = _frame(res, term_categories, groups.names, reference is not None)
    out = _decorate(out, res, groups, lex, table, term_code)
    params = {"by": groups.by, "lexicon": None if lex is None else lex.name, "ngram_range": list(lo_hi),
              "method": method, "reference": reference, "prior_scale": prior_scale,
              "alpha0": res.alpha0 if method == "log_odds_dirichlet" else None,
              "prior": (_PRIOR_DEFAULT if prior_scale is None else "alpha0 = prior_scale in every comparison")
              if method == "log_odds_dirichlet" else None, "min_count": mc,
              "continuity": CONTINUITY, "engine": engine if lex is not None else None}
    return result_table(out, provenance_record(corpus, lex, params, kind="keyness"))


def _texts(corpus: Any) -> Any:
    """The corpus' texts as stored (an Arrow-backed Series: no list of Python strings is made)."""
    docs = getattr(corpus, "docs", None)
    if isinstance(docs, pd.DataFrame) and "text" in docs.columns:
        return docs["text"]
    return corpus.texts


def _alphabetical(ng: Any) -> tuple[np.ndarray, pd.Index]:
    """``(code of each term, the terms in alphabetical order)`` for a categorical term column.

    The names are made once, straight in alphabetical order (the table's own order is never named).
    """
    import pyarrow as pa

    order, names = ng.alphabetical_terms()
    code = np.empty(len(order), dtype=np.int32)
    code[order] = np.arange(len(order), dtype=np.int32)
    return code, pd.Index(pd.array(names.cast(pa.large_string()), dtype="str"))


def _check_ngram_range(ngram_range: Any) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in ngram_range)
        ok = 1 <= lo <= hi and all(float(v) == int(v) for v in ngram_range)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"ngram_range must be (min_n, max_n) with 1 ≤ min_n ≤ max_n, not {ngram_range!r}")
    return lo, hi


def _decorate(out: pd.DataFrame, res: _Columns, groups: Groups, lex: Any, table: Any, term_code: np.ndarray) -> pd.DataFrame:
    """Add the label's ``family``, the ``by`` key columns and the small-group ``note`` (by index, not per row)."""
    fam_ids: list[str | None] = [None]
    fam_hits = np.zeros((len(groups), 1))
    fam_of_row = None
    if lex is not None:
        fam_ids = lex.family_ids()
        label_family = lex.label_family()
        fam_of_term = np.array([fam_ids.index(label_family[lab]) for lab in lex.label_ids()], dtype=np.int64)
        dense = table.toarray()
        fam_hits = np.stack([dense[:, fam_of_term == f].sum(axis=1) for f in range(len(fam_ids))], axis=1)
        term_of_code = np.empty(len(term_code), dtype=np.int64)
        term_of_code[term_code] = np.arange(len(term_code))
        fam_of_row = fam_of_term[term_of_code[res.term]]
        fam_codes, fam_categories = pd.factorize(np.asarray(fam_ids, dtype=object), sort=True)
        out.insert(out.columns.get_loc("term") + 1, "family",
                   _categorical(fam_codes[fam_of_row].astype(np.int32), pd.Index(fam_categories, dtype="str")))
    # the note depends on (comparison, family) only: work it out once per combination
    F = len(fam_ids)
    rest_docs = np.array([groups.n_docs[groups.strata == groups.strata[k]].sum() - groups.n_docs[k]
                          for k in range(len(groups))])
    notes = []
    for gr, rf in zip(res.group.tolist(), res.ref.tolist()):
        for f, family in enumerate(fam_ids):
            hits = (lambda k: float(fam_hits[k, f])) if lex is not None else (lambda k: None)
            parts = [small_group_note(int(groups.n_docs[gr]), hits(gr), family=family)]
            if rf >= 0:
                ref_note = small_group_note(int(groups.n_docs[rf]), hits(rf), family=family)
                parts.append(f"reference {groups.names[rf]!r}: {ref_note}" if ref_note else "")
            elif rest_docs[gr] < MIN_DOCS:
                plural = "s" if rest_docs[gr] != 1 else ""
                parts.append(f"the rest has only {rest_docs[gr]} document{plural} (< {MIN_DOCS})")
            notes.append("; ".join(p for p in parts if p))
    note_codes, note_categories = (pd.factorize(np.asarray(notes, dtype=object), sort=True) if notes
                                   else (np.zeros(0, dtype=np.int64), np.asarray([""], dtype=object)))
    if fam_of_row is None:
        row_notes = _per_comparison(note_codes, res.lengths)
    else:
        comparison = np.repeat(np.arange(len(res.lengths)), res.lengths)
        row_notes = note_codes[comparison * F + fam_of_row].astype(np.int32)
    out["note"] = _categorical(row_notes, pd.Index(note_categories, dtype="str"))
    if len(groups.by) > 1:  # the key columns, after `group`
        for i, k in enumerate(groups.by):
            codes, categories = pd.factorize(np.asarray(groups.frame[k].astype(str).tolist(), dtype=object), sort=True)
            out.insert(1 + i, k, _categorical(_per_comparison(codes[res.group], res.lengths),
                                              pd.Index(categories, dtype="str")))
    return out
