"""What the comparisons share: groups of documents, count tables, fast n-gram counts, result tables.

* :func:`resolve_groups` turns ``by`` into one integer code per document (validated before any
  matching), with the *strata* inside which groups are compared (periods, when ``by`` mixes a
  column with a date bin).
* :func:`group_sums` adds document rows into group rows with one sparse product.
* :func:`ngram_table` counts every 1…n-gram of lower-cased ``\\w+`` tokens per group, in a few
  vectorised passes (Arrow's regex split, hash encoding, integer codes for n-grams).
* :class:`ResultTable` is a DataFrame whose notebook display starts with what was computed.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ParameterError

#: date bins that ``Corpus.groups`` derives from the ``date`` column
DATE_BINS = ("day", "week", "month", "quarter", "year")
#: below these a group's numbers are flagged in ``note`` (kept, never dropped)
MIN_DOCS = 5
MIN_HITS = 10
#: Unicode word characters as Python's ``\w`` (letters, numbers, underscore), in RE2 syntax
_NON_WORD = r"[^\p{L}\p{N}_]+"
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
    joined = frame.iloc[:, 0] if len(keys) == 1 else frame.agg(" | ".join, axis=1)
    codes, names = pd.factorize(joined, sort=True)
    codes = np.asarray(codes, dtype=np.int64)
    per_group = frame.groupby(codes, sort=True).first().reset_index(drop=True)
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
    """Accept a Corpus or a DataFrame that :func:`framelens.read_corpus` reads."""
    if isinstance(corpus, pd.DataFrame):
        from ..corpus import read_corpus

        return read_corpus(corpus)
    if not hasattr(corpus, "docs") or not hasattr(corpus, "texts"):
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
    """Documents × labels hit counts (``framelens.scoring.count_matrix``)."""
    from ..scoring import count_matrix

    try:
        return count_matrix(corpus, lexicon, engine=engine)
    except TypeError:  # an older count_matrix without the engine keyword
        return count_matrix(corpus, lexicon)


def document_tokens(corpus: Any) -> np.ndarray:
    """Word tokens per document, as :func:`framelens.score` counts them (its rates use the same)."""
    try:
        from ..scoring import _tokens  # cached on the corpus, shared with score()

        return np.asarray(_tokens(corpus), dtype=np.int64)
    except ImportError:
        from ..text import count_tokens

        return np.fromiter((count_tokens(t) for t in corpus.texts), dtype=np.int64, count=len(corpus))


# ---------------------------------------------------------------------------------------------
# n-grams
def _split_chunk(texts: list[str]) -> tuple[Any, np.ndarray]:
    """Tokens of some texts, dictionary-encoded, and the text of each token (runs in a thread)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = pc.split_pattern_regex(pa.array(texts, type=pa.large_string()), _NON_WORD)
    flat = pc.list_flatten(lists)
    parent = pc.list_parent_indices(lists)
    keep = pc.not_equal(pc.binary_length(flat), 0)  # split leaves "" at leading/trailing separators
    return pc.dictionary_encode(pc.filter(flat, keep)), pc.filter(parent, keep).to_numpy()


