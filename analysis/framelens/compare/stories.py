"""Story matching: which articles from different outlets report the same event.

Pooled comparisons of outlets mix *framing* (how a story is told) with *selection* (which stories are
told). To compare outlets within stories, articles have to be grouped into stories first: a column
of the corpus may already say which story each article covers (it is then used as it is), otherwise
:func:`stories` finds them.

The method (``method="tfidf"``), every step measured on the AllSides story triplets (see
``docs/stories.md`` and ``benchmarks/eval_stories.py``):

1. **Text.** Each article is its headline, counted twice, plus its text: lower-cased word unigrams
   and bigrams without English stop words (scikit-learn's list), sublinear TF-IDF, L2-normalised.
   Terms found in a single document are dropped (``min_df=2``): they cannot link two articles and
   would only dilute the cosine of the one that has them.
2. **Similarity.** The cosine of two articles at most ``window_days`` calendar days apart, times a
   linear date weight that falls from 1 (same day) to ``edge_weight`` (``window_days`` apart): the
   same event is mostly reported in the same news cycle, and a follow-up two days later is often a
   new story. Articles further apart are never linked. An article without a date is compared with
   every article, with weight 1 (reported in a :class:`StoryWarning` and in ``Stories.notes``).
3. **Linking.** Agglomerative clustering with *average* linkage, cut at ``threshold``: two stories
   merge while the mean similarity over all their pairs of articles (pairs outside the window count
   0) is at least the threshold. Single linkage (connected components of the pairs above the
   threshold, ``linkage="single"``) chains unrelated stories of a busy topic through one shared
   article; average linkage does not.

Merges are taken in decreasing order of linkage, ties by the smallest story index, so the result
does not depend on anything but the corpus and the parameters.
"""
from __future__ import annotations

import heapq
import warnings
from dataclasses import dataclass, field
from html import escape
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ParameterError
from ..results import provenance_record, result_table
from ._tables import as_corpus, resolve_groups

METHODS = ("tfidf",)
LINKAGES = ("average", "single")
#: the cut of each linkage, chosen on the tuning half of the AllSides stories (docs/stories.md)
DEFAULT_THRESHOLD = {"average": 0.20, "single": 0.24}
#: pairs whose weighted similarity is below this fraction of the threshold are stored as 0; this
#: changes an average linkage by less than that fraction of the threshold and keeps memory linear
FLOOR_FRACTION = 0.1
TOP_TERMS = 5


class StoryWarning(UserWarning):
    """Story matching had to work around the input (missing dates, unassigned documents)."""


