"""The exercise checks: right answers pass, wrong ones get specific feedback that does not give the answer
away, unfilled ones say "not yet", and no check ever raises."""
from __future__ import annotations

import pandas as pd
import pytest

import framelens
from framelens import exercises as X
from framelens import reports
from framelens.lexicon import parse_lexicon

GOOD_YAML = """
name: government_names
version: "1"
families:
  government_names:
    labels:
      institutional:
        patterns: [army, military, government, government forces, government troops, security forces,
                   loyalist forces, loyalists, patriots]
      delegitimising:
        patterns: [regime, regime forces, junta]
"""
DRAFT_YAML = """
name: draft_government_names
version: "0.1"
families:
  government_names:
    labels:
      institutional:
        patterns: [army, government, government forces, security forces, state, official*]
      delegitimising:
        patterns: [regime, regime forces]
"""


def lexicon_with(institutional: str, delegitimising: str, family: str = "government_names"):
    return parse_lexicon(f"""
name: t
version: "1"
families:
  {family}:
    labels:
      institutional: {{patterns: [{institutional}]}}
      delegitimising: {{patterns: [{delegitimising}]}}
""")


@pytest.fixture(scope="module")
def corpus():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def draft():
    return parse_lexicon(DRAFT_YAML)


@pytest.fixture(scope="module")
def sample(corpus, draft):
    return reports.sample_hits(corpus, draft, per_label=10, seed=1)


def judged_by_reading(sample: pd.DataFrame) -> pd.DataFrame:
    out = sample.copy()
    out["judgement"] = [0 if k.lower() == "state" or k.lower().startswith("official") else 1 for k in out["keyword"]]
    return out


# ------------------------------------------------------------------------------ feedback object
def test_feedback_displays_and_is_falsey_when_not_yet():
    fb = X.check_keyness_reading(None)
    assert not fb and not fb.passed and repr(fb).startswith("[not yet] check_keyness_reading:")
    assert "fill in your answer" in fb.message
    html = X.check_keyness_reading("b")._repr_html_()
    assert "passed" in html and "<script" not in X.Feedback("c", False, "<script>")._repr_html_()


@pytest.mark.parametrize("check, args", [
    (X.check_contrast_lexicon, (None,)), (X.check_judgements, (None,)), (X.check_precision_table, (None, None)),
    (X.check_problem_patterns, (..., None)), (X.check_shares, (None,)), (X.check_most_insurgents, (None,)),
    (X.check_rebels_intervals, (None,)), (X.check_unlisted_key_term, (None,)), (X.check_keyness_reading, (...,)),
    (X.check_source_evaluations, (None, None)), (X.check_split_choice, (None,)), (X.check_topic_model, (None,)),
    (X.check_lexicon_reading, (None,)),
])
def test_every_check_says_not_yet_on_unfilled_answers(check, args):
    fb = check(*args)
    assert fb.passed is False and "fill in your answer" in fb.message


def test_checks_never_raise_on_nonsense():
    for fb in (X.check_contrast_lexicon(42), X.check_judgements("all good"), X.check_shares(pd.DataFrame({"x": [1]})),
               X.check_precision_table(pd.DataFrame({"label": ["a"]}), pd.DataFrame()),
               X.check_problem_patterns([3.5], "no_such_lexicon")):
        assert fb.passed is False and fb.message


# ------------------------------------------------------------------------------ exercise 1
def test_contrast_lexicon_passes_when_it_separates_the_outlets():
    fb = X.check_contrast_lexicon(parse_lexicon(GOOD_YAML))
    assert fb.passed, fb.message
    assert "recall 100%" in fb.message and "pro_opposition" in fb.message


def test_contrast_lexicon_feedback_is_specific_without_the_missing_names():
    missing = X.check_contrast_lexicon(lexicon_with("army, government", "regime, regime forces"))
    assert not missing.passed and "mentions of the government side" in missing.message
    for name in ("junta", "loyalist", "security forces", "patriots"):
        assert name not in missing.message
    noisy = X.check_contrast_lexicon(parse_lexicon(GOOD_YAML.replace("patriots]", "patriots, state, official*]")))
    assert not noisy.passed and "are not names for the government side" in noisy.message
    swapped = X.check_contrast_lexicon(lexicon_with(
        "army, military, government, government forces, government troops, security forces, loyalists, "
        "loyalist forces, regime", "regime forces, junta, patriots"))
    assert not swapped.passed and "other label" in swapped.message
    # one neutral name filed as delegitimising holds only 3 % of the hits: it used to pass
    misfiled = X.check_contrast_lexicon(lexicon_with(
        "army, military, government forces, government troops, security forces, loyalist forces, loyalists, patriots",
        "regime, regime forces, junta, government"))
    assert not misfiled.passed, misfiled.message
    assert "1 of your names (27 hits) sits under the other label" in misfiled.message
    assert "'government'" not in misfiled.message  # the name itself is the answer
    wrong_family = X.check_contrast_lexicon(lexicon_with("army, government", "regime, junta", family="gov"))
    assert "family called 'government_names'" in wrong_family.message
    assert "parse your YAML" in X.check_contrast_lexicon(GOOD_YAML).message


