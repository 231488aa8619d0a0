"""Terms the lexicon misses: n-grams that distinguish a group but match no lexicon pattern.

:func:`suggest_terms` runs Fightin' Words keyness (each group against the rest, see
:mod:`framelens.compare.keyness`) over every 1–3-gram of the texts *with the lexicon's hits masked
out*, so that no counted n-gram overlaps a hit ("freedom" is only counted where it is not part of
a matched "freedom fighters"). It keeps the over-used n-grams that

* occur at least ``min_count`` times in at least ``min_docs`` of the group's documents,
* neither start nor end with an English stop word (scikit-learn's list) or a fragment that
  ``\\w+`` tokens leave of a possessive, contraction or abbreviation (a single letter: "trump s",
  "p m et"; "ll", "ve", "re"), and are not only digits,
* are not matched by any lexicon pattern (``compile_lexicon(lexicon).find(term)`` is empty), and
* are not mostly part of a longer kept n-gram (a shorter term whose count is at most 1.25 times
  that of a longer candidate containing it is dropped in its favour),

and shows each with ``n_examples`` keyword-in-context lines from the group's documents.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ._tables import (
    MASK_TOKEN,
    ResultTable,
    as_corpus,
    as_lexicon,
    composed,
    ngram_table,
    provenance_record,
    resolve_groups,
    result_table,
    small_group_note,
)
from .keyness import _check_ngram_range, _comparisons, log_odds_dirichlet, log_ratio

#: a shorter n-gram is dropped when a longer kept candidate containing it has at least this share of its count
SUBSUMED = 0.8


def mask_spans(texts: Sequence[str], doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[str]:
    """Replace each (doc, start, end) span by :data:`MASK_TOKEN`, so no n-gram is counted across it."""
    out = list(texts)
    order = np.lexsort((start, doc))
    doc, start, end = np.asarray(doc)[order], np.asarray(start)[order], np.asarray(end)[order]
    bounds = np.searchsorted(doc, np.arange(len(texts) + 1))
    for d in np.unique(doc):
        text, pieces, pos = out[d], [], 0
        for s, e in zip(start[bounds[d]:bounds[d + 1]], end[bounds[d]:bounds[d + 1]]):
            s = max(int(s), pos)  # overlapping spans (per-family overlap scopes) merge
            if e <= pos:
                continue
            pieces += [text[pos:s], f" {MASK_TOKEN} "]
            pos = int(e)
        pieces.append(text[pos:])
        out[d] = "".join(pieces)
    return out


def _lexicon_hits(corpus: Any, lexicon: Any, matcher: Any, engine: str) -> Any:
    """The lexicon's hits in the corpus, shared with :mod:`framelens.scoring`'s per-corpus cache."""
    try:
        from ..scoring import _hits  # matched once per (corpus, lexicon, engine), kept on the corpus

        return _hits(corpus, lexicon, engine)
    except (ImportError, AttributeError, TypeError):
        return matcher.find_many(corpus.texts)


#: what ``\w+`` leaves of contractions and abbreviations ("Trump's" → "trump s", "p.m." → "p m"):
#: no term starts or ends with one (a single letter, or a contraction's tail)
_FRAGMENTS = frozenset({"ll", "ve", "re"})


def _edge_ok(word: str, stop: frozenset) -> bool:
    return word not in stop and word not in _FRAGMENTS and not (len(word) == 1 and not word.isdigit())


def _phrase_ok(terms: np.ndarray) -> np.ndarray:
    """False for n-grams starting or ending with a stop word or a fragment (a single letter, as
    ``\\w+`` splits "Trump's" or "p.m."; a contraction's tail), or made of digits only."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    ok = np.ones(len(terms), dtype=bool)
    for i, term in enumerate(terms):
        words = term.split(" ")
        if not _edge_ok(words[0], ENGLISH_STOP_WORDS) or not _edge_ok(words[-1], ENGLISH_STOP_WORDS) \
                or all(w.isdigit() for w in words):
            ok[i] = False
    return ok


def _drop_subsumed(terms: list[str], counts: list[float]) -> list[bool]:
    """Keep flags: False for a term mostly seen inside a longer candidate of the same list."""
    keep = [True] * len(terms)
    padded = [f" {t} " for t in terms]
    for i, short in enumerate(padded):
        for j, long in enumerate(padded):
            if j != i and len(long) > len(short) and short in long and counts[j] >= SUBSUMED * counts[i]:
                keep[i] = False
                break
    return keep


def examples_for(texts: Sequence[str], doc_indices: Sequence[int], term: str, n: int = 3, window: int = 8) -> list[str]:
    """Up to ``n`` keyword-in-context lines for ``term`` (first from distinct documents).

    The keyword is shown in ``[brackets]`` with ``window`` whitespace-separated words each side.
    """
    words = term.split(" ")
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)
    first, more = [], []
    for d in doc_indices:
        text = texts[d]
        for k, m in enumerate(pattern.finditer(text)):
            left = " ".join(text[max(0, m.start() - 40 * window):m.start()].split()[-window:]) if window else ""
            right = " ".join(text[m.end():m.end() + 40 * window].split()[:window]) if window else ""
            # keep punctuation attached as written: "[term]." not "[term] ."
            lsep = " " if m.start() > 0 and text[m.start() - 1].isspace() else ""
            rsep = " " if text[m.end():m.end() + 1].isspace() else ""
            line = f"{left}{lsep}[{' '.join(m.group(0).split())}]{rsep}{right}".strip()
            (first if k == 0 else more).append(line)
            if k == 0 and len(first) >= n:
                return first
            if len(more) >= n:
                break
    return (first + more)[:n]


