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

import functools
from collections import defaultdict

import pytest
from conftest import SHARED
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.tokenize import NLTKWordTokenizer, WordPunctTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktToken

import framelens._punkt as punkt_mod
import framelens.text as text_mod
from framelens.errors import InputError
from framelens.text import count_tokens, sentence_spans, split_sentences, word_spans, word_tokenize


# ---------------------------------------------------------------------------------------------
# ORACLE: framelens.text.sentence_spans as it was before it was made faster, frozen verbatim:
# the line rules, then NLTK's PunktSentenceTokenizer.span_tokenize on each segment, the tokenizer
# built from punkt_en.json as text._punkt() builds it. The fast path must give these very spans
# for every input. (benchmarks/bench_sentences.py times it as the baseline.)
# ---------------------------------------------------------------------------------------------
@functools.cache
def oracle_punkt() -> PunktSentenceTokenizer:
    raw = json.loads(resources.files("framelens").joinpath("data", "punkt_en.json").read_text("utf-8"))
    params = PunktParameters()
    params.abbrev_types = set(raw["abbrev_types"])
    params.collocations = {tuple(pair) for pair in raw["collocations"]}
    params.sent_starters = set(raw["sent_starters"])
    params.ortho_context = defaultdict(int, raw["ortho_context"])
    return PunktSentenceTokenizer(params)


_BLOCK_BREAK = re.compile(r"\n(?:[^\S\n]*\n)+|\u2029")
_LINE_BREAK = re.compile(r"\n|\u2028")
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’»)\]]*$")
_ENDS_CONTINUED = re.compile(r"[,;:\-–—/&(\[]$")
_BULLETS = "-–—•*·#"
_OPENING_QUOTES = "\"'“‘«(["
_CONTINUING_WORDS = frozenset("""
a an the this that these those his her its their our my your of to in on at by for with from into onto
upon about over under between among against during after before than as and or but nor if so because
while whose which who whom whether is are was were be been being has have had will would shall should
can could may might must not no per via said says told according
""".split())
_WRAP_MAX = 100


def oracle_line_ends_sentence(line: str, next_line: str, wrapped_width: int | None) -> bool:
    line = line.rstrip()
    if _ENDS_SENTENCE.search(line) or _ENDS_CONTINUED.search(line):
        return False
    last = line.rsplit(None, 1)[-1]
    if last in _CONTINUING_WORDS:
        return False
    if wrapped_width is not None and len(line) >= 0.75 * wrapped_width:
        return False
    first = next_line.lstrip()
    if first[0] in _BULLETS:
        return True
    first = first.lstrip(_OPENING_QUOTES)
    return bool(first) and (first[0].isupper() or first[0].isdigit())


def oracle_segments(text: str):
    work = text.replace("\r", " ")
    breaks = [(m.start(), m.end()) for m in _BLOCK_BREAK.finditer(work)] + [(len(work), len(work))]
    block_start = 0
    for stop, next_start in breaks:
        lines, pos = [], block_start
        for m in _LINE_BREAK.finditer(work, block_start, stop):
            lines.append((pos, m.start()))
            pos = m.end()
        lines.append((pos, stop))
        lines = [(a, b) for a, b in lines if work[a:b].strip()]
        widths = [b - a for a, b in lines]
        wrapped = None
        if len(lines) >= 3 and max(widths) <= _WRAP_MAX:
            full = sum(w >= 0.75 * max(widths) for w in widths[:-1])
            if full >= 0.6 * (len(lines) - 1):
                wrapped = max(widths)
        seg_start = lines[0][0] if lines else stop
        for (a, b), (c, d) in zip(lines, lines[1:]):
            if oracle_line_ends_sentence(work[a:b], work[c:d], wrapped):
                yield seg_start, b
                seg_start = c
        if lines:
            yield seg_start, lines[-1][1]
        block_start = next_start


