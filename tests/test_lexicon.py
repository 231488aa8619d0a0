"""The YAML lexicon format, its validator, and the built-in lexicons' content."""
from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from framelens.errors import LexiconError
from framelens.lexicon import (
    Family,
    Label,
    Lexicon,
    Pattern,
    builtin_names,
    list_lexicons,
    load_lexicon,
    parse_lexicon,
    pattern_problem,
    pattern_words,
    read_lexicon,
    validate_lexicon,
    write_lexicon,
)
from framelens.lexicon import yaml_io

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRAMELENS_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "000_bf36275df13a3117.txt"

REQUIRED = {
    "armed_opposition": ["rebels", "insurgents", "opposition", "terrorists", "militants", "extremists",
                         "freedom_fighters", "armed_gangs", "moderate_opposition", "anti_government_forces"],
    "government_side": ["army", "government_forces", "government", "regime", "regime_forces",
                        "pro_government_forces", "loyalists", "security_forces"],
    "foreign_forces_militias": ["militias", "foreign_fighters", "mercenaries", "russian_forces", "iranian_forces",
                                "hezbollah", "us_led_coalition", "turkish_forces"],
    "jihadist_groups": ["islamic_state", "isis", "daesh", "nusra_front", "jabhat_fatah_al_sham", "hts", "al_qaeda",
                        "ahrar_al_sham"],
    "civilians": ["civilians", "residents", "children", "women_and_children", "displaced", "non_combatants",
                  "human_shields"],
}
# planted in the embedded corpus as terms the lexicon lacks (for term discovery)
FORBIDDEN = ["bandit", "bandits", "resistance", "junta", "death squad", "death squads", "patriots", "Patriots"]


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"third-party data not present: {SEED} (../shared is not beside this checkout)")
    return SEED.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# A reference reading of the matching contract (docs/architecture.md), written independently of
# framelens.matching, so the built-in lexicons' content can be checked on real text.
# ---------------------------------------------------------------------------------------------
def ref_regex(p: Pattern) -> re.Pattern:
    words = re.split(r"[\s\-\u2010\u2011]+", p.text)
    parts = ["".join(r"\w*" if c == "*" else r"\w" if c == "?" else "['’]" if c in "'’" else re.escape(c)
                     for c in w) for w in words]
    body = r"[\s\-\u2010\u2011]+".join(parts)
    if re.match(r"[\w*?]", p.text[0]):
        body = r"(?<!\w)" + body
    if re.match(r"[\w*?]", p.text[-1]):
        body += r"(?!\w)"
    return re.compile(body, 0 if p.case_sensitive else re.IGNORECASE)


def ref_find(lex: Lexicon, text: str) -> list[tuple[str, str]]:
    """(label id, matched text) for every hit: exclusions veto their label, leftmost-longest, lexicon order."""
    cands, order = [], 0
    labels = [(fam.id, lab) for fam, lab in lex.iter_labels()]
    for li, (_, lab) in enumerate(labels):
        vetoes = [(m.start(), m.end()) for e in lab.exclude for m in ref_regex(e).finditer(text)]
        for p in lab.patterns:
            rx = ref_regex(p)
            for start in range(len(text)):
                m = rx.match(text, start)
                if m and m.end() > start and not any(a <= start and m.end() <= b for a, b in vetoes):
                    cands.append((start, start - m.end(), order, li, m.end()))
            order += 1
    accepted: dict[object, list[tuple[int, int]]] = {}
    hits = []
    for start, _, _, li, end in sorted(cands):
        taken = accepted.setdefault(labels[li][0] if lex.overlap == "family" else None, [])
        if all(end <= a or start >= b for a, b in taken):
            taken.append((start, end))
            hits.append((start, labels[li][1].id, text[start:end]))
    return [(label, span) for _, label, span in sorted(hits)]


