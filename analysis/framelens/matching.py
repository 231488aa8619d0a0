"""Compile a lexicon once, then find its terms in many texts in one pass each.

Two engines give identical hits (``docs/architecture.md`` fixes the semantics):

``"hyperscan"``
    Intel Hyperscan (PyPI ``hyperscan``): every pattern becomes one regular expression in one
    database, and many documents, joined by U+0000, are scanned as one buffer in which each
    character is one byte (non-ASCII characters that no pattern names become "word", "separator"
    or "other" codes; a character beyond U+FFFF is first replaced, in its own document only, by a
    BMP character of the same kind). Token boundaries are part of the expressions (a non-word
    byte before and after), so a glob such as ``rebel*`` is reported once per word, and a
    pattern that a longer one always beats (``regime`` in ``regime forces``) is not reported
    inside it; callbacks only collect these hits, and exclusions and overlaps are then resolved
    with numpy. The same buffer gives the word-token counts (``find_many(..., tokens=True)``).
    105–200 MB/s per core (``benchmarks/bench_batch.py``); wheels exist for x86-64 only.
    Compiling a large lexicon takes ~0.3–1 s, so compiled databases are kept on disk
    (``$FRAMELENS_CACHE_DIR``, by default ``~/.cache/framelens/hyperscan``; set it empty to turn
    this off) and loaded in milliseconds by the next process, as are two code-point tables
    (``unicode/``) that every start would otherwise build in ~70 ms.
``"python"``
    Pure Python, always available: the text is cut into units (runs of word characters, runs of
    separators, single other characters) and a trie of pattern units is walked from each unit.

Semantics, in short: a pattern is words separated by spaces or hyphens; in a text any run of
whitespace and/or hyphens (``-``, U+2010, U+2011) matches a separator. ``'`` matches ``'`` or
``’``. ``*`` in a word is any run (possibly empty) of word characters, ``?`` exactly one; word
characters are Python's Unicode ``\\w``. A pattern that starts (ends) with a word character or a
wildcard must not be preceded (followed) by a word character. Case-insensitive matching compares
characters after their simple lower-case mapping (``c.lower()`` when that is one character), so
the Kelvin sign matches ``k`` but ``İ`` matches only itself. An exclusion drops a candidate of its
own label lying inside it; overlaps are resolved leftmost, then longest, then in lexicon order,
within the lexicon's ``overlap`` scope.

Pattern syntax the engines refuse (with a :class:`~framelens.errors.LexiconError` naming the
entry): an empty pattern, a pattern that starts or ends with a hyphen, a ``*`` not attached to a
letter, digit or ``?`` (``"U.S.*"``, ``"* forces"``: write ``"?*"`` for "any word"), and control
characters.
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import Iterable, Sequence

import numpy as np

from ._codepoints import (
    _FIRST_CODE,
    _PLACEHOLDERS,
    _SEP_CLASS,
    _SEP_CODE,
    _WORD_CODE,
    _code_point_kind,
    _equivalents,
    _fold,
    _has_astral,
    _is_word_char,
    _kind_codes,
)
from ._match_cache import _db_cache_path, _load_db, _store_db
from ._nfc import decomposed_docs, nfc_texts, unstable_at
from .errors import LexiconError, ParameterError
from .lexicon.model import OVERLAP_SCOPES, Lexicon, Pattern
from .text import text_batches

try:  # optional: wheels exist for x86-64 only
    import hyperscan as _hs
except Exception:  # ImportError, or OSError when the shared library cannot load
    _hs = None

__all__ = ["MatchArrays", "Matcher", "available_engines", "compile_lexicon"]

ENGINES = ("hyperscan", "python")

_SEP_RUN = re.compile(_SEP_CLASS + "+")
# Units of a text for the python engine: word runs, separator runs, any other single character.
_UNIT_RE = re.compile(r"\w+|" + _SEP_CLASS + r"+|.", re.DOTALL)
_PATTERN_PIECE = re.compile(r"[\w*?]+|.", re.DOTALL)
_SEP_KEY = " "  # the key every separator run maps to (no other unit can be a space)
_DOC_SEP = "\x00"  # joins documents in one hyperscan buffer: no pattern, word or separator holds it
_CHUNK_CHARS = 1 << 22  # documents are scanned in buffers of about this many characters
_MEMO_LIMIT = 1_000_000  # distinct text units the python engine remembers
_CACHE_MIN_SECONDS = 0.05  # databases that compile faster than this are not worth a file


# ---------------------------------------------------------------------------------------------
# Patterns
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Compiled:
    """One pattern (a label's pattern or an exclusion) cut into units."""

    pid: int
    label: int
    exclusion: bool
    pattern: Pattern
    units: tuple[tuple[str, str], ...]  # (kind, text): kind in word/glob/punct/sep; text folded if ci
    need_start: bool
    need_end: bool


def _parse(pattern: Pattern, where: str, source=None) -> tuple[tuple[tuple[str, str], ...], bool, bool]:
    """Cut a pattern into units; ``where`` and ``source`` locate it in error messages (``where``
    quotes the pattern, so the messages do not)."""
    def error(message: str) -> LexiconError:
        return LexiconError(message, file=source, line=pattern.line, entry=where)

    text = pattern.text.strip() if isinstance(pattern.text, str) else None
    if not text:
        raise error("empty pattern")
    for ch in text:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and not ch.isspace()) or cat == "Cs":
            raise error(f"contains the control character U+{ord(ch):04X}")
    if _SEP_RUN.match(text) or _SEP_RUN.match(text[-1]):
        raise error("starts or ends with a hyphen; patterns are whole words")
    ci = not pattern.case_sensitive
    units: list[tuple[str, str]] = []
    for i, word in enumerate(_SEP_RUN.split(text)):
        if i:
            units.append(("sep", _SEP_KEY))
        for piece in _PATTERN_PIECE.findall(word):
            if piece[0] in "*?" or _is_word_char(piece[0]):
                if not piece.strip("*"):
                    raise error("'*' must be attached to letters, digits or '?' "
                                "(e.g. 'insurgen*'; write '?*' for any word)")
                kind = "glob" if ("*" in piece or "?" in piece) else "word"
            else:
                kind = "punct"
                piece = "'" if piece == "’" else piece
            units.append((kind, _fold(piece) if ci else piece))
    return tuple(units), units[0][0] in ("word", "glob"), units[-1][0] in ("word", "glob")


