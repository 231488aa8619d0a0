"""The speed paths of framelens._punkt give NLTK's own spans, cold (fresh memos) and warm.

``PunktSpans.spans_many`` finds the marks with ``str.find``, reads NLTK's candidate regex by hand,
decides most candidates from the word before the mark alone (its token's ``breaks_alone``) and
realigns closing quotes as each slice ends. Every test here compares with NLTK's own
``PunktSentenceTokenizer.span_tokenize`` (or ``text_contains_sentbreak`` / ``_tokenize_words``)
on texts built to reach one edge of those paths. Each test was run against deliberately wrong
copies of the module (one edge broken at a time, as the "Fails if" notes say) and failed.
"""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.tokenize.punkt import PunktLanguageVars, PunktSentenceTokenizer, PunktToken
from test_text import assert_token_is_punkts, oracle_punkt, oracle_sentence_spans

import framelens._punkt as punkt_mod
import framelens.text as text_mod


def fresh(tokenizer: PunktSentenceTokenizer | None = None) -> punkt_mod.PunktSpans:
    """A PunktSpans with empty memos (cold)."""
    return punkt_mod.PunktSpans(tokenizer or text_mod._punkt())


def assert_nltk_spans(texts: list[str], tokenizer: PunktSentenceTokenizer | None = None) -> None:
    """Each text's spans are NLTK's: cold (a fresh engine per text), warm (the same text again),
    and after the other texts (one engine for all: memos shared between texts)."""
    nltk_tok = tokenizer or oracle_punkt()
    shared = fresh(tokenizer)
    expected = [list(nltk_tok.span_tokenize(text)) for text in texts]
    for text, spans in zip(texts, expected):
        cold = fresh(tokenizer)
        assert cold.span_tokenize(text) == spans, ("cold", text)
        assert cold.span_tokenize(text) == spans, ("warm", text)
        assert shared.span_tokenize(text) == spans, ("shared", text)
    assert [shared.span_tokenize(text) for text in texts] == expected  # all warm now
    if tokenizer is None:  # the line rules and trimming too, as framelens.text runs them
        lined = [oracle_sentence_spans(text) for text in texts]
        assert fresh().spans_many(texts, text_mod._segment_list) == lined
        assert shared.spans_many(texts, text_mod._segment_list) == lined


# ---------------------------------------------------------------------------------------------
# The fast path is on, and is taken
# ---------------------------------------------------------------------------------------------
def test_the_fast_path_is_taken_for_settled_breaks_only():
    # Fails if the word-alone decision is off (the memo fills) or too eager (abbreviations, ...).
    fast = fresh()
    assert fast._scan_candidates  # NLTK 3.10's candidate regex: read by hand
    assert fast.span_tokenize("The army said. The rebels left.") == [(0, 14), (15, 31)]
    assert fast._decisions == {}  # "said. The" decided from "said." alone
    assert fast._tokens["said."].breaks_alone
    # an abbreviation, an initial, a number, a word not letters and digits: the decision memo
    for text, decision_text in [("Gen. Smith left.", "Gen. Smith"), ("J. Smith left.", "J. Smith"),
                                ("In 2019. The end.", "2019. The"), ("“Mr. Smith” left.", "“Mr. Smith”")]:
        fast = fresh()
        assert fast.span_tokenize(text) == list(oracle_punkt().span_tokenize(text))
        assert decision_text in fast._decisions, text
    # "?" and "!" before a word: no memo at all
    fast = fresh()
    assert fast.span_tokenize("Why? Because! “Yes?” No.") == [(0, 4), (5, 13), (14, 20), (21, 24)]
    assert fast._decisions == {} and fast._tokens == {}


def test_breaks_alone_is_a_settled_break_of_letters_or_digits():
    # Fails if breaks_alone ignores settled, sentbreak or the letters-or-digits test.
    fast = fresh()
    nltk_tok = oracle_punkt()
    for word in ["said.", "attack.", "Syria.", "1999x.", "Ça.", "said", "Gen.", "U.S.", "J.", "5.", "2019.", "...",
                 "al-Assad.", "“Mr.", "(Reuters.", ".", "said..", "x" * 250 + "."]:
        token = fast._token(word)
        theirs = PunktToken(word)
        nltk_tok._first_pass_annotation(theirs)
        assert token.breaks_alone == (word[:-1].isalnum() and word.endswith(".") and bool(theirs.sentbreak)
                                      and not (theirs.abbr or theirs.is_initial or theirs.is_number)), word
    # a word over the memo's limit is decided the same, just not kept
    assert "x" * 250 + "." not in fast._tokens and fast._token("y" * 250 + ".").breaks_alone