def oracle_sentence_spans(text: str) -> list[tuple[int, int]]:
    tok = oracle_punkt()
    spans = []
    for seg_start, seg_end in oracle_segments(text):
        segment = text[seg_start:seg_end]
        for s, e in tok.span_tokenize(segment):
            piece = segment[s:e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                spans.append((seg_start + s + lead, seg_start + s + trail))
    return spans


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
# The fast path (framelens._punkt) gives the oracle's spans
# ---------------------------------------------------------------------------------------------
HARD_CASES = [
    "", " ", "\n\n", "\t", "\r\n", ".", "...", "?!", "!!!", ". . .", "-- -- --", '"".', "()[]{}.", "?", "!.",
    "Gen. Smith met U.S. officials on Jan. 5. They left. Lt. Col. Ahmed and Maj. Gen. Hassan stayed.",
    "J. R. R. Tolkien wrote it. C. S. Lewis did not. George W. Bush met troops. Mr. and Mrs. Smith vs. Jones.",
    "He waited... Then he left... And... Wait.... What? . . . and then . . . nothing. . . . A.. B... C.... D",
    "It rose 3.5 percent. Prices fell 2.1%. The 1.2.3 rule. In 2019. The end. In 1.5. Then -3.5. Then ,5. x",
    'He left." Then she came. He left.\' Then (He left.) Then [Sic.] Next “He left.” Then He left.» Then',
    'He said "Go." "Now?" she asked. “We stay.” (It rained.) {Braces.} Then calm.',
    "Really?! Yes!! No?!? Maybe!? What??? Why!!! Ok?. Fine!. ?Odd !start",
    "Line one\nLine two.\nline three\nFour", "Title\n\nBody. More.\n\n\nEnd", "- bullet one\n- bullet two\n• three",
    "Para one.\r\nPara two.\r\n\r\nPara three.\r\n", "a.\tB.\tc.", "x.\x0bY.\x0cZ. w.\rV.",
    "Erdoğan met Müller. Çelik left. Nguyễn said: «Non.» Ça va? Über alles! Он ушёл. Она пришла. 東京。 3.5 €.",
    "foo.\xa0Bar. Baz.\u2009Qux. End.\u3000Next. a.\u2028B. c.\u2029D.", "a.\x1cB. c.\x1fD. e.\x85F.",
    "a.\x00 B. c\x00. D.\x00", "Gen.Gen.\n\x1c Gen.", "x.\n\x1f\n. Y.", "Wow 😀. Next 𝐀. End. 😀. 😀😀!",
    "Mr. and Mrs. Smith vs. Jones et al. met at 5 p.m. on Sept. 3. No. 1 won. e.g. this. i.e. that. etc. U.N. "
    "U.S.A. Ph.D. students. He left. then she came. Gen., Col.; Maj.: done. He left.--Then wait--no. Yes.",
    "# Title\n* item. one\n1. First\n2. Second\nU.S.\nArmy said.\nThe army\n(which denied it) left\n(Reuters) - More.",
    "Title here\u2028The body.\n\nNext para\u2028New line.", "Rebels seize town\u2028The rebels said so.", "a.)b.\n\nC", "x.”y.\n\nZ. A.\n\n",
    "a.\xa0.\n.x Y. b.\u2009.\n. Z.", "A. B.\xa0.\n. C",  # ". . ." spans a joined line break
    "  leading. Spaces.  \n  and trailing.  ", " x. y.", "a!!!!!! b", "x.y.z. A", "(Sent1.) Sent2.", '"Sent1." Sent2.',
    textwrap.fill("The army said on Monday that it had retaken the town of Idlib after three days of fighting "
                  "with Rebels near the border. Officials did not comment. " * 4, width=60),
]
LONG_CASES = [
    "word " * 20000, "x" * 50000, "a!" * 3000, "!" * 3000, ". " * 3000, "." * 5000, "?!" * 2000, "a." * 3000,
    "Gen. " * 2000, "“" + "Quoted. " * 2000 + "”", "x" * 3000 + ". " + "y" * 3000 + ". Z.", "\u00a0. " * 2000,
]


def test_hard_cases_match_the_oracle():
    for text in HARD_CASES + LONG_CASES:
        assert sentence_spans(text) == oracle_sentence_spans(text), text[:80]
        assert list(text_mod._segments(text)) == list(oracle_segments(text)), text[:80]


MANY_CASES = [
    "", " ", "\n\n \n", "\r\n\r\n", "\u2028", "\u2029", "One. Two.\rThree.\r\nFour.", "A.\u2028B. c.\u2029D. E.",
    "Title\n\n\nBody. More.\n\n \n\nEnd.", "a\n\n\n\nb. C.", "- one.\n- two\n• three. Four.\n\n* five",
    "He said. “We left.” Then. (It rained.) Now.\n\n“Quoted.” ‘Single.’ «Guillemets.» Done.",
    "x. \x1cY. z.\x1f\n\nA.\x1c", "q.\n\n\x1c\x1d. R.", "Line one\nline two. Three\n\nFour.\n", "  \t lead. Trail.  \n\n",
    "a" * 30000 + ". " + "b" * 30000 + ". C.", "“" * 5000 + ". " + "”" * 5000 + " x.", "x. " + '"' * 20000 + " y",
    "Wrapped line of text that goes on\nand on. Until it\nstops here. Then\n\nnext.",
]


def test_sentence_spans_many_is_sentence_spans_and_the_oracle():
    texts = HARD_CASES + LONG_CASES + MANY_CASES
    expected = [oracle_sentence_spans(t) for t in texts]
    assert [sentence_spans(t) for t in texts] == expected
    assert text_mod.sentence_spans_many(texts) == expected
    assert text_mod.sentence_spans_many(iter(texts[::-1])) == expected[::-1]  # any order, any iterable
    assert text_mod.sentence_spans_many([]) == []
    for text in MANY_CASES:
        assert text_mod._segment_list(text) == list(text_mod._segments(text)) == list(oracle_segments(text))


def test_sentence_spans_many_bad_input():
    with pytest.raises(InputError, match="not one str"):
        text_mod.sentence_spans_many("One. Two.")
    with pytest.raises(InputError, match="row"):
        text_mod.sentence_spans_many(["One. Two.", None])


def test_punkt_spans_is_nltk_span_tokenize():
    # without the line rules: any text, line breaks and blank lines inside it included
    nltk_tok = oracle_punkt()
    fast = punkt_mod.PunktSpans(text_mod._punkt())
    for text in HARD_CASES + LONG_CASES + ["a. b.\n\n. . .\nC. d.", "A.\n.\n. x", "He left.\n\n(Then.)\n She"]:
        assert fast.span_tokenize(text) == list(nltk_tok.span_tokenize(text)), text[:80]


def test_sample_corpus_matches_the_oracle():
    from framelens.datasets import load_sample

    texts = load_sample().docs["text"].tolist()
    assert len(texts) > 300
    expected = [oracle_sentence_spans(text) for text in texts]
    assert [sentence_spans(text) for text in texts] == expected
    assert text_mod.sentence_spans_many(texts) == expected


def _shared_file(*parts: str):
    path = SHARED.joinpath("corpora", *parts)
    if not path.is_file():
        pytest.skip(f"third-party corpus not present: {path} (../shared is not beside this checkout)")
    return path


def test_abp_news_matches_the_oracle():
    """At least 1 MB of real news (ABP conflict subset, every 3rd article, in file order)."""
    from framelens.datasets import load_abp

    corpus = load_abp(_shared_file("article_bias_prediction", "abp_conflict_subset.jsonl"))
    texts, size = [], 0
    for text in corpus.docs["text"].tolist()[::3]:
        texts.append(text)
        size += len(text.encode("utf-8"))
        if size >= 1_500_000:
            break
    assert size >= 1_000_000
    expected = [oracle_sentence_spans(text) for text in texts]
    assert [sentence_spans(text) for text in texts] == expected
    text_mod._punkt_spans.cache_clear()  # cold memos, then warm ones: the same spans
    assert text_mod.sentence_spans_many(texts) == expected
    assert text_mod.sentence_spans_many(texts) == expected


def test_babe_mbic_matches_the_oracle():
    from framelens.datasets import load_babe

    sg2 = load_babe("SG2", path=_shared_file("babe_mbic", "final_labels_SG2.csv")).docs["text"].tolist()
    mbic = load_babe("MBIC", path=_shared_file("babe_mbic", "final_labels_MBIC.csv")).docs
    articles = list(dict.fromkeys(mbic["article"].dropna().tolist()))[:150]  # whole articles: line breaks
    texts = sg2 + mbic["text"].tolist() + articles
    expected = [oracle_sentence_spans(text) for text in texts]
    assert [sentence_spans(text) for text in texts] == expected
    assert text_mod.sentence_spans_many(texts) == expected


PIECES = [
    "Gen.", "U.S.", "Jan.", "5.", "J.", "R.", "Tolkien", "...", "3.5", "He", "left", '."', ".'", ".)", ".”", ".»",
    "?!", "!?", "?", "!", ".", "\n", "\n\n", "\r\n", "\t", "\xa0", "\u2028", "\u2029", "- ", "• ", "the", "and",
    "Rebels", "said", ",", ";", ":", "--", "(", ")", "“", "”", "«", "»", '"', "'", "é", "Ça", "12", "1.2.3", "p.m.",
    "e.g.", "Mr.", "NATO", "U.N.", "They", "officials", "no.", "No.", ". .", "\x0b", "\x1c", "\x00", "😀", "x" * 210,
]
piece_text = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", " ", " ", "\n", "  "])),
                      max_size=40).map(lambda xs: "".join(p + sep for p, sep in xs))


