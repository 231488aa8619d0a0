"""Keyness: Monroe et al.'s log-odds, χ², G², BH, and the corpus-level keyness() table.

Oracles: the Fightin' Words formula evaluated by hand with ``math.log``; scipy's
``chi2_contingency``; Benjamini & Hochberg's (1995) worked example; counts recomputed with ``re``.
"""
from __future__ import annotations

import importlib
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import framelens
from framelens.compare import keyness, keyness_from_counts
from framelens.compare.keyness import bh_adjust, contingency_2x2, log_odds_dirichlet
from framelens.errors import ParameterError

keyness_module = importlib.import_module("framelens.compare.keyness")


# ---------------------------------------------------------------------------------------------
# the statistics
def test_log_odds_dirichlet_matches_the_formula_worked_by_hand():
    # group A: 10, 5, 85 of 100; the rest: 5, 20, 175 of 200; corpus 15, 25, 260 of 300.
    # With alpha0 = 30 the prior is alpha_w = 30 * y_w / 300 = 1.5, 2.5, 26.
    table = np.array([[10, 5, 85], [2, 12, 86], [3, 8, 89]])
    k = keyness_from_counts(table, ["w1", "w2", "w3"], ["A", "B", "C"], prior_scale=30)
    a = k[k.group == "A"].set_index("term")
    by_hand = {}
    for term, y_i, y_j, alpha in (("w1", 10, 5, 1.5), ("w2", 5, 20, 2.5), ("w3", 85, 175, 26.0)):
        delta = math.log((y_i + alpha) / (100 + 30 - y_i - alpha)) - math.log((y_j + alpha) / (200 + 30 - y_j - alpha))
        by_hand[term] = z = delta / math.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha))
        assert a.loc[term, "log_odds"] == pytest.approx(delta, rel=1e-12)
        assert a.loc[term, "z"] == pytest.approx(z, rel=1e-12)
        assert (a.loc[term, "count"], a.loc[term, "count_other"]) == (y_i, y_j)
    # w1 (10/100 vs 5/200) is over-used; w3's small shortfall (85% vs 87.5%) rests on so many
    # counts that its z (−1.445) is lower than w2's (−1.356)
    assert by_hand["w3"] == pytest.approx(-1.445, abs=1e-3) and by_hand["w2"] == pytest.approx(-1.356, abs=1e-3)
    assert a.index.tolist() == ["w1", "w2", "w3"]
    # δ̂(w1) = log(11.5/118.5) − log(6.5/223.5) = −2.33257 + 3.53761 = 1.20504 (by hand)
    assert a.loc["w1", "log_odds"] == pytest.approx(1.20504, abs=1e-5)


def test_default_prior_is_the_corpus_counts():
    table = np.array([[10, 5, 85], [5, 20, 175]])
    k = keyness_from_counts(table, ["w1", "w2", "w3"], ["A", "B"])
    row = k[(k.group == "A") & (k.term == "w1")].iloc[0]
    alpha, alpha0 = 15.0, 300.0  # alpha_w = y_w, alpha0 = N
    delta = math.log((10 + alpha) / (100 + alpha0 - 10 - alpha)) - math.log((5 + alpha) / (200 + alpha0 - 5 - alpha))
    assert row["log_odds"] == pytest.approx(delta)
    assert row["z"] == pytest.approx(delta / math.sqrt(1 / 25 + 1 / 20))
    assert k.attrs["alpha0"] == 300.0


def test_default_prior_is_sized_to_the_data_compared_in_periods_and_pairs():
    # Groups A, B in period 0 and C, D in period 1 (N = 1000). A against the rest of its period
    # (B) covers n_i + n_j = 100 + 200: the default prior is the corpus frequency at that size,
    # alpha_w = 300 * y_w / 1000, not the corpus's own counts y_w (a prior three times the data).
    table = np.array([[10, 90], [5, 195], [40, 260], [45, 355]])
    k = keyness_from_counts(table, ["w", "x"], ["A", "B", "C", "D"], strata=[0, 0, 1, 1])
    row = k[(k.group == "A") & (k.term == "w")].iloc[0]
    a0 = 300.0
    a = a0 * 100 / 1000  # y_w = 10 + 5 + 40 + 45
    delta = math.log((10 + a) / (100 + a0 - 10 - a)) - math.log((5 + a) / (200 + a0 - 5 - a))
    assert row["log_odds"] == pytest.approx(delta, rel=1e-6)
    assert row["z"] == pytest.approx(delta / math.sqrt(1 / (10 + a) + 1 / (5 + a)), rel=1e-6)
    assert k.attrs["alpha0"] is None  # no single alpha0: one per comparison
    # a pair: the same rule (C against D: n = 300 + 400)
    kp = keyness_from_counts(table, ["w", "x"], ["A", "B", "C", "D"], reference="pairs")
    row = kp[(kp.group == "C") & (kp.reference == "D") & (kp.term == "w")].iloc[0]
    a0 = 700.0
    a = a0 * 100 / 1000
    delta = math.log((40 + a) / (300 + a0 - 40 - a)) - math.log((45 + a) / (400 + a0 - 45 - a))
    assert row["log_odds"] == pytest.approx(delta, rel=1e-6)
    # an explicit prior_scale stays the same in every comparison
    ks = keyness_from_counts(table, ["w", "x"], ["A", "B", "C", "D"], strata=[0, 0, 1, 1], prior_scale=50)
    row = ks[(ks.group == "A") & (ks.term == "w")].iloc[0]
    delta = math.log((10 + 5) / (100 + 50 - 10 - 5)) - math.log((5 + 5) / (200 + 50 - 5 - 5))
    assert row["log_odds"] == pytest.approx(delta, rel=1e-6) and ks.attrs["alpha0"] == 50.0


