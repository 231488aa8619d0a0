"""Jensen–Shannon divergence, permutation p-values and the correspondence-analysis slant.

Oracles: JSD worked by hand; CA against the eigen-decomposition of the reciprocal-averaging matrix
(a different algorithm) and the inertia against scipy's chi-square; p-values against the exact
permutation distribution; the slant against the sample corpus's answer key.
"""
from __future__ import annotations

import collections
import importlib
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, spearmanr

import framelens
from framelens.compare import DivergenceResult, correspondence_analysis, divergence, jsd
from framelens.compare.divergence import divergence_from_counts, pair_permutation_p
from framelens.errors import ParameterError

divergence_module = importlib.import_module("framelens.compare.divergence")


def test_jsd_against_a_hand_computation():
    # P = (1/2, 1/2, 0), Q = (0, 1/2, 1/2): M = (1/4, 1/2, 1/4);
    # KL(P‖M) = 1/2·log2(2) + 1/2·log2(1) = 1/2 = KL(Q‖M), so JSD = 1/2 bit.
    assert float(jsd(np.array([1, 1, 0]), np.array([0, 3, 3]))) == pytest.approx(0.5)
    # P = (3/4, 1/4), Q = (1/4, 3/4), M = (1/2, 1/2): KL = 3/4 log2(3/2) + 1/4 log2(1/2)
    kl = 0.75 * math.log2(1.5) + 0.25 * math.log2(0.5)
    assert float(jsd(np.array([3, 1]), np.array([1, 3]))) == pytest.approx(kl)
    assert float(jsd(np.array([2, 5]), np.array([4, 10]))) == pytest.approx(0.0, abs=1e-12)
    assert float(jsd(np.array([1, 0]), np.array([0, 1]))) == pytest.approx(1.0)  # base 2: at most 1
    assert np.isnan(jsd(np.array([0, 0]), np.array([1, 1])))


def test_ca_of_a_two_by_two_table_by_hand():
    # P = [[.4, .1], [.1, .4]], r = c = (.5, .5); S = [[.3, −.3], [−.3, .3]] has singular value .6;
    # row principal coordinates ±.6/√2·√2 = ±.6; inertia .36 = χ²/n = 7.2/20.
    rows, cols, inertia = correspondence_analysis(np.array([[8, 2], [2, 8]]))
    assert sorted(rows[:, 0]) == pytest.approx([-0.6, 0.6])
    assert inertia[0] == pytest.approx(0.36)
    assert chi2_contingency([[8, 2], [2, 8]], correction=False)[0] / 20 == pytest.approx(0.36)


def test_ca_agrees_with_the_reciprocal_averaging_eigenproblem():
    table = np.array([[40, 10, 5, 2], [30, 25, 10, 6], [8, 20, 30, 12], [2, 6, 25, 30], [10, 10, 10, 9]], float)
    rows, cols, inertia = correspondence_analysis(table)
    P = table / table.sum()
    r, c = P.sum(axis=1), P.sum(axis=0)
    # T = D_r⁻¹ P D_c⁻¹ Pᵀ has eigenvalues 1 (trivial) and the principal inertias; its eigenvectors
    # are the rows' standard coordinates (Greenacre, Correspondence Analysis in Practice, ch. 8)
    T = np.diag(1 / r) @ P @ np.diag(1 / c) @ P.T
    values, vectors = np.linalg.eig(T)
    order = np.argsort(-values.real)
    lam1, x = values.real[order[1]], vectors.real[:, order[1]]
    x = x / np.sqrt((r * x**2).sum())  # standard coordinates: Σ r_i x_i² = 1
    expected = x * np.sqrt(lam1)  # principal = standard · singular value
    assert inertia[0] == pytest.approx(lam1)
    assert np.abs(rows[:, 0]) == pytest.approx(np.abs(expected))
    assert np.sign(rows[0, 0] * expected[0]) * rows[:, 0] == pytest.approx(expected)
    # the inertias add up to χ²/n
    assert inertia.sum() == pytest.approx(chi2_contingency(table, correction=False)[0] / table.sum())
    # transition formula: rows sit at the weighted average of the columns' standard coordinates
    col_std = cols[:, 0] / np.sqrt(inertia[0])
    assert rows[:, 0] == pytest.approx((P / r[:, None]) @ col_std)