@settings(max_examples=400, deadline=None, database=None)
@given(text=st.one_of(piece_text, st.text(max_size=80),
                      st.text(alphabet=".?!\"')”“( \nAa1\t\x1c\x1f\xa0\u2028,-", max_size=60)))
def test_random_texts_match_the_oracle(text):
    assert sentence_spans(text) == oracle_sentence_spans(text)
    fast = text_mod._punkt_spans()
    assert fast.span_tokenize(text) == list(oracle_punkt().span_tokenize(text))


paragraphs = st.lists(st.one_of(piece_text, sentence_text), max_size=6).flatmap(
    lambda paras: st.lists(st.sampled_from(["\n\n", "\n\n\n\n", "\n\n \n\n", "\n", "\n \n", "\r\n\r\n",
                                            "\u2029", "\u2028", "\n\n\n"]),
                           min_size=len(paras), max_size=len(paras)).map(
        lambda seps: "".join(p + s for p, s in zip(paras, seps))))


@settings(max_examples=300, deadline=None, database=None)
@given(texts=st.lists(st.one_of(paragraphs, piece_text, st.text(max_size=60)), max_size=6))
def test_random_corpora_many_match_the_oracle(texts):
    expected = [oracle_sentence_spans(t) for t in texts]
    assert text_mod.sentence_spans_many(texts) == expected
    for text in texts:
        assert text_mod._segment_list(text) == list(oracle_segments(text))


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.one_of(piece_text, st.text(max_size=40)))
def test_decisions_are_nltks(text):
    """contains_sentbreak(t) is NLTK's text_contains_sentbreak(t), memoised or not, long or short."""
    fast = text_mod._punkt_spans()
    expected = oracle_punkt().text_contains_sentbreak(text)
    assert fast.contains_sentbreak(text) == expected
    assert fast.contains_sentbreak(text) == expected  # from the memo, when short enough