# ---------------------------------------------------------------------------------------------
@dataclass
class Stories:
    """Articles grouped into stories: one row per document and one row per story.

    Attributes
    ----------
    assignments : ResultTable (a DataFrame)
        One row per document, in corpus order: ``doc_id``, ``story`` (a string id; missing for a
        document that a given story column leaves empty), ``group`` (its value of ``by``),
        ``date`` and ``matched`` (its story is covered by at least two groups).
    clusters : ResultTable (a DataFrame)
        One row per story, by first date: ``story, size, n_groups, groups`` (sorted, joined by
        "; "), ``first_date, last_date, span_days, undated`` (documents without a date),
        ``matched`` (n_groups ≥ 2), ``cohesion`` (mean pairwise cosine of the texts' TF-IDF
        vectors, without date weight; NaN for a single document) and ``top_terms`` (the story's
        five heaviest terms). Both tables hold the provenance in ``attrs["framelens"]``
        (``kind="stories"`` / ``"story_clusters"``; the corpus fingerprint, ``params`` and ``notes``).
    params : dict
        How the stories were made (``source`` is ``"column"`` or ``"tfidf"``).
    notes : list of str
        What the input made necessary (dates missing, documents left unassigned…).
    """

    assignments: pd.DataFrame
    clusters: pd.DataFrame
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    # -- views ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.clusters)

    @property
    def story(self) -> pd.Series:
        """Story id per document (index = corpus row), missing where unassigned."""
        return self.assignments["story"]

    @property
    def n_matched(self) -> int:
        """Stories covered by at least two groups."""
        return int(self.clusters["matched"].sum())

    @property
    def n_unmatched(self) -> int:
        """Stories covered by one group only (nothing to compare inside them)."""
        return int((~self.clusters["matched"]).sum())

    def summary(self) -> str:
        a = self.assignments
        docs_matched = int(a["matched"].sum())
        how = (f"from column {self.params.get('column')!r}" if self.params.get("source") == "column" else
               f"TF-IDF {self.params.get('linkage')} linkage, threshold {self.params.get('threshold')}, "
               f"window {self.params.get('window_days')} days")
        return (f"{len(self)} stories ({how}): {self.n_matched} covered by ≥ 2 groups "
                f"({docs_matched} of {len(a)} documents), {self.n_unmatched} by one group only")

    def __repr__(self) -> str:
        notes = "".join(f"\n  note: {n}" for n in self.notes)
        return f"<Stories: {self.summary()}>{notes}"

    def _repr_html_(self) -> str:
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        shown = self.clusters.sort_values(["size", "first_date"], ascending=[False, True], kind="stable").head(15)
        table = shown.to_html(index=False, escape=True, na_rep="")
        return (f"<div><p><b>framelens stories</b>: {escape(self.summary())}. The 15 largest below; all in "
                f"<code>.clusters</code>, one row per document in <code>.assignments</code>.</p>"
                + (f"<ul>{notes}</ul>" if notes else "") + table + "</div>")