def _byte_class(codes: set[int]) -> str:
    """A Hyperscan character class of these byte values, as ranges."""
    runs, out = sorted(codes), []
    i = 0
    while i < len(runs):
        j = i
        while j + 1 < len(runs) and runs[j + 1] == runs[j] + 1:
            j += 1
        out.append(f"\\x{{{runs[i]:x}}}" + (f"-\\x{{{runs[j]:x}}}" if j > i else ""))
        i = j + 1
    return "[" + "".join(out) + "]"


def _may_contain(outer: tuple[tuple[str, str], ...], inner: tuple[tuple[str, str], ...]) -> bool:
    """Whether a match of the pattern cut into ``outer`` units could hold a match of the globless
    ``inner`` one. Each whole word of a text inside a match is matched by one word or glob unit,
    so ``inner`` would have to line up with a run of ``outer``'s units (case folded on both sides:
    when in doubt, "could")."""
    def fits(o: tuple[str, str], i: tuple[str, str]) -> bool:
        if o[0] == "glob" and i[0] == "word":
            rx = "".join(r"\w*" if ch == "*" else r"\w" if ch == "?" else re.escape(ch) for ch in _fold(o[1]))
            return re.fullmatch(rx, _fold(i[1])) is not None
        return o[0] == i[0] and _fold(o[1]) == _fold(i[1])

    n = len(inner)
    return any(all(map(fits, outer[k:k + n], inner)) for k in range(len(outer) - n + 1))


def _prefix_shadows(compiled: Sequence[_Compiled], scope: np.ndarray) -> dict[int, list[str]]:
    """Patterns whose hits a longer pattern always beats, with the words that make it longer.

    ``A`` is shadowed by ``B`` when ``B`` is ``A``, a separator and one more literal word ``W``
    (``regime`` / ``regime forces``), both are label patterns of one overlap scope with the same
    case rule, ``A`` has a fixed length (words and punctuation, no glob or separator) and ends with
    a word character, and no exclusion of ``B``'s label could hold a ``B`` hit. Wherever ``B``
    matches, ``A`` matches at the same start and loses the overlap walk (same start, shorter), and
    a candidate that never wins changes no other outcome, so ``A`` need not be reported there.
    Returns the pid of each such ``A`` -> the words ``W`` of the patterns shadowing it.
    """
    fixed: dict[tuple, list[int]] = {}
    exclusions: dict[int, list[tuple]] = {}
    for c in compiled:
        if c.exclusion:
            exclusions.setdefault(c.label, []).append(c.units)
        elif c.need_end and all(kind in ("word", "punct") for kind, _ in c.units):
            fixed.setdefault((c.units, c.pattern.case_sensitive, int(scope[c.label])), []).append(c.pid)
    shadows: dict[int, list[str]] = {}
    for c in compiled:
        u = c.units
        if c.exclusion or len(u) < 3 or u[-2][0] != "sep" or u[-1][0] != "word":
            continue
        shadowed = fixed.get((u[:-2], c.pattern.case_sensitive, int(scope[c.label])), ())
        if shadowed and not any(_may_contain(x, u) for x in exclusions.get(c.label, ())):
            for a in shadowed:
                shadows.setdefault(a, []).append(u[-1][1])
    return shadows


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MatchArrays:
    """Hits of a lexicon in a sequence of documents, as parallel numpy ``int64`` arrays.

    Sorted by ``doc``, then ``start``, then ``label``. Offsets are Python ``str`` (code point)
    offsets into each document, ``end`` exclusive.

    Attributes
    ----------
    doc : ndarray
        Position of the document in the input sequence.
    label : ndarray
        Label index (into :attr:`Matcher.label_ids`).
    start, end : ndarray
        The matched stretch ``text[start:end]``.
    pattern : ndarray or None
        Index of the pattern that matched (into :attr:`Matcher.patterns`).
    n_docs : int
        How many documents were scanned (documents without hits included).
    tokens : ndarray or None
        With ``find_many(texts, tokens=True)``: the word tokens of each document
        (:func:`framelens.text.count_tokens`), one per document.
    """

    doc: np.ndarray
    label: np.ndarray
    start: np.ndarray
    end: np.ndarray
    pattern: np.ndarray | None = None
    n_docs: int = 0
    tokens: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.doc.shape[0])

    def __repr__(self) -> str:
        return f"MatchArrays({len(self)} hits in {self.n_docs} documents)"


