"""Story-controlled comparisons: CMH, stratified permutation, story bootstrap, decomposition, keyness.

Oracles: the CMH statistic and Mantel–Haenszel odds ratio computed by hand on a 2 × 2 × 3 table and
statsmodels' StratifiedTable on random tables; the decomposition's parts recomputed from their
definitions and checked to add up; the permutation test's null distribution simulated on data with a
selection effect but no within-story difference; the per-story log-odds against keyness_from_counts.
On the sample corpus, the planted selection (Karvia Sentinel) and planted labels are separated.
"""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, kstest

import framelens
from framelens.compare.keyness import keyness_from_counts
from framelens.compare.shares import permutation_share_difference
from framelens.compare.stories import StoryWarning, stories
from framelens.compare.stratified import (
    cmh_terms,
    cmh_test,
    decompose,
    decomposition,
    keyness_within,
    plot_decomposition,
    shares_within,
    shares_within_test,
    standardised_shares,
    stratified_permutation,
)
from framelens.errors import InputError, ParameterError
from framelens.lexicon.model import Family, Label, Lexicon, Pattern

LEX = Lexicon(name="toy", version="1", families=(
    Family("actors", tuple(Label(w, (Pattern(w),)) for w in ("rebels", "militants", "insurgents"))),
))


def toy_corpus(rows: list[tuple[str, str, int, int]], dates: bool = True, name_story: bool = False) -> framelens.Corpus:
    """One document per (story, source, rebels, militants) row: the words repeated that often
    (with ``name_story``, the text also names its story, so that stories() can find it)."""
    docs = []
    for k, (story, source, rebels, militants) in enumerate(rows):
        words = ["The"] + ["rebels"] * rebels + ["militants"] * militants + ["attacked."]
        docs.append({"doc_id": f"d{k}", "source": source, "story": story,
                     "date": f"2024-01-{1 + k % 20:02d}" if dates else None,
                     "text": " ".join(([f"In {story}:"] if name_story else []) + words)})
    return framelens.read_corpus(pd.DataFrame(docs))


#: a 2 × 2 × 3 table written out by hand: per story, A's and B's (rebels, militants) hits
HAND = [("s1", "A", 5, 1), ("s1", "B", 2, 4), ("s2", "A", 3, 3), ("s2", "B", 1, 5), ("s3", "A", 4, 2), ("s3", "B", 3, 3)]


# ---------------------------------------------------------------------------------------------
# CMH
def test_cmh_equals_the_hand_computation():
    # By hand: per story E[a] = n_A m_1 / N, Var[a] = n_A n_B m_1 m_2 / (N² (N − 1)):
    # s1: E 3.5, V 1260/1584; s2: E 2, V 1152/1584; s3: E 3.5, V 1260/1584.
    # Σa = 12, ΣE = 9, ΣV = 3672/1584, so χ²_MH = 9 / (3672/1584) = 3.88235…
    # MH odds ratio = Σ a d / N ÷ Σ b c / N = (20 + 15 + 12)/12 ÷ (2 + 3 + 6)/12 = 47/11.
    statistic, odds_ratio = 9 / (3672 / 1584), 47 / 11
    t = shares_within_test(toy_corpus(HAND), LEX, "actors", story="story")
    rebels = t.set_index("label").loc["rebels"]
    assert rebels["test"] == "cmh" and (rebels["group_a"], rebels["group_b"]) == ("A", "B")
    assert rebels["statistic"] == pytest.approx(statistic)
    assert rebels["p"] == pytest.approx(chi2.sf(statistic, 1))
    assert rebels["odds_ratio"] == pytest.approx(odds_ratio)
    assert rebels["n_stories"] == 3
    militants = t.set_index("label").loc["militants"]  # the complementary label: same test, inverse odds
    assert militants["statistic"] == pytest.approx(statistic) and militants["odds_ratio"] == pytest.approx(1 / odds_ratio)
    assert "never" in t.set_index("label").loc["insurgents", "note"] and np.isnan(t.set_index("label").loc["insurgents", "p"])


