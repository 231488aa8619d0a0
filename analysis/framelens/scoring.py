"""Lexicon hits, per-document and per-group scores, keyword-in-context, and a scikit-learn transformer.

All functions take a :class:`~framelens.corpus.Corpus` (or a DataFrame that :func:`read_corpus`
accepts) and a :class:`~framelens.lexicon.Lexicon` (or the name/path :func:`load_lexicon` accepts),
and return DataFrames carrying a provenance record in ``.attrs["framelens"]``.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from .corpus import Corpus, read_corpus
from .errors import ParameterError
from .lexicon import Lexicon, load_lexicon
from .matching import MatchArrays, compile_lexicon
from .provenance import attach, provenance
from .text import count_tokens, word_spans

SHAPES = ("wide", "long")


def as_corpus(corpus: Corpus | pd.DataFrame) -> Corpus:
    """Accept a Corpus, or a DataFrame with canonical column names."""
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, pd.DataFrame):
        return read_corpus(corpus)
    raise ParameterError(f"expected a Corpus or a DataFrame, got {type(corpus).__name__}; see framelens.read_corpus")


def as_lexicon(lexicon: Lexicon | str) -> Lexicon:
    """Accept a Lexicon, a built-in lexicon name or a path."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, str) or hasattr(lexicon, "__fspath__"):
        return load_lexicon(lexicon)
    raise ParameterError(f"expected a Lexicon, a built-in name or a path, got {type(lexicon).__name__}")


def _hits(corpus: Corpus, lexicon: Lexicon, engine: str) -> MatchArrays:
    """Match once per (corpus, lexicon, engine) and keep the result on the corpus."""
    key = f"hits:{lexicon.fingerprint}:{engine}"
    if key not in corpus._cache:
        corpus._cache[key] = compile_lexicon(lexicon, engine=engine).find_many(corpus.texts)
    return corpus._cache[key]


def _tokens(corpus: Corpus) -> np.ndarray:
    if "tokens" not in corpus._cache:
        corpus._cache["tokens"] = np.fromiter((count_tokens(t) for t in corpus.texts), dtype=np.int64, count=len(corpus))
    return corpus._cache["tokens"]


def _sentence_index(spans: list[tuple[int, int]], starts: np.ndarray) -> np.ndarray:
    """Index of the sentence holding each start offset (0-based)."""
    if not spans:
        return np.zeros(len(starts), dtype=np.int64)
    sentence_starts = np.fromiter((s for s, _ in spans), dtype=np.int64)
    return np.maximum(np.searchsorted(sentence_starts, starts, side="right") - 1, 0)


# ---------------------------------------------------------------------------------------------
def match(corpus: Corpus | pd.DataFrame, lexicon: Lexicon | str, *, engine: str = "auto") -> pd.DataFrame:
    """Every lexicon hit in the corpus, one row per hit.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
        A Lexicon, a built-in name (``"conflict_actors"``) or a path to a YAML file.
    engine : {"auto", "hyperscan", "python"}
        Matching engine; both give identical hits, hyperscan is faster where installed.

    Returns
    -------
    DataFrame
        ``doc_id, sentence, start, end, family, label, matched``: ``sentence`` is the 0-based index of
        the sentence in the document, ``start``/``end`` are character offsets into the text, and
        ``matched`` the text as written.

    Examples
    --------
    >>> import framelens
    >>> hits = framelens.match(framelens.datasets.load_sample(), "conflict_actors")
    >>> list(hits.columns)
    ['doc_id', 'sentence', 'start', 'end', 'family', 'label', 'matched']
    """
    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    matcher = compile_lexicon(lexicon, engine=engine)
    hits = _hits(corpus, lexicon, engine)
    texts, spans = corpus.texts, corpus.sentence_spans()
    sentence = np.zeros(len(hits.doc), dtype=np.int64)
    bounds = np.searchsorted(hits.doc, np.arange(len(corpus) + 1))
    for d in np.unique(hits.doc):
        lo, hi = bounds[d], bounds[d + 1]
        sentence[lo:hi] = _sentence_index(spans[d], hits.start[lo:hi])
    labels = np.asarray(matcher.label_ids, dtype=object)
    families = np.asarray(matcher.family_ids, dtype=object)
    doc_ids = np.asarray(corpus.doc_ids, dtype=object)
    out = pd.DataFrame({
        "doc_id": doc_ids[hits.doc] if len(hits.doc) else np.array([], dtype=object),
        "sentence": sentence,
        "start": hits.start.astype(np.int64),
        "end": hits.end.astype(np.int64),
        "family": families[hits.label] if len(hits.doc) else np.array([], dtype=object),
        "label": labels[hits.label] if len(hits.doc) else np.array([], dtype=object),
        "matched": [texts[d][s:e] for d, s, e in zip(hits.doc, hits.start, hits.end)],
    })
    return attach(out, provenance(corpus, lexicon, {"engine": engine}))


