"""Story-controlled comparisons: label shares and keyness inside the stories several outlets covered.

*The outlets did not cover the same events, so the words differ because the stories differ.* Pooled
label shares mix **framing** (how a story is told) with **selection** (which stories are told). Here
every comparison is made inside stories (strata): a ``story`` column of the corpus, a
:class:`~framelens.compare.stories.Stories` result, or the stories :func:`stories` finds.

:func:`shares_within`
    Each label's *story-standardised* share per group: its within-story shares averaged with common
    story weights (by default each story's family hits over all groups), over the stories the group
    covered that at least one other group covered too. Intervals come from a bootstrap that
    resamples **stories** (one draw shared by all groups), not documents.
:func:`shares_within_test`
    Two groups: the Cochran–Mantel–Haenszel test over the stories (``statsmodels``'
    ``StratifiedTable``), with the Mantel–Haenszel pooled odds ratio and the Breslow–Day test of its
    homogeneity. More groups: a permutation test that shuffles the groups of documents *within each
    story*, so story membership is fixed under the null.
:func:`decompose`
    The pooled difference of a group's share from the reference's, split exactly into selection and
    framing (Oaxaca–Blinder style). With ``w_g(s)`` the group's family hits in story ``s`` over all
    its family hits, ``p_g(s)``/``p_ref(s)`` the within-story shares and ``p_g``/``p_ref`` the
    pooled ones::

        p_g − p_ref = Σ_s w_g(s)·(p_ref(s) − p_ref)      selection: the group's story mix, told the reference's way
                    + Σ_s w_g(s)·(p_g(s) − p_ref(s))     framing: within-story differences, weighted by that mix
                    + Σ_u w_g(u)·(p_g(u) − p_ref)        unmatched: stories the reference did not cover

    (``s`` runs over the stories both covered, ``u`` over those only the group covered; the three
    parts add up to the pooled difference exactly.)
:func:`keyness_within`
    Terms a group over- or under-uses relative to the others *in the same stories*: per-story
    Fightin' Words log-odds combined with inverse-variance weights, or the CMH statistic per term.
:func:`plot_decomposition`
    The decomposition as a figure.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ParameterError
from ._tables import (
    ResultTable,
    as_corpus,
    as_lexicon,
    document_tokens,
    group_sums,
    label_counts,
    ngram_table,
    provenance_record,
    resolve_families,
    resolve_groups,
    result_table,
    small_group_note,
)
from .shares import MIN_DOCS_WITH_HITS, ONE_UNIT_NOTE, resolve_seed
from .stories import Stories, stories

SHARES_COLUMNS = ["group", "family", "label", "count", "share", "lower", "upper", "n_docs", "family_hits", "note",
                  "n_stories"]
WEIGHTS = ("hits", "equal")
TESTS = ("auto", "cmh", "permutation")
KEYNESS_METHODS = ("log_odds_dirichlet", "cmh")
#: a permutation block holds about this many (replicate × document) cells
_BLOCK = 2_000_000


# ---------------------------------------------------------------------------------------------
# strata
@dataclass
class Strata:
    """Documents' stories and groups: ``story[d]`` (−1 when the document has no story), ``group[d]``."""

    story: np.ndarray
    story_names: list[str]
    group: np.ndarray
    group_names: list[str]
    by: list[str]
    info: dict = field(default_factory=dict)

    @property
    def n_stories(self) -> int:
        return len(self.story_names)

    def coverage(self) -> np.ndarray:
        """Stories × groups: documents of each group in each story."""
        ok = self.story >= 0
        out = np.zeros((self.n_stories, len(self.group_names)), dtype=np.int64)
        np.add.at(out, (self.story[ok], self.group[ok]), 1)
        return out


def resolve_strata(corpus: Any, by: str | Sequence[str] = "source", story: Any = "story", *,
                   window_days: int | None = 3, threshold: float | None = None) -> Strata:
    """The story of each document and its group; ParameterError for a single group.

    ``story`` is a column name (``"story"`` falls back to :func:`stories` when the corpus has no
    such column), ``None`` (always :func:`stories`), a :class:`Stories` result, or one value per
    document (Series or sequence). Documents without a story are left out of every comparison
    (counted in ``info``).
    """
    groups = resolve_groups(corpus, by)
    if len(groups) < 2:
        raise ParameterError(
            f"a story-controlled comparison needs at least two groups; by={groups.by} gives only "
            f"{groups.names[0]!r}: there is nothing to compare"
        )
    docs = corpus.docs
    info: dict[str, Any] = {}
    if isinstance(story, Stories):
        found = story
        if len(found.assignments) != len(docs) or not np.array_equal(found.assignments["doc_id"].to_numpy(dtype=object),
                                                                     docs["doc_id"].to_numpy(dtype=object)):
            raise ParameterError("the Stories result was made from another corpus (its doc_id column differs)")
        labels, info["story_source"] = found.assignments["story"], "Stories result"
        info["story_params"] = found.params
    elif story is None or (isinstance(story, str) and story == "story" and story not in docs.columns):
        found = stories(corpus, window_days=window_days, threshold=threshold, by=by)
        labels = found.assignments["story"]
        info["story_source"] = "framelens.stories()" + ("" if story is None else " (the corpus has no 'story' column)")
        info["story_params"] = found.params
    elif isinstance(story, str):
        if story not in docs.columns:
            if hasattr(corpus, "counts_for"):  # a batch output: stories cannot be found without texts
                raise ParameterError(f"story: no column {story!r} in the batch output; columns: "
                                     f"{', '.join(map(str, docs.columns))}; keep a story column when scoring "
                                     "(--keep-column, keep=)")
            raise ParameterError(f"story: no column {story!r} in the corpus; columns: "
                                 f"{', '.join(map(str, docs.columns))}; pass story=None to find stories")
        labels, info["story_source"] = docs[story], f"column {story!r}"
    else:
        labels = pd.Series(list(story), index=docs.index) if not isinstance(story, pd.Series) else story
        if len(labels) != len(docs):
            raise ParameterError(f"story has {len(labels)} values for {len(docs)} documents")
        labels, info["story_source"] = labels.set_axis(docs.index), "values given"
    text = pd.Series(labels).astype("string").str.strip()
    text = text.where(text.ne(""))
    codes, names = pd.factorize(text, sort=True)
    info["unassigned_documents"] = int((codes < 0).sum())
    strata = Strata(np.asarray(codes, dtype=np.int64), [str(n) for n in names], groups.codes, groups.names, groups.by, info)
    cover = strata.coverage() > 0
    n_groups = cover.sum(axis=1)
    info["stories"] = strata.n_stories
    info["matched_stories"] = int((n_groups >= 2).sum())
    info["unmatched_stories"] = int((n_groups == 1).sum())
    info["documents_in_unmatched_stories"] = int(np.isin(strata.story, np.flatnonzero(n_groups == 1)).sum())
    if info["matched_stories"] == 0:
        raise ParameterError(
            f"no story is covered by two groups ({strata.n_stories} stories, {info['story_source']}): "
            "there is nothing to compare within stories"
        )
    return strata


