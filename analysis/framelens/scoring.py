"""Lexicon hits, per-document and per-group scores, keyword-in-context.

All functions take a :class:`~framelens.corpus.Corpus` (or a DataFrame that :func:`read_corpus`
accepts) and a :class:`~framelens.lexicon.Lexicon` (or the name/path :func:`load_lexicon` accepts),
and return result tables (:class:`~framelens.results.ResultTable`: DataFrames carrying a provenance
record in ``.attrs["framelens"]`` and showing a summary of it in notebooks).

The scikit-learn transformer :class:`~framelens.vectorizer.LexiconVectorizer` lives in
:mod:`framelens.vectorizer` (so that scoring imports neither scikit-learn nor SciPy) and is still
importable from here.
"""
from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
import pandas as pd

from .corpus import Corpus, natural_order, read_corpus
from .errors import LexiconError, ParameterError
from .lexicon import Lexicon, load_lexicon
from .matching import MatchArrays, Matcher, compile_lexicon
from .results import ResultTable, provenance_record, result_table
from .text import count_tokens_many, word_spans

if TYPE_CHECKING:
    import scipy.sparse as sp

    from .vectorizer import LexiconVectorizer  # noqa: F401

UNITS = ("document", "sentence")  # what a row of score() holds when it does not group
SHAPES = ("wide", "long")


def as_corpus(corpus: Corpus | pd.DataFrame) -> Corpus:
    """Accept a Corpus, or a DataFrame with canonical column names."""
    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, pd.DataFrame):
        return read_corpus(corpus)
    if hasattr(corpus, "counts_for"):  # framelens.batch.BatchScores: counts without texts
        raise ParameterError(f"{corpus.output} holds the per-document scores already, without texts: for scores per "
                             "group use framelens.batch.aggregate(output, by=...); matches, keyword-in-context and "
                             "sentences need the documents (framelens.read_corpus on the inputs)")
    raise ParameterError(f"expected a Corpus or a DataFrame, got {type(corpus).__name__}; see framelens.read_corpus")


def as_lexicon(lexicon: Lexicon | str) -> Lexicon:
    """Accept a Lexicon, a built-in lexicon name or a path."""
    if isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, str) or hasattr(lexicon, "__fspath__"):
        return load_lexicon(lexicon)
    raise ParameterError(f"expected a Lexicon, a built-in name or a path, got {type(lexicon).__name__}")


def _hits(corpus: Corpus, lexicon: Lexicon, engine: str, *, tokens: bool = False) -> MatchArrays:
    """Match once per (corpus, lexicon, engine) and keep the result on the corpus.

    ``tokens=True``: count the word tokens in the same pass when they are not cached yet (the
    matcher counts them on the buffer it scans), and cache them for :func:`_tokens`.
    """
    key = f"hits:{lexicon.fingerprint}:{engine}"
    cache = corpus._cache  # (each use of Corpus._cache checks the documents: once is enough here)
    if key not in cache:
        count = tokens and "tokens" not in cache
        hits = compile_lexicon(lexicon, engine=engine).find_many(corpus.texts, tokens=count)
        if count:
            cache["tokens"] = hits.tokens
        cache[key] = hits
    return cache[key]


def _tokens(corpus: Corpus) -> np.ndarray:
    """Word tokens per document (:func:`~framelens.text.count_tokens`), cached on the corpus."""
    cache = corpus._cache
    if "tokens" not in cache:
        cache["tokens"] = count_tokens_many(corpus.texts)
    return cache["tokens"]


def __getattr__(name: str):
    if name == "LexiconVectorizer":  # moved to framelens.vectorizer; imported on first use
        from .vectorizer import LexiconVectorizer

        return LexiconVectorizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _hit_sentences(corpus: Corpus, hits: MatchArrays) -> np.ndarray:
    """The sentence index of each hit. Splitting into sentences costs several times more than
    matching, so a corpus that has no sentences yet, with hits in under half its documents (a rare
    term, a small lexicon), has only those documents split, and keeps nothing; otherwise the whole
    corpus is split once and keeps its sentences for the next call."""
    if not len(hits.doc):
        return np.zeros(0, dtype=np.int64)
    with_hits = np.unique(hits.doc)
    if "sentence_bounds" in corpus._cache or 2 * len(with_hits) >= len(corpus):
        return corpus.sentence_bounds().index(hits.doc, hits.start)
    from .text import sentence_bounds_many

    texts = corpus.texts
    bounds = sentence_bounds_many([texts[d] for d in with_hits.tolist()])
    return bounds.index(np.searchsorted(with_hits, hits.doc), hits.start)