# The seed document, read by hand (line numbers of the file; "×2" = twice in the line).
SEED_COUNTS = {
    # 1 "rebel fighters"; 2 "rebel (military command)", "rebel-held"; 3 "rebels"; 4 "rebel districts";
    # 6 "rebel-held"; 8 "rebel positions"; 9 "rebel-held"; 10 "rebels"
    "rebels": 9,
    # 3 "insurgents" ×2; 7 "insurgents"
    "insurgents": 3,
    # 1 "opposition-held"; 4 "opposition-controlled"; 13 "opposition stronghold"
    "opposition": 3,
    # 1 "the army"; 2 "army positions"; 3 "The Syrian army"; 4 "the army"; 5 "The army"; 6 "The army";
    # 13 "the army"
    "army": 7,
    # 1 "government-held"; 2 "government-held"; 12 "Assad's government"
    "government": 3,
    # 7 "government forces"; 10 "government forces"
    "government_forces": 2,
    # 6 "pro-government forced" (a typo in the wire copy: "pro-government" alone counts)
    "pro_government_forces": 1,
    # 4 "Iranian backed militias"; 5 "allied militia forces"; 7 "Iranian-backed militias"
    "militias": 3,
    # 4 "civilians"; 12 "civilians"
    "civilians": 2,
    # 2 "Jabhat Fatah al Sham", "al-Qaeda", "Nusra Front", "Ahrar al Sham"
    "jabhat_fatah_al_sham": 1,
    "al_qaeda": 1,
    "nusra_front": 1,
    "ahrar_al_sham": 1,
}


# ---------------------------------------------------------------------------------------------
# built-in lexicons
# ---------------------------------------------------------------------------------------------
def test_builtins_load_and_are_listed():
    assert builtin_names() == ["attribution", "conflict_actors", "hedges_certainty", "violence_casualties"]
    table = list_lexicons()
    assert list(table.columns) == ["name", "version", "families", "labels", "patterns", "description"]
    for row in table.itertuples():
        lex = load_lexicon(row.name)
        assert (row.version, row.families, row.labels, row.patterns) == (
            lex.version, len(lex.families), len(lex.label_ids()), sum(len(l.patterns) for _, l in lex.iter_labels()))
        assert lex.description and row.description == lex.description
    # parsed once, shared afterwards
    assert load_lexicon("conflict_actors") is load_lexicon("conflict_actors")


@pytest.mark.parametrize("name", ["attribution", "conflict_actors", "hedges_certainty", "violence_casualties"])
def test_builtins_validate_without_warnings(name):
    report = validate_lexicon(name)
    assert list(report.columns) == ["level", "entry", "line", "message"]
    assert set(report["level"]) <= {"info"}, report[report["level"] != "info"].to_string()


def test_conflict_actors_has_the_required_ids():
    lex = load_lexicon("conflict_actors")
    assert lex.family_ids() == list(REQUIRED)
    for fam_id, labels in REQUIRED.items():
        have = lex.family(fam_id).label_ids()
        assert [lab for lab in have if lab in labels] == labels, fam_id  # all present, in this order
    stances = {lab.stance for _, lab in lex.iter_labels()}
    assert stances == {"delegitimising", "neutral", "legitimising"}
    assert lex.overlap == "lexicon"


def _label(lex: Lexicon, label_id: str) -> Label:
    return next(lab for _, lab in lex.iter_labels() if lab.id == label_id)


def test_conflict_actors_key_patterns():
    lex = load_lexicon("conflict_actors")
    texts = lambda lab, kind="patterns": {p.text for p in getattr(_label(lex, lab), kind)}  # noqa: E731
    assert {"rebel", "rebels", "rebel fighters", "rebel-held", "free syrian army"} <= texts("rebels")
    assert "free syrian army" in texts("army", "exclude")
    assert {"opposition", "opposition fighters"} <= texts("opposition")
    assert {"opposition leader*", "opposition part*", "political opposition", "opposition politician*"} <= texts(
        "opposition", "exclude")
    assert {"regime", "assad regime"} <= texts("regime") and "regime forces" in texts("regime_forces")
    assert {"pro-government forces", "pro-government"} <= texts("pro_government_forces")
    assert "government" in texts("government")
    assert {"militia", "militias", "militiamen"} <= texts("militias")
    assert Pattern("IS", case_sensitive=True) in _label(lex, "islamic_state").patterns


