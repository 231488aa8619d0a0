"""match, score, kwic and LexiconVectorizer on realistic text, with counts worked out by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import framelens
from framelens.corpus import CorpusWarning
from framelens.errors import ParameterError

from conftest import mini_lexicon


@pytest.fixture
def corpus(news_frame):
    return framelens.read_corpus(news_frame, text="body", source="outlet", id="id", date="published", title="headline")


def test_match_rows_are_hits_with_offsets_and_sentences(corpus):
    hits = framelens.match(corpus, mini_lexicon())
    assert list(hits.columns) == ["doc_id", "sentence", "start", "end", "family", "label", "matched"]
    h1 = hits[hits.doc_id == "h1"]
    # "Insurgents struck an army post. Pro-government forces claimed 12 insurgents were killed."
    assert h1[["sentence", "label", "matched"]].values.tolist() == [
        [0, "insurgents", "Insurgents"], [0, "army", "army"],
        [1, "pro_government_forces", "Pro-government forces"], [1, "insurgents", "insurgents"],
    ]
    text = corpus.docs.set_index("doc_id").loc["h1", "text"]
    for row in h1.itertuples():
        assert text[row.start:row.end] == row.matched
    assert "government_forces" not in h1["label"].tolist()  # no double count inside pro-government forces


def test_match_sentence_numbers_agree_with_the_sentence_spans():
    """Every hit lies in the sentence its ``sentence`` column names (whole sample corpus; also
    documents that start with blank lines and hits between sentences get the one before, or 0)."""
    sample = framelens.datasets.load_sample()
    extra = pd.DataFrame({"doc_id": ["lead", "empty"], "text": ["\n\n  Rebels attacked.\n\nThe army left. Rebels", ""],
                          "source": ["x", "x"]})
    docs = pd.concat([sample.docs[["doc_id", "text", "source"]].head(300), extra], ignore_index=True)
    with pytest.warns(CorpusWarning, match="1 × empty"):
        corpus = framelens.read_corpus(docs)
    hits = framelens.match(corpus, "conflict_actors")
    spans = dict(zip(corpus.doc_ids, corpus.sentence_spans()))
    for row in hits.itertuples():
        starts = [s for s, _ in spans[row.doc_id]]
        expected = max(sum(s <= row.start for s in starts) - 1, 0)  # the last sentence starting at or before it
        assert row.sentence == expected, row
    lead = hits[hits.doc_id == "lead"]
    assert lead["sentence"].tolist() == [0, 1, 2] and lead["matched"].tolist() == ["Rebels", "army", "Rebels"]
    assert hits["sentence"].max() >= 3 and len(hits) > 1000


@pytest.mark.parametrize("pattern", ["hospital*", "terrorists", "said"])
def test_match_splits_only_the_documents_it_needs(pattern):
    """A rare term splits only the documents it hits (and the corpus keeps no partial sentences);
    a common one splits the whole corpus once and keeps it. The numbers are the same either way:
    each hit's sentence is the last one starting at or before it, by text.sentence_spans."""
    from framelens.lexicon.model import Family, Label, Lexicon, Pattern
    from framelens.text import sentence_spans

    lex = Lexicon("one", "1", (Family("f", (Label("term", (Pattern(pattern),)),)),))
    sample = framelens.datasets.load_sample()
    corpus = framelens.read_corpus(sample.docs)  # a fresh corpus: no sentences yet
    hits = framelens.match(corpus, lex)
    hit_docs = hits["doc_id"].nunique()
    assert 0 < hit_docs < len(corpus)
    assert ("sentence_bounds" in corpus._cache) == (2 * hit_docs >= len(corpus))
    texts = dict(zip(corpus.doc_ids, corpus.texts))
    for row in hits.itertuples():
        starts = [a for a, _ in sentence_spans(texts[row.doc_id])]
        assert row.sentence == max(sum(a <= row.start for a in starts) - 1, 0), row
    corpus.sentence_spans()  # once the corpus has its sentences, they are used: same numbers
    assert framelens.match(corpus, lex)["sentence"].tolist() == hits["sentence"].tolist()


