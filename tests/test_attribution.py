"""framelens.actors.attribution: speakers, reporting verbs and their class; skips; the evaluation set."""
from __future__ import annotations

import argparse
import importlib.util
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import framelens
from framelens.actors import SkippedSentencesWarning, attribution_table, attributions, plot_attribution
from framelens.errors import ParameterError
from framelens.lexicon import parse_lexicon

ROOT = Path(__file__).resolve().parents[1]


def _load_eval():
    spec = importlib.util.spec_from_file_location("eval_actors", ROOT / "benchmarks" / "eval_actors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(*texts: str, **kwargs) -> pd.DataFrame:
    corpus = framelens.read_corpus(pd.DataFrame({"text": list(texts), "source": "A"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedSentencesWarning)
        return attributions(corpus, **kwargs)


def _triples(rows: pd.DataFrame) -> list[tuple]:
    return [(r.speaker, None if pd.isna(r.family) else r.family, r.verb, r.verb_class)
            for r in rows.itertuples(index=False)]


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def sample_rows(sample):
    return attributions(sample)


# ---------------------------------------------------------------------------------------------
# constructions
@pytest.mark.parametrize("text, expected", [
    ("The rebels said they had taken the bridge.", [("The rebels", "armed_opposition", "said", "neutral")]),
    ("The bridge had fallen, the army claimed.", [("the army", "government_side", "claimed", "stance")]),
    ('"We hold the bridge," said a commander of the insurgents.',
     [("a commander of the insurgents", "armed_opposition", "said", "neutral")]),
    ("According to the militias, the road is open.", [("the militias", "foreign_forces_militias", "according to", "neutral")]),
    ("The road is open, according to Ana Tel, a spokeswoman for the army.",
     [("Ana Tel, a spokeswoman for the army", "government_side", "according to", "neutral")]),
    ("Idris Vel, a spokesman for the rebels, denied that the town had fallen.",
     [("Idris Vel, a spokesman for the rebels", "armed_opposition", "denied", "stance")]),
    ("He told reporters the shelling had stopped.", [("He", None, "told", "neutral")]),
    ("The army has repeatedly denied targeting homes.", [("The army", "government_side", "denied", "stance")]),
    ('The army said: "No civilians were hurt."', [("The army", "government_side", "said", "neutral")]),
    ("The claims were denied by the army's press office.",
     [("the army's press office", "government_side", "denied", "stance")]),
    ("The army said the town was calm, while the rebels insisted fighting went on.",
     [("The army", "government_side", "said", "neutral"), ("the rebels", "armed_opposition", "insisted", "stance")]),
    ("The army said 40 militants died, adding that its own losses were light.",
     [("The army", "government_side", "said", "neutral"), ("The army", "government_side", "adding", "neutral")]),
    ("Dr Lena Orsk, who runs the clinic, said 30 wounded had arrived.", [("Dr Lena Orsk, who runs the clinic", None, "said", "neutral")]),
    # "terrorist regime": the head of the phrase is the regime, so the speaker is the government side
    ("The terrorist regime admitted that its jets had struck the school.",
     [("The terrorist regime", "government_side", "admitted", "stance")]),
])
def test_construction(text, expected):
    assert _triples(_rows(text)) == expected


@pytest.mark.parametrize("text", [
    "The army did not say how many soldiers had died.",  # negated
    "A government spokesman declined to comment.",  # infinitive
    "It was claimed that the rebels had fired first.",  # passive without a speaker
    "Residents were told to leave their homes.",
    "The alleged massacre could not be verified.",  # adjective
    "Reports of alleged abuses have multiplied.",
    "Militants accused of shelling the market",  # a headline passive without the accuser
    "Neither the army nor the rebels commented on the report.",
    "Sixteen wounded fighters were admitted to hospital.",  # the lexicon's own exclusion
    "The rebels claimed responsibility for the attack.",
])
def test_no_statement(text):
    assert _rows(text).empty


def test_reporting_verb_inside_a_quotation_is_not_the_outlets_attribution():
    rows = _rows('"The army told us to leave by noon," said a resident of the town.')
    assert _triples(rows) == [("a resident of the town", "civilians", "said", "neutral")]
    # a quotation over several sentences: the verbs inside it are part of what was said
    rows = _rows('He said: "The rebels claimed the town. The army denied it." Residents said nothing else.')
    assert [(r.speaker, r.verb) for r in rows.itertuples()] == [("He", "said"), ("Residents", "said")]


def test_punkt_split_after_exclamation_is_joined_back():
    rows = _rows('"Leave the town now!" the army said. It was quiet.')
    assert _triples(rows) == [("the army", "government_side", "said", "neutral")]
    assert rows.loc[0, "sentence"] == 0


def test_spans_and_sentence_index_point_into_the_text():
    text = "The town was quiet. Later, the militants claimed victory."
    rows = _rows(text)
    row = rows.iloc[0]
    assert row.sentence == 1
    assert text[row.speaker_start:row.speaker_end] == "the militants"
    assert text[row.verb_start:row.verb_end] == "claimed"
    assert row.sentence_text == "Later, the militants claimed victory."
    assert list(rows.columns[:6]) == ["doc_id", "sentence", "speaker", "family", "verb", "verb_class"]


def test_verb_class_comes_from_the_verb_lexicons_stances():
    verbs = parse_lexicon("""
name: my_verbs
version: "1"
families:
  reporting:
    labels:
      plain: {stance: neutral, patterns: [said]}
      loaded: {stance: doubtful, patterns: [whispered]}
""")
    rows = _rows("The army said the road was open. The rebels whispered it was not.", verbs=verbs)
    assert [(r.verb, r.verb_class) for r in rows.itertuples()] == [("said", "neutral"), ("whispered", "stance")]
    no_stance = parse_lexicon('name: v\nversion: "1"\nfamilies:\n  f:\n    labels:\n      l: {patterns: [said]}\n')
    with pytest.raises(ParameterError, match="stance"):
        _rows("The army said so.", verbs=no_stance)


# ---------------------------------------------------------------------------------------------
# bad input: skipped, counted, warned — never a crash
def test_bad_input_is_skipped_counted_and_warned():
    texts = [
        "The rebels said the town had fallen.",
        "Les rebelles ont déclaré que la ville était tombée aux mains des forces gouvernementales hier soir "
        "après de longs combats dans le centre.",
        " ".join(["the rebels said the army had shelled the town and the army said the rebels lied"] * 3),
        "The army said " + "that the rebels and the militias and the gunmen " * 20 + "left.",
        '"We hid in the basement all night,\n\nThe army denied any shelling.',
        "",
    ]
    with pytest.warns(framelens.corpus.CorpusWarning, match="empty"):
        corpus = framelens.read_corpus(pd.DataFrame({"text": texts, "source": "A"}))
    with pytest.warns(SkippedSentencesWarning, match="skipped 4 of"):
        rows = attributions(corpus)
    assert rows.attrs["framelens"]["skipped"] == {"non_english": 1, "no_sentence_punctuation": 1, "too_long": 1,
                                                  "unclosed_quote": 1}
    # the good document and the paragraph after the unclosed quote are still read
    assert [(r.doc_id, r.speaker, r.verb) for r in rows.itertuples()] == [
        ("1", "The rebels", "said"), ("5", "The army", "denied")]


def test_a_quote_left_open_before_a_reporting_clause_is_repaired():
    rows = _rows('"We were hiding in the cellar when the rockets landed, the old man said.')
    assert [(r.speaker, r.verb) for r in rows.itertuples()] == [("the old man", "said")]
    assert rows.attrs["framelens"]["repaired_quotes"] == 1
    assert rows.attrs["framelens"]["skipped"]["unclosed_quote"] == 0


def test_a_quote_continued_into_the_next_paragraph_is_not_left_open():
    text = '"The shelling went on all night, and the army said nothing.\n\n"Then the rebels claimed the town," she said.'
    rows = _rows(text)
    assert [(r.speaker, r.verb) for r in rows.itertuples()] == [("she", "said")]
    assert rows.attrs["framelens"]["skipped"]["unclosed_quote"] == 0


# ---------------------------------------------------------------------------------------------
# the embedded corpus
def test_every_annotated_statement_of_the_sample_is_found(sample, sample_rows):
    ann = framelens.datasets.sample_annotations()
    statements = ann[ann["kind"] == "attribution"]
    rows = sample_rows
    found = 0
    for s in statements.itertuples():
        mine = rows[(rows["doc_id"] == s.doc_id) & (rows["verb_start"] >= s.start) & (rows["verb_end"] <= s.end)
                    & (rows["verb"] == s.verb)]
        family = None if s.family == "other" else s.family
        found += any((None if pd.isna(f) else f) == family for f in mine["family"])
    assert found / len(statements) >= 0.99
    # and nothing outside the annotated statements (the sample's other sentences hold no attribution)
    spans = statements.groupby("doc_id")[["start", "end"]].apply(lambda g: list(zip(g["start"], g["end"]))).to_dict()
    outside = [r for r in rows.itertuples() if not any(a <= r.verb_start < b for a, b in spans.get(r.doc_id, []))]
    assert len(outside) <= 0.01 * len(rows)


def test_attribution_recovers_the_planted_verb_classes_for_every_outlet(sample_rows):
    key = framelens.datasets.sample_answer_key()
    planted = key[key["dimension"] == "attribution"]
    table = attribution_table(sample_rows, by="source").set_index(["source", "family"])
    assert len(planted) == 12
    for row in planted.itertuples():
        assert table.loc[(row.source, row.family), "majority"] == row.planted, (row.source, row.family)
        # the key's note gives the exact count of stance verbs
        n_stance = int(row.note.split()[3])
        assert table.loc[(row.source, row.family), "stance"] == n_stance


def test_attribution_table_counts_by_hand():
    rows = pd.DataFrame({"source": ["A", "A", "A", "A", "B", "B"],
                         "family": ["gov", "gov", "gov", "opp", "gov", pd.NA],
                         "verb_class": ["stance", "stance", "neutral", "neutral", "neutral", "stance"]})
    t = attribution_table(rows, min_statements=2)
    assert t[["source", "family", "statements", "neutral", "stance"]].values.tolist() == [
        ["A", "gov", 3, 1, 2], ["A", "opp", 1, 1, 0], ["B", "gov", 1, 1, 0]]
    assert t["stance_share"].round(4).tolist() == [0.6667, 0.0, 0.0]
    assert t["majority"].tolist() == ["stance", "neutral", "neutral"]
    assert t["note"].tolist() == ["", "fewer than 2 statements", "fewer than 2 statements"]
    with pytest.raises(ParameterError, match="verb_class"):
        attribution_table(rows.drop(columns="verb_class"))


def test_plot_attribution_returns_a_figure_outside_pyplot(sample_rows):
    before = plt.get_fignums()
    fig = plot_attribution(attribution_table(sample_rows))
    assert plt.get_fignums() == before
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Continental Observer"
    assert len(ax.collections) >= 2  # one marker set per family


# ---------------------------------------------------------------------------------------------
# the hand-annotated evaluation set
def test_evaluation_set_is_large_and_covers_the_hard_cases():
    ev = _load_eval()
    items = ev.load_items()
    assert len(items) >= 150
    cases = {c for it in items for c in it["cases"]}
    for needed in ("nested_quote", "said_before_speaker", "passive_no_by", "negation", "multiple_speakers",
                   "pronoun_speaker", "according_to", "open_quote"):
        assert needed in cases
    assert len({it["text"] for it in items}) == len(items)


def test_speaker_match_rule():
    ev = _load_eval()
    assert ev.speaker_match("the army", "The army")
    assert ev.speaker_match("Tomas Hadrel, a spokesman for the army", "Tomas Hadrel, a spokesman for the army.")
    assert ev.speaker_match("the army's press office", "the army's press office")
    assert not ev.speaker_match("a spokesman for the army", "the army")  # three extra words
    assert not ev.speaker_match("the rebels", "the army")
    assert not ev.speaker_match("", "the army")


def test_attribution_meets_the_precision_and_recall_targets():
    result = _load_eval().evaluate()
    a = result["attribution"]
    assert a["gold"] >= 140
    assert a["precision"] >= 0.85
    assert a["recall"] >= 0.75
    held = result["by_split"]["heldout"]["attribution"]
    assert held["precision"] >= 0.85 and held["recall"] >= 0.75


# ---------------------------------------------------------------------------------------------
def test_cli_attributions_writes_rows_and_summary(tmp_path):
    from framelens.cli.actors import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="verb"))
    out = tmp_path / "attr.csv"
    args = parser.parse_args(["attributions", "sample", "--out", str(out)])
    assert args.func(args) == 0
    rows = pd.read_csv(out)
    assert list(rows.columns[:6]) == ["doc_id", "sentence", "speaker", "family", "verb", "verb_class"]
    assert len(rows) > 800
    summary = tmp_path / "summary.csv"
    args = parser.parse_args(["attributions", "sample", "--summary", "--out", str(summary)])
    assert args.func(args) == 0
    assert set(pd.read_csv(summary)["majority"]) == {"neutral", "stance"}


# ---------------------------------------------------------------------------------------------
# regressions found on real news (Article-Bias-Prediction sentences, paraphrased)
def test_negation_behind_adverbs_outside_the_list_reports_no_statement():
    # "has not publicly and specifically described": the "-ly" adverbs hid the negation and the
    # speaker was "not publicly and specifically"
    assert _triples(_rows("Obama still has not publicly and specifically described the attack as terrorism.")) == []
    # a phrase right after a negation is no speaker of the verb that follows it
    rows = _rows("The comments did not square with Obama's stated goal of defeating the group.")
    assert "stated" not in set(rows["verb"])
    rows = _rows("The army has publicly and specifically described the attack as terrorism.")
    assert [(r.speaker, r.verb) for r in rows.itertuples()] == [("The army", "described")]
    # a noun in "-ly" is not an adverb: the family, an ally
    assert [r.speaker for r in _rows("The family said the shelling went on all night.").itertuples()] == ["The family"]


def test_a_coordinated_reporting_verb_keeps_the_subject_not_the_object():
    rows = _rows("Moallem blamed the rebels for the attack and denied that the army had delayed inspections.",
                 "The statement blames the rebels for the attack and says that fighters detonated the belts.")
    assert [(r.speaker, r.verb, r.construction) for r in rows.itertuples()] == [
        ("Moallem", "blamed", "speaker_before"), ("Moallem", "denied", "coordinated"),
        ("The statement", "blames", "speaker_before"), ("The statement", "says", "coordinated")]
    assert rows["family"].isna().all()  # not armed_opposition: the rebels are the object


def test_a_clause_between_commas_is_not_an_appositive():
    rows = _rows("Two decades ago, the mother and babies would likely have perished, says Farzana Darkhani, "
                 "the agency's director.")
    assert [(r.speaker, r.verb, r.construction) for r in rows.itertuples()] == [
        ("Farzana Darkhani, the agency's director", "says", "speaker_after")]
    assert rows["family"].isna().all()  # not civilians: "the mother and babies" did not speak
    # appositives with a participle or a relative clause still are
    rows = _rows("The statement, released by the army's media office, said three officers were hurt.",
                 "The Observatory, a group that has documented abuses, said it was collecting evidence.")
    assert list(rows["speaker"]) == ["The statement, released by the army's media office",
                                     "The Observatory, a group that has documented abuses"]


def test_a_pronoun_speaker_is_the_pronoun_alone_and_a_leading_and_is_dropped():
    rows = _rows("Officials haven't provided details about the children and adults they said were taken.",
                 "The reports have not been confirmed, Jean added, and the regime says the claims are baseless.")
    assert [(r.speaker, None if pd.isna(r.family) else r.family) for r in rows.itertuples()] == [
        ("they", None), ("Jean", None), ("the regime", "government_side")]


def test_cli_summary_by_a_corpus_column_or_date_bin(tmp_path):
    from framelens.cli.actors import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="verb"))
    out = tmp_path / "by_lean.csv"
    args = parser.parse_args(["attributions", "sample", "--summary", "lean", "--out", str(out)])
    assert args.func(args) == 0
    table = pd.read_csv(out)
    corpus = framelens.datasets.load_sample()
    assert set(table["lean"]) == set(corpus.docs["lean"])
    # the same counts as joining the column by hand
    rows = attributions(corpus)
    by_hand = attribution_table(rows.assign(lean=rows["doc_id"].map(dict(zip(corpus.docs["doc_id"], corpus.docs["lean"])))),
                                by="lean")
    assert table["statements"].tolist() == by_hand["statements"].tolist()
    args = parser.parse_args(["attributions", "sample", "--summary", "nosuch", "--out", str(out)])
    with pytest.raises(ParameterError, match="nosuch"):
        args.func(args)


def test_an_english_sentence_of_names_and_places_is_not_skipped_as_non_english():
    text = ("State-funded Egyptian daily Al-Ahram has reported 46 sexual assaults during anti-Morsy protests in "
            "Egypt since Sunday, citing the volunteer group Operation Anti-Sexual Harassment.")
    rows = _rows(text)
    assert rows.attrs["framelens"]["skipped"]["non_english"] == 0
    assert [(r.speaker, r.verb) for r in rows.itertuples()][:1] == [("State-funded Egyptian daily Al-Ahram", "reported")]
    german = ("Die Armee sagte am Montag, dass die Rebellen das Dorf während der Nacht angegriffen und zwölf "
              "Zivilisten getötet hätten, obwohl sie dies bestreiten.")
    assert _rows(german).attrs["framelens"]["skipped"]["non_english"] == 1