def test_cmh_test_and_vectorised_cmh_agree_with_statsmodels():
    from statsmodels.stats.contingency_tables import StratifiedTable

    rng = np.random.default_rng(7)
    for _ in range(20):
        K = rng.integers(2, 8)
        tables = rng.integers(0, 15, size=(2, 2, K)).astype(float) + np.array([[1, 0], [0, 1]])[:, :, None]
        st = StratifiedTable(tables)
        ours = cmh_test(tables)
        assert ours["statistic"] == pytest.approx(st.test_null_odds().statistic)
        assert ours["odds_ratio"] == pytest.approx(st.oddsratio_pooled)
        assert ours["homogeneity_p"] == pytest.approx(st.test_equal_odds().pvalue)
        # the per-term version used by keyness_within: y = term counts, n = totals per story
        odds, signed, p = cmh_terms(tables[0, 0][:, None], tables[1, 0][:, None], tables[0].sum(axis=0), tables[1].sum(axis=0))
        assert abs(signed[0]) == pytest.approx(ours["statistic"]) and p[0] == pytest.approx(ours["p"])
        assert odds[0] == pytest.approx(ours["odds_ratio"])


def test_cmh_drops_strata_with_an_empty_row():
    tables = np.zeros((2, 2, 3))
    tables[:, :, 0] = [[5, 1], [2, 4]]
    tables[:, :, 1] = [[3, 3], [0, 0]]  # B absent from this story: no information
    tables[:, :, 2] = [[4, 2], [3, 3]]
    assert cmh_test(tables)["n_strata"] == 2
    assert cmh_test(tables)["statistic"] == pytest.approx(cmh_test(tables[:, :, [0, 2]])["statistic"])


# ---------------------------------------------------------------------------------------------
# stratified permutation
def simulate(rng: np.random.Generator, effect: float = 0.0, K: int = 20):
    """Stories with very different label rates; group 0 covers only the high-rate stories
    (selection). Every document draws its own propensity around its story's rate (hits cluster in
    documents); group 0 adds ``effect`` to it (a within-story difference when ≠ 0)."""
    counts, hits, group, story = [], [], [], []
    rates = rng.uniform(0.05, 0.6, K)
    for s, r in enumerate(rates):
        per_group = [4 if r > 0.3 else 0, 2, 2]
        for g, n_docs in enumerate(per_group):
            for _ in range(n_docs):
                n = rng.poisson(4) + 1
                p = np.clip(rng.beta(8 * r, 8 * (1 - r)) + (effect if g == 0 else 0.0), 0, 1)
                a = rng.binomial(n, p)
                counts.append([a, n - a]), hits.append(n), group.append(g), story.append(s)
    return np.array(counts, float), np.array(hits, float), np.array(group), np.array(story)


def test_stratified_permutation_p_values_are_uniform_without_a_within_story_difference():
    rng = np.random.default_rng(11)
    stratified, pooled = [], []
    for _ in range(200):
        counts, hits, group, story = simulate(rng)
        _, p = stratified_permutation(counts, hits, group, story, 3, n_perm=199, rng=rng)
        stratified.append(p[0])
        # the same data compared without strata: group 0 against the rest, documents exchangeable
        pooled.append(permutation_share_difference(counts[group == 0], counts[group != 0], n_perm=199, rng=rng)[2][0])
    stratified, pooled = np.array(stratified), np.array(pooled)
    # 200 draws of a uniform: P(p ≤ 0.05) = 0.05 (binomial sd 0.015); the KS test does not reject
    assert 0.01 <= (stratified <= 0.05).mean() <= 0.10
    assert kstest(stratified, "uniform").pvalue > 0.01
    # ignoring the stories, selection alone makes group 0 look different most of the time
    assert (pooled <= 0.05).mean() > 0.5


def test_stratified_permutation_detects_a_within_story_difference():
    rng = np.random.default_rng(5)
    ps = [stratified_permutation(*simulate(rng, effect=0.2), 3, n_perm=199, rng=rng)[1][0] for _ in range(20)]
    assert np.mean(np.array(ps) <= 0.05) >= 0.8


def test_permutations_keep_every_document_in_its_story():
    # each story is covered by one group only: moving documents between groups inside a story
    # changes nothing, so every permuted statistic equals the observed one and p is exactly 1
    rng = np.random.default_rng(0)
    story = np.repeat(np.arange(6), 4)
    group = np.repeat([0, 1, 2, 0, 1, 2], 4)
    hits = rng.integers(1, 6, len(story)).astype(float)
    a = np.minimum(hits, np.where(group == 0, hits, rng.integers(0, 2, len(story))))
    stat, p = stratified_permutation(np.stack([a, hits - a], axis=1), hits, group, story, 3, n_perm=500, rng=rng)
    assert stat[0] > 0 and p.tolist() == [1.0, 1.0]


