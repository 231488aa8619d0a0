"""Sentence iteration shared by the actor extractors: analysis units, quotations, skip reasons, tokens.

The extractors read sentences as :meth:`framelens.Corpus.sentence_spans` cuts them, with two repairs
and a few checks:

* **Units.** A sentence that starts in lower case right after a sentence that ends with a closing
  quotation mark is joined to it: Punkt cuts ``"Stop!" he shouted.`` after the quote.
* **Quotations** are tracked across the sentences of a document, so that in
  ``He said: "They came at night. They burned everything."`` the second sentence is known to lie
  inside the quote. A quote may continue into the next paragraph when that paragraph opens with a
  quotation mark (the newspaper convention). Straight quotes ``"`` are read as opening or closing
  from the characters around them.
* **Skips.** A unit is not analysed, and counted under its reason, when

  - ``non_english``: its document (or the unit itself, when long) has too few English function words
    or too few Latin letters to be English;
  - ``no_sentence_punctuation``: its document has at least :data:`NO_PUNCT_MIN_TOKENS` word tokens
    and no ``.``, ``!`` or ``?`` anywhere, so sentence boundaries are unknown;
  - ``too_long``: it has more than ``max_tokens`` word tokens or ``max_chars`` characters (a list, a
    table or a text the splitter could not cut);
  - ``unclosed_quote``: a quotation opens in it (or before it in its paragraph) and is never
    closed, so what is quoted and what is reporting cannot be told apart.

  The counts per reason go into the result's ``attrs["framelens"]["skipped"]`` and a
  :class:`SkippedSentencesWarning` names them.

Tokens are runs of word characters joined by inner hyphens, apostrophes, ``&`` or dots
(``pro-government``, ``army's``, ``U.S``), and single other characters, with their offsets.
"""
from __future__ import annotations

import re
import warnings
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["SkippedSentencesWarning", "Unit", "Token", "units", "tokens", "skip_summary", "SKIP_REASONS"]

SKIP_REASONS = ("non_english", "no_sentence_punctuation", "too_long", "unclosed_quote")
MAX_TOKENS = 120
MAX_CHARS = 1200
NO_PUNCT_MIN_TOKENS = 40
#: a document (or a long unit) is English when at least this share of its word tokens are English
#: function words; English news prose has 35-50 %, other Latin-script languages well under 10 %
ENGLISH_MIN_SHARE = 0.12
ENGLISH_MIN_TOKENS = 12

# The most frequent English function words: what any English sentence of a dozen words contains.
ENGLISH_FUNCTION_WORDS = frozenset("""
a an the and or but of to in on at by for with from into about over after before as than that this these those
is are was were be been being has have had do does did will would can could should may might must not no
it its he she they them their his her we our you i who which what when where while there here also said
says more most some any all one two three up out if so very just only after
during since against between under through among including within without because until near despite amid
""".split())  # the prepositions of the last line: a news sentence of names and places ("… has reported 46
# assaults during protests in Egypt since Sunday, citing …") holds few of the others

_TOKEN = re.compile(r"\w+(?:[-\u2010\u2011'’&.]\w+)*|[^\w\s]")
_WORD = re.compile(r"\w")
_SENT_PUNCT = re.compile(r"[.!?…]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n|\u2029")
OPENERS = "“„«‘"
CLOSERS = "”»’"
_DOUBLE = {"“": "”", "„": "“", "«": "»"}


class SkippedSentencesWarning(UserWarning):
    """Some sentences were not analysed (too long, not English, unpunctuated, unclosed quotes)."""


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower().replace("’", "'")

    @property
    def is_word(self) -> bool:
        return bool(_WORD.match(self.text))