def test_a_periods_z_scores_do_not_shrink_with_the_number_of_other_periods():
    # Null data: every group draws from one word distribution. The z-scores of one period's groups
    # against the rest of that period must be on the scale of the same period analysed alone: with
    # a prior of the whole corpus's size (8 periods) their spread fell to about half.
    rng = np.random.default_rng(0)
    V, G, P = 300, 6, 8
    pi = rng.dirichlet(np.full(V, 0.5))
    table = np.array([rng.multinomial(int(n), pi) for n in rng.integers(2000, 20000, size=G * P)])
    terms = [f"t{i}" for i in range(V)]
    names = [f"g{g} | p{p}" for p in range(P) for g in range(G)]
    within = keyness_from_counts(table, terms, names, strata=np.repeat(np.arange(P), G))
    alone = keyness_from_counts(table[:G], terms, names[:G])
    sd_within = within.loc[within.group.isin(names[:G]), "z"].std()
    sd_alone = alone["z"].std()
    assert sd_within == pytest.approx(sd_alone, rel=0.25)


def test_keyness_records_the_prior_of_a_period_comparison(wire_corpus):
    k = keyness(wire_corpus, by=["source", "month"])
    params = k.attrs["framelens"]["params"]
    assert params["alpha0"] is None and "n_i + n_j" in params["prior"]
    pooled = keyness(wire_corpus, by="source").attrs["framelens"]["params"]
    assert pooled["alpha0"] == float(sum(len(re.findall(r"\w+", t.lower())) for t in wire_corpus.texts))


def test_a_term_absent_everywhere_carries_no_evidence():
    lo, z = log_odds_dirichlet(np.array([0.0]), np.array([0.0]), 50, 50, np.array([0.0]), 100)
    assert lo[0] == 0 and z[0] == 0


@pytest.mark.parametrize("method,kwargs", [("chi2", {}), ("g2", {"lambda_": "log-likelihood"})])
def test_chi2_and_g2_match_scipy_chi2_contingency(method, kwargs):
    y_i = np.array([30.0, 5, 0, 120, 7])
    y_j = np.array([10.0, 25, 4, 240, 7])
    n_i, n_j = 1000.0, 2500.0
    stat, p = contingency_2x2(y_i, y_j, n_i, n_j, method)
    for k in range(len(y_i)):
        table = [[y_i[k], n_i - y_i[k]], [y_j[k], n_j - y_j[k]]]
        expected_stat, expected_p, dof, _ = chi2_contingency(table, correction=False, **kwargs)
        assert dof == 1
        assert abs(stat[k]) == pytest.approx(expected_stat, rel=1e-9)
        assert p[k] == pytest.approx(expected_p, rel=1e-9)
        # signed as quanteda does: positive when the group uses the term more than expected
        assert np.sign(stat[k]) == np.sign(y_i[k] / n_i - y_j[k] / n_j)


def test_benjamini_hochberg_on_the_1995_paper_example():
    # Benjamini & Hochberg (1995), section 3.2: 15 p-values, 4 rejected at q = 0.05.
    p = np.array([0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
                  0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000])
    adjusted = bh_adjust(p)
    # min over j >= i of 15 p_(j) / j, worked out by hand
    expected = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571, 0.0638571, 0.0645, 0.0765,
                0.486, 0.5811818, 0.714875, 0.7532308, 0.8132143, 1.0]
    assert adjusted == pytest.approx(expected, rel=1e-5)
    assert (adjusted <= 0.05).sum() == 4


def test_p_adj_is_bh_within_each_comparison():
    rng = np.random.default_rng(3)
    table = rng.integers(0, 40, size=(3, 30))
    k = keyness_from_counts(table, [f"t{i}" for i in range(30)], ["A", "B", "C"], method="g2")
    for _, part in k.groupby("group"):
        assert part["p_adj"].to_numpy() == pytest.approx(bh_adjust(part["p"].to_numpy()))