def test_judgements_check_counts_disagreements_by_label(sample):
    good = judged_by_reading(sample)
    assert X.check_judgements(good).passed
    all_ones = sample.assign(judgement=1)
    fb = X.check_judgements(all_ones)
    n_wrong = int((judged_by_reading(sample)["judgement"] == 0).sum())
    assert n_wrong > 0 and not fb.passed
    assert f"{n_wrong} of your {len(sample)} judgements differ" in fb.message and "institutional" in fb.message
    half = sample.assign(judgement=[1] * 5 + [None] * (len(sample) - 5))
    assert f"{len(sample) - 5} of {len(sample)} lines have no judgement yet" in X.check_judgements(half).message


def test_precision_table_check_recomputes_from_the_judged_sample(sample):
    judged = judged_by_reading(sample)
    table = reports.precision_from_judgements(judged)
    fb = X.check_precision_table(table, judged)
    assert fb.passed and "least precise label is 'institutional'" in fb.message
    other = reports.precision_from_judgements(judged.assign(judgement=1))
    assert "do not match the judged sample" in X.check_precision_table(other, judged).message
    narrow = reports.precision_from_judgements(judged, alpha=0.5)
    assert "Wilson intervals at 95%" in X.check_precision_table(narrow, judged).message


def test_problem_patterns_check_does_not_name_the_missing_one(draft):
    assert X.check_problem_patterns(["state", "official*"], draft).passed
    half = X.check_problem_patterns(["state"], draft)
    assert not half.passed and "1 of the 2 patterns" in half.message and "official" not in half.message
    blamed = X.check_problem_patterns(["state", "army"], draft)
    assert not blamed.passed and "match names of the government side well" in blamed.message
    assert "not a pattern of the draft" in X.check_problem_patterns(["states"], draft).message


# ------------------------------------------------------------------------------ exercise 2
def test_shares_check(corpus):
    sh = framelens.shares(corpus, "conflict_actors", family="armed_opposition", by="source", n_boot=200, seed=0)
    assert X.check_shares(sh).passed
    every = framelens.shares(corpus, "conflict_actors", by="source", n_boot=200, seed=0)
    assert "keep only the family 'armed_opposition'" in X.check_shares(every).message
    no_ci = framelens.shares(corpus, "conflict_actors", family="armed_opposition", by="source", n_boot=0)
    assert "intervals are empty" in X.check_shares(no_ci).message
    by_lean = framelens.shares(corpus, "conflict_actors", family="armed_opposition", by="lean", n_boot=200)
    assert "should be the 6 outlets" in X.check_shares(by_lean).message


def test_most_insurgents_feedback_hides_the_answer(corpus):
    sh = framelens.shares(corpus, "conflict_actors", family="armed_opposition", by="source", n_boot=0)
    ins = sh[sh["label"] == "insurgents"].set_index("group")["share"]
    right, wrong = ins.idxmax(), ins.idxmin()
    assert X.check_most_insurgents(right).passed
    fb = X.check_most_insurgents(wrong)
    assert not fb.passed and right not in fb.message and "another outlet uses it more" in fb.message
    assert "not an outlet" in X.check_most_insurgents("The Daily Nowhere").message


def test_interval_reading():
    right = X.check_rebels_intervals(False)
    assert right.passed  # the two intervals overlap on this corpus
    # overlapping 95 % intervals do not prove "no difference": the feedback must not teach that as a rule
    assert "cannot tell the two outlets apart" not in right.message and "rough guide" in right.message
    wrong = X.check_rebels_intervals(True)
    assert not wrong.passed and "overlap" in wrong.message
    assert "True" in X.check_rebels_intervals("yes").message