@dataclass(slots=True)
class Unit:
    """One analysis unit: a sentence (or two joined) of one document.

    ``start``/``end`` are character offsets in the document text; ``quoted`` holds the ``(start,
    end)`` stretches of the unit that lie inside a quotation (marks included); ``skip`` is ``None``
    or one of :data:`SKIP_REASONS`.
    """

    doc: int
    sentence: int
    start: int
    end: int
    paragraph: int
    quoted: list[tuple[int, int]] = field(default_factory=list)
    skip: str | None = None

    def in_quote(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.quoted)


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``text[start:end]`` with offsets into ``text``.

    Examples
    --------
    >>> [t.text for t in tokens("The pro-government forces' press office said: “No.”")]
    ['The', 'pro-government', 'forces', "'", 'press', 'office', 'said', ':', '“', 'No', '.', '”']
    """
    end = len(text) if end is None else end
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]


def _english(words: Sequence[str]) -> bool:
    letters = "".join(words)
    if not letters:
        return True
    latin = sum(1 for ch in letters if ch.isascii() or "\u00c0" <= ch <= "\u024f")
    if latin < 0.6 * len(letters):
        return False
    alpha = [w.lower() for w in words if w.isalpha()]
    if len(alpha) < ENGLISH_MIN_TOKENS:
        return True  # too short to judge: a headline, a dateline
    return sum(w in ENGLISH_FUNCTION_WORDS for w in alpha) >= ENGLISH_MIN_SHARE * len(alpha)


_QUOTE_MARKS = re.compile('["“„«”»‘’]')


def _quote_events(text: str, lo: int, hi: int) -> list[tuple[int, str, str]]:
    """(position, kind, mark) for each quotation mark in ``text[lo:hi]``; kind is "open", "close",
    "either" (a straight quote between two words or two spaces) or "close_single"."""
    out = []
    n = len(text)
    for m in _QUOTE_MARKS.finditer(text, lo, hi):
        i, ch = m.start(), m.group()
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < n else " "
        if ch == '"':
            before_space = i == 0 or before.isspace() or before in "([{—–-:/"
            after_space = i + 1 >= n or after.isspace() or after in ",.;:!?)]}—–"
            if before_space and not after_space:
                out.append((i, "open", ch))
            elif after_space and not before_space:
                out.append((i, "close", ch))
            else:
                out.append((i, "either", ch))
        elif ch in "“„«":
            out.append((i, "open", ch))
        elif ch in "”»":
            out.append((i, "close", ch))
        elif ch == "‘":
            # an opening single quote only at the start of a word (‘We …), not an elision (’80s)
            if (i == 0 or not before.isalnum()) and after.isalpha():
                out.append((i, "open", ch))
        elif i > 0 and not before.isspace() and not after.isalnum():
            # a closing single quote after a word; an apostrophe (army’s, rebels’ positions) is told
            # apart later by whether a ‘ is open
            out.append((i, "close_single", ch))
    return out


@dataclass
class UnitSet:
    """The units of a corpus and the skip counts, per document."""

    by_doc: list[list[Unit]]
    skipped: Counter
    repaired: int = 0  # quotes left open that were closed before a final reporting clause

    def __iter__(self) -> Iterator[Unit]:
        for units_ in self.by_doc:
            yield from units_

    @property
    def n_units(self) -> int:
        return sum(len(u) for u in self.by_doc)


def _paragraph_starts(text: str) -> np.ndarray:
    return np.asarray([0] + [m.end() for m in _PARAGRAPH_BREAK.finditer(text)], dtype=np.int64)


def _doc_units(d: int, text: str, spans: list[tuple[int, int]], max_tokens: int, max_chars: int
               ) -> tuple[list[Unit], int]:
    para_starts = _paragraph_starts(text)
    # 1. units: join a lower-case sentence to a previous one that ends with a closing quote
    raw: list[list[int]] = []
    for i, (s, e) in enumerate(spans):
        if raw:
            ps, pe = spans[raw[-1][-1]]
            prev = text[ps:pe].rstrip()
            first = text[s:e].lstrip()[:1]
            same_para = np.searchsorted(para_starts, ps, "right") == np.searchsorted(para_starts, s, "right")
            if same_para and prev[-1:] in '"”’»' and prev[-2:-1] in "!?,." and first.islower():
                raw[-1].append(i)
                continue
        raw.append([i])
    out = [Unit(d, idx[0], spans[idx[0]][0], spans[idx[-1]][1],
                int(np.searchsorted(para_starts, spans[idx[0]][0], "right") - 1)) for idx in raw]
    if not out:
        return out, 0

    # 2. document-level checks
    words = re.findall(r"\w+", text)
    doc_reason = None
    if not _english(words):
        doc_reason = "non_english"
    elif len(words) >= NO_PUNCT_MIN_TOKENS and not _SENT_PUNCT.search(text):
        doc_reason = "no_sentence_punctuation"
    if doc_reason:
        for u in out:
            u.skip = doc_reason
        return out, 0
    for u in out:
        uw = re.findall(r"\w+", text[u.start:u.end])
        if len(uw) > max_tokens or u.end - u.start > max_chars:
            u.skip = "too_long"
        elif len(uw) >= 2 * ENGLISH_MIN_TOKENS and not _english(uw):
            u.skip = "non_english"

    # 3. quotations across the units of each paragraph
    return out, len(_mark_quotes(text, out, para_starts))


_REPORTING_TAIL = re.compile(
    r",\s+([^,\"“”„«»]{1,80}?\b(?:said|says|told|tells|added|adds|claimed|claims|insisted|insists|denied|denies|"
    r"alleged|alleges|admitted|conceded|stated|explained|replied|wrote)\b[^,\"“”„«»]{0,40})$")


def _repair_point(text: str, start: int, end: int) -> int | None:
    """Where a quote left open in ``text[start:end]`` most likely should have closed: before a final
    reporting clause (", the old man said."), or None."""
    m = _REPORTING_TAIL.search(text, start + 1, end)
    return m.start() + 1 if m else None


def _mark_quotes(text: str, units_: list[Unit], para_starts: np.ndarray) -> list[int]:
    """Set ``quoted`` (and ``skip`` for quotes left open) on the units; return the openers repaired."""
    repaired: list[int] = []
    by_para: dict[int, list[Unit]] = {}
    for u in units_:
        by_para.setdefault(u.paragraph, []).append(u)
    paras = sorted(by_para)
    continued_open: int | None = None  # position where an open quote continues from the previous paragraph
    for k, p in enumerate(paras):
        group = by_para[p]
        lo, hi = group[0].start, group[-1].end
        events = _quote_events(text, lo, hi)
        stack: list[tuple[int, str]] = []
        if continued_open is not None:
            # the paragraph must open with a quotation mark for the quote to continue
            first = events[0] if events else None
            if first is not None and first[1] in ("open", "either") and text[lo:first[0]].strip() == "":
                events = events[1:]
                stack.append((first[0], first[2]))
            continued_open = None
        spans: list[tuple[int, int]] = []
        for pos, kind, mark in events:
            if kind == "close_single":
                if stack and stack[-1][1] == "‘":
                    spans.append((stack.pop()[0], pos + 1))
                continue
            if kind == "open" or (kind == "either" and not any(m == '"' for _, m in stack)):
                stack.append((pos, mark))
                continue
            # a closing mark: close the innermost compatible opening mark
            for j in range(len(stack) - 1, -1, -1):
                opener = stack[j][1]
                if (mark == '"' and opener == '"') or _DOUBLE.get(opener) == mark or (opener == "„" and mark == "”"):
                    start = stack[j][0]
                    del stack[j:]
                    spans.append((start, pos + 1))
                    break
            else:
                if not stack:
                    # a closing mark with nothing open: the quote began before the paragraph
                    # (or the text does not mark openings); the paragraph up to here is quoted
                    spans.append((lo, pos + 1))
        if stack:
            start = stack[0][0]
            nxt = by_para[paras[k + 1]] if k + 1 < len(paras) else None
            nxt_text = text[nxt[0].start:nxt[0].end].lstrip() if nxt else ""
            if nxt_text[:1] in ('"', "“", "„", "«"):
                spans.append((start, hi))  # continues in the next paragraph
                continued_open = start
            else:
                close = _repair_point(text, start, next(u for u in group if u.end > start).end)
                if close is not None:
                    spans.append((start, close))  # '"We hid in the cellar, the old man said.'
                    repaired.append(start)
                else:
                    for u in group:
                        if u.end > start and u.skip is None:
                            u.skip = "unclosed_quote"
                    spans.append((start, hi))
        for u in group:
            u.quoted = sorted((max(s, u.start), min(e, u.end)) for s, e in spans if s < u.end and e > u.start)
    return repaired


def units(corpus: Any, *, max_tokens: int = MAX_TOKENS, max_chars: int = MAX_CHARS) -> UnitSet:
    """The analysis units of a corpus, with skip reasons, cached on the corpus.

    Examples
    --------
    >>> import pandas as pd, framelens
    >>> c = framelens.read_corpus(pd.DataFrame({"text": ['He said: "They came. They left." The army denied it.']}))
    >>> [(c.texts[0][u.start:u.end], bool(u.quoted)) for u in units(c)]
    [('He said: "They came.', True), ('They left."', True), ('The army denied it.', False)]
    """
    key = f"actor_units:{max_tokens}:{max_chars}"
    cache = getattr(corpus, "_cache", None)
    if cache is not None and key in cache:
        return cache[key]
    by_doc, skipped, repaired = [], Counter(), 0
    bounds = corpus.sentence_bounds() if hasattr(corpus, "sentence_bounds") else None
    spans_of = bounds.spans if bounds is not None else corpus.sentence_spans().__getitem__
    for d, text in enumerate(corpus.texts):
        spans = spans_of(d)
        doc_units, n_repaired = _doc_units(d, text, spans, max_tokens, max_chars)
        skipped.update(u.skip for u in doc_units if u.skip)
        repaired += n_repaired
        by_doc.append(doc_units)
    result = UnitSet(by_doc, skipped, repaired)
    if cache is not None:
        cache[key] = result
    return result


def skip_summary(unit_set: UnitSet, what: str, *, stacklevel: int = 3) -> dict[str, int]:
    """Skip counts per reason (all reasons listed), warning once when any sentence was skipped."""
    counts = {reason: int(unit_set.skipped.get(reason, 0)) for reason in SKIP_REASONS}
    total = sum(counts.values())
    if total:
        detail = ", ".join(f"{n} {reason}" for reason, n in counts.items() if n)
        warnings.warn(f"{what}: skipped {total} of {unit_set.n_units} sentences ({detail}); "
                      f"see result.attrs['framelens']['skipped']", SkippedSentencesWarning, stacklevel=stacklevel)
    return counts


def hits_by_unit(unit_list: list[Unit], starts: np.ndarray) -> np.ndarray:
    """Index of the unit holding each start offset, -1 when between units."""
    if not unit_list or not len(starts):
        return np.full(len(starts), -1, dtype=np.int64)
    u_starts = np.fromiter((u.start for u in unit_list), dtype=np.int64)
    u_ends = np.fromiter((u.end for u in unit_list), dtype=np.int64)
    idx = np.searchsorted(u_starts, starts, side="right") - 1
    ok = (idx >= 0) & (starts < u_ends[np.maximum(idx, 0)])
    return np.where(ok, idx, -1)


def lexicon_hits(corpus: Any, lexicon: Any, engine: str = "auto"):
    """(matcher, MatchArrays) of ``lexicon`` over the corpus, sharing :mod:`framelens.scoring`'s cache."""
    from ..matching import compile_lexicon

    matcher = compile_lexicon(lexicon, engine=engine)
    try:
        from ..scoring import _hits  # matched once per (corpus, lexicon, engine), kept on the corpus

        return matcher, _hits(corpus, lexicon, engine)
    except (ImportError, AttributeError, TypeError):
        return matcher, matcher.find_many(corpus.texts)