def test_labels_no_text_uses_stay_out_of_the_bh_family(wire_corpus):
    # The conflict_actors lexicon has far more labels than these wires use. An unused label was no
    # test (p = 1 by convention): counted in BH's m it inflated every other label's p_adj. Oracle:
    # statsmodels' BH over the labels each comparison actually saw, from a plain recount.
    from scipy.stats import chi2_contingency
    from statsmodels.stats.multitest import multipletests

    from framelens.scoring import count_matrix

    k = keyness(wire_corpus, by="source", lexicon="conflict_actors", method="g2")
    matrix, labels = count_matrix(wire_corpus, framelens.load_lexicon("conflict_actors"))
    dense = matrix.toarray()
    tokens = np.array([len(re.findall(r"\w+", t)) for t in wire_corpus.texts])
    source = wire_corpus.docs["source"].to_numpy()
    for group in ("Wire", "Herald", "Post"):
        mine = source == group
        n_i, n_j = tokens[mine].sum(), tokens[~mine].sum()
        used = [j for j in range(len(labels)) if dense[:, j].sum() > 0]
        assert 0 < len(used) < len(labels)
        p = []
        for j in used:
            y_i, y_j = dense[mine, j].sum(), dense[~mine, j].sum()
            p.append(chi2_contingency([[y_i, n_i - y_i], [y_j, n_j - y_j]], correction=False,
                                      lambda_="log-likelihood")[1])
        expected = multipletests(p, method="fdr_bh")[1]
        part = k[k.group == group].set_index("term")
        assert part.loc[[labels[j] for j in used], "p_adj"].to_numpy() == pytest.approx(expected, rel=1e-9)
        unused = [labels[j] for j in range(len(labels)) if j not in used]
        assert (part.loc[unused, "p"] == 1).all() and (part.loc[unused, "p_adj"] == 1).all()


def test_log_ratio_is_log2_of_rates_with_half_an_occurrence_added():
    k = keyness_from_counts(np.array([[0, 100], [10, 190], [0, 50]]), ["w", "x"], ["A", "B", "C"],
                            tokens=[1000, 4000, 500], reference="pairs")
    ab = k[(k.group == "A") & (k.reference == "B") & (k.term == "w")].iloc[0]
    # ε = half an occurrence at the mean size (1000 + 4000) / 2 = 2500 tokens
    eps = 0.5 / 2500
    assert ab["log_ratio"] == pytest.approx(math.log2((0 + eps) / (10 / 4000 + eps)))
    assert ab["rate"] == 0 and ab["rate_other"] == pytest.approx(10 * 1000 / 4000)
    ac = k[(k.group == "A") & (k.reference == "C") & (k.term == "w")].iloc[0]
    assert ac["log_ratio"] == 0.0  # absent from both sides: no difference, whatever the sizes
    same = keyness_from_counts(np.array([[0, 100], [10, 90]]), ["w", "x"], ["A", "B"], tokens=[100, 100])
    row = same[(same.group == "A") & (same.term == "w")].iloc[0]
    assert row["log_ratio"] == pytest.approx(math.log2(0.5 / 10.5))  # equal sizes: add 0.5 to both counts


def test_pairs_and_named_reference():
    table = np.array([[30, 70], [10, 90], [5, 5]])
    pairs = keyness_from_counts(table, ["r", "o"], ["A", "B", "C"], reference="pairs", method="chi2")
    assert sorted(set(zip(pairs.group, pairs.reference))) == [("A", "B"), ("A", "C"), ("B", "C")]
    ab = pairs[(pairs.group == "A") & (pairs.reference == "B") & (pairs.term == "r")].iloc[0]
    assert (ab["count"], ab["count_other"]) == (30, 10)
    assert ab["chi2"] == pytest.approx(chi2_contingency([[30, 70], [10, 90]], correction=False)[0])
    ref = keyness_from_counts(table, ["r", "o"], ["A", "B", "C"], reference="C")
    assert set(ref.group) == {"A", "B"} and set(ref.reference) == {"C"}
    with pytest.raises(ParameterError, match="no documents"):
        keyness_from_counts(table, ["r", "o"], ["A", "B", "C"], reference="D")