def test_shares_within_test_uses_the_permutation_test_for_several_groups():
    rows = HAND + [("s1", "C", 3, 3), ("s2", "C", 2, 4), ("s3", "C", 3, 3)]
    t = shares_within_test(toy_corpus(rows), LEX, "actors", story="story", n_perm=999)
    assert set(t["test"]) == {"permutation"} and t["groups"].iloc[0] == "A; B; C"
    assert (t["n_perm"] == 999).all() and t["p"].iloc[0] >= 1 / 1000
    with pytest.raises(ParameterError, match="two groups"):
        shares_within_test(toy_corpus(rows), LEX, "actors", story="story", test="cmh")
    two = shares_within_test(toy_corpus(rows), LEX, "actors", story="story", groups=["A", "B"])
    assert set(two["test"]) == {"cmh"}


# ---------------------------------------------------------------------------------------------
# story-standardised shares and the story bootstrap
def test_shares_within_are_story_standardised():
    # A covers s1 twice as heavily as B; the standardised share weighs each story by its hits
    rows = [("s1", "A", 8, 2), ("s1", "A", 8, 2), ("s1", "B", 5, 5), ("s2", "A", 1, 1), ("s2", "B", 1, 9)]
    s = shares_within(toy_corpus(rows), LEX, "actors", story="story", n_boot=0).set_index(["group", "label"])
    v = np.array([30, 12])  # family hits per story over both groups
    assert s.loc[("A", "rebels"), "share"] == pytest.approx((v[0] * 16 / 20 + v[1] * 1 / 2) / v.sum())
    assert s.loc[("B", "rebels"), "share"] == pytest.approx((v[0] * 5 / 10 + v[1] * 1 / 10) / v.sum())
    assert s.loc[("A", "rebels"), "count"] == 17 and s.loc[("A", "rebels"), "family_hits"] == 22
    assert s.loc[("A", "rebels"), "n_stories"] == 2 and s.loc[("A", "rebels"), "n_docs"] == 3
    equal = shares_within(toy_corpus(rows), LEX, "actors", story="story", n_boot=0, weights="equal")
    assert equal.set_index(["group", "label"]).loc[("A", "rebels"), "share"] == pytest.approx((16 / 20 + 1 / 2) / 2)
    assert standardised_shares(np.array([[16.0, 4.0], [1.0, 1.0]]), np.array([20.0, 2.0]), v)[0] == pytest.approx(
        s.loc[("A", "rebels"), "share"])


def test_the_bootstrap_resamples_stories_not_documents():
    rng = np.random.default_rng(1)
    rows = [(f"s{k}", g, int(rng.integers(0, 6)), int(rng.integers(0, 6)) + 1) for k in range(12) for g in "AB"]
    once = shares_within(toy_corpus(rows), LEX, "actors", story="story", n_boot=500, seed=3)
    # every document twice: the same stories with twice the hits; a story bootstrap does not narrow
    twice = shares_within(toy_corpus(rows + rows), LEX, "actors", story="story", n_boot=500, seed=3)
    for col in ("share", "lower", "upper"):
        assert np.allclose(once[col], twice[col], equal_nan=True)
    assert (twice["family_hits"] == 2 * once["family_hits"]).all()
    ok = once["share"].notna() & (once["upper"] > once["lower"])
    assert ok.sum() >= 4 and ((once["lower"] <= once["share"]) & (once["share"] <= once["upper"]))[ok].all()
    assert list(once.columns) == ["group", "family", "label", "count", "share", "lower", "upper", "n_docs",
                                  "family_hits", "note", "n_stories"]


