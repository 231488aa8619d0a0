"""framelens.actors.tone: VADER tone per actor and group with document-bootstrap intervals; descriptors."""
from __future__ import annotations

import argparse
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as Oracle

import framelens
from framelens.actors import SkippedSentencesWarning, descriptors, plot_descriptors, plot_tone, sentiment_analyzer, tone
from framelens.actors.tone import bootstrap_mean
from framelens.compare.shares import resample_weights
from framelens.errors import ParameterError

POSITIVE = {"brave", "heroic", "courageous"}
NEGATIVE = {"brutal", "murderous", "cruel", "savage", "criminal"}


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def small():
    return framelens.read_corpus(pd.DataFrame({
        "doc_id": ["a1", "a2", "b1"],
        "source": ["A", "A", "B"],
        "text": [
            "The brave rebels saved the children. The army shelled the market.",
            "The rebels were praised for their courage. Nothing else happened today.",
            "The brutal rebels murdered villagers. The heroic army protected the town.",
        ],
    }))


def test_analyzer_is_nltk_vader_with_the_packaged_lexicon():
    oracle = Oracle()
    for text in ("The brutal regime killed 12 civilians.", "Crowds cheered the brave volunteers!",
                 "The talks were not a failure.", "Shelling resumed at dawn."):
        assert sentiment_analyzer().polarity_scores(text)["compound"] == pytest.approx(
            oracle.polarity_scores(text)["compound"], abs=1e-4)
    import nltk.sentiment.vader

    assert isinstance(sentiment_analyzer(), nltk.sentiment.vader.SentimentIntensityAnalyzer)


def test_tone_by_hand(small):
    oracle = Oracle()
    t = tone(small, n_boot=0).set_index(["group", "family"])
    sentences = {
        ("A", "armed_opposition"): ["The brave rebels saved the children.", "The rebels were praised for their courage."],
        ("A", "government_side"): ["The army shelled the market."],
        ("B", "armed_opposition"): ["The brutal rebels murdered villagers."],
        ("B", "government_side"): ["The heroic army protected the town."],
    }
    for key, texts in sentences.items():
        expected = np.mean([oracle.polarity_scores(s)["compound"] for s in texts])
        assert t.loc[key, "tone"] == pytest.approx(expected, abs=1e-4)
        assert t.loc[key, "n"] == len(texts)
    assert t.loc[("A", "armed_opposition"), "n_docs"] == 2
    assert t.loc[("A", "civilians"), "n"] == 1  # "children"
    assert np.isnan(t.loc[("B", "civilians"), "tone"])
    assert t.loc[("B", "civilians"), "note"] == "no mention"
    assert list(tone(small, n_boot=0).columns[:6]) == ["group", "family", "tone", "lower", "upper", "n"]


def test_window_scores_the_tokens_around_each_mention(small):
    oracle = Oracle()
    t = tone(small, window=2, n_boot=0, families=["government_side"]).set_index("group")
    # "army" ± 2 word tokens: "market. The army shelled the" is cut at the tokens, punctuation included
    assert t.loc["A", "tone"] == pytest.approx(oracle.polarity_scores(". The army shelled the")["compound"], abs=1e-4)
    assert t.loc["B", "tone"] == pytest.approx(oracle.polarity_scores("The heroic army protected the")["compound"], abs=1e-4)


def test_bootstrap_is_a_document_bootstrap():
    sums, counts = np.array([1.2, -0.4, 0.3, 0.9, -1.0]), np.array([2.0, 1.0, 1.0, 3.0, 2.0])
    mean, lo, hi = bootstrap_mean(sums, counts, n_boot=500, ci=0.9, rng=np.random.default_rng(7))
    assert mean == pytest.approx(1.0 / 9.0)
    # the same replicates drawn by hand: documents with replacement, ratio of sums
    draws = np.random.default_rng(7).integers(0, 5, size=(500, 5))
    ratios = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    assert (lo, hi) == pytest.approx(tuple(np.quantile(ratios, [0.05, 0.95])))
    w = resample_weights(5, 500, np.random.default_rng(7))
    assert np.allclose(w.sum(axis=1), 5)
    # identical documents: no uncertainty
    assert bootstrap_mean(np.full(4, 0.5), np.ones(4), n_boot=100, ci=0.95, rng=np.random.default_rng(0)) == (0.5, 0.5, 0.5)


