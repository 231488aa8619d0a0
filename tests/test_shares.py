"""Label shares with document-bootstrap intervals, and the permutation test between two groups.

Oracles: shares recomputed from the matcher's counts; a 200-corpus coverage simulation with a known
true share; the exact permutation distribution enumerated with itertools.
"""
from __future__ import annotations

import importlib
import itertools

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.compare import shares, shares_test
from framelens.compare.shares import bootstrap_shares, permutation_share_difference, resample_weights
from framelens.errors import ParameterError

shares_module = importlib.import_module("framelens.compare.shares")


# ---------------------------------------------------------------------------------------------
# the bootstrap core
def test_shares_are_ratios_of_summed_counts_within_each_family():
    counts = np.array([[3, 1, 0, 2], [2, 2, 0, 0], [4, 0, 1, 1], [1, 3, 0, 0]])
    share, lower, upper, hits = bootstrap_shares(counts, [[0, 1], [2, 3]], n_boot=500, rng=np.random.default_rng(1))
    assert share.tolist() == pytest.approx([10 / 16, 6 / 16, 1 / 4, 3 / 4])
    assert hits.tolist() == [16, 16, 4, 4]
    assert np.all(lower <= share) and np.all(share <= upper)
    assert lower[0] + upper[1] == pytest.approx(1.0)  # two labels: intervals mirror each other
    none = bootstrap_shares(counts, [[0, 1]], n_boot=0)
    assert np.isnan(none[1][:2]).all()


def test_a_family_without_hits_has_no_share():
    share, lower, upper, hits = bootstrap_shares(np.array([[0, 0], [0, 0]]), [[0, 1]], n_boot=100)
    assert np.isnan(share).all() and np.isnan(lower).all() and hits.tolist() == [0, 0]


def test_no_interval_when_one_document_holds_all_the_familys_hits():
    # 8 documents, hits (3, 1) in one of them: every replicate that has a hit repeats 0.75/0.25,
    # and a zero-width "95% interval" [0.75, 0.75] would claim what one document cannot show
    counts = np.zeros((8, 2))
    counts[0] = [3, 1]
    share, lower, upper, hits = bootstrap_shares(counts, [[0, 1]], n_boot=500, rng=np.random.default_rng(0))
    assert share.tolist() == [0.75, 0.25] and hits.tolist() == [4, 4]
    assert np.isnan(lower).all() and np.isnan(upper).all()
    # two documents with hits: an interval again, within the range of the two documents' shares
    counts[1] = [0, 2]
    share, lower, upper, _ = bootstrap_shares(counts, [[0, 1]], n_boot=500, rng=np.random.default_rng(0))
    assert 0.0 <= lower[0] < share[0] < upper[0] <= 0.75


def test_shares_flags_a_group_whose_hits_lie_in_one_document():
    corpus = framelens.read_corpus(pd.DataFrame({
        "source": ["A"] * 6 + ["B"] * 6,
        "text": ["The rebels and the rebels and the insurgents."] + ["The weather was fine."] * 5
                + ["Rebels attacked.", "Insurgents attacked.", "Rebels fled.", "Rebels said.", "Rebels won.", "Rain."],
    }))
    s = shares(corpus, "conflict_actors", family="armed_opposition", n_boot=300, seed=0)
    a = s[(s.group == "A") & (s.label == "rebels")].iloc[0]
    assert a["share"] == pytest.approx(2 / 3) and np.isnan(a["lower"]) and np.isnan(a["upper"])
    assert "hits in only one document: no interval" in a["note"]
    b = s[(s.group == "B") & (s.label == "rebels")].iloc[0]
    assert b["share"] == pytest.approx(4 / 5) and b["lower"] < b["share"] <= b["upper"]
    assert "no interval" not in b["note"]


def test_resample_weights_draw_n_documents_with_replacement():
    w = resample_weights(7, 5000, np.random.default_rng(0))
    assert w.shape == (5000, 7) and (w.sum(axis=1) == 7).all()
    assert w.mean(axis=0) == pytest.approx(np.ones(7), abs=0.05)  # each document drawn once on average
    assert w.var(axis=0) == pytest.approx(np.full(7, 6 / 7), abs=0.06)  # Binomial(7, 1/7) variance