_EMPTY = np.zeros(0, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# The matcher
# ---------------------------------------------------------------------------------------------
class Matcher:
    """A lexicon compiled for one engine. Build it with :func:`compile_lexicon`.

    Attributes
    ----------
    lexicon : Lexicon
    engine : {"hyperscan", "python"}
    label_ids : list of str
        Label ids in lexicon order; a hit's ``label`` indexes this list.
    family_ids : list of str
        The family id of each label (same length and order as ``label_ids``).
    patterns : list of (int, Pattern)
        Every label pattern in lexicon order, with its label index; a hit's ``pattern`` indexes it.
    n_patterns : int
        Number of label patterns (exclusions not counted).
    """

    def __init__(self, lexicon: Lexicon, engine: str):
        if lexicon.overlap not in OVERLAP_SCOPES:
            raise LexiconError(
                f"overlap must be one of {', '.join(OVERLAP_SCOPES)}, not {lexicon.overlap!r}",
                file=lexicon.source,
                entry="overlap",
            )
        self.lexicon = lexicon
        self.engine = engine
        self.label_ids: list[str] = []
        self.family_ids: list[str] = []
        label_scope: list[int] = []
        included: list[tuple[int, Pattern, str]] = []
        excluded: list[tuple[int, Pattern, str]] = []
        for f, fam in enumerate(lexicon.families):
            for lab in fam.labels:
                li = len(self.label_ids)
                self.label_ids.append(lab.id)
                self.family_ids.append(fam.id)
                label_scope.append(f if lexicon.overlap == "family" else 0)
                included += [(li, p, f"{fam.id}/{lab.id}: pattern {p.text!r}") for p in lab.patterns]
                excluded += [(li, p, f"{fam.id}/{lab.id}: exclude {p.text!r}") for p in lab.exclude]
        if len(set(self.label_ids)) != len(self.label_ids):
            dup = sorted({x for x in self.label_ids if self.label_ids.count(x) > 1})
            raise LexiconError(f"label ids must be unique across the lexicon; repeated: {', '.join(dup)}",
                               file=lexicon.source)
        # Pattern ids: label patterns in lexicon order (the order breaks ties), then exclusions.
        self._compiled: list[_Compiled] = []
        for pid, (li, p, where) in enumerate(included + excluded):
            units, ns, ne = _parse(p, where, lexicon.source)
            self._compiled.append(_Compiled(pid, li, pid >= len(included), p, units, ns, ne))
        self.patterns: list[tuple[int, Pattern]] = [(li, p) for li, p, _ in included]
        self.n_patterns = len(included)
        self._where = [w for _, _, w in included + excluded]
        self._pid_label = np.array([c.label for c in self._compiled], dtype=np.int64)
        self._pid_exclusion = np.array([c.exclusion for c in self._compiled], dtype=bool)
        self._need_start = np.array([c.need_start for c in self._compiled], dtype=bool)
        self._need_end = np.array([c.need_end for c in self._compiled], dtype=bool)
        self._label_scope = np.array(label_scope, dtype=np.int64)
        if engine == "hyperscan":
            self._build_hyperscan()
        else:
            self._build_python()

    # -- public API ---------------------------------------------------------------------------
    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Hits in one text as ``(label_index, start, end)`` tuples, sorted by start.

        Examples
        --------
        >>> from framelens.lexicon.model import Family, Label, Lexicon, Pattern
        >>> lex = Lexicon("demo", "1", (Family("actors", (
        ...     Label("rebels", (Pattern("rebel*"),)),
        ...     Label("army", (Pattern("army"), Pattern("pro-government forces"))),
        ... )),))
        >>> m = compile_lexicon(lex)
        >>> m.find("Rebels fought pro government\\nforces, not the armyworm.")
        [(0, 0, 6), (1, 14, 35)]
        """
        hits = self.find_many([text])
        return list(zip(hits.label.tolist(), hits.start.tolist(), hits.end.tolist()))

    def find_many(self, texts: Iterable[str], *, tokens: bool = False) -> MatchArrays:
        """Hits in many texts, as :class:`MatchArrays` (``doc`` is the position in ``texts``).

        ``tokens=True`` also counts each text's word tokens (``MatchArrays.tokens``, equal to
        :func:`framelens.text.count_tokens`), nearly for free from the buffer the scan has built.

        Examples
        --------
        >>> from framelens.lexicon.model import Family, Label, Lexicon, Pattern
        >>> lex = Lexicon("demo", "1", (Family("f", (Label("said", (Pattern("said"),)),)),))
        >>> hits = compile_lexicon(lex).find_many(["He said.", "", "They said, she said"])
        >>> hits.doc.tolist(), hits.start.tolist()
        ([0, 2, 2], [3, 5, 15])
        """
        parts = []
        n_docs = 0
        counts: list[np.ndarray] | None = [] if tokens else None
        for chunk in text_batches(texts, _CHUNK_CHARS, "find_many", "find"):
            # Documents never span chunks, so each chunk is resolved on its own (bounded memory).
            *candidates, decomposed = self._scan(chunk, counts)
            hits = self._resolve(*candidates, len(chunk))
            if len(hits):
                # Patterns are NFC: a text in decomposed form was read in NFC, its offsets mapped back.
                start, end = hits.start, hits.end
                if decomposed:
                    start, end = start.copy(), end.copy()
                    # hits are sorted by document: each document's are one slice (a mask per
                    # document would cost hits × documents on an all-NFD corpus)
                    docs = np.fromiter(decomposed, dtype=np.int64, count=len(decomposed))
                    lo, hi = np.searchsorted(hits.doc, docs), np.searchsorted(hits.doc, docs, side="right")
                    for nfc, a, b in zip(decomposed.values(), lo.tolist(), hi.tolist()):
                        if b > a:
                            start[a:b], end[a:b] = nfc.original_offsets(start[a:b], end[a:b])
                parts.append((hits.doc + n_docs, hits.label, start, end, hits.pattern))
            n_docs += len(chunk)
        token_counts = None
        if counts is not None:
            token_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
        if not parts:
            return MatchArrays(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, n_docs, token_counts)
        return MatchArrays(*(np.concatenate(col) for col in zip(*parts)), n_docs=n_docs, tokens=token_counts)

    def __repr__(self) -> str:
        return (
            f"Matcher(lexicon={self.lexicon.name!r} v{self.lexicon.version}, engine={self.engine!r}, "
            f"labels={len(self.label_ids)}, patterns={self.n_patterns}, overlap={self.lexicon.overlap!r})"
        )

    def __reduce__(self):
        # Hyperscan databases do not pickle: recompile (cached) in the receiving process. Both
        # engines give identical hits, so a hyperscan matcher comes back as "auto": on a machine
        # without hyperscan (an ARM laptop, a Dask worker) it loads with the python engine.
        return (compile_lexicon, (self.lexicon, "auto" if self.engine == "hyperscan" else self.engine))

    def _scan(self, chunk: Sequence[str], tokens: list | None = None):
        """Candidates (every match of every pattern and exclusion, boundaries checked, before
        exclusions and overlaps are applied) as int64 arrays ``pid, doc, start, end``, then the
        :class:`~framelens._nfc.NfcText` of each document that was read in NFC (offsets are in its
        NFC form); with a ``tokens`` list, the chunk's token counts are appended to it."""
        if self.engine == "hyperscan":
            return self._hs_chunk(chunk, tokens)
        chunk, decomposed = nfc_texts(chunk)  # (a check per text: cheap beside this engine)
        if tokens is not None:
            from .text import count_tokens_many

            tokens.append(count_tokens_many(chunk))
        return (*self._py_chunk(chunk), decomposed)

    # -- hyperscan engine ----------------------------------------------------------------------
    def _build_hyperscan(self) -> None:
        # Hyperscan cannot hold a full-Unicode word class together with start-of-match tracking
        # ("Pattern is too large"), and UTF-8 costs time. So the scanned buffer is rewritten so
        # that the classes stay small; the characters patterns name ("literals") are kept:
        # - narrow mode (the usual case): one byte per character. ASCII stays; a non-ASCII
        #   literal gets its own byte code; any other non-ASCII character becomes one of three
        #   codes: word, separator, other. Byte offsets are character offsets.
        # - wide mode (over 125 non-ASCII literals, or astral ones): UTF-8, where non-literal
        #   non-ASCII characters become placeholders of the same byte length and nature.
        literal: set[str] = set()
        for c in self._compiled:
            for kind, text in c.units:
                if kind != "sep":
                    cs = c.pattern.case_sensitive
                    literal.update(e for ch in text if ch not in "*?" for e in _equivalents(ch, cs))
        kind_of = _code_point_kind()
        extra = sorted(ch for ch in literal if ord(ch) >= 0x80)
        # Astral characters are never literals in narrow mode: they become word/other codes (and
        # before joining, a BMP word character no pattern names, or U+0000: see _without_astral).
        self._narrow = len(extra) <= 0xFF - _FIRST_CODE + 1 and all(ord(ch) <= 0xFFFF for ch in extra)
        if self._narrow:
            # stand-ins for astral characters, by kind: other, word (a CJK ideograph no pattern
            # names: at most 125 literals here), separator
            self._astral_stand_in = np.array(
                [0, next(cp for cp in range(0x4E00, 0x4F00) if chr(cp) not in literal), 0x20], dtype=np.uint32)
            code = {ch: _FIRST_CODE + i for i, ch in enumerate(extra)}
            self._lut = _kind_codes().copy()  # the byte code of every code point (1.1 MB)
            self._lut[:0x80] = np.arange(0x80)
            self._lut[[ord(ch) for ch in extra]] = list(code.values())
            byte = lambda ch: code.get(ch, ord(ch))  # noqa: E731
            token = lambda ch: f"\\x{{{byte(ch):x}}}"  # noqa: E731
            is_word = {cp for cp in range(0x80) if kind_of[cp] == 1} | {_WORD_CODE} | {
                code[ch] for ch in extra if kind_of[ord(ch)] == 1}
            is_sep = {cp for cp in range(0x80) if kind_of[cp] == 2} | {_SEP_CODE}
            w_class = _byte_class(is_word)
            sep = _byte_class(is_sep) + "+"
            # Token boundaries are part of the expressions: a byte that is not a word code before
            # (after) a pattern that starts (ends) with a word character. Hyperscan then reports a
            # glob such as "rebel*" once per word instead of at every end inside "rebels" and
            # inside "antirebel", and no hit needs checking afterwards. The buffer starts and ends
            # with U+0000, so every document character has a neighbour on both sides.
            boundary = _byte_class(set(range(256)) - is_word)
            self._word_bytes = bytes(b in is_word for b in range(256))  # a bytes.translate table
            flag = _hs.HS_FLAG_SOM_LEFTMOST
        else:
            self._placeholder_bytes: dict[tuple[int, int], bytes] = {}
            placeholders = []
            for (kind, length), candidates in _PLACEHOLDERS.items():
                ph = next((ch for ch in candidates if ch not in literal), None)
                if ph is None:  # only a lexicon built to defeat this could get here
                    raise LexiconError("the patterns use every placeholder character; use engine='python'",
                                       file=self.lexicon.source)
                placeholders.append(ph)
                self._placeholder_bytes[(kind, length)] = ph.encode("utf-8")
            # Per code point: 0 other / 1 word (replaced), 2 separator / 3 literal (kept).
            self._cp_action = kind_of.copy()
            self._cp_action[[ord(ch) for ch in extra]] = 3
            token = lambda ch: f"\\x{{{ord(ch):x}}}"  # noqa: E731
            words = [chr(cp) for cp in range(0x80) if kind_of[cp] == 1]
            words += [ch for ch in placeholders + extra if kind_of[ord(ch)] == 1]
            w_class = "[" + "".join(map(token, words)) + "]"
            sep = "[" + "".join(token(chr(cp)) for cp in np.flatnonzero(kind_of == 2).tolist()) + "]+"
            boundary = ""  # characters of 1 to 4 bytes: boundaries are checked after the scan
            flag = _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_SOM_LEFTMOST

        def char_rx(ch: str, cs: bool) -> str:
            eq = _equivalents(ch, cs)
            return token(eq[0]) if len(eq) == 1 else "[" + "".join(map(token, eq)) + "]"

        def glob_rx(text: str, cs: bool) -> str:
            out = []
            for run in re.findall(r"[*?]+|[^*?]+", text):
                if run[0] not in "*?":
                    out.extend(char_rx(ch, cs) for ch in run)
                    continue
                q = run.count("?")  # '??*' = at least two word characters, '??' = exactly two
                if "*" in run:
                    out.append(w_class + (f"{{{q},}}" if q else "*"))
                else:
                    out.append(w_class + (f"{{{q}}}" if q > 1 else ""))
            return "".join(out)

        # Shadowed patterns (see _prefix_shadows) are not reported where their longer pattern
        # matches: in text dense with "regime forces", "government troops" and the like, a
        # quarter of the callbacks (the costly part of a scan) would otherwise be for hits that
        # lose. Narrow mode only, where a byte is a character.
        shadows: dict[int, list[str]] = {}
        if self._narrow:
            shadows = _prefix_shadows(self._compiled, self._label_scope)
        # A shadowed pattern is reported where the text shows that no longer pattern follows, so
        # its hits take their end from its fixed length (-1: the end the scan reports).
        self._fixed_len = np.full(len(self._compiled), -1, dtype=np.int64)

        def not_followed_by(words: list[str], cs: bool) -> str:
            """What may follow a shadowed pattern: a byte that shows that the text goes on neither
            with a word character nor with a separator and one of ``words`` as a whole word. Each
            node of the words' trie gives one way out; the ways exclude each other, so a hit is
            reported once."""
            ways = [_byte_class(set(range(256)) - is_word - is_sep)]  # "regime," or "regime" at the end
            for prefix in sorted({w[:i] for w in words for i in range(len(w) + 1)}):
                onward = {byte(e) for w in words if len(w) > len(prefix) and w.startswith(prefix)
                          for e in _equivalents(w[len(prefix)], cs)}
                head = sep + "".join(char_rx(ch, cs) for ch in prefix)
                if prefix in words:  # a whole word, unless a word character goes on that no word has
                    if is_word - onward:
                        ways.append(head + _byte_class(is_word - onward))
                else:  # a byte no word goes on with (right after the separators: not a separator)
                    ways.append(head + _byte_class(set(range(256)) - onward - (is_sep if not prefix else set())))
            return "(?:" + "|".join(ways) + ")"

        exprs = []
        for c in self._compiled:
            cs = c.pattern.case_sensitive
            rx = []
            for kind, text in c.units:
                if kind == "sep":
                    rx.append(sep)
                elif kind == "glob":
                    rx.append(glob_rx(text, cs))
                else:
                    rx.extend(char_rx(ch, cs) for ch in text)
            if c.pid in shadows:
                rx = [boundary] * c.need_start + rx + [not_followed_by(shadows[c.pid], cs)]
                self._fixed_len[c.pid] = sum(len(text) for _, text in c.units)
            elif boundary:
                rx = [boundary] * c.need_start + rx + [boundary] * c.need_end
            exprs.append("".join(rx).encode("utf-8"))
        self._db = None
        cache = _db_cache_path(exprs, flag) if exprs else None
        if cache is not None and (db := _load_db(cache)) is not None:
            self._db = db
        elif exprs:
            db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
            started = time.process_time()
            try:
                db.compile(expressions=exprs, ids=list(range(len(exprs))), elements=len(exprs),
                           flags=[flag] * len(exprs))
            except _hs.error as err:
                # Name the culprit: compile the patterns one by one.
                for i, expr in enumerate(exprs):
                    try:
                        _hs.Database(mode=_hs.HS_MODE_BLOCK).compile(expressions=[expr], ids=[i],
                                                                     elements=1, flags=[flag])
                    except _hs.error as one:
                        raise LexiconError(f"hyperscan cannot compile this pattern ({one}); use engine='python'",
                                           file=self.lexicon.source, line=self._compiled[i].pattern.line,
                                           entry=self._where[i]) from None
                raise LexiconError(f"hyperscan cannot compile the lexicon ({err}); use engine='python'",
                                   file=self.lexicon.source) from None
            self._db = db
            if cache is not None and time.process_time() - started >= _CACHE_MIN_SECONDS:
                _store_db(cache, db)
        self._local = threading.local()  # a Hyperscan scratch space serves one thread at a time

    def _hs_chunk(self, chunk: Sequence[str], tokens: list | None = None):
        """:meth:`_scan` by hyperscan. A document that is not NFC (only those holding a character
        NFC may change are asked) is scanned again in NFC, on its own: its hits and token count
        replace those of the chunk's scan."""
        counts: list[np.ndarray] | None = [] if tokens is not None else None
        pid, doc, cs, ce, suspects = self._hs_scan(chunk, counts)
        decomposed = decomposed_docs(chunk, suspects.tolist()) if suspects.size else {}
        if decomposed:
            redo = np.array(sorted(decomposed), dtype=np.int64)
            redo_counts: list[np.ndarray] | None = [] if tokens is not None else None
            rpid, rdoc, rcs, rce, _ = self._hs_scan([decomposed[d].text for d in redo.tolist()], redo_counts)
            keep = ~np.isin(doc, redo)
            pid, doc, cs, ce = (np.concatenate([a[keep], b]) for a, b in
                                ((pid, rpid), (doc, redo[rdoc]), (cs, rcs), (ce, rce)))
            if counts:
                counts[0] = counts[0].copy()
                counts[0][redo] = redo_counts[0]
        if tokens is not None:
            tokens.extend(counts)
        return pid, doc, cs, ce, decomposed

    def _hs_scan(self, chunk: Sequence[str], tokens: list | None):
        """Candidates in ``chunk`` as it is (see :meth:`_scan`), and the positions of the documents
        holding a character NFC may change (for a wide buffer: every non-ASCII document, when the
        buffer holds one)."""
        no_suspects = _EMPTY
        if self._db is None or (tokens is not None and not self._narrow):
            if tokens is not None:  # wide mode (or nothing to scan): count on the texts themselves
                from .text import count_tokens_many

                tokens.append(count_tokens_many(chunk))
            if self._db is None:
                return _EMPTY, _EMPTY, _EMPTY, _EMPTY, no_suspects
            tokens = None
        lens = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        doc_starts = np.empty(len(chunk), dtype=np.int64)  # char offset of each doc in the buffer
        doc_starts[0] = 1
        np.cumsum(lens[:-1] + 1, out=doc_starts[1:])
        doc_starts[1:] += 1
        # Documents joined by a character no pattern, word or separator contains; one before the
        # first and after the last, so that every hit has a neighbour on both sides.
        suspects = no_suspects
        if self._narrow:
            joined = _DOC_SEP.join(["", *chunk, ""])
            if not joined.isascii():  # O(1): CPython records it; then look for astral characters
                plain = self._without_astral(chunk)
                if plain is not chunk:  # (their astral characters are gone before the check below)
                    joined = _DOC_SEP.join(["", *plain, ""])
                    suspects = np.array([i for i, (a, b) in enumerate(zip(chunk, plain)) if a is not b], dtype=np.int64)
            data, at, non_ascii = self._encode_narrow(joined)
            unstable = at[unstable_at(non_ascii)]
            if unstable.size:
                suspects = np.union1d(suspects, np.searchsorted(doc_starts, unstable, side="right") - 1)
            offsets = None
        else:
            joined = _DOC_SEP.join(["", *chunk, ""])
            data, offsets, non_ascii = self._encode_wide(joined)
            if unstable_at(non_ascii).size:
                suspects = np.array([i for i, text in enumerate(chunk) if not text.isascii()], dtype=np.int64)
        del joined
        if tokens is not None:
            tokens.append(self._count_words(data, doc_starts, lens))

        hits: list[int] = []
        extend = hits.extend
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = _hs.Scratch(self._db)
        self._db.scan(data, match_event_handler=lambda i, s, e, f, c: extend((i, s, e)), scratch=scratch)
        if not hits:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY, suspects
        h = np.fromiter(hits, dtype=np.int64, count=len(hits)).reshape(-1, 3)
        pid, bs, be = h[:, 0], h[:, 1], h[:, 2]
        # Token boundaries: the character before (after) a pattern that starts (ends) with a word
        # character must not be a word character.
        need_start, need_end = self._need_start[pid], self._need_end[pid]
        if offsets is None:  # narrow: the boundary bytes matched are not part of the hit
            cs, ce = bs + need_start, be - need_end
            fixed = self._fixed_len[pid]
            shadowed = fixed >= 0
            if shadowed.any():
                ce[shadowed] = cs[shadowed] + fixed[shadowed]
        else:
            cs, ce, bad = offsets(bs, be, need_start, need_end)
            if bad.any():
                ok = ~bad
                pid, cs, ce = pid[ok], cs[ok], ce[ok]
        doc = np.searchsorted(doc_starts, cs, side="right") - 1
        origin = doc_starts[doc]
        return pid, doc, cs - origin, ce - origin, suspects

    def _count_words(self, data, doc_starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Word tokens per document of a narrow buffer: runs of word bytes (one byte per
        character, and a byte is a word code exactly when its character is ``\\w``)."""
        raw = data if isinstance(data, bytes) else data.tobytes()
        is_word = np.frombuffer(raw.translate(self._word_bytes), dtype=bool)  # C speed, no index array
        # starts[i]: a word run starts at i + 1. Document d is buffer[doc_starts[d]:doc_starts[d] +
        # lens[d]], followed by a U+0000, so its starts are starts[doc_starts[d] - 1:doc_starts[d + 1] - 1]
        # (never empty: the separator is in it), and reduceat sums each such stretch.
        starts = is_word[1:] > is_word[:-1]
        wide = int(lens.max()) >= 2**31 - 1  # int32 sums are several times faster in reduceat
        counts = np.add.reduceat(starts.view(np.uint8), doc_starts - 1, dtype=np.int64 if wide else np.int32)
        return counts.astype(np.int64)

    def _encode_narrow(self, joined: str):
        """One byte per character (see :meth:`_build_hyperscan`), the positions of the non-ASCII
        characters and their code points."""
        if joined.isascii():
            return joined.encode("ascii"), _EMPTY, _EMPTY
        units = joined.encode("utf-16-le", "surrogatepass")  # lone surrogates map to "other"
        if len(units) == 2 * len(joined):
            cps = np.frombuffer(units, dtype=np.uint16)
        else:  # astral characters left (see _without_astral): UTF-32 keeps one unit per character
            cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        out = cps.astype(np.uint8)  # ASCII stays; the rest goes through the table of every code point
        at = np.flatnonzero(cps >= 0x80)
        non_ascii = cps[at]
        out[at] = self._lut[non_ascii]
        return out, at, non_ascii

    def _without_astral(self, chunk: Sequence[str]) -> Sequence[str]:
        """``chunk`` with each character beyond U+FFFF of a document replaced by a BMP character of
        the same kind (a word character no pattern names; U+0000 for any other), one character for
        one so offsets hold. Only documents holding such characters are touched: one in the batch
        would otherwise make the joined buffer 4 bytes per character, and slow to encode."""
        out = None
        for i, text in enumerate(chunk):
            if text.isascii() or not _has_astral(text):
                continue
            if out is None:
                out = list(chunk)
            cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
            at = np.flatnonzero(cps > 0xFFFF)
            cps[at] = self._astral_stand_in[_code_point_kind()[cps[at]]]
            out[i] = cps.tobytes().decode("utf-32-le", "surrogatepass")
        return chunk if out is None else out

    def _encode_wide(self, joined: str):
        """UTF-8 with placeholders, and a function turning byte offsets into character offsets
        and telling which hits break a token boundary."""
        data = joined.encode("utf-8", "surrogatepass")  # lone surrogates become "other" placeholders
        arr = np.frombuffer(data, dtype=np.uint8)
        if joined.isascii():
            lead = cp = nbytes = np.zeros(0, dtype=np.int64)
        else:
            data = bytearray(data)
            arr = np.frombuffer(data, dtype=np.uint8)
            lead = np.flatnonzero(arr >= 0xC0)  # first byte of each non-ASCII character
            b0 = arr[lead].astype(np.int32)
            nbytes = 2 + (b0 >= 0xE0) + (b0 >= 0xF0)
            last = arr.shape[0] - 1
            b1, b2, b3 = ((arr[np.minimum(lead + k, last)] & 0x3F).astype(np.int32) for k in (1, 2, 3))
            cp = np.where(nbytes == 2, ((b0 & 0x1F) << 6) | b1,
                          np.where(nbytes == 3, ((b0 & 0x0F) << 12) | (b1 << 6) | b2,
                                   ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3))
            action = self._cp_action[cp]
            for (kind, length), ph in self._placeholder_bytes.items():
                at = lead[(action == kind) & (nbytes == length)]
                for k in range(length):
                    arr[at + k] = ph[k]
        lead_is_word = _code_point_kind()[cp] == 1
        cont_before = np.r_[0, np.cumsum(nbytes - 1)]  # continuation bytes before each lead

        def offsets(bs, be, need_start, need_end):
            prev, nxt = arr[bs - 1], arr[be]
            bad = (need_start & _ASCII_WORD[prev]) | (need_end & _ASCII_WORD[nxt])
            ks, ke = np.searchsorted(lead, bs), np.searchsorted(lead, be)  # leads before bs / be
            odd = need_start & (prev >= 0x80)  # the character before is non-ASCII: ask its lead
            bad[odd] |= lead_is_word[ks[odd] - 1]
            odd = need_end & (nxt >= 0x80)  # the character after starts at be
            bad[odd] |= lead_is_word[ke[odd]]
            return bs - cont_before[ks], be - cont_before[ke], bad

        return data, offsets, cp

    # -- python engine -------------------------------------------------------------------------
    def _build_python(self) -> None:
        # Two tries, one keyed by folded units (case-insensitive patterns), one by raw units.
        # A node is [literal edges {key: node}, glob edges [(glob id, node)], pattern ids].
        self._tries = ([{}, [], []], [{}, [], []])
        self._globs: list[tuple[bool, re.Pattern]] = []  # (case-sensitive?, regex on the unit key)
        glob_ids: dict[tuple[bool, str], int] = {}
        for c in self._compiled:
            cs = c.pattern.case_sensitive
            node = self._tries[cs]
            for kind, text in c.units:
                if kind == "glob":
                    gid = glob_ids.get((cs, text))
                    if gid is None:
                        gid = glob_ids[(cs, text)] = len(self._globs)
                        rx = "".join(r"\w*" if ch == "*" else r"\w" if ch == "?" else re.escape(ch) for ch in text)
                        self._globs.append((cs, re.compile(rx)))
                    for g, child in node[1]:
                        if g == gid:
                            break
                    else:
                        child = [{}, [], []]
                        node[1].append((gid, child))
                    node = child
                else:
                    node = node[0].setdefault(text, [{}, [], []])
            node[2].append(c.pid)
        self._unit_memo: dict[str, tuple] = {}
        self._starters: set[str] = set()  # units from which some pattern can start

    def _unit_info(self, unit: str) -> tuple:
        """(folded key, raw key, globs matched, starts a ci pattern?, starts a cs pattern?)."""
        first = unit[0]
        if _is_word_char(first):
            kci, kcs = _fold(unit), unit
            globs = frozenset(g for g, (cs, rx) in enumerate(self._globs) if rx.fullmatch(kcs if cs else kci))
        elif _SEP_RUN.match(first):
            kci = kcs = _SEP_KEY
            globs = frozenset()
        else:
            kcs = "'" if unit == "’" else unit
            kci = _fold(kcs)
            globs = frozenset()
        starts = tuple(
            k in trie[0] or any(g in globs for g, _ in trie[1])
            for k, trie in ((kci, self._tries[0]), (kcs, self._tries[1]))
        )
        return (kci, kcs, globs, starts[0], starts[1])

    def _py_chunk(self, chunk: Sequence[str]):
        pids: list[int] = []
        docs: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        memo, starters = self._unit_memo, self._starters
        for d, text in enumerate(chunk):
            units = _UNIT_RE.findall(text)
            if not units:
                continue
            if len(memo) > _MEMO_LIMIT:  # a bound for endless vocabularies (new objects: threads)
                memo = self._unit_memo = {}
                starters = self._starters = set()
            for unit in set(units).difference(memo):
                memo[unit] = info = self._unit_info(unit)
                if info[3] or info[4]:
                    starters.add(unit)
            infos = list(map(memo.__getitem__, units))
            offsets = [0, *accumulate(map(len, units))]
            n = len(units)
            # Walk the tries only from units that can start a pattern.
            for i in compress(range(n), map(starters.__contains__, units)):
                for cs in (0, 1):
                    if not infos[i][3 + cs]:
                        continue
                    stack = [(self._tries[cs], i)]
                    while stack:
                        node, j = stack.pop()
                        for pid in node[2]:
                            pids.append(pid)
                            docs.append(d)
                            starts.append(offsets[i])
                            ends.append(offsets[j])
                        if j == n:
                            continue
                        key_info = infos[j]
                        child = node[0].get(key_info[cs])
                        if child is not None:
                            stack.append((child, j + 1))
                        for g, gchild in node[1]:
                            if g in key_info[2]:
                                stack.append((gchild, j + 1))
        as_arr = lambda x: np.array(x, dtype=np.int64)  # noqa: E731
        return as_arr(pids), as_arr(docs), as_arr(starts), as_arr(ends)

    # -- exclusions and overlaps (shared by both engines) --------------------------------------
    def _resolve(self, pid, doc, start, end, n_docs: int) -> MatchArrays:
        if pid.size == 0:
            return MatchArrays(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, n_docs)
        label = self._pid_label[pid]
        # Sort keys are packed into int64: (group, offset) as group * big + offset.
        big = int(end.max()) + 1
        n_labels = len(self.label_ids)
        n_scopes = int(self._label_scope.max()) + 1
        if max(n_docs * max(n_labels, n_scopes), len(self._compiled) + 1) * big >= 2**63:
            raise ParameterError("a document is too long to match (over 10^12 characters?)")
        is_ex = self._pid_exclusion[pid]
        if is_ex.any():
            # A candidate of label L dies inside an exclusion match of L: find, per (doc, label),
            # the exclusion matches starting at or before it and the furthest end among them.
            xkey = doc[is_ex] * n_labels + label[is_ex]
            xs = xkey * big + start[is_ex]
            order = np.argsort(xs, kind="stable")
            xs = xs[order]
            reach = np.maximum.accumulate((xkey * big + end[is_ex])[order])
            keep = ~is_ex
            pid, doc, start, end, label = pid[keep], doc[keep], start[keep], end[keep], label[keep]
            ckey = (doc * n_labels + label) * big
            idx = np.searchsorted(xs, ckey + start, side="right") - 1
            vetoed = (idx >= 0) & (reach[np.maximum(idx, 0)] >= ckey + end)
            if vetoed.any():
                keep = ~vetoed
                pid, doc, start, end, label = pid[keep], doc[keep], start[keep], end[keep], label[keep]
            if pid.size == 0:
                return MatchArrays(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, n_docs)

        # Leftmost, then longest, then lexicon order (= pid order), within (scope, doc) groups.
        group = doc * n_scopes + self._label_scope[label]
        kstart, kend = group * big + start, group * big + end
        # Candidates arrive nearly sorted, so a stable sort on kstart is cheap (np.lexsort is
        # not); the few ties (same start) are then ordered longest first, then by pid.
        order = np.argsort(kstart, kind="stable")
        tie = kstart[order[1:]] == kstart[order[:-1]]
        if tie.any():
            in_tie = np.zeros(order.shape[0], dtype=bool)
            in_tie[1:] |= tie
            in_tie[:-1] |= tie
            at = np.flatnonzero(in_tie)
            sub = order[at]
            # One int64 key per tied candidate: (tie run, longest first, pid); lexsort is slower.
            run = np.cumsum(np.r_[True, kstart[sub[1:]] != kstart[sub[:-1]]])
            length = end[sub] - start[sub]
            span = (int(length.max()) + 1) * len(self._compiled)
            if int(run[-1]) * span < 2**62:
                key = run * span + (int(length.max()) - length) * len(self._compiled) + pid[sub]
                order[at] = sub[np.argsort(key, kind="stable")]
            else:
                order[at] = sub[np.lexsort(((big - end[sub]) * len(self._compiled) + pid[sub], kstart[sub]))]
        pid, doc, start, end, label, kstart, kend = (
            a[order] for a in (pid, doc, start, end, label, kstart, kend))
        prev_reach = np.empty_like(kend)
        prev_reach[0] = -1
        np.maximum.accumulate(kend[:-1], out=prev_reach[1:])
        accepted = kstart >= prev_reach  # overlaps nothing before it: always kept
        contested = np.flatnonzero(~accepted)
        if contested.size:
            # Only runs of overlapping candidates need the sequential greedy walk: a run starts at
            # an accepted candidate; a contested one is kept if it starts after the last kept end.
            heads = np.flatnonzero(accepted)
            head = heads[np.searchsorted(heads, contested, side="right") - 1]
            # The last kept end of a run is never before its head's end: a candidate starting
            # before that end loses without changing anything (nearly all of them).
            maybe = kstart[contested] >= kend[head]
            contested, head = contested[maybe], head[maybe]
            reach: dict[int, int] = {}
            for i, h, ks, ke, he in zip(contested.tolist(), head.tolist(), kstart[contested].tolist(),
                                        kend[contested].tolist(), kend[head].tolist()):
                if ks >= reach.get(h, he):
                    accepted[i] = True
                    reach[h] = ke
        pid, doc, start, end, label = (a[accepted] for a in (pid, doc, start, end, label))
        if n_scopes > 1:  # hits of different families interleave: order by doc, start, label
            order = np.argsort((doc * big + start) * n_labels + label, kind="stable")
            pid, doc, start, end, label = (a[order] for a in (pid, doc, start, end, label))
        return MatchArrays(doc, label, start, end, pid, n_docs)


_ASCII_WORD = np.array([chr(b).isalnum() or b == 0x5F if b < 0x80 else False for b in range(256)], dtype=bool)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------
def available_engines() -> list[str]:
    """Engines usable here, fastest first.

    Examples
    --------
    >>> "python" in available_engines()
    True
    """
    return ["hyperscan", "python"] if _hs is not None else ["python"]


_CACHE: OrderedDict[tuple[str, str], Matcher] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


def compile_lexicon(lexicon: Lexicon, engine: str = "auto") -> Matcher:
    """Compile a lexicon for matching; compiled matchers are cached per (fingerprint, engine).

    Parameters
    ----------
    lexicon : Lexicon
    engine : {"auto", "hyperscan", "python"}
        ``"auto"`` takes hyperscan when it is installed (falling back to python, with a warning,
        for a lexicon hyperscan cannot compile). Both engines return identical hits.

    Returns
    -------
    Matcher

    Raises
    ------
    ParameterError
        Unknown engine, or hyperscan requested but not installed.
    LexiconError
        A pattern the engines cannot match (see the module docstring).

    Examples
    --------
    >>> from framelens.lexicon.model import Family, Label, Lexicon, Pattern
    >>> lex = Lexicon("demo", "1", (Family("actors", (
    ...     Label("insurgents", (Pattern("insurgen*"),)),
    ...     Label("islamic_state", (Pattern("IS", case_sensitive=True), Pattern("Islamic State"))),
    ... )),))
    >>> m = compile_lexicon(lex, engine="python")
    >>> m.find("IS fighters, who call the insurgency what it is.")
    [(1, 0, 2), (0, 26, 36)]
    >>> m.label_ids, m.family_ids
    (['insurgents', 'islamic_state'], ['actors', 'actors'])
    """
    if not isinstance(lexicon, Lexicon):
        raise ParameterError(f"compile_lexicon needs a Lexicon, got {type(lexicon).__name__}")
    if engine not in ("auto", *ENGINES):
        raise ParameterError(f"engine must be 'auto', 'hyperscan' or 'python', not {engine!r}")
    if engine == "hyperscan" and _hs is None:
        raise ParameterError("engine 'hyperscan' is not available here (pip install hyperscan); use 'python'")
    fingerprint = lexicon.fingerprint
    wanted = available_engines()[0] if engine == "auto" else engine
    # "auto" has its own entry (it may have fallen back) and shares the engine's entry.
    keys = [(fingerprint, engine)] + ([(fingerprint, wanted)] if engine == "auto" else [])
    with _CACHE_LOCK:
        for key in keys:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    try:
        matcher = Matcher(lexicon, wanted)
    except LexiconError:
        if engine != "auto" or wanted == "python":
            raise
        matcher = Matcher(lexicon, "python")  # raises if the lexicon itself is invalid
        warnings.warn(f"hyperscan cannot compile lexicon {lexicon.name!r}; using the python engine",
                      stacklevel=2)
    with _CACHE_LOCK:
        for key in keys:
            if key[1] in ("auto", matcher.engine):
                _CACHE[key] = matcher
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return matcher
