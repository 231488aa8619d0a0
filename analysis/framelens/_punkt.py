"""Punkt sentence spans exactly as :meth:`PunktSentenceTokenizer.span_tokenize` gives them, faster.

NLTK decides each candidate break (``.``, ``?`` or ``!`` before punctuation, or before whitespace
and a token) by cutting a *decision text* (the word before, the mark, what follows), splitting it
into words, building a :class:`~nltk.tokenize.punkt.PunktToken` per word and annotating them;
every regex call pays for ``nltk.redos``'s time limit (~2.5 µs). A news article has a candidate
every ~120 characters. Here every decision is still NLTK's, made by the tokenizer's own methods:

- ``text_contains_sentbreak(decision_text)`` is true when a word of the decision text other than
  the last is a break once annotated. The annotation of a word depends only on that word and the
  next (the first pass reads the word alone; the second pass the word and the first-pass
  annotation of the next one; line and paragraph starts are never read). So each word's
  first-pass token is built once and kept, and the second pass runs on a copy of it for each
  pair of words, unless the token is *settled*: NLTK's second pass leaves a token without a final
  period alone, and one with a final period that is no abbreviation, ellipsis, initial or number
  and starts no collocation. A decision text that starts with a settled break ("said. The",
  "attack.”") contains a break whatever follows, once a word follows it: those (two candidates
  in three in news) are decided from the word before the mark alone, its token's
  ``breaks_alone``, without a decision text. The others are memoised per decision text. The words
  of a decision text come from NLTK's word regex, except for the commonest shapes, whose words
  are known.
- The plumbing (``_match_potential_end_contexts``, ``_slices_from_text``,
  ``_realign_boundaries``, and ``framelens.text``'s trimming) is one loop over the texts of a
  corpus, their segments and candidates (:meth:`PunktSpans.spans_many`). The marks are found with
  ``str.find``, and NLTK 3.10's candidate regex is read by hand from the characters after each
  (with another candidate regex, NLTK's own ``span_tokenize`` runs); a slice that starts with a
  closing quote is realigned as it ends. NLTK's quirks are kept: the word before a mark starts
  after the last *ASCII* whitespace (``string.whitespace``), whitespace found only at the very
  start counts as none, and a candidate whose word overlaps the previous one's drops the previous
  candidate. A decision text, or the word before a mark, is one slice of the text.
- The regexes that are linear run without the time limit, in Python's :mod:`re` (about twice as
  fast as the regex module NLTK uses; ``\\s`` is spelt out as the regex module's whitespace, see
  ``_as_re``), the reasons given where each is used: the word regex on short decision texts, the
  realignment regex, and PunktToken's three tests (not even tried where they cannot match). The
  word regex on long decision texts keeps it.

Memos are dicts emptied when full (2**17 decisions, 2**16 tokens) that hold no string over 200
characters: at most about 80 MB (ASCII); after 24 MB of news they hold about 12k decisions and
19k tokens, 6 MB. ``tests/test_text.py`` checks the spans against NLTK's own ``span_tokenize``
(and the project's former implementation) on news corpora, hard cases and random text;
``tests/test_punkt_speedpath.py`` the shortcuts, cold and warm, on their edge cases.
"""
from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING, Callable, Iterable

from nltk.tokenize.punkt import PunktToken

if TYPE_CHECKING:
    from nltk.tokenize.punkt import PunktSentenceTokenizer

