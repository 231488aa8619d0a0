"""Punkt sentence spans, as :meth:`PunktSentenceTokenizer.span_tokenize` gives them, only faster.

NLTK decides each candidate break (``.``, ``?`` or ``!`` before punctuation or before whitespace and
a token) by cutting a *decision text* (the word before, the mark, what follows), splitting it into
words, building a :class:`~nltk.tokenize.punkt.PunktToken` per word and annotating them. That costs
tens of microseconds a candidate, and a news article has one every ~200 characters.

Here the decisions are still NLTK's, made by the tokenizer's own methods, but remembered:

- ``text_contains_sentbreak(decision_text)`` is true when a word of the decision text other than
  the last is a break once annotated; and the annotation of a word depends only on that word and
  the next one (the first pass looks at the word alone; the second pass at the word and the
  first-pass annotation of the next word; line and paragraph starts are never consulted). So the
  decision is computed from the words with a bounded memo per *pair of words*, and a bounded memo
  per decision text on top (templated text repeats whole decision texts).
- The plumbing around the decisions (``_match_potential_end_contexts``, ``_slices_from_text``,
  ``_realign_boundaries``) is re-written as one loop over plain offsets, keeping NLTK's quirks: the
  word before a candidate starts after the last *ASCII* whitespace (``string.whitespace``), none
  found and a whitespace found at the very start count alike, and a candidate whose word overlaps
  the previous one's drops the previous candidate.

Every regular expression still runs through NLTK's ``redos`` wrapper (the ``regex`` engine with a
time limit): the candidate finder, the word splitter and the realignment pattern are the
tokenizer's own compiled objects. ``tests/test_text.py`` checks the spans against an unmodified
NLTK ``span_tokenize`` on news corpora, hand-made hard cases and random text.
"""
from __future__ import annotations

import string
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# NLTK's _get_last_whitespace_index tests `char in string.whitespace`: ASCII whitespace only.
_ASCII_WHITESPACE = tuple(string.whitespace)
# The first characters NLTK's re_boundary_realignment can match (its pattern starts with this
# class); any other first character cannot match, so the regex call is skipped. The tests check
# this set against the pattern for every BMP character.
REALIGN_FIRST = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
# Memo sizes (entries) and the longest strings memoised: a decision text can be as long as a
# whitespace-free run of the input, and a memo must not pin megabytes of it.
_CACHE_SIZE = 1 << 15
_CACHE_MAX_CHARS = 200


class PunktSpans:
    """Sentence spans of one text by a :class:`PunktSentenceTokenizer`, identical to its
    ``span_tokenize(text)`` (with ``realign_boundaries=True``), as a list."""

    def __init__(self, tokenizer: PunktSentenceTokenizer):
        self._tok = tokenizer
        lang = tokenizer._lang_vars
        self._word_tokenize = lang.word_tokenize
        self._candidates = lang.period_context_re()  # redos.TimedPattern
        self._realign = lang.re_boundary_realignment  # redos.TimedPattern
        self._pair_breaks_cached = lru_cache(maxsize=_CACHE_SIZE)(self._pair_breaks)
        self._contains_cached = lru_cache(maxsize=_CACHE_SIZE)(self._contains_sentbreak)

    # -- decisions (NLTK's own methods) -----------------------------------------------------
    def _pair_breaks(self, word: str, next_word: str) -> bool:
        """Whether ``word`` is a sentence break when ``next_word`` follows it (NLTK's first and
        second annotation passes on the two tokens)."""
        tok = self._tok
        first, second = tok._Token(word), tok._Token(next_word)
        tok._first_pass_annotation(first)
        tok._first_pass_annotation(second)
        tok._second_pass_annotation(first, second)
        return bool(first.sentbreak)

    def _contains_sentbreak(self, text: str) -> bool:
        """``PunktSentenceTokenizer.text_contains_sentbreak(text)``."""
        # The words of NLTK's _tokenize_words: each line's words (a blank line has none).
        words = [w for line in text.split("\n") for w in self._word_tokenize(line)]
        pair_breaks, cached = self._pair_breaks, self._pair_breaks_cached
        for word, next_word in zip(words, words[1:]):
            if len(word) + len(next_word) <= _CACHE_MAX_CHARS:
                if cached(word, next_word):
                    return True
            elif pair_breaks(word, next_word):
                return True
        return False

    def contains_sentbreak(self, text: str) -> bool:
        """``text_contains_sentbreak(text)``, memoised for short texts."""
        if len(text) <= _CACHE_MAX_CHARS:
            return self._contains_cached(text)
        return self._contains_sentbreak(text)

    # -- plumbing ---------------------------------------------------------------------------
    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        """``list(tokenizer.span_tokenize(text))``."""
        contains = self.contains_sentbreak
        # _match_potential_end_contexts + _slices_from_text: a candidate is decided once the next
        # one shows that their words do not overlap.
        slices: list[tuple[int, int]] = []
        last_break = 0
        prev = None  # the pending candidate match, its word is text[prev_start:prev_stop]
        prev_start = prev_stop = 0
        for match in self._candidates.finditer(text):
            mark = match.start()
            # The word before the mark starts after the last ASCII whitespace in
            # text[prev_stop:mark]; none, or one at prev_stop itself, and it starts where the
            # previous candidate's word did.
            space = max([text.rfind(c, prev_stop, mark) for c in _ASCII_WHITESPACE])
            start = space + 1 if space > prev_stop else prev_start
            if prev is not None and prev_stop <= start:
                if contains(text[prev_start:prev_stop] + prev.group() + prev.group("after_tok")):
                    slices.append((last_break, prev.end()))
                    next_tok = prev.start("next_tok")  # -1 when punctuation follows the mark
                    last_break = next_tok if next_tok >= 0 else prev.end()
            prev, prev_start, prev_stop = match, start, mark
        if prev is not None:
            if contains(text[prev_start:prev_stop] + prev.group() + prev.group("after_tok")):
                slices.append((last_break, prev.end()))
                next_tok = prev.start("next_tok")
                last_break = next_tok if next_tok >= 0 else prev.end()
        slices.append((last_break, len(text.rstrip())))

        # _realign_boundaries: closing quotes and brackets after a break join the sentence before.
        spans: list[tuple[int, int]] = []
        realign = 0
        last = len(slices) - 1
        for i, (start, stop) in enumerate(slices):
            start += realign
            if i == last:
                if stop > start:  # `if text[sentence1]`: offsets never pass len(text)
                    spans.append((start, stop))
                break
            next_start, next_stop = slices[i + 1]
            m = None
            if next_stop > next_start and text[next_start] in REALIGN_FIRST:
                m = self._realign.match(text[next_start:next_stop])
            if m:
                spans.append((start, next_start + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if stop > start:
                    spans.append((start, stop))
        return spans
