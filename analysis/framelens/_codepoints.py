"""Code-point facts the matching engines rely on: word and separator characters, case folding,
characters beyond U+FFFF, and the byte codes and placeholders the hyperscan engine writes for
characters no pattern names.

Both engines of :mod:`framelens.matching` must agree character for character with Python's
``re`` (``\\w``) and ``str.lower``, so these facts are computed from them, over every code point,
rather than written down: case folding maps one character to one character (offsets and ``?``
counts never move), and a table gives each code point its kind (word, separator, other). The two
tables that take tens of milliseconds to build are kept on disk (``unicode/`` in the cache folder
of :mod:`framelens._match_cache`, per Python and Unicode version) and built lazily, on first use:
importing this module computes nothing large.
"""
from __future__ import annotations

import functools
import io
import re
import sys
import unicodedata
from typing import Callable

import numpy as np

from ._match_cache import _cache_dir, _write_cache_file

# A separator is any run of these; Python's \s is exactly str.isspace() (NBSP and U+2028 included).
_SEP_CLASS = r"[\s\-\u2010\u2011]"


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
    pairs = _unicode_table("fold", _build_fold_pairs, np.uint32, 2)
    return dict(zip(pairs[0].tolist(), map(chr, pairs[1].tolist())))


def _build_fold_pairs() -> np.ndarray:
    chars = [chr(cp) for cp in range(1, 0x20000) if not 0xD800 <= cp <= 0xDFFF]
    # One lower() over all characters apart (U+0000 is not cased, so no Final_Sigma context):
    # the same as c.lower() for each, ~10× faster than a call per character.
    lowered = "\x00".join(chars).lower().split("\x00")
    pairs = [(ord(c), ord(f)) for c, f in zip(chars, lowered) if len(f) == 1 and f != c]
    return np.array(pairs, dtype=np.uint32).T.copy()


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


@functools.lru_cache(maxsize=4096)  # asked for every character of every pattern
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
    return _unicode_table("kind", _build_code_point_kind, np.uint8, 1)


def _build_code_point_kind() -> np.ndarray:
    cps = np.arange(0x110000, dtype=np.uint32)
    cps[0xD800:0xE000] = 0  # surrogates cannot be decoded; they are "other" like U+0000
    chars = cps.tobytes().decode("utf-32-le")
    kind = np.zeros(0x110000, dtype=np.uint8)
    for m in re.finditer(r"\w+", chars):
        kind[m.start():m.end()] = 1
    for m in re.finditer(_SEP_CLASS + "+", chars):
        kind[m.start():m.end()] = 2
    return kind


def _calibrate_ucs4() -> int | None:
    """CPython stores a non-ASCII str with 1, 2 or 4 bytes per character (PEP 393), the widest
    needed, so its size tells whether it holds a character beyond U+FFFF in O(1). The fixed part
    of that size, or ``None`` where sizes do not follow the rule (another implementation)."""
    base = sys.getsizeof("\u00e9") - 2
    rule = all(sys.getsizeof(c * n) == base + (n + 1) * k
               for c, k in (("\u00e9", 1), ("\u0100", 2), ("\U00010000", 4)) for n in (1, 7))
    return base if rule else None


_UCS4_BASE = _calibrate_ucs4()
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _has_astral(text: str) -> bool:
    """Whether a non-ASCII ``text`` holds a character beyond U+FFFF."""
    if _UCS4_BASE is not None:
        return sys.getsizeof(text) == _UCS4_BASE + 4 * (len(text) + 1)
    return _ASTRAL.search(text) is not None


# Narrow-mode byte codes for non-ASCII characters no pattern names; literals get codes from 0x83.
_WORD_CODE, _OTHER_CODE, _SEP_CODE, _FIRST_CODE = 0x80, 0x81, 0x82, 0x83


@functools.cache
def _kind_codes() -> np.ndarray:
    """The narrow code of every code point by its kind alone (word, separator, other)."""
    kind = _code_point_kind()
    return np.where(kind == 1, _WORD_CODE, np.where(kind == 2, _SEP_CODE, _OTHER_CODE)).astype(np.uint8)


# Wide-mode placeholders, by (kind, UTF-8 length): the first one no pattern names.
_PLACEHOLDERS = {
    (1, 2): "\u01c0\u01c1\u01c2\u02b0", (1, 3): "\u3400\u3401\ua66e", (1, 4): "\U00020000\U00020001",
    (0, 2): "\u00a7\u00b6\u00a6\u00a9", (0, 3): "\u2021\u2020\u2042", (0, 4): "\U0001f600\U0001f601",
}


# ---------------------------------------------------------------------------------------------
# Tables kept on disk
# ---------------------------------------------------------------------------------------------
def _unicode_table(name: str, build: Callable[[], np.ndarray], dtype: type, ndim: int) -> np.ndarray:
    """A table of Unicode facts that ``build()`` computes in tens of milliseconds, which every
    process start would pay: kept in :func:`_cache_dir` under ``unicode/``, per Python version
    (``re``'s ``\\w``, ``str.lower``) and Unicode version. A file that does not load as such an
    array (NumPy format, no pickle; ``dtype``, ``ndim`` dimensions) is built again."""
    base = _cache_dir()
    version = f"py{sys.version_info[0]}.{sys.version_info[1]}-unicode{unicodedata.unidata_version}"
    path = None if base is None else base / "unicode" / f"{name}-{version}.npy"
    if path is not None and path.exists():
        try:
            table = np.load(path, allow_pickle=False)
            if table.dtype == dtype and table.ndim == ndim:
                return table
        except Exception:  # noqa: BLE001 - damaged or foreign: build it again
            pass
    table = build()
    if path is not None:
        buffer = io.BytesIO()
        np.save(buffer, table, allow_pickle=False)
        _write_cache_file(path, buffer.getvalue())
    return table