def test_conflict_actors_lacks_the_planted_discovery_terms():
    lex = load_lexicon("conflict_actors")
    for _, lab in lex.iter_labels():
        for p in lab.patterns:
            for word in FORBIDDEN:
                assert not ref_regex(p).search(word), f"{lab.id}: pattern {p.text!r} matches {word!r}"
    assert ref_find(lex, "Bandits, the resistance, the junta, death squads and patriots attacked.") == []


def test_conflict_actors_on_the_seed_document_reference_reading():
    hits = ref_find(load_lexicon("conflict_actors"), seed_text())
    assert dict(Counter(label for label, _ in hits)) == SEED_COUNTS
    spans = {(label, span) for label, span in hits}
    assert {("rebels", "rebel fighters"), ("rebels", "rebel-held"), ("rebels", "rebel districts"),
            ("opposition", "opposition-held"), ("opposition", "opposition-controlled"),
            ("opposition", "opposition stronghold"), ("army", "Syrian army"), ("army", "army positions"),
            ("government_forces", "government forces"), ("pro_government_forces", "pro-government"),
            ("militias", "Iranian backed militias"), ("militias", "Iranian-backed militias"),
            ("militias", "allied militia forces"), ("government", "government-held")} <= spans


def test_conflict_actors_on_the_seed_document_with_the_matcher():
    matching = pytest.importorskip("framelens.matching", reason="framelens.matching is not written yet")
    text = seed_text()
    lex = load_lexicon("conflict_actors")
    ids = lex.label_ids()
    counts = Counter(ids[label] for label, _, _ in matching.compile_lexicon(lex).find(text))
    assert dict(counts) == SEED_COUNTS
    python = Counter(ids[label] for label, _, _ in matching.compile_lexicon(lex, engine="python").find(text))
    assert dict(python) == SEED_COUNTS


def test_conflict_actors_exclusions_and_longest_match():
    lex = load_lexicon("conflict_actors")
    assert ref_find(lex, "The Free Syrian Army fought the Syrian army.") == [
        ("rebels", "Free Syrian Army"), ("army", "Syrian army")]
    assert ref_find(lex, "Opposition leaders met the political opposition and opposition parties.") == []
    assert ref_find(lex, "Pro-government forces and Assad regime forces hit the armed opposition.") == [
        ("pro_government_forces", "Pro-government forces"), ("regime_forces", "Assad regime forces"),
        ("opposition", "armed opposition")]
    assert ref_find(lex, "IS fighters; is it so? The Islamic State group.") == [
        ("islamic_state", "IS"), ("islamic_state", "Islamic State group")]


def test_attribution_and_other_builtins_on_wire_sentences():
    att = load_lexicon("attribution")
    assert {lab.id: lab.stance for _, lab in att.iter_labels()} == {
        "neutral_verbs": "neutral", "doubt_verbs": "stance_laden", "concession_verbs": "stance_laden",
        "denial_verbs": "stance_laden", "insistence_verbs": "stance_laden", "accusation_verbs": "stance_laden"}
    sentence = ("The army said it had killed 12 militants, but rebels claimed civilians died; the group claimed "
                "responsibility, denied the report and was admitted to hospital, according to officials.")
    assert ref_find(att, sentence) == [("neutral_verbs", "said"), ("doubt_verbs", "claimed"),
                                       ("denial_verbs", "denied"), ("neutral_verbs", "according to")]
    harm = load_lexicon("violence_casualties")
    assert ref_find(harm, sentence) == [("killed", "killed"), ("died", "died")]
    assert ref_find(harm, "Air strikes and a car bomb attack; he suffered a heart attack.") == [
        ("air_strike", "Air strikes"), ("bombing", "car bomb attack")]
    hedges = load_lexicon("hedges_certainty")
    assert ref_find(hedges, "It may have been, reportedly; the toll could not be independently verified. "
                            "On May 5 it was clearly confirmed.") == [
        ("hedge", "may"), ("hedge", "reportedly"), ("hedge", "could not be independently verified"),
        ("certainty", "clearly"), ("certainty", "confirmed")]