def test_score_per_document_counts_rates_shares(corpus):
    s = framelens.score(corpus, mini_lexicon()).set_index("doc_id")
    # w2: "Government forces retook the town, the army said. Rebel fighters withdrew." → 11 word tokens
    assert s.loc["w2", "tokens"] == 11
    assert s.loc["w2", ["count_government_forces", "count_army", "count_rebels"]].tolist() == [1, 1, 1]
    assert s.loc["w2", "share_army"] == pytest.approx(0.5)
    assert s.loc["w2", "share_rebels"] == pytest.approx(1.0)
    assert s.loc["w2", "share_terrorists"] == 0.0
    alone = framelens.score(pd.DataFrame({"text": ["Rebels only."], "source": ["X"]}), mini_lexicon())
    assert alone.loc[0, "share_rebels"] == 1.0 and np.isnan(alone.loc[0, "share_army"])  # family without hits
    assert s.loc["w2", "rate_army"] == pytest.approx(1000 / 11)
    assert s.loc["w2", "hits"] == 3


def test_score_by_group_sums_documents(corpus):
    s = framelens.score(corpus, mini_lexicon(), by="source").set_index("source")
    assert s.loc["Post", "n_docs"] == 2
    # Post: p1 terrorists ×2 + army; p2 rebel fighters + regime forces
    assert s.loc["Post", ["count_terrorists", "count_rebels", "count_army", "count_regime_forces"]].tolist() == [2, 1, 1, 1]
    assert s.loc["Post", "share_terrorists"] == pytest.approx(2 / 3)
    assert s.loc["Post", "share_army"] == pytest.approx(1 / 2)
    per_doc = framelens.score(corpus, mini_lexicon())
    assert s["tokens"].sum() == per_doc["tokens"].sum()
    assert s.attrs["framelens"]["corpus"]["sha256"] == corpus.fingerprint


def test_score_long_shape_and_multi_key_by(corpus):
    long = framelens.score(corpus, mini_lexicon(), by=["source", "month"], shape="long")
    assert {"source", "month", "family", "label", "count", "rate", "share", "tokens"} <= set(long.columns)
    wire_march = long[(long.source == "Wire") & (long.month == "2024-03")].set_index("label")
    assert wire_march.loc["rebels", "count"] == 2 and wire_march.loc["army", "count"] == 2
    assert wire_march.loc["army", "share"] == pytest.approx(2 / 3)


def test_score_bad_by_fails_before_matching(corpus):
    with pytest.raises(ParameterError, match="no column 'outlet'"):
        framelens.score(corpus, mini_lexicon(), by="outlet")


def test_kwic_pattern_label_and_family(corpus):
    k = framelens.kwic(corpus, "insurgen*", window=3)
    assert k["keyword"].tolist() == ["Insurgents", "insurgents"]
    assert k.iloc[1][["left", "right"]].tolist() == ["forces claimed 12", "were killed."]  # context as written, 3 tokens ("." is one)
    by_label = framelens.kwic(corpus, "army", lexicon=mini_lexicon(), window=2)
    assert len(by_label) == 4 and set(by_label["label"]) == {"army"}
    by_family = framelens.kwic(corpus, "government_side", lexicon=mini_lexicon(), window=0)
    assert by_family["left"].eq("").all() and set(by_family["label"]) == {"army", "regime_forces", "pro_government_forces", "government_forces"}


def test_vectorizer_in_a_pipeline(corpus):
    texts = corpus.texts
    y = corpus.docs["source"].to_numpy()
    vec = framelens.LexiconVectorizer(mini_lexicon())
    X = vec.fit_transform(texts)
    assert X.shape == (6, 7)
    assert vec.get_feature_names_out()[0] == "armed_opposition__rebels"
    counts = framelens.score(corpus, mini_lexicon())
    np.testing.assert_array_equal(X.toarray(), counts.filter(like="count_").to_numpy())
    pipe = make_pipeline(framelens.LexiconVectorizer(mini_lexicon()), LogisticRegression()).fit(texts, y)
    assert pipe.predict(texts).shape == (6,)
    assert clone(vec).get_params()["lexicon"] == vec.lexicon  # clone deep-copies; lexicons compare by content
    rates = framelens.LexiconVectorizer(mini_lexicon(), normalize="rate").fit_transform(texts).toarray()
    np.testing.assert_allclose(rates, counts.filter(like="rate_").fillna(0).to_numpy())