def hits_per_doc(arrays, n_docs: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Split MatchArrays into per-document (label, start, end) arrays."""
    bounds = np.searchsorted(arrays.doc, np.arange(n_docs + 1))
    return [(arrays.label[bounds[d]:bounds[d + 1]], arrays.start[bounds[d]:bounds[d + 1]],
             arrays.end[bounds[d]:bounds[d + 1]]) for d in range(n_docs)]


def units_with_hits(unit_set: UnitSet, texts: Sequence[str], hit_starts: Sequence[np.ndarray]
                    ) -> Iterator[tuple[int, str, Unit, np.ndarray]]:
    """``(doc, text, unit, hits)`` for each analysed unit that holds hits, in document and unit order.

    ``hit_starts[d]`` are the start offsets of document ``d``'s hits (ascending); ``hits`` are the
    indices into them of the hits the unit holds. Skipped units and hits between units give nothing.
    """
    for d, doc_units in enumerate(unit_set.by_doc):
        starts = hit_starts[d]
        if not len(starts) or not doc_units:
            continue
        where = hits_by_unit(doc_units, starts)
        for ui in np.unique(where[where >= 0]):
            u = doc_units[ui]
            if u.skip:
                continue
            yield d, texts[d], u, np.flatnonzero(where == ui)


def token_span(toks: Sequence[Token], starts: Sequence[int], start: int, end: int) -> tuple[int, int]:
    """Token indices ``(first, last + 1)`` of the characters ``start:end``: from the token that starts
    at (or holds) ``start`` to the last token that starts before ``end``; ``starts`` are the tokens'
    start offsets."""
    i = bisect_left(starts, start)
    if not (i < len(starts) and starts[i] == start):
        i = max(i - 1, 0)
    j = i
    while j < len(toks) and toks[j].start < end:
        j += 1
    return i, j


def actors_in(unit: Unit, labels: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[tuple[int, int, int]]:
    """``(label, start, end)`` of the document's actor hits (one document's arrays of
    :func:`hits_per_doc`) that lie inside ``unit``."""
    inside = (starts >= unit.start) & (ends <= unit.end)
    return [(int(labels[h]), int(starts[h]), int(ends[h])) for h in np.flatnonzero(inside)]


def phrase_actor(hits: Sequence[tuple[int, int, int]], text: str, start: int, end: int,
                 families: Sequence[str], labels: Sequence[str]) -> tuple[str | None, str | None]:
    """``(family, label)`` of the actor hit that heads the phrase ``text[start:end]`` (see
    :func:`actor_head`; ``hits`` as :func:`actors_in` gives them), or ``(None, None)``."""
    inside = [x for x in hits if x[1] >= start and x[2] <= end]
    head = actor_head(inside, text)
    if head is None:
        return None, None
    return families[inside[head][0]], labels[inside[head][0]]


# ---------------------------------------------------------------------------------------------
# phrases: noun phrases next to a verb, found with word lists (no tagger)
# ---------------------------------------------------------------------------------------------
BE = frozenset("am is are was were be been being".split())
AUX = BE | frozenset("has have had having do does did will would shall should can could may might must "
                     "get gets got 'd 'll 've".split())
NEGATIONS = frozenset("not never no".split())
ADVERBS = frozenset("""
also later earlier again repeatedly previously then further now once already reportedly allegedly still
separately publicly privately first initially subsequently quickly flatly strongly categorically angrily
immediately officially today yesterday just recently apparently similarly likewise too only all both each
originally vehemently firmly falsely wrongly openly explicitly directly indeed long
""".split())
DETERMINERS = frozenset("a an the this that these those its their his her our my your some any many several "
                        "each every no such".split())
CLAUSE_STOPS = frozenset("""
that which who whom whose when while as because after before since if but than where whereas though although
unless until so whether whilst nor or there
""".split())
NP_PREPOSITIONS = frozenset("of for with from at in".split())
LEADING_PREPOSITIONS = frozenset("by in on at from for with of to into after during against".split())
PRONOUNS = frozenset("he she they we i it you".split())
DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday weekend".split())
DAY_PARTS = frozenset("morning afternoon evening night".split())
BOUNDARY_MARKS = frozenset(',;:()[]{}"“”„«»‘’—–!?')
_DIGITS = re.compile(r"^[\d.,]+$")


def is_negation(tok: Token) -> bool:
    low = tok.lower
    return low in NEGATIONS or low.endswith("n't")


def _ly_adverbs(toks: Sequence[Token], j: int) -> int:
    """Start (exclusive) of a run of "-ly" adverbs ending at token ``j`` ("publicly and specifically")
    that follows an auxiliary or a negation, else ``j``. Only then: "the family said", "an ally said"
    are nouns."""
    k = j
    while k >= 0 and ((toks[k].text.islower() and toks[k].lower.endswith("ly") and len(toks[k].text) > 4)
                      or (k < j and toks[k].lower in ("and", "or", ","))):
        k -= 1
    if k < j and k >= 0 and (toks[k].lower in AUX or is_negation(toks[k])) and toks[k + 1].lower not in ("and", "or", ","):
        return k
    return j


def skip_auxiliaries(toks: Sequence[Token], j: int) -> tuple[int, list[str]]:
    """Step left from token ``j`` over auxiliaries, negations, adverbs and "on Monday"; return the new
    index and the words stepped over (lower case)."""
    seen: list[str] = []
    while j >= 0:
        low = toks[j].lower
        if low in AUX or low in ADVERBS or is_negation(toks[j]):
            seen.append(low)
            j -= 1
        elif (run := _ly_adverbs(toks, j)) < j:
            seen += [toks[k].lower for k in range(j, run, -1)]  # "has not publicly and specifically described"
            j = run
        elif low in DAY_PARTS and j >= 2 and toks[j - 1].lower in DAYS and toks[j - 2].lower == "on":
            seen += [low, toks[j - 1].lower, "on"]
            j -= 3
        elif low in DAYS and j >= 1 and toks[j - 1].lower == "on":
            seen += [low, "on"]
            j -= 2
        else:
            break
    return j, seen


def _np_piece(toks: Sequence[Token], k: int, stops: frozenset) -> bool:
    """Whether token ``k`` can be part of a noun phrase."""
    t = toks[k]
    if t.is_word:
        return (t.lower not in stops and t.lower not in AUX and t.lower not in CLAUSE_STOPS
                and not (t.lower != "no" and is_negation(t)))  # "haven't", "not", "never" end a phrase
    if t.text in ("'", "’") and k > 0 and toks[k - 1].end == t.start and toks[k - 1].lower.endswith("s"):
        return True  # plural possessive: the rebels' press office
    if (t.text in (".", "&") and k > 0 and toks[k - 1].is_word and toks[k - 1].end == t.start
            and k + 1 < len(toks) and toks[k + 1].is_word):
        return True  # an abbreviation inside a sentence: Gen. Marek, U.S. forces
    return False


def left_np(toks: Sequence[Token], j: int, *, stops: frozenset = frozenset(), max_len: int = 14,
            strict: bool = False) -> tuple[int, int] | None:
    """The noun phrase ending at token ``j`` (inclusive): ``(first, last + 1)`` token indices, or None.

    The phrase stops at punctuation, clause words and auxiliaries, at a verb-like word after an
    auxiliary ("was condemned by …") and, with ``strict``, at any verb-like word ("said", "shelled").
    """
    if 0 <= j < len(toks) and toks[j].lower in PRONOUNS and toks[j].lower not in stops:
        return j, j + 1  # a pronoun is a whole phrase: "the adults [they] said were taken"
    k = j
    while k >= 0 and _np_piece(toks, k, stops) and not (
            k < j and verb_like(toks, k) and (strict or (k > 0 and toks[k - 1].lower in AUX))):
        k -= 1
    first, end = k + 1, j + 1
    while first < end and toks[first].lower == "and":
        first += 1  # "…, Jean added, and the regime says": the conjunction is not part of the speaker
    stripped = False
    while first < end and (toks[first].lower in LEADING_PREPOSITIONS or toks[first].lower in ADVERBS):
        first += 1  # "condemned by the regional bloc" → "the regional bloc"
        stripped = True
    if stripped:
        # a fronted phrase without a comma: "At dawn the army", "In a statement on Monday the ministry"
        for m in range(end - 1, first, -1):
            if toks[m].lower in DETERMINERS and toks[m - 1].lower not in NP_PREPOSITIONS | LEADING_PREPOSITIONS:
                first = m
                break
    if first >= end or end - first > max_len:
        return None
    if not any(t.is_word and t.lower not in DETERMINERS and t.lower not in ADVERBS and not _DIGITS.match(t.text)
               for t in toks[first:end]):
        return None
    return first, end


def right_np(toks: Sequence[Token], i: int, *, stops: frozenset = frozenset(), max_len: int = 14) -> tuple[int, int] | None:
    """The noun phrase starting at token ``i``: ``(i, end)`` token indices, or None."""
    k = i
    while k < len(toks) and k - i < max_len and _np_piece(toks, k, stops):
        k += 1
    if k == i:
        return None
    if not any(t.is_word and t.lower not in DETERMINERS and not _DIGITS.match(t.text) for t in toks[i:k]):
        return None
    return i, k


def skip_time_tail(toks: Sequence[Token], k: int) -> int:
    """Step right over a trailing time or manner adverbial: "on Monday (morning)", "late on Tuesday",
    "yesterday", "in a statement"."""
    n = len(toks)
    while k < n:
        low = toks[k].lower
        if low in ("late", "early", "earlier", "later") and k + 1 < n and toks[k + 1].lower == "on":
            k += 1
            continue
        if low == "on" and k + 1 < n and toks[k + 1].lower in DAYS:
            k += 2
            if k < n and toks[k].lower in DAY_PARTS:
                k += 1
            continue
        if low in ("yesterday", "today", "tonight", "again", "also", "later", "earlier"):
            k += 1
            continue
        if low == "in" and k + 2 < n and toks[k + 1].lower in ("a", "an") and toks[k + 2].lower in (
                "statement", "interview", "briefing", "email", "e-mail", "message", "video", "post", "tweet"):
            k += 3
            continue
        break
    return k


def at_boundary(toks: Sequence[Token], k: int) -> bool:
    """Whether token ``k`` ends a clause: the end, or a comma, colon, semicolon, quote, dash or final stop."""
    if k >= len(toks):
        return True
    t = toks[k].text
    if t in BOUNDARY_MARKS:
        return True
    return t == "." and all(x.text in BOUNDARY_MARKS or x.text == "." for x in toks[k + 1:])


def appositive_right(toks: Sequence[Token], k: int, *, stops: frozenset = frozenset()) -> int:
    """After a name ending before token ``k`` (a comma), the end of an appositive such as ", a
    spokesman for the army" or ", 54, a farmer" that runs to the end of the clause; ``k`` when there
    is none."""
    if k >= len(toks) or toks[k].text != ",":
        return k
    m = k + 1
    if m + 1 < len(toks) and _DIGITS.match(toks[m].text) and toks[m + 1].text == ",":
        m += 2  # an age: "Mira Oskan, 54, a farmer"
    np_ = right_np(toks, m, stops=stops)
    if np_ is None:
        return k
    first = toks[m].lower
    end = np_[1]
    if (first in DETERMINERS or first in ("head", "chief", "director", "spokesman", "spokeswoman")) and at_boundary(toks, end):
        return end
    return k


def actor_head(hits: Sequence[tuple[int, int, int]], text: str) -> int | None:
    """The position (in ``hits``) of the hit that names the phrase: the last of the first run of
    adjacent hits (in "terrorist regime" the head is "regime"), else None."""
    if not hits:
        return None
    best = 0
    for h in range(1, len(hits)):
        gap = text[hits[h - 1][2]:hits[h][1]]
        if gap.strip(" -\u2010\u2011") == "" and len(gap) <= 2:
            best = h
        else:
            break
    return best


# Common irregular past forms that end a subject noun phrase ("A shell hit the market").
IRREGULAR_PAST = frozenset("""
hit struck shot fell blew tore broke began came went took made set sent led ran drove threw fought caught
left held kept lost met put rose saw sought stood swept told said wrote spread brought burnt burned dealt
""".split())
# Present forms of reporting and cognition verbs: "The army says it …".
PRESENT_VERBS = frozenset("says claims insists denies admits tells adds believes thinks reports warns".split())
# "-ed" words that are mostly adjectives in news about conflict ("armed groups", "displaced families").
ADJECTIVES_IN_ED = frozenset("""
armed unarmed displaced backed masked detained trapped besieged wounded injured exiled banned outlawed
so-called alleged suspected unidentified unnamed unverified organised organized coordinated united
""".split())
# Words that open a fronted adverbial ("On Tuesday, …", "After the bombing, …").
FRONTING = frozenset("""
on in at after before during since while when as late early earlier later meanwhile yesterday today overnight
elsewhere separately however also then amid despite following near outside inside across throughout by
""".split())


def verb_like(toks: Sequence[Token], k: int) -> bool:
    """Whether token ``k`` looks like a finite verb (auxiliary, irregular past, or "-ed" after a noun)."""
    low = toks[k].lower
    if low in AUX or low in IRREGULAR_PAST or low in PRESENT_VERBS:
        return True
    if low.endswith("ed") and len(low) > 4 and toks[k].text.islower() and low not in ADJECTIVES_IN_ED:
        prev = toks[k - 1].lower if k > 0 else ""
        return prev not in DETERMINERS and prev not in NP_PREPOSITIONS and prev != "and"
    return False


def clause_subject(toks: Sequence[Token], limit: int, *, stops: frozenset = frozenset()) -> tuple[int, int] | None:
    """The subject of the main clause before token ``limit``: the noun phrase before its first
    verb-like token, after a fronted adverbial that ends with a comma."""
    start = 0
    commas = [k for k in range(limit) if toks[k].text == ","]
    if commas and toks[0].lower in FRONTING and not any(verb_like(toks, k) for k in range(commas[0])):
        start = commas[0] + 1
    for k in range(start, limit):
        if toks[k].text in BOUNDARY_MARKS and k > start:
            return None
        if k > start and verb_like(toks, k):
            np_ = left_np(toks, k - 1, stops=stops)
            if np_ is not None and np_[0] >= start:
                return np_
            return None
    return None


def relative_antecedent(toks: Sequence[Token], k: int, *, stops: frozenset = frozenset()) -> tuple[int, int] | None:
    """For a relative pronoun at token ``k`` ("…, which said", "the bombing, which killed"), the noun
    phrase it refers to: the one just before it (before a comma, if any)."""
    j = k - 1
    if j >= 0 and toks[j].text == ",":
        j -= 1
    if j < 0:
        return None
    np_ = left_np(toks, j, stops=stops, strict=True)
    if np_ is None:
        return None
    # a relative clause after a clause ("Biden gathered world leaders to discuss a plan for fighting
    # the pandemic, which has killed …") refers to the last noun phrase: cut at its last determiner
    # that does not follow a preposition or a conjunction ("a spokesman for the army" stays whole)
    for m in range(np_[1] - 1, np_[0], -1):
        if toks[m].lower in DETERMINERS and toks[m - 1].lower not in (
                NP_PREPOSITIONS | LEADING_PREPOSITIONS | DETERMINERS | {"and", "or"}) and toks[m - 1].is_word:
            return m, np_[1]
    return np_