# ---------------------------------------------------------------------------------------------
# Crafted texts: each edge of the word-alone decision
# ---------------------------------------------------------------------------------------------
ABBREVIATIONS = [
    "Gen. Smith met Mr. Jones and Sen. Warren. They left. Lt. Col. Ahmed stayed in St. Louis.",
    "U.S. officials said. The U.S. Army left the U.S. The end. He met U.N. envoys. Etc. The end etc. the end.",
    "Smith Jr. The end. Smith Jr. said so. Dr. No. Prof. Yes. approx. 40 people. vs. them. Jan. The",
    "Mr. Smith, Mr. Jones, and Mr. Dubik, said. Mrs. Smith’s car. Mr. Trump's. (D-Calif.) said. p.m. EST.",
]
INITIALS_AND_NUMBERS = [
    "J. R. R. Tolkien wrote it. C. S. Lewis did not. George W. Bush met troops. A. The end. He is J.",
    "In 2019. The war. It rose 5. Then fell 3.5. Then 1,000. The end 12. the end. On Jan. 5. They left.",
    "No. 10 Downing St. is here. Chapter 11. Sections 1. 2. 3. Then. Vol. 3. The end. -5. Then ,5. x 1.2.3. y",
    "Ⅻ. Then ٣. Then ². Then ǅ. Then é. The a. b. c. d. E. F. G.",
]
ELLIPSES = [
    "He said. . . . Then left. He said. . . the rest. Wait... What? Wait.. What. Wait.... No.",
    "said. . . x", "said.  . . . x", "said.\xa0. . . x", "said. .. x", "said.. x", "said. .", "said.\n. . x",
    "a. . b. c . . . d. e. . . . F.", ". . . Then. The end. . .", "Gen. . . Smith. U.S. . . The end.",
]
MARKS = [
    "Why? Because! Yes?! No!? What??? Really!!! Ok?. Fine!. ?Odd !start. Is it? . . . Ok! \x1cX. Done?",
    "“Why?” he asked. (Really!) Yes. Really?” No. Is it?\u2028Yes! 5? 6! a?b! c?\xa0D! e?\u3000F.",
    "Why?  Because.\tTab? Yes!\x0bNo? Maybe!\x0cSo.",
]
QUOTES = [
    'He said.” Then she came. He left." Then. He left.\' Then (He left.) Then [Sic.] Next. «Non.» Oui.',
    "He said.”” Then. He said.” “Then we left.” Fine.) Done. He said.”\n\nNext. He said.)--Then. End.”",
    "He said.’ Then. ‘Quoted.’ Then. (Yes.) (No.) [A.] {B.} ”Odd.” x.” y. x.” “y. x.)” Z. x.”)",
    "He said.” \x1cThen. He said.”\x1c Then. (x.) \x1c(y.) z. He said.”  \xa0Then.",
]
SETTLED_THEN_DOT_OR_END = [
    "He said.", "He said. ", "He said.  \n", "He said.\x1c", "He said. \x1cX", "He said.\n.", "He said..",
    "He said. .", "He said.\u2028. Then.", "He said.\t\x1cY. Z.", "said.", "said.”", "said.)", "x. \x1c",
    # a next token that NLTK drops with its line (str.isspace: U+001C..U+001F), for "." and "?"
    "He said.\n\x1c Then.", "Why?\n\x1c Then.", "Wow!\n\x1f\x1d\nNext.", "He said.\n\x1cX Then.",
]
LONG_WORDS = [
    "x" * 250 + ". The end. " + "y" * 300 + "? Yes. " + "Gen" + "e" * 300 + ". Smith.",
    "“" + "z" * 260 + ".” Then. " + "w" * 199 + ". Then " + "v" * 200 + ". Then " + "u" * 201 + ". End",
    "a" * 3000 + ". " + "b" * 3000 + ". C.",
]


@pytest.mark.parametrize("texts", [ABBREVIATIONS, INITIALS_AND_NUMBERS, ELLIPSES, MARKS, QUOTES,
                                   SETTLED_THEN_DOT_OR_END, LONG_WORDS],
                         ids=["abbreviations", "initials-numbers", "ellipses", "question-exclamation", "closing-quotes",
                              "settled-then-dot-or-end", "long-words"])
def test_crafted_texts_give_nltk_spans(texts):
    # Fails if, among others: abbreviations or initials break alone; a "?" breaks before a line
    # NLTK drops (U+001C); closers are not realigned, or the slice start is not moved; only " "
    # counts as whitespace after a mark; punctuation after a mark makes no candidate.
    assert_nltk_spans(texts)