# ---------------------------------------------------------------------------------------------
# reading: structure, line numbers, errors
# ---------------------------------------------------------------------------------------------
GOOD = """\
name: tiny
version: "2.1"
description: A small test lexicon.
language: en
families:
  armed_opposition:
    description: Armed groups.
    labels:
      rebels:
        stance: neutral
        weight: 2
        patterns:
          - rebel
          - rebel fighters
          - {pattern: FSA, case_sensitive: true}
        exclude: [rebel yell]
  government_side:
    labels:
      army:
        patterns: [army, armed forces]
"""


def test_read_builds_the_model_with_lines(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD, encoding="utf-8")
    lex = read_lexicon(path)
    assert lex == Lexicon(
        name="tiny", version="2.1", description="A small test lexicon.", language="en",
        families=(
            Family("armed_opposition", (Label("rebels", (Pattern("rebel"), Pattern("rebel fighters"),
                                                         Pattern("FSA", case_sensitive=True)),
                                              exclude=(Pattern("rebel yell"),), stance="neutral", weight=2.0),),
                   description="Armed groups."),
            Family("government_side", (Label("army", (Pattern("army"), Pattern("armed forces"))),)),
        ))
    rebels = lex.families[0].labels[0]
    assert [p.line for p in rebels.patterns] == [13, 14, 15]
    assert rebels.exclude[0].line == 16 and lex.families[1].labels[0].patterns[1].line == 20
    assert isinstance(rebels.weight, float) and lex.source == str(path)


def _bad(text: str) -> LexiconError:
    with pytest.raises(LexiconError) as info:
        parse_lexicon(text, file="bad.yaml")
    return info.value


@pytest.mark.parametrize("old, new, line, entry, words", [
    ("          - rebel fighters", "          - rebel+", 14,
     "families.armed_opposition.labels.rebels.patterns[1]", "invalid character '+'"),
    ("          - rebel fighters", "          - no", 14,
     "families.armed_opposition.labels.rebels.patterns[1]", "got a boolean"),
    ("          - rebel fighters", "          - 2012", 14,
     "families.armed_opposition.labels.rebels.patterns[1]", "got a number"),
    ("          - rebel fighters", "          - rebel *", 14,
     "families.armed_opposition.labels.rebels.patterns[1]", "only '*'"),
    ("          - rebel fighters", "          - '-held'", 14,
     "families.armed_opposition.labels.rebels.patterns[1]", "hyphen"),
    ("        patterns:\n          - rebel\n", "        paterns:\n          - rebel\n", 12,
     "families.armed_opposition.labels.rebels.paterns", "did you mean 'patterns'"),
    ("    labels:\n      rebels", "    lables:\n      rebels", 8, "families.armed_opposition.lables", "unknown key"),
    ('version: "2.1"', "version: 2.1", 2, "version", 'quote it: version: "2.1"'),
    ("weight: 2", "weight: heavy", 11, "families.armed_opposition.labels.rebels.weight", "weight must be a number"),
    ("weight: 2", "weight: true", 11, "families.armed_opposition.labels.rebels.weight", "weight must be a number"),
    ("      army:", "      Army:", 19, "families.government_side.labels.Army", "invalid label id"),
    ("  government_side:", "  government-side:", 17, "families.government-side", "invalid family id"),
    ("      army:", "      rebels:", 19, "families.government_side.labels.rebels",
     "also defined in family 'armed_opposition' (line 9)"),
    ("patterns: [army, armed forces]", "patterns: []", 20, "families.government_side.labels.army.patterns",
     "empty pattern list"),
    ("case_sensitive: true}", "case_sensitive: yes please}", 15,
     "families.armed_opposition.labels.rebels.patterns[2].case_sensitive", "true or false"),
    ("{pattern: FSA, case_sensitive: true}", "{patern: FSA}", 15,
     "families.armed_opposition.labels.rebels.patterns[2].patern", "did you mean 'pattern'"),
    ("stance: neutral", "stance: Very Neutral", 10, "families.armed_opposition.labels.rebels.stance",
     "invalid stance"),
    ("language: en", "language: en\noverlap: label", 5, "overlap", "lexicon, family"),
    ("exclude: [rebel yell]", "exclude: [rebel yell]\n        patterns: [x]", 17,
     "families.armed_opposition.labels.rebels.patterns", "duplicate key 'patterns' (first written at line 12)"),
])
def test_errors_name_file_line_and_entry(old, new, line, entry, words):
    assert old in GOOD
    err = _bad(GOOD.replace(old, new, 1))
    assert (err.file, err.line, err.entry) == ("bad.yaml", line, entry)
    assert words in str(err) and str(err).startswith(f"bad.yaml:{line}, {entry}: ")