def tokenize(texts: Sequence[str]) -> tuple[Any, np.ndarray, np.ndarray]:
    """Lower-cased ``\\w+`` tokens of all texts at once.

    Returns ``(vocabulary, codes, doc)``: a pyarrow string array of the distinct tokens in
    alphabetical order, and per token position its vocabulary code and its text's index.

    The tokens are those of ``re.findall(r"\\w+", text.lower())`` (lower-casing each distinct
    token rather than the text differs only for the rare letters whose lower case is not a word
    character, such as Turkish "İ"). Arrow's RE2 split and hash encoding run in C++ without the
    GIL, so chunks of texts go to threads.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = ["" if not isinstance(t, str) else t for t in texts]
    n = len(texts)
    n_chunks = max(1, min(16, n // 256))
    bounds = np.linspace(0, n, n_chunks + 1).astype(int)
    chunks = [texts[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    workers = min(len(chunks), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(_split_chunk, chunks))
    else:
        parts = [_split_chunk(c) for c in chunks]
    doc = np.concatenate([p[1].astype(np.int64) + a for p, a in zip(parts, bounds[:-1])])
    # one dictionary for all chunks, then lower-case the (small) dictionary instead of the texts
    unified = pa.chunked_array([p[0] for p in parts], type=pa.dictionary(pa.int32(), pa.large_string())).unify_dictionaries()
    raw_codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in unified.chunks]).astype(np.int64) \
        if unified.num_chunks else np.zeros(0, np.int64)
    raw_vocab = unified.chunk(0).dictionary if unified.num_chunks else pa.array([], type=pa.large_string())
    lowered = pc.dictionary_encode(pc.utf8_lower(raw_vocab))
    # recode in alphabetical order, so that n-gram codes sort as their strings do
    order = pc.sort_indices(lowered.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    vocab = lowered.dictionary.take(pa.array(order))
    to_vocab = rank[lowered.indices.to_numpy(zero_copy_only=False).astype(np.int64)] if len(order) else np.zeros(0, np.int64)
    return vocab, to_vocab[raw_codes], doc


@dataclass
class NgramTable:
    """Group × term counts of n-grams.

    ``table`` is G × T (float64 CSR) over the kept ``terms`` (``n`` = their lengths); ``totals[g]``
    is the number of n-gram occurrences of group ``g`` over the *whole* vocabulary (the ``n`` of the
    multinomial keyness models), ``tokens[g]`` its word tokens; ``doc_freq`` (G × T, optional) the
    number of the group's documents containing each term.
    """

    term_array: Any  # pyarrow string array
    n: np.ndarray
    table: sp.csr_matrix
    totals: np.ndarray
    tokens: np.ndarray
    doc_freq: sp.csr_matrix | None = None

    @property
    def terms(self) -> np.ndarray:
        """The terms as a NumPy array of Python strings (made on first use)."""
        if not hasattr(self, "_terms"):
            self._terms = np.asarray(self.term_array.to_numpy(zero_copy_only=False), dtype=object)
        return self._terms


def ngram_table(
    texts: Sequence[str],
    codes: np.ndarray,
    n_groups: int,
    ngram_range: tuple[int, int] = (1, 1),
    min_count: int = 1,
    *,
    doc_freq: bool = False,
) -> NgramTable:
    """Count every n-gram (``ngram_range``) of lower-cased ``\\w+`` tokens, per group.

    No n-gram spans two texts or a :data:`MASK_TOKEN`. Terms whose corpus count is below
    ``min_count`` are left out of ``table`` but still count in ``totals``. Terms come shortest
    first, alphabetically within a length.

    Everything is vectorised: an n-gram is coded as ``id(its first n-1 tokens) * V + code(last
    token)`` and hash-encoded again, so the vocabulary never exists as Python strings until the kept
    terms are named. (scikit-learn's CountVectorizer, whose analyzer runs in Python, took 12 s for
    unigrams + bigrams of the 24 MB benchmark corpus; this takes 1–1.5 s of CPU.)
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    lo, hi = ngram_range
    vocab, tok, doc = tokenize(texts)
    V = max(len(vocab), 1)
    codes = np.asarray(codes, dtype=np.int64)
    mask_code = pc.index(vocab, pa.scalar(MASK_TOKEN, type=vocab.type)).as_py() if len(vocab) else -1
    masked = mask_code >= 0
    # a mask breaks n-grams and is not itself a token; n-grams stay inside one text
    link = doc[1:] == doc[:-1]  # may token i+1 follow token i in an n-gram?
    if masked:
        is_mask = tok == mask_code
        link &= ~is_mask[1:] & ~is_mask[:-1]
    group_of_pos = codes[doc]
    tokens = np.bincount(group_of_pos[~is_mask] if masked else group_of_pos, minlength=n_groups).astype(np.float64)

    rows_g, cols_t, rows_d, names, lengths, blocks = [], [], [], [], [], []
    totals = np.zeros(n_groups)
    offset = 0
    decode: list[np.ndarray | None] = []  # per n: the key of each n-gram id (to name them)
    ids = np.zeros(0, dtype=np.int64)
    for n in range(1, hi + 1):
        if n == 1:
            ids = np.where(is_mask, -1, tok) if masked else tok
            keys_of_id, n_ids = None, len(vocab)
        else:
            m = len(tok) - n + 1
            if m <= 0:
                break
            left = ids[:m]  # id of the (n-1)-gram starting at each position
            valid = (left >= 0) & link[n - 2 : n - 2 + m]
            key = left[valid] * V + tok[n - 1 : n - 1 + m][valid]
            ids_valid, keys_of_id = pd.factorize(key)  # hashing: much faster than np.unique
            # number the n-grams in key order = alphabetical order (tokens are coded alphabetically,
            # and the space joining them sorts before every word character)
            by_key = np.argsort(keys_of_id)
            rank = np.empty(len(by_key), dtype=np.int64)
            rank[by_key] = np.arange(len(by_key))
            keys_of_id = np.asarray(keys_of_id)[by_key]
            ids = np.full(m, -1, dtype=np.int64)
            ids[valid] = rank[ids_valid]
            n_ids = len(keys_of_id)
        decode.append(None if keys_of_id is None else np.asarray(keys_of_id, dtype=np.int64))
        if n < lo:
            continue
        everywhere = n == 1 and not masked  # every position holds a unigram
        ok = None if everywhere else ids >= 0
        g = group_of_pos[: len(ids)] if everywhere else group_of_pos[: len(ids)][ok]
        t = ids if everywhere else ids[ok]
        totals += np.bincount(g, minlength=n_groups)
        if n_groups * n_ids <= _DENSE_CELLS and not doc_freq:
            # one dense bincount of (group, term) cells, then keep the frequent columns
            dense = np.bincount(g * n_ids + t, minlength=n_groups * n_ids).reshape(n_groups, n_ids)
            kept = np.flatnonzero(dense.sum(axis=0) >= max(min_count, 1))
            blocks.append(sp.csr_matrix((dense if len(kept) == n_ids else dense[:, kept]).astype(np.float64)))
        else:
            counts = np.bincount(t, minlength=n_ids)
            kept = np.flatnonzero(counts >= max(min_count, 1))
            remap = np.full(n_ids, -1, dtype=np.int64)
            remap[kept] = np.arange(len(kept))
            col = remap[t]
            sel = col >= 0
            blocks.append(sp.csr_matrix((np.ones(int(sel.sum())), (g[sel], col[sel])), shape=(n_groups, len(kept))))
            if doc_freq:
                rows_g.append(g[sel])
                cols_t.append(col[sel] + offset)
                rows_d.append((doc[: len(ids)] if everywhere else doc[: len(ids)][ok])[sel])
        names.append(_name_ngrams(kept, n, decode, vocab, V))
        lengths.append(np.full(len(kept), n, dtype=np.int64))
        offset += len(kept)
    table = sp.hstack(blocks, format="csr") if blocks else sp.csr_matrix((n_groups, 0))
    table.sum_duplicates()
    dfreq = None
    if doc_freq:
        g_all = np.concatenate(rows_g) if rows_g else np.zeros(0, np.int64)
        t_all = np.concatenate(cols_t) if cols_t else np.zeros(0, np.int64)
        d_all = np.concatenate(rows_d) if rows_d else np.zeros(0, np.int64)
        pairs = pd.unique(d_all * max(offset, 1) + t_all)  # each (document, term) once
        d_u, t_u = pairs // max(offset, 1), pairs % max(offset, 1)
        dfreq = sp.csr_matrix((np.ones(len(pairs)), (codes[d_u], t_u)), shape=(n_groups, offset))
        dfreq.sum_duplicates()
    terms = pa.concat_arrays(names) if names else pa.array([], type=pa.large_string())
    n_of_term = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return NgramTable(terms, n_of_term, table, totals, tokens, dfreq)