# ---------------------------------------------------------------------------------------------
# keyness() on a corpus
@pytest.fixture
def wire_corpus():
    """Three outlets over two months, written so that counts can be checked by hand."""
    rows = []
    texts = {
        "Wire": ["Rebels advanced on the town. The army said it repelled the rebels.",
                 "The army retook the town; rebel fighters withdrew, the army said."],
        "Herald": ["Insurgents struck an army post. Pro-government forces said insurgents died.",
                   "Insurgents shelled the market, residents said."],
        "Post": ["Terrorists attacked a base. The army said terrorists died.",
                 "Terrorists regrouped north of the town, the army said."],
    }
    for source, docs in texts.items():
        for i, text in enumerate(docs * 3):  # 6 documents per outlet, 3 per month
            rows.append({"doc_id": f"{source[0]}{i}", "source": source, "text": text,
                         "date": f"2024-0{1 + i % 2}-1{i}"})
    return framelens.read_corpus(pd.DataFrame(rows))


def _regex_counts(corpus, source, n=1):
    c = Counter()
    for text in corpus.docs.loc[corpus.docs.source == source, "text"]:
        words = re.findall(r"\w+", text.lower())
        c.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return c


def test_ngram_keyness_counts_and_rates(wire_corpus):
    k = keyness(wire_corpus, by="source", ngram_range=(1, 2), min_count=1)
    assert list(k.columns) == ["group", "term", "count", "count_other", "rate", "rate_other", "log_ratio",
                               "log_odds", "z", "note"]
    post = k[k.group == "Post"].set_index("term")
    uni = {s: _regex_counts(wire_corpus, s) for s in ("Wire", "Herald", "Post")}
    bi = {s: _regex_counts(wire_corpus, s, 2) for s in ("Wire", "Herald", "Post")}
    assert post.loc["terrorists", "count"] == uni["Post"]["terrorists"] == 9
    assert post.loc["the army", "count"] == bi["Post"]["the army"]
    assert post.loc["the army", "count_other"] == bi["Wire"]["the army"] + bi["Herald"]["the army"]
    tokens_post = sum(uni["Post"].values())
    tokens_rest = sum(uni["Wire"].values()) + sum(uni["Herald"].values())
    assert post.loc["army", "rate"] == pytest.approx(uni["Post"]["army"] * 1000 / tokens_post)
    assert post.loc["army", "rate_other"] == pytest.approx((uni["Wire"]["army"] + uni["Herald"]["army"]) * 1000 / tokens_rest)
    # sorted by group, then z descending: Post's top term is one only Post uses
    assert k.group.tolist() == sorted(k.group.tolist())
    for _, part in k.groupby("group"):
        assert part["z"].is_monotonic_decreasing
    assert post.index[0] in {"terrorists", "terrorists attacked", "terrorists died", "terrorists regrouped"}
    assert (k["note"] == "").all()


def test_min_count_filters_rows_but_not_the_model(wire_corpus):
    full = keyness(wire_corpus, ngram_range=(1, 1), min_count=1)
    kept = keyness(wire_corpus, ngram_range=(1, 1), min_count=10)
    assert (kept["count"] + kept["count_other"]).min() >= 10
    merged = kept.merge(full, on=["group", "term"], suffixes=("", "_full"))
    assert len(merged) == len(kept)
    assert merged["z"].to_numpy() == pytest.approx(merged["z_full"].to_numpy())


def test_by_source_and_month_compares_within_each_month(wire_corpus):
    k = keyness(wire_corpus, by=["source", "month"], ngram_range=(1, 1), method="g2", min_count=1)
    assert list(k.columns[:3]) == ["group", "source", "month"]
    row = k[(k.source == "Post") & (k.month == "2024-01") & (k.term == "army")].iloc[0]
    docs = wire_corpus.docs
    jan = docs[docs.date.dt.month == 1]
    other = sum(len(re.findall(r"\barmy\b", t.lower())) for t in jan.loc[jan.source != "Post", "text"])
    assert row["count_other"] == other  # the rest is the other outlets in January only
    ref = keyness(wire_corpus, by=["source", "month"], reference="Wire", min_count=1)
    assert set(zip(ref.reference, ref.month)) == {("Wire | 2024-01", "2024-01"), ("Wire | 2024-02", "2024-02")}


def test_small_groups_are_kept_and_flagged(wire_corpus):
    small = wire_corpus.subset(~wire_corpus.docs.doc_id.isin(["H0", "H1", "H2", "H3"]))
    k = keyness(small, min_count=1)
    herald = k[k.group == "Herald"]
    assert len(herald) > 0
    assert (herald["note"] == "only 2 documents (< 5)").all()
    assert (k.loc[k.group != "Herald", "note"] == "").all()