def test_segment_ends_bound_the_lookahead():
    # Fails if the whitespace after a mark is followed past the segment's end.
    # a mark at a segment's end, or whose whitespace runs past it, is no candidate of that segment
    # (segments as framelens.text cuts them: lines that end sentences, blank lines)
    texts = ["Rebels seize town.\nThe army left. He said.\n\nNext. Title\nBody said. The end.",
             "He said. \nThe end.", "He said.\n\n\n", "x.\n\n“Quoted.” He said.\u2029Next. a.\u2028B.",
             "Wrapped line of text that goes on\nand on. Until it\nstops here. Then\n\nnext.\n"]
    assert_nltk_spans(texts)
    fast = fresh()
    text = "One. Two.\nThree. Four."
    assert fast.span_tokenize(text, [(0, 9), (10, 22)]) == [(0, 4), (5, 9), (10, 16), (17, 22)]
    assert fast.span_tokenize("He said. The\nend.", [(0, 12), (13, 17)]) == [(0, 8), (9, 12), (13, 17)]
    # the whitespace after "y." runs to the segment's end: no candidate there, so "x." stands (a
    # candidate at "y." would drop it: their words overlap)
    for text, segments in [("x.)y. \nNext.", [(0, 6), (7, 12)]), ("x.)y.  \n\nNext.", [(0, 7), (9, 14)]),
                           ("x!)y! \n“Next.", [(0, 6), (7, 13)])]:
        expected = [(start + a, start + b) for start, end in segments
                    for a, b in oracle_punkt().span_tokenize(text[start:end])]
        assert fresh().span_tokenize(text, segments) == expected, text
        assert expected[:2] == [(0, 2), (2, 5)]


def test_collocation_starts_are_left_to_the_second_pass():
    # Fails if a word that starts a collocation counts as settled.
    # framelens's parameters have no collocations: a tokenizer with some. "said." is a break
    # after the first pass, but starts a collocation: not settled, so not decided alone.
    tokenizer = copy.deepcopy(oracle_punkt())
    tokenizer._params.collocations = {("said", "the"), ("rose", "##number##"), ("x", "y")}
    texts = ["He said. The army left. He said. Then he left. It rose. 5 more. It rose. Then fell.",
             "X. Y. X. Z. x. y. x. then. said. the said. The"]
    assert_nltk_spans(texts, tokenizer)
    assert not fresh(tokenizer)._token("said.").breaks_alone and fresh()._token("said.").breaks_alone


def test_another_candidate_regex_runs_nltk_itself():
    # Fails if any candidate regex is read by hand, or if NLTK's spans are not trimmed.
    class SemicolonEnds(PunktLanguageVars):
        sent_end_chars = (".", "?", "!", ";")

    tokenizer = PunktSentenceTokenizer(copy.deepcopy(oracle_punkt()._params), lang_vars=SemicolonEnds())
    fast = fresh(tokenizer)
    assert not fast._scan_candidates
    texts = ["One; two. Three? Four; five!", "  He said; “Yes.” Then.  ", "", "Gen. Smith; left."]
    for text in texts:
        assert fast.span_tokenize(text) == list(tokenizer.span_tokenize(text))
    trimmed = [[(a + len(t[a:b]) - len(t[a:b].lstrip()), a + len(t[a:b].rstrip()))
                for a, b in tokenizer.span_tokenize(t) if t[a:b].strip()] for t in texts]
    assert fast.spans_many(texts, lambda t: [(0, len(t))]) == trimmed
    assert trimmed[1] == [(2, 10), (11, 17), (18, 23)]
    assert fresh()._scan_candidates  # and the default one is read by hand


# ---------------------------------------------------------------------------------------------
# Memos: small sizes (emptied when full), strings over the limit never kept
# ---------------------------------------------------------------------------------------------
def test_memo_eviction_keeps_the_spans(monkeypatch):
    # Fails if a full memo is not emptied.
    monkeypatch.setattr(punkt_mod, "_MEMO_SIZE", 3)
    monkeypatch.setattr(punkt_mod, "_TOKEN_MEMO_SIZE", 3)
    texts = ABBREVIATIONS + INITIALS_AND_NUMBERS + ELLIPSES + QUOTES + LONG_WORDS
    fast = fresh()
    expected = [list(oracle_punkt().span_tokenize(text)) for text in texts]
    for _ in range(2):  # cold, then whatever is left
        for text, spans in zip(texts, expected):
            assert fast.span_tokenize(text) == spans, text
            assert len(fast._tokens) <= 3 and len(fast._decisions) <= 3
    assert max(map(len, [*fast._tokens, *fast._decisions])) <= punkt_mod._MEMO_MAX_CHARS
    assert fast.spans_many(texts, text_mod._segment_list) == [oracle_sentence_spans(t) for t in texts]