def test_unlisted_key_term_feedback():
    assert X.check_unlisted_key_term("junta").passed
    assert X.check_unlisted_key_term("Resistance").passed
    assert "already matches it" in X.check_unlisted_key_term("regime").message
    assert "does not name a party" in X.check_unlisted_key_term("peaceful").message
    assert "does not over-use" in X.check_unlisted_key_term("the").message or \
        "does not appear" in X.check_unlisted_key_term("the").message
    assert "one word" in X.check_unlisted_key_term("death squads").message


def test_keyness_reading_explains_each_wrong_choice():
    assert X.check_keyness_reading("B").passed
    messages = {c: X.check_keyness_reading(c).message for c in "acd"}
    assert len(set(messages.values())) == 3 and all("b" not in m.split() for m in messages.values())
    assert "one letter" in X.check_keyness_reading("e").message


# ------------------------------------------------------------------------------ exercise 3
@pytest.fixture(scope="module")
def evaluations(corpus):
    import dataclasses

    from threadpoolctl import threadpool_limits

    from framelens.classify.evaluate import evaluate
    from framelens.classify.model import Classifier

    with threadpool_limits(1):  # small problems: one BLAS thread is several times faster than many
        random_eval = evaluate(Classifier(), corpus, target="source", split="stratified", cv=5, seed=0,
                               lexicon="conflict_actors", k=0)
        grouped_eval = evaluate(Classifier(), corpus, target="source", groups="event", cv=5, seed=0,
                                lexicon="conflict_actors", k=0)
    return random_eval, grouped_eval, dataclasses.replace


def test_source_evaluations_check(evaluations):
    random_eval, grouped_eval, replace = evaluations
    assert X.check_source_evaluations(random_eval, grouped_eval).passed
    swapped = X.check_source_evaluations(grouped_eval, random_eval)
    assert not swapped.passed and "split='stratified'" in swapped.message
    lean = replace(grouped_eval, params={**grouped_eval.params, "target": "lean"})
    assert "target='source'" in X.check_source_evaluations(random_eval, lean).message
    # a model that also sees the lexicon's labels (Classifier(lexicon=...), the conflict_framing preset) is no
    # words-only model: it used to pass, as the check could not tell its lexicon from the baseline's
    assert random_eval.params["model"]["lexicon"] is False and random_eval.params["baseline_lexicon"] == "conflict_actors"
    with_lexicon = replace(grouped_eval, params={**grouped_eval.params,
                                                 "model": {**grouped_eval.params["model"], "lexicon": "conflict_actors"}})
    fb = X.check_source_evaluations(random_eval, with_lexicon)
    assert not fb.passed and "words-only model" in fb.message
    three = replace(random_eval, params={**random_eval.params, "cv": 3})
    assert "cv=5" in X.check_source_evaluations(three, grouped_eval).message
    assert "result of evaluate" in X.check_source_evaluations(random_eval.summary, grouped_eval).message


def test_topic_model_and_feature_kinds(corpus):
    from framelens.classify.model import Classifier

    assert "not fitted" in X.check_topic_model(Classifier()).message
    words = ["Istrel is calm.", "Kolvato is calm."] * 3
    tiny = Classifier().fit(words, ["a", "b"] * 3)
    assert "should predict the 16 events" in X.check_topic_model(tiny).message
    right = {"junta": "framing", "severin": "topic", "patriots": "framing", "istrel": "topic",
             "militants": "framing", "tarnik": "topic", "loyalist": "framing", "hospital": "topic"}
    assert set(right) == set(X.FEATURE_WORDS)
    assert X.check_feature_kinds(right).passed
    two_wrong = {**right, "junta": "topic", "tarnik": "framing"}
    fb = X.check_feature_kinds(two_wrong)
    assert not fb.passed and "2 of 8" in fb.message and "junta" not in fb.message and "tarnik" not in fb.message
    assert "have no answer yet" in X.check_feature_kinds({"junta": "framing"}).message
    assert "'topic' or 'framing'" in X.check_feature_kinds({**right, "istrel": "place"}).message


def test_choice_checks_for_exercise_3():
    assert X.check_split_choice("b").passed and X.check_lexicon_reading("a").passed
    for check, wrong in ((X.check_split_choice, "acd"), (X.check_lexicon_reading, "bcd")):
        messages = [check(c).message for c in wrong]
        assert len(set(messages)) == 3 and not any(check(c).passed for c in wrong)