def _family_columns(lex: Any, fams: list[str], label_ids: list[str]) -> list[tuple[str, list[str], list[int]]]:
    column = {lab: i for i, lab in enumerate(label_ids)}
    return [(f, lex.family(f).label_ids(), [column[lab] for lab in lex.family(f).label_ids()]) for f in fams]


def _cube(dense: np.ndarray, strata: Strata) -> np.ndarray:
    """Stories × groups × labels: summed counts of the documents with a story."""
    ok = strata.story >= 0
    out = np.zeros((strata.n_stories, len(strata.group_names), dense.shape[1]))
    np.add.at(out, (strata.story[ok], strata.group[ok]), dense[ok])
    return out


def _check_common(ci: float, n_boot: int, seed: Any) -> np.random.Generator:
    if not (isinstance(ci, (int, float)) and 0 < ci < 1):
        raise ParameterError(f"ci must be a coverage between 0 and 1 (e.g. 0.95), not {ci!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ParameterError(f"n_boot must be a non-negative integer, not {n_boot!r}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"seed must be an integer or None, not {seed!r}") from exc


def _story_record(strata: Strata) -> dict:
    keep = ("story_source", "stories", "matched_stories", "unmatched_stories", "documents_in_unmatched_stories",
            "unassigned_documents", "story_params")
    return {k: strata.info[k] for k in keep if k in strata.info}


def _result(out: pd.DataFrame, corpus: Any, lex: Any, params: dict, kind: str, strata: Strata) -> ResultTable:
    """The table with its provenance, which says where the stories came from and how many matched."""
    record = provenance_record(corpus, lex, params, kind=kind)
    record["stories"] = _story_record(strata)
    return result_table(out, record)


def _group_index(strata: Strata, name: Any, what: str = "group") -> int:
    """Position of the group called ``name`` (``groups=``, ``reference=``); a ParameterError naming the
    groups when it has no documents."""
    if str(name) not in strata.group_names:
        raise ParameterError(f"{what} {name!r} has no documents (by={strata.by}); groups: "
                             f"{', '.join(map(repr, strata.group_names[:20]))}")
    return strata.group_names.index(str(name))