# ---------------------------------------------------------------------------------------------
def stories(
    corpus: Any,
    window_days: int | None = 3,
    threshold: float | None = None,
    method: str = "tfidf",
    *,
    column: str | None = None,
    by: str | Sequence[str] = "source",
    linkage: str = "average",
    edge_weight: float = 0.5,
) -> Stories:
    """Group articles from different outlets that report the same event.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    window_days : int or None
        Articles more than this many calendar days apart are never in one story. ``None``
        ignores the dates.
    threshold : float, optional
        Cut of the linkage (similarity, 0–1): higher gives smaller, purer stories. Default 0.20 for
        average linkage, 0.24 for single linkage (chosen on half of the AllSides stories).
    method : {"tfidf"}
        How articles are compared (see the module documentation).
    column : str, optional
        A column that already names each document's story: it is used as it is (no matching);
        empty values leave the document unassigned.
    by : str or list of str
        The groups whose coverage is compared (outlets by default): a story is *matched* when at
        least two groups cover it.
    linkage : {"average", "single"}
        Average linkage (default) or single linkage (connected components).
    edge_weight : float
        Date weight of two articles ``window_days`` apart (1 = no date weighting); the weight
        falls linearly from 1 on the same day.

    Returns
    -------
    Stories
        ``.assignments`` (per document) and ``.clusters`` (per story); see :class:`Stories`.

    Raises
    ------
    ParameterError
        For an unknown method, linkage or column, a threshold outside (0, 1], or a corpus with a
        single group (nothing to compare).

    Warns
    -----
    StoryWarning
        When documents have no date (they are matched on text alone, without the window), when a
        story column leaves documents without a story, and when no story is covered by two groups.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stories import stories
    >>> corpus = framelens.datasets.load_sample()
    >>> found = stories(corpus)
    >>> given = stories(corpus, column="event")
    >>> len(given), given.n_matched
    (16, 16)
    """
    corpus = as_corpus(corpus)
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if linkage not in LINKAGES:
        raise ParameterError(f"linkage must be one of {', '.join(LINKAGES)}, not {linkage!r}")
    if threshold is None:
        threshold = DEFAULT_THRESHOLD[linkage]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ParameterError(f"threshold must be a similarity in (0, 1], not {threshold!r}")
    if window_days is not None and (isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer))
                                    or window_days < 0):
        raise ParameterError(f"window_days must be a non-negative whole number of days or None, not {window_days!r}")
    if isinstance(edge_weight, bool) or not isinstance(edge_weight, (int, float)) or not 0 <= edge_weight <= 1:
        raise ParameterError(f"edge_weight must be between 0 and 1, not {edge_weight!r}")
    groups = resolve_groups(corpus, by)  # ParameterError for an unknown column; also empty corpus
    if len(groups) < 2:
        raise ParameterError(
            f"stories are matched across groups (by={groups.by}), but the corpus has only one: "
            f"{groups.names[0]!r}; there is nothing to compare"
        )
    docs = corpus.docs
    day = _days(docs["date"])
    notes: list[str] = []
    texts = corpus.texts  # first: a batch output's counts have no texts, and say so
    X, terms = _tfidf(docs["title"].tolist(), texts)

    if column is not None:
        if column not in docs.columns:
            raise ParameterError(f"column {column!r} is not in the corpus; columns: {', '.join(map(str, docs.columns))}")
        raw = docs[column].astype("string").str.strip()
        missing = raw.isna() | raw.eq("")
        labels = raw.where(~missing).to_numpy(dtype=object, na_value=None)
        if missing.any():
            notes.append(f"{int(missing.sum())} document(s) have no value in column {column!r}: left unassigned")
            warnings.warn(f"stories: {notes[-1]}", StoryWarning, stacklevel=2)
        params = {"source": "column", "column": column, "by": groups.by}
    else:
        undated = np.isnan(day)
        if window_days is not None and undated.any():
            what = "every document has" if undated.all() else f"{int(undated.sum())} of {len(day)} documents have"
            notes.append(f"{what} no date: matched on text alone, without the {window_days}-day window")
            warnings.warn(f"stories: {notes[-1]}", StoryWarning, stacklevel=2)
        rows, cols, sims = similarity_pairs(X, day, window_days, edge_weight, floor=FLOOR_FRACTION * threshold)
        codes = link(len(docs), rows, cols, sims, threshold, linkage=linkage)
        labels = _story_ids(codes, day)
        params = {"source": "tfidf", "method": method, "window_days": window_days, "threshold": threshold,
                  "linkage": linkage, "edge_weight": edge_weight, "by": groups.by,
                  "undated_documents": int(undated.sum())}

    group_names = np.asarray(groups.names, dtype=object)[groups.codes]
    assignments = pd.DataFrame({"doc_id": docs["doc_id"].to_numpy(), "story": pd.array(labels, dtype="str"),
                                "group": group_names, "date": docs["date"].to_numpy()}, index=docs.index)
    clusters = _cluster_table(assignments, X, terms)
    matched = set(clusters.loc[clusters["matched"], "story"])
    assignments["matched"] = assignments["story"].isin(matched).to_numpy()
    if not matched:
        # every comparison within stories would refuse this (ParameterError); say it here already
        notes.append(f"no story is covered by two groups ({len(clusters)} stories): nothing to compare within "
                     "stories" + ("" if column is not None else "; try a lower threshold or a wider window"))
        warnings.warn(f"stories: {notes[-1]}", StoryWarning, stacklevel=2)
    # both tables carry the provenance (corpus fingerprint, parameters, versions), as every framelens
    # table does, so that a written stories.csv says how its stories were made
    record = provenance_record(corpus, None, params, kind="stories")
    record["notes"] = list(notes)
    assignments = result_table(assignments, record)
    clusters = result_table(clusters, dict(record, kind="story_clusters"))
    return Stories(assignments, clusters, params, notes)


