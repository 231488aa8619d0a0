"""Keyness: which terms (lexicon labels or n-grams) a group uses more, or less, than others.

Three statistics, all vectorised over the vocabulary (no Python loop per term):

``log_odds_dirichlet``
    Monroe, Colaresi & Quinn (2008), "Fightin' Words", eqs. 16–22: the log-odds ratio with an
    informative Dirichlet prior. With ``y_wi`` the count of term ``w`` in group ``i``, ``n_i`` the
    group's total count, ``α_w`` the prior and ``α0 = Σ α_w``::

        δ̂_w = log[(y_wi + α_w) / (n_i + α0 − y_wi − α_w)] − log[(y_wj + α_w) / (n_j + α0 − y_wj − α_w)]
        σ²_w ≈ 1/(y_wi + α_w) + 1/(y_wj + α_w)         z_w = δ̂_w / σ_w

    ``α_w = α0 · y_w / N`` where ``y_w`` and ``N`` are counts over the whole corpus (all groups);
    ``prior_scale`` sets ``α0``; by default ``α0 = N`` so that ``α_w = y_w``, the whole corpus's own
    counts (the empirical-Bayes default of the R package tidylo).
``chi2`` and ``g2``
    Pearson's χ² and the log-likelihood G² of the 2 × 2 table (this term / all other terms) ×
    (group / other side), without continuity correction, 1 degree of freedom. As in quanteda's
    ``textstat_keyness`` the statistic is *signed*: negative when the group uses the term less than
    expected. ``p_adj`` is Benjamini–Hochberg over the terms of each comparison
    (``scipy.stats.false_discovery_control``).

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

from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ParameterError
from ._tables import (
    DATE_BINS,
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
#: added to both counts in ``log_ratio``
CONTINUITY = 0.5
PAIRS = "pairs"


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
        ``α0`` of the Dirichlet prior; default the corpus total ``N`` (``α_w`` = corpus counts).
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
        statistic, descending; ties keep the order of ``terms``.

    Examples
    --------
    >>> import numpy as np
    >>> k = keyness_from_counts(np.array([[30, 70], [10, 90]]), ["rebels", "other"], ["A", "B"])
    >>> k.loc[k.group == "A", "term"].tolist()
    ['rebels', 'other']
    """
    parts = _keyness_arrays(table, len(terms), len(groups), method=method, reference=reference, totals=totals,
                            tokens=tokens, prior_scale=prior_scale, min_count=min_count, strata=strata,
                            names=[str(g) for g in groups], group_frame=group_frame, by=by)
    out, _ = _assemble(parts, terms, [str(g) for g in groups], method, reference)
    out.attrs["alpha0"] = parts["alpha0"]
    return out


