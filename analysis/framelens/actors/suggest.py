"""Grow a lexicon: candidate new patterns for a family, with the evidence a researcher needs to judge them.

:func:`suggest_patterns` looks for words and phrases that *stand where the family's terms stand*:

1. **Collocations.** NLTK's :class:`~nltk.collocations.BigramCollocationFinder` scores every bigram of
   the corpus (after the lexicon's hits are replaced by one token per family) with the likelihood
   ratio; the strongest (``collocations``, default 60, each seen at least ``min_count`` times and free
   of stop words) become single units, so "death squads" can be a candidate.
2. **Distributional neighbours.** Each unit gets a vector of positive pointwise mutual information
   (PPMI, context-distribution smoothing 0.75) with its *positional* contexts — the words ``window``
   places to its left and right, each position kept apart, so that words that can replace each other
   get similar vectors rather than words that merely occur together — reduced with scikit-learn's
   :class:`~sklearn.decomposition.TruncatedSVD`. Every family of the lexicon is one unit too (its hits
   replaced by a family token), so it has a vector built from all its mentions.
3. **Ranking.** A candidate's ``score`` is the cosine between its vector and the target family's. It
   is kept when the target is the family it is closest to (``margin`` ≥ 0 over the runner-up), it is
   seen at least ``min_count`` times, it is not a stop word or a number, and the lexicon does not
   already match it. Each kept candidate carries keyword-in-context lines from
   :func:`framelens.kwic`.

:func:`write_patch` writes the candidates as a framelens YAML lexicon (one label per candidate, named
``suggested_<term>``, in the target family) that :func:`framelens.lexicon.read_lexicon` reads, with the
evidence in comments; the researcher moves the patterns they accept into the lexicon's labels.

What it cannot see: terms rarer than ``min_count``, terms that only ever occur inside a lexicon hit,
and the stance of a term (it says "bandits" stands where the armed opposition stands, not whether it
is legitimising or not). On a small corpus the vectors are noisy: read the evidence.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import ParameterError
from ..results import ResultTable, provenance_record, result_table
from ._sentences import lexicon_hits

__all__ = ["suggest_patterns", "write_patch", "patch_text", "COLUMNS"]

COLUMNS = ["pattern", "family", "score", "runner_up", "runner_up_score", "margin", "count", "docs",
           "collocation_llr", "method", "examples"]
_TOKEN = re.compile(r"__[a-z][a-z0-9_]*__|\w+(?:['’]\w+)*")
_BOUNDARY = "<s>"


def _family_token(family_id: str) -> str:
    return f"__{family_id}__"


def _tokenize_masked(texts: Sequence[str], hits, family_ids: Sequence[str]) -> list[list[str]]:
    """Lower-cased word tokens per document, each lexicon hit replaced by its family's token."""
    out = []
    bounds = np.searchsorted(hits.doc, np.arange(len(texts) + 1))
    for d, text in enumerate(texts):
        pieces, pos = [], 0
        for i in range(bounds[d], bounds[d + 1]):
            s, e = int(hits.start[i]), int(hits.end[i])
            if s < pos:
                continue
            pieces += [text[pos:s], f" {_family_token(family_ids[int(hits.label[i])])} "]
            pos = e
        pieces.append(text[pos:])
        masked = "".join(pieces).lower().replace("’", "'")
        # sentence-final punctuation ends a context: no window crosses it
        out.append([_BOUNDARY if t is None else t for t in _split_with_boundaries(masked)])
    return out


def _split_with_boundaries(text: str):
    for piece in re.split(r"[.!?;:\n]+", text):
        yield from _TOKEN.findall(piece)
        yield None


def _collocations(docs: list[list[str]], n: int, min_count: int, stop: frozenset) -> dict[tuple[str, str], float]:
    """The ``n`` strongest bigram collocations (likelihood ratio) without stop words, numbers or family tokens."""
    from nltk.collocations import BigramCollocationFinder
    from nltk.metrics import BigramAssocMeasures

    if n <= 0:
        return {}
    finder = BigramCollocationFinder.from_documents(docs)
    finder.apply_freq_filter(min_count)
    finder.apply_word_filter(lambda w: w in stop or w == _BOUNDARY or w.startswith("__") or w.isdigit() or len(w) < 2)
    return dict(finder.score_ngrams(BigramAssocMeasures.likelihood_ratio)[:n])


