"""Fixes from the scale audit (benchmarks/bench_scale.py): each new way against the former one.

``decompose`` used to sum "the rest" of the groups by copying the stories × (G − 1) × labels slab of
every group (G² · stories · labels: 9.5 s of its 16 s on 25 MB of ABP articles, 73 outlets); it now
subtracts the group from one sum over all groups. The counts are integers, so the results must be
identical to the last bit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.compare._tables import as_lexicon, label_counts, resolve_families
from framelens.compare.stratified import _cube, _family_columns, decompose, decomposition, resolve_strata

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ABP = SHARED / "corpora" / "article_bias_prediction" / "abp_conflict_subset.jsonl"


def former_decompose(corpus, lexicon, story, reference=None) -> pd.DataFrame:
    """The former loop: each group against the others' slab summed (``cube[:, others].sum(axis=1)``)."""
    lex = as_lexicon(lexicon)
    strata = resolve_strata(corpus, "source", story)
    G = len(strata.group_names)
    ref_index = None if reference is None else strata.group_names.index(reference)
    matrix, label_ids = label_counts(corpus, lex, "auto")
    rows = []
    for fam, labels, cols in _family_columns(lex, resolve_families(lex, None), label_ids):
        cube = _cube(matrix[:, cols].toarray(), strata)
        hits = cube.sum(axis=2)
        for g, name in enumerate(strata.group_names):
            if g == ref_index:
                continue
            others = [h for h in range(G) if h != g] if ref_index is None else [ref_index]
            parts = decomposition(cube[:, g], hits[:, g], cube[:, others].sum(axis=1), hits[:, others].sum(axis=1))
            for j, lab in enumerate(labels):
                rows.append({"group": name, "family": fam, "label": lab,
                             **{k: parts[k][j] for k in ("pooled_diff", "selection", "framing", "unmatched",
                                                         "share", "share_ref")},
                             "n_stories": parts["n_stories"], "n_unmatched": parts["n_unmatched"]})
    return pd.DataFrame(rows)


def _compare(corpus, story, reference=None) -> None:
    new = pd.DataFrame(decompose(corpus, "conflict_actors", story=story, reference=reference))
    old = former_decompose(corpus, "conflict_actors", story, reference)
    assert len(new) == len(old) > 0
    new = new[old.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    # not a table of NaN: real selection and framing parts to compare
    assert np.isfinite(new["framing"]).sum() > len(new) // 2 and (new["framing"].abs() > 1e-6).any()


def test_decompose_rest_of_groups_as_before_on_sample():
    corpus = framelens.datasets.load_sample()
    _compare(corpus, "event")
    _compare(corpus, "event", reference=sorted(corpus.docs["source"].unique())[0])


@pytest.mark.skipif(not ABP.exists(), reason=f"needs the ABP articles in ../shared ({ABP})")
def test_decompose_rest_of_groups_as_before_on_abp():
    # 1,500 real articles, dozens of outlets; the ABP topic as the story (finding stories is not
    # what changed, and would take most of the test's time)
    docs = framelens.datasets.load_abp().docs.iloc[:1500].reset_index(drop=True)
    corpus = framelens.read_corpus(docs)
    assert corpus.docs["source"].nunique() > 20
    _compare(corpus, "topic")
    _compare(corpus, "topic", reference="CNN (Web News)")


# ---------------------------------------------------------------------------------------------
# ngram_table(doc_freq=True): (document, term) pairs made unique per n-gram length as they are found
# (int32), instead of an int64 pair per position of every length kept to the end: −270 MB of peak
# memory for suggest_terms on 25 MB of ABP. Checked against an independent path: the per-document
# count table (one group per document, no doc_freq), whose non-zero cells summed per group.
def _doc_freq_oracle(texts, codes, n_groups, ngram_range, min_count):
    import scipy.sparse as sp

    from framelens.compare._tables import ngram_table

    n = len(codes)
    per_doc = ngram_table(texts, np.arange(n), n, ngram_range, min_count=min_count)
    present = sp.csr_matrix(per_doc.table)
    present.data[:] = 1.0
    member = sp.csr_matrix((np.ones(n), (np.asarray(codes), np.arange(n))), shape=(n_groups, n))
    return per_doc, (member @ present).toarray()


@pytest.mark.parametrize("ngram_range,min_count", [((1, 3), 2), ((2, 2), 1)])
def test_ngram_doc_freq_matches_per_document_counts(ngram_range, min_count):
    from framelens.compare._tables import ngram_table, resolve_groups
    from framelens.compare.discovery import mask_spans
    from framelens.matching import compile_lexicon

    if ABP.exists():
        docs = framelens.datasets.load_abp().docs.iloc[:400].reset_index(drop=True)
        corpus = framelens.read_corpus(docs)
    else:
        corpus = framelens.datasets.load_sample()
    groups = resolve_groups(corpus, "source")
    texts = corpus.texts
    hits = compile_lexicon(as_lexicon("conflict_actors")).find_many(texts)
    masked = mask_spans(texts, hits.doc, hits.start, hits.end)  # masks break n-grams, as in suggest_terms
    ng = ngram_table(masked, groups.codes, len(groups), ngram_range, min_count=min_count, doc_freq=True)
    per_doc, expected = _doc_freq_oracle(masked, groups.codes, len(groups), ngram_range, min_count)
    assert list(ng.terms) == list(per_doc.terms) and len(ng.terms) > 1000
    got = ng.doc_freq.toarray()
    np.testing.assert_array_equal(got, expected)
    # and the counts the document frequencies bound
    assert (got <= ng.table.toarray()).all() and got.sum() > 0


# ---------------------------------------------------------------------------------------------
# stories: undated documents (compared with every document) are multiplied with the corpus a block
# of rows at a time, keeping only the pairs above the floor of each block, instead of one product
# holding every pair (nearly dense): stories() on 100 MB of ABP (2,216 undated articles) peaked at
# 2.6 GB, now 1.3 GB, with identical stories. One block as large as the corpus is the former way.
def test_stories_undated_blocks_give_the_former_pairs(monkeypatch):
    import importlib

    st = importlib.import_module("framelens.compare.stories")  # the module (the package exports the function)

    if ABP.exists():
        docs = framelens.datasets.load_abp().docs.iloc[:900].reset_index(drop=True)
    else:
        docs = framelens.datasets.load_sample().docs.copy()
    docs.loc[docs.index % 3 == 0, "date"] = pd.NaT  # a third undated (ABP has 14 %): many blocks
    corpus = framelens.read_corpus(docs)
    X, _ = st._tfidf(corpus.docs["title"].tolist(), corpus.texts)
    day = st._days(corpus.docs["date"])
    assert np.isnan(day).sum() > 3 * 7

    def pairs(block):
        monkeypatch.setattr(st, "_UNDATED_BLOCK", block)
        return st.similarity_pairs(X, day, 3, 0.5, floor=0.05)

    former, blocked = pairs(10**9), pairs(7)
    assert len(former[0]) > 1000
    for a, b in zip(former, blocked):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(st.StoryWarning):
        one = st.stories(corpus)
    monkeypatch.setattr(st, "_UNDATED_BLOCK", 10**9)
    with pytest.warns(st.StoryWarning):
        pd.testing.assert_frame_equal(pd.DataFrame(st.stories(corpus).assignments), pd.DataFrame(one.assignments))