alnum = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
simple_decision_text = st.builds(lambda a, mark, b, end: a + mark + " " + b + end, alnum, st.sampled_from(".?!,"),
                                 alnum, st.sampled_from(["", "", ".", ".", ",", "?", "'", "”", ")", "-", ". x", "é."]))


@settings(max_examples=400, deadline=None, database=None)
@given(text=st.one_of(simple_decision_text, piece_text, st.text(max_size=30),
                      st.text(alphabet=".?!\"”( \nAa1\t\x1c\x1f\xa0-,", max_size=20),
                      st.builds(lambda a, b: a + " " + b, st.text(max_size=6), st.text(max_size=6))))
def test_words_are_nltks(text):
    """The words of a decision text, by the shortcut for "said. The" or by the regex, are NLTK's."""
    tok = oracle_punkt()
    assert text_mod._punkt_spans()._words(text) == [t.tok for t in tok._tokenize_words(text)]


def test_words_shortcut_is_taken():
    fast = text_mod._punkt_spans()
    calls = []
    fast_findall, fast._word_findall = fast._word_findall, lambda line: calls.append(line) or []
    try:
        assert fast._words("said. The") == ["said.", "The"]
        assert fast._words("Istrel? Yes.") == ["Istrel", "?", "Yes."]
        assert fast._words("2019! Ça") == ["2019", "!", "Ça"] and calls == []
        fast._words("said. “The")
        fast._words("said.  The")
        assert calls == ["said. “The", "said.  The"]
    finally:
        fast._word_findall = fast_findall