# NLTK's _get_last_whitespace_index tests `char in string.whitespace`: ASCII whitespace only.
_ASCII_WHITESPACE = tuple(string.whitespace)
# The characters \s matches in NLTK's patterns (the regex module, VERSION0, UNICODE): Unicode
# White_Space. Python's re also counts U+001C..U+001F, so in re the class is spelt out. The tests
# check it against the regex module for every code point.
_REGEX_SPACE = "\\t-\\r\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
# The characters of NLTK 3.10's _re_non_word_chars (a word ends before them; none is "" or " ")
_NON_WORD = ")\";}]*:@'({[\u2018\u2019\u201c\u201d\xab\xbb?!"
# Segments end at the end of the text or before one of these (see PunktSpans.span_tokenize).
_LINE_BREAKS = "\n\u2028\u2029"
# The characters NLTK 3.10's re_boundary_realignment can start with (its pattern opens with this
# class): after a break followed by any other character the regex call is skipped. Checked
# against the pattern, for every BMP character, in the tests.
REALIGN_FIRST = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
_REALIGN_PATTERN = r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)'  # NLTK 3.10's
# The same class as a set (for one character; tested as _REGEX_SPACE is)
_SPACE = frozenset("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                   + "".join(map(chr, range(0x2000, 0x200B))))
# NLTK 3.10's candidate regex (PunktLanguageVars.period_context_re), which spans_many reads by hand
# (with another, NLTK's span_tokenize runs); "!" and "?" come in the order of a set, which varies.
# Its marks, and the punctuation after a mark that makes a candidate (_re_non_word_chars):
_MARK_CHARS = (".", "?", "!")
_AFTER_PUNCT = frozenset(_NON_WORD)
_PERIOD_CONTEXT = r"""
        [\.\?!]             # a potential sentence ending
        (?=(?P<after_tok>
            (?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb%s])              # either other punctuation
            |
            \s+(?P<next_tok>\S+)     # or whitespace and some other token
        ))"""
_PERIOD_CONTEXT_PATTERNS = frozenset(_PERIOD_CONTEXT % marks for marks in (r"!\?", r"\?!"))
_MEMO_SIZE = 1 << 17  # entries in the decision memo; a full memo is emptied (~10k after 20 MB of news)
_TOKEN_MEMO_SIZE = 1 << 16  # entries in the token memo (~17k after 20 MB of news)
_MEMO_MAX_CHARS = 200  # longer strings (a run without spaces can be megabytes) are not memoised


def _append_trimmed(text: str, start: int, stop: int, spans: list) -> None:
    """Appends ``(start, stop)`` without its leading and trailing whitespace, if anything is left."""
    piece = text[start:stop]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail > lead:
        spans.append((start + lead, start + trail))


def _marks(text: str, mark_chars: tuple[str, ...]) -> list[int]:
    """Where the characters ``mark_chars`` are in ``text``, in order (``str.find``: several times
    faster than a regex scan; a text with one kind of mark needs no sort)."""
    find = text.find
    marks: list[int] = []
    mixed = False
    for mark_char in mark_chars:
        at = find(mark_char)
        mixed = mixed or (at >= 0 and bool(marks))
        while at >= 0:
            marks.append(at)
            at = find(mark_char, at + 1)
    if mixed:
        marks.sort()
    return marks


def _as_re(pattern) -> re.Pattern | object:
    """NLTK's ``pattern`` (``nltk.redos`` over the regex module) as a Python :mod:`re` pattern
    that matches the same, without the time limit: ``\\s`` and ``\\S`` outside character
    classes become the class of the characters the regex module counts as whitespace. Python's
    re runs these patterns about twice as fast. When the pattern has other flags, ``\\s`` inside
    a class, or does not compile with re, the compiled regex-module pattern is returned as is."""
    inner = _without_time_limit(pattern)
    if isinstance(inner, re.Pattern):  # an older NLTK, on re already
        return inner
    flags = inner.flags
    try:
        import regex

        known = regex.VERSION0 | regex.VERBOSE | regex.UNICODE | regex.MULTILINE
    except ImportError:
        return inner
    if flags & ~known or not flags & regex.UNICODE:
        return inner
    out, in_class, i, src = [], False, 0, inner.pattern
    while i < len(src):
        c = src[i]
        if c == "\\":
            pair = src[i:i + 2]
            if pair in ("\\s", "\\S"):
                if in_class:
                    return inner
                out.append(("[^" if pair[1] == "S" else "[") + _REGEX_SPACE + "]")
            else:
                out.append(pair)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            if src[i + 1:i + 2] == "^":  # a "]" right after "[" or "[^" is a literal
                out.append("^")
                i += 1
            if src[i + 1:i + 2] == "]":
                out.append("]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        else:
            out.append(c)
        i += 1
    try:
        return re.compile("".join(out), re.UNICODE | (re.VERBOSE if flags & regex.VERBOSE else 0)
                          | (re.MULTILINE if flags & regex.MULTILINE else 0))
    except re.error:
        return inner


def _compile_like(source: str, like):
    """``source`` compiled as ``like`` is (NLTK's flags, its regex module or re)."""
    inner = _without_time_limit(like)
    if isinstance(inner, re.Pattern):
        return re.compile(source, inner.flags)
    import regex

    return regex.compile(source, inner.flags)


def _without_time_limit(pattern):
    """The compiled pattern inside an ``nltk.redos.TimedPattern`` (NLTK >= 3.10; an older NLTK
    has a plain ``re.Pattern``, returned as is)."""
    return getattr(pattern, "_rx", pattern)


class _Token(PunktToken):
    """A :class:`PunktToken` whose regex tests run without ``nltk.redos``'s time limit, on the
    same compiled patterns (and which knows whether it is ``settled``: see ``PunktSpans._token``).
    All three are linear: ``^-?[.,]?\\d[\\d,.-]*\\.?$`` is anchored with one repeated class
    (backtracking gives characters back one by one, once); ``\\.\\.+$`` (matched at the start)
    is a run of dots then the end; ``[^\\W\\d]\\.$`` has a fixed length. Each test costs about
    0.3 µs instead of 2.5 µs with the limit, and none runs where it cannot match: the first
    needs a "-", "." or "," or a digit first (no letter is a digit), the second ".." first, the
    third at most three characters (``$`` also matches before a final line break)."""

    __slots__ = ("settled", "breaks_alone")  # set by PunktSpans._token
    _numeric = _without_time_limit(PunktToken._RE_NUMERIC)
    _ellipsis = _without_time_limit(PunktToken._RE_ELLIPSIS)
    _initial = _without_time_limit(PunktToken._RE_INITIAL)

    def __init__(self, tok: str):
        # PunktToken.__init__ without keyword parameters, its loop over the properties spelt out
        # (the tests compare every slot with PunktToken's)
        self.tok = tok
        lower = tok.lower()  # self._get_type(tok), inline:
        self.type = lower if lower[:1].isalpha() else self._numeric.sub("##number##", lower)
        self.period_final = tok.endswith(".")
        self.parastart = self.linestart = self.sentbreak = self.abbr = self.ellipsis = None

    def _get_type(self, tok):
        lower = tok.lower()
        return lower if lower[:1].isalpha() else self._numeric.sub("##number##", lower)

    @property
    def is_ellipsis(self):
        return self._ellipsis.match(self.tok) if self.tok[:2] == ".." else None

    @property
    def is_initial(self):
        return self._initial.match(self.tok) if len(self.tok) < 4 else None

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
        # NLTK's word regex without the time limit, in Python's re (see _as_re; why it is safe
        # without the limit is said in _words)
        self._word_findall = _as_re(lang._word_tokenizer_re()).findall
        # NLTK's candidate regex, [.?!](?=(?P<after_tok>[punctuation]|\s+(?P<next_tok>\S+))).
        # spans_many reads it by hand when it is NLTK 3.10's: a mark, then one of _AFTER_PUNCT,
        # or whitespace (_SPACE) and a non-space, within the segment (the tests check both sets
        # against the pattern, for every code point).
        self._scan_candidates = (lang.period_context_re().pattern in _PERIOD_CONTEXT_PATTERNS
                                 and tuple(lang.sent_end_chars) == _MARK_CHARS)
        self._non_space = re.compile(f"[^{_REGEX_SPACE}]").search
        self._space = re.compile(f"[{_REGEX_SPACE}]").search
        self._realign = lang.re_boundary_realignment  # time-limited
        # The same in re, without the time limit (None if it does not translate), as it is linear:
        # a run of closers (lazily, one more at a time), then whitespace, "--" or the end. Each
        # extension of the run tests one character after it; a whitespace there ends the match,
        # so nothing is retried. It runs on text[start:stop] as pos and endpos, not a copy.
        realign_re = _as_re(self._realign)
        self._realign_re = realign_re if isinstance(realign_re, re.Pattern) else None
        # (another NLTK's pattern may start otherwise: then the regex is always tried)
        self._realign_first = REALIGN_FIRST if self._realign.pattern == _REALIGN_PATTERN else None
        self._collocation_starts = {first for first, _ in tokenizer._params.collocations}
        # the characters that end a word in NLTK's word regex (those of _NON_WORD that still do)
        non_word = _as_re(_compile_like(lang._re_non_word_chars, lang._word_tokenizer_re()))
        self._word_end = frozenset(c for c in _NON_WORD if non_word.fullmatch(c))
        self._tokens: dict[str, _Token] = {}  # word -> its token after the first pass (never changed)
        self._decisions: dict[str, bool] = {}  # decision text -> contains a break

    # -- the spans ---------------------------------------------------------------------------
    def span_tokenize(self, text: str, segments: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
        """For each ``(start, end)`` of ``segments`` in turn (default: the whole text), the spans
        of ``tokenizer.span_tokenize(text[start:end])`` shifted by ``start``.

        Segments must be in order, must not overlap, and each must end at the end of ``text`` or
        before a line break (``\\n``, U+2028, U+2029), as ``framelens.text._segments`` cuts them
        (checked here: a ValueError otherwise).
        """
        n = len(text)
        segments = [(0, n)] if segments is None else list(segments)
        done = 0
        for start, end in segments:
            if not done <= start <= end <= n or (end < n and text[end] not in _LINE_BREAKS):
                raise ValueError(f"bad segment ({start}, {end}) of a text of {n} characters")
            done = end
        return self.spans_many([text], lambda _: segments, trim=False)[0]

    def spans_many(self, texts: Iterable[str], segments_of: Callable[[str], list[tuple[int, int]]],
                   trim: bool = True) -> list[list[tuple[int, int]]]:
        """For each text, :meth:`span_tokenize` on the segments ``segments_of(text)`` (a list, as
        :meth:`span_tokenize` requires them: not checked here); with ``trim``, each span stripped
        of whitespace (``str.isspace``) and dropped when nothing is left.

        One loop does it all (this is where the time goes): per text, the marks (``str.find``);
        per segment, its candidates, read from the characters after each mark as NLTK's
        candidate regex would; per candidate, the word before the mark (one ``rfind`` where the
        segment has no ASCII whitespace but spaces) and its decision: from the word alone when
        it is a settled break and a word follows, else from the decision text (one slice: the
        word, the mark and its lookahead are contiguous) and its memo; per slice, NLTK's
        realignment with the slice before, where it starts with a closing quote or bracket.
        """
        if not self._scan_candidates:  # another NLTK's candidate regex: NLTK itself, per segment
            return [self._nltk_spans(text, segments_of(text), trim) for text in texts]
        after_punct = _AFTER_PUNCT
        space = _SPACE
        non_space = self._non_space
        space_at = self._space
        decided = self._decisions.get
        decide = self._decide_new
        token_of = self._tokens.get
        word_end = self._word_end
        realign_first = self._realign_first or frozenset()
        realign_all = self._realign_first is None  # (then every slice but the first may realign)
        out = []
        for text in texts:
            spans: list[tuple[int, int]] = []
            out.append(spans)
            append = spans.append
            segments = segments_of(text)
            if not segments:
                continue
            marks = _marks(text, _MARK_CHARS)
            n_marks = len(marks)
            i = 0
            # The word before a mark may hold \t\n\r\v\f, else only spaces end it: checked per
            # text, then per segment for \n (str methods: much faster than a regex class).
            odd_text = "\t" in text or "\r" in text or "\x0b" in text or "\x0c" in text
            for start, end in segments:
                while i < n_marks and marks[i] < start:
                    i += 1  # a mark between segments (none with _segments: only whitespace there)
                # the segment without its trailing whitespace ends the last slice
                stop = end if end > start and not text[end - 1].isspace() else start + len(text[start:end].rstrip())
                last = end - 1  # (a mark there, or after, has no lookahead in the segment)
                if i == n_marks or marks[i] >= last:  # no candidate: one slice, or none if blank
                    if stop > start:
                        if trim and text[start].isspace():
                            _append_trimmed(text, start, stop, spans)
                        else:
                            append((start, stop))
                    continue
                odd = odd_text or text.find("\n", start, end) >= 0
                # The slices go to spans as they end (after a mark, or at `stop`: never at
                # whitespace). They start at the segment start, after a mark (punctuation) or at
                # a next token (\S in the regex module: whitespace to str.isspace only if one of
                # U+001C..U+001F), or, realigned, after closers and whitespace. They are trimmed
                # at the end of the segment (rarely) if one may start with whitespace.
                first_slice = len(spans)
                last_break = start
                closer = False  # the open slice starts with a closer: it may realign
                trim_slices = trim and text[start].isspace()
                # The pending candidate (NLTK's _match_potential_end_contexts yields a candidate
                # once the next one's word does not overlap it): its mark, the start of its word,
                # its next token (-1 when punctuation follows).
                mark = -1
                word = prev_stop = start
                while True:
                    # The segment's next candidate, as NLTK's candidate regex finds it in the
                    # segment alone: a mark, then whitespace and a token, or then one of its
                    # punctuation (_AFTER_PUNCT), all before the segment's end.
                    at = -1
                    while i < n_marks:
                        next_mark = marks[i]
                        if next_mark >= last:
                            break  # (the segment's last candidate is done)
                        i += 1
                        after = text[next_mark + 1]
                        if after in space:
                            at_next_tok = next_mark + 2
                            if at_next_tok < end and text[at_next_tok] not in space:
                                at = next_mark
                                break
                            found = non_space(text, at_next_tok, end)
                            if found is not None:
                                at, at_next_tok = next_mark, found.start()
                                break
                        elif after in after_punct:
                            at, at_next_tok = next_mark, -1
                            break
                    if at >= 0:
                        # The word before the mark starts after the last ASCII whitespace in
                        # text[prev_stop:at]; with none, or only one at prev_stop itself, it
                        # starts where the previous candidate's word did.
                        if odd:
                            at_space = max([text.rfind(c, prev_stop, at) for c in _ASCII_WHITESPACE])
                        else:
                            at_space = text.rfind(" ", prev_stop, at)
                        at_word = at_space + 1 if at_space > prev_stop else word
                        stands = mark >= 0 and prev_stop <= at_word  # no overlap: the pending one stands
                    else:  # the segment's candidates are done: the pending one stands
                        stands = mark >= 0
                    if stands:
                        # Its decision text is text[word:mark] + mark + lookahead. Most decide
                        # from the word and mark alone: the text contains a break when a word
                        # follows the mark in it and the word ending with the mark is a break
                        # that NLTK's second pass leaves alone (it is not the last word, and
                        # stays a break whatever follows). A word follows after punctuation (one
                        # of _NON_WORD, a word of its own), or after whitespace and a next token
                        # that starts with a character str.isspace deems no space (else, after a
                        # line break, NLTK would drop that line as blank: U+001C..U+001F).
                        # - A "?" or "!" is such a word: it ends the word before it, is a word of
                        #   its own and a break, with no full stop (so settled).
                        # - So is a "." ending a word whose token breaks_alone (see _token):
                        #   NLTK's word regex keeps those letters or digits and the full stop as
                        #   one word. None of them ends a word, but for a full stop where ".." or
                        #   ". . ." starts, which cannot be at the mark: whitespace or
                        #   punctuation follows it, and the decision text ends with the token
                        #   after that whitespace, leaving no room for ". . .". The word ends at
                        #   that whitespace or punctuation.
                        if next_tok < 0:
                            follows = text[mark + 1] in word_end
                        else:
                            follows = not text[next_tok].isspace()
                        if follows and text[mark] == ".":
                            key = text[word:mark + 1]
                            token = token_of(key)
                            decision = (token or self._token(key)).breaks_alone
                        else:
                            decision = follows  # (a "?" or "!")
                        if not decision:  # the decision memo (or NLTK's annotation) decides
                            if next_tok < 0:
                                decision_text = text[word:mark + 2]
                            else:  # the lookahead ends with the next token
                                token_end = space_at(text, next_tok, end)
                                decision_text = text[word:end if token_end is None else token_end.start()]
                            decision = decided(decision_text)
                            if decision is None:
                                decision = decide(decision_text)
                        if decision:  # the open slice ends after the mark
                            if closer:
                                last_break = self._realign_slice(text, last_break, mark + 1, spans)
                                trim_slices = trim_slices or trim and text[last_break] <= "\x1f"
                            append((last_break, mark + 1))
                            last_break = next_tok if next_tok >= 0 else mark + 1
                            first = text[last_break]
                            # (closers before a letter or digit never realign: see _realign_end)
                            closer = realign_all or (first in realign_first
                                                     and not text[last_break + 1:last_break + 2].isalnum())
                            if first <= "\x1f":  # U+001C..U+001F (and harmless others)
                                trim_slices = trim
                    if at < 0:
                        break
                    mark = prev_stop = at
                    word, next_tok = at_word, at_next_tok
                if closer and stop > last_break:  # the last slice
                    last_break = self._realign_slice(text, last_break, stop, spans)
                    trim_slices = trim_slices or trim and last_break < stop and text[last_break] <= "\x1f"
                if stop > last_break:
                    append((last_break, stop))
                if trim_slices:
                    slices = spans[first_slice:]
                    del spans[first_slice:]
                    for a, b in slices:
                        if text[a].isspace() or text[b - 1].isspace():
                            _append_trimmed(text, a, b, spans)
                        else:
                            append((a, b))
        return out

    def _realign_slice(self, text: str, start: int, stop: int, spans: list[tuple[int, int]]) -> int:
        """NLTK's ``_realign_boundaries`` for the slice ``text[start:stop]`` and the one before it,
        ``spans[-1]``: closing quotes and brackets at the start of a slice go with the sentence
        before. Returns where the slice starts now."""
        end = self._realign_end(text, start, stop)
        if end is None:
            return start
        spans[-1] = (spans[-1][0], start + len(text[start:end].rstrip()))
        return end

    def _nltk_spans(self, text: str, segments: list[tuple[int, int]], trim: bool) -> list[tuple[int, int]]:
        """NLTK's own ``span_tokenize`` on each segment (for a candidate regex other than NLTK
        3.10's, which ``spans_many`` reads by hand), shifted and trimmed as ``spans_many``'s."""
        spans: list[tuple[int, int]] = []
        for start, end in segments:
            for a, b in self._tok.span_tokenize(text[start:end]):
                if trim:
                    _append_trimmed(text, start + a, start + b, spans)
                else:
                    spans.append((start + a, start + b))
        return spans

    def _realign_end(self, text: str, start: int, stop: int) -> int | None:
        """Where ``re_boundary_realignment.match(text[start:stop])`` ends in ``text`` (None: no
        match), the regex not tried where it cannot match."""
        first = self._realign_first
        if first is not None:
            if stop <= start or text[start] not in first:
                return None
            if start + 1 < stop and text[start + 1].isalnum():
                return None  # as in “This: the closers must be followed by whitespace, "--" or the end
        if self._realign_re is not None:  # re: the same match within text[start:stop], no slice
            m = self._realign_re.match(text, start, stop)
            return None if m is None else m.end()
        m = self._realign.match(text[start:stop])
        return None if m is None else start + m.end()

    # -- the decisions -------------------------------------------------------------------------
    def contains_sentbreak(self, text: str) -> bool:
        """``tokenizer.text_contains_sentbreak(text)``, memoised."""
        decision = self._decisions.get(text)
        return self._decide_new(text) if decision is None else decision

    def _decide_new(self, text: str) -> bool:
        """:meth:`contains_sentbreak` of a text not in the memo: decided, then memoised."""
        decision = self._contains_break(self._words(text))
        if len(text) <= _MEMO_MAX_CHARS:
            if len(self._decisions) >= _MEMO_SIZE:
                self._decisions.clear()
            self._decisions[text] = decision
        return decision

    def _words(self, text: str) -> list[str]:
        """The words of ``text`` as NLTK's ``_tokenize_words`` finds them: each line's words."""
        # Most decision texts left to the memo are "Mr. Smith", "U.S. officials" or "Jan. 5,":
        # letters or digits (with single dots inside), a mark, ONE space, then letters or digits
        # (a final "." or "," allowed). NLTK's word regex cuts them as below: none of those
        # characters is one of its punctuation classes and no ".." or ". ." occurs, so a word
        # runs to the space or the end, except that "?" and "!" (but not ".") end the word
        # before them and stand alone, and so does a "," at the end. (The tests compare with
        # NLTK's _tokenize_words on such texts and on random ones.)
        word, space, next_word = text.partition(" ")
        stem, mark = word[:-1], word[-1:]
        if (space and mark in ".?!" and stem[:1].isalnum()
                and (stem.isalnum() or ".." not in word and stem.replace(".", "").isalnum())):
            if next_word.isalnum() or next_word[-1:] == "." and next_word[:-1].isalnum():
                return [word, next_word] if mark == "." else [stem, mark, next_word]
            if next_word[-1:] == "," and next_word[:-1].isalnum():
                return [word, next_word[:-1], ","] if mark == "." else [stem, mark, next_word[:-1], ","]
        # A decision text is a word, a mark and the next word: short ones (nearly all) go to the
        # word regex without the time limit, which is safe as the pattern is linear. Its only
        # repetitions are a lazy \S+? whose lookahead tests O(1) characters except where a run
        # of "--", ".." or ". . ." starts (which then ends the word and is the next match), and
        # the runs themselves; lookaheads are atomic, so nothing is retried. Even a slip in this
        # argument, a quadratic one, would cost at most _MEMO_MAX_CHARS² steps.
        findall = self._word_findall if len(text) <= _MEMO_MAX_CHARS else self._word_tokenize
        if "\n" not in text:  # one line (NLTK skips a blank one)
            return findall(text) if text.strip() else []
        return [w for line in text.split("\n") if line.strip() for w in findall(line)]

    def _contains_break(self, words: list[str]) -> bool:
        """NLTK's annotation of ``words`` (first pass, then the second pass on each word with the
        next): is any word but the last a sentence break?"""
        token = self._token
        for i in range(len(words) - 1):
            first = token(words[i])
            if first.settled:  # the second pass leaves it as it is, whatever the next word
                if first.sentbreak:
                    return True
                continue
            first = first.copy()  # the second pass updates the token it decides
            self._tok._second_pass_annotation(first, token(words[i + 1]))
            if first.sentbreak:
                return True
        return False

    def _token(self, word: str) -> _Token:
        """The token of ``word`` after NLTK's first annotation pass (shared: never changed), and
        whether NLTK's second pass may change it (``settled`` when not).

        ``_second_pass_annotation(token, next_token)`` returns at once when the token has no final
        period; otherwise it changes the token only through a collocation starting with its type,
        or when it is an abbreviation, an ellipsis, an initial or a number. (The tests compare
        with NLTK's second pass on every pair of many words.)

        ``breaks_alone``: the word is letters or digits (``str.isalnum``) and a full stop, and a
        settled break ("said.", "2019." is not: a number). A decision text that starts with it
        contains a break as soon as NLTK's word regex keeps it whole and finds a word after it:
        see ``spans_many`` for when it does."""
        token = self._tokens.get(word)
        if token is None:
            token = _Token(word)
            self._tok._first_pass_annotation(token)
            if token.period_final:
                kind = token.type_no_period
                token.settled = not (token.abbr or token.ellipsis or kind == "##number##"
                                     or kind in self._collocation_starts or token.is_initial)
                token.breaks_alone = bool(token.settled and token.sentbreak and word[:-1].isalnum())
            else:
                token.settled, token.breaks_alone = True, False
            if len(word) <= _MEMO_MAX_CHARS:
                if len(self._tokens) >= _TOKEN_MEMO_SIZE:
                    self._tokens.clear()
                self._tokens[word] = token
        return token