# ---------------------------------------------------------------------------------------------
# shares
def standardised_shares(counts: np.ndarray, hits: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_s v_s·p(s) / Σ_s v_s over the stories with hits, per label (NaN when there is none).

    ``counts`` is stories × labels, ``hits`` the family hits per story, ``weights`` ``v_s``.
    """
    has = hits > 0
    if not has.any() or weights[has].sum() <= 0:
        return np.full(counts.shape[1], np.nan)
    p = counts[has] / hits[has, None]
    return (weights[has, None] * p).sum(axis=0) / weights[has].sum()


def shares_within(
    corpus: Any,
    lexicon: Any,
    family: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "source",
    story: Any = "story",
    ci: float = 0.95,
    n_boot: int = 2000,
    seed: int | None = 0,
    *,
    weights: str = "hits",
    window_days: int | None = 3,
    threshold: float | None = None,
    engine: str = "auto",
) -> ResultTable:
    """Story-controlled label shares: each group's shares inside the stories several groups covered.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    family : str, list of str or None
        Family id(s); ``None`` for every family.
    by : str or list of str
        The groups (outlets by default).
    story : str, None, Stories or sequence
        The strata: a column naming each document's story (``"story"``: that column when the corpus
        has one, else the stories :func:`~framelens.compare.stories.stories` finds), ``None`` (find
        stories), a :class:`Stories` result, or one story per document.
    ci : float
        Coverage of the percentile interval.
    n_boot : int
        Bootstrap replicates; each draws the compared stories with replacement (0: no interval).
    seed : int or None
    weights : {"hits", "equal"}
        Story weights of the standardisation: each story's family hits over all groups (the corpus's
        own story mix), or every story once.
    window_days, threshold
        Passed to :func:`stories` when stories are found.

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, family, label, count, share, lower, upper, n_docs, family_hits, note, n_stories``.
        A family's *compared stories* are those in which at least two groups have hits of the
        family. For each group, over the compared stories in which it has family hits (``n_stories``
        of them): ``count``, ``family_hits`` and ``n_docs`` are its sums, and ``share`` is
        ``Σ v_s·p_g(s) / Σ v_s`` with ``p_g(s)`` its within-story share and ``v_s`` the story weight
        (so ``share`` is not ``count / family_hits`` unless the group's story mix is the corpus's).
        ``note`` flags little data and counts the group's stories that no other group covered (left
        out); a group with family hits in only one compared story has no interval (NaN, said in
        ``note``). ``attrs["framelens"]["stories"]`` says where the stories came from and how many were
        matched and unmatched.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stratified import shares_within
    >>> corpus = framelens.datasets.load_sample()
    >>> s = shares_within(corpus, "conflict_actors", "armed_opposition", story="event", n_boot=200)
    >>> int(s["n_stories"].max())
    16
    """
    if weights not in WEIGHTS:
        raise ParameterError(f"weights must be one of {', '.join(WEIGHTS)}, not {weights!r}")
    seed = resolve_seed(seed)  # None: a fresh seed, recorded
    rng = _check_common(ci, n_boot, seed)
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    fams = resolve_families(lex, family)
    strata = resolve_strata(corpus, by, story, window_days=window_days, threshold=threshold)
    matrix, label_ids = label_counts(corpus, lex, engine)
    coverage = strata.coverage()  # stories × groups: documents
    rows = []
    for fam, labels, cols in _family_columns(lex, fams, label_ids):
        cube = _cube(matrix[:, cols].toarray(), strata)  # K × G × L
        hits = cube.sum(axis=2)  # K × G
        compared = (hits > 0).sum(axis=1) >= 2
        v = hits.sum(axis=1) if weights == "hits" else np.ones(len(hits))
        idx = np.flatnonzero(compared)
        boot = None
        if n_boot > 0 and len(idx):
            from .shares import resample_weights

            boot = resample_weights(len(idx), n_boot, rng)  # one draw of stories shared by all groups
        tail = (1.0 - ci) / 2.0
        for g, name in enumerate(strata.group_names):
            mine = idx[hits[idx, g] > 0]
            share = standardised_shares(cube[mine, g], hits[mine, g], v[mine])
            lower = upper = np.full(len(labels), np.nan)
            # one story only: every replicate that draws it repeats its shares (a zero-width interval)
            if boot is not None and len(mine) >= MIN_DOCS_WITH_HITS:
                has = hits[idx, g] > 0
                p = np.where(has[:, None], cube[idx, g] / np.where(has, hits[idx, g], 1.0)[:, None], 0.0)
                num = boot @ (v[idx, None] * p)
                den = boot @ (v[idx] * has)
                ok = den > 0
                if ok.any():
                    lower, upper = np.quantile(num[ok] / den[ok, None], [tail, 1.0 - tail], axis=0)
            fam_hits = float(hits[mine, g].sum())
            n_docs = int(coverage[mine, g].sum())
            alone = int(((coverage[:, g] > 0) & ((coverage > 0).sum(axis=1) == 1)).sum())
            note = small_group_note(n_docs, fam_hits, family=fam)
            if alone:
                note = "; ".join(x for x in (note, f"{alone} of its stories covered by no other group (left out)") if x)
            if boot is not None and len(mine) == 1:
                note = "; ".join(x for x in (note, ONE_UNIT_NOTE.format(unit="compared story")) if x)
            counts = cube[mine, g].sum(axis=0)
            for j, lab in enumerate(labels):
                rows.append((name, fam, lab, int(counts[j]), share[j], lower[j], upper[j], n_docs, int(fam_hits),
                             note, len(mine)))
    out = pd.DataFrame(rows, columns=SHARES_COLUMNS)
    params = {"by": strata.by, "family": fams, "ci": ci, "n_boot": n_boot, "seed": seed, "weights": weights,
              "interval": "percentile, stories resampled (one draw for all groups)", "engine": engine}
    return _result(out, corpus, lex, params, "shares_within", strata)


# ---------------------------------------------------------------------------------------------
# tests
def cmh_test(tables: np.ndarray, ci: float = 0.95) -> dict[str, float]:
    """Cochran–Mantel–Haenszel test of a 2 × 2 × K table (no continuity correction).

    Returns ``statistic`` (χ², 1 df), ``p``, the Mantel–Haenszel pooled ``odds_ratio`` with its
    ``or_lower``/``or_upper`` interval and ``homogeneity_p`` (Breslow–Day), all from
    :class:`statsmodels.stats.contingency_tables.StratifiedTable`. Strata with an empty row carry no
    information and are dropped first; NaN everywhere when none is left or the label never (or
    always) occurs.
    """
    from statsmodels.stats.contingency_tables import StratifiedTable

    tables = np.asarray(tables, dtype=np.float64)
    keep = (tables.sum(axis=1) > 0).all(axis=0)  # both rows non-empty
    tables = tables[:, :, keep]
    nan = {"statistic": np.nan, "p": np.nan, "odds_ratio": np.nan, "or_lower": np.nan, "or_upper": np.nan,
           "homogeneity_p": np.nan, "n_strata": int(keep.sum())}
    col = tables.sum(axis=(0, 2))
    if tables.shape[2] == 0 or (col == 0).any():
        return nan
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        st = StratifiedTable(tables)
        test = st.test_null_odds(correction=False)
        lo, hi = st.oddsratio_pooled_confint(alpha=1.0 - ci)
        try:
            homogeneity = float(st.test_equal_odds().pvalue)
        except (ValueError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError):
            homogeneity = np.nan
    return {"statistic": float(test.statistic), "p": float(test.pvalue), "odds_ratio": float(st.oddsratio_pooled),
            "or_lower": float(lo), "or_upper": float(hi), "homogeneity_p": homogeneity, "n_strata": int(keep.sum())}


def stratified_permutation(
    counts: np.ndarray, hits: np.ndarray, group: np.ndarray, story: np.ndarray, n_groups: int, *,
    n_perm: int = 9999, rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Permutation test of label shares across groups, shuffling groups within stories.

    Parameters
    ----------
    counts : array, documents × labels
        Label hits of each document (one family).
    hits : array
        Each document's family hits.
    group, story : int arrays
        Each document's group (0 … ``n_groups`` − 1) and story.
    n_perm : int

    Returns
    -------
    (statistic, p) : arrays over the labels
        ``T = Σ_g (O_g − E_g)² / E_g`` with ``O_g`` the group's hits of the label and ``E_g`` the
        hits expected from the pooled within-story shares (``Σ_d hits_d · p_story(d)``);
        ``p = (1 + #{T* ≥ T}) / (1 + n_perm)``, where ``T*`` is recomputed after giving each story's
        documents a random permutation of that story's group labels (so each story keeps its
        documents and each group its number of documents per story).
    """
    rng = rng or np.random.default_rng(0)
    counts = np.asarray(counts, dtype=np.float64)
    hits = np.asarray(hits, dtype=np.float64)
    order = np.argsort(story, kind="stable")
    counts, hits, group, story = counts[order], hits[order], np.asarray(group)[order], np.asarray(story)[order]
    _, s = np.unique(story, return_inverse=True)
    s_counts = np.zeros((s.max() + 1, counts.shape[1]))
    np.add.at(s_counts, s, counts)
    s_hits = np.bincount(s, weights=hits)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_story = np.where(s_hits[:, None] > 0, s_counts / s_hits[:, None], 0.0)
    expected = hits[:, None] * p_story[s]
    resid = counts - expected
    n, L = counts.shape

    def statistic(g_of_doc: np.ndarray) -> np.ndarray:  # g_of_doc: B × n
        B = g_of_doc.shape[0]
        key = (np.arange(B)[:, None] * n_groups + g_of_doc).ravel()
        out = np.zeros((B, L))
        for j in range(L):
            o_minus_e = np.bincount(key, weights=np.tile(resid[:, j], B), minlength=B * n_groups).reshape(B, n_groups)
            e = np.bincount(key, weights=np.tile(expected[:, j], B), minlength=B * n_groups).reshape(B, n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, j] = np.where(e > 0, o_minus_e ** 2 / e, 0.0).sum(axis=1)
        return out

    observed = statistic(group[None, :])[0]
    extreme = np.zeros(L)
    block = max(1, _BLOCK // max(n, 1))
    for start in range(0, n_perm, block):
        B = min(n_perm, start + block) - start
        keys = rng.random((B, n)) + s[None, :]  # sorting keeps every document inside its story
        perm = np.argsort(keys, axis=1)
        shuffled = np.empty((B, n), dtype=np.int64)
        np.put_along_axis(shuffled, perm, np.broadcast_to(group, (B, n)), axis=1)
        extreme += (statistic(shuffled) >= observed * (1 - 1e-12) - 1e-12).sum(axis=0)
    p = (1.0 + extreme) / (1.0 + n_perm)
    return observed, p


def shares_within_test(
    corpus: Any,
    lexicon: Any,
    family: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "source",
    story: Any = "story",
    groups: Sequence[str] | None = None,
    test: str = "auto",
    n_perm: int = 9999,
    seed: int | None = 0,
    *,
    ci: float = 0.95,
    window_days: int | None = 3,
    threshold: float | None = None,
    engine: str = "auto",
) -> ResultTable:
    """Do groups give labels different shares *within the same stories*?

    Parameters
    ----------
    corpus, lexicon, family, by, story
        As in :func:`shares_within`.
    groups : sequence of str, optional
        The groups to compare (default: all).
    test : {"auto", "cmh", "permutation"}
        ``"auto"``: CMH for two groups, the story-stratified permutation test for more.
    n_perm : int
        Permutations (permutation test).
    seed : int or None
    ci : float
        Coverage of the odds ratio interval (CMH).

    Returns
    -------
    ResultTable (a DataFrame)
        One row per (family, label): ``family, label, test, groups`` (joined by "; "), ``group_a,
        group_b`` (CMH: the odds ratio is a's odds of the label over b's), ``statistic`` (CMH χ² with
        1 df; permutation: ``Σ_g (O_g − E_g)²/E_g``), ``p``, ``p_adj`` (Benjamini–Hochberg over the
        family's labels), ``odds_ratio, or_lower, or_upper, homogeneity_p`` (CMH only),
        ``n_stories`` (stories where at least two compared groups have hits of the family),
        ``n_perm`` and ``note``. Hits are the units of the CMH tables, which assumes they are
        independent; the permutation test moves whole documents.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stratified import shares_within_test
    >>> corpus = framelens.datasets.load_sample()
    >>> t = shares_within_test(corpus, "conflict_actors", "armed_opposition", story="event",
    ...                        groups=["Orvane Wire", "Karvia Sentinel"])
    >>> t.loc[t.label == "militants", "test"].item()
    'cmh'
    """
    if test not in TESTS:
        raise ParameterError(f"test must be one of {', '.join(TESTS)}, not {test!r}")
    if isinstance(n_perm, bool) or not isinstance(n_perm, (int, np.integer)) or n_perm < 1:
        raise ParameterError(f"n_perm must be a positive integer, not {n_perm!r}")
    seed = resolve_seed(seed)  # None: a fresh seed, recorded
    rng = _check_common(ci, 0, seed)
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    fams = resolve_families(lex, family)
    strata = resolve_strata(corpus, by, story, window_days=window_days, threshold=threshold)
    if groups is None:
        chosen = list(range(len(strata.group_names)))
    else:
        if isinstance(groups, str) or len(groups) < 2:
            raise ParameterError(f"groups must name at least two groups, not {groups!r}")
        chosen = [_group_index(strata, name) for name in groups]
        if len(set(chosen)) != len(chosen):
            raise ParameterError(f"groups names a group twice: {groups!r}")
    kind = test if test != "auto" else ("cmh" if len(chosen) == 2 else "permutation")
    if kind == "cmh" and len(chosen) != 2:
        raise ParameterError(f"the CMH test compares two groups, not {len(chosen)}; pass groups=(a, b) "
                             "or test='permutation'")
    matrix, label_ids = label_counts(corpus, lex, engine)
    names = [strata.group_names[g] for g in chosen]
    rows = []
    for fam, labels, cols in _family_columns(lex, fams, label_ids):
        dense = matrix[:, cols].toarray().astype(np.float64)
        cube = _cube(dense, strata)[:, chosen]  # K × G' × L
        hits = cube.sum(axis=2)
        compared = (hits > 0).sum(axis=1) >= 2
        n_stories = int(compared.sum())
        results = []
        if kind == "cmh":
            both = (hits[:, 0] > 0) & (hits[:, 1] > 0)
            for j in range(len(labels)):
                a, b = cube[both, 0, j], cube[both, 1, j]
                tables = np.stack([np.stack([a, hits[both, 0] - a]), np.stack([b, hits[both, 1] - b])])  # 2×2×K
                res = cmh_test(tables, ci)
                note = "" if res["n_strata"] else "no story where both groups have hits of the family"
                if res["n_strata"] and np.isnan(res["p"]):
                    note = "the label never (or always) occurs in these stories: no test"
                results.append({**res, "n_perm": 0, "note": note})
            n_stories = int(both.sum())
        else:
            in_groups = np.isin(strata.group, chosen)
            docs = np.flatnonzero(in_groups & (strata.story >= 0))
            docs = docs[compared[strata.story[docs]]]
            remap = np.full(len(strata.group_names), -1)
            remap[chosen] = np.arange(len(chosen))
            if len(docs):
                stat, p = stratified_permutation(dense[docs], dense[docs].sum(axis=1), remap[strata.group[docs]],
                                                 strata.story[docs], len(chosen), n_perm=n_perm, rng=rng)
            else:
                stat = p = np.full(len(labels), np.nan)
            used = dense[docs].sum(axis=0) if len(docs) else np.zeros(len(labels))
            for j in range(len(labels)):
                note = "" if len(docs) else "no story where two groups have hits of the family"
                if len(docs) and used[j] == 0:
                    note, stat[j], p[j] = "the label does not occur in these stories: no test", np.nan, np.nan
                results.append({"statistic": stat[j], "p": p[j], "odds_ratio": np.nan, "or_lower": np.nan,
                                "or_upper": np.nan, "homogeneity_p": np.nan, "n_perm": n_perm, "note": note})
        p_all = np.array([r["p"] for r in results], dtype=np.float64)
        p_adj = np.full(len(p_all), np.nan)
        finite = np.isfinite(p_all)
        if finite.any():
            from .keyness import bh_adjust

            p_adj[finite] = bh_adjust(p_all[finite])
        for j, (lab, r) in enumerate(zip(labels, results)):
            rows.append({"family": fam, "label": lab, "test": kind, "groups": "; ".join(names),
                         "group_a": names[0] if kind == "cmh" else "", "group_b": names[1] if kind == "cmh" else "",
                         "statistic": r["statistic"], "p": r["p"], "p_adj": p_adj[j], "odds_ratio": r["odds_ratio"],
                         "or_lower": r["or_lower"], "or_upper": r["or_upper"], "homogeneity_p": r["homogeneity_p"],
                         "n_stories": n_stories, "n_perm": r["n_perm"], "note": r["note"]})
    out = pd.DataFrame(rows)
    params = {"by": strata.by, "family": fams, "groups": names, "test": kind, "n_perm": n_perm if kind != "cmh" else None,
              "seed": seed, "ci": ci, "engine": engine, "correction": False if kind == "cmh" else None}
    return _result(out, corpus, lex, params, "shares_within_test", strata)


# ---------------------------------------------------------------------------------------------
# selection / framing decomposition
def decompose(
    corpus: Any,
    lexicon: Any,
    family: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "source",
    story: Any = "story",
    reference: str | None = None,
    *,
    window_days: int | None = 3,
    threshold: float | None = None,
    engine: str = "auto",
) -> ResultTable:
    """Split each group's pooled share difference into selection and framing parts.

    Parameters
    ----------
    corpus, lexicon, family, by, story
        As in :func:`shares_within`.
    reference : str, optional
        The group compared with; default the rest (all other groups pooled).

    Returns
    -------
    ResultTable (a DataFrame)
        One row per (group, family, label): ``group, family, label, pooled_diff, selection,
        framing, unmatched`` (see the module documentation; ``pooled_diff = selection + framing +
        unmatched`` exactly), ``share`` and ``share_ref`` (pooled shares), ``n_stories`` (stories
        both covered with family hits), ``n_unmatched`` (the group's stories the reference did not
        cover), ``family_hits`` and ``note``. Documents without a story are left out (pooled shares
        included), so that the parts add up.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stratified import decompose
    >>> d = decompose(framelens.datasets.load_sample(), "conflict_actors", "armed_opposition", story="event")
    >>> bool(((d.selection + d.framing + d.unmatched - d.pooled_diff).abs() < 1e-12).all())
    True
    """
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    fams = resolve_families(lex, family)
    strata = resolve_strata(corpus, by, story, window_days=window_days, threshold=threshold)
    ref_index = None if reference is None else _group_index(strata, reference, "reference group")
    matrix, label_ids = label_counts(corpus, lex, engine)
    rows = []
    for fam, labels, cols in _family_columns(lex, fams, label_ids):
        cube = _cube(matrix[:, cols].toarray(), strata)
        hits = cube.sum(axis=2)
        # "the rest" = all groups minus this one: one sum over the groups, not a copy of the
        # stories × (G−1) × labels slab per group (G² · stories · labels; the counts are integers,
        # so the difference is exact)
        all_counts, all_hits = cube.sum(axis=1), hits.sum(axis=1)
        for g, name in enumerate(strata.group_names):
            if g == ref_index:
                continue
            if ref_index is None:
                counts_ref, hits_ref = all_counts - cube[:, g], all_hits - hits[:, g]
            else:
                counts_ref, hits_ref = cube[:, ref_index], hits[:, ref_index]
            parts = decomposition(cube[:, g], hits[:, g], counts_ref, hits_ref)
            note = small_group_note(int((strata.group == g).sum()), hits[:, g].sum(), family=fam)
            if parts["n_unmatched"]:
                note = "; ".join(x for x in (note, f"{parts['n_unmatched']} stories not covered by the reference "
                                                  "(in 'unmatched')") if x)
            for j, lab in enumerate(labels):
                rows.append({"group": name, "family": fam, "label": lab, "pooled_diff": parts["pooled_diff"][j],
                             "selection": parts["selection"][j], "framing": parts["framing"][j],
                             "unmatched": parts["unmatched"][j], "share": parts["share"][j],
                             "share_ref": parts["share_ref"][j], "n_stories": parts["n_stories"],
                             "n_unmatched": parts["n_unmatched"], "family_hits": int(hits[:, g].sum()), "note": note})
    out = pd.DataFrame(rows)
    params = {"by": strata.by, "family": fams, "reference": reference, "engine": engine,
              "weights": "the group's family hits per story"}
    return _result(out, corpus, lex, params, "decompose", strata)


def decomposition(counts_g: np.ndarray, hits_g: np.ndarray, counts_ref: np.ndarray, hits_ref: np.ndarray) -> dict:
    """The selection / framing / unmatched split for one group against a reference (one family).

    Parameters
    ----------
    counts_g, counts_ref : arrays, stories × labels
    hits_g, hits_ref : arrays over the stories (family hits)

    Returns
    -------
    dict of arrays over the labels (``pooled_diff, selection, framing, unmatched, share, share_ref``)
    and the counts ``n_stories`` and ``n_unmatched``. All NaN when either side has no family hit.

    Examples
    --------
    >>> import numpy as np
    >>> d = decomposition(np.array([[8., 2.], [1., 1.]]), np.array([10., 2.]),
    ...                   np.array([[5., 5.], [1., 9.]]), np.array([10., 10.]))
    >>> [round(float(d[k][0]), 4) for k in ("pooled_diff", "selection", "framing")]
    [0.45, 0.1333, 0.3167]
    """
    counts_g, counts_ref = np.asarray(counts_g, dtype=np.float64), np.asarray(counts_ref, dtype=np.float64)
    hits_g, hits_ref = np.asarray(hits_g, dtype=np.float64), np.asarray(hits_ref, dtype=np.float64)
    L = counts_g.shape[1]
    both, only = (hits_g > 0) & (hits_ref > 0), (hits_g > 0) & (hits_ref == 0)
    out = {"n_stories": int(both.sum()), "n_unmatched": int(only.sum())}
    if hits_g.sum() == 0 or hits_ref.sum() == 0:
        nan = np.full(L, np.nan)
        return {**out, **{k: nan for k in ("pooled_diff", "selection", "framing", "unmatched", "share", "share_ref")}}
    w = hits_g / hits_g.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        p_g = np.where(hits_g[:, None] > 0, counts_g / hits_g[:, None], 0.0)
        p_r = np.where(hits_ref[:, None] > 0, counts_ref / hits_ref[:, None], 0.0)
    share, share_ref = counts_g.sum(axis=0) / hits_g.sum(), counts_ref.sum(axis=0) / hits_ref.sum()
    out.update(
        pooled_diff=share - share_ref,
        selection=(w[both, None] * (p_r[both] - share_ref)).sum(axis=0),
        framing=(w[both, None] * (p_g[both] - p_r[both])).sum(axis=0),
        unmatched=(w[only, None] * (p_g[only] - share_ref)).sum(axis=0),
        share=share, share_ref=share_ref,
    )
    return out


# ---------------------------------------------------------------------------------------------
# keyness
def keyness_within(
    corpus: Any,
    by: str | Sequence[str] = "source",
    lexicon: Any = None,
    story: Any = "story",
    ngram_range: tuple[int, int] = (1, 1),
    method: str = "log_odds_dirichlet",
    reference: str | None = None,
    min_count: int | None = None,
    *,
    window_days: int | None = 3,
    threshold: float | None = None,
    engine: str = "auto",
) -> ResultTable:
    """Story-controlled keyness: terms a group uses more (or less) than the others in the same stories.

    Each comparison (a group against the rest, or against ``reference``) is made inside every story
    both sides covered, then combined over the stories:

    ``"log_odds_dirichlet"``
        Monroe et al.'s log-odds ratio with an informative Dirichlet prior in each story — the
        prior is the term's corpus frequency scaled to the story's size (``α_w(s) = n_s · y_w / N``,
        ``n_s`` the story's count over both sides) — combined with inverse-variance weights:
        ``δ = Σ_s δ_s/σ²_s / Σ_s 1/σ²_s`` and ``z = δ · sqrt(Σ_s 1/σ²_s)``.
    ``"cmh"``
        Per term, the Mantel–Haenszel pooled odds ratio and the signed CMH χ² (1 df) of the 2 × 2 ×
        stories table (term / other terms × group / other side), with ``p`` and Benjamini–Hochberg
        ``p_adj`` over the terms of each comparison that could be tested (a term no story's table
        varies in — never, or always, used — has ``p`` and ``p_adj`` NaN and is not in the family).

    Parameters
    ----------
    corpus : Corpus or DataFrame
    by : str or list of str
    lexicon : Lexicon or str, optional
        The terms are its labels (counted over word tokens); without it, all n-grams.
    story : str, None, Stories or sequence
        As in :func:`shares_within`.
    ngram_range : (int, int)
    method : {"log_odds_dirichlet", "cmh"}
    reference : str, optional
        A group to compare every other group with; default each group against the rest.
    min_count : int, optional
        Keep terms counted at least this often over both sides in the compared stories (default 0
        with a lexicon, 5 for n-grams).

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, [reference,] term, [family,] count, count_other, rate, rate_other, log_ratio`` (as
        :func:`framelens.keyness`, summed over the compared stories), then ``log_odds, z`` or
        ``odds_ratio, cmh, p, p_adj``, then ``n_stories`` (stories the comparison used) and
        ``note``; sorted by group, then the statistic descending. Dtypes as in
        :func:`framelens.keyness`: name columns categorical, counts int32, statistics float32 but
        ``p``/``p_adj``.

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stratified import keyness_within
    >>> k = keyness_within(framelens.datasets.load_sample(), lexicon="conflict_actors", story="event")
    >>> k[k.group == "Karvia Sentinel"].iloc[0]["term"]
    'militants'
    """
    from .keyness import bh_adjust, keyness_dtypes, log_ratio

    if method not in KEYNESS_METHODS:
        raise ParameterError(f"story-controlled keyness supports method {' or '.join(map(repr, KEYNESS_METHODS))}, "
                             f"not {method!r}")
    if min_count is not None and (isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer))
                                  or min_count < 0):
        raise ParameterError(f"min_count must be a non-negative integer, not {min_count!r}")
    if reference == "pairs":
        raise ParameterError("story-controlled keyness compares each group with the rest or with one reference "
                             "group; reference='pairs' is not supported")
    corpus = as_corpus(corpus)
    lex = as_lexicon(lexicon) if lexicon is not None else None
    strata = resolve_strata(corpus, by, story, window_days=window_days, threshold=threshold)
    G, K = len(strata.group_names), strata.n_stories
    ref = None if reference is None else _group_index(strata, reference, "reference group")
    ok = strata.story >= 0
    cell = strata.story * G + strata.group  # (story, group) cell of each document
    if lex is not None:
        matrix, terms = label_counts(corpus, lex, engine)
        table = group_sums(matrix[ok], cell[ok], K * G)
        tokens = np.bincount(cell[ok], weights=document_tokens(corpus)[ok], minlength=K * G)
        totals, mc = tokens, 0 if min_count is None else min_count
        label_family = lex.label_family()
        families = [label_family[t] for t in terms]
    else:
        from .keyness import _check_ngram_range

        lo_hi = _check_ngram_range(ngram_range)
        mc = 5 if min_count is None else min_count
        texts = [t for t, keep in zip(corpus.texts, ok) if keep]
        ng = ngram_table(texts, cell[ok], K * G, lo_hi, min_count=max(mc, 1))
        table, terms, totals, tokens = ng.table, ng.terms, ng.totals, ng.tokens
        families = None
    table = sp.csr_matrix(table, dtype=np.float64)  # (story, group) cells × terms, sparse
    totals = np.asarray(totals, dtype=np.float64).reshape(K, G)
    tokens = np.asarray(tokens, dtype=np.float64).reshape(K, G)
    story_of_cell = np.repeat(np.arange(K), G)
    story_sums = sp.csr_matrix(group_sums(table, story_of_cell, K))
    grand = np.asarray(table.sum(axis=0)).ravel()
    N = totals.sum()
    pieces = []
    for g in range(G):
        if g == ref:
            continue
        n_i = totals[:, g]
        n_j = (totals.sum(axis=1) - n_i) if ref is None else totals[:, ref]
        used = np.flatnonzero((n_i > 0) & (n_j > 0))
        y_i = table[used * G + g]
        y_j = (story_sums[used] - y_i) if ref is None else table[used * G + ref]
        count, count_other = np.asarray(y_i.sum(axis=0)).ravel(), np.asarray(y_j.sum(axis=0)).ravel()
        keep = np.flatnonzero(count + count_other >= mc)
        ni, nj = n_i[used], n_j[used]
        ti = tokens[used, g].sum()
        tj = (tokens[used].sum() - ti) if ref is None else tokens[used, ref].sum()
        stats = _term_stats(y_i, y_j, ni, nj, keep, grand, N, method)
        cols: dict[str, Any] = {"term": np.asarray(terms, dtype=object)[keep],
                                "count": count[keep].round().astype(np.int64),
                                "count_other": count_other[keep].round().astype(np.int64)}
        with np.errstate(divide="ignore", invalid="ignore"):
            cols["rate"] = count[keep] * 1000.0 / ti if ti > 0 else np.full(len(keep), np.nan)
            cols["rate_other"] = count_other[keep] * 1000.0 / tj if tj > 0 else np.full(len(keep), np.nan)
        cols["log_ratio"] = log_ratio(count[keep], count_other[keep], ti, tj)
        cols.update(stats)
        if method == "cmh":  # BH over the terms tested: a NaN p (never, or always, used) is no test
            finite = np.isfinite(cols["p"])
            cols["p_adj"] = np.full(len(keep), np.nan)
            cols["p_adj"][finite] = bh_adjust(cols["p"][finite])
        stat = cols["z"] if method == "log_odds_dirichlet" else cols["cmh"]
        frame = pd.DataFrame(cols)
        frame.insert(0, "group", strata.group_names[g])
        if ref is not None:
            frame.insert(1, "reference", str(reference))
        if families is not None:
            frame.insert(frame.columns.get_loc("term") + 1, "family", [families[t] for t in keep])
        frame["n_stories"] = len(used)
        n_docs = int(((strata.group == g) & ok & np.isin(strata.story, used)).sum())
        frame["note"] = small_group_note(n_docs)
        order = np.argsort(-np.nan_to_num(stat, nan=-np.inf), kind="stable")
        pieces.append(frame.iloc[order])
    out = keyness_dtypes(pd.concat(pieces, ignore_index=True)) if pieces else pd.DataFrame()
    params = {"by": strata.by, "lexicon": None if lex is None else lex.name,
              "ngram_range": None if lex is not None else list(ngram_range), "method": method,
              "reference": reference, "min_count": mc, "engine": engine if lex is not None else None}
    return _result(out, corpus, lex, params, "keyness_within", strata)