def assert_token_is_punkts(word: str) -> punkt_mod._Token:
    """_Token(word) after NLTK's first pass equals PunktToken(word) after it: every slot and
    property; returns ours."""
    tok = oracle_punkt()
    ours, theirs = punkt_mod._Token(word), PunktToken(word)
    tok._first_pass_annotation(ours)
    tok._first_pass_annotation(theirs)
    for name in PunktToken.__slots__:
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in ("is_ellipsis", "is_initial", "is_number", "type_no_period", "type_no_sentperiod", "first_upper",
                 "first_lower"):
        a, b = getattr(ours, name), getattr(theirs, name)
        assert (a.group() if hasattr(a, "group") else a) == (b.group() if hasattr(b, "group") else b), name
    assert ours._get_type(word) == theirs._get_type(word)
    return ours


@settings(max_examples=300, deadline=None, database=None)
@given(word=st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=12)))
def test_tokens_are_punkt_tokens(word):
    """_Token (the regex tests without the time limit) annotates as PunktToken does."""
    ours = assert_token_is_punkts(word)
    assert list(PunktToken.__slots__) == ["tok", "type", "period_final", "parastart", "linestart", "sentbreak",
                                          "abbr", "ellipsis"]  # _Token.copy spells them out
    copy = ours.copy()
    assert type(copy) is punkt_mod._Token and copy is not ours
    assert all(getattr(copy, name) == getattr(ours, name) for name in PunktToken.__slots__)


def test_regexes_are_nltks_and_the_time_limit_stays_where_it_was_not_lifted():
    lang = text_mod._punkt()._lang_vars
    fast = text_mod._punkt_spans()
    for ours, theirs in [(punkt_mod._Token._numeric, PunktToken._RE_NUMERIC),
                         (punkt_mod._Token._ellipsis, PunktToken._RE_ELLIPSIS),
                         (punkt_mod._Token._initial, PunktToken._RE_INITIAL)]:
        assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)
    # the word and realignment regexes run in Python's re, translated from NLTK's
    for ours, theirs in [(fast._word_findall.__self__, lang._word_tokenizer_re()),
                         (fast._realign_re, lang.re_boundary_realignment)]:
        assert isinstance(ours, re.Pattern)
        assert ours.pattern == theirs.pattern.replace(r"\S", f"[^{punkt_mod._REGEX_SPACE}]").replace(
            r"\s", f"[{punkt_mod._REGEX_SPACE}]")
    # the word regex on long decision texts keeps nltk.redos's time limit
    assert fast._realign is lang.re_boundary_realignment
    assert fast._word_tokenize == lang.word_tokenize
    if hasattr(lang.re_boundary_realignment, "_timeout"):  # NLTK >= 3.10
        assert type(lang.re_boundary_realignment).__name__ == "TimedPattern"


def test_regex_space_class_is_the_regex_modules_whitespace():
    """_REGEX_SPACE holds exactly the characters \\s matches in the regex module (NLTK's flags), for
    every code point; Python's re differs (it also counts U+001C..U+001F)."""
    import regex

    everything = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
    theirs = regex.compile(r"\s", regex.VERSION0 | regex.UNICODE | regex.VERBOSE).findall(everything)
    ours = re.compile(f"[{punkt_mod._REGEX_SPACE}]").findall(everything)
    assert ours == theirs and len(ours) == 25
    assert re.findall(r"\s", "\x1c\x1d\x1e\x1f") and not regex.findall(r"\s", "\x1c\x1d\x1e\x1f")
    assert set(ours) == punkt_mod._SPACE  # the same class as a set, for one character


def test_candidate_sets_are_nltks_candidate_regex():
    """spans_many reads NLTK's candidate regex by hand: a mark, then a character of _AFTER_PUNCT,
    or whitespace (_SPACE) and a token. For every code point after each mark, the regex agrees."""
    pattern = punkt_mod._without_time_limit(text_mod._punkt()._lang_vars.period_context_re())  # (quicker)
    everything = [chr(c) for c in range(0xD800)] + [chr(c) for c in range(0xE000, 0x110000)]
    for mark in punkt_mod._MARK_CHARS:
        punct = {c for c in everything if (m := pattern.match(mark + c)) and m.group("next_tok") is None}
        spaced = {c for c in everything if (m := pattern.match(mark + c + "x")) and m.group("next_tok") == "x"}
        assert punct == punkt_mod._AFTER_PUNCT and spaced == punkt_mod._SPACE
    assert not pattern.match("x.") and not pattern.match(",")  # no other mark


