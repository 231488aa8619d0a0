"""Compile a lexicon once, then find its terms in many texts in one pass each.

Two engines give identical hits (``docs/architecture.md`` fixes the semantics):

``"hyperscan"``
    Intel Hyperscan (PyPI ``hyperscan``): every pattern becomes one regular expression in one
    database, and many documents, joined by U+0000, are scanned as one buffer in which each
    character is one byte (non-ASCII characters that no pattern names become "word", "separator"
    or "other" codes). Callbacks only collect raw hits; boundaries, exclusions and overlaps are
    then resolved with numpy. About 100 MB/s per core on news text with 80 patterns
    (``benchmarks/bench_matching.py``). Wheels exist for x86-64 only.
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

import functools
import re
import threading
import unicodedata
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import Iterable, Sequence

import numpy as np

from .errors import InputError, LexiconError, ParameterError
from .lexicon.model import OVERLAP_SCOPES, Lexicon, Pattern

try:  # optional: wheels exist for x86-64 only
    import hyperscan as _hs
except Exception:  # ImportError, or OSError when the shared library cannot load
    _hs = None

__all__ = ["MatchArrays", "Matcher", "available_engines", "compile_lexicon"]

ENGINES = ("hyperscan", "python")

# A separator is any run of these; Python's \s is exactly str.isspace() (NBSP and U+2028 included).
_SEP_CLASS = r"[\s\-\u2010\u2011]"
_SEP_RUN = re.compile(_SEP_CLASS + "+")
# Units of a text for the python engine: word runs, separator runs, any other single character.
_UNIT_RE = re.compile(r"\w+|" + _SEP_CLASS + r"+|.", re.DOTALL)
_PATTERN_PIECE = re.compile(r"[\w*?]+|.", re.DOTALL)
_SEP_KEY = " "  # the key every separator run maps to (no other unit can be a space)
_DOC_SEP = "\x00"  # joins documents in one hyperscan buffer: no pattern, word or separator holds it
_CHUNK_CHARS = 1 << 22  # documents are scanned in buffers of about this many characters
_MEMO_LIMIT = 1_000_000  # distinct text units the python engine remembers


def _is_word_char(c: str) -> bool:
    # Identical to re's \w for str patterns (checked over all code points in the tests).
    return c.isalnum() or c == "_"


# ---------------------------------------------------------------------------------------------
# Case folding: one character to one character, so offsets and `?` counts never move.
# ---------------------------------------------------------------------------------------------
def _fold_char(c: str) -> str:
    low = c.lower()
    return low if len(low) == 1 else c


@functools.cache
def _fold_table() -> dict[int, str]:
    """Code point → folded character, for every character that folds to another one.

    No character above U+1FFFF has a lower-case mapping (checked in the tests).
    """
    table = {}
    for cp in range(0x20000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        f = _fold_char(c)
        if f != c:
            table[cp] = f
    return table


def _fold(s: str) -> str:
    # str.lower() on a whole string applies Final_Sigma and may lengthen İ; translate is per char.
    return s.lower() if s.isascii() else s.translate(_fold_table())


@functools.cache
def _fold_classes() -> dict[str, tuple[str, ...]]:
    """Folded character → every character that folds to it (for the hyperscan character classes)."""
    classes: dict[str, list[str]] = {}
    for cp, f in _fold_table().items():
        classes.setdefault(f, [f]).append(chr(cp))
    return {k: tuple(v) for k, v in classes.items()}


def _equivalents(c: str, case_sensitive: bool) -> tuple[str, ...]:
    """The text characters a pattern character matches."""
    if c in "'’":
        return ("'", "’")
    if case_sensitive:
        return (c,)
    f = _fold_char(c)
    return _fold_classes().get(f, (f,))


@functools.cache
def _code_point_kind() -> np.ndarray:
    """``uint8`` per code point: 0 other, 1 word character (``\\w``), 2 separator character."""
    cps = np.arange(0x110000, dtype=np.uint32)
    cps[0xD800:0xE000] = 0  # surrogates cannot be decoded; they are "other" like U+0000
    chars = cps.tobytes().decode("utf-32-le")
    kind = np.zeros(0x110000, dtype=np.uint8)
    for m in re.finditer(r"\w+", chars):
        kind[m.start():m.end()] = 1
    for m in re.finditer(_SEP_CLASS + "+", chars):
        kind[m.start():m.end()] = 2
    return kind


@functools.cache
def _astral_patterns() -> tuple[re.Pattern, re.Pattern]:
    """Regexes for astral word characters and for any astral character."""
    kind = _code_point_kind()
    edges = np.flatnonzero(np.diff(np.r_[0, kind[0x10000:] == 1, 0].astype(np.int8))) + 0x10000
    ranges = "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in zip(edges[::2].tolist(), edges[1::2].tolist()))
    return re.compile(f"[{ranges}]"), re.compile("[\U00010000-\U0010ffff]")


# Narrow-mode byte codes for non-ASCII characters no pattern names; literals get codes from 0x83.
_WORD_CODE, _OTHER_CODE, _SEP_CODE, _FIRST_CODE = 0x80, 0x81, 0x82, 0x83
# Wide-mode placeholders, by (kind, UTF-8 length): the first one no pattern names.
_PLACEHOLDERS = {
    (1, 2): "\u01c0\u01c1\u01c2\u02b0", (1, 3): "\u3400\u3401\ua66e", (1, 4): "\U00020000\U00020001",
    (0, 2): "\u00a7\u00b6\u00a6\u00a9", (0, 3): "\u2021\u2020\u2042", (0, 4): "\U0001f600\U0001f601",
}


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
    """Cut a pattern into units; ``where`` and ``source`` locate it in error messages."""
    def error(message: str) -> LexiconError:
        return LexiconError(message, file=source, line=pattern.line, entry=where)

    text = pattern.text.strip() if isinstance(pattern.text, str) else None
    if not text:
        raise error("empty pattern")
    for ch in text:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and not ch.isspace()) or cat == "Cs":
            raise error(f"pattern {pattern.text!r} contains the control character U+{ord(ch):04X}")
    if _SEP_RUN.match(text) or _SEP_RUN.match(text[-1]):
        raise error(f"pattern {pattern.text!r} starts or ends with a hyphen; patterns are whole words")
    ci = not pattern.case_sensitive
    units: list[tuple[str, str]] = []
    for i, word in enumerate(_SEP_RUN.split(text)):
        if i:
            units.append(("sep", _SEP_KEY))
        for piece in _PATTERN_PIECE.findall(word):
            if piece[0] in "*?" or _is_word_char(piece[0]):
                if not piece.strip("*"):
                    raise error(f"pattern {pattern.text!r}: '*' must be attached to letters, digits or '?' "
                                "(e.g. 'insurgen*'; write '?*' for any word)")
                kind = "glob" if ("*" in piece or "?" in piece) else "word"
            else:
                kind = "punct"
                piece = "'" if piece == "’" else piece
            units.append((kind, _fold(piece) if ci else piece))
    return tuple(units), units[0][0] in ("word", "glob"), units[-1][0] in ("word", "glob")


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
    """

    doc: np.ndarray
    label: np.ndarray
    start: np.ndarray
    end: np.ndarray
    pattern: np.ndarray | None = None
    n_docs: int = 0

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

    def find_many(self, texts: Iterable[str]) -> MatchArrays:
        """Hits in many texts, as :class:`MatchArrays` (``doc`` is the position in ``texts``).

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
        for chunk in self._chunks(texts):
            # Documents never span chunks, so each chunk is resolved on its own (bounded memory).
            hits = self._resolve(*self._scan(chunk), len(chunk))
            if len(hits):
                parts.append((hits.doc + n_docs, hits.label, hits.start, hits.end, hits.pattern))
            n_docs += len(chunk)
        if not parts:
            return MatchArrays(_EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, n_docs)
        return MatchArrays(*(np.concatenate(col) for col in zip(*parts)), n_docs=n_docs)

    def __repr__(self) -> str:
        return (
            f"Matcher(lexicon={self.lexicon.name!r} v{self.lexicon.version}, engine={self.engine!r}, "
            f"labels={len(self.label_ids)}, patterns={self.n_patterns}, overlap={self.lexicon.overlap!r})"
        )

    def __reduce__(self):
        # Hyperscan databases do not pickle: recompile (cached) in the receiving process.
        return (compile_lexicon, (self.lexicon, self.engine))

    @staticmethod
    def _chunks(texts: Iterable[str]):
        """Consecutive lists of documents of about ``_CHUNK_CHARS`` characters together."""
        if isinstance(texts, str):
            raise InputError("find_many needs a sequence of texts, not one str (use find)", field="text")
        chunk: list[str] = []
        size = 0
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise InputError(f"texts must be str, got {type(text).__name__}", row=i, field="text")
            chunk.append(text)
            size += len(text)
            if size >= _CHUNK_CHARS:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    def _scan(self, chunk: Sequence[str]):
        """Candidates (every match of every pattern and exclusion, boundaries checked, before
        exclusions and overlaps are applied) as int64 arrays ``pid, doc, start, end``."""
        if self.engine == "hyperscan":
            return self._hs_chunk(chunk)
        return self._py_chunk(chunk)

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
        # Astral characters (never literals in narrow mode) are turned into a BMP word character or
        # U+0000 before encoding.
        self._astral_word = next((ch for ch in "\u3400\u3401\ua66e\u4e00" if ch not in literal), None)
        self._narrow = (len(extra) <= 0xFF - _FIRST_CODE + 1 and all(ord(ch) <= 0xFFFF for ch in extra)
                        and self._astral_word is not None)
        if self._narrow:
            code = {ch: _FIRST_CODE + i for i, ch in enumerate(extra)}
            lut = np.where(kind_of[:0x10000] == 1, _WORD_CODE,
                           np.where(kind_of[:0x10000] == 2, _SEP_CODE, _OTHER_CODE)).astype(np.uint8)
            lut[:0x80] = np.arange(0x80)
            lut[[ord(ch) for ch in extra]] = list(code.values())
            self._lut = lut
            token = lambda ch: f"\\x{{{code.get(ch, ord(ch)):x}}}"  # noqa: E731
            words = [chr(cp) for cp in range(0x80) if kind_of[cp] == 1]
            w_class = "[" + "".join(map(token, words)) + f"\\x{{{_WORD_CODE:x}}}" + "".join(
                token(ch) for ch in extra if kind_of[ord(ch)] == 1) + "]"
            seps = [chr(cp) for cp in range(0x80) if kind_of[cp] == 2]
            sep = "[" + "".join(map(token, seps)) + f"\\x{{{_SEP_CODE:x}}}]+"
            is_word = np.zeros(256, dtype=bool)
            is_word[[ord(ch) for ch in words] + [_WORD_CODE]] = True
            is_word[[code[ch] for ch in extra if kind_of[ord(ch)] == 1]] = True
            self._byte_is_word = is_word
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
            exprs.append("".join(rx).encode("utf-8"))
        self._db = None
        if exprs:
            db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
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
        self._local = threading.local()  # a Hyperscan scratch space serves one thread at a time

    def _hs_chunk(self, chunk: Sequence[str]):
        if self._db is None:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        lens = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        doc_starts = np.empty(len(chunk), dtype=np.int64)  # char offset of each doc in the buffer
        doc_starts[0] = 1
        np.cumsum(lens[:-1] + 1, out=doc_starts[1:])
        doc_starts[1:] += 1
        # Documents joined by a character no pattern, word or separator contains; one before the
        # first and after the last, so that every hit has a neighbour on both sides.
        joined = _DOC_SEP.join(["", *chunk, ""])
        if self._narrow:
            data, offsets = self._encode_narrow(joined), None
        else:
            data, offsets = self._encode_wide(joined)
        del joined

        hits: list[int] = []
        extend = hits.extend
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = _hs.Scratch(self._db)
        self._db.scan(data, match_event_handler=lambda i, s, e, f, c: extend((i, s, e)), scratch=scratch)
        if not hits:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        h = np.fromiter(hits, dtype=np.int64, count=len(hits)).reshape(-1, 3)
        pid, bs, be = h[:, 0], h[:, 1], h[:, 2]
        # Token boundaries: the character before (after) a pattern that starts (ends) with a word
        # character must not be a word character.
        need_start, need_end = self._need_start[pid], self._need_end[pid]
        if offsets is None:
            arr = np.frombuffer(data, dtype=np.uint8)
            bad = (need_start & self._byte_is_word[arr[bs - 1]]) | (need_end & self._byte_is_word[arr[be]])
            cs, ce = bs, be
        else:
            cs, ce, bad = offsets(bs, be, need_start, need_end)
        if bad.any():
            ok = ~bad
            pid, cs, ce = pid[ok], cs[ok], ce[ok]
        doc = np.searchsorted(doc_starts, cs, side="right") - 1
        origin = doc_starts[doc]
        return pid, doc, cs - origin, ce - origin

    def _encode_narrow(self, joined: str):
        """One byte per character (see :meth:`_build_hyperscan`)."""
        if joined.isascii():
            return joined.encode("ascii")
        units = joined.encode("utf-16-le", "surrogatepass")  # lone surrogates map to "other"
        if len(units) != 2 * len(joined):  # astral characters took two units: make them BMP
            astral_word, astral = _astral_patterns()
            joined = astral.sub(_DOC_SEP, astral_word.sub(self._astral_word, joined))
            units = joined.encode("utf-16-le", "surrogatepass")
        u16 = np.frombuffer(units, dtype=np.uint16)
        out = u16.astype(np.uint8)
        non_ascii = np.flatnonzero(u16 >= 0x80)
        out[non_ascii] = self._lut[u16[non_ascii]]
        return out

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

        return data, offsets

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