def test_vectorizer_rejects_non_text():
    with pytest.raises(ParameterError, match="single string"):
        framelens.LexiconVectorizer(mini_lexicon()).fit("rebels")
    with pytest.raises(ParameterError, match="shape"):
        framelens.LexiconVectorizer(mini_lexicon()).fit(np.zeros((3, 2)))


# -- the embedded corpus: the done-criteria of the core toolkit -------------------------------------
def test_score_recovers_every_planted_label_on_the_sample():
    corpus = framelens.datasets.load_sample()
    key = framelens.datasets.sample_answer_key()
    planted = key[key.dimension == "label"]
    assert len(planted) >= 12 and planted["source"].nunique() >= 6
    lexicon = framelens.load_lexicon("conflict_actors")
    scores = framelens.score(corpus, lexicon, by="source").set_index("source")
    for row in planted.itertuples():
        cols = [f"share_{lab}" for lab in lexicon.family(row.family).label_ids()]
        winner = scores.loc[row.source, cols].astype(float).idxmax().removeprefix("share_")
        assert winner == row.planted, (row.source, row.family, winner, row.planted)


def test_engines_agree_on_the_sample():
    from framelens.matching import available_engines

    if "hyperscan" not in available_engines():
        pytest.skip("hyperscan is not installed on this platform; only the python engine runs")
    corpus = framelens.datasets.load_sample()
    for name in ("conflict_actors", "attribution", "violence_casualties", "hedges_certainty"):
        fast = framelens.match(corpus, name, engine="hyperscan")
        slow = framelens.match(corpus, name, engine="python")
        assert len(fast) > 100
        pd.testing.assert_frame_equal(fast, slow)