def _name_ngrams(kept: np.ndarray, n: int, decode: list, vocab: Any, V: int) -> Any:
    """Strings of the kept n-gram ids: walk the key chain back to n token codes, join with spaces."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = kept.astype(np.int64)
    token_codes = []
    for level in range(n, 1, -1):
        key = decode[level - 1][ids]
        token_codes.append(key % V)
        ids = key // V
    token_codes.append(ids)
    token_codes.reverse()
    parts = [vocab.take(pa.array(c, type=pa.int64())) for c in token_codes]
    return parts[0] if n == 1 else pc.binary_join_element_wise(*parts, pa.scalar(" ", type=vocab.type))


# ---------------------------------------------------------------------------------------------
# results
def provenance_record(corpus: Any = None, lexicon: Any = None, params: dict | None = None, *, kind: str) -> dict:
    """The provenance dict for ``attrs["framelens"]`` (uses :mod:`framelens.provenance` when present)."""
    try:
        from ..provenance import provenance

        record = provenance(corpus=corpus, lexicon=lexicon, params=params)
    except ImportError:  # a build without the provenance module: the essentials only
        from .._version import __version__

        record = {"framelens_version": __version__, "params": params}
        if corpus is not None:
            record["corpus"] = {"sha256": getattr(corpus, "fingerprint", None), "n_docs": len(corpus)}
        if lexicon is not None:
            record["lexicon"] = lexicon.provenance()
    record["kind"] = kind
    return record


class ResultTable(pd.DataFrame):
    """A DataFrame of comparison results whose notebook display says what was computed.

    It behaves as a plain DataFrame; ``attrs["framelens"]`` holds the provenance (corpus and lexicon
    fingerprints, parameters, seed, versions), and ``_repr_html_`` shows a one-paragraph summary
    of it — and of any groups flagged in ``note`` — above the table, as quanteda prints its keyness
    objects.
    """

    @property
    def _constructor(self):
        return ResultTable

    def _summary_html(self) -> str:
        record = self.attrs.get("framelens") or {}
        kind = record.get("kind", "result")
        params = record.get("params") or {}
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items() if v is not None and k != "label_families")
        parts = [f"<b>framelens {escape(str(kind))}</b>", escape(shown)]
        corpus = record.get("corpus") or {}
        if corpus.get("sha256"):
            parts.append(f"corpus {escape(str(corpus.get('name') or ''))} sha256 {escape(corpus['sha256'][:12])}…")
        lexicon = record.get("lexicon") or {}
        if lexicon.get("name"):
            parts.append(f"lexicon {escape(str(lexicon['name']))} v{escape(str(lexicon.get('version')))}")
        text = "; ".join(p for p in parts if p)
        if "note" in self.columns and "group" in self.columns:
            flagged = self.loc[self["note"].astype(str) != "", ["group", "note"]].drop_duplicates()
            if len(flagged):
                items = "".join(f"<li>{escape(str(g))}: {escape(str(n))}</li>" for g, n in flagged.head(10).itertuples(index=False))
                more = f"<li>… {len(flagged) - 10} more</li>" if len(flagged) > 10 else ""
                text += f"<br>Flagged (kept, interpret with care):<ul>{items}{more}</ul>"
        return f"<p>{text}</p>"

    def _repr_html_(self) -> str | None:
        body = super()._repr_html_()
        return None if body is None else self._summary_html() + body


def result_table(frame: pd.DataFrame, record: dict) -> ResultTable:
    out = ResultTable(frame)
    out.attrs["framelens"] = record
    return out