def match(corpus: Corpus | pd.DataFrame, lexicon: Lexicon | str, *, engine: str = "auto") -> ResultTable:
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
    ResultTable (a DataFrame)
        ``doc_id, sentence, start, end, family, label, matched``: ``sentence`` is the 0-based index of
        the sentence in the document, ``start``/``end`` are character offsets into the text, and
        ``matched`` the text as written. ``attrs["framelens"]`` holds the provenance (corpus and
        lexicon fingerprints, ``engine``) with ``kind="match"``.

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
    texts = corpus.texts
    sentence = _hit_sentences(corpus, hits)
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
        "matched": [texts[d][s:e] for d, s, e in zip(hits.doc.tolist(), hits.start.tolist(), hits.end.tolist())],
    })
    # text columns as text even without a hit (an empty list would make "matched" float)
    out = out.astype({c: "str" for c in ("doc_id", "family", "label", "matched")})
    return result_table(out, provenance_record(corpus, lexicon, {"engine": engine}, kind="match"))


def count_matrix(corpus: Corpus | pd.DataFrame, lexicon: Lexicon | str, *, engine: str = "auto") -> tuple[sp.csr_matrix, list[str]]:
    """Documents × labels hit counts as a sparse matrix, with the label ids of its columns (also of a
    batch output's :class:`~framelens.batch.BatchScores`, scored with ``lexicon``)."""
    import scipy.sparse as sp

    if hasattr(corpus, "counts_for"):  # counted when the batch scored the documents
        return corpus.counts_for(as_lexicon(lexicon))
    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    hits = _hits(corpus, lexicon, engine)
    n_labels = len(lexicon.label_ids())
    data = np.ones(len(hits.doc), dtype=np.int64)
    matrix = sp.csr_matrix((data, (hits.doc, hits.label)), shape=(len(corpus), n_labels))
    matrix.sum_duplicates()
    return matrix, lexicon.label_ids()


def _count_array(hits: MatchArrays, n_docs: int, n_labels: int) -> np.ndarray:
    """Documents × labels hit counts as a dense ``int64`` array."""
    flat = np.bincount(hits.doc * n_labels + hits.label, minlength=n_docs * n_labels)
    return flat.astype(np.int64, copy=False).reshape(n_docs, n_labels)