def _keyness_arrays(table, n_terms, n_groups, *, method, reference, totals, tokens, prior_scale, min_count, strata,
                    names, group_frame=None, by=None) -> dict[str, Any]:
    """The statistics of every comparison as flat arrays (rows = comparison × kept term), indices not names."""
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    table = sp.csr_matrix(table, dtype=np.float64)
    G, T = table.shape
    if G != n_groups or T != n_terms:
        raise ParameterError(f"table is {G} × {T} but there are {n_groups} groups and {n_terms} terms")
    totals_arr = np.asarray(table.sum(axis=1)).ravel() if totals is None else np.asarray(totals, dtype=np.float64)
    tokens_arr = totals_arr if tokens is None else np.asarray(tokens, dtype=np.float64)
    strata_arr = np.zeros(G, dtype=np.int64) if strata is None else np.asarray(strata, dtype=np.int64)
    if prior_scale is not None and not prior_scale > 0:
        raise ParameterError(f"prior_scale must be a positive number (α0), not {prior_scale!r}")
    corpus_counts = np.asarray(table.sum(axis=0)).ravel()
    N = float(totals_arr.sum())
    alpha0 = N if prior_scale is None else float(prior_scale)
    alpha = alpha0 * corpus_counts / N if N > 0 else np.zeros(T)
    dense_rows: dict[int, np.ndarray] = {}

    def row(g: int) -> np.ndarray:
        if g not in dense_rows:
            dense_rows[g] = table.getrow(g).toarray().ravel()
        return dense_rows[g]

    stratum_sum: dict[int, np.ndarray] = {}
    stat_name = "z" if method == "log_odds_dirichlet" else method
    pieces = []
    for g, others, ref_label in _comparisons(names, strata_arr, reference, group_frame, by):
        y_i = row(g)
        if ref_label is None:  # the rest of the stratum: its sum minus this group
            s = int(strata_arr[g])
            if s not in stratum_sum:
                stratum_sum[s] = np.asarray(table[np.flatnonzero(strata_arr == s)].sum(axis=0)).ravel()
            y_j = stratum_sum[s] - y_i
        else:
            y_j = row(int(others[0]))
        n_i, n_j = totals_arr[g], totals_arr[others].sum()
        t_i, t_j = tokens_arr[g], tokens_arr[others].sum()
        keep = np.flatnonzero((y_i + y_j) >= min_count)
        yi, yj = y_i[keep], y_j[keep]
        cols: dict[str, Any] = {"t": keep, "count": yi, "count_other": yj}
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["rate"] = yi * 1000.0 / t_i if t_i > 0 else np.full(len(yi), np.nan)
            cols["rate_other"] = yj * 1000.0 / t_j if t_j > 0 else np.full(len(yi), np.nan)
            cols["log_ratio"] = log_ratio(yi, yj, t_i, t_j)
        if method == "log_odds_dirichlet":
            cols["log_odds"], cols["z"] = log_odds_dirichlet(yi, yj, n_i, n_j, alpha[keep], alpha0)
        else:
            cols[method], cols["p"] = contingency_2x2(yi, yj, n_i, n_j, method)
            cols["p_adj"] = bh_adjust(cols["p"])
        # descending statistic; the stable sort keeps ties in column order (lexicon order for
        # labels, shortest then alphabetical for n-grams)
        cols["order"] = np.argsort(-cols[stat_name], kind="stable")
        pieces.append((g, -1 if ref_label is None else int(others[0]), cols))
    stat_cols = ["log_odds", "z"] if method == "log_odds_dirichlet" else [method, "p", "p_adj"]
    names_num = ["count", "count_other", "rate", "rate_other", "log_ratio", *stat_cols]
    out: dict[str, Any] = {"alpha0": alpha0, "stat": stat_name, "columns": names_num}
    if pieces:
        out["g"] = np.concatenate([np.full(len(c["t"]), g) for g, _, c in pieces])
        out["ref"] = np.concatenate([np.full(len(c["t"]), r) for _, r, c in pieces])
        out["comparison"] = np.concatenate([np.full(len(c["t"]), k) for k, (_, _, c) in enumerate(pieces)])
        for name in ["t", *names_num]:
            out[name] = np.concatenate([c[name] for _, _, c in pieces])
        starts = np.cumsum([0] + [len(c["t"]) for _, _, c in pieces[:-1]])
        out["order"] = np.concatenate([c["order"] + s for s, (_, _, c) in zip(starts, pieces)])
    else:
        for name in ["g", "ref", "comparison", "t"]:
            out[name] = np.zeros(0, dtype=np.int64)
        for name in names_num:
            out[name] = np.zeros(0)
        out["order"] = np.zeros(0, dtype=np.int64)
    return out


def _str_column(values: Any, idx: np.ndarray) -> pd.Series:
    """``values[idx]`` as a pandas string column, taken in Arrow (no Python string per row)."""
    import pyarrow as pa

    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array([str(v) for v in values], type=pa.large_string())
    return pd.Series(pd.array(arr.take(pa.array(np.asarray(idx, dtype=np.int64))), dtype="str"))


