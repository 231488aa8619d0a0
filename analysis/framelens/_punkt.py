"""Punkt sentence spans exactly as :meth:`PunktSentenceTokenizer.span_tokenize` gives them, faster.

NLTK decides each candidate break (``.``, ``?`` or ``!`` before punctuation, or before whitespace
and a token) by cutting a *decision text* (the word before, the mark, what follows), splitting it
into words, building a :class:`~nltk.tokenize.punkt.PunktToken` per word and annotating them;
every regex call pays for ``nltk.redos``'s time limit (~2.5 µs). A news article has a candidate
every ~200 characters. Here every decision is still NLTK's, made by the tokenizer's own methods:

- ``text_contains_sentbreak(decision_text)`` is true when a word of the decision text other than
  the last is a break once annotated. The annotation of a word depends only on that word and the
  next (the first pass reads the word alone; the second pass the word and the first-pass
  annotation of the next one; line and paragraph starts are never read). So each word's
  first-pass token is built once and kept, and the second pass runs on a copy of it for each
  pair of words. Decisions are memoised per decision text. The words of a decision text come
  from NLTK's word regex, except for the commonest shape ("said. The"), whose words are known.
- The plumbing (``_match_potential_end_contexts``, ``_slices_from_text``,
  ``_realign_boundaries``) is one loop over offsets, with NLTK's quirks kept: the word before a
  mark starts after the last *ASCII* whitespace (``string.whitespace``), whitespace found only at
  the very start counts as none, and a candidate whose word overlaps the previous one's drops
  the previous candidate. One scan of the whole text finds the candidates of all its segments.
- The regexes that are linear run without the time limit (the reasons are given where each is
  used): the candidate regex, the word regex on short decision texts, and PunktToken's three
  tests. The realignment regex and the word regex on long decision texts keep it.

Memos are dicts emptied when full and hold no string over 200 characters. ``tests/test_text.py``
checks the spans against NLTK's own ``span_tokenize`` on news corpora, hard cases and random text.
"""
from __future__ import annotations

import string
from bisect import bisect_left
from typing import TYPE_CHECKING, Iterable

from nltk.tokenize.punkt import PunktToken

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# NLTK's _get_last_whitespace_index tests `char in string.whitespace`: ASCII whitespace only.
_ASCII_WHITESPACE = tuple(string.whitespace)
# Segments end at the end of the text or before one of these (see PunktSpans.span_tokenize).
_LINE_BREAKS = "\n\u2028\u2029"
# The characters NLTK 3.10's re_boundary_realignment can start with (its pattern opens with this
# class): after a break followed by any other character the regex call is skipped. Checked
# against the pattern, for every BMP character, in the tests.
REALIGN_FIRST = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
_REALIGN_PATTERN = r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)'  # NLTK 3.10's
_MEMO_SIZE = 1 << 15  # entries per memo; a full memo is emptied (both hold ~7 MB after 24 MB of news)
_MEMO_MAX_CHARS = 200  # longer strings (a run without spaces can be megabytes) are not memoised


def _without_time_limit(pattern):
    """The compiled pattern inside an ``nltk.redos.TimedPattern`` (NLTK >= 3.10; an older NLTK
    has a plain ``re.Pattern``, returned as is)."""
    return getattr(pattern, "_rx", pattern)


class _Token(PunktToken):
    """A :class:`PunktToken` whose regex tests run without ``nltk.redos``'s time limit, on the
    same compiled patterns. All three are linear: ``^-?[.,]?\\d[\\d,.-]*\\.?$`` is anchored with one
    repeated class (backtracking gives characters back one by one, once); ``\\.\\.+$`` (matched at
    the start) is a run of dots then the end; ``[^\\W\\d]\\.$`` has a fixed length. Each test costs
    about 0.3 µs instead of 2.5 µs with the limit."""

    __slots__ = ()
    _numeric = _without_time_limit(PunktToken._RE_NUMERIC)
    _ellipsis = _without_time_limit(PunktToken._RE_ELLIPSIS)
    _initial = _without_time_limit(PunktToken._RE_INITIAL)

    def _get_type(self, tok):
        return self._numeric.sub("##number##", tok.lower())

    @property
    def is_ellipsis(self):
        return self._ellipsis.match(self.tok)

    @property
    def is_initial(self):
        return self._initial.match(self.tok)

    def copy(self) -> _Token:
        token = _Token.__new__(_Token)
        # PunktToken.__slots__, spelt out (3x faster than a loop; the tests compare the lists)
        token.tok, token.type, token.period_final = self.tok, self.type, self.period_final
        token.parastart, token.linestart = self.parastart, self.linestart
        token.sentbreak, token.abbr, token.ellipsis = self.sentbreak, self.abbr, self.ellipsis
        return token