def test_bad_parameters_fail_before_any_counting(wire_corpus, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("counted before validating")

    monkeypatch.setattr(keyness_module, "ngram_table", boom)
    monkeypatch.setattr(keyness_module, "label_counts", boom)
    with pytest.raises(ParameterError, match="outlet"):
        keyness(wire_corpus, by="outlet")
    with pytest.raises(ParameterError, match="reference group 'Times' has no documents"):
        keyness(wire_corpus, reference="Times")
    with pytest.raises(ParameterError, match="method"):
        keyness(wire_corpus, method="tfidf")
    with pytest.raises(ParameterError, match="ngram_range"):
        keyness(wire_corpus, ngram_range=(2, 1))
    with pytest.raises(ParameterError, match="prior_scale"):
        keyness(wire_corpus, prior_scale=-1)
    with pytest.raises(ParameterError, match="two groups"):
        keyness(wire_corpus.subset(wire_corpus.docs.source == "Wire"))


def test_provenance_and_notebook_display(wire_corpus):
    k = keyness(wire_corpus, ngram_range=(1, 2), method="chi2", min_count=2)
    record = k.attrs["framelens"]
    assert record["kind"] == "keyness"
    assert record["corpus"]["sha256"] == wire_corpus.fingerprint
    assert record["params"]["method"] == "chi2" and record["params"]["ngram_range"] == [1, 2]
    assert "framelens_version" in record
    html = k._repr_html_()
    assert "framelens keyness" in html and "<table" in html
    assert "Flagged" not in html  # every group has enough documents
    docs = wire_corpus.docs
    few = docs.source == docs.source.iloc[0]
    small = wire_corpus.subset(~few | (few.cumsum() <= 3))  # one outlet keeps 3 documents
    html = keyness(small, ngram_range=(1, 1), min_count=1)._repr_html_()  # note is categorical here
    assert "Flagged" in html and f"<li>{docs.source.iloc[0]}: " in html
    assert k.sort_values("chi2").attrs["framelens"] == record  # survives pandas operations


# ---------------------------------------------------------------------------------------------
# labels (needs the matcher and the built-in lexicon)
@pytest.fixture
def sample():
    try:
        return framelens.datasets.load_sample()
    except (ImportError, AttributeError) as exc:  # pragma: no cover - while datasets is being written
        pytest.skip(f"framelens.datasets.load_sample is not available: {exc}")


def test_label_keyness_on_the_sample_corpus(sample):
    from framelens.scoring import count_matrix, score

    k = keyness(sample, lexicon="conflict_actors")
    lexicon = framelens.load_lexicon("conflict_actors")
    assert list(k.columns[:4]) == ["group", "term", "family", "count"]
    assert len(k) == sample.docs.source.nunique() * len(lexicon.label_ids())  # every label, every outlet
    matrix, labels = count_matrix(sample, lexicon)
    counts = pd.DataFrame(matrix.toarray(), columns=labels).groupby(sample.docs.source.to_numpy()).sum()
    for row in k.sample(20, random_state=0).itertuples():
        assert row.count == counts.loc[row.group, row.term]
        assert row.count_other == counts[row.term].sum() - row.count
        assert row.family == lexicon.label_family()[row.term]
    # rates use the same tokens as framelens.score
    s = score(sample, lexicon, by="source", shape="long").set_index(["source", "label"])
    row = k.iloc[0]
    assert row["rate"] == pytest.approx(s.loc[(row["group"], row["term"]), "rate"])
    # each outlet's planted label of the armed opposition is among its most over-used labels
    key = framelens.datasets.sample_answer_key()
    planted = key[(key.dimension == "label") & (key.family == "armed_opposition")]
    for source, label in zip(planted.source, planted.planted):
        top = k[(k.group == source) & (k.family == "armed_opposition")].iloc[0]
        assert top["term"] == label


def test_cli_compare_keyness_table_and_fightin_words_figures(sample, tmp_path):
    pytest.importorskip("framelens.plots")
    from framelens.cli.main import main

    out = tmp_path / "keyness.csv"
    code = main(["compare", "sample", "--lexicon", "conflict_actors", "--family", "armed_opposition", "--by", "lean",
                 "--out", str(out), "--figures", str(tmp_path / "figs")])
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False)
    assert set(table.family) == {"armed_opposition"} and {"log_odds", "z", "note"} <= set(table.columns)
    assert (tmp_path / "keyness.csv.provenance.json").exists()
    figures = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert figures == [f"fightin_words_{lean}.png" for lean in sorted(sample.docs.lean.unique())]
    ngrams = tmp_path / "words.parquet"
    assert main(["compare", "sample", "--ngram", "1,2", "--method", "g2", "--reference", "Orvane Wire",
                 "--out", str(ngrams)]) == 0
    words = pd.read_parquet(ngrams)
    assert set(words.reference) == {"Orvane Wire"} and "g2" in words.columns
    assert main(["compare", "sample", "--reference", "Daily Planet"]) == 2


def test_cli_cmh_without_within_names_the_option(capsys):
    from framelens.cli.main import main

    assert main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "cmh"]) == 2
    err = capsys.readouterr().err
    assert "--within" in err and "within=" not in err


