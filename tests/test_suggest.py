"""framelens.actors.suggest: candidate lexicon patterns from collocations and distributional neighbours."""
from __future__ import annotations

import argparse
import re

import pandas as pd
import pytest

import framelens
from framelens.actors import suggest_patterns, write_patch
from framelens.errors import ParameterError
from framelens.lexicon import Label, Lexicon, Pattern, parse_lexicon, read_lexicon
from framelens.matching import compile_lexicon
from framelens.scoring import as_lexicon


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def opposition(sample):
    return suggest_patterns(sample, "conflict_actors", "armed_opposition", top=10)


def test_planted_terms_of_the_armed_opposition_come_first(opposition):
    key = framelens.datasets.sample_answer_key()
    planted = set(key[(key["dimension"] == "discovery") & (key["family"] == "armed_opposition")]["planted"])
    assert planted == {"resistance", "bandits"}
    assert set(opposition["pattern"].head(2)) == planted
    assert list(opposition.columns) == ["pattern", "family", "score", "runner_up", "runner_up_score", "margin",
                                        "count", "docs", "collocation_llr", "method", "examples"]
    assert opposition["score"].is_monotonic_decreasing
    assert (opposition["margin"] >= 0).all()


@pytest.mark.parametrize("family, k", [("government_side", 3), ("foreign_forces_militias", 8)])
def test_planted_terms_of_other_families(sample, family, k):
    key = framelens.datasets.sample_answer_key()
    planted = set(key[(key["dimension"] == "discovery") & (key["family"] == family)]["planted"])
    found = suggest_patterns(sample, "conflict_actors", family, top=k, n_examples=0)
    assert planted and planted <= set(found["pattern"])  # junta, patriots; death squads (a collocation)
    if family == "foreign_forces_militias":
        row = found.set_index("pattern").loc["death squads"]
        assert row["method"] == "collocation + neighbour" and row["collocation_llr"] > 100


def test_counts_evidence_and_lexicon_checks(sample, opposition):
    texts = sample.texts
    row = opposition.set_index("pattern").loc["bandits"]
    assert row["count"] == sum(len(re.findall(r"\bbandits\b", t, flags=re.I)) for t in texts)
    assert row["docs"] == sum(bool(re.search(r"\bbandits\b", t, flags=re.I)) for t in texts)
    assert (opposition["count"] >= 5).all()
    for examples, pattern in zip(opposition["examples"], opposition["pattern"]):
        assert 1 <= len(examples) <= 3
        assert all(f"[{pattern}]".lower() in e.lower() for e in examples)
    matcher = compile_lexicon(as_lexicon("conflict_actors"))
    assert not any(matcher.find(p) for p in opposition["pattern"])  # nothing the lexicon already matches


def test_patch_is_a_valid_lexicon_that_a_researcher_can_merge(tmp_path, sample, opposition):
    path = write_patch(opposition.head(3), tmp_path / "patch.yaml", "conflict_actors")
    text = path.read_text(encoding="utf-8")
    patch = read_lexicon(path)
    assert patch.family_ids() == ["armed_opposition"]
    assert [lab.patterns[0].text for _, lab in patch.iter_labels()] == opposition["pattern"].head(3).tolist()
    assert patch.label_ids()[0] == f"suggested_{opposition['pattern'].iloc[0]}"
    assert "# suggested_bandits: 'bandits'" in text and "[bandits]" in text  # the evidence, as comments
    # merging: move the accepted pattern into an existing label; the lexicon now counts it
    lex = as_lexicon("conflict_actors")
    fam = lex.family("armed_opposition")
    rebels = fam.labels[0]
    merged_fam = type(fam)(fam.id, (Label(rebels.id, rebels.patterns + (Pattern("bandits"),), rebels.exclude,
                                          rebels.stance),) + fam.labels[1:], fam.description)
    merged = Lexicon(lex.name, lex.version + "+bandits", tuple(merged_fam if f.id == fam.id else f for f in lex.families))
    assert len(framelens.match(sample, merged).query("matched.str.lower() == 'bandits'")) == 34


def test_patch_label_ids_never_collide_with_the_lexicon():
    lex = parse_lexicon("""
name: tiny
version: "1"
families:
  a:
    labels:
      suggested_x: {patterns: [xs]}
  b:
    labels:
      others: {patterns: [other]}
""")
    from framelens.actors.suggest import patch_text

    text = patch_text(pd.DataFrame({"pattern": ["x"], "family": ["a"]}), lex)
    assert parse_lexicon(text).label_ids() == ["suggested_x_2"]
    with pytest.raises(ParameterError, match="family"):
        patch_text(pd.DataFrame({"pattern": ["x", "y"], "family": ["a", "b"]}), lex)
    with pytest.raises(ParameterError, match="nothing to write"):
        patch_text(pd.DataFrame({"pattern": [], "family": []}), lex, "a")


def test_parameters_are_checked(sample):
    with pytest.raises(ParameterError, match="families"):
        suggest_patterns(sample, "conflict_actors", "no_such_family")
    with pytest.raises(ParameterError, match="top"):
        suggest_patterns(sample, "conflict_actors", "civilians", top=0)
    one = parse_lexicon('name: one\nversion: "1"\nfamilies:\n  f:\n    labels:\n      l: {patterns: [rebels]}\n')
    with pytest.raises(ParameterError, match="two families"):
        suggest_patterns(sample, one, "f")


def test_cli_lexicon_suggest(tmp_path, capsys):
    from framelens.cli.actors import register_lexicon_suggest

    parser = argparse.ArgumentParser()
    lexicon_verbs = parser.add_subparsers(dest="verb").add_parser("lexicon").add_subparsers(dest="lexicon_verb")
    register_lexicon_suggest(lexicon_verbs)
    out = tmp_path / "patch.yaml"
    args = parser.parse_args(["lexicon", "suggest", "sample", "--lexicon", "conflict_actors", "--family",
                              "armed_opposition", "--out", str(out), "--top", "5"])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    assert "bandits" in captured.out and "wrote 5 candidate pattern(s)" in captured.err
    assert len(read_lexicon(out).label_ids()) == 5
