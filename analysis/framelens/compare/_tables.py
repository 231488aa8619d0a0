"""What the comparisons share: groups of documents, count tables, fast n-gram counts, result tables.

* :func:`resolve_groups` turns ``by`` into one integer code per document (validated before any
  matching), with the *strata* inside which groups are compared (periods, when ``by`` mixes a
  column with a date bin).
* :func:`group_sums` adds document rows into group rows with one sparse product.
* :func:`ngram_table` counts every 1…n-gram of lower-cased ``\\w+`` tokens per group, in a few
  vectorised passes (the texts' UTF-8 bytes classified with NumPy, Arrow hash encoding, integer
  codes for n-grams).
* :class:`~framelens.results.ResultTable` (defined in :mod:`framelens.results`, re-exported here)
  is the DataFrame every comparison returns.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from ..corpus import join_keys, natural_order
from ..errors import ParameterError

if TYPE_CHECKING:
    import scipy.sparse as sp

#: date bins that ``Corpus.groups`` derives from the ``date`` column
DATE_BINS = ("day", "week", "month", "quarter", "year")
#: below these a group's numbers are flagged in ``note`` (kept, never dropped)
MIN_DOCS = 5
MIN_HITS = 10
#: replaces masked spans (lexicon hits) so that no n-gram is counted across or inside them
MASK_TOKEN = "zzframelensmaskzz"
#: up to this many group × term cells, n-gram tables are counted densely
_DENSE_CELLS = 10_000_000


# ---------------------------------------------------------------------------------------------
# groups
@dataclass(frozen=True)
class Groups:
    """Documents' groups: ``codes[d]`` is the index of document ``d``'s group in ``names``.

    ``frame`` holds one row per group with one column per key of ``by``; ``strata[g]`` numbers the
    period of group ``g`` when ``by`` mixes columns and date bins (groups are compared within their
    period), else 0 for every group.
    """

    by: list[str]
    codes: np.ndarray
    names: list[str]
    frame: pd.DataFrame
    n_docs: np.ndarray
    strata: np.ndarray

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str, *, what: str = "group") -> int:
        """Position of group ``name``; a ParameterError listing the groups when it has no documents."""
        try:
            return self.names.index(str(name))
        except ValueError:
            shown = ", ".join(map(repr, self.names[:20])) + (" …" if len(self.names) > 20 else "")
            raise ParameterError(
                f"{what} {name!r} has no documents in this corpus (by={self.by}); groups: {shown}"
            ) from None

    def members(self, g: int) -> np.ndarray:
        return np.flatnonzero(self.codes == g)


def _by_keys(by: str | Sequence[str]) -> list[str]:
    if isinstance(by, str):
        keys = [by]
    elif isinstance(by, Sequence) and all(isinstance(k, str) for k in by):
        keys = list(by)
    else:
        raise ParameterError(f"by must be a column name, a date bin or a list of them, not {by!r}")
    if not keys:
        raise ParameterError("by: give at least one column name or date bin")
    if len(set(keys)) != len(keys):
        raise ParameterError(f"by names a key twice: {keys}")
    return keys


def resolve_groups(corpus: Any, by: str | Sequence[str]) -> Groups:
    """Group every document of ``corpus`` by ``by``; raise ParameterError for an unknown key.

    Missing values form their own group (``Corpus.groups`` calls it ``"(missing)"``): nothing is
    dropped silently.
    """
    keys = _by_keys(by)
    if len(corpus) == 0:
        raise ParameterError("the corpus has no documents")
    if hasattr(corpus, "group_frame"):
        frame = corpus.group_frame(keys).astype(str)
    else:  # a corpus exposing only the documented Corpus.groups(by)
        frame = pd.DataFrame({k: corpus.groups(k).astype(str) for k in keys})
    frame = frame.reset_index(drop=True)
    joined = join_keys(frame)
    codes, names = pd.factorize(joined, sort=True)
    per_group = frame.groupby(codes, sort=True).first().reset_index(drop=True)
    order = natural_order(per_group)  # numbers as numbers: page 2 before page 10
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[np.asarray(codes, dtype=np.int64)]
    names = names[order]
    per_group = per_group.iloc[order].reset_index(drop=True)
    n_docs = np.bincount(codes, minlength=len(names)).astype(np.int64)
    date_keys = [k for k in keys if k in DATE_BINS and k not in getattr(corpus, "docs", pd.DataFrame()).columns]
    if date_keys and len(date_keys) < len(keys):
        period = per_group[date_keys].agg(" | ".join, axis=1)
        strata = np.asarray(pd.factorize(period, sort=True)[0], dtype=np.int64)
    else:
        strata = np.zeros(len(names), dtype=np.int64)
    return Groups(keys, codes, [str(n) for n in names], per_group, n_docs, strata)


def group_sums(matrix: Any, codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """Sum the rows (documents) of ``matrix`` by group: one sparse product, G × columns."""
    import scipy.sparse as sp

    codes = np.asarray(codes)
    indicator = sp.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes))
    )
    return sp.csr_matrix(indicator @ sp.csr_matrix(matrix, dtype=np.float64))


def small_group_note(n_docs: int, hits: float | None = None, *, family: str | None = None) -> str:
    """The note flagging a group whose numbers rest on little data ('' when there is enough)."""
    notes = []
    if n_docs < MIN_DOCS:
        notes.append(f"only {n_docs} document{'s' if n_docs != 1 else ''} (< {MIN_DOCS})")
    if hits is not None:
        where = f" in family {family!r}" if family else ""
        if hits == 0:
            notes.append(f"no hits{where}: share undefined")
        elif hits < MIN_HITS:
            notes.append(f"only {int(hits)} hit{'s' if hits != 1 else ''}{where} (< {MIN_HITS})")
    return "; ".join(notes)


# ---------------------------------------------------------------------------------------------
# lexicon counts and tokens
def as_lexicon(lexicon: Any) -> Any:
    """A Lexicon from a Lexicon, a built-in name or a path."""
    from ..lexicon import Lexicon

    if isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, (str, os.PathLike)):
        from ..lexicon import load_lexicon

        return load_lexicon(lexicon)
    raise ParameterError(f"expected a Lexicon, a built-in lexicon name or a path, got {type(lexicon).__name__}")


def as_corpus(corpus: Any) -> Any:
    """Accept a Corpus, a DataFrame that :func:`framelens.read_corpus` reads, or a batch output's
    :class:`~framelens.batch.scores.BatchScores` (label counts without texts)."""
    if isinstance(corpus, pd.DataFrame):
        from ..corpus import read_corpus

        return read_corpus(corpus)
    # the class is asked first: hasattr(corpus, "texts") would build Corpus.texts, a list of every text
    if not hasattr(corpus, "docs") or not (hasattr(type(corpus), "texts") or hasattr(corpus, "texts")):
        raise ParameterError(f"expected a Corpus or a DataFrame, got {type(corpus).__name__}; see framelens.read_corpus")
    return corpus


def resolve_families(lexicon: Any, family: str | Sequence[str] | None) -> list[str]:
    """Family ids to analyse (all when ``None``); ParameterError for one not in the lexicon."""
    if family is None:
        return lexicon.family_ids()
    wanted = [family] if isinstance(family, str) else list(family)
    for fam in wanted:
        lexicon.family(fam)  # raises ParameterError naming the lexicon's families
    return wanted


def label_counts(corpus: Any, lexicon: Any, engine: str = "auto") -> tuple[sp.csr_matrix, list[str]]:
    """Documents × labels hit counts (``framelens.scoring.count_matrix``; a batch output's
    :class:`~framelens.batch.scores.BatchScores` has them already)."""
    from ..scoring import count_matrix

    try:
        return count_matrix(corpus, lexicon, engine=engine)
    except TypeError:  # an older count_matrix without the engine keyword
        return count_matrix(corpus, lexicon)


def document_tokens(corpus: Any) -> np.ndarray:
    """Word tokens per document, as :func:`framelens.score` counts them (its rates use the same)."""
    if hasattr(corpus, "counts_for"):  # batch scores: counted when the documents were scored
        return np.asarray(corpus.tokens, dtype=np.int64)
    try:
        from ..scoring import _tokens  # cached on the corpus, shared with score()

        return np.asarray(_tokens(corpus), dtype=np.int64)
    except ImportError:
        from ..text import count_tokens

        return np.fromiter((count_tokens(t) for t in corpus.texts), dtype=np.int64, count=len(corpus))


# ---------------------------------------------------------------------------------------------
# words
#: Python's ``\w`` for one character; the tokens are those of ``re.findall(r"\w+", text.lower())``
_WORD_CHAR = re.compile(r"\w")
#: ASCII bytes that are word characters (bytes ≥ 0x80 are decided per code point)
_ASCII_WORD = np.array([_WORD_CHAR.match(chr(b)) is not None for b in range(128)] + [False] * 128)
#: ASCII upper case → lower case, every other byte unchanged
_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[ord("A"): ord("Z") + 1] += 32
#: non-ASCII code point → (word character?, lower-cases alone?), filled as code points are met
_CODE_POINTS: dict[int, tuple[bool, bool]] = {}


def _classify(code_points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For distinct non-ASCII code points: is it a word character, and can a word containing it be
    lower-cased on its own?

    The second holds when the character's lower case is the same kind of character (word or not)
    throughout and does not depend on its neighbours: then the words of ``text.lower()`` are the
    lower-cased words of ``text``. It fails for "İ" (lower case "i" + U+0307, a non-word mark) and
    for "Σ" (final or medial sigma depending on the next letter); texts holding such characters are
    tokenised by ``re`` itself.
    """
    word = np.empty(len(code_points), dtype=bool)
    simple = np.empty(len(code_points), dtype=bool)
    for i, cp in enumerate(code_points.tolist()):
        if cp not in _CODE_POINTS:
            ch = chr(cp)
            w = _WORD_CHAR.match(ch) is not None
            _CODE_POINTS[cp] = (w, ch != "\u03a3" and all((_WORD_CHAR.match(c) is not None) == w for c in ch.lower()))
        word[i], simple[i] = _CODE_POINTS[cp]
    return word, simple