# ---------------------------------------------------------------------------------------------
# scoring without scikit-learn; array helpers against hand-computed values
# ---------------------------------------------------------------------------------------------
def test_vectorizer_lives_in_its_own_module_and_scoring_imports_no_sklearn():
    import subprocess
    import sys

    import framelens.scoring
    import framelens.vectorizer

    assert framelens.LexiconVectorizer is framelens.vectorizer.LexiconVectorizer
    assert framelens.scoring.LexiconVectorizer is framelens.vectorizer.LexiconVectorizer
    with pytest.raises(AttributeError):
        framelens.scoring.NoSuchThing  # noqa: B018
    script = ("import sys, framelens\n"
              "s = framelens.score(framelens.datasets.load_sample(), 'conflict_actors')\n"
              "heavy = sorted(m for m in ('sklearn', 'scipy', 'nltk') if m in sys.modules)\n"
              "assert not heavy, heavy\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr


def test_shares_and_rates_arrays_by_hand():
    from framelens.scoring import _rates_array, _shares_array

    counts = np.array([[2, 1, 0, 3], [0, 0, 0, 5], [0, 0, 0, 0]])
    family = np.array([0, 0, 1, 1])
    shares = _shares_array(counts, family)
    expected = np.array([[2 / 3, 1 / 3, 0.0, 1.0], [np.nan, np.nan, 0.0, 1.0], [np.nan] * 4])
    np.testing.assert_array_equal(shares, expected)
    order = [3, 0, 2, 1]  # families not in column order: the indicator product, same values
    np.testing.assert_array_equal(_shares_array(counts[:, order], family[order]), expected[:, order])
    rates = _rates_array(counts, np.array([10, 0, 4]))
    np.testing.assert_array_equal(rates, [[200.0, 100.0, 0.0, 300.0], [np.nan] * 4, [0.0] * 4])


def test_score_table_is_score_without_provenance(corpus):
    from framelens.scoring import _score_table

    expected = framelens.score(corpus, mini_lexicon(), by="source")
    got = _score_table(corpus, mini_lexicon(), "source")
    pd.testing.assert_frame_equal(got, expected)
    assert got.attrs == {} and expected.attrs["framelens"]["corpus"]["sha256"] == corpus.fingerprint
    # tokens counted in the matching pass equal count_tokens, and are cached for other callers
    assert corpus._cache["tokens"].tolist() == [framelens.text.count_tokens(t) for t in corpus.texts]


def test_score_per_sentence_by_hand(corpus):
    """unit="sentence": one row per sentence, counted as if the sentence were a document of its own."""
    s = framelens.score(corpus, mini_lexicon(), unit="sentence")
    w2 = s[s["doc_id"] == "w2"].reset_index(drop=True)
    # "Government forces retook the town, the army said. Rebel fighters withdrew."
    assert w2[["sentence", "start", "end", "sentence_text"]].values.tolist() == [
        [0, 0, 49, "Government forces retook the town, the army said."], [1, 50, 74, "Rebel fighters withdrew."]]
    assert w2["tokens"].tolist() == [8, 3]  # 11 in the document, as the per-document test counts them
    assert w2[["count_government_forces", "count_army", "count_rebels"]].values.tolist() == [[1, 1, 0], [0, 0, 1]]
    assert w2.loc[0, "share_army"] == pytest.approx(0.5) and w2.loc[0, "rate_army"] == pytest.approx(1000 / 8)
    assert np.isnan(w2.loc[1, "share_army"]) and w2.loc[1, "share_rebels"] == 1.0
    assert s.attrs["framelens"]["params"]["unit"] == "sentence"
    # each sentence scores as a one-sentence document would: the independent route
    alone = framelens.score(pd.DataFrame({"doc_id": [f"{d}/{i}" for d, i in zip(s["doc_id"], s["sentence"])],
                                          "text": s["sentence_text"]}), mini_lexicon())
    labels = [c for c in s.columns if c.startswith(("count_", "rate_", "share_"))]
    pd.testing.assert_frame_equal(s[["tokens", "hits", *labels]], alone[["tokens", "hits", *labels]])
    # …and the sentences of a document add up to it
    docs = framelens.score(corpus, mini_lexicon()).set_index("doc_id")
    summed = s.groupby("doc_id")[["tokens", "hits", *[c for c in labels if c.startswith("count_")]]].sum()
    pd.testing.assert_frame_equal(summed, docs.loc[summed.index, summed.columns], check_names=False)
    for text, (_, rows) in zip(corpus.texts, s.groupby("doc_id", sort=False)):
        assert rows["sentence_text"].tolist() == framelens.text.split_sentences(text)
        assert all(text[a:b] == t for a, b, t in zip(rows["start"], rows["end"], rows["sentence_text"]))


def test_score_per_sentence_long_shape_and_bad_units(corpus):
    long = framelens.score(corpus, mini_lexicon(), unit="sentence", shape="long")
    assert list(long.columns[:6]) == ["doc_id", "source", "sentence", "start", "end", "sentence_text"]
    assert len(long) == 11 * len(mini_lexicon().label_ids())  # 11 sentences in the six reports
    # the notebook display says what a row is
    assert "one row per (sentence, label)" in long._repr_html_()
    assert "one row per sentence" in framelens.score(corpus, mini_lexicon(), unit="sentence")._repr_html_()
    with pytest.raises(ParameterError, match="unit must be one of"):
        framelens.score(corpus, mini_lexicon(), unit="paragraph")
    with pytest.raises(ParameterError, match="unit='sentence' scores each sentence and by='source' groups"):
        framelens.score(corpus, mini_lexicon(), by="source", unit="sentence")


def test_a_match_without_hits_has_text_columns():
    hits = framelens.match(pd.DataFrame({"text": ["Nothing to see."]}), mini_lexicon())
    assert hits.empty and all(pd.api.types.is_string_dtype(hits[c]) for c in ("doc_id", "family", "label", "matched"))
    assert hits["matched"].str.len().sum() == 0  # the .str accessor works (a float column had none)