def test_no_story_bootstrap_interval_from_a_single_compared_story():
    # C has family hits in one compared story (s1) only: every replicate that draws s1 repeats its
    # within-story shares, so the interval would have zero width; A and B, in three stories, keep theirs
    rows = HAND + [("s1", "C", 2, 1), ("s2", "C", 0, 0), ("s3", "C", 0, 0)]
    s = shares_within(toy_corpus(rows), LEX, "actors", story="story", n_boot=400, seed=0)
    c = s[(s.group == "C") & (s.label == "rebels")].iloc[0]
    assert c["share"] == pytest.approx(2 / 3) and c["n_stories"] == 1
    assert np.isnan(c["lower"]) and np.isnan(c["upper"])
    assert "hits in only one compared story: no interval" in c["note"]
    a = s[(s.group == "A") & (s.label == "rebels")].iloc[0]
    assert a["lower"] < a["upper"] and "no interval" not in a["note"]


def test_stories_covered_by_one_group_are_left_out_and_counted():
    rows = HAND + [("s4", "A", 9, 0), ("s5", "A", 9, 0), ("s6", "B", 0, 9)]
    s = shares_within(toy_corpus(rows), LEX, "actors", story="story", n_boot=0)
    record = s.attrs["framelens"]["stories"]
    assert record["matched_stories"] == 3 and record["unmatched_stories"] == 3
    assert record["documents_in_unmatched_stories"] == 3 and record["story_source"] == "column 'story'"
    a = s[(s.group == "A") & (s.label == "rebels")].iloc[0]
    assert a["count"] == 12 and a["n_stories"] == 3  # s4, s5 left out
    assert "2 of its stories covered by no other group" in a["note"]


# ---------------------------------------------------------------------------------------------
# decomposition
def test_decomposition_parts_follow_their_definitions_and_add_up():
    rng = np.random.default_rng(4)
    for _ in range(50):
        K, L = 9, 3
        cg = rng.integers(0, 6, (K, L)).astype(float)
        cr = rng.integers(0, 9, (K, L)).astype(float)
        cg[rng.random(K) < 0.2] = 0  # stories the group did not cover
        cr[rng.random(K) < 0.2] = 0  # stories the reference did not cover
        hg, hr = cg.sum(axis=1), cr.sum(axis=1)
        if hg.sum() == 0 or hr.sum() == 0:
            continue
        d = decomposition(cg, hg, cr, hr)
        p_g, p_r = cg.sum(0) / hg.sum(), cr.sum(0) / hr.sum()
        w = hg / hg.sum()
        sel = sum(w[s] * (cr[s] / hr[s] - p_r) for s in range(K) if hg[s] and hr[s])
        fra = sum(w[s] * (cg[s] / hg[s] - cr[s] / hr[s]) for s in range(K) if hg[s] and hr[s])
        assert np.allclose(d["pooled_diff"], p_g - p_r)
        assert np.allclose(d["selection"], sel) and np.allclose(d["framing"], fra)
        assert np.allclose(d["selection"] + d["framing"] + d["unmatched"], d["pooled_diff"], atol=1e-12)


def test_no_selection_with_the_same_story_mix_and_no_framing_with_the_same_telling():
    cr = np.array([[8.0, 2.0], [1.0, 9.0], [5.0, 5.0]])  # the reference: 10 hits per story
    same_mix = np.array([[4.0, 1.0], [1.0, 4.0], [3.0, 2.0]])  # 5 hits per story: the same story mix
    d = decomposition(same_mix, same_mix.sum(1), cr, cr.sum(1))
    assert np.allclose(d["selection"], 0) and not np.allclose(d["framing"], 0)
    same_telling = cr * np.array([[3.0], [1.0], [0.0]])  # the reference's within-story shares, another mix
    d = decomposition(same_telling, same_telling.sum(1), cr, cr.sum(1))
    assert np.allclose(d["framing"], 0) and not np.allclose(d["selection"], 0)
    assert np.allclose(d["selection"], d["pooled_diff"])


