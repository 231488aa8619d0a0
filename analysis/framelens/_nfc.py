"""Texts in decomposed Unicode matched as if composed, offsets kept in the text as written.

"Erdoğan" can be written with one character for "ğ" (NFC, what keyboards and most sites produce)
or with "g" and a combining breve (NFD: macOS file names, some PDF extractions and scrapers).
Lexicon patterns are NFC, so an NFD text would not match them, and its words would be counted
as several tokens ("naïve" as "nai" + "ve"). The matcher and the token counter therefore read
the NFC form of a text that is not NFC already, and every offset they report is mapped back to
the text as stored (which is left alone: ``matched``, KWIC windows and sentence numbers read it).

Only the stretches that normalisation can change are normalised: a maximal run of *unstable*
characters (a combining mark, a character NFC rewrites, or a starter that may compose with the
character before it, such as Hangul vowel jamo or some Indic vowel signs) with the character
before it, cut into clusters at each starter that normalisation never joins to what precedes it.
Normalisation never reaches across such a starter (canonical ordering moves only marks, and
composition is blocked by a starter in between), so the clusters normalised alone, joined with the
text between them, are ``unicodedata.normalize("NFC", text)``; the tests check that on random
text. A hit that starts or ends inside a cluster (a letter and its marks) takes the whole cluster.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import Iterable, Sequence

import numpy as np

__all__ = ["NfcText", "decomposed_docs", "is_unstable", "nfc_texts", "unstable_at"]


#: Starters that compose with the character before them (the second of a two-character canonical
#: decomposition, with combining class 0: Indic and Sinhala vowel signs, Tibetan subjoined letters …),
#: Unicode 14 (Python 3.11); ``tests/test_nfc.py`` checks the list against the running Python's data.
COMPOSING_STARTERS = frozenset({
    0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57,
    0x0DCF, 0x0DDF, 0x0FB5, 0x0FB7, 0x102E, 0x1B35, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA,
    0x114BD, 0x115AF, 0x11930,
})
# Hangul vowel and final jamo compose with the syllable or jamo before them (algorithmically)
_JAMO_V_T = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))
_FIRST_UNSTABLE = 0x300  # no character before U+0300 is unstable (checked in the tests)


@functools.lru_cache(maxsize=1 << 16)
def is_unstable(cp: int) -> bool:
    """Whether NFC may change the text at the character ``cp`` or join it to the one before: a
    combining mark, a character NFC rewrites, or a starter that composes backwards."""
    if cp < _FIRST_UNSTABLE or 0xD800 <= cp <= 0xDFFF:  # (lone surrogates: nothing to normalise)
        return False
    ch = chr(cp)
    return bool(unicodedata.combining(ch) or unicodedata.normalize("NFC", ch) != ch or cp in COMPOSING_STARTERS
                or any(cp in r for r in _JAMO_V_T))


@functools.lru_cache(maxsize=1 << 12)
def _starts_cluster(cp: int) -> bool:
    """Whether normalisation never joins ``chr(cp)`` to the text before it: a starter whose own
    decomposition starts with a starter, neither composing backwards (the Ångström and Kelvin signs
    do; U+0F73, which decomposes into two combining marks, does not)."""
    def joins(c: int) -> bool:
        return bool(unicodedata.combining(chr(c))) or c in COMPOSING_STARTERS or any(c in r for r in _JAMO_V_T)

    return not joins(cp) and not joins(ord(unicodedata.normalize("NFD", chr(cp))[0]))


def unstable_at(code_points: np.ndarray) -> np.ndarray:
    """The positions in ``code_points`` (e.g. the non-ASCII characters of a buffer) of unstable
    characters: a text without one is NFC. Each distinct code point is looked at once."""
    high = np.flatnonzero(code_points >= _FIRST_UNSTABLE)
    if not high.size:
        return high
    values = np.unique(code_points[high])
    unstable = values[np.fromiter(map(is_unstable, values.tolist()), dtype=bool, count=len(values))]
    return high[np.isin(code_points[high], unstable)] if unstable.size else high[:0]


def decomposed_docs(texts: Sequence[str], candidates: Iterable[int]) -> dict[int, NfcText]:
    """The :class:`NfcText` of each text among ``candidates`` (positions in ``texts``, e.g. those
    holding an unstable character) that is not NFC."""
    return {d: NfcText(texts[d]) for d in candidates if not unicodedata.is_normalized("NFC", texts[d])}


def _unstable_runs(text: str) -> re.Pattern:
    """A regex for maximal runs of the unstable characters ``text`` holds (a class of the few
    distinct ones: a class of every unstable code point would take a second to build)."""
    unstable = sorted(c for c in set(text) if is_unstable(ord(c)))
    return re.compile("[" + "".join(map(re.escape, unstable)) + "]+" if unstable else "(?!)")


class NfcText:
    """The NFC form of one text and the map of its offsets back to the text as written.

    Examples
    --------
    >>> t = NfcText("Erdog\\u0306an met the cafe\\u0301 owner")
    >>> t.text
    'Erdoğan met the café owner'
    >>> t.original_span(0, 7), t.original_span(16, 20)
    ((0, 8), (17, 22))
    """

    def __init__(self, text: str):
        pieces, orig_starts, orig_ends, nfc_starts, fixed = [], [], [], [], []
        done = nfc_len = 0
        for m in _unstable_runs(text).finditer(text):
            a = max(m.start() - 1, done)  # with the starter before the run
            if a > done:  # text that NFC leaves as it is
                pieces.append(text[done:a])
                orig_starts.append(done), orig_ends.append(a), nfc_starts.append(nfc_len), fixed.append(False)
                nfc_len += a - done
            # each cluster of the run (a starter no normalisation joins to what precedes, and what
            # follows it up to the next such starter) on its own: a hit maps to its clusters only
            cuts = [k for k in range(a + 1, m.end()) if _starts_cluster(ord(text[k]))]
            for start, end in zip([a, *cuts], [*cuts, m.end()]):
                piece = unicodedata.normalize("NFC", text[start:end])
                pieces.append(piece)
                orig_starts.append(start), orig_ends.append(end), nfc_starts.append(nfc_len), fixed.append(True)
                nfc_len += len(piece)
            done = m.end()
        if done < len(text):
            pieces.append(text[done:])
            orig_starts.append(done), orig_ends.append(len(text)), nfc_starts.append(nfc_len), fixed.append(False)
        self.text = "".join(pieces)
        self._orig_starts = np.array(orig_starts, dtype=np.int64)
        self._orig_ends = np.array(orig_ends, dtype=np.int64)
        self._nfc_starts = np.array(nfc_starts, dtype=np.int64)
        self._normalised = np.array(fixed, dtype=bool)

    def original_offsets(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Offsets ``[start, end)`` in the NFC text as offsets in the text as written: a start or end
        inside a normalised piece moves to the piece's start or end."""
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        i = np.searchsorted(self._nfc_starts, starts, side="right") - 1
        j = np.searchsorted(self._nfc_starts, np.maximum(ends - 1, starts), side="right") - 1
        new_starts = np.where(self._normalised[i], self._orig_starts[i],
                              self._orig_starts[i] + (starts - self._nfc_starts[i]))
        new_ends = np.where(self._normalised[j], self._orig_ends[j], self._orig_starts[j] + (ends - self._nfc_starts[j]))
        return new_starts, new_ends

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """:meth:`original_offsets` of one span."""
        a, b = self.original_offsets(np.array([start]), np.array([end]))
        return int(a[0]), int(b[0])


def nfc_texts(texts: list[str]) -> tuple[list[str], dict[int, NfcText]]:
    """``texts`` with those not in NFC replaced by their NFC form, and the :class:`NfcText` of
    each replaced one by position (empty, and the same list, when all are NFC: the usual case,
    checked per text by ``unicodedata.is_normalized``, which returns at once for ASCII)."""
    maps = decomposed_docs(texts, range(len(texts)))
    if not maps:
        return texts, maps
    out = list(texts)
    for i, m in maps.items():
        out[i] = m.text
    return out, maps