# ---------------------------------------------------------------------------------------------
# the full-vocabulary path: tokens, n-gram tables and the result table, against plain recounts
from framelens.compare._tables import ngram_table, tokenize  # noqa: E402

keyness_impl = importlib.import_module("framelens.compare.keyness")

UNICODE_TEXTS = [
    "Rebels said: rebels", "", "   ", "İstanbul İzmir", "ΟΔΟΣ ΣΑΣ σοφός Σ.", "ﬁne ß Straße STRASSE",
    "x\u0301y café CAFÉ naïve", "日本語のテキスト と 中文", "ＡＢＣ ①② ½ x²", "KELVIN \u212a \u2160\u2161",
    "snake_case __init__ 3.14 v2", "emoji 🙂 and 𝔘𝔫𝔦 𝐁𝐎𝐋𝐃", "tab\tnew\nline\u2028sep\u00a0nbsp", "end",
    "start", "ǅemal Ǆ ǆ", "Ⓐ ⓐ ⅷ", "a" * 70,
]


def _re_tokens(text):
    return re.findall(r"\w+", text.lower())


def _tokens_by_text(texts):
    vocab, codes, doc = tokenize(texts)
    words = np.asarray(vocab.to_pylist(), dtype=object)
    out = [[] for _ in texts]
    for d, w in zip(doc.tolist(), words[codes].tolist()):
        out[d].append(w)
    return out, vocab


def test_tokens_are_exactly_those_of_re_findall_on_the_lowered_text():
    got, vocab = _tokens_by_text(UNICODE_TEXTS)
    assert got == [_re_tokens(t) for t in UNICODE_TEXTS]
    # İ lower-cases to "i" + a combining dot (not a word character); Σ to final or medial sigma
    assert got[3][:2] == ["i", "stanbul"] and got[4][:2] == ["οδος", "σας"]
    assert vocab.to_pylist() == sorted(vocab.to_pylist())  # alphabetical (code point) order
    # texts that end and start inside a word stay apart, wherever their bytes meet
    assert _tokens_by_text(["abc", "def", "", "ghi"])[0] == [["abc"], ["def"], [], ["ghi"]]
    # None and non-strings count as empty texts, as everywhere in framelens
    assert _tokens_by_text(["Rebels", None, 7, "Army"])[0] == [["rebels"], [], [], ["army"]]


def test_tokens_of_a_large_arrow_backed_corpus_match_re():
    # > 4 MB of text: the texts are cut into pieces, tokenised in two threads and merged
    rng = np.random.default_rng(5)
    words = np.array(["Rebels", "army", "SAID", "café", "CAFÉ", "Ωmega", "日本", "x_1", "2024", "🙂", "ﬁre", "naïve"])
    seps = np.array([" ", ", ", ". ", "—", "\n", "'"])
    texts = []
    for i in range(900):
        n = int(rng.integers(300, 1200))
        texts.append("".join(w + s for w, s in zip(rng.choice(words, n), rng.choice(seps, n))))
        if i % 50 == 7:  # a few texts that re itself must split: "İ" and "Σ" lower-case with context
            texts[-1] += " İzmir ΟΔΟΣ"
    texts[10] = ""
    series = pd.Series(texts, dtype="str")
    assert sum(len(t.encode()) for t in texts) > 4 << 20
    vocab, codes, doc = tokenize(series)
    expected = [w for t in texts for w in _re_tokens(t)]
    assert len(codes) == len(expected)
    assert np.asarray(vocab.to_pylist(), dtype=object)[codes].tolist() == expected
    assert doc.tolist() == [d for d, t in enumerate(texts) for _ in _re_tokens(t)]


def _ngrams(texts, n):
    out = []
    for t in texts:
        w = _re_tokens(t)
        out += [" ".join(w[i:i + n]) for i in range(len(w) - n + 1)]
    return out