def test_tone_is_reproducible_and_checks_parameters(small):
    a = tone(small, n_boot=200, seed=3)
    b = tone(small, n_boot=200, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["framelens"]["params"]["seed"] == 3
    with pytest.raises(ParameterError):
        tone(small, window=-1)
    with pytest.raises(ParameterError):
        tone(small, ci=1.5)
    with pytest.raises(ParameterError):
        tone(small, families=["nobody"])
    with pytest.raises(ParameterError):
        tone(small, by="no_such_column")


def test_tone_recovers_the_planted_tone_for_every_outlet(sample):
    key = framelens.datasets.sample_answer_key()
    planted = key[key["dimension"] == "tone"]
    t = tone(sample, n_boot=300).set_index(["group", "family"])
    assert len(planted) == 12
    for row in planted.itertuples():
        value = t.loc[(row.source, row.family), "tone"]
        assert ("positive" if value > 0 else "negative") == row.planted, (row.source, row.family, value)
    # the planted praise and condemnation are clear: the intervals exclude zero
    for source, family in (("Free Karvia Voice", "armed_opposition"), ("Karvia Sentinel", "government_side"),
                           ("Karvian National Telegraph", "armed_opposition")):
        lo, hi = t.loc[(source, family), ["lower", "upper"]]
        assert lo < t.loc[(source, family), "tone"] < hi and (lo > 0 or hi < 0)


def test_non_english_text_is_skipped_not_scored():
    corpus = framelens.read_corpus(pd.DataFrame({"source": ["A", "A"], "text": [
        "The brave rebels saved the town.",
        "Los rebeldes valientes salvaron la ciudad después de una larga batalla contra el ejército y sus aliados.",
    ]}))
    with pytest.warns(SkippedSentencesWarning, match="non_english"):
        t = tone(corpus, n_boot=0)
    assert t.set_index("family").loc["armed_opposition", "n"] == 1
    assert t.attrs["framelens"]["skipped"]["non_english"] == 1


# ---------------------------------------------------------------------------------------------
def test_descriptors_of_the_sample(sample):
    d = descriptors(sample, top=5)
    lean = {"Free Karvia Voice": ("armed_opposition", "government_side"),
            "The Marn Courier": ("armed_opposition", "government_side"),
            "Karvia Sentinel": ("government_side", "armed_opposition"),
            "Karvian National Telegraph": ("government_side", "armed_opposition")}
    for outlet, (praised, condemned) in lean.items():
        good = d[(d["group"] == outlet) & (d["family"] == praised)]["descriptor"].head(3)
        bad = d[(d["group"] == outlet) & (d["family"] == condemned)]["descriptor"].head(3)
        assert set(good) <= POSITIVE, (outlet, list(good))
        assert set(bad) <= NEGATIVE, (outlet, list(bad))
    # the neutral outlets plant no tone: no evaluative adjective is key for them
    neutral = d[d["group"].isin(["Orvane Wire", "Continental Observer"])]
    assert not set(neutral["descriptor"]) & (POSITIVE | NEGATIVE)


def test_descriptors_count_by_hand_and_flag_cross_family_terms():
    corpus = framelens.read_corpus(pd.DataFrame({"source": ["A", "A", "B", "B"], "text": [
        "The terrorist regime shelled the town. The brutal regime lied.",
        "The terrorist regime attacked again. The army left.",
        "The army shelled the town. The regime said nothing.",
        "Brutal rebels attacked. The army said so.",
    ]}))
    d = descriptors(corpus, min_count=1).set_index(["group", "family", "descriptor"])
    row = d.loc[("A", "government_side", "terrorist")]
    assert row["count"] == 2 and row["count_other"] == 0
    assert bool(row["cross_family"]) and row["descriptor_family"] == "armed_opposition"
    # A mentions the government side 4 times (regime ×3, army ×1): share 2 / 4
    assert row["share"] == pytest.approx(0.5)
    assert row["example"] == "terrorist regime"
    assert not bool(d.loc[("A", "government_side", "brutal"), "cross_family"])
    # "said" is not a descriptor, "Brutal" is (lower-cased), for the armed opposition in B
    assert ("B", "armed_opposition", "brutal") in d.index
    assert not any(i[2] in {"said", "shelled", "the"} for i in d.index)


def test_plots_are_figures_outside_pyplot(sample):
    before = plt.get_fignums()
    t = tone(sample, n_boot=100)
    fig = plot_tone(t)
    labels = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    assert labels[:2] == ["armed_opposition", "government_side"]
    assert len(fig.axes[0].lines) + len(fig.axes[0].collections) > 0
    fig2 = plot_descriptors(descriptors(sample), "Free Karvia Voice", family="government_side")
    assert fig2.axes[0].get_title(loc="left") == "Free Karvia Voice · government_side"
    assert plt.get_fignums() == before
    with pytest.raises(ParameterError):
        plot_tone(t, families=["nobody"])


def test_cli_tone(tmp_path):
    from framelens.cli.actors import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="verb"))
    out = tmp_path / "tone.csv"
    args = parser.parse_args(["tone", "sample", "--n-boot", "50", "--out", str(out)])
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedSentencesWarning)
        assert args.func(args) == 0
    t = pd.read_csv(out)
    assert list(t.columns[:6]) == ["group", "family", "tone", "lower", "upper", "n"]
    assert t["group"].nunique() == 6


def test_a_group_with_one_document_says_why_it_has_no_interval():
    # the interval resamples documents: a single long report gave NaN bounds and an empty note
    text = " ".join(["The brutal regime shelled the town again."] * 12)
    corpus = framelens.read_corpus(pd.DataFrame({"text": [text, text, "The rebels held the bridge."],
                                                 "source": ["A", "A", "B"]}))
    corpus_one = framelens.read_corpus(pd.DataFrame({"text": [text], "source": ["A"]}))
    t = tone(corpus_one, n_boot=50, families=["government_side"]).iloc[0]
    assert t["n"] == 12 and t["n_docs"] == 1 and np.isnan(t["lower"]) and np.isnan(t["upper"])
    assert t["note"] == "one document: no interval"
    two = tone(corpus, n_boot=50, families=["government_side", "armed_opposition"]).set_index(["group", "family"])
    assert two.loc[("A", "government_side"), "note"] == ""
    assert two.loc[("B", "armed_opposition"), "note"] == "only 1 scored sentence(s); one document: no interval"


def test_tone_and_descriptors_list_numeric_groups_in_numeric_order():
    corpus = framelens.datasets.load_sample()
    corpus.docs["wave"] = np.arange(len(corpus)) % 11 + 1  # 1 … 11: as text, "10" would come before "2"
    waves = [str(w) for w in range(1, 12)]
    t = tone(corpus, "conflict_actors", by="wave", n_boot=0)
    assert list(dict.fromkeys(t["group"])) == waves
    d = descriptors(corpus, "conflict_actors", by="wave", min_count=1)
    listed = list(dict.fromkeys(d["group"]))
    assert len(listed) > 2 and listed == [w for w in waves if w in set(listed)]
    # the same groups as framelens.score, in its order
    assert framelens.score(corpus, "conflict_actors", by="wave")["wave"].tolist() == waves
