"""Tests for framelens.text: sentence splitting, word tokens, spans and token counts, offline."""
from __future__ import annotations

import doctest
import json
import os
import re
import subprocess
import sys
import textwrap
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.tokenize import NLTKWordTokenizer, WordPunctTokenizer

import framelens.text as text_mod
from framelens.errors import InputError
from framelens.text import count_tokens, sentence_spans, split_sentences, word_spans, word_tokenize


# ---------------------------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("Gen. Smith met U.S. officials. They left.", ["Gen. Smith met U.S. officials.", "They left."]),
    ("Mr. Jones said 12 were killed. The army denied it.", ["Mr. Jones said 12 were killed.", "The army denied it."]),
    ("Lt. Col. Ahmed and Maj. Gen. Hassan visited Sgt. Ali on Jan. 5. Capt. Omar stayed.",
     ["Lt. Col. Ahmed and Maj. Gen. Hassan visited Sgt. Ali on Jan. 5.", "Capt. Omar stayed."]),
    ("Dr. Haddad of the U.N. said the U.K. and the U.S. agreed. Prof. Nowak disagreed.",
     ["Dr. Haddad of the U.N. said the U.K. and the U.S. agreed.", "Prof. Nowak disagreed."]),
    ("Sen. Ross and Rep. Diaz, and Gov. Hale Jr. of St. Louis, met approx. 40 people, vs. 12 in Feb. 2019.",
     ["Sen. Ross and Rep. Diaz, and Gov. Hale Jr. of St. Louis, met approx. 40 people, vs. 12 in Feb. 2019."]),
    ("The talks ended at 3 p.m. Officials said nothing. The army arrived in the U.S. Army base.",
     ["The talks ended at 3 p.m.", "Officials said nothing.", "The army arrived in the U.S. Army base."]),
    ("George W. Bush met troops. They cheered. Troops fired on No. 10 Main St. at dawn.",
     ["George W. Bush met troops.", "They cheered.", "Troops fired on No. 10 Main St. at dawn."]),
    ("Weapons, vehicles, etc. The rebels took all of it, e.g. the tanks.",
     ["Weapons, vehicles, etc.", "The rebels took all of it, e.g. the tanks."]),
    ("Was it a massacre? Witnesses say yes! Others... But the army denies it.",
     ["Was it a massacre?", "Witnesses say yes!", "Others...", "But the army denies it."]),
])
def test_news_sentences_with_abbreviations(text, expected):
    assert split_sentences(text) == expected


def test_quotes_stay_with_their_sentence():
    text = "“We will fight,” said Lt. Col. Ahmed. “They left.” He added: \"We stay.\" (It rained.) Then calm."
    assert split_sentences(text) == ["“We will fight,” said Lt. Col. Ahmed.", "“They left.”",
                                     "He added: \"We stay.\"", "(It rained.)", "Then calm."]


def test_blank_lines_always_end_sentences():
    assert split_sentences("Rebels advance on the\n\nthe army retreats") == [
        "Rebels advance on the", "the army retreats"]
    assert split_sentences("One, \n  \t \n\n two\u2029three") == ["One,", "two", "three"]


def test_title_dateline_and_list_lines_are_sentences():
    text = ("Syria conflict: rebels seize town\nGovernment forces withdraw\n\nBy Jane Smith\n"
            "ALEPPO, Syria (Reuters)\nRebels said on Monday they had taken the town.\n"
            "- 12 civilians killed\n- “Heavy” shelling\r\nThe army denied it.")
    assert split_sentences(text) == [
        "Syria conflict: rebels seize town", "Government forces withdraw", "By Jane Smith", "ALEPPO, Syria (Reuters)",
        "Rebels said on Monday they had taken the town.", "- 12 civilians killed", "- “Heavy” shelling",
        "The army denied it."]