def test_decompose_on_the_sample_separates_planted_selection_from_planted_labels():
    """The sample's answer key plants a label per outlet and family (dimension 'label') and one
    selection effect: the Karvia Sentinel covers mostly the opposition's atrocities, in which every
    outlet calls the armed opposition "militants" and "extremists" more (corpora/karvia/README.md).

    Claims: (1) each planted label shows up as framing — over 0.5 of the family's hits, at least ten
    times its selection part; (2) for the two story-dependent labels, the Sentinel's selection part
    is positive and the largest of the six outlets'."""
    corpus = framelens.datasets.load_sample()
    d = decompose(corpus, "conflict_actors", ["armed_opposition", "government_side"], story="event")
    assert np.allclose(d["selection"] + d["framing"] + d["unmatched"], d["pooled_diff"], atol=1e-12)
    key = framelens.datasets.sample_answer_key()
    planted = key[(key.dimension == "label") & key.family.isin(["armed_opposition", "government_side"])]
    rows = planted.merge(d, left_on=["source", "family", "planted"], right_on=["group", "family", "label"])
    assert len(rows) == 12
    assert (rows["framing"] > 0.5).all() and (rows["framing"] >= 10 * rows["selection"].abs()).all()
    selector = key.loc[key.dimension == "selection", "source"].item()
    assert selector == "Karvia Sentinel"
    for label in ("militants", "extremists"):
        sel = d[d.label == label].set_index("group")["selection"]
        assert sel.idxmax() == selector and sel[selector] > 0
    assert d.set_index(["group", "label"]).loc[(selector, "militants"), "selection"] > 0.03


def test_a_pure_selection_effect_shows_in_the_selection_part():
    """Keep only the Orvane Wire's reports on the opposition's atrocities: a pure selection choice.
    The pooled difference for "militants" hides two opposite parts: the story mix pushes it up, the
    Wire's own wording (it says "rebels") pushes it down."""
    corpus = framelens.datasets.load_sample()
    atrocities = ["E03_dorvask_market_shelling", "E07_ulmeny_massacre", "E11_gravin_executions",
                  "E12_nizhen_bus_station", "E16_pellar_shelling"]  # kind opp_atrocity in the README
    docs = corpus.docs
    sub = corpus.subset((docs["source"] != "Orvane Wire") | docs["event"].isin(atrocities))
    d = decompose(sub, "conflict_actors", "armed_opposition", story="event").set_index(["group", "label"])
    militants = d.loc[("Orvane Wire", "militants")]
    assert militants["selection"] > 0.1 and militants["framing"] < -0.1
    assert abs(militants["pooled_diff"]) < militants["selection"]
    rebels = d.loc[("Orvane Wire", "rebels")]
    assert rebels["framing"] > 0.5 and abs(rebels["selection"]) < 0.05


def test_decompose_against_a_reference_group_and_its_unmatched_stories():
    rows = HAND + [("s4", "A", 9, 0)]
    d = decompose(toy_corpus(rows), LEX, "actors", story="story", reference="B").set_index("label")
    assert set(decompose(toy_corpus(rows), LEX, "actors", story="story", reference="B")["group"]) == {"A"}
    assert d.loc["rebels", "n_unmatched"] == 1 and d.loc["rebels", "unmatched"] > 0
    assert d.loc["rebels", "share"] == pytest.approx(21 / 27) and d.loc["rebels", "share_ref"] == pytest.approx(6 / 18)
    assert d.loc["rebels", "pooled_diff"] == pytest.approx(21 / 27 - 6 / 18)
    assert "not covered by the reference" in d.loc["rebels", "note"]
    with pytest.raises(ParameterError, match="reference group 'Z'"):
        decompose(toy_corpus(rows), LEX, "actors", story="story", reference="Z")


def test_plot_decomposition_returns_a_figure_without_pyplot_state():
    d = decompose(framelens.datasets.load_sample(), "conflict_actors", "armed_opposition", story="event")
    before = plt.get_fignums()
    fig = plot_decomposition(d, top=3, groups=["Karvia Sentinel", "Orvane Wire"])
    assert plt.get_fignums() == before
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == ["Karvia Sentinel", "Orvane Wire"]
    assert len(visible[0].get_yticklabels()) == 3
    with pytest.raises(InputError):
        plot_decomposition(pd.DataFrame({"group": ["A"]}))
    two = decompose(framelens.datasets.load_sample(), "conflict_actors", ["armed_opposition", "civilians"], story="event")
    with pytest.raises(ParameterError, match="family"):
        plot_decomposition(two)