def test_memos_hold_no_long_strings():
    # Fails if a word over _MEMO_MAX_CHARS is kept.
    fast = fresh()
    fast.span_tokenize(LONG_WORDS[0] + " " + LONG_WORDS[1] + " Mr. " + "K" * 300 + " went.")
    assert fast._tokens and max(map(len, [*fast._tokens, *fast._decisions])) <= punkt_mod._MEMO_MAX_CHARS


# ---------------------------------------------------------------------------------------------
# Random texts around the marks
# ---------------------------------------------------------------------------------------------
NEAR_MARKS = ["said", "Gen", "Mr", "U.S", "J", "5", "2019", "x" * 201, "é", "Ça", "al-Assad", "“Mr", ".", "..", "...",
              ". . .", "?", "!", "?!", "”", "’", ")", '"', "“", "(", "--", ",", " ", " ", " ", "  ", "\xa0", "\u3000",
              "\n", "\n\n", "\t", "\x1c", "\n\x1c", "\u2028", "The", "the", "They", "Smith", "5,", "Dubik,", "p.m"]
near_marks_text = st.lists(st.sampled_from(NEAR_MARKS), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, database=None)
@given(text=near_marks_text)
def test_random_texts_near_marks_give_nltk_spans(text):
    expected = list(oracle_punkt().span_tokenize(text))
    fast = fresh()
    assert fast.span_tokenize(text) == expected  # cold
    assert fast.span_tokenize(text) == expected  # warm
    assert text_mod._punkt_spans().span_tokenize(text) == expected  # long-lived memos
    assert fresh().spans_many([text], text_mod._segment_list) == [oracle_sentence_spans(text)]


alnum_word = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=6)
follower = st.sampled_from([" The", " the", " 5", " U.S.", "  x", "\xa0Y", "\u2028Z", "”", ")", "’s", "?", "!", " “We",
                            " .x", "  . .", " --", "\n\nNext"])


@settings(max_examples=400, deadline=None, database=None)
@given(word=st.one_of(alnum_word, st.sampled_from(["said", "Gen", "Mr", "J", "a", "5", "2019", "etc", "No", "Jr"])),
       after=follower)
def test_a_word_that_breaks_alone_breaks_before_any_word(word, after):
    """breaks_alone is a promise about NLTK's decision texts: "word." then whitespace and a word
    not starting with "." or a space to str.isspace, or punctuation, contains a break."""
    text = word + "." + after
    fast = fresh()
    if fast._token(word + ".").breaks_alone:
        assert oracle_punkt().text_contains_sentbreak(text), text
    assert fast.span_tokenize("He " + text) == list(oracle_punkt().span_tokenize("He " + text))


# ---------------------------------------------------------------------------------------------
# The known word shapes of decision texts, and the token tests not run where they cannot match
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Mr. Smith", "U.S. officials", "U.S. officials.", "p.m. EST", "Jan. 5,", "U.S. troops,", "Mr. Dubik,", "U.S.? Yes",
    "U.S! No", "a.b.c. d", "1.5. x", "U..S. x", ".U.S. x", "U.S.. x", "Mr. ,", "Mr. x,,", "Mr. x.,", "Mr. 5,000",
    "Mr. Rahami’s", "Mr.  Smith", "Mr. Smith\n", "Mr. Smith\nJones", " Mr. Smith", "Mr. \x1c", "x.\x1c y",
])
def test_words_of_known_shapes_are_nltks(text):
    assert fresh()._words(text) == [t.tok for t in oracle_punkt()._tokenize_words(text)]


def test_known_shapes_skip_the_word_regex():
    # Fails if a shape is cut wrong ("U..S.", "?" inside, a final comma) or sent to the regex.
    fast = fresh()
    calls = []
    fast._word_findall = lambda line: calls.append(line) or []
    assert fast._words("U.S. officials") == ["U.S.", "officials"]
    assert fast._words("Jan. 5,") == ["Jan.", "5", ","]
    assert fast._words("U.S.? Yes") == ["U.S.", "?", "Yes"]
    assert fast._words("Mr. Dubik,") == ["Mr.", "Dubik", ","] and calls == []
    fast._words("U..S. x")
    fast._words("Mr. Rahami’s")
    assert calls == ["U..S. x", "Mr. Rahami’s"]


@pytest.mark.parametrize("word", ["a.", "a.\n", "ab.", "abc.", "..", "...", "..\n", ".", "..x", "x..", "5.", "-5.",
                                  ".5", ",5.", "٣.", "²x.", "Ⅻ.", "ǅ.", "Étaient.", "1,000.", "ab", "a", "é.", "_.",
                                  "\n5.", "a\n5.", "\u2028.", "x.y.", "-", "--.", "u.s."])
def test_token_tests_skipped_where_they_cannot_match_are_punkt_tokens(word):
    # Fails if a test is skipped where it may match (an initial before "\n", "-5.", "..").
    assert_token_is_punkts(word)