def _text_chunks(texts: Any) -> list[Any]:
    """The texts as a list of Arrow string arrays, without copying Arrow-backed text."""
    import pyarrow as pa

    if isinstance(texts, pd.Series):
        texts = texts.array
    try:
        arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts)
        if pa.types.is_string_view(arr.type):
            arr = arr.cast(pa.large_string())
    except (pa.ArrowException, TypeError, ValueError):
        arr = None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        # anything else (None, numbers…) as the rest of framelens reads texts: what is not a str is ""
        values = texts.to_pylist() if isinstance(texts, (pa.Array, pa.ChunkedArray)) else texts
        arr = pa.array(["" if not isinstance(t, str) else t for t in values], type=pa.large_string())
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return [c.fill_null("") if c.null_count else c for c in chunks]


def composed(texts: Any) -> Any:
    """``texts`` (as :func:`tokenize` takes them) in NFC: the same object when every text is NFC
    already (the usual case), else an Arrow array with the others normalised.

    A text in decomposed Unicode (NFD: macOS, some PDF extractions) would split "naïve" into "nai"
    and "ve" (a combining mark is no ``\\w``) and never count as its composed spelling, which the
    lexicon and the other documents use. ASCII texts are passed over by Arrow; the others are checked
    by ``unicodedata.is_normalized`` (~800 MB/s), which returns at once for most.

    Examples
    --------
    >>> composed(["naive", "nai\u0308ve"]).to_pylist() == ["naive", "na\u00efve"]
    True
    """
    import unicodedata

    import pyarrow as pa
    import pyarrow.compute as pc

    chunks, changed = _text_chunks(texts), False
    for i, chunk in enumerate(chunks):
        wide = np.flatnonzero(~pc.string_is_ascii(chunk).to_numpy(zero_copy_only=False))
        decomposed = [int(k) for k, text in zip(wide, chunk.take(pa.array(wide)).to_pylist())
                      if not unicodedata.is_normalized("NFC", text)]
        if decomposed:
            values = chunk.to_pylist()
            for k in decomposed:
                values[k] = unicodedata.normalize("NFC", values[k])
            chunks[i], changed = pa.array(values, type=chunk.type), True
    return pa.chunked_array(chunks, type=chunks[0].type) if changed else texts