def test_structural_errors():
    assert "missing required key 'families'" in str(_bad('name: x\nversion: "1"\n'))
    assert _bad("").reason == "the file is empty"
    assert "got a list" in str(_bad("- a\n- b\n"))
    err = _bad(GOOD.replace("[army, armed forces]", "[army, armed forces"))
    assert err.line is not None and "not valid YAML" in str(err)


def test_read_file_errors(tmp_path):
    with pytest.raises(LexiconError, match="no such file"):
        read_lexicon(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(GOOD.replace("rebel fighters", "naïve rebels").encode("latin-1"))
    with pytest.raises(LexiconError) as info:
        read_lexicon(latin)
    assert info.value.line == 14 and "not UTF-8" in str(info.value)


def test_pattern_syntax():
    for ok in ["rebel", "rebel-held", "pro-government forces", "al-Qa'ida", "Hay’at Tahrir al-Sham", "U.S.-led",
               "h?zb?llah", "massacr*", "AT&T", "ahrar al-shām", "2011"]:
        assert pattern_problem(ok) is None, ok
    for bad in ["", " rebel", "rebel ", "rebel+", "-held", "rebel-", "rebel *", "*", "?!", "...", "a/b", 12]:
        assert pattern_problem(bad) is not None, bad
    assert pattern_words(Pattern("Pro-Government  forces")) == ("pro", "government", "forces")
    assert pattern_words(Pattern("Hay’at", case_sensitive=True)) == ("Hay'at",)


# ---------------------------------------------------------------------------------------------
# writing and identity
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["attribution", "conflict_actors", "hedges_certainty", "violence_casualties"])
def test_round_trip_of_builtins(tmp_path, name):
    lex = load_lexicon(name)
    back = read_lexicon(write_lexicon(lex, tmp_path / f"{name}.yaml"))
    assert back == lex and back.fingerprint == lex.fingerprint


def test_round_trip_keeps_every_field(tmp_path):
    lex = Lexicon(
        name="odd one", version="0.1-beta", description="Weights, case, overlap.", language="fr",
        overlap="family",
        families=(Family("f", (Label("yes_no", (Pattern("yes"), Pattern("no"), Pattern("IS", case_sensitive=True),
                                                Pattern("*stan"), Pattern("h?zb?llah")),
                                     exclude=(Pattern("no way"),), stance="hedging", weight=0.5,
                                     description="YAML-hostile words: yes, no, and globs."),)),),
    )
    text = yaml_io.dump_lexicon(lex)
    back = read_lexicon(write_lexicon(lex, tmp_path / "odd.yaml"))
    assert back == lex and back.fingerprint == lex.fingerprint
    assert f"# sha256 {lex.fingerprint}" in text


def test_fingerprint_ignores_layout_but_not_content():
    block = parse_lexicon(GOOD)
    block_list = ("        patterns:\n          - rebel\n          - rebel fighters\n"
                  "          - {pattern: FSA, case_sensitive: true}\n")
    assert block_list in GOOD
    flow = parse_lexicon(GOOD.replace(
        block_list, "        patterns: [rebel, 'rebel fighters', {case_sensitive: true, pattern: FSA}]\n"))
    assert flow == block and flow.fingerprint == block.fingerprint
    changed = parse_lexicon(GOOD.replace("- rebel fighters", "- rebel fighter"))
    assert changed.fingerprint != block.fingerprint