def _merge(doc: list[str], phrases: dict[tuple[str, str], float]) -> list[str]:
    out, i = [], 0
    while i < len(doc):
        if i + 1 < len(doc) and (doc[i], doc[i + 1]) in phrases:
            out.append(f"{doc[i]} {doc[i + 1]}")
            i += 2
        else:
            out.append(doc[i])
            i += 1
    return out


def _ppmi_vectors(docs: list[list[str]], vocab: dict[str, int], window: int, dims: int, seed: int) -> np.ndarray:
    """Unit-length truncated-SVD vectors of each unit's PPMI with its positional contexts."""
    from sklearn.decomposition import TruncatedSVD

    contexts: dict[tuple[int, int], int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for doc in docs:
        ids = [vocab.get(w, -1) for w in doc]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j == i or ids[j] < 0:
                    continue
                key = (j - i, ids[j])
                rows.append(a)
                cols.append(contexts.setdefault(key, len(contexts)))
    if not contexts:
        raise ParameterError("suggest: the corpus has no word co-occurring with another; it is too small")
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(vocab), len(contexts)))
    counts.sum_duplicates()
    total = counts.sum()
    row_p = np.asarray(counts.sum(axis=1)).ravel() / total
    col_p = np.asarray(counts.sum(axis=0)).ravel() ** 0.75
    col_p /= col_p.sum()
    coo = counts.tocoo()
    pmi = np.log(coo.data / total / (row_p[coo.row] * col_p[coo.col]))
    ppmi = sp.csr_matrix((np.maximum(pmi, 0.0), (coo.row, coo.col)), shape=counts.shape)
    k = max(1, min(dims, min(ppmi.shape) - 1))
    # The matrix is small (vocabulary × contexts): BLAS threads only add overhead here (ten times
    # slower on a two-core machine), so the SVD runs on one thread.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        vectors = TruncatedSVD(n_components=k, random_state=seed).fit_transform(ppmi) if k < min(ppmi.shape) else ppmi.toarray()
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def suggest_patterns(
    corpus: Any,
    lexicon: Any,
    family: str,
    *,
    top: int = 20,
    min_count: int = 5,
    window: int = 2,
    dims: int = 100,
    collocations: int = 60,
    margin: float = 0.0,
    n_examples: int = 3,
    kwic_window: int = 6,
    seed: int = 0,
    engine: str = "auto",
) -> ResultTable:
    """Candidate new patterns for one family of a lexicon, ranked, with keyword-in-context evidence.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    family : str
        The family to grow.
    top : int
        Candidates returned.
    min_count : int
        A candidate (and a collocation) occurs at least this often.
    window : int
        Context positions on each side for the distributional vectors.
    dims : int
        Truncated-SVD dimensions.
    collocations : int
        Bigram collocations (likelihood ratio) turned into single units before the vectors are built.
    margin : float
        Keep a candidate when its cosine to ``family`` exceeds that to every other family by at
        least this (0: the family is its nearest).
    n_examples, kwic_window : int
        Evidence lines per candidate and words of context on each side.
    seed : int
        Seed of the randomized SVD.
    engine : str
        Lexicon matching engine.

    Returns
    -------
    ResultTable (a DataFrame)
        ``pattern, family, score, runner_up, runner_up_score, margin, count, docs, collocation_llr,
        method, examples``, best first: ``score`` is the cosine to the family, ``runner_up`` the
        nearest other family, ``collocation_llr`` the bigram's likelihood ratio (NaN for single
        words), ``method`` ``"neighbour"`` or ``"collocation + neighbour"``, ``examples`` a list of
        KWIC strings (keyword in brackets). ``attrs["framelens"]`` holds the provenance
        (``kind="suggest_patterns"``).

    Examples
    --------
    >>> import framelens
    >>> s = framelens.actors.suggest_patterns(framelens.datasets.load_sample(), "conflict_actors",
    ...                                       "armed_opposition", top=5)
    >>> {"bandits", "resistance"} <= set(s["pattern"])
    True
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from ..scoring import as_corpus, as_lexicon, kwic

    for name, value, least in (("top", top, 1), ("min_count", min_count, 1), ("window", window, 1),
                               ("dims", dims, 1), ("collocations", collocations, 0), ("n_examples", n_examples, 0),
                               ("kwic_window", kwic_window, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ParameterError(f"{name} must be an integer ≥ {least}, not {value!r}")
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    lex.family(family)  # a ParameterError naming the families
    if len(lex.families) < 2:
        raise ParameterError(f"suggest needs a lexicon with at least two families to contrast; {lex.name!r} has one")
    matcher, hits = lexicon_hits(corpus, lex, engine)
    family_ids = list(matcher.family_ids)
    stop = frozenset(ENGLISH_STOP_WORDS)
    docs = _tokenize_masked(corpus.texts, hits, family_ids)
    phrases = _collocations(docs, collocations, min_count, stop)
    docs = [_merge(doc, phrases) for doc in docs]
    counts = Counter(w for doc in docs for w in doc if w != _BOUNDARY)
    doc_freq = Counter(w for doc in docs for w in set(doc))
    vocab = {w: i for i, w in enumerate(sorted(w for w, n in counts.items() if n >= min(min_count, 3)))}
    fam_tokens = {f.id: _family_token(f.id) for f in lex.families if _family_token(f.id) in vocab}
    if family not in fam_tokens:
        raise ParameterError(f"family {family!r} has no hit in the corpus: nothing to compare candidates with")
    if len(fam_tokens) < 2:
        raise ParameterError("suggest needs hits of at least two families in the corpus")
    vectors = _ppmi_vectors(docs, vocab, window, dims, seed)
    fam_names = list(fam_tokens)
    centroids = np.stack([vectors[vocab[fam_tokens[f]]] for f in fam_names])
    sims = vectors @ centroids.T  # units × families
    target = fam_names.index(family)

    rows = []
    for word, i in vocab.items():
        if word.startswith("__") or counts[word] < min_count:
            continue
        parts = word.split(" ")
        if parts[0] in stop or parts[-1] in stop or all(p.isdigit() for p in parts) or len(word) < 3:
            continue
        others = np.delete(sims[i], target)
        best_other = int(np.argmax(others)) if len(others) else 0
        runner = [f for k, f in enumerate(fam_names) if k != target][best_other]
        gap = float(sims[i, target] - others[best_other])
        if gap < margin:
            continue
        rows.append({"pattern": word, "family": family, "score": float(sims[i, target]), "runner_up": runner,
                     "runner_up_score": float(others[best_other]), "margin": gap, "count": int(counts[word]),
                     "docs": int(doc_freq[word]),
                     "collocation_llr": float(phrases[tuple(parts)]) if len(parts) == 2 and tuple(parts) in phrases else np.nan,
                     "method": "collocation + neighbour" if len(parts) == 2 else "neighbour"})
    rows.sort(key=lambda r: (-r["score"], r["pattern"]))
    kept = []
    for r in rows:
        if matcher.find(r["pattern"]):
            continue  # the lexicon already matches it (a masked hit can still leave a matching word)
        kept.append(r)
        if len(kept) >= top:
            break
    out = pd.DataFrame(kept, columns=COLUMNS[:-1])
    examples = []
    for pattern in out["pattern"]:
        if n_examples == 0:
            examples.append([])
            continue
        k = kwic(corpus, pattern, window=kwic_window, engine=engine)
        firsts = k.drop_duplicates("doc_id").head(n_examples)
        examples.append([f"{row.left} [{row.keyword}] {row.right}".strip() for row in firsts.itertuples()])
    out["examples"] = pd.Series(examples, index=out.index, dtype=object)
    method = "positional PPMI + truncated SVD, nearest family centroid; bigram collocations by likelihood ratio"
    record = provenance_record(corpus, lex, {"family": family, "top": top, "min_count": min_count, "window": window,
                                             "dims": dims, "collocations": collocations, "margin": margin, "seed": seed,
                                             "engine": engine, "method": method}, kind="suggest_patterns")
    return result_table(out, record)


def patch_text(suggestions: pd.DataFrame, lexicon: Any, family: str | None = None, *, name: str | None = None) -> str:
    """The YAML text of a lexicon patch for the suggested patterns (see :func:`write_patch`)."""
    from ..lexicon import Family, Label, Lexicon, Pattern, dump_lexicon, parse_lexicon
    from ..lexicon.importers import sanitise_id
    from ..scoring import as_lexicon

    lex = as_lexicon(lexicon)
    missing = [c for c in ("pattern", "family") if c not in suggestions.columns]
    if missing:
        raise ParameterError(f"write_patch: suggestions lack column(s) {missing}; pass the output of suggest_patterns()")
    if family is None:
        fams = list(pd.unique(suggestions["family"]))
        if len(fams) != 1:
            raise ParameterError(f"write_patch: the suggestions are for {len(fams)} families; pass family=")
        family = str(fams[0])
    if suggestions.empty:
        raise ParameterError(f"write_patch: no suggestion for family {family!r}; nothing to write")
    lex.family(family)
    taken = set(lex.label_ids())
    labels, comments = [], []
    for row in suggestions.to_dict("records"):
        pattern = str(row["pattern"])
        label_id = sanitise_id(f"suggested_{pattern}", taken)
        details = []
        if pd.notna(row.get("score")):
            details.append(f"score {row['score']:.3f} (cosine to {family}; runner-up {row['runner_up']} "
                           f"{row['runner_up_score']:.3f})")
        if pd.notna(row.get("count")):
            details.append(f"{row['count']} uses in {row['docs']} documents")
        if pd.notna(row.get("collocation_llr")):
            details.append(f"collocation likelihood ratio {row['collocation_llr']:.1f}")
        description = "Suggested by framelens lexicon suggest" + "".join(f"; {d}" for d in details) + ". Review before merging."
        labels.append(Label(id=label_id, patterns=(Pattern(pattern),), description=description))
        comments.append(f"# {label_id}: {pattern!r}")
        examples = row.get("examples")
        for line in (list(examples) if isinstance(examples, (list, tuple)) else [])[:5]:
            comments.append(f"#     … {' '.join(str(line).split())} …")
    target = lex.family(family)
    patch = Lexicon(name=name or f"{lex.name}_patch_{family}", version=f"{lex.version}+suggested",
                    description=f"Candidate patterns for family {family} of lexicon {lex.name} {lex.version} "
                                f"(sha256 {lex.fingerprint[:12]}), to review; move the accepted patterns into "
                                f"the family's labels.",
                    language=lex.language,
                    families=(Family(id=family, labels=tuple(labels), description=target.description),))
    header = ["# framelens lexicon patch: candidate patterns, NOT reviewed.",
              f"# For family {family!r} of {lex.name} {lex.version}; each label holds one candidate.",
              "# Evidence (keyword in context) for each candidate:"] + comments + [""]
    text = "\n".join(header) + dump_lexicon(patch)
    parse_lexicon(text, file="<patch>")  # the patch must be a valid lexicon
    return text


def write_patch(suggestions: pd.DataFrame, path: str | Path, lexicon: Any, family: str | None = None, *,
                name: str | None = None) -> Path:
    """Write suggested patterns as a YAML lexicon patch that :func:`framelens.lexicon.read_lexicon` reads.

    The patch is a lexicon in the framelens format holding one family (the target) with one label
    per candidate (``suggested_<term>``, description: score, counts, collocation strength), preceded by
    comments with the keyword-in-context evidence. Merge it by moving accepted patterns into the
    family's labels of the original lexicon.

    Parameters
    ----------
    suggestions : DataFrame
        The output of :func:`suggest_patterns` (at least ``pattern`` and ``family``).
    path : str or Path
        Where to write (atomically).
    lexicon : Lexicon or str
        The lexicon the suggestions are for (names the patch and keeps label ids unique).
    family : str, optional
        Needed only when ``suggestions`` mixes families.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from framelens.lexicon import read_lexicon
    >>> s = pd.DataFrame({"pattern": ["bandits"], "family": ["armed_opposition"]})
    >>> p = write_patch(s, os.path.join(tempfile.mkdtemp(), "patch.yaml"), "conflict_actors")
    >>> read_lexicon(p).label_ids()
    ['suggested_bandits']
    """
    from ..io_utils import atomic_path

    text = patch_text(suggestions, lexicon, family, name=name)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