def _rates_array(counts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Hits per 1,000 tokens (NaN where a row has no token)."""
    tokens = np.asarray(tokens, dtype=np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tokens > 0, counts * 1000.0 / tokens, np.nan)


def _shares_array(counts: np.ndarray, family: np.ndarray) -> np.ndarray:
    """Each label's count over its family's count in the same row (NaN where the family has none).

    ``family`` gives the family position of each column. Family totals are sums over runs of
    columns (families in lexicon order), else one matrix product with the columns × families
    indicator; both exact, as counts stay far below 2**53.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if family.size == 0:
        return counts.copy()
    if np.all(family[1:] >= family[:-1]):  # families in column order (the lexicon's): sum each run
        first = np.flatnonzero(np.r_[True, family[1:] != family[:-1]])
        totals = np.repeat(np.add.reduceat(counts, first, axis=1), np.diff(np.r_[first, family.size]), axis=1)
    else:
        indicator = np.zeros((family.size, int(family.max()) + 1))
        indicator[np.arange(family.size), family] = 1.0
        totals = (counts @ indicator)[:, family]
    with np.errstate(divide="ignore", invalid="ignore"):
        return counts / totals  # a family without hits: 0 / 0 = NaN (counts are never negative)


def _family_index(labels: Sequence[str], lexicon: Lexicon) -> np.ndarray:
    """Position (in the lexicon) of each label's family."""
    position = {fam.id: i for i, fam in enumerate(lexicon.families)}
    label_family = lexicon.label_family()
    return np.array([position[label_family[lab]] for lab in labels], dtype=np.int64)


def _family_shares(counts: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """Each label's count divided by its family's total in the same row (NaN when the family has no hit)."""
    family = _family_index(list(counts.columns), lexicon)
    values = _shares_array(counts.to_numpy(dtype=np.float64), family)
    return pd.DataFrame(values, index=counts.index, columns=counts.columns)


def score(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    by: str | Sequence[str] | None = None,
    *,
    unit: str = "document",
    shape: str = "wide",
    engine: str = "auto",
) -> ResultTable:
    """Counts, rates and within-family shares of each label, per document, sentence or group.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    by : str or list of str, optional
        Group documents by a column (``"source"``), a date bin (``"month"``) or several
        (``["source", "month"]``). ``None`` scores each document (or sentence). Group keys are
        text: a date as ``2024-05-01``, a bin as its period (``2024-05``, ``2024Q2``), a number as
        written, a missing or empty value as ``"(missing)"``. Groups come in sorted order, by
        number where every value of a key is a number (page ``"9"`` before ``"10"``), else as
        text, ``"(missing)"`` first. Date bins use the clock of the corpus' dates: UTC by default, so
        an article dated local midnight east of Greenwich falls on the day (and month) before;
        ``read_corpus(..., timezone="Asia/Kolkata")`` bins by a press' own calendar, and
        ``timezone="as-written"`` each outlet by its own (``corpus.meta["timezone"]`` says which).
    unit : {"document", "sentence"}
        What a row scores when ``by`` is None: a document, or a sentence (as
        :meth:`Corpus.sentence_spans` splits them; a hit belongs to the sentence it starts in, and a
        document without text has no sentence).
    shape : {"wide", "long"}
        ``"wide"``: one row per document, sentence or group with ``count_<label>``,
        ``rate_<label>`` and ``share_<label>`` columns. ``"long"``: one row per (row of the wide
        table, label) with ``family, label, count, rate, share``.
    engine : str
        Matching engine (see :func:`match`).

    Returns
    -------
    ResultTable (a DataFrame)
        Key columns (``doc_id, source`` per document; ``doc_id, source, sentence, start, end,
        sentence_text`` per sentence, ``sentence`` 0-based as in :func:`match` and ``start``/``end``
        offsets into the document's text; the ``by`` columns and ``n_docs`` per group), ``tokens``
        (word tokens, see :func:`framelens.text.count_tokens`), ``hits``, then the label columns.
        ``rate`` is per 1,000 tokens; ``share`` is the label's count over its family's count in the
        same row, NaN where the family has no hit. ``attrs["framelens"]`` holds the provenance
        (corpus and lexicon fingerprints, ``by``, ``unit``, ``shape``, ``engine``) with
        ``kind="score"``.

    Notes
    -----
    Sentences of one document are not independent observations: to compare sources, use
    per-document scores or the comparison functions, which resample whole documents.

    Examples
    --------
    >>> import framelens
    >>> sample = framelens.datasets.load_sample()
    >>> s = framelens.score(sample, "conflict_actors", by="source")
    >>> s.filter(like="share_").shape[0] == s["source"].nunique()
    True
    >>> per_sentence = framelens.score(sample, "conflict_actors", unit="sentence")
    >>> int(per_sentence["hits"].sum()) == len(framelens.match(sample, "conflict_actors"))
    True
    """
    if shape not in SHAPES:
        raise ParameterError(f"shape must be one of {SHAPES}, not {shape!r}")
    if unit not in UNITS:
        raise ParameterError(f"unit must be one of {UNITS}, not {unit!r}")
    if unit == "sentence" and by is not None:
        raise ParameterError(f"unit='sentence' scores each sentence and by={by!r} groups documents: give one of "
                             "them (a group's sums are the same with either unit)")
    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    if unit == "sentence":
        out = _sentence_table(corpus, lexicon, shape=shape, engine=engine)
    else:
        out = _score_table(corpus, lexicon, by, shape=shape, engine=engine)
    params = {"by": by, "unit": unit, "shape": shape, "engine": engine}
    return result_table(out, provenance_record(corpus, lexicon, params, kind="score"))


def _doc_counts(corpus: Corpus, lexicon: Lexicon, engine: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Label ids, word tokens per document and the documents × labels hit counts."""
    labels = list(compile_lexicon(lexicon, engine=engine).label_ids)
    counts = _count_array(_hits(corpus, lexicon, engine, tokens=True), len(corpus), len(labels))
    return labels, _tokens(corpus), counts


def _doc_scores(texts: Sequence[str], lexicon: Lexicon, engine: str = "auto") -> dict[str, Any]:
    """The per-document numbers of :func:`score` for ``texts`` as numpy arrays, matched in one pass
    (for writers that skip pandas: batch scoring): ``labels``, ``tokens``, ``hits``, ``counts``,
    ``rates``, ``shares`` (the last three documents × labels, in column-major order so that each
    label's column is contiguous)."""
    matcher = compile_lexicon(lexicon, engine=engine)
    hits = matcher.find_many(texts, tokens=True)
    labels = list(matcher.label_ids)
    counts = _count_array(hits, len(texts), len(labels))
    return {"labels": labels, "tokens": hits.tokens, "hits": counts.sum(axis=1), "counts": np.asfortranarray(counts),
            "rates": np.asfortranarray(_rates_array(counts, hits.tokens)),
            "shares": np.asfortranarray(_shares_array(counts, _family_index(labels, lexicon)))}


def _score_table(corpus: Corpus, lexicon: Lexicon, by: str | Sequence[str] | None = None, *,
                shape: str = "wide", engine: str = "auto") -> ResultTable:
    """:func:`score` without its provenance record (no corpus fingerprint is computed).

    For callers that record provenance their own way, such as batch scoring (its manifest);
    ``corpus`` and ``lexicon`` must already be a Corpus and a Lexicon. The same ResultTable as
    :func:`score`, with empty ``attrs``.
    """
    if shape not in SHAPES:
        raise ParameterError(f"shape must be one of {SHAPES}, not {shape!r}")
    group_frame = corpus.group_frame(by) if by is not None else None  # validates `by` before matching
    if group_frame is not None:
        _check_key_names(list(group_frame.columns), lexicon, shape)
    labels, tokens_np, counts_np = _doc_counts(corpus, lexicon, engine)
    if group_frame is None:
        keys = corpus.docs[["doc_id", "source"]].reset_index(drop=True)
    else:
        keys_cols = list(group_frame.columns)
        frame = pd.concat([group_frame.reset_index(drop=True), pd.Series(tokens_np, name="tokens"),
                           pd.DataFrame(counts_np, columns=labels)], axis=1)
        grouped = frame.groupby(keys_cols, sort=True)
        summed = grouped[["tokens", *labels]].sum()
        summed.insert(0, "n_docs", grouped.size())
        summed = summed.reset_index()
        summed = summed.iloc[natural_order(summed[keys_cols])].reset_index(drop=True)  # page 2 before page 10
        keys = summed[keys_cols + ["n_docs"]]
        tokens_np = summed["tokens"].to_numpy(dtype=np.int64)
        counts_np = summed[labels].to_numpy(dtype=np.int64)
    return _table(keys, tokens_np, counts_np, labels, lexicon, shape)


def _check_key_names(keys: list, lexicon: Lexicon, shape: str) -> None:
    """A ParameterError when a ``by`` column has the name of a column the score table adds itself
    (``by="label"`` in long shape, a metadata column called ``tokens``): the table would hold two
    columns of that name, or pandas fail with a message about melt or a grouper."""
    own = {"n_docs", "tokens", "hits"}
    if shape == "long":
        own |= {"family", "label", "count", "rate", "share"}
    else:
        own |= {f"{part}_{lab}" for lab in lexicon.label_family() for part in ("count", "rate", "share")}
    clash = [k for k in keys if k in own]
    if clash:
        name = clash[0]
        raise ParameterError(f"by={name!r}: the {shape} score table has a column {name!r} of its own; rename that "
                             f"column of the corpus, e.g. framelens.read_corpus(df.rename(columns={{{name!r}: "
                             f"'{name}_group'}}), ...)")


def _sentence_table(corpus: Corpus, lexicon: Lexicon, *, shape: str, engine: str) -> ResultTable:
    """:func:`score` with ``unit="sentence"``: one row per sentence of every document."""
    bounds = corpus.sentence_bounds()
    first = bounds.first  # the row of each document's first sentence
    doc = np.repeat(np.arange(len(bounds), dtype=np.int64), bounds.counts)
    texts = corpus.texts
    sentence_texts = [texts[d][s:e] for d, s, e in zip(doc.tolist(), bounds.starts.tolist(), bounds.ends.tolist())]
    labels = list(compile_lexicon(lexicon, engine=engine).label_ids)
    hits = _hits(corpus, lexicon, engine)
    row = first[hits.doc] + bounds.index(hits.doc, hits.start)
    counts = np.zeros((len(doc), len(labels)), dtype=np.int64)
    np.add.at(counts, (row, hits.label.astype(np.int64)), 1)
    keys = pd.DataFrame({
        "doc_id": np.asarray(corpus.doc_ids, dtype=object)[doc],
        "source": corpus.docs["source"].to_numpy(dtype=object)[doc],
        "sentence": np.arange(len(doc), dtype=np.int64) - first[doc],
        "start": bounds.starts, "end": bounds.ends,
        "sentence_text": sentence_texts,
    })
    return _table(keys, count_tokens_many(sentence_texts), counts, labels, lexicon, shape)


def _table(keys: pd.DataFrame, tokens_np: np.ndarray, counts_np: np.ndarray, labels: list[str], lexicon: Lexicon,
           shape: str) -> ResultTable:
    """The score table of rows ``keys`` with their tokens and label counts, wide or long."""
    rates_np = _rates_array(counts_np, tokens_np)
    shares_np = _shares_array(counts_np, _family_index(labels, lexicon))
    tokens = pd.Series(tokens_np, name="tokens")
    if shape == "long":
        counts = pd.DataFrame(counts_np, columns=labels)
        key_cols = list(keys.columns)
        long = counts.assign(**{c: keys[c] for c in key_cols}, tokens=tokens).melt(
            id_vars=key_cols + ["tokens"], var_name="label", value_name="count")
        long["rate"] = rates_np.ravel(order="F")  # melt stacks column after column
        long["share"] = shares_np.ravel(order="F")
        long.insert(len(key_cols) + 1, "family", long["label"].map(lexicon.label_family()))
        return ResultTable(long.reset_index(drop=True))
    return ResultTable(pd.concat(
        [keys.reset_index(drop=True), tokens, pd.Series(counts_np.sum(axis=1), name="hits"),
         pd.DataFrame(counts_np, columns=[f"count_{lab}" for lab in labels]),
         pd.DataFrame(rates_np, columns=[f"rate_{lab}" for lab in labels]),
         pd.DataFrame(shares_np, columns=[f"share_{lab}" for lab in labels])],
        axis=1,
    ))


# ---------------------------------------------------------------------------------------------
# Characters that mean something in a regular expression and only themselves in a pattern: a
# pattern written with them that finds nothing was most likely meant as a regex.
_REGEX_SYNTAX = re.compile(r"[+()\[\]{}|\\^$]")


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
    try:  # the engines parse alike: the error of an unusable pattern, early
        Matcher(single, engine="python")
    except LexiconError as err:  # the lexicon is made up here: name the argument, not "pattern/pattern"
        raise ParameterError(f"pattern {pattern!r}: {err.reason}") from None
    return single, None


def _first(names: list[str], n: int = 20) -> str:
    """The first ``n`` names, joined (a 1,000-label lexicon would fill the screen)."""
    return ", ".join(names[:n]) + (f" … ({len(names)} in all)" if len(names) > n else "")


def kwic(
    corpus: Corpus | pd.DataFrame,
    pattern: str | Lexicon,
    window: int = 8,
    *,
    lexicon: Lexicon | str | None = None,
    engine: str = "auto",
) -> ResultTable:
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
        Lets ``pattern`` name a label or family. A ``pattern`` that is neither is searched as a
        pattern; when that finds nothing a warning lists the lexicon's labels and families.

    Returns
    -------
    ResultTable (a DataFrame)
        ``doc_id, source, start, end, label, left, keyword, right``, in corpus order.
        ``attrs["framelens"]`` holds the provenance (corpus fingerprint, the lexicon searched,
        ``pattern``, ``window``) with ``kind="kwic"``.

    Examples
    --------
    >>> import framelens
    >>> k = framelens.kwic(framelens.datasets.load_sample(), "insurgen*", window=5)
    >>> list(k.columns)
    ['doc_id', 'source', 'start', 'end', 'label', 'left', 'keyword', 'right']
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 0:
        raise ParameterError(f"window must be a whole number of tokens ≥ 0, not {window!r}")
    window = int(window)
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
    if out.empty and keep is None and lexicon is not None and isinstance(pattern, str):
        # the user named a lexicon, so most likely meant one of its ids and mistyped it
        lex_named = as_lexicon(lexicon)
        warnings.warn(f"kwic: {pattern!r} is no label or family of lexicon {lex_named.name!r}, and as a pattern it has "
                      f"no hit; labels: {_first(list(lex_named.label_family()))}; families: "
                      f"{_first(lex_named.family_ids())}", UserWarning, stacklevel=2)
    elif out.empty and keep is None and isinstance(pattern, str) and _REGEX_SYNTAX.search(pattern):
        warnings.warn(f"kwic: no hit of {pattern!r}. Patterns are not regular expressions: only '*' (any letters) "
                      "and '?' (one letter) are special, other punctuation matches itself "
                      "(e.g. 'rebel*' for rebel, rebels, rebellion)", UserWarning, stacklevel=2)
    return result_table(out, provenance_record(corpus, lex, {"pattern": pattern if isinstance(pattern, str) else lex.name,
                                                             "window": window}, kind="kwic"))