def test_write_refuses_an_invalid_lexicon(tmp_path):
    twice = Label("army", (Pattern("army"),))
    lex = Lexicon("x", "1", (Family("a", (twice,)), Family("b", (twice,))))
    with pytest.raises(LexiconError, match="unique across the lexicon"):
        write_lexicon(lex, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


# ---------------------------------------------------------------------------------------------
# loading by name or path
# ---------------------------------------------------------------------------------------------
def test_load_by_name_path_and_object(tmp_path):
    path = tmp_path / "tiny.yml"
    path.write_text(GOOD, encoding="utf-8")
    lex = load_lexicon(path)
    assert lex.name == "tiny" and load_lexicon(str(path)) == lex and load_lexicon(lex) is lex
    with pytest.raises(LexiconError, match="conflict_actors"):
        load_lexicon("conflict_actor")
    with pytest.raises(LexiconError, match="no such file"):
        load_lexicon(tmp_path / "nope.yaml")
    dic = tmp_path / "tiny.dic"
    dic.write_text("%\n1\tharm\n%\nkill*\t1\n", encoding="utf-8")
    assert load_lexicon(dic).label_ids() == ["harm"]


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
PROBLEMS = """\
name: problems
version: "1"
families:
  actors:
    labels:
      rebels:
        patterns:
          - rebels
          - rebel*
          - rebels
          - government
        exclude:
          - rebel yell
          - opposition leader
          - rebels
      insurgents:
        patterns:
          - Rebels
          - insurgent*
      pro_government_forces:
        patterns:
          - pro-government forces
          - insurgents
"""


def test_validate_reports_each_planted_problem():
    report = validate_lexicon(parse_lexicon(PROBLEMS))
    got = {(r.level, r.entry, r.line) for r in report.itertuples()}
    base = "families.actors.labels."
    assert len(got) == len(report)  # one row per problem and entry
    assert got == {
        # the same pattern twice in one label
        ("warning", base + "rebels.patterns[2]", 10),
        # "Rebels" (insurgents) duplicates "rebels" (rebels): only the first label ever counts it
        ("warning", base + "insurgents.patterns[0]", 18),
        # "insurgents" (pro_government_forces) can never count: "insurgent*" comes first, same text
        ("warning", base + "pro_government_forces.patterns[1]", 23),
        # "rebel*" in the same label already matches "rebels" (both of them): redundant
        ("info", base + "rebels.patterns[0]", 8),
        ("info", base + "rebels.patterns[2]", 10),
        # "government" can match inside "pro-government forces"
        ("info", base + "rebels.patterns[3]", 11),
        # an exclusion that contains none of the label's patterns can never veto
        ("warning", base + "rebels.exclude[1]", 14),
        # an exclusion equal to a pattern vetoes every match of it
        ("warning", base + "rebels.exclude[2]", 15),
    }
    assert report["level"].tolist()[:5] == ["warning"] * 5  # warnings first
    assert str(report["line"].dtype) == "Int64"
    row = report[report["entry"] == base + "insurgents.patterns[0]"].iloc[0]
    assert "also in label 'rebels' (families.actors.labels.rebels.patterns[0])" in row["message"]
    assert "only 'rebels' will ever count it" in row["message"]


def test_validate_specific_before_glob_is_an_override_and_family_scope_counts_twice():
    lex = Lexicon("x", "1", (
        Family("a", (Label("specific", (Pattern("rebels"),)), Label("broad", (Pattern("rebel*"),)))),
        Family("b", (Label("again", (Pattern("rebels"),)),)),
    ), overlap="family")
    report = validate_lexicon(lex)
    assert report[["level", "entry"]].values.tolist() == [
        ["info", "families.a.labels.specific.patterns[0]"],
        ["info", "families.b.labels.again.patterns[0]"],
    ]
    assert "overrides" in report["message"][0] and "counts in both" in report["message"][1]
    # the same lexicon with one overlap scope: the second "rebels" is a duplicate across labels
    shared = validate_lexicon(Lexicon("x", "1", lex.families, overlap="lexicon"))
    assert ("warning", "families.b.labels.again.patterns[0]") in set(map(tuple, shared[["level", "entry"]].values))


def test_validate_of_a_clean_lexicon_is_an_empty_table():
    report = validate_lexicon(Lexicon("x", "1", (Family("a", (Label("b", (Pattern("c"),)),)),)))
    assert report.empty and list(report.columns) == ["level", "entry", "line", "message"]


def test_glob_intersection_agrees_with_brute_force():
    """The automaton-product test of two globs against enumerating every short string over {a, b}."""
    globs = ["a", "b", "ab", "*", "a*", "*a", "?", "??", "a?", "?b*", "*ab*", "b*a", "a*b*", "*b?", "**a"]
    strings = ["".join(s) for n in range(0, 6) for s in itertools.product("ab", repeat=n)]

    def matches(glob):
        rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else c for c in glob))
        return {s for s in strings if rx.fullmatch(s)}

    for g, h in itertools.product(globs, repeat=2):
        assert yaml_io._words_intersect(g, h) == bool(matches(g) & matches(h)), (g, h)
        if yaml_io._word_covers(g, h):  # covering is sound: never claimed when false
            assert matches(h) <= matches(g), (g, h)
    assert yaml_io._word_covers("rebel*", "rebels") and not yaml_io._word_covers("rebels", "rebel*")