def test_document_bootstrap_covers_the_true_share_in_95_percent_of_simulated_corpora():
    """200 corpora of 120 documents; the true share of label A is 0.3.

    Each document has Poisson(4) hits of the family and its own propensity p_d ~ Beta(0.9, 2.1)
    (mean 0.3), so hits cluster within documents as they do in news (an outlet's writer repeats a
    label). The true share is E[n_d p_d] / E[n_d] = 0.3. 1,000 replicates suffice for the 2.5% and
    97.5% percentiles (the Monte Carlo error of the interval end-points is far below the
    sampling variability). In a 2,000-corpus run the coverage was 95.4%.
    """
    rng = np.random.default_rng(2024)
    true, covered, naive = 0.3, 0, 0
    for _ in range(200):
        n = rng.poisson(4, size=120)
        a = rng.binomial(n, rng.beta(0.9, 2.1, size=120))
        counts = np.stack([a, n - a], axis=1)
        share, lower, upper, _ = bootstrap_shares(counts, [[0, 1]], n_boot=1000, ci=0.95, rng=rng)
        covered += lower[0] <= true <= upper[0]
        # the textbook interval that treats hits as independent: what the document bootstrap avoids
        se = np.sqrt(share[0] * (1 - share[0]) / n.sum())
        naive += share[0] - 1.96 * se <= true <= share[0] + 1.96 * se
    assert covered / 200 >= 0.93
    assert naive / 200 < 0.90  # the simulation is hard enough to tell the two apart


# ---------------------------------------------------------------------------------------------
# the permutation test
def test_permutation_p_value_matches_the_exact_permutation_distribution():
    a = np.array([[5, 1], [4, 0], [3, 2], [6, 1], [2, 2]])
    b = np.array([[1, 3], [2, 2], [0, 4], [3, 3], [1, 1]])
    pooled = np.vstack([a, b])

    def diff(idx):
        in_a = np.zeros(len(pooled), bool)
        in_a[list(idx)] = True
        sa, sb = pooled[in_a].sum(axis=0), pooled[~in_a].sum(axis=0)
        return sa[0] / sa.sum() - sb[0] / sb.sum()

    observed = diff(range(5))
    every = np.array([diff(idx) for idx in itertools.combinations(range(10), 5)])  # all 252 relabellings
    exact = np.mean(np.abs(every) >= abs(observed) - 1e-12)
    share_a, share_b, p, n_valid = permutation_share_difference(a, b, n_perm=20000, rng=np.random.default_rng(5))
    assert share_a[0] - share_b[0] == pytest.approx(observed)
    assert n_valid == 20000
    assert p[0] == pytest.approx(exact, abs=0.01)  # Monte Carlo error ≈ 0.002
    assert p[1] == pytest.approx(exact, abs=0.01)  # two labels: the same test


# ---------------------------------------------------------------------------------------------
# shares() on corpora
@pytest.fixture
def sample():
    try:
        return framelens.datasets.load_sample()
    except (ImportError, AttributeError) as exc:  # pragma: no cover
        pytest.skip(f"framelens.datasets.load_sample is not available: {exc}")


@pytest.fixture
def lexicon():
    return framelens.load_lexicon("conflict_actors")


def test_shares_rank_each_outlets_planted_label_first(sample, lexicon):
    s = shares(sample, lexicon, n_boot=300)
    assert list(s.columns) == ["group", "family", "label", "count", "share", "lower", "upper", "n_docs",
                               "family_hits", "note"]
    assert len(s) == sample.docs.source.nunique() * len(lexicon.label_ids())
    key = framelens.datasets.sample_answer_key()
    planted = key[key.dimension == "label"]
    assert len(planted) >= 20
    for source, family, label in zip(planted.source, planted.family, planted.planted):
        rows = s[(s.group == source) & (s.family == family)]
        assert rows.sort_values("share", ascending=False).iloc[0]["label"] == label, (source, family)
        assert rows["share"].sum() == pytest.approx(1.0)
        top = rows[rows.label == label].iloc[0]
        assert top["lower"] <= top["share"] <= top["upper"]


def test_shares_counts_agree_with_the_matcher(sample, lexicon):
    from framelens.scoring import count_matrix

    s = shares(sample, lexicon, family="armed_opposition", n_boot=50)
    assert set(s.family) == {"armed_opposition"}
    matrix, labels = count_matrix(sample, lexicon)
    counts = pd.DataFrame(matrix.toarray(), columns=labels).groupby(sample.docs.source.to_numpy()).sum()
    fam = lexicon.family("armed_opposition").label_ids()
    for row in s.itertuples():
        assert row.count == counts.loc[row.group, row.label]
        assert row.family_hits == counts.loc[row.group, fam].sum()
        assert row.n_docs == (sample.docs.source == row.group).sum()


def test_bootstrap_is_reproducible_and_recorded(sample, lexicon):
    one = shares(sample, lexicon, family="government_side", n_boot=200, seed=7)
    two = shares(sample, lexicon, family="government_side", n_boot=200, seed=7)
    other = shares(sample, lexicon, family="government_side", n_boot=200, seed=8)
    pd.testing.assert_frame_equal(one, two)
    assert not np.allclose(one["lower"], other["lower"])
    params = one.attrs["framelens"]["params"]
    assert params["seed"] == 7 and params["n_boot"] == 200
    assert one.attrs["framelens"]["lexicon"]["sha256"] == lexicon.fingerprint