def _term_stats(y_i: Any, y_j: Any, n_i: np.ndarray, n_j: np.ndarray, keep: np.ndarray, grand: np.ndarray,
                N: float, method: str) -> dict[str, np.ndarray]:
    """The statistic columns for the kept terms, a block of columns at a time (dense stories × block)."""
    names = ("log_odds", "z") if method == "log_odds_dirichlet" else ("odds_ratio", "cmh", "p")
    out = {name: np.zeros(len(keep)) for name in names}
    step = max(1, _BLOCK // max(len(n_i), 1))
    alpha0 = n_i + n_j  # each story's prior weighs as much as the story itself
    for start in range(0, len(keep), step):
        cols = keep[start:start + step]
        yi, yj = y_i[:, cols].toarray(), y_j[:, cols].toarray()
        if method == "log_odds_dirichlet":
            alpha = alpha0[:, None] * (grand[cols] / N)[None, :] if N > 0 else np.zeros_like(yi)
            values = combined_log_odds(yi, yj, n_i, n_j, alpha, alpha0)
        else:
            values = cmh_terms(yi, yj, n_i, n_j)
        for name, v in zip(names, values):
            out[name][start:start + step] = v
    return out


def combined_log_odds(y_i: np.ndarray, y_j: np.ndarray, n_i: np.ndarray, n_j: np.ndarray,
                      alpha: np.ndarray, alpha0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-story Dirichlet log-odds (stories × terms) combined over stories with inverse variances.

    ``y_i, y_j`` are stories × terms counts, ``n_i, n_j`` the stories' totals (over the whole
    vocabulary), ``alpha`` the stories' prior pseudo-counts per term and ``alpha0`` their totals
    over the whole vocabulary (per story). Each cell is :func:`~framelens.compare.keyness.log_odds_dirichlet`'s
    ``δ̂`` with variance ``1/(y_i+α) + 1/(y_j+α)``; a cell with no count and no prior carries no
    information (weight 0). Returns ``(δ, z)`` per term: ``δ = Σ δ_s w_s / Σ w_s``, ``w_s = 1/σ²_s``,
    ``z = δ·sqrt(Σ w_s)``.
    """
    alpha0 = np.asarray(alpha0, dtype=np.float64).reshape(-1, 1)
    a_i, a_j = y_i + alpha, y_j + alpha
    valid = (a_i > 0) & (a_j > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log(a_i) - np.log(n_i[:, None] + alpha0 - a_i)
                 - np.log(a_j) + np.log(n_j[:, None] + alpha0 - a_j))
        weight = np.where(valid, 1.0 / (1.0 / a_i + 1.0 / a_j), 0.0)
        total = weight.sum(axis=0)
        log_odds = np.where(total > 0, (np.where(valid, delta, 0.0) * weight).sum(axis=0) / total, 0.0)
    return log_odds, log_odds * np.sqrt(total)


def cmh_terms(y_i: np.ndarray, y_j: np.ndarray, n_i: np.ndarray, n_j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mantel–Haenszel odds ratio, signed CMH χ² and p per term, vectorised (stories × terms).

    Each story's table for term ``w``: ``[[y_i, n_i − y_i], [y_j, n_j − y_j]]``; no continuity
    correction (as ``StratifiedTable.test_null_odds(correction=False)``).
    """
    from scipy.stats import chi2

    a, c = y_i, y_j
    b, d = n_i[:, None] - a, n_j[:, None] - c
    n = (n_i + n_j)[:, None]
    m1 = a + c
    with np.errstate(divide="ignore", invalid="ignore"):
        odds_ratio = (a * d / n).sum(axis=0) / (b * c / n).sum(axis=0)
        expected = (n_i[:, None] * m1 / n).sum(axis=0)
        var = (n_i[:, None] * n_j[:, None] * m1 * (n - m1) / (n * n * (n - 1))).sum(axis=0)
        diff = a.sum(axis=0) - expected
        stat = np.where(var > 0, diff ** 2 / var, np.nan)
    p = np.where(np.isnan(stat), np.nan, chi2.sf(np.nan_to_num(stat), 1))
    return odds_ratio, np.sign(diff) * stat, p


# ---------------------------------------------------------------------------------------------
# figure
def plot_decomposition(table: pd.DataFrame, family: str | None = None, labels: Sequence[str] | None = None,
                       top: int = 6, groups: Sequence[str] | None = None):
    """Selection and framing parts of the pooled differences, one panel per group.

    Each label gets two bars from zero, *selection* (orange) and *framing* (blue), and a black
    diamond at the pooled difference (their sum plus the usually small unmatched part), in
    percentage points of the family's hits.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`decompose`.
    family : str, optional
        The family to draw; needed when the table holds several.
    labels : sequence of str, optional
        Labels to draw, in this order (top first); default the ``top`` labels by largest
        ``|pooled_diff|`` over the groups.
    top : int
    groups : sequence of str, optional
        Groups (panels) in this order; default all, in table order.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import framelens
    >>> from framelens.compare.stratified import decompose, plot_decomposition
    >>> d = decompose(framelens.datasets.load_sample(), "conflict_actors", "armed_opposition", story="event")
    >>> fig = plot_decomposition(d, top=4)
    >>> len(fig.axes)
    6
    """
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..errors import InputError
    from ..plots import _RC, _freeze_layout, _literal, _new_figure

    needed = ("group", "family", "label", "pooled_diff", "selection", "framing")
    if not isinstance(table, pd.DataFrame) or any(c not in table.columns for c in needed):
        raise InputError(f"plot_decomposition needs the table of decompose() with columns {', '.join(needed)}")
    fams = list(pd.unique(table["family"]))
    if family is None:
        if len(fams) != 1:
            raise ParameterError(f"the table holds {len(fams)} families; pass family= one of {', '.join(map(repr, fams))}")
        family = fams[0]
    elif family not in fams:
        raise ParameterError(f"family {family!r} is not in the table; it has {', '.join(map(repr, fams))}")
    rows = table[table["family"] == family]
    panels = list(pd.unique(rows["group"])) if groups is None else list(groups)
    missing = [g for g in panels if g not in set(rows["group"])]
    if missing:
        raise ParameterError(f"group {missing[0]!r} is not in the table")
    if labels is None:
        size = rows.assign(a=rows["pooled_diff"].abs()).groupby("label", sort=False)["a"].max().dropna()
        labels = list(size.sort_values(ascending=False, kind="stable").index[:max(int(top), 1)])
    labels = list(labels)
    sel_color, fra_color = "#de8f05", "#0173b2"
    ncols = min(3, len(panels))
    nrows = int(np.ceil(len(panels) / ncols))
    with mpl.rc_context(_RC):
        fig = _new_figure(3.0 * ncols + 0.4, 0.32 * len(labels) * nrows + 0.9 * nrows + 0.6)
        axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True)
        values = rows[["pooled_diff", "selection", "framing"]].abs().to_numpy(dtype=float)
        span = np.nanmax(values) * 100 if np.isfinite(values).any() else 1.0
        for k, ax in enumerate(axes.ravel()):
            if k >= len(panels):
                ax.set_visible(False)
                continue
            mine = rows[rows["group"] == panels[k]].set_index("label")
            y = np.arange(len(labels))
            get = lambda col: np.array([mine[col].get(lab, np.nan) * 100 for lab in labels], dtype=float)  # noqa: E731
            ax.barh(y - 0.18, np.nan_to_num(get("selection")), height=0.34, color=sel_color, zorder=2)
            ax.barh(y + 0.18, np.nan_to_num(get("framing")), height=0.34, color=fra_color, zorder=2)
            ax.scatter(get("pooled_diff"), y, marker="D", s=16, color="black", zorder=3)
            ax.axvline(0, color="0.4", lw=0.8, zorder=1)
            ax.set_yticks(y, [_literal(lab) for lab in labels])
            ax.set_ylim(len(labels) - 0.5, -0.5)
            ax.set_xlim(-span * 1.1, span * 1.1)
            ax.grid(axis="x", color="0.88", lw=0.6)
            ax.set_axisbelow(True)
            ax.set_title(str(panels[k]), loc="left", fontweight="bold", parse_math=False)
        for ax in axes[-1]:
            ax.set_xlabel("percentage points vs. the reference")
        handles = [Patch(color=sel_color, label="selection (story mix)"), Patch(color=fra_color, label="framing (within stories)"),
                   Line2D([], [], marker="D", ls="", color="black", label="pooled difference")]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        fig.suptitle(f"{family}: pooled difference = selection + framing (+ stories the reference did not cover)",
                     x=0.01, ha="left", fontsize=10, parse_math=False)
        _freeze_layout(fig)
    return fig