# ---------------------------------------------------------------------------------------------
# keyness within stories
def test_keyness_within_cmh_adjusts_over_the_terms_it_could_test():
    # "insurgents" never occurs: CMH has no variance, p is NaN, and it is no member of the BH family
    # (it used to enter with p = 1, inflating the other terms' p_adj). Oracle: statsmodels'
    # StratifiedTable per term, then multipletests over the testable terms.
    from statsmodels.stats.contingency_tables import StratifiedTable
    from statsmodels.stats.multitest import multipletests

    corpus = toy_corpus(HAND)
    k = keyness_within(corpus, lexicon=LEX, story="story", method="cmh")
    part = k[k.group == "A"].set_index("term")
    tokens = {(s, g): r + m + 2 for s, g, r, m in HAND}  # "The", the words, "attacked."
    p = {}
    for j, term in enumerate(("rebels", "militants")):
        tables = [[[row_a[2 + j], tokens[(s, "A")] - row_a[2 + j]], [row_b[2 + j], tokens[(s, "B")] - row_b[2 + j]]]
                  for s in ("s1", "s2", "s3")
                  for row_a in HAND if row_a[:2] == (s, "A") for row_b in HAND if row_b[:2] == (s, "B")]
        p[term] = StratifiedTable(np.array(tables, float).transpose(1, 2, 0)).test_null_odds(correction=False).pvalue
        assert part.loc[term, "p"] == pytest.approx(p[term], rel=1e-9)
    expected = multipletests([p["rebels"], p["militants"]], method="fdr_bh")[1]
    assert part.loc[["rebels", "militants"], "p_adj"].to_numpy() == pytest.approx(expected, rel=1e-9)
    assert np.isnan(part.loc["insurgents", "p"]) and np.isnan(part.loc["insurgents", "p_adj"])


def test_keyness_within_one_story_is_fightin_words_with_the_story_sized_prior():
    rows = [("s1", "A", 6, 1), ("s1", "A", 4, 2), ("s1", "B", 1, 5), ("s1", "B", 2, 2)]
    corpus = toy_corpus(rows)
    k = keyness_within(corpus, lexicon=LEX, story="story").set_index(["group", "term"])
    from framelens.compare._tables import document_tokens
    from framelens.scoring import count_matrix

    matrix, labels = count_matrix(corpus, LEX)
    table = np.stack([matrix[:2].toarray().sum(0), matrix[2:].toarray().sum(0)])
    tokens = np.array([document_tokens(corpus)[:2].sum(), document_tokens(corpus)[2:].sum()], float)
    ref = keyness_from_counts(table, labels, ["A", "B"], totals=tokens, tokens=tokens,
                              prior_scale=tokens.sum()).set_index(["group", "term"])
    for key in ref.index:
        assert k.loc[key, "log_odds"] == pytest.approx(ref.loc[key, "log_odds"])
        assert k.loc[key, "z"] == pytest.approx(ref.loc[key, "z"])
        assert k.loc[key, "count"] == ref.loc[key, "count"]


def test_keyness_within_combines_stories_and_finds_the_planted_labels():
    corpus = framelens.datasets.load_sample()
    k = keyness_within(corpus, lexicon="conflict_actors", story="event")
    key = framelens.datasets.sample_answer_key()
    planted = key[(key.dimension == "label") & (key.family == "armed_opposition")].set_index("source")["planted"]
    for outlet, label in planted.items():
        mine = k[(k.group == outlet) & (k.family == "armed_opposition")]
        assert mine.iloc[0]["term"] == label and mine.iloc[0]["z"] > 5  # its top term in the family
    assert (k["n_stories"] == 16).all()
    pooled = framelens.keyness(corpus, by="source", lexicon="conflict_actors")  # the same dtypes, within or not
    shared = [c for c in pooled.columns if c in k.columns]
    assert len(shared) >= 10 and {c: str(k[c].dtype) for c in shared} == {c: str(pooled[c].dtype) for c in shared}
    cmh = keyness_within(corpus, lexicon="conflict_actors", story="event", method="cmh", reference="Orvane Wire")
    row = cmh[(cmh.group == "Karvia Sentinel") & (cmh.term == "militants")].iloc[0]
    # oracle: statsmodels on the per-event 2 × 2 tables (militants / other word tokens × the two outlets)
    from statsmodels.stats.contingency_tables import StratifiedTable

    from framelens.compare._tables import document_tokens
    from framelens.scoring import count_matrix

    matrix, labels = count_matrix(corpus, "conflict_actors")
    frame = corpus.docs[["source", "event"]].assign(m=matrix[:, labels.index("militants")].toarray().ravel(),
                                                    n=document_tokens(corpus))
    sums = frame.groupby(["event", "source"])[["m", "n"]].sum()
    tables = np.stack([[[sums.loc[(e, o), "m"], sums.loc[(e, o), "n"] - sums.loc[(e, o), "m"]]
                        for o in ("Karvia Sentinel", "Orvane Wire")] for e in sorted(frame["event"].unique())], axis=2)
    st = StratifiedTable(tables.astype(float))
    assert row["reference"] == "Orvane Wire" and row["cmh"] == pytest.approx(st.test_null_odds().statistic)
    assert row["odds_ratio"] == pytest.approx(st.oddsratio_pooled) and row["p_adj"] < 1e-6
    words = keyness_within(corpus, story="event", ngram_range=(1, 2), min_count=10)
    assert words[words.group == "Karvian National Telegraph"].iloc[0]["term"] in ("terrorists", "bandits", "the terrorists")
    with pytest.raises(ParameterError, match="cmh"):
        keyness_within(corpus, story="event", method="chi2")
    with pytest.raises(ParameterError, match="pairs"):
        keyness_within(corpus, story="event", reference="pairs")