# ---------------------------------------------------------------------------------------------
# text and similarity
def _tfidf(titles: Sequence[str], texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """L2-normalised sublinear TF-IDF of headline (twice) + text; unigrams and bigrams, min_df 2."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    base = TfidfVectorizer(stop_words="english", ngram_range=(1, 2)).build_analyzer()

    def analyze(doc: tuple[str, str]) -> list[str]:
        head = base(doc[0])
        return head + head + base(doc[1])

    pairs = [(str(t or ""), str(x or "")) for t, x in zip(titles, texts)]
    for min_df in (2, 1):  # a tiny corpus may share no term at all: keep every term then
        try:
            vec = TfidfVectorizer(analyzer=analyze, sublinear_tf=True, min_df=min_df)
            X = vec.fit_transform(pairs)
            return sp.csr_matrix(X, dtype=np.float64), vec.get_feature_names_out()
        except ValueError:  # "empty vocabulary" / "no terms remain"
            continue
    return sp.csr_matrix((len(pairs), 0)), np.array([], dtype=object)


def _days(dates: pd.Series) -> np.ndarray:
    """Calendar day number of each date (float; NaN when missing)."""
    values = pd.to_datetime(dates, errors="coerce")
    out = (values.dt.normalize() - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return out.to_numpy(dtype=np.float64, na_value=np.nan)


#: undated documents compared with the whole corpus per block (rows of one sparse product)
_UNDATED_BLOCK = 256


def similarity_pairs(
    X: sp.csr_matrix, day: np.ndarray, window_days: int | None, edge_weight: float = 0.5, floor: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted cosine similarities of the document pairs that may share a story (``i < j``).

    Pairs more than ``window_days`` apart are left out; the others are weighted by
    ``1 − (1 − edge_weight) · Δdays / window_days``. Undated documents (NaN ``day``) pair with every
    document, weight 1; so does everything when ``window_days`` is None. Pairs below ``floor`` are
    left out. Computed one day at a time against the following ``window_days`` days, so memory
    stays proportional to the pairs kept.
    """
    n = X.shape[0]
    out_r, out_c, out_s = [], [], []

    def keep(r: np.ndarray, c: np.ndarray, s: np.ndarray) -> None:
        ok = (r < c) & (s >= floor) & (s > 0)
        out_r.append(r[ok]), out_c.append(c[ok]), out_s.append(s[ok])

    undated = np.isnan(day)
    if window_days is None:
        S = sp.coo_matrix(X @ X.T)
        keep(S.row, S.col, S.data)
    else:
        dated = np.flatnonzero(~undated)
        order = dated[np.argsort(day[dated], kind="stable")]
        d_sorted = day[order]
        starts = np.flatnonzero(np.r_[True, d_sorted[1:] != d_sorted[:-1]]) if len(order) else np.zeros(0, np.int64)
        ends = np.r_[starts[1:], len(order)]
        for a, b in zip(starts, ends):
            stop = np.searchsorted(d_sorted, d_sorted[a] + window_days, side="right")
            rows_idx, cand_idx = order[a:b], order[a:stop]
            S = sp.coo_matrix(X[rows_idx] @ X[cand_idx].T)
            r, c = rows_idx[S.row], cand_idx[S.col]
            gap = d_sorted[a:stop][S.col] - d_sorted[a]
            w = 1.0 - (1.0 - edge_weight) * gap / window_days if window_days > 0 else np.ones(len(gap))
            s = S.data * w
            same_day = gap == 0  # pairs within the day appear twice: keep i < j; across days, order them
            r2, c2 = np.where(same_day, r, np.minimum(r, c)), np.where(same_day, c, np.maximum(r, c))
            keep(r2, c2, s)
        undated_rows = np.flatnonzero(undated)
        XT = X.T.tocsr() if len(undated_rows) else None
        # an undated document is compared with every document: a few hundred at a time, so that
        # memory holds the pairs kept (≥ floor), not every pair of a product that is nearly dense
        for lo in range(0, len(undated_rows), _UNDATED_BLOCK):
            u = undated_rows[lo: lo + _UNDATED_BLOCK]
            S = sp.coo_matrix(X[u] @ XT)
            r, c = u[S.row], S.col
            dated_partner = ~undated[c]
            # a pair of two undated documents is seen twice; a pair with a dated one once
            r2 = np.where(dated_partner, np.minimum(r, c), r)
            c2 = np.where(dated_partner, np.maximum(r, c), c)
            keep(r2, c2, S.data)
            del S, r, c, dated_partner, r2, c2
    if not out_r:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    rows, cols, sims = (np.concatenate(v) for v in (out_r, out_c, out_s))
    return rows.astype(np.int64), cols.astype(np.int64), np.minimum(sims, 1.0)


# ---------------------------------------------------------------------------------------------
# linking
def link(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, threshold: float,
         *, linkage: str = "average") -> np.ndarray:
    """Cluster ``n`` items from their pairwise similarities (absent pairs = 0); a code per item.

    ``linkage="single"``: connected components of the pairs with similarity ≥ ``threshold``.
    ``linkage="average"``: repeatedly merge the two clusters with the highest mean similarity over
    all their cross pairs while it is ≥ ``threshold`` (UPGMA with a distance cut at
    ``1 − threshold``, as ``scipy.cluster.hierarchy`` computes it on ``1 − similarity``). Codes
    number the clusters by their first item.
    """
    from scipy.sparse.csgraph import connected_components

    strong = sims >= threshold
    graph = sp.coo_matrix((np.ones(int(strong.sum())), (rows[strong], cols[strong])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    if linkage == "single":
        return _renumber(comp)
    # Average linkage never merges across single-linkage components (a mean ≥ t needs a pair ≥ t):
    # keep only the pairs inside a component.
    inside = comp[rows] == comp[cols]
    return _renumber(_average_linkage(n, rows[inside], cols[inside], sims[inside], threshold))


def _average_linkage(n: int, rows: np.ndarray, cols: np.ndarray, sims: np.ndarray, threshold: float) -> np.ndarray:
    """UPGMA on a sparse similarity graph with a cut; clusters carry the sum of their cross similarities."""
    size = {i: 1 for i in range(n)}
    members: dict[int, list[int]] = {}
    cross: dict[int, dict[int, float]] = {}
    for i, j, s in zip(rows.tolist(), cols.tolist(), sims.tolist()):
        cross.setdefault(i, {})[j] = cross.get(i, {}).get(j, 0.0) + s
        cross.setdefault(j, {})[i] = cross.get(j, {}).get(i, 0.0) + s
    heap = [(-s, i, j) for i, nb in cross.items() for j, s in nb.items() if i < j and s >= threshold]
    heapq.heapify(heap)
    parent = list(range(n))  # item -> final cluster, resolved at the end
    alive = set(cross)
    new_id = n
    while heap:
        _, a, b = heapq.heappop(heap)
        if a not in alive or b not in alive:
            continue  # one side was merged since this entry was pushed
        c, new_id = new_id, new_id + 1
        size[c] = size.pop(a) + size.pop(b)
        members[c] = members.pop(a, [a]) + members.pop(b, [b])
        merged: dict[int, float] = {}
        for x in (a, b):
            for k, s in cross.pop(x).items():
                if k != a and k != b:
                    merged[k] = merged.get(k, 0.0) + s
        alive -= {a, b}
        for k, s in merged.items():
            nb = cross[k]
            nb.pop(a, None), nb.pop(b, None)
            nb[c] = s
            mean = s / (size[c] * size[k])
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(c, k), max(c, k)))
        cross[c] = merged
        alive.add(c)
    for c, items in members.items():
        for i in items:
            parent[i] = c
    return np.asarray(parent, dtype=np.int64)


def _renumber(codes: np.ndarray) -> np.ndarray:
    """Cluster codes 0, 1, … in order of each cluster's first item."""
    return pd.factorize(np.asarray(codes))[0].astype(np.int64)


def _story_ids(codes: np.ndarray, day: np.ndarray) -> np.ndarray:
    """``S0001``… numbered by the story's first date (undated stories last), then first document."""
    frame = pd.DataFrame({"code": codes, "day": day, "pos": np.arange(len(codes))})
    first = frame.groupby("code").agg(day=("day", "min"), pos=("pos", "min"))
    first = first.sort_values(["day", "pos"], na_position="last", kind="stable")
    width = max(4, len(str(len(first))))
    rank = pd.Series([f"S{k + 1:0{width}d}" for k in range(len(first))], index=first.index)
    return rank.loc[codes].to_numpy(dtype=object)


# ---------------------------------------------------------------------------------------------
def _cluster_table(assignments: pd.DataFrame, X: sp.csr_matrix, terms: np.ndarray) -> pd.DataFrame:
    """One row per story: size, groups, dates, cohesion, top terms."""
    a = assignments[assignments["story"].notna()]
    cols = ["story", "size", "n_groups", "groups", "first_date", "last_date", "span_days", "undated", "matched",
            "cohesion", "top_terms"]
    if a.empty:
        return pd.DataFrame(columns=cols)
    codes, names = pd.factorize(a["story"])
    positions = np.flatnonzero(assignments["story"].notna().to_numpy())
    grouped = a.assign(_code=codes).groupby("_code", sort=True)
    table = pd.DataFrame({
        "story": np.asarray(names, dtype=object),
        "size": grouped.size().to_numpy(),
        "n_groups": grouped["group"].nunique().to_numpy(),
        "groups": grouped["group"].agg(lambda g: "; ".join(sorted(set(map(str, g))))).to_numpy(),
        "first_date": grouped["date"].min().to_numpy(),
        "last_date": grouped["date"].max().to_numpy(),
        "undated": grouped["date"].agg(lambda d: int(d.isna().sum())).to_numpy(),
    })
    table["span_days"] = (table["last_date"].dt.normalize() - table["first_date"].dt.normalize()).dt.days
    table["matched"] = table["n_groups"] >= 2
    # sum of each story's unit vectors: the mean pairwise cosine is (|Σx|² − Σ|x|²) / (k(k − 1))
    indicator = sp.csr_matrix((np.ones(len(codes)), (codes, positions)), shape=(len(names), X.shape[0]))
    sums = sp.csr_matrix(indicator @ X)
    sq = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
    norms = indicator @ np.asarray(X.multiply(X).sum(axis=1)).ravel()
    k = table["size"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["cohesion"] = np.where(k > 1, (sq - norms) / (k * (k - 1)), np.nan)
    top = []
    for r in range(sums.shape[0]):
        lo, hi = sums.indptr[r], sums.indptr[r + 1]
        idx, val = sums.indices[lo:hi], sums.data[lo:hi]
        best = idx[np.lexsort((idx, -val))[:TOP_TERMS]]  # heaviest first, ties alphabetical (terms are sorted)
        top.append(", ".join(map(str, terms[best])))
    table["top_terms"] = top
    table = table.sort_values(["first_date", "story"], na_position="last", kind="stable").reset_index(drop=True)
    return table[cols]


def story_scores(truth: Sequence[Any], predicted: Sequence[Any]) -> dict[str, float]:
    """Agreement of a story grouping with the true one: ARI and pairwise precision, recall, F1.

    A *pair* is two documents in one story. Precision is the share of predicted pairs that are true
    pairs, recall the share of true pairs that were predicted. Documents whose true or predicted
    story is missing are left out.

    Examples
    --------
    >>> s = story_scores(["a", "a", "a", "b"], [1, 1, 2, 2])
    >>> round(s["precision"], 3), round(s["recall"], 3)
    (0.5, 0.333)
    """
    from sklearn.metrics import adjusted_rand_score

    frame = pd.DataFrame({"t": list(truth), "p": list(predicted)}).dropna()
    t = pd.factorize(frame["t"])[0]
    p = pd.factorize(frame["p"])[0]

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) / 2).sum())

    both = pd.Series(t * (p.max() + 1 if len(p) else 1) + p).value_counts().to_numpy()
    tp, true_pairs = pairs(both), pairs(np.bincount(t))
    pred_pairs = pairs(np.bincount(p))
    precision = tp / pred_pairs if pred_pairs else float("nan")
    recall = tp / true_pairs if true_pairs else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"ari": float(adjusted_rand_score(t, p)), "precision": precision, "recall": recall, "f1": f1,
            "true_pairs": int(true_pairs), "predicted_pairs": int(pred_pairs), "documents": len(frame)}