@pytest.mark.parametrize("dense", [True, False])
def test_ngram_table_counts_every_ngram_per_group(dense):
    rng = np.random.default_rng(11)
    vocabulary = ["the", "army", "rebels", "said", "town", "İzmir", "ΣΑΣ", "forces", "pro", "government"]
    texts = [" ".join(rng.choice(vocabulary, int(rng.integers(0, 25)))) for _ in range(60)]
    codes = rng.integers(0, 3, len(texts))
    ng = ngram_table(texts, codes, 3, (1, 3), min_count=2, dense=dense)
    table = ng.table if dense else ng.table.toarray()
    assert isinstance(ng.table, np.ndarray) == dense
    expected = {}
    for n in (1, 2, 3):
        per_group = [Counter(_ngrams([t for t, c in zip(texts, codes) if c == g], n)) for g in range(3)]
        total = sum(per_group, Counter())
        for term, count in total.items():
            if count >= 2:
                expected[term] = [per_group[g][term] for g in range(3)]
        # totals count every n-gram occurrence, kept or not
    assert dict(zip(ng.terms, table.T.tolist())) == expected
    assert ng.totals.tolist() == [sum(len(_ngrams([t for t, c in zip(texts, codes) if c == g], n)) for n in (1, 2, 3))
                                  for g in range(3)]
    assert ng.tokens.tolist() == [sum(len(_re_tokens(t)) for t, c in zip(texts, codes) if c == g) for g in range(3)]
    # shortest first, alphabetical within a length; and the alphabetical view of the same terms
    assert list(ng.terms) == sorted(ng.terms, key=lambda t: (len(t.split()), t))
    order, names = ng.alphabetical_terms()
    assert names.to_pylist() == sorted(ng.terms) == list(ng.terms[order])
    assert ng.n.tolist() == [len(t.split()) for t in ng.terms]


def test_name_columns_are_categorical_and_behave_as_strings(wire_corpus, tmp_path):
    k = keyness(wire_corpus, by=["source", "month"], ngram_range=(1, 2), min_count=1)
    for col in ("group", "source", "month", "term", "note"):
        assert isinstance(k[col].dtype, pd.CategoricalDtype), col
        cats = k[col].cat.categories.tolist()
        assert cats == sorted(cats) and len(set(cats)) == len(cats)
    assert k["count"].dtype == np.int32
    assert {c: str(k[c].dtype) for c in ("rate", "rate_other", "log_ratio", "log_odds", "z")} == dict.fromkeys(
        ("rate", "rate_other", "log_ratio", "log_odds", "z"), "float32")
    g2 = keyness(wire_corpus, by="source", ngram_range=(1, 1), method="g2", min_count=1)
    assert str(g2["g2"].dtype) == "float32" and str(g2["p"].dtype) == str(g2["p_adj"].dtype) == "float64"
    army = k[(k.term == "army") & (k.source == "Post")]
    assert len(army) == 2 and set(army.month) == {"2024-01", "2024-02"}
    by_term = k.sort_values("term", kind="stable")
    assert by_term["term"].astype(str).tolist() == sorted(k["term"].astype(str).tolist())
    k.to_csv(tmp_path / "k.csv", index=False)
    back = pd.read_csv(tmp_path / "k.csv", keep_default_na=False)
    assert back["term"].tolist() == k["term"].astype(str).tolist()
    assert back["group"].tolist() == k["group"].astype(str).tolist()
    k.to_parquet(tmp_path / "k.parquet")
    assert pd.read_parquet(tmp_path / "k.parquet")["term"].astype(str).tolist() == k["term"].astype(str).tolist()


def test_every_row_matches_a_plain_recount_and_the_formula(wire_corpus):
    # with a period in `by`, a reference per period and a minimum count: each comparison keeps its
    # own terms, and rows are written per distinct (count, count_other, corpus count)
    for kw in ({"by": ["source", "month"], "min_count": 2},
               {"by": "source", "reference": "pairs", "min_count": 3, "prior_scale": 50.0}):
        k = keyness(wire_corpus, ngram_range=(1, 2), **kw)
        docs = wire_corpus.docs
        keys = wire_corpus.groups(kw["by"])
        per_group = {g: Counter(_ngrams(docs.loc[keys == g, "text"], 1) + _ngrams(docs.loc[keys == g, "text"], 2))
                     for g in keys.unique()}
        corpus = sum(per_group.values(), Counter())
        N = float(sum(corpus.values()))
        for row in k.itertuples(index=False):
            ref = getattr(row, "reference", None)
            if ref is None:  # the rest of the same month
                month = str(row.group).split(" | ")[1]
                others = [g for g in per_group if g != row.group and g.endswith(month)]
            else:
                others = [ref]
            y_i = per_group[row.group][row.term]
            y_j = sum(per_group[g][row.term] for g in others)
            assert (row.count, row.count_other) == (y_i, y_j)
            assert y_i + y_j >= kw["min_count"]
            n_i = sum(per_group[row.group].values())
            n_j = sum(sum(per_group[g].values()) for g in others)
            alpha0 = kw.get("prior_scale", n_i + n_j)  # default: the prior weighs as much as the data compared
            a = alpha0 * corpus[row.term] / N
            delta = (math.log((y_i + a) / (n_i + alpha0 - y_i - a)) - math.log((y_j + a) / (n_j + alpha0 - y_j - a)))
            # stored as float32: 2⁻²⁴ ≈ 6e-8 relative rounding (computed in float64)
            assert row.log_odds == pytest.approx(delta, rel=1e-7, abs=1e-12)
            assert row.z == pytest.approx(delta / math.sqrt(1 / (y_i + a) + 1 / (y_j + a)), rel=1e-7, abs=1e-12)
        for _, part in k.groupby(["group", "reference"] if "reference" in k else "group", observed=True):
            assert part["z"].is_monotonic_decreasing