def test_the_documented_example_loads():
    doc = (ROOT / "docs" / "lexicon-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    lex = parse_lexicon(example, file="docs/lexicon-format.md")
    assert lex.family_ids() == ["armed_groups", "state_forces"]
    assert Pattern("FAMa", case_sensitive=True) in _label(lex, "army").patterns
    assert validate_lexicon(lex)["level"].tolist().count("warning") == 0


def test_python_tags_in_a_lexicon_are_refused_without_running(tmp_path):
    # a hostile lexicon: the safe loader (C or pure Python) must refuse the tag, never call os.system
    marker = tmp_path / "ran"
    text = (f'name: evil\nversion: "1"\nfamilies:\n  actors:\n    labels:\n      rebels:\n'
            f'        patterns: [!!python/object/apply:os.system ["touch {marker}"]]\n')
    with pytest.raises(LexiconError) as err:
        parse_lexicon(text, file="evil.yaml")
    assert "evil.yaml" in str(err.value) and err.value.line == 7
    assert not marker.exists()
    assert yaml_io._SafeLoader.__name__ in ("CSafeLoader", "SafeLoader")


# ---------------------------------------------------------------------------------------------
# mistakes a lexicon author makes (review of 2026-11)
# ---------------------------------------------------------------------------------------------
def test_yaml_errors_say_what_the_usual_cause_is():
    tabbed = GOOD.replace("      rebels:\n", "\trebels:\n", 1)
    err = _bad(tabbed)
    assert err.line == 9 and "indented with a tab" in str(err)
    err = _bad(GOOD.replace("          - rebel fighters", "          - *stan", 1))
    assert err.line == 14 and "must be quoted" in str(err)


def test_an_empty_version_is_an_error():
    err = _bad(GOOD.replace('version: "2.1"', 'version: ""', 1))
    assert (err.line, err.entry) == (2, "version") and "empty" in str(err)
    err = _bad(GOOD.replace('version: "2.1"', "version:", 1))
    assert err.entry == "version" and "quote it" not in str(err) and 'e.g. version: "1.0"' in str(err)
    with pytest.raises(LexiconError, match="version"):
        write_lexicon(Lexicon("x", " ", (Family("f", (Label("l", (Pattern("x"),)),)),)), "/nonexistent/x.yaml")


def test_a_star_between_punctuation_is_refused_by_the_reader_as_by_the_matcher():
    # "U.S.*" used to load and validate, then fail only when a corpus was matched
    from framelens.matching import compile_lexicon

    for text in ["U.S.*", "&*", "*.x"]:
        assert pattern_problem(text) is not None, text
        with pytest.raises(LexiconError):
            compile_lexicon(Lexicon("x", "1", (Family("f", (Label("l", (Pattern(text),)),)),)), engine="python")
    err = _bad(GOOD.replace("          - rebel fighters", "          - U.S.*", 1))
    assert (err.line, err.entry) == (14, "families.armed_opposition.labels.rebels.patterns[1]")
    assert "not attached" in str(err)
    for ok in ["x.*y", "al*'s", "*stan"]:
        assert pattern_problem(ok) is None, ok


def test_decomposed_accents_are_read_as_composed_patterns():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Ḥizbullāh")
    assert nfd != "Ḥizbullāh"
    lex = parse_lexicon(GOOD.replace("rebel fighters", f'"{nfd}"', 1), file="mac.yaml")
    assert lex.families[0].labels[0].patterns[1].text == "Ḥizbullāh"
    hits = match_texts(["Fighters of Ḥizbullāh said"], lex)
    assert [m for _, m in hits] == ["Ḥizbullāh"]
    # a combining mark with no composed form is named, not shown as an invisible character
    assert "U+0308 COMBINING DIAERESIS" in pattern_problem("n\u0308a")


def match_texts(texts: list[str], lex: Lexicon) -> list[tuple[str, str]]:
    import framelens

    corpus = framelens.read_corpus(pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts}),
                                   text="text", id="doc_id")
    hits = framelens.match(corpus, lex, engine="python")
    return list(zip(hits["label"], hits["matched"]))