def count_matrix(corpus: Corpus | pd.DataFrame, lexicon: Lexicon | str, *, engine: str = "auto") -> tuple[sp.csr_matrix, list[str]]:
    """Documents × labels hit counts as a sparse matrix, with the label ids of its columns."""
    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    hits = _hits(corpus, lexicon, engine)
    n_labels = len(lexicon.label_ids())
    data = np.ones(len(hits.doc), dtype=np.int64)
    matrix = sp.csr_matrix((data, (hits.doc, hits.label)), shape=(len(corpus), n_labels))
    matrix.sum_duplicates()
    return matrix, lexicon.label_ids()


def _family_shares(counts: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """Each label's count divided by its family's total in the same row (NaN when the family has no hit)."""
    shares = pd.DataFrame(index=counts.index, columns=counts.columns, dtype=float)
    for fam in lexicon.families:
        cols = fam.label_ids()
        total = counts[cols].sum(axis=1)
        shares[cols] = counts[cols].div(total.where(total > 0), axis=0)
    return shares


def score(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    by: str | Sequence[str] | None = None,
    *,
    shape: str = "wide",
    engine: str = "auto",
) -> pd.DataFrame:
    """Counts, rates and within-family shares of each label, per document or per group.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    by : str or list of str, optional
        Group documents by a column (``"source"``), a date bin (``"month"``) or several
        (``["source", "month"]``). ``None`` scores each document.
    shape : {"wide", "long"}
        ``"wide"``: one row per document or group with ``count_<label>``, ``rate_<label>`` and
        ``share_<label>`` columns. ``"long"``: one row per (document or group, label) with
        ``family, label, count, rate, share``.
    engine : str
        Matching engine (see :func:`match`).

    Returns
    -------
    DataFrame
        Key columns (``doc_id, source`` per document, the ``by`` columns per group), ``n_docs`` (per
        group), ``tokens`` (word tokens, see :func:`framelens.text.count_tokens`), ``hits``, then the
        label columns. ``rate`` is per 1,000 tokens; ``share`` is the label's count over its family's
        count in the same row, NaN where the family has no hit.

    Examples
    --------
    >>> import framelens
    >>> s = framelens.score(framelens.datasets.load_sample(), "conflict_actors", by="source")
    >>> s.filter(like="share_").shape[0] == s["source"].nunique()
    True
    """
    if shape not in SHAPES:
        raise ParameterError(f"shape must be one of {SHAPES}, not {shape!r}")
    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    group_frame = corpus.group_frame(by) if by is not None else None  # validates `by` before matching
    matrix, labels = count_matrix(corpus, lexicon, engine=engine)
    counts = pd.DataFrame(matrix.toarray(), columns=labels)
    tokens = pd.Series(_tokens(corpus), name="tokens")
    if group_frame is None:
        keys = corpus.docs[["doc_id", "source"]].reset_index(drop=True)
    else:
        keys_cols = list(group_frame.columns)
        frame = pd.concat([group_frame.reset_index(drop=True), tokens, counts], axis=1)
        grouped = frame.groupby(keys_cols, sort=True)
        summed = grouped[["tokens", *labels]].sum()
        summed.insert(0, "n_docs", grouped.size())
        summed = summed.reset_index()
        keys = summed[keys_cols + ["n_docs"]]
        tokens, counts = summed["tokens"], summed[labels]
    rates = counts.mul(1000.0).div(tokens.where(tokens > 0), axis=0)
    shares = _family_shares(counts, lexicon)
    params = {"by": by, "shape": shape, "engine": engine}
    record = provenance(corpus, lexicon, params)
    if shape == "long":
        key_cols = list(keys.columns)
        long = counts.assign(**{c: keys[c] for c in key_cols}, tokens=tokens).melt(
            id_vars=key_cols + ["tokens"], var_name="label", value_name="count")
        long["rate"] = rates.melt()["value"].to_numpy()
        long["share"] = shares.melt()["value"].to_numpy()
        long.insert(len(key_cols) + 1, "family", long["label"].map(lexicon.label_family()))
        return attach(long.reset_index(drop=True), record)
    out = pd.concat(
        [keys.reset_index(drop=True), tokens.rename("tokens").reset_index(drop=True),
         counts.sum(axis=1).rename("hits"),
         counts.add_prefix("count_"), rates.add_prefix("rate_"), shares.add_prefix("share_")],
        axis=1,
    )
    return attach(out, record)


# ---------------------------------------------------------------------------------------------
def _kwic_target(pattern: str | Lexicon, lexicon: Lexicon | str | None) -> tuple[Lexicon, set[str] | None]:
    """Resolve kwic's pattern: a Lexicon, a label or family id of ``lexicon``, or a pattern string."""
    if isinstance(pattern, Lexicon):
        return pattern, None
    if lexicon is not None:
        lex = as_lexicon(lexicon)
        if pattern in lex.label_family():
            return lex, {pattern}
        if pattern in lex.family_ids():
            return lex, set(lex.family(pattern).label_ids())
    from .lexicon import Family, Label, Pattern

    single = Lexicon(name="kwic", version="0", families=(Family("pattern", (Label("pattern", (Pattern(pattern),)),)),))
    return single, None


def kwic(
    corpus: Corpus | pd.DataFrame,
    pattern: str | Lexicon,
    window: int = 8,
    *,
    lexicon: Lexicon | str | None = None,
    engine: str = "auto",
) -> pd.DataFrame:
    """Keyword in context: each hit with ``window`` tokens either side.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    pattern : str or Lexicon
        A pattern in the lexicon pattern syntax (``"insurgen*"``, ``"pro-government forces"``), or —
        when ``lexicon`` is given — a label id or family id of that lexicon, or a whole Lexicon.
    window : int
        Tokens of context on each side (tokens as :func:`framelens.text.word_spans` splits them).
    lexicon : Lexicon or str, optional
        Lets ``pattern`` name a label or family.

    Returns
    -------
    DataFrame
        ``doc_id, source, start, end, label, left, keyword, right``, in corpus order.

    Examples
    --------
    >>> import framelens
    >>> k = framelens.kwic(framelens.datasets.load_sample(), "insurgen*", window=5)
    >>> list(k.columns)
    ['doc_id', 'source', 'start', 'end', 'label', 'left', 'keyword', 'right']
    """
    if window < 0:
        raise ParameterError(f"window must be ≥ 0, not {window}")
    corpus = as_corpus(corpus)
    lex, keep = _kwic_target(pattern, lexicon)
    matcher = compile_lexicon(lex, engine=engine)
    hits = _hits(corpus, lex, engine)
    rows = []
    texts, ids, sources = corpus.texts, corpus.doc_ids, corpus.docs["source"].tolist()
    spans_cache: dict[int, np.ndarray] = {}
    for d, li, s, e in zip(hits.doc, hits.label, hits.start, hits.end):
        label = matcher.label_ids[li]
        if keep is not None and label not in keep:
            continue
        text = texts[d]
        if d not in spans_cache:
            spans_cache[d] = np.asarray(word_spans(text), dtype=np.int64).reshape(-1, 2)
        spans = spans_cache[d]
        first = np.searchsorted(spans[:, 1], s, side="right")  # first token ending after the hit starts
        last = np.searchsorted(spans[:, 0], e, side="left")  # tokens starting before the hit ends
        left_start = spans[max(first - window, 0), 0] if first > 0 and window else s
        right_end = spans[min(last + window, len(spans)) - 1, 1] if last < len(spans) and window else e
        rows.append((ids[d], sources[d], int(s), int(e), label,
                     " ".join(text[left_start:s].split()), " ".join(text[s:e].split()), " ".join(text[e:right_end].split())))
    out = pd.DataFrame(rows, columns=["doc_id", "source", "start", "end", "label", "left", "keyword", "right"])
    return attach(out, provenance(corpus, lex, {"pattern": pattern if isinstance(pattern, str) else lex.name,
                                                "window": window}))


# ---------------------------------------------------------------------------------------------
class LexiconVectorizer(TransformerMixin, BaseEstimator):
    """Turn texts into a documents × labels matrix of lexicon hit counts (or rates).

    Parameters
    ----------
    lexicon : Lexicon or str, default="conflict_actors"
        A Lexicon, a built-in name or a path.
    normalize : {None, "rate"}, default=None
        ``None``: raw counts; ``"rate"``: hits per 1,000 word tokens of the document.
    engine : str, default="auto"
        Matching engine.

    Attributes
    ----------
    lexicon_ : Lexicon
        The resolved lexicon.
    feature_names_out_ : ndarray of str
        ``"<family>__<label>"`` for each column.

    Examples
    --------
    >>> from framelens import LexiconVectorizer
    >>> vec = LexiconVectorizer("conflict_actors").fit(["The rebels and the army."])
    >>> X = vec.transform(["Insurgents attacked; the army responded."])
    >>> int(X.sum())
    2
    """

    def __init__(self, lexicon: Lexicon | str = "conflict_actors", normalize: str | None = None, engine: str = "auto"):
        self.lexicon = lexicon
        self.normalize = normalize
        self.engine = engine

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags

    @staticmethod
    def _texts(X: Any) -> list[str]:
        if isinstance(X, Corpus):
            return X.texts
        if isinstance(X, pd.DataFrame):
            if "text" not in X.columns:
                raise ParameterError(f"a DataFrame input needs a 'text' column; columns: {', '.join(map(str, X.columns))}")
            X = X["text"]
        if isinstance(X, str):
            raise ParameterError("expected an iterable of texts, got a single string; wrap it in a list")
        arr = np.asarray(list(X) if not isinstance(X, np.ndarray) else X, dtype=object)
        if arr.ndim != 1:
            raise ParameterError(f"expected a 1-D iterable of texts, got an array of shape {arr.shape}")
        bad = [i for i, t in enumerate(arr) if not isinstance(t, str)]
        if bad:
            raise ParameterError(f"texts must be strings; item {bad[0]} is {type(arr[bad[0]]).__name__}")
        return arr.tolist()

    def fit(self, X: Iterable[str] | Corpus, y: Any = None) -> "LexiconVectorizer":
        """Validate the parameters and compile the lexicon; the texts are only checked."""
        if self.normalize not in (None, "rate"):
            raise ParameterError(f"normalize must be None or 'rate', not {self.normalize!r}")
        self._texts(X)
        self.lexicon_ = as_lexicon(self.lexicon)
        self.matcher_ = compile_lexicon(self.lexicon_, engine=self.engine)
        self.feature_names_out_ = np.asarray(
            [f"{fam}__{lab}" for fam, lab in zip(self.matcher_.family_ids, self.matcher_.label_ids)], dtype=object)
        return self

    def transform(self, X: Iterable[str] | Corpus) -> sp.csr_matrix:
        """Documents × labels sparse matrix (float64)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "matcher_")
        texts = self._texts(X)
        hits = self.matcher_.find_many(texts)
        matrix = sp.csr_matrix((np.ones(len(hits.doc)), (hits.doc, hits.label)),
                               shape=(len(texts), len(self.feature_names_out_)), dtype=np.float64)
        matrix.sum_duplicates()
        if self.normalize == "rate":
            tokens = np.fromiter((count_tokens(t) for t in texts), dtype=np.float64, count=len(texts))
            matrix = sp.csr_matrix(sp.diags(np.divide(1000.0, tokens, out=np.zeros_like(tokens), where=tokens > 0)) @ matrix)
        return matrix

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