# ---------------------------------------------------------------------------------------------
# where the stories come from, and bad input
def test_the_default_story_column_falls_back_to_found_stories():
    corpus = framelens.datasets.load_sample()  # has 'event', not 'story'
    s = shares_within(corpus, "conflict_actors", "armed_opposition", n_boot=0)
    assert s.attrs["framelens"]["stories"]["story_source"].startswith("framelens.stories()")
    found = stories(corpus, column="event")
    given = shares_within(corpus, "conflict_actors", "armed_opposition", story=found, n_boot=0)
    by_column = shares_within(corpus, "conflict_actors", "armed_opposition", story="event", n_boot=0)
    assert np.allclose(given["share"], by_column["share"], equal_nan=True)
    with pytest.raises(ParameterError, match="no column 'evnt'"):
        shares_within(corpus, "conflict_actors", story="evnt")
    with pytest.warns(StoryWarning):
        other = stories(framelens.read_corpus(pd.DataFrame({"text": ["a b", "a b"], "source": ["X", "Y"]})))
    with pytest.raises(ParameterError, match="another corpus"):
        shares_within(corpus, "conflict_actors", story=other)


def test_a_single_outlet_has_nothing_to_compare():
    corpus = toy_corpus([(s, "A", r, m) for s, _, r, m in HAND])
    for call in (lambda: shares_within(corpus, LEX, story="story"), lambda: decompose(corpus, LEX, story="story"),
                 lambda: shares_within_test(corpus, LEX, story="story"), lambda: keyness_within(corpus, lexicon=LEX, story="story")):
        with pytest.raises(ParameterError, match="nothing to compare"):
            call()
    apart = toy_corpus([("s1", "A", 1, 1), ("s2", "B", 1, 1)])
    with pytest.raises(ParameterError, match="no story is covered by two groups"):
        shares_within(apart, LEX, story="story")


def test_found_stories_without_dates_warn_and_still_compare():
    corpus = toy_corpus(HAND, dates=False, name_story=True)
    with pytest.warns(StoryWarning, match="no date"):
        s = shares_within(corpus, LEX, "actors", story=None, n_boot=0)
    record = s.attrs["framelens"]["stories"]
    assert record["story_params"]["undated_documents"] == 6 and record["story_source"] == "framelens.stories()"
    assert record["matched_stories"] >= 1


def test_parameters_are_checked():
    corpus = toy_corpus(HAND)
    with pytest.raises(ParameterError, match="weights"):
        shares_within(corpus, LEX, story="story", weights="docs")
    with pytest.raises(ParameterError, match="ci"):
        shares_within(corpus, LEX, story="story", ci=95)
    with pytest.raises(ParameterError, match="test"):
        shares_within_test(corpus, LEX, story="story", test="fisher")
    with pytest.raises(ParameterError, match="group 'Z'"):
        shares_within_test(corpus, LEX, story="story", groups=["A", "Z"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to warn about with a given column
        shares_within_test(corpus, LEX, story="story")