def test_as_re_translates_only_what_it_can():
    import regex

    flags = regex.VERSION0 | regex.UNICODE | regex.VERBOSE
    assert punkt_mod._as_re(regex.compile(r"a\s+(\S+) [\]\\s]", flags)).pattern == (
        rf"a[{punkt_mod._REGEX_SPACE}]+([^{punkt_mod._REGEX_SPACE}]+) [\]\\s]")
    for untranslatable in [regex.compile(r"[^\S\n]", flags), regex.compile(r"\s", flags | regex.IGNORECASE),
                           regex.compile(r"\s", regex.ASCII), regex.compile(r"(?<=\s{1,3})x", flags)]:
        assert punkt_mod._as_re(untranslatable) is untranslatable  # kept as it is
    assert punkt_mod._as_re(re.compile(r"\s")).pattern == r"\s"  # re already


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.one_of(piece_text, st.text(max_size=60),
                      st.text(alphabet=".?!\"')”“( \nAa1\t\x1c\x1f\x85\xa0\u2028\u3000,-", max_size=40)))
def test_translated_regexes_match_nltks(text):
    lang = text_mod._punkt()._lang_vars
    fast = text_mod._punkt_spans()
    assert fast._word_findall(text) == lang._word_tokenizer_re().findall(text)
    for start in range(min(len(text), 8)):
        m = lang.re_boundary_realignment.match(text[start:])
        ours = fast._realign_re.match(text, start)
        assert (m and m.end() + start) == (ours and ours.end())


def test_realign_first_characters():
    realign = text_mod._punkt()._lang_vars.re_boundary_realignment
    starts = {chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000 and realign.match(chr(c) + " ")}
    assert starts == set(punkt_mod.REALIGN_FIRST)
    assert not any(realign.match(chr(c)) for c in (0x1F600, 0x1D400, 0x10FFFF))
    assert text_mod._punkt_spans()._realign_first == punkt_mod.REALIGN_FIRST  # in use with this NLTK
    # nor after a closer followed by a letter or digit (as in “This)
    alnum = [chr(c) for c in range(0x30000) if chr(c).isalnum()]
    for c in sorted(punkt_mod.REALIGN_FIRST):
        assert not any(realign.match(c + a + " x") for a in alnum[::7] + alnum[:400])
        assert realign.match(c) and realign.match(c + " x") and realign.match(c + "--x")
    # with an unknown realignment pattern the regex is tried after every break: the same spans
    fast = punkt_mod.PunktSpans(text_mod._punkt())
    fast._realign_first = None
    for text in HARD_CASES:
        assert fast.span_tokenize(text) == list(oracle_punkt().span_tokenize(text))


def test_word_end_characters_are_nltks():
    lang = text_mod._punkt()._lang_vars
    non_word = re.compile(lang._re_non_word_chars)
    assert {chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000 and non_word.fullmatch(chr(c))} == set(
        punkt_mod._NON_WORD)
    assert text_mod._punkt_spans()._word_end == set(punkt_mod._NON_WORD)


first_words = st.one_of(st.sampled_from(["said.", "Gen.", "U.S.", "5.", "J.", "etc.", "year.", "Mr.", "No.", "x.",
                                         "attack.", "1999.", "p.m.", "e.g.", "it.", "Ça.", "é."]),
                        st.builds(lambda w: w + ".", alnum))
fast_exit_text = st.builds(lambda w, sep, rest: w + sep + rest, first_words,
                           st.sampled_from([" ", "  ", "”", '"', ")", "’", "'", "?", "!", ":", "\n", "\xa0", ",", ".",
                                            " “", "-", ""]),
                           st.sampled_from(["", "The", "the", "“We", ". .", ".", " ", "\x1c", "\x1c x", "x", "5",
                                            "U.S.", "(For", "\n", "Mr.", ". . . x", "They.", "’s"]))