class PunktSpans:
    """Sentence spans by a :class:`PunktSentenceTokenizer` (its parameters, its decisions),
    identical to its ``span_tokenize`` with ``realign_boundaries=True``."""

    def __init__(self, tokenizer: PunktSentenceTokenizer):
        self._tok = tokenizer
        lang = tokenizer._lang_vars
        self._word_tokenize = lang.word_tokenize  # NLTK's word regex, time-limited
        self._word_findall = _without_time_limit(lang._word_tokenizer_re()).findall
        # NLTK's candidate regex, [.?!](?=(?P<after_tok>[punctuation]|\s+(?P<next_tok>\S+))), run
        # without the time limit as it is linear: a mark's lookahead reads one character, or the
        # whitespace right after it and the token right after that (backtracking at most once
        # over that whitespace). No other mark reads those: a mark inside the token is followed
        # by a non-space and fails at once. So each character is read a bounded number of times.
        self._find_candidates = _without_time_limit(lang.period_context_re()).finditer
        self._realign = lang.re_boundary_realignment  # time-limited
        # (another NLTK's pattern may start otherwise: then the regex is always tried)
        self._realign_first = REALIGN_FIRST if self._realign.pattern == _REALIGN_PATTERN else None
        self._tokens: dict[str, _Token] = {}  # word -> its token after the first pass (never changed)
        self._decisions: dict[str, bool] = {}  # decision text -> contains a break

    # -- the spans ---------------------------------------------------------------------------
    def span_tokenize(self, text: str, segments: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
        """For each ``(start, end)`` of ``segments`` in turn (default: the whole text), the spans
        of ``tokenizer.span_tokenize(text[start:end])`` shifted by ``start``.

        Segments must be in order, must not overlap, and each must end at the end of ``text`` or
        before a line break (``\\n``, U+2028, U+2029), as ``framelens.text._segments`` cuts them.
        Then one scan of the whole text finds every segment's candidates: a candidate is a mark
        with a lookahead (a punctuation character, or whitespace and the next token, ``\\S+``),
        and a scan of the segment alone finds the same matches with the same groups, except those
        whose lookahead ends past the segment. A token cannot cross the line break that ends a
        segment, so such a lookahead does not fit in the segment at all.
        """
        n = len(text)
        if segments is None:
            segments = [(0, n)]
        spans: list[tuple[int, int]] = []
        matches = list(self._find_candidates(text))
        marks = [m.start() for m in matches]
        done = 0
        for start, end in segments:
            if not done <= start <= end <= n or (end < n and text[end] not in _LINE_BREAKS):
                raise ValueError(f"bad segment ({start}, {end}) of a text of {n} characters")
            done = end
            found = [m for m in matches[bisect_left(marks, start):bisect_left(marks, end)]
                     if m.end("after_tok") <= end]
            if not found:  # one slice, nothing to realign
                stop = start + len(text[start:end].rstrip())
                if stop > start:
                    spans.append((start, stop))
                continue
            # _slices_from_text: a sentence ends after each candidate that is a break
            slices = []
            last_break = start
            for cand, decision_text in self._candidates_in(text, start, found):
                if self.contains_sentbreak(decision_text):
                    slices.append((last_break, cand.end()))
                    next_tok = cand.start("next_tok")  # -1 when punctuation follows the mark
                    last_break = next_tok if next_tok >= 0 else cand.end()
            slices.append((last_break, start + len(text[start:end].rstrip())))
            self._realign_boundaries(text, slices, spans)
        return spans

    @staticmethod
    def _candidates_in(text: str, begin: int, matches: list) -> list[tuple[object, str]]:
        """NLTK's ``_match_potential_end_contexts`` on the segment starting at ``begin``, given
        its matches: ``(match, decision text)`` pairs."""
        out = []
        prev = None  # the pending candidate, whose word is text[prev_start:prev_stop]
        prev_start = prev_stop = begin
        for match in matches:
            mark = match.start()
            # The word before the mark starts after the last ASCII whitespace in
            # text[prev_stop:mark]; with none, or only one at prev_stop itself, it starts where
            # the previous candidate's word did.
            space = text.rfind(" ", prev_stop, mark)
            if not text[max(space + 1, prev_stop):mark].isprintable():  # may hold \t\n\r\v\f
                space = max([text.rfind(c, prev_stop, mark) for c in _ASCII_WHITESPACE])
            start = space + 1 if space > prev_stop else prev_start
            if prev is not None and prev_stop <= start:  # no overlap: the previous one stands
                out.append((prev, text[prev_start:prev_stop] + prev.group() + prev.group("after_tok")))
            prev, prev_start, prev_stop = match, start, mark
        if prev is not None:
            out.append((prev, text[prev_start:prev_stop] + prev.group() + prev.group("after_tok")))
        return out

    def _realign_boundaries(self, text: str, slices: list[tuple[int, int]], spans: list) -> None:
        """NLTK's ``_realign_boundaries``: closing quotes and brackets after a break go with the
        sentence before. Appends to ``spans``."""
        realign = 0
        for (start, stop), (next_start, next_stop) in zip(slices, slices[1:]):
            start += realign
            m = self._realign_match(text, next_start, next_stop)
            if m:
                spans.append((start, next_start + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if stop > start:  # NLTK: `if text[sentence1]`; offsets never pass the end
                    spans.append((start, stop))
        start, stop = slices[-1]
        if stop > start + realign:
            spans.append((start + realign, stop))

    def _realign_match(self, text: str, start: int, stop: int):
        """``re_boundary_realignment.match(text[start:stop])``, not tried where it cannot match."""
        first = self._realign_first
        if first is not None:
            if stop <= start or text[start] not in first:
                return None
            if start + 1 < stop and text[start + 1].isalnum():
                return None  # as in “This: the closers must be followed by whitespace, "--" or the end
        return self._realign.match(text[start:stop])

    # -- the decisions -------------------------------------------------------------------------
    def contains_sentbreak(self, text: str) -> bool:
        """``tokenizer.text_contains_sentbreak(text)``, memoised."""
        decision = self._decisions.get(text)
        if decision is None:
            decision = self._contains_break(self._words(text))
            if len(text) <= _MEMO_MAX_CHARS:
                if len(self._decisions) >= _MEMO_SIZE:
                    self._decisions.clear()
                self._decisions[text] = decision
        return decision

    def _words(self, text: str) -> list[str]:
        """The words of ``text`` as NLTK's ``_tokenize_words`` finds them: each line's words."""
        # Half the decision texts are "said. The": letters or digits, a mark, ONE space, then
        # letters or digits (a final dot allowed). NLTK's word regex cuts them as below: none of
        # those characters is one of its punctuation classes, so a word runs to the space or the
        # end, except that "?" and "!" (but not ".") end the word before them and stand alone.
        # (The tests compare with NLTK's _tokenize_words on such texts and on random ones.)
        word, space, next_word = text.partition(" ")
        if (space and word[:-1].isalnum() and word[-1] in ".?!"
                and (next_word.isalnum() or next_word[-1:] == "." and next_word[:-1].isalnum())):
            return [word, next_word] if word[-1] == "." else [word[:-1], word[-1], next_word]
        # A decision text is a word, a mark and the next word: short ones (nearly all) go to the
        # word regex without the time limit, which is safe as the pattern is linear. Its only
        # repetitions are a lazy \S+? whose lookahead tests O(1) characters except where a run
        # of "--", ".." or ". . ." starts (which then ends the word and is the next match), and
        # the runs themselves; lookaheads are atomic, so nothing is retried. Even a slip in this
        # argument, a quadratic one, would cost at most _MEMO_MAX_CHARS² steps.
        findall = self._word_findall if len(text) <= _MEMO_MAX_CHARS else self._word_tokenize
        return [w for line in text.split("\n") if line.strip() for w in findall(line)]

    def _contains_break(self, words: list[str]) -> bool:
        """NLTK's annotation of ``words`` (first pass, then the second pass on each word with the
        next): is any word but the last a sentence break?"""
        second_pass = self._tok._second_pass_annotation
        known = self._tokens.get
        prev = None
        for word in words:
            token = known(word) or self._token(word)
            if prev is not None:
                first = prev.copy()  # the second pass updates the token it decides
                second_pass(first, token)
                if first.sentbreak:
                    return True
            prev = token
        return False

    def _token(self, word: str) -> _Token:
        """The token of ``word`` after NLTK's first annotation pass (shared: never changed)."""
        token = self._tokens.get(word)
        if token is None:
            token = _Token(word)
            self._tok._first_pass_annotation(token)
            if len(word) <= _MEMO_MAX_CHARS:
                if len(self._tokens) >= _MEMO_SIZE:
                    self._tokens.clear()
                self._tokens[word] = token
        return token