def test_ties_keep_the_terms_order_as_a_stable_sort_would():
    rng = np.random.default_rng(2)
    table = rng.integers(0, 4, size=(3, 400))  # few distinct counts: many equal z
    terms = [f"t{i:03d}" for i in range(400)]
    k = keyness_from_counts(table, terms, ["A", "B", "C"], min_count=1)
    for g, name in enumerate(["A", "B", "C"]):
        y_i, y_j = table[g].astype(float), table.sum(0) - table[g].astype(float)
        keep = np.flatnonzero(y_i + y_j >= 1)
        _, z = log_odds_dirichlet(y_i[keep], y_j[keep], table[g].sum(), table.sum() - table[g].sum(),
                                  table.sum(0)[keep].astype(float), float(table.sum()))
        expected = [terms[i] for i in keep[np.argsort(-z, kind="stable")]]
        assert k.loc[k.group == name, "term"].astype(str).tolist() == expected
    # more distinct values than a 16-bit radix sort holds, and NaN, which sorts last
    stat = np.concatenate([rng.normal(size=70_000), [np.nan, 0.0, -0.0]])
    inv = rng.integers(0, len(stat), 200_000)
    assert np.array_equal(keyness_impl._descending_order(stat, inv), np.argsort(-stat[inv], kind="stable"))
    small = np.array([1.5, np.nan, -2.0, 1.5])
    inv = rng.integers(0, 4, 1000)
    assert np.array_equal(keyness_impl._descending_order(small, inv), np.argsort(-small[inv], kind="stable"))


def test_distinct_rows_by_packed_key_or_by_factorising():
    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 50, 5000), rng.integers(3, 9, 5000)
    for cols in ([a, b], [a, b, a * 7], [a.astype(float) + 0.5, b], [a - 10, b], [a * 2**40, b * 2**30]):
        inv, values = keyness_impl._distinct(cols)
        assert len({tuple(v) for v in zip(*values)}) == len(values[0])  # one code per distinct tuple
        for col, vals in zip(cols, values):
            assert np.array_equal(np.asarray(vals)[inv], col)


def test_fractional_counts_keep_their_exact_values_in_the_statistics():
    table = np.array([[2.5, 10.0, 0.25], [1.0, 4.5, 3.0]])
    k = keyness_from_counts(table, ["a", "b", "a"], ["G", "H"], method="g2")
    g = k[k.group == "G"]
    assert list(g["term"].cat.categories) == ["a", "b"] and len(g) == 3  # a repeated name stays two rows
    stat, _ = contingency_2x2(table[0], table[1], table[0].sum(), table[1].sum(), "g2")
    assert sorted(g["g2"]) == pytest.approx(sorted(stat))
    assert sorted(g["count"]) == [0, 2, 10]  # rounded for display, not for the statistics


# ---------------------------------------------------------------------------------------------
# the benchmark's input path: JSONL through Arrow, errors still located by the line reader
def test_jsonl_arrow_reader_gives_what_the_line_reader_gives(tmp_path):
    from framelens import readers

    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"text": "Rebels said so.", "source": "A", "date": "2024-01-02", "n": 1, "x": 1.5, "ok": true}\n\n'
        '{"text": "Army\\u2028denied.", "source": "B", "date": "2024-01-03T10:00:00Z", "n": 2, "x": null, "ok": false}\n'
        '{"text": null, "source": "A", "date": "2024-01-04", "n": null, "new": "z"}\n', encoding="utf-8")
    fast, issues = readers.read_table(path)
    slow, _ = readers._read_jsonl_lines(path, "utf-8", "strict")
    assert issues == [] and list(fast.columns) == list(slow.columns)
    assert fast["date"].tolist() == ["2024-01-02", "2024-01-03T10:00:00Z", "2024-01-04"]  # as written
    for col in fast.columns:
        assert fast[col].dtype == slow[col].dtype, col
        assert fast[col].isna().tolist() == slow[col].isna().tolist(), col
        assert fast[col].dropna().tolist() == slow[col].dropna().tolist(), col
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"text": "ok"}\n{"text": "caf\xe9"}\n')  # Arrow does not check UTF-8 itself
    with pytest.raises(framelens.InputError, match=r"bad.jsonl.*line 2"):
        readers.read_table(bad)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"text": "a", "v": 1}\n{"text": "b", "v": "two"}\n', encoding="utf-8")
    assert readers.read_table(mixed)[0]["v"].tolist() == [1, "two"]  # Arrow refuses; the line reader does not