@settings(max_examples=500, deadline=None, database=None)
@given(text=fast_exit_text)
def test_decisions_with_a_settled_first_word_are_nltks(text):
    """Decision texts that start with a word that breaks whatever follows (spans_many decides
    most such candidates from the word alone; here the decision text itself), and the settled
    tokens, decide as NLTK does."""
    fast = punkt_mod.PunktSpans(text_mod._punkt())
    assert fast.contains_sentbreak(text) == oracle_punkt().text_contains_sentbreak(text)


@settings(max_examples=300, deadline=None, database=None)
@given(first=st.one_of(first_words, st.sampled_from(PIECES), st.text(min_size=1, max_size=8)),
       second=st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=8)))
def test_settled_tokens_are_left_alone_by_the_second_pass(first, second):
    tok = oracle_punkt()
    fast = punkt_mod.PunktSpans(tok)
    ours = fast._token(first)
    theirs, after = PunktToken(first), PunktToken(second)
    tok._first_pass_annotation(theirs)
    tok._first_pass_annotation(after)
    before = [getattr(theirs, name) for name in PunktToken.__slots__]
    tok._second_pass_annotation(theirs, after)
    if ours.settled:
        assert [getattr(theirs, name) for name in PunktToken.__slots__] == before
    assert fast._contains_break([first, second]) == bool(theirs.sentbreak)


def test_memos_are_bounded(monkeypatch):
    from framelens.datasets import load_sample

    monkeypatch.setattr(punkt_mod, "_MEMO_SIZE", 40)
    monkeypatch.setattr(punkt_mod, "_TOKEN_MEMO_SIZE", 40)
    fast = punkt_mod.PunktSpans(text_mod._punkt())
    nltk_tok = oracle_punkt()
    texts = load_sample().docs["text"].tolist()[:60] + ["x" * 5000 + ". Then " + "y" * 5000 + ". End."]
    assert fast.spans_many(texts, text_mod._segment_list) == [oracle_sentence_spans(t) for t in texts]
    for text in texts:
        assert fast.span_tokenize(text) == list(nltk_tok.span_tokenize(text))
        assert len(fast._decisions) <= 40 and len(fast._tokens) <= 40
        assert max(map(len, [*fast._decisions, *fast._tokens]), default=0) <= punkt_mod._MEMO_MAX_CHARS


def test_segments_must_end_at_line_breaks():
    fast = text_mod._punkt_spans()
    text = "One. Two.\nThree. Four."
    assert fast.span_tokenize(text, [(0, 9), (10, 22)]) == [(0, 4), (5, 9), (10, 16), (17, 22)]
    assert fast.span_tokenize(text, [(9, 9), (22, 22)]) == [] == fast.span_tokenize("  \n ", [(0, 2), (3, 4)])
    for bad in ([(0, 5)], [(10, 22), (0, 9)], [(0, 9), (5, 22)], [(0, 23)], [(-1, 9)]):
        with pytest.raises(ValueError, match="bad segment"):
            fast.span_tokenize(text, bad)


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


def test_sentence_bounds_hold_the_spans_of_every_text_across_blocks():
    import bisect

    import numpy as np

    from framelens.datasets import load_sample
    from framelens.text import sentence_bounds_many, sentence_spans_many

    texts = load_sample().texts + ["", "   ", "One. Two. Three."]
    expected = sentence_spans_many(texts)
    bounds = sentence_bounds_many(texts, block=7)  # many blocks, one of them partly empty texts
    assert bounds.as_lists() == expected
    assert [bounds.spans(d) for d in range(len(texts))] == expected
    assert bounds.counts.tolist() == [len(s) for s in expected] and bounds.first[-1] == sum(map(len, expected))
    # index(): the sentence holding each offset, by bisection over each text's own starts
    rng = np.random.default_rng(0)
    doc = rng.integers(0, len(texts), 2000)
    offset = np.array([rng.integers(0, len(texts[d]) + 1) for d in doc])
    oracle = [max(bisect.bisect_right([s for s, _ in expected[d]], o) - 1, 0) for d, o in zip(doc, offset)]
    assert bounds.index(doc, offset).tolist() == oracle