def test_permutation_p_value_matches_the_exact_distribution():
    a = np.array([[5, 1, 0], [4, 0, 1], [3, 2, 0], [6, 1, 1]])
    b = np.array([[1, 3, 1], [2, 2, 2], [0, 4, 0], [3, 3, 1]])
    pooled = np.vstack([a, b])
    observed = float(jsd(a.sum(axis=0), b.sum(axis=0)))
    every = []
    for idx in itertools.combinations(range(8), 4):  # all 70 relabellings
        mask = np.isin(np.arange(8), idx)
        every.append(float(jsd(pooled[mask].sum(axis=0), pooled[~mask].sum(axis=0))))
    exact = np.mean(np.array(every) >= observed - 1e-12)
    p = pair_permutation_p(a, b, observed, n_perm=20000, rng=np.random.default_rng(11))
    assert p == pytest.approx(exact, abs=0.01)


def test_permutation_p_value_of_a_small_outlet_against_a_large_one_matches_the_exact_distribution():
    # the smaller side is drawn (3 of 43 documents), from the documents with a hit only, so it
    # takes the sparse draws; half of the large outlet's documents have no hit
    rng = np.random.default_rng(3)
    a = np.array([[2, 0, 1], [3, 1, 0], [1, 0, 0]])
    b = np.vstack([rng.multinomial(2, [0.3, 0.4, 0.3], size=20), np.zeros((20, 3), dtype=int)])
    pooled = np.vstack([a, b])
    observed = float(jsd(a.sum(axis=0), b.sum(axis=0)))
    grand = pooled.sum(axis=0)
    every = np.array([float(jsd(pooled[list(idx)].sum(axis=0), grand - pooled[list(idx)].sum(axis=0)))
                      for idx in itertools.combinations(range(43), 3)])  # all 12,341 relabellings
    every = every[~np.isnan(every)]  # a side without any hit has no distribution: such relabellings do not count
    exact = np.mean(every >= observed - 1e-12)
    p = pair_permutation_p(a, b, observed, n_perm=20000, rng=np.random.default_rng(12))
    assert p == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20000))


@pytest.mark.parametrize("n", [24, 12])  # 3 of 24: draws with replacement, repeats drawn again; 3 of 12: a permutation
def test_every_subset_is_equally_likely(n):
    from scipy.stats import chisquare

    from framelens.compare.divergence import _subset_sums

    sums = _subset_sums(np.eye(n), np.full(60000, 3), np.random.default_rng(5))
    assert (sums.sum(axis=1) == 3).all() and sums.max() == 1  # three distinct rows each time
    counts = collections.Counter(map(tuple, sums.astype(bool)))
    assert len(counts) == math.comb(n, 3)
    assert chisquare(list(counts.values())).pvalue > 0.001


def _toy_counts():
    rng = np.random.default_rng(0)
    # three groups of 20 documents over labels (pro, neutral, anti): A leans "pro", C "anti"
    probs = {0: [0.7, 0.2, 0.1], 1: [0.35, 0.3, 0.35], 2: [0.1, 0.2, 0.7]}
    codes = np.repeat([0, 1, 2], 20)
    counts = np.stack([rng.multinomial(8, probs[g]) for g in codes])
    return counts, codes


def test_divergence_from_counts_result_object():
    counts, codes = _toy_counts()
    d = divergence_from_counts(counts, codes, ["A", "B", "C"], ["pro", "neutral", "anti"], n_perm=199, positive="anti")
    assert isinstance(d, DivergenceResult)
    m = d.matrix.to_numpy()
    assert np.allclose(m, m.T) and np.allclose(np.diag(m), 0)
    table = np.stack([counts[codes == g].sum(axis=0) for g in range(3)])
    assert (d.table.to_numpy() == table).all()
    assert d.matrix.loc["A", "C"] == pytest.approx(float(jsd(table[0], table[2])))
    assert d.matrix.loc["A", "C"] > d.matrix.loc["A", "B"]
    assert d.p_values.loc["A", "C"] == pytest.approx(1 / 200)
    assert np.isnan(d.p_values.loc["A", "A"])
    # signed by `positive`: the "anti" label, and C that uses it most, on the positive side
    assert d.label_coordinates["anti"] > 0 and d.slant.idxmax() == "C" and d.slant.idxmin() == "A"
    flipped = divergence_from_counts(counts, codes, ["A", "B", "C"], ["pro", "neutral", "anti"], n_perm=0, positive="pro")
    assert flipped.slant.to_numpy() == pytest.approx(-d.slant.to_numpy())
    assert flipped.p_values is None
    frame = d.to_frame()
    assert list(frame.columns) == ["group", "other", "jsd", "p", "slant", "slant_other", "note"] and len(frame) == 3
    assert "Jensen" in d._repr_html_() and "<table" in d._repr_html_()


