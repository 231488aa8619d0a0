"""suggest_terms: n-grams that distinguish a group and that the lexicon does not match.

Oracles: the planted discovery terms of the sample corpus's answer key; the matcher itself for
"not matched"; n-gram counts recomputed with ``re`` on hand-masked text.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

import framelens
from framelens.compare import suggest_terms
from framelens.compare._tables import MASK_TOKEN, ngram_table
from framelens.compare.discovery import _drop_subsumed, examples_for, mask_spans
from framelens.errors import ParameterError
from framelens.matching import compile_lexicon


@pytest.fixture(scope="module")
def sample():
    try:
        return framelens.datasets.load_sample()
    except (ImportError, AttributeError) as exc:  # pragma: no cover
        pytest.skip(f"framelens.datasets.load_sample is not available: {exc}")


@pytest.fixture(scope="module")
def suggestions(sample):
    return suggest_terms(sample, "conflict_actors", by="source", top=50)


def test_planted_discovery_terms_surface_for_their_outlet(sample, suggestions):
    key = framelens.datasets.sample_answer_key()
    planted = key[key.dimension == "discovery"]
    assert len(planted) >= 5
    for source, term in zip(planted.source, planted.planted):
        mine = suggestions[suggestions.group == source].reset_index(drop=True)
        assert term in set(mine.term), (source, term)
        # … near the top: among the outlet's five strongest suggestions
        assert mine.index[mine.term == term][0] < 5, (source, term, mine.term.head(8).tolist())
        row = mine[mine.term == term].iloc[0]
        assert row["count"] >= 20 and row["z"] > 3


def test_no_suggestion_is_matched_by_the_lexicon(suggestions):
    matcher = compile_lexicon(framelens.load_lexicon("conflict_actors"))
    assert len(suggestions) > 0
    assert not [t for t in suggestions.term if matcher.find(t)]
    words = suggestions.term.str.split(" ")
    assert not words.str[0].isin(ENGLISH_STOP_WORDS).any() and not words.str[-1].isin(ENGLISH_STOP_WORDS).any()


def test_columns_statistics_and_examples(sample, suggestions):
    assert list(suggestions.columns) == ["group", "term", "n", "count", "count_other", "docs", "rate", "rate_other",
                                         "log_ratio", "log_odds", "z", "examples", "note"]
    assert suggestions.groupby("group").size().max() <= 50
    for _, part in suggestions.groupby("group"):
        assert part["z"].is_monotonic_decreasing and (part["z"] > 0).all()
    assert ((suggestions["count"] >= 5) & (suggestions["docs"] >= 3)).all()
    assert (suggestions["n"] == suggestions.term.str.count(" ") + 1).all()
    row = suggestions[suggestions.term == "junta"].iloc[0]
    assert len(row["examples"]) == 3
    for line in row["examples"]:
        assert re.search(r"\[junta\]", line, re.IGNORECASE)
    # the examples are verbatim (whitespace aside) from the outlet's own reports
    own = [" ".join(t.split()) for t in sample.docs.loc[sample.docs.source == row["group"], "text"]]
    for line in row["examples"]:
        assert any(line.replace("[", "").replace("]", "") in text for text in own), line
    assert suggestions.attrs["framelens"]["kind"] == "suggest_terms"


def test_counts_exclude_lexicon_hits():
    """'freedom' inside 'freedom fighters' (a lexicon label) is not counted; elsewhere it is."""
    corpus = framelens.read_corpus(pd.DataFrame({
        "source": ["A"] * 3 + ["B"] * 3,
        "text": ["The freedom fighters fought for freedom.", "Freedom fighters said the junta fell.",
                 "A junta ruled.", "Rebels said so.", "Rebels said freedom.", "The army said."],
    }))
    lexicon = framelens.load_lexicon("conflict_actors")
    hits = compile_lexicon(lexicon).find_many(corpus.texts)
    masked = mask_spans(corpus.texts, hits.doc, hits.start, hits.end)
    assert masked[0].count(MASK_TOKEN) == 1 and masked[0].endswith("fought for freedom.")
    table = ngram_table(masked, np.array([0, 0, 0, 1, 1, 1]), 2, (1, 2), min_count=1)
    counts = dict(zip(table.terms, table.table.toarray()[0]))
    assert counts["freedom"] == 1  # only "fought for freedom"
    assert "fighters" not in counts and "the freedom" not in counts
    assert "the junta" in counts and "fought" in counts  # n-grams stop at the mask, not the text
    assert "said the" in counts


def test_the_default_prior_is_sized_to_each_periods_comparison():
    # two outlets over two months, no lexicon hit: each group is compared with the rest of its
    # month, and the prior is the corpus's n-gram frequencies at the size of that month's data
    from collections import Counter

    texts = {("A", "01"): ["The junta ruled the capital.", "The junta closed roads."],
             ("B", "01"): ["The council met today.", "Roads were closed by the council."],
             ("A", "02"): ["The junta spoke again.", "Markets fell."],
             ("B", "02"): ["The council spoke again.", "The junta was quiet."]}
    rows = [{"source": s, "date": f"2024-{m}-0{i + 1}", "text": t}
            for (s, m), ts in texts.items() for i, t in enumerate(ts)]
    corpus = framelens.read_corpus(pd.DataFrame(rows))
    out = suggest_terms(corpus, "conflict_actors", by=["source", "month"], min_count=1, min_docs=1, top=50,
                        n_examples=0)
    grams = {}
    for key, ts in texts.items():
        c = Counter()
        for t in ts:
            w = re.findall(r"\w+", t.lower())
            c.update(" ".join(w[i:i + n]) for n in (1, 2, 3) for i in range(len(w) - n + 1))
        grams[key] = c
    corpus_counts = sum(grams.values(), Counter())
    N = sum(corpus_counts.values())
    row = out[(out.group == "A | 2024-01") & (out.term == "junta")].iloc[0]
    y_i, y_j = grams["A", "01"]["junta"], grams["B", "01"]["junta"]
    n_i, n_j = sum(grams["A", "01"].values()), sum(grams["B", "01"].values())
    a0 = n_i + n_j
    a = a0 * corpus_counts["junta"] / N
    delta = np.log((y_i + a) / (n_i + a0 - y_i - a)) - np.log((y_j + a) / (n_j + a0 - y_j - a))
    assert (row["count"], row["count_other"]) == (2, 0)
    assert row["log_odds"] == pytest.approx(delta, rel=1e-9)
    assert row["z"] == pytest.approx(delta / np.sqrt(1 / (y_i + a) + 1 / (y_j + a)), rel=1e-9)
    assert out.attrs["framelens"]["params"]["alpha0"] is None


def test_no_suggestion_starts_or_ends_with_a_tokenisation_fragment():
    # "\w+" splits "Trump's" into "trump s" and "p.m. ET" into "p m et": such n-grams are no
    # lexicon terms. Oracle: the edges of every suggestion, against scikit-learn's stop words and
    # single letters (digits aside), and the same counts recounted with re.
    texts = ["Trump's envoy met the junta's leaders at 3 p.m. ET in the capital."] * 6
    texts += ["The council's envoy met nobody at noon in the capital."] * 6
    corpus = framelens.read_corpus(pd.DataFrame({"source": ["A"] * 6 + ["B"] * 6, "text": texts}))
    out = suggest_terms(corpus, "conflict_actors", min_count=3, min_docs=3, top=100, n_examples=0)
    edges = [w for t in out.term for w in (t.split()[0], t.split()[-1])]
    assert not [w for w in edges if w in ENGLISH_STOP_WORDS or (len(w) == 1 and not w.isdigit())]
    terms = set(out.loc[out.group == "A", "term"])
    assert not {"trump s", "junta s", "m et", "p m", "3 p m"} & terms
    assert {"trump s envoy", "junta s leaders"} <= terms  # a fragment inside a term is no edge
    for row in out.itertuples():
        recount = sum(len(re.findall(r"(?<!\w)" + r"\W+".join(row.term.split()) + r"(?!\w)", t.lower()))
                      for t, s in zip(texts, ["A"] * 6 + ["B"] * 6) if s == row.group)
        assert recount == row.count


def test_shorter_terms_mostly_inside_longer_ones_give_way():
    # "death" (52) is nearly always "death squads" (50 ≥ 0.8 · 52): dropped; "squads" (70) is used
    # well beyond it (50 < 0.8 · 70): kept
    keep = _drop_subsumed(["death", "death squads", "squads", "raids"], [52, 50, 70, 10])
    assert keep == [False, True, True, True]


def test_examples_match_across_punctuation_and_case():
    texts = ["They met the Death-Squads today.", "No match here.", "death squads again, and death  squads."]
    lines = examples_for(texts, [0, 1, 2], "death squads", n=3, window=2)
    # first one example per document, then more from the same documents
    assert lines == ["met the [Death-Squads] today.", "[death squads] again, and", "again, and [death squads]."]
    assert examples_for(texts, [1], "death squads") == []


def test_bad_parameters(sample):
    with pytest.raises(ParameterError, match="top"):
        suggest_terms(sample, "conflict_actors", top=0)
    with pytest.raises(ParameterError, match="outlet"):
        suggest_terms(sample, "conflict_actors", by="outlet")
    with pytest.raises(ParameterError, match="ngram_range"):
        suggest_terms(sample, "conflict_actors", ngram_range=(0, 2))