def suggest_terms(
    corpus: Any,
    lexicon: Any,
    by: str | Sequence[str] = "source",
    top: int = 50,
    *,
    ngram_range: tuple[int, int] = (1, 3),
    min_count: int = 5,
    min_docs: int = 3,
    prior_scale: float | None = None,
    n_examples: int = 3,
    window: int = 8,
    engine: str = "auto",
) -> ResultTable:
    """Candidate lexicon terms: n-grams that distinguish a group but that the lexicon does not match.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    by : str or list of str
        Groups to contrast (each against the rest; within each period when ``by`` has a date bin).
    top : int
        Suggestions per group.
    ngram_range : (int, int)
        n-gram lengths (default unigrams to trigrams).
    min_count, min_docs : int
        A suggestion occurs at least ``min_count`` times in at least ``min_docs`` documents of
        the group.
    prior_scale : float, optional
        ``α0`` of the Dirichlet prior (see :func:`framelens.keyness`); default the size of each
        comparison (the corpus, or with a date bin in ``by`` the period).
    n_examples, window : int
        Keyword-in-context lines per suggestion and words of context on each side.
    engine : str
        Lexicon matching engine.

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, [by keys,] term, n, count, count_other, docs, rate, rate_other, log_ratio,
        log_odds, z, examples, note``: ``n`` is the n-gram length, ``docs`` the group's documents
        containing it, ``examples`` a list of KWIC strings (keyword in brackets); sorted by group
        then ``z`` descending.

    Examples
    --------
    >>> import framelens
    >>> s = framelens.suggest_terms(framelens.datasets.load_sample(), "conflict_actors", top=10)
    >>> {"group", "term", "z", "examples"} <= set(s.columns)
    True
    """
    for name, value, least in (("top", top, 1), ("min_count", min_count, 1), ("min_docs", min_docs, 1),
                               ("n_examples", n_examples, 0), ("window", window, 0)):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise ParameterError(f"{name} must be an integer ≥ {least}, not {value!r}")
    lo_hi = _check_ngram_range(ngram_range)
    if prior_scale is not None and not (isinstance(prior_scale, (int, float)) and prior_scale > 0):
        raise ParameterError(f"prior_scale must be a positive number (α0), not {prior_scale!r}")
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    groups = resolve_groups(corpus, by)
    if len(groups) < 2:
        raise ParameterError(f"suggest_terms needs at least two groups; by={groups.by} gives only {groups.names}")
    from ..matching import compile_lexicon

    matcher = compile_lexicon(lex, engine=engine)
    texts = corpus.texts
    hits = _lexicon_hits(corpus, lex, matcher, engine)
    masked = mask_spans(texts, hits.doc, hits.start, hits.end)
    ng = ngram_table(masked, groups.codes, len(groups), lo_hi, min_count=min_count, doc_freq=True)
    shown = composed(texts)  # the terms are NFC (ngram_table's): so must be the texts they are found in
    shown = texts if shown is texts else shown.to_pylist()
    table, dfreq = ng.table.tocsr(), ng.doc_freq.tocsr()
    corpus_counts = np.asarray(table.sum(axis=0)).ravel()
    N = float(ng.totals.sum())
    # the prior's shape is the corpus's; its size prior_scale, else each comparison's (as keyness)
    frequency = corpus_counts / N if N > 0 else np.zeros_like(corpus_counts)
    phrase_ok = _phrase_ok(ng.terms)
    matched_cache: dict[str, bool] = {}

    def matched(term: str) -> bool:
        if term not in matched_cache:
            matched_cache[term] = bool(matcher.find(term))
        return matched_cache[term]

    rows = []
    stratum_sum: dict[int, np.ndarray] = {}
    for g, others, _ in _comparisons(groups.names, groups.strata, None):
        s = int(groups.strata[g])
        if s not in stratum_sum:
            stratum_sum[s] = np.asarray(table[np.flatnonzero(groups.strata == s)].sum(axis=0)).ravel()
        y_i = table.getrow(g).toarray().ravel()
        y_j = stratum_sum[s] - y_i
        docs_i = dfreq.getrow(g).toarray().ravel()
        cand = np.flatnonzero((y_i >= min_count) & (docs_i >= min_docs) & phrase_ok)
        if not len(cand):
            continue
        n_i, n_j = ng.totals[g], ng.totals[others].sum()
        alpha0 = float(prior_scale) if prior_scale is not None else float(n_i + n_j)
        log_odds, z = log_odds_dirichlet(y_i[cand], y_j[cand], n_i, n_j, alpha0 * frequency[cand], alpha0)
        pos = z > 0
        cand, log_odds, z = cand[pos], log_odds[pos], z[pos]
        order = np.lexsort((ng.terms[cand].astype(str), -z))
        pool = [k for k in order[: max(4 * top, 200)] if not matched(ng.terms[cand[k]])]
        keep = _drop_subsumed([ng.terms[cand[k]] for k in pool], [y_i[cand[k]] for k in pool])
        chosen = [k for k, ok in zip(pool, keep) if ok][:top]
        t_i, t_j = ng.tokens[g], ng.tokens[others].sum()
        members = groups.members(g)
        note = small_group_note(int(groups.n_docs[g]))
        for k in chosen:
            c = cand[k]
            term = str(ng.terms[c])
            rows.append({
                "group": groups.names[g], "term": term, "n": int(ng.n[c]), "count": int(y_i[c]),
                "count_other": int(y_j[c]), "docs": int(docs_i[c]),
                "rate": y_i[c] * 1000.0 / t_i if t_i else np.nan,
                "rate_other": y_j[c] * 1000.0 / t_j if t_j else np.nan,
                "log_ratio": float(log_ratio(y_i[c], y_j[c], t_i, t_j)),
                "log_odds": float(log_odds[k]), "z": float(z[k]),
                "examples": examples_for(shown, members, term, n_examples, window),
                "note": note,
            })
    columns = ["group", "term", "n", "count", "count_other", "docs", "rate", "rate_other", "log_ratio",
               "log_odds", "z", "examples", "note"]
    out = pd.DataFrame(rows, columns=columns)
    if len(groups.by) > 1:
        keys = groups.frame.assign(group=groups.names)
        out = out.merge(keys, on="group", how="left", sort=False)
        cols = [c for c in out.columns if c not in groups.by]
        out = out[cols[:1] + list(groups.by) + cols[1:]]
    one_stratum = len(set(groups.strata.tolist())) == 1  # then every comparison covers the corpus: α0 = N
    params = {"by": groups.by, "top": top, "ngram_range": list(lo_hi), "min_count": min_count,
              "min_docs": min_docs, "prior_scale": prior_scale,
              "alpha0": float(prior_scale) if prior_scale is not None else (N if one_stratum else None),
              "n_examples": n_examples,
              "window": window, "engine": engine, "method": "log_odds_dirichlet, lexicon hits masked"}
    return result_table(out, provenance_record(corpus, lex, params, kind="suggest_terms"))