def test_cli_import_passes_split_and_on_invalid(tmp_path, capsys):
    from framelens.cli.main import main

    dic = tmp_path / "mini.dic"
    dic.write_text("%\n1\tcare.virtue\n2\tcare.vice\n%\nprotect*\t1\nharm*\t2\n:)\t1\n", encoding="utf-8")
    out = tmp_path / "mini.yaml"
    assert main(["lexicon", "import", str(dic), "--out", str(out)]) == 2  # ':)' is not a pattern
    assert "mini.dic:7" in capsys.readouterr().err
    assert main(["lexicon", "import", str(dic), "--split", ".", "--on-invalid", "skip", "--out", str(out)]) == 0
    assert "framelens: warning: " in (err := capsys.readouterr().err) and "skipped 1 entries" in err
    lex = read_lexicon(out)
    assert lex.family_ids() == ["care"] and lex.label_ids() == ["care_virtue", "care_vice"]
    assert main(["lexicon", "import", str(dic), "--label", "x", "--out", str(out)]) == 2
    assert "takes no option 'label'" in capsys.readouterr().err


def test_reordering_labels_changes_the_fingerprint_and_the_hits():
    # the tie between "rebel*" and "rebels" goes to the label listed first; with the order left out
    # of the fingerprint, both files had one fingerprint and the cached matcher of the first one
    # answered for the second
    first = ('name: o\nversion: "1"\nfamilies:\n  f:\n    labels:\n'
             '      insurgents: {patterns: [rebel*]}\n      rebels: {patterns: [rebels]}\n')
    second = ('name: o\nversion: "1"\nfamilies:\n  f:\n    labels:\n'
              '      rebels: {patterns: [rebels]}\n      insurgents: {patterns: [rebel*]}\n')
    a, b = parse_lexicon(first), parse_lexicon(second)
    assert a != b and a.fingerprint != b.fingerprint
    assert match_texts(["The rebels advanced."], a) == [("insurgents", "rebels")]
    assert match_texts(["The rebels advanced."], b) == [("rebels", "rebels")]
    # the order of keys inside a label is layout, not content
    c = parse_lexicon(second.replace("rebels: {patterns: [rebels]}", "rebels: {stance: neutral, patterns: [rebels]}")
                      .replace("[rebels]}", "[rebels], weight: 1.0}"))
    d = parse_lexicon(second.replace("rebels: {patterns: [rebels]}", "rebels: {patterns: [rebels], stance: neutral}"))
    assert c == d and c.fingerprint == d.fingerprint