def _chunk_words(chunk: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The words of one Arrow string array, read from its UTF-8 bytes with NumPy.

    Returns the words' bytes one after another (ASCII lower-cased), each word's length in bytes, the
    number of words of each text, and the texts left to ``re`` (see :func:`_classify`), which get no
    words here.
    """
    import pyarrow as pa

    n = len(chunk)
    buffers = chunk.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
    offsets = offsets[chunk.offset: chunk.offset + n + 1].astype(np.int64)
    base, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    offsets -= base
    if size == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros(n, np.int64), np.zeros(0, np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8, count=size, offset=base)
    word = np.take(_ASCII_WORD, data)
    by_re = np.zeros(0, np.int64)
    high = np.flatnonzero(data >= 0x80)
    if len(high):  # multi-byte characters: decode their code points (valid UTF-8: Arrow strings are)
        is_lead = data[high] >= 0xC0
        lead = high[is_lead]
        b0 = data[lead].astype(np.int32)

        def cont(k: int) -> np.ndarray:
            return data[np.minimum(lead + k, size - 1)].astype(np.int32) & 0x3F

        c1 = cont(1)
        cp = ((b0 & 0x1F) << 6) | c1
        longer = b0 >= 0xE0
        if longer.any():
            c2 = cont(2)
            cp = np.where(longer, ((b0 & 0x0F) << 12) | (c1 << 6) | c2, cp)
            four = b0 >= 0xF0
            if four.any():
                cp = np.where(four, ((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | cont(3), cp)
        inv, distinct = pd.factorize(cp)
        is_word, simple = _classify(distinct)
        word[high] = is_word[inv][np.cumsum(is_lead) - 1]  # continuation bytes follow their lead byte
        if not simple.all():
            by_re = np.unique(np.searchsorted(offsets, lead[~simple[inv]], side="right") - 1)
            for d in by_re.tolist():
                word[offsets[d]: offsets[d + 1]] = False
    # words start and end where word and non-word bytes meet (outside the data: non-word), so
    # the meeting points alternate start, end, start, end…
    w = word.view(np.int8)
    edge = np.empty(size + 1, dtype=bool)
    edge[0], edge[size] = word[0], word[-1]
    np.not_equal(w[1:], w[:-1], out=edge[1:size])
    bounds = np.flatnonzero(edge)
    starts, ends = bounds[0::2], bounds[1::2]
    del edge, w
    inner = np.unique(offsets[1:-1])  # an empty text repeats its neighbour's offset
    inner = inner[(inner > 0) & (inner < size)]
    glued = inner[word[inner - 1] & word[inner]]  # a text ending inside a word and the next starting in one
    if len(glued):
        starts = np.insert(starts, np.searchsorted(starts, glued), glued)
        ends = np.insert(ends, np.searchsorted(ends, glued), glued)
    per_text = np.diff(np.searchsorted(starts, offsets))
    letters = data[word]
    np.take(_ASCII_LOWER, letters, out=letters, mode="clip")
    ends -= starts
    return letters, ends, per_text, by_re


def _pieces(chunks: list[Any], target: int = 1 << 21) -> list[Any]:
    """The chunks cut into slices of about ``target`` bytes of text (zero-copy), for cache-sized passes."""
    import pyarrow as pa

    out = []
    for chunk in chunks:
        n = len(chunk)
        if n < 2 or chunk.nbytes <= 2 * target:
            out.append(chunk)
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = offsets[chunk.offset: chunk.offset + n + 1]
        k = int((offsets[-1] - offsets[0]) // target) + 1
        cuts = np.unique(np.searchsorted(offsets, np.linspace(offsets[0], offsets[-1], k + 1)[1:-1]).clip(1, n - 1))
        bounds = [0, *cuts.tolist(), n]
        out.extend(chunk.slice(lo, hi - lo) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo)
    return out


def _encode_pieces(pieces: list[Any]) -> tuple[np.ndarray, Any, np.ndarray, np.ndarray]:
    """Words of some pieces, hash-encoded by Arrow: ``(codes, distinct forms, words per text, texts for re)``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    letters, lengths, counts, by_re = [], [], [], []
    n_texts = 0
    for piece in pieces:
        b, lens, per_text, hard = _chunk_words(piece)
        letters.append(b), lengths.append(lens), counts.append(per_text), by_re.append(hard + n_texts)
        n_texts += len(piece)
    n_words = sum(len(x) for x in lengths)
    size = sum(len(x) for x in letters)
    large = size >= 2**31 - 1
    offsets = np.empty(n_words + 1, dtype=np.int64 if large else np.int32)
    offsets[0], at = 0, 1
    for lens in lengths:  # one offsets array, filled piece by piece
        np.cumsum(lens, out=offsets[at: at + len(lens)], dtype=offsets.dtype)
        offsets[at: at + len(lens)] += offsets[at - 1]
        at += len(lens)
    del lengths
    data = np.concatenate(letters) if letters else np.zeros(0, np.uint8)
    del letters
    words = (pa.LargeStringArray if large else pa.StringArray).from_buffers(
        n_words, pa.py_buffer(offsets), pa.py_buffer(data))
    encoded = pc.dictionary_encode(words)
    del words, data
    # the codes go where the offsets were: no new 4-byte-per-word array
    codes = offsets[:n_words].view(np.int32) if not large else np.empty(n_words, dtype=np.int32)
    codes[:] = encoded.indices.to_numpy(zero_copy_only=False)
    return (codes, encoded.dictionary, np.concatenate(counts) if counts else np.zeros(0, np.int64),
            np.concatenate(by_re) if by_re else np.zeros(0, np.int64))


def _words(texts: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """Every word of every text, coded: ``(vocabulary, codes, order, counts)``.

    ``vocabulary`` is a pyarrow string array of the distinct lower-cased words in alphabetical
    (code point) order and ``codes`` (int32) the word at each position. Positions run text by text:
    ``counts[k]`` words of text ``order[k]``, then the next (a text may appear twice, once with no
    words: see :func:`_classify`).

    The texts are split in two halves by size, each tokenised and hash-encoded in a thread (NumPy
    and Arrow release the GIL in these passes), and the two dictionaries are merged.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = _text_chunks(texts)
    pieces = _pieces(chunks)
    sizes = np.cumsum([p.nbytes for p in pieces])
    halves = [pieces]
    if len(pieces) > 1 and (os.cpu_count() or 1) > 1 and sizes[-1] > 1 << 22:
        cut = int(np.searchsorted(sizes, sizes[-1] / 2)) + 1
        halves = [pieces[:cut], pieces[cut:]] if cut < len(pieces) else [pieces]
    if len(halves) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(halves)) as pool:
            parts = list(pool.map(_encode_pieces, halves))
        release_memory()  # what the threads freed stays in their own malloc arenas otherwise
    else:
        parts = [_encode_pieces(h) for h in halves]
    n_texts = sum(len(p) for p in pieces)
    order = np.arange(n_texts, dtype=np.int64)
    counts = np.concatenate([p[2] for p in parts])
    by_re, base = [], 0
    for half, p in zip(halves, parts):
        by_re.append(p[3] + base)
        base += sum(len(x) for x in half)
    by_re = np.concatenate(by_re)
    extra: list[str] = []
    if len(by_re):  # the few texts whose lower case changes how they split: re itself
        all_texts = pa.chunked_array(chunks, type=chunks[0].type)
        per = [re.findall(r"\w+", all_texts[int(d)].as_py().lower()) for d in by_re]
        extra = [w for ws in per for w in ws]
        order = np.concatenate([order, by_re])
        counts = np.concatenate([counts, [len(ws) for ws in per]])
    forms = pa.concat_arrays([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    non_ascii = np.flatnonzero(~pc.string_is_ascii(forms).to_numpy(zero_copy_only=False)) if len(forms) else []
    if len(non_ascii):
        # lower-case the non-ASCII letters of those forms (a few thousand) in Python, which is
        # exact where lower-casing a word alone is (every character met here but those in by_re)
        lowered = [w.lower() for w in forms.take(pa.array(non_ascii)).to_pylist()]
        mask = np.zeros(len(forms), dtype=bool)
        mask[non_ascii] = True
        forms = pc.replace_with_mask(forms, pa.array(mask), pa.array(lowered, type=forms.type))
    if extra:
        forms = pa.concat_arrays([forms, pa.array(extra, type=forms.type)])
    lowered = pc.dictionary_encode(forms)
    by_text = pc.sort_indices(lowered.dictionary).to_numpy()  # alphabetical: n-gram codes sort as strings
    rank = np.empty(len(by_text), dtype=np.int32)
    rank[by_text] = np.arange(len(by_text), dtype=np.int32)
    vocab = lowered.dictionary.take(pa.array(by_text))
    form_code = rank[lowered.indices.to_numpy(zero_copy_only=False)]
    n_words = sum(len(p[0]) for p in parts)
    if len(parts) == 1 and not extra:
        codes = parts[0][0]
        np.take(form_code, codes, out=codes, mode="clip")  # in place
    else:
        codes = np.empty(n_words + len(extra), dtype=np.int32)
        at, first_form = 0, 0
        for p in parts:
            np.take(form_code[first_form: first_form + len(p[1])], p[0], out=codes[at: at + len(p[0])], mode="clip")
            at, first_form = at + len(p[0]), first_form + len(p[1])
        codes[at:] = form_code[first_form:]
    return vocab, codes, order, counts


def tokenize(texts: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """Lower-cased ``\\w+`` tokens of all texts at once: exactly ``re.findall(r"\\w+", text.lower())``.

    ``texts`` is a sequence of str, a pandas string Series or a pyarrow string array (read without
    copying). Returns ``(vocabulary, codes, doc)``: a pyarrow string array of the distinct tokens in
    alphabetical order, and per token position its vocabulary code and its text's index.

    The UTF-8 bytes of the texts are classified with NumPy (ASCII by table, other characters by
    ``re`` once per distinct code point); the words are then hash-encoded by Arrow. Texts with one of
    the rare characters whose lower case splits differently ("İ", "Σ") are tokenised by ``re``.

    Examples
    --------
    >>> vocab, codes, doc = tokenize(["Rebels said: rebels", "İstanbul"])
    >>> [vocab[int(c)].as_py() for c in codes], doc.tolist()
    (['rebels', 'said', 'rebels', 'i', 'stanbul'], [0, 0, 0, 1, 1])
    """
    vocab, codes, order, counts = _words(texts)
    doc = np.repeat(order, counts)
    if len(order) > 0 and np.any(order[1:] < order[:-1]):  # texts left to re came last: text order
        pos = np.argsort(doc, kind="stable")
        codes, doc = codes[pos], doc[pos]
    return vocab, codes, doc


@dataclass
class NgramTable:
    """Group × term counts of n-grams.

    ``table`` is G × T over the kept terms (``n`` = their lengths): float64 CSR, or with
    ``ngram_table(..., dense=True)`` an integer ndarray; ``totals[g]`` is the number of n-gram
    occurrences of group ``g`` over the *whole* vocabulary (the ``n`` of the multinomial keyness
    models), ``tokens[g]`` its word tokens; ``doc_freq`` (G × T, optional) the number of the group's
    documents containing each term. The terms are kept as token codes and named on first use:
    ``term_array`` (pyarrow), ``terms`` (NumPy, Python strings), or :meth:`alphabetical_terms`.
    """

    n: np.ndarray
    table: Any
    totals: np.ndarray
    tokens: np.ndarray
    doc_freq: Any
    vocab: Any  # pyarrow string array: the distinct tokens, alphabetical
    token_codes: list  # per word position, each term's token there (int32; −1 past its end)

    def __len__(self) -> int:
        return len(self.n)

    @property
    def term_array(self) -> Any:
        """The terms as a pyarrow string array, in table order (made on first use)."""
        if not hasattr(self, "_term_array"):
            import pyarrow as pa

            blocks, start = [], 0
            for length in pd.unique(self.n):  # blocks of one length each: no missing tokens
                stop = start + int(np.count_nonzero(self.n == length))
                blocks.append(_join_tokens(self.vocab, [c[start:stop] for c in self.token_codes[: int(length)]]))
                start = stop
            self._term_array = pa.concat_arrays(blocks) if blocks else pa.array([], type=pa.string())
        return self._term_array

    @property
    def terms(self) -> np.ndarray:
        """The terms as a NumPy array of Python strings (made on first use)."""
        if not hasattr(self, "_terms"):
            self._terms = np.asarray(self.term_array.to_numpy(zero_copy_only=False), dtype=object)
        return self._terms

    def alphabetical_terms(self) -> tuple[np.ndarray, Any]:
        """``(order, names)``: the permutation that sorts the terms as strings, and the sorted names."""
        order = self.alphabetical_order()
        return order, _join_tokens(self.vocab, [c[order] for c in self.token_codes])

    def alphabetical_order(self) -> np.ndarray:
        """The permutation that sorts the terms as strings, without naming them.

        Tokens are coded alphabetically and a space sorts before every word character, so string
        order is the order of the code tuples, a shorter term (−1 past its end) first.
        """
        V = len(self.vocab) + 1
        hi = len(self.token_codes)
        if V**hi < 2**62:  # one int64 key; the lengths' blocks are sorted runs for the merge sort
            key = np.zeros(len(self), dtype=np.int64)
            for c in self.token_codes:
                key *= V
                key += c
                key += 1
            order = np.argsort(key, kind="stable")
        else:
            order = np.lexsort(self.token_codes[::-1])
        return order


def _join_tokens(vocab: Any, columns: list[np.ndarray]) -> Any:
    """Terms from their token codes (one array per word position, −1: no word), joined by spaces."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [vocab.take(pa.array(c, mask=c < 0) if i else pa.array(c)) for i, c in enumerate(columns)]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, pa.scalar(" ", type=vocab.type), null_handling="skip")


def ngram_table(
    texts: Any,
    codes: np.ndarray,
    n_groups: int,
    ngram_range: tuple[int, int] = (1, 1),
    min_count: int = 1,
    *,
    doc_freq: bool = False,
    dense: bool = False,
) -> NgramTable:
    """Count every n-gram (``ngram_range``) of lower-cased ``\\w+`` tokens (of the NFC form of the
    texts: see :func:`composed`), per group.

    ``texts`` as :func:`tokenize` takes them; ``codes[d]`` is text ``d``'s group. No n-gram spans two
    texts or a :data:`MASK_TOKEN`. Terms whose corpus count is below ``min_count`` are left out of
    ``table`` but still count in ``totals``. Terms come shortest first, alphabetically within a
    length. With ``dense=True`` and few enough group × term cells, ``table`` is an int32/int64 ndarray.

    Everything is vectorised: an n-gram is coded as ``id(its first n-1 tokens) * V + code(last
    token)`` and hash-encoded again, so the vocabulary never exists as Python strings until the kept
    terms are named. (scikit-learn's CountVectorizer, whose analyzer runs in Python, took 12 s for
    unigrams + bigrams of the 24 MB benchmark corpus; this takes ~0.5 s of CPU.)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lo, hi = ngram_range
    vocab, tok, order, counts = _words(composed(texts))
    V = max(len(vocab), 1)
    codes = np.asarray(codes, dtype=np.int64)
    small = np.int8 if n_groups <= 127 else np.int32
    group_of_pos = np.repeat(codes[order].astype(small), counts)
    first = np.cumsum(counts)[:-1]  # where each text after the first starts
    link = np.ones(max(len(tok) - 1, 0), dtype=bool)  # may token i+1 follow token i in an n-gram?
    link[first[(first > 0) & (first < len(tok))] - 1] = False
    doc = np.repeat(order, counts) if doc_freq else None
    del first
    mask_code = pc.index(vocab, pa.scalar(MASK_TOKEN, type=vocab.type)).as_py() if len(vocab) else -1
    masked = mask_code >= 0
    is_mask = None
    if masked:  # a mask breaks n-grams and is not itself a token
        is_mask = tok == mask_code
        link &= ~is_mask[1:] & ~is_mask[:-1]
    # word tokens per group, from the words per text (not a pass over the positions)
    tokens = np.bincount(codes[order], weights=counts, minlength=n_groups)
    if masked:
        tokens -= np.bincount(group_of_pos[is_mask], minlength=n_groups)

    blocks, names, dfreq_parts = [], [], []
    totals = np.zeros(n_groups)
    offset = 0
    decode: list[np.ndarray | None] = []  # per n: the key of each n-gram id (to name them)
    scratch = np.empty(len(tok), dtype=np.int64)  # n-gram keys, then (group, n-gram) cells, at every n
    ids = tok
    dense_ok = True
    for n in range(1, hi + 1):
        m = len(tok) - n + 1
        if m <= 0:
            break
        if n == 1:
            invalid = is_mask  # None: every position holds a unigram
            t = np.where(is_mask, -1, tok) if masked else tok
            keys_of_id, n_ids = None, len(vocab)
        else:
            # the n-gram at i: the (n-1)-gram at i, then token i+n-1, all in one text, no mask
            invalid = ~link[n - 2: n - 2 + m]
            if n > 2 or masked:
                invalid |= ids[:m] < 0
            key = scratch[:m]
            np.multiply(ids[:m], V, out=key, dtype=np.int64)  # int64 arithmetic, not int32
            key += tok[n - 1: n - 1 + m]
            key[invalid] = -1  # one more distinct key, sorting first
            t, keys_of_id = pd.factorize(key)  # hashing: much faster than np.unique
            # number the n-grams in key order = alphabetical order (tokens are coded alphabetically,
            # and the space joining them sorts before every word character)
            by_key = _argsort_keys(keys_of_id)
            none = int(invalid.any())  # the -1 key, first: rank −1
            rank = np.empty(len(by_key), dtype=np.int64)
            rank[by_key] = np.arange(-none, len(by_key) - none)
            keys_of_id = np.asarray(keys_of_id)[by_key[none:]]
            np.take(rank, t, out=t, mode="clip")  # in place
            del rank, by_key
            n_ids = len(keys_of_id)
        decode.append(None if keys_of_id is None else np.asarray(keys_of_id, dtype=np.int64))
        if n >= lo:
            if n_groups * n_ids <= _DENSE_CELLS and not doc_freq:
                # one dense bincount of (group, n-gram) cells; positions without one go to a last cell
                cells = scratch[:m]
                np.multiply(group_of_pos[:m], n_ids, out=cells, dtype=np.int64)
                cells += t
                if invalid is not None:
                    cells[invalid] = n_groups * n_ids
                counts_gt = np.bincount(cells, minlength=n_groups * n_ids + 1)[:-1].reshape(n_groups, n_ids)
                if len(tok) < 2**31:  # no count can reach 2³¹: half the memory
                    counts_gt = counts_gt.astype(np.int32)
                totals += counts_gt.sum(axis=1)
                kept = np.flatnonzero(counts_gt.sum(axis=0) >= max(min_count, 1))
                blocks.append(counts_gt if len(kept) == n_ids else counts_gt[:, kept])
            else:
                dense_ok = False
                sel = None if invalid is None else ~invalid
                tv = t if sel is None else t[sel]
                g = group_of_pos[:m] if sel is None else group_of_pos[:m][sel]
                totals += np.bincount(g, minlength=n_groups)
                kept = np.flatnonzero(np.bincount(tv, minlength=n_ids) >= max(min_count, 1))
                remap = np.full(n_ids, -1, dtype=np.int64)
                remap[kept] = np.arange(len(kept))
                col = remap[tv]
                keep_pos = col >= 0
                width = max(len(kept), 1)
                cells, cell_counts = np.unique(g[keep_pos].astype(np.int64) * width + col[keep_pos], return_counts=True)
                blocks.append((cells // width, cells % width, cell_counts, len(kept)))
                if doc_freq:
                    # each (document, term) once, now: kept as two int32 arrays, not an int64 pair per
                    # position of every length until the end (most of the peak memory with doc_freq)
                    d = doc[:m] if sel is None else doc[:m][sel]
                    pair = pd.unique(d[keep_pos] * width + col[keep_pos])
                    dfreq_parts.append(((pair // width).astype(np.int32), (pair % width + offset).astype(np.int32)))
                    del d, pair
                del tv, g, col, keep_pos, remap
            names.append((kept, n))  # named below, once the position arrays are freed
            offset += len(kept)
        ids = t  # the next length builds on these ids (−1: no n-gram here)
        del t, invalid
    del ids, tok, group_of_pos, link, scratch
    n_of_term = np.concatenate([np.full(len(kept), n, dtype=np.int8 if hi < 128 else np.int32)
                                for kept, n in names]) if names else np.zeros(0, dtype=np.int8)
    token_codes = _token_codes(names, decode, V, hi)
    del names, decode
    if dense and dense_ok:
        table = np.concatenate(blocks, axis=1) if blocks else np.zeros((n_groups, 0), dtype=np.int32)
    else:
        table = _csr_blocks(blocks, n_groups)
    del blocks
    dfreq = None
    if doc_freq:
        import scipy.sparse as sp

        # the pairs are unique within a length, and lengths have disjoint term columns
        d_u = np.concatenate([p[0] for p in dfreq_parts]) if dfreq_parts else np.zeros(0, np.int32)
        t_u = np.concatenate([p[1] for p in dfreq_parts]) if dfreq_parts else np.zeros(0, np.int32)
        del dfreq_parts
        dfreq = sp.csr_matrix((np.ones(len(d_u)), (codes[d_u], t_u)), shape=(n_groups, offset))
        dfreq.sum_duplicates()
    release_memory(heap=False)
    return NgramTable(n_of_term, table, totals, tokens, dfreq, vocab, token_codes)


def _argsort_keys(keys: np.ndarray) -> np.ndarray:
    """``np.argsort`` of int64 keys ≥ −1, as LSD radix passes over 16-bit digits.

    NumPy's stable sort of uint16 is a radix sort: for a million n-gram keys two or three passes
    take a third of the time of a comparison sort.
    """
    if len(keys) < 1 << 16:
        return np.argsort(keys, kind="stable")
    shifted = keys + 1  # the −1 of "no n-gram" becomes 0
    digits = (int(shifted.max()).bit_length() + 15) // 16
    perm = None
    for d in range(max(digits, 1)):
        digit = ((shifted >> (16 * d)) & 0xFFFF).astype(np.uint16)
        perm = np.argsort(digit, kind="stable") if perm is None else perm[np.argsort(digit[perm], kind="stable")]
    return perm


def _csr_blocks(blocks: list, n_groups: int) -> Any:
    """One float64 CSR matrix from dense blocks and (rows, cols, values, width) sparse blocks."""
    import scipy.sparse as sp

    parts = []
    for b in blocks:
        if isinstance(b, np.ndarray):
            parts.append(sp.csr_matrix(b.astype(np.float64)))
        else:
            rows, cols, values, width = b
            parts.append(sp.csr_matrix((values.astype(np.float64), (rows, cols)), shape=(n_groups, width)))
    table = sp.hstack(parts, format="csr") if parts else sp.csr_matrix((n_groups, 0))
    table.sum_duplicates()
    return table


def release_memory(heap: bool = True) -> None:
    """Hand freed memory back to the system.

    Arrow's allocator (mimalloc) keeps the pages it freed: they are returned always (NumPy cannot
    reuse them). With ``heap``, glibc's malloc is trimmed too: its heap and the threads' arenas keep
    freed blocks below the (self-raising, up to 32 MiB) mmap threshold. Trimming the main heap
    just before a large result is allocated would only make the result fault in fresh pages, so
    callers trim it once the result is built. Without glibc (macOS, musl) only Arrow is trimmed.
    """
    import pyarrow as pa

    try:
        pa.default_memory_pool().release_unused()
    except AttributeError:  # pragma: no cover - pyarrow < 9
        pass
    if not heap:
        return
    global _MALLOC_TRIM
    if _MALLOC_TRIM is None:
        _MALLOC_TRIM = False
        try:
            import ctypes
            import ctypes.util

            if os.name == "posix":
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _MALLOC_TRIM = getattr(libc, "malloc_trim", False)
        except OSError:  # pragma: no cover - no C library to load
            pass
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


_MALLOC_TRIM: Any = None


def _token_codes(blocks: list, decode: list, V: int, hi: int) -> list[np.ndarray]:
    """Per word position, the token code of every kept n-gram (−1 past its end), from the n-gram ids.

    An n-gram id's key is ``id(first n−1 tokens) · V + last token``: the chain of keys is walked
    back to the first token.
    """
    total = sum(len(kept) for kept, _ in blocks)
    columns = [np.full(total, -1, dtype=np.int32) for _ in range(hi)] if hi > 1 else [np.empty(total, dtype=np.int32)]
    start = 0
    for kept, n in blocks:
        stop = start + len(kept)
        ids = kept.astype(np.int64)
        for level in range(n, 1, -1):
            key = decode[level - 1][ids]
            columns[level - 1][start:stop] = key % V
            ids = key // V
        columns[0][start:stop] = ids
        start = stop
    return columns[: max((n for _, n in blocks), default=1)]


# ---------------------------------------------------------------------------------------------
# results
# ResultTable, its provenance record and constructor live in framelens.results (every stage returns
# them); re-exported here for the comparison modules that import them from this one.
from ..results import ResultTable, provenance_record, result_table  # noqa: E402, F401