def _assemble(parts: dict[str, Any], terms: Any, names: list[str], method: str,
              reference: str | None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Rows sorted by comparison then statistic (descending, ties in column order), named columns."""
    order = parts["order"]
    out = pd.DataFrame({"group": _str_column(names, parts["g"][order])})
    if reference is not None:
        out["reference"] = _str_column(names, parts["ref"][order])
    out["term"] = _str_column(terms if not isinstance(terms, np.ndarray) else list(terms), parts["t"][order])
    for name in ("count", "count_other"):
        out[name] = parts[name][order].round().astype(np.int64)
    floats = [c for c in parts["columns"] if c not in ("count", "count_other")]
    # one column-major float block: pandas keeps it as is instead of copying columns together
    block = np.empty((len(order), len(floats)), order="F")
    for j, name in enumerate(floats):
        np.take(parts[name], order, out=block[:, j])
    out = pd.concat([out, pd.DataFrame(block, columns=floats, copy=False)], axis=1)
    rows = {k: parts[k][order] for k in ("g", "ref", "t", "comparison")}
    return out, rows


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
        ``α0``, the total pseudo-count of the Dirichlet prior (log-odds only); default the corpus
        total, i.e. ``α_w`` = the term's count in the whole corpus.
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
        in the label's family; they are kept. ``attrs["framelens"]`` holds the provenance.

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
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
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

    if lex is not None:
        matrix, label_ids = label_counts(corpus, lex, engine)
        table = group_sums(matrix, groups.codes, len(groups))
        tokens = group_sums(document_tokens(corpus).reshape(-1, 1), groups.codes, len(groups)).toarray().ravel()
        terms, totals, mc = label_ids, tokens, 0 if min_count is None else min_count
    else:
        mc = 5 if min_count is None else min_count
        ng = ngram_table(corpus.texts, groups.codes, len(groups), lo_hi, min_count=max(mc, 1))
        table, terms, totals, tokens = ng.table, ng.term_array, ng.totals, ng.tokens
    parts = _keyness_arrays(table, len(terms), len(groups), method=method, reference=reference, totals=totals,
                            tokens=tokens, prior_scale=prior_scale, min_count=mc, strata=groups.strata,
                            names=groups.names, group_frame=groups.frame, by=groups.by)
    alpha0 = parts["alpha0"]
    out, rows = _assemble(parts, terms, groups.names, method, reference)
    out = _decorate(out, rows, groups, lex, table)
    params = {"by": groups.by, "lexicon": None if lex is None else lex.name, "ngram_range": list(lo_hi),
              "method": method, "reference": reference, "prior_scale": prior_scale,
              "alpha0": alpha0 if method == "log_odds_dirichlet" else None, "min_count": mc,
              "continuity": CONTINUITY, "engine": engine if lex is not None else None}
    return result_table(out, provenance_record(corpus, lex, params, kind="keyness"))


def _check_ngram_range(ngram_range: Any) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in ngram_range)
        ok = 1 <= lo <= hi and all(float(v) == int(v) for v in ngram_range)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ParameterError(f"ngram_range must be (min_n, max_n) with 1 ≤ min_n ≤ max_n, not {ngram_range!r}")
    return lo, hi


def _decorate(out: pd.DataFrame, rows: dict[str, np.ndarray], groups: Groups, lex: Any, table: Any) -> pd.DataFrame:
    """Add the label's ``family``, the ``by`` key columns and the small-group ``note`` (by index, not per row)."""
    g, ref = rows["g"], rows["ref"]
    fam_of_term = np.zeros(table.shape[1], dtype=np.int64)
    fam_hits = np.zeros((len(groups), 1))
    fam_ids: list[str | None] = [None]
    if lex is not None:
        fam_ids = lex.family_ids()
        label_family = lex.label_family()
        fam_of_term = np.array([fam_ids.index(label_family[lab]) for lab in lex.label_ids()], dtype=np.int64)
        dense = table.toarray()
        fam_hits = np.stack([dense[:, fam_of_term == f].sum(axis=1) for f in range(len(fam_ids))], axis=1)
        out.insert(out.columns.get_loc("term") + 1, "family", _str_column(fam_ids, fam_of_term[rows["t"]]))
    # the note depends on (comparison, family) only: work it out once per combination
    F = len(fam_ids)
    first = np.full(int(rows["comparison"].max()) + 1 if len(out) else 0, -1, dtype=np.int64)
    first[rows["comparison"][::-1]] = np.arange(len(out))[::-1]  # a row of each comparison
    rest_docs = np.array([groups.n_docs[groups.strata == groups.strata[k]].sum() - groups.n_docs[k]
                          for k in range(len(groups))])
    notes = []
    for row in first:
        if row < 0:  # a comparison left without rows (min_count)
            notes += [""] * F
            continue
        gr, rf = int(g[row]), int(ref[row])
        for f, family in enumerate(fam_ids):
            hits = (lambda k: float(fam_hits[k, f])) if lex is not None else (lambda k: None)
            parts = [small_group_note(int(groups.n_docs[gr]), hits(gr), family=family)]
            if rf >= 0:
                ref_note = small_group_note(int(groups.n_docs[rf]), hits(rf), family=family)
                parts.append(f"reference {groups.names[rf]!r}: {ref_note}" if ref_note else "")
            elif rest_docs[gr] < MIN_DOCS:
                parts.append(f"the rest has only {rest_docs[gr]} documents (< {MIN_DOCS})")
            notes.append("; ".join(p for p in parts if p))
    key = rows["comparison"] * F + fam_of_term[rows["t"]] if F > 1 else rows["comparison"]
    out["note"] = _str_column(notes, key) if len(out) else pd.Series([], dtype="str")
    if len(groups.by) > 1:  # the key columns, after `group`
        for i, k in enumerate(groups.by):
            out.insert(1 + i, k, _str_column(groups.frame[k].astype(str).tolist(), g))
    return out