def test_line_breaks_inside_sentences_are_spaces():
    wrapped = textwrap.fill(
        "The army said on Monday that it had retaken the town of Idlib after three days of fighting with "
        "Rebels near the Turkish border, and that Syrian Army units were moving north towards Aleppo. "
        "Officials in Damascus did not comment.", width=60)
    assert wrapped.count("\n") >= 3
    assert [" ".join(s.split()) for s in split_sentences(wrapped)] == [
        "The army said on Monday that it had retaken the town of Idlib after three days of fighting with "
        "Rebels near the Turkish border, and that Syrian Army units were moving north towards Aleppo.",
        "Officials in Damascus did not comment."]
    # continued lines in short text: a comma, a function word, a lower-case start
    assert len(split_sentences("Rebels, backed by\nTurkey, attacked\nthe town of\nAfrin.")) == 1
    assert split_sentences("The army\n(which denied it) left\n(Reuters) - More.") == [
        "The army\n(which denied it) left", "(Reuters) - More."]


def test_spans_are_trimmed_ordered_offsets():
    text = "  Gen. Smith met U.S. officials.   They left.\n\n\nRebels seize town\nThe end.  "
    spans = sentence_spans(text)
    assert spans == [(2, 32), (35, 45), (48, 65), (66, 74)]
    assert [text[s:e] for s, e in spans] == split_sentences(text)


def test_empty_and_blank_texts():
    assert sentence_spans("") == [] and split_sentences("   \n\n \t") == []
    assert split_sentences("no full stop") == ["no full stop"]
    with pytest.raises(InputError):
        sentence_spans(None)


sentence_text = st.lists(st.sampled_from([
    "Gen.", "Smith", "U.S.", "officials", ".", "They", "left", "?", "!", "\n", "\n\n", " ", "“", "”", "said",
    "the", "army", ",", "12", "Mr.", "é", "...", "-", "\u2028", "\r\n", "\t", "rebels", "(", ")", "\"",
]), max_size=60).map(lambda xs: " ".join(xs))


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.one_of(sentence_text, st.text(max_size=80)))
def test_spans_cover_every_visible_character_once(text):
    spans = sentence_spans(text)
    for (s, e), (s2, _) in zip(spans, spans[1:]):
        assert e <= s2
    covered = set()
    for s, e in spans:
        assert s < e and not text[s].isspace() and not text[e - 1].isspace()
        covered.update(range(s, e))
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered
    # no sentence crosses a blank line
    for s, e in spans:
        assert not re.search(r"\n[^\S\n]*\n", text[s:e])


def test_punkt_parameters_file():
    raw = json.loads(resources.files("framelens").joinpath("data", "punkt_en.json").read_text("utf-8"))
    for abbrev in ("gen", "col", "lt", "maj", "sgt", "capt", "mr", "mrs", "ms", "dr", "prof", "u.s", "u.n", "u.k",
                   "st", "jan", "feb", "no", "vs", "approx", "gov", "sen", "rep", "jr"):
        assert abbrev in raw["abbrev_types"]
    assert {"the", "they", "officials"} <= set(raw["sent_starters"])
    assert set(raw["ortho_context"].values()) == {34}
    params = text_mod._punkt()._params
    assert "u.s" in params.abbrev_types and params.ortho_context["they"] == 34


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------
def test_word_tokenize_is_treebank_per_sentence():
    text = "Rebels don't negotiate, Gen. Smith said. “They’ll fight,” he added. Cost: $1,200."
    assert word_tokenize(text) == [
        "Rebels", "do", "n't", "negotiate", ",", "Gen.", "Smith", "said", ".", "“", "They", "’", "ll", "fight", ",",
        "”", "he", "added", ".", "Cost", ":", "$", "1,200", "."]  # NLTK splits only ASCII contractions
    tb = NLTKWordTokenizer()
    assert word_tokenize(text) == [t for s in split_sentences(text) for t in tb.tokenize(s)]
    assert word_tokenize("") == []


@pytest.mark.parametrize("text", [
    "U.S.-backed forces killed 12,000 people in al-Qaeda’s stronghold... didn't they?",
    "  naïve café—Zoë's \t\n“quotes” (x) __init__ 3.14 ‐ ok", "", "😀 emoji 𝐀bc",
])
def test_word_spans_and_counts_match_nltk_wordpunct(text):
    wp = WordPunctTokenizer()
    assert [text[s:e] for s, e in word_spans(text)] == wp.tokenize(text)
    assert word_spans(text) == list(wp.span_tokenize(text))
    assert count_tokens(text) == sum(1 for t in wp.tokenize(text) if re.fullmatch(r"\w+", t))