def test_a_group_without_hits_is_kept_and_flagged():
    counts, codes = _toy_counts()
    counts = np.vstack([counts, np.zeros((3, 3), int)])
    codes = np.concatenate([codes, [3, 3, 3]])
    d = divergence_from_counts(counts, codes, ["A", "B", "C", "D"], ["pro", "neutral", "anti"], n_perm=50)
    assert "D" in d.matrix.index and np.isnan(d.matrix.loc["D", "A"]) and np.isnan(d.slant["D"])
    assert d.notes["D"] == "only 3 documents (< 5); no hits: share undefined"
    assert d.notes["A"] == ""


# ---------------------------------------------------------------------------------------------
@pytest.fixture
def sample():
    try:
        return framelens.datasets.load_sample()
    except (ImportError, AttributeError) as exc:  # pragma: no cover
        pytest.skip(f"framelens.datasets.load_sample is not available: {exc}")


def test_slant_orders_the_outlets_as_the_answer_key(sample):
    """The CA axis of how outlets name the armed opposition, oriented so "terrorists" is positive.

    (Over every label of the lexicon the two most pro-government outlets swap places: Spearman
    0.94. The answer key's slant also averages stance verbs, voice and tone, which labels do not see.)
    """
    d = divergence(sample, "conflict_actors", family="armed_opposition", positive="terrorists", n_perm=99)
    key = framelens.datasets.sample_answer_key()
    ranks = key[key.dimension == "slant"].set_index("source")["planted"].astype(int)
    assert d.slant.sort_values().index.tolist() == ranks.sort_values().index.tolist()
    assert spearmanr(d.slant[ranks.index], ranks).statistic == pytest.approx(1.0)
    assert d.inertia > 0.2
    record = d.attrs["framelens"]
    assert record["params"]["seed"] == 0 and record["corpus"]["sha256"] == sample.fingerprint
    # every table of the result carries it, so that one exported alone keeps its provenance
    for part in (d.matrix, d.p_values, d.slant, d.table, d.label_coordinates, d.notes, d.to_frame()):
        assert part.attrs["framelens"]["corpus"]["sha256"] == sample.fingerprint
        assert part.attrs["framelens"]["params"]["positive"] == "terrorists"


def test_divergence_on_the_sample_matches_its_counts(sample):
    from framelens.scoring import count_matrix

    lexicon = framelens.load_lexicon("conflict_actors")
    d = divergence(sample, lexicon, family="government_side", n_perm=49)
    matrix, labels = count_matrix(sample, lexicon)
    fam = lexicon.family("government_side").label_ids()
    counts = pd.DataFrame(matrix.toarray(), columns=labels)[fam].groupby(sample.docs.source.to_numpy()).sum()
    assert (d.table.loc[counts.index, fam].to_numpy() == counts.to_numpy()).all()
    a, b = "Free Karvia Voice", "Orvane Wire"
    assert d.matrix.loc[a, b] == pytest.approx(float(jsd(counts.loc[a].to_numpy(), counts.loc[b].to_numpy())))


def test_bad_input_fails_before_matching(sample, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("matched before validating")

    monkeypatch.setattr(divergence_module, "label_counts", boom)
    with pytest.raises(ParameterError, match="not in lexicon"):
        divergence(sample, "conflict_actors", family="rebel_groups")
    with pytest.raises(ParameterError, match="positive"):
        divergence(sample, "conflict_actors", family="armed_opposition", positive="army")
    with pytest.raises(ParameterError, match="outlet"):
        divergence(sample, "conflict_actors", by="outlet")
    with pytest.raises(ParameterError, match="n_perm"):
        divergence(sample, "conflict_actors", n_perm=-5)


def test_cli_compare_divergence(tmp_path, capsys):
    from framelens.cli.main import main

    out = tmp_path / "div.parquet"
    assert main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "divergence", "--family",
                 "armed_opposition", "--positive", "terrorists", "--n-perm", "49", "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    assert len(table) == 15 and {"group", "other", "jsd", "p", "slant"} <= set(table.columns)
    assert "slant (CA axis 1" in capsys.readouterr().err