def test_an_unseeded_run_records_the_seed_that_repeats_it(sample, lexicon):
    # seed=None used to be recorded as None: the intervals could never be reproduced
    from framelens.compare import divergence
    from framelens.compare.stratified import shares_within

    first = shares(sample, lexicon, family="armed_opposition", n_boot=100, seed=None)
    used = first.attrs["framelens"]["params"]["seed"]
    assert isinstance(used, int)
    again = shares(sample, lexicon, family="armed_opposition", n_boot=100, seed=used)
    pd.testing.assert_frame_equal(first, again)
    d = divergence(sample, lexicon, family="armed_opposition", n_perm=49, seed=None)
    repeat = divergence(sample, lexicon, family="armed_opposition", n_perm=49, seed=d.attrs["framelens"]["params"]["seed"])
    pd.testing.assert_frame_equal(d.p_values, repeat.p_values)
    t = shares_test(sample, lexicon, "armed_opposition", groups=("Orvane Wire", "Karvia Sentinel"), n_perm=99, seed=None)
    assert isinstance(t.attrs["framelens"]["params"]["seed"], int)
    w = shares_within(sample, lexicon, "armed_opposition", story="event", n_boot=50, seed=None)
    assert isinstance(w.attrs["framelens"]["params"]["seed"], int)


def test_small_groups_are_kept_and_flagged(sample, lexicon):
    docs = sample.docs
    keep = (docs.source != "Orvane Wire") | docs.index.isin(docs.index[docs.source == "Orvane Wire"][:3])
    s = shares(sample.subset(keep), lexicon, family=["armed_opposition", "foreign_forces_militias"], n_boot=100)
    small = s[s.group == "Orvane Wire"]
    assert (small["n_docs"] == 3).all()
    assert small["note"].str.contains("only 3 documents").all()
    # few hits: flagged per family, not dropped
    militias = s[(s.family == "foreign_forces_militias")]
    assert (militias.loc[militias.family_hits < 10, "note"].str.contains(r"hits? in family")).all()
    assert (s.loc[(s.n_docs >= 5) & (s.family_hits >= 10), "note"] == "").all()


def test_shares_per_outlet_and_month(sample, lexicon):
    s = shares(sample, lexicon, family="armed_opposition", by=["source", "month"], n_boot=50)
    assert list(s.columns[:3]) == ["group", "source", "month"]
    months = sample.docs.date.dt.to_period("M").astype(str)
    assert s.groupby(["source", "month"]).ngroups == pd.MultiIndex.from_arrays([sample.docs.source, months]).nunique()
    one = s[(s.source == "Orvane Wire")].iloc[0]
    assert one["n_docs"] == ((sample.docs.source == "Orvane Wire") & (months == one["month"])).sum()


def test_bad_input_fails_before_matching(sample, lexicon, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("matched before validating")

    monkeypatch.setattr(shares_module, "label_counts", boom)
    with pytest.raises(ParameterError, match="family 'rebel_groups' is not in lexicon"):
        shares(sample, lexicon, family="rebel_groups")
    with pytest.raises(ParameterError, match="outlet"):
        shares(sample, lexicon, by="outlet")
    with pytest.raises(ParameterError, match="ci"):
        shares(sample, lexicon, ci=95)
    with pytest.raises(ParameterError, match="n_boot"):
        shares(sample, lexicon, n_boot=-1)
    with pytest.raises(ParameterError, match="'Daily Planet' has no documents"):
        shares_test(sample, lexicon, "armed_opposition", groups=("Orvane Wire", "Daily Planet"))
    with pytest.raises(ParameterError, match="label 'bandits' is not in family"):
        shares_test(sample, lexicon, "armed_opposition", groups=("Orvane Wire", "Karvia Sentinel"), label="bandits")


def test_shares_test_on_the_sample(sample, lexicon):
    t = shares_test(sample, lexicon, "armed_opposition", groups=("Free Karvia Voice", "Karvian National Telegraph"),
                    n_perm=999)
    assert list(t.columns) == ["family", "label", "group_a", "group_b", "share_a", "share_b", "difference", "p",
                               "p_adj", "n_perm", "n_docs_a", "n_docs_b", "note"]
    row = t.set_index("label").loc["terrorists"]
    assert row["difference"] < -0.5 and row["p"] == pytest.approx(1 / 1000)  # never reached by chance
    single = shares_test(sample, lexicon, "armed_opposition", groups=("Orvane Wire", "Continental Observer"),
                         label="rebels", n_perm=499)
    assert len(single) == 1 and 0 < single["p"].iloc[0] <= 1


def test_cli_compare_shares_writes_table_and_figures(tmp_path):
    pytest.importorskip("framelens.plots")
    from framelens.cli.main import main

    out = tmp_path / "shares.csv"
    code = main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "shares", "--family",
                 "armed_opposition", "--n-boot", "100", "--out", str(out), "--figures", str(tmp_path / "figs")])
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert {"group", "label", "share", "lower", "upper", "note"} <= set(table.columns)
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["label_heatmap.png", "shares.png"]
    assert main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "shares", "--family", "nope"]) == 2