def test_count_tokens_hand_counted():
    assert count_tokens("“We won’t go,” said the U.S.-backed commander.") == 10
    assert count_tokens("don't U.S. 12,000 al-Qaeda Assad’s naïve") == 11
    assert count_tokens("") == 0 and count_tokens(" ... — ") == 0
    long_text = "Rebels, army; “said” — 12 dead. " * 100  # > 512 chars: the numpy path
    assert count_tokens(long_text) == 500
    assert count_tokens("é " + long_text) == 501 and count_tokens("éRebels" + long_text[6:]) == 500
    assert count_tokens(long_text + "😀x") == 501  # astral: the regex path
    with pytest.raises(InputError):
        count_tokens(b"bytes")


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.text(max_size=1200))
def test_count_tokens_equals_regex_count(text):
    assert count_tokens(text) == len(re.findall(r"\w+", text))
    assert count_tokens(text * 3) == len(re.findall(r"\w+", text * 3))


def test_docstring_examples_run():
    assert doctest.testmod(text_mod).failed == 0


# ---------------------------------------------------------------------------------------------
# No NLTK data needed
# ---------------------------------------------------------------------------------------------
def test_works_with_an_empty_nltk_data_path(tmp_path):
    script = textwrap.dedent("""
        import nltk
        nltk.data.path.clear()
        from framelens import text
        assert nltk.data.path == [], nltk.data.path
        assert text.split_sentences("Gen. Smith met U.S. officials. They left.") == [
            "Gen. Smith met U.S. officials.", "They left."]
        assert text.word_tokenize("They don't.") == ["They", "do", "n't", "."]
        assert text.count_tokens("don't") == 2 and text.word_spans("a.") == [(0, 1), (1, 2)]
        try:
            nltk.data.find("tokenizers/punkt_tab/english/")
        except LookupError:
            print("no punkt data: ok")
    """)
    env = dict(os.environ, NLTK_DATA=str(tmp_path), HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "no punkt data: ok" in out.stdout


def test_no_download_in_source():
    src = resources.files("framelens").joinpath("text.py").read_text("utf-8")
    assert "nltk.download" not in src and "pickle" not in src


# ---------------------------------------------------------------------------------------------
# count_tokens_many: one vectorised pass, the same counts
# ---------------------------------------------------------------------------------------------
@settings(max_examples=200, deadline=None, database=None)
@given(texts=st.lists(st.text(max_size=300), max_size=30))
def test_count_tokens_many_equals_count_tokens(texts):
    assert text_mod.count_tokens_many(texts).tolist() == [count_tokens(t) for t in texts]


def test_count_tokens_many_hand_counted_and_chunked(monkeypatch):
    texts = ["“We won’t go,” said the U.S.-backed commander.", "", "😀 naïve 𝐀b", "a\x00b", "\ud800x", "12,000"]
    assert text_mod.count_tokens_many(texts).tolist() == [10, 0, 2, 2, 1, 2]
    monkeypatch.setattr(text_mod, "_COUNT_CHUNK", 7)  # a buffer per text or two
    assert text_mod.count_tokens_many(iter(texts * 3)).tolist() == [10, 0, 2, 2, 1, 2] * 3
    assert text_mod.count_tokens_many([]).dtype == "int64"
    with pytest.raises(InputError, match="row"):
        text_mod.count_tokens_many(["fine", None])
    with pytest.raises(InputError, match="not one str"):
        text_mod.count_tokens_many("one text")


def test_counting_tokens_does_not_import_nltk():
    script = ("import sys, framelens.text as t\n"
              "assert t.count_tokens('a b') == 2 and t.count_tokens_many(['a b']).tolist() == [2]\n"
              "assert 'nltk' not in sys.modules, 'nltk imported'\n"
              "assert t.split_sentences('One. Two.') == ['One.', 'Two.'] and 'nltk' in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
