"""framelens.actors.agency: constructions of harm, agents and their families, hidden agents, the sample key."""
from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import framelens
from framelens.actors import SkippedSentencesWarning, agency, agency_table, plot_agency
from framelens.actors.agency import implied_agents
from framelens.errors import ParameterError

ROOT = Path(__file__).resolve().parents[1]


def _rows(*texts: str, **kwargs) -> pd.DataFrame:
    corpus = framelens.read_corpus(pd.DataFrame({"text": list(texts), "source": "A"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedSentencesWarning)
        return agency(corpus, **kwargs)


def _triples(rows: pd.DataFrame) -> list[tuple]:
    def clean(v):
        return None if pd.isna(v) else v

    return [(r.verb, r.construction, clean(r.agent), clean(r.agent_family)) for r in rows.itertuples(index=False)]


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def sample_rows(sample):
    return agency(sample, story="event")


@pytest.mark.parametrize("text, expected", [
    ("Air strikes killed 31 people in the old town.", [("killed", "active", "Air strikes", None)]),
    ("Government forces killed at least 14 people.", [("killed", "active", "Government forces", "government_side")]),
    ("Nine civilians were killed by the rebels.", [("killed", "passive_agent", "the rebels", "armed_opposition")]),
    ("Nine civilians were killed by militants near the border on Tuesday.",
     [("killed", "passive_agent", "militants", "armed_opposition")]),
    ("Nine civilians were killed on Tuesday.", [("killed", "passive_agentless", None, None)]),
    ("Nine civilians died in the shelling.", [("died", "intransitive", None, None)]),
    ("More than 200 people have lost their lives in the siege.", [("lost their lives", "intransitive", None, None)]),
    ("The regime shelled the market, killing 14 people.", [("killing", "active", "The regime", "government_side")]),
    ("The bombing, which killed nine worshippers, was condemned.", [("killed", "active", "The bombing", None)]),
    ("Those killed included a nurse.", [("killed", "passive_agentless", None, None)]),
    ("Civilians killed by the militias were buried on Thursday.",
     [("killed", "passive_agent", "the militias", "foreign_forces_militias")]),
    ("Army says 30 militants killed in dawn raid", [("killed", "passive_agentless", None, None)]),
    ("Nine people had been killed by nightfall, medics said.", [("killed", "passive_agentless", None, None)]),
    ("Four drivers were killed when the convoy was ambushed by insurgents.",
     [("killed", "passive_agent", "insurgents", "armed_opposition")]),
    # an agent in an active subordinate clause is not the agent of the killing verb
    ("Four drivers were killed when insurgents ambushed the convoy.", [("killed", "passive_agentless", None, None)]),
    ("The blast killed six people and wounded 20 others.",
     [("killed", "active", "The blast", None), ("wounded", "active", "The blast", None)]),
    ("Six people were killed or wounded in the blast.",
     [("killed", "passive_agentless", None, None), ("wounded", "passive_agentless", None, None)]),
    ("Militiamen shot dead a teenager at the checkpoint.",
     [("shot dead", "active", "Militiamen", "foreign_forces_militias")]),
    ("A teenager was gunned down at the checkpoint.", [("gunned down", "passive_agentless", None, None)]),
    ("Residents said government troops had killed two men.",
     [("killed", "active", "government troops", "government_side")]),
])
def test_construction(text, expected):
    assert _triples(_rows(text)) == expected


@pytest.mark.parametrize("text", [
    "The killing of two aid workers was condemned.",  # nominalisations are not predicates
    "The death toll rose to 40 on Monday.",
    "Killings of civilians have risen sharply.",
    "Sixteen wounded fighters were admitted to hospital.",  # adjective
    "The hospital was treating wounded from the front.",  # noun
    "The doctor said she had treated 41 wounded since dawn.",
])
def test_no_harm_predicate(text):
    assert _rows(text).empty


def test_quoted_harm_is_flagged_and_left_out_of_the_table_by_default():
    rows = _rows('"They killed my father," she said. Government forces killed two men.')
    assert rows["quoted"].tolist() == [True, False]
    table = agency_table(rows.assign(implied_family=rows["agent_family"]))
    assert table["reports"].sum() == 1
    assert agency_table(rows.assign(implied_family=["x", "government_side"]), include_quoted=True)["reports"].sum() == 2


def test_spans_point_into_the_text():
    text = "The town was quiet. At dawn the army killed three gunmen."
    row = _rows(text).iloc[0]
    assert row.sentence == 1
    assert text[row.verb_start:row.verb_end] == "killed"
    assert text[row.agent_start:row.agent_end] == "the army"
    assert list(_rows(text).columns[:5]) == ["doc_id", "sentence", "construction", "agent", "agent_family"]


def test_skipped_sentences_are_counted():
    corpus = framelens.read_corpus(pd.DataFrame({"text": [
        "Rebels killed 12 soldiers.",
        "Die Rebellen haben gestern Abend zwölf Soldaten getötet und die Stadt nach langen Kämpfen eingenommen.",
    ], "source": "A"}))
    with pytest.warns(SkippedSentencesWarning, match="1 non_english"):
        rows = agency(corpus)
    assert rows.attrs["framelens"]["skipped"]["non_english"] == 1
    assert len(rows) == 1


def test_parameters_are_checked():
    corpus = framelens.read_corpus(pd.DataFrame({"text": ["Rebels killed 12 soldiers."]}))
    with pytest.raises(ParameterError, match="story"):
        agency(corpus, story="event")
    with pytest.raises(ParameterError, match="harm"):
        agency(corpus, harm_family="no_such_family")


# ---------------------------------------------------------------------------------------------
def test_implied_agents_uses_other_reports_of_the_story():
    rows = pd.DataFrame({
        "doc_id": ["a", "b", "c", "d", "e", "f", "g"],
        "construction": ["active", "passive_agent", "active", "intransitive", "passive_agentless", "active", "intransitive"],
        "agent_family": ["gov", "gov", "opp", None, None, "gov", None],
    })
    docs = pd.DataFrame({"doc_id": list("abcdefg"), "event": ["E1"] * 5 + ["E2", "E2"]})
    out = implied_agents(rows, docs, story="event")
    # E1 names gov 2 times of 3 (67 % ≥ 60 %): its hidden rows get gov; E2 has one named row (< 3)
    assert out["implied_family"].fillna("-").tolist() == ["gov", "gov", "opp", "gov", "gov", "gov", "-"]
    assert out["implied_by"].fillna("-").tolist() == ["named", "named", "named", "story", "story", "named", "-"]
    strict = implied_agents(rows, docs, story="event", majority=0.7)
    assert strict["implied_family"].isna().sum() == 3
    assert implied_agents(rows)["implied_by"].fillna("-").tolist() == ["named"] * 3 + ["-", "-", "named", "-"]


def test_every_annotated_casualty_report_of_the_sample(sample_rows):
    ann = framelens.datasets.sample_annotations()
    casualties = ann[ann["kind"] == "casualty"]
    right = family_right = named = 0
    for c in casualties.itertuples():
        mine = sample_rows[(sample_rows["doc_id"] == c.doc_id) & (sample_rows["verb_start"] >= c.start)
                           & (sample_rows["verb_end"] <= c.end)]
        if mine.empty:
            continue
        row = mine.iloc[0]
        right += row.construction == c.construction
        if c.construction in ("active", "passive_agent"):
            named += 1
            family_right += row.agent_family == c.family
    assert right / len(casualties) >= 0.98
    assert family_right / named >= 0.98


def test_agency_recovers_the_planted_voice_for_every_outlet(sample_rows):
    key = framelens.datasets.sample_answer_key()
    planted = key[key["dimension"] == "voice"]
    table = agency_table(sample_rows, by="source").set_index(["source", "family"])
    assert len(planted) == 12
    for row in planted.itertuples():
        assert table.loc[(row.source, row.family), "majority"] == row.planted, (row.source, row.family)


def test_agency_table_by_hand():
    rows = pd.DataFrame({
        "source": ["A"] * 6 + ["B"] * 2,
        "construction": ["active", "active", "passive_agent", "intransitive", "passive_agentless", "active",
                         "intransitive", "active"],
        "agent_family": ["gov", "gov", "opp", None, None, None, None, "opp"],
        "implied_family": ["gov", "gov", "opp", "opp", "gov", None, "gov", "opp"],
        "quoted": False,
    })
    t = agency_table(rows)
    assert t[["source", "family", "active", "passive_agent", "passive_agentless", "intransitive", "reports", "named"]
             ].values.tolist() == [["A", "gov", 2, 0, 1, 0, 3, 2], ["A", "opp", 0, 1, 0, 1, 2, 1],
                                   ["B", "gov", 0, 0, 0, 1, 1, 0], ["B", "opp", 1, 0, 0, 0, 1, 1]]
    assert t["named_share"].round(4).tolist() == [0.6667, 0.3333, 0.0, 1.0]
    assert t["hidden_share"].round(4).tolist() == [0.3333, 0.5, 1.0, 0.0]
    assert t["majority"].tolist() == ["active", "passive_agent", "intransitive", "active"]  # tie → earlier
    named_only = agency_table(rows, family_column="agent_family")
    assert named_only["reports"].tolist() == [2, 1, 1]


def test_plot_agency_returns_a_figure_outside_pyplot(sample_rows):
    before = plt.get_fignums()
    table = agency_table(sample_rows)
    fig = plot_agency(table)
    assert plt.get_fignums() == before
    assert len(fig.axes[0].patches) == 4 * len(table)


def test_voice_meets_the_accuracy_target():
    spec = importlib.util.spec_from_file_location("eval_actors", ROOT / "benchmarks" / "eval_actors.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    result = ev.evaluate()
    assert result["voice"]["gold"] >= 100
    assert result["voice"]["accuracy"] >= 0.85
    assert result["by_split"]["heldout"]["voice"]["accuracy"] >= 0.85


def test_cli_agency_summary(tmp_path):
    from framelens.cli.actors import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="verb"))
    out = tmp_path / "agency.csv"
    args = parser.parse_args(["agency", "sample", "--story", "event", "--summary", "--out", str(out)])
    assert args.func(args) == 0
    table = pd.read_csv(out)
    assert {"source", "family", "active", "passive_agent", "passive_agentless", "intransitive", "majority"} <= set(table.columns)


# ---------------------------------------------------------------------------------------------
# regressions found on real news (Article-Bias-Prediction sentences, paraphrased)
def test_negated_harm_is_flagged_and_left_out_of_the_table():
    rows = _rows("Officials said the army's attack had not killed or injured any civilians.",
                 "The rebels never killed civilians, the commander said.",
                 "No one was killed in the attack.",
                 "The army did not kill anyone.",
                 "The rebels not only killed 12 soldiers but burned the post.",
                 "Rebels killed 12 soldiers.")
    assert rows["negated"].tolist() == [True, True, True, True, True, False, False]
    # the constructions themselves are unchanged (the evaluation set annotates negated predicates too)
    assert rows["construction"].tolist()[:4] == ["active", "active", "active", "passive_agentless"]
    table = agency_table(rows)
    assert table.set_index("family")["active"].to_dict() == {"armed_opposition": 2}
    assert "government_side" not in set(table["family"])  # "did not kill" names nobody as doing harm
    full = agency_table(rows, include_negated=True).set_index("family")
    assert full.loc["government_side", "active"] == 3 and full.loc["armed_opposition", "active"] == 3


def test_negated_rows_imply_no_agent_for_the_story():
    texts = ["The army did not kill anyone.", "The army never killed civilians.", "The army did not kill them.",
             "Five civilians died in the shelling."]
    corpus = framelens.read_corpus(pd.DataFrame({"text": texts, "source": list("ABCD"), "event": "E1"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedSentencesWarning)
        rows = agency(corpus, story="event")
    hidden = rows[rows["construction"] == "intransitive"]
    assert len(hidden) == 1 and hidden["implied_family"].isna().all()  # not government_side


def test_an_infinitive_or_a_modal_is_an_intention_not_a_report_of_harm():
    rows = _rows("The president gave an order to kill the general.",
                 "The Taliban were paid by Russia to kill soldiers.",
                 "The militants will kill the hostages.",
                 "Rebels kill 12 soldiers in an ambush.",
                 "He was the highest-ranking officer to be killed in the war.")
    assert _triples(rows) == [("kill", "active", "Rebels", "armed_opposition"),
                              ("killed", "passive_agentless", None, None)]


def test_which_after_a_whole_clause_refers_to_the_last_noun_phrase():
    rows = _rows("President Biden on Wednesday gathered world leaders virtually to discuss a plan for fighting "
                 "the pandemic, which has killed more than 4 million people.",
                 "The bombing, which killed nine, was condemned.",
                 "Forces loyal to the regime, which killed 12 civilians, withdrew.")
    assert list(rows["agent"]) == ["the pandemic", "The bombing", "Forces loyal to the regime"]


def test_documents_with_an_empty_story_value_are_not_one_story():
    texts = ["Rebels killed 12 soldiers.", "Rebels killed 3 soldiers.", "Rebels killed 4 soldiers.",
             "Five civilians died in the shelling.", "Ten soldiers died."]
    for events in (["", "", "", "", "E2"], ["", " ", "", "  ", "E2"], [None, None, None, None, "E2"]):
        corpus = framelens.read_corpus(pd.DataFrame({"text": texts, "source": list("ABCDE"), "event": events}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SkippedSentencesWarning)
            rows = agency(corpus, story="event")
        assert rows["implied_by"].iloc[:3].eq("named").all() and rows["implied_by"].iloc[3:].isna().all()


def test_cli_summary_without_story_says_hidden_agents_are_not_counted(tmp_path, capsys):
    from framelens.cli.actors import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="verb"))
    out = tmp_path / "agency.csv"
    args = parser.parse_args(["agency", "sample", "--summary", "--out", str(out)])
    assert args.func(args) == 0
    assert (pd.read_csv(out)["hidden_share"] == 0).all()
    assert "without --story" in capsys.readouterr().err
    args = parser.parse_args(["agency", "sample", "--story", "event", "--summary", "lean", "--out", str(out)])
    assert args.func(args) == 0
    assert "without --story" not in capsys.readouterr().err
    table = pd.read_csv(out)
    assert set(table["lean"]) == set(framelens.datasets.load_sample().docs["lean"]) and table["hidden_share"].gt(0).any()
