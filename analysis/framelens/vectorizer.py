"""A scikit-learn transformer: texts → documents × labels matrix of lexicon hit counts (or rates).

Kept apart from :mod:`framelens.scoring` so that scoring (and the ``framelens score`` command) does
not import scikit-learn and SciPy; ``framelens.scoring.LexiconVectorizer`` still resolves here.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from .corpus import Corpus
from .errors import ParameterError
from .lexicon import Lexicon
from .matching import compile_lexicon
from .scoring import as_lexicon
from .text import count_tokens_many

__all__ = ["LexiconVectorizer"]


class LexiconVectorizer(TransformerMixin, BaseEstimator):
    """Turn texts into a documents × labels matrix of lexicon hit counts (or rates).

    Parameters
    ----------
    lexicon : Lexicon or str, default="conflict_actors"
        A Lexicon, a built-in name or a path.
    normalize : {None, "rate"}, default=None
        ``None``: raw counts; ``"rate"``: hits per 1,000 word tokens of the document (0 for a
        document without tokens, where :func:`framelens.score` shows NaN: a model needs a number).
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
        bad = next((i for i, t in enumerate(arr) if not isinstance(t, str)), None)
        if bad is not None:
            value = arr[bad]
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                # a column with blanks (pandas reads them as NaN): say so, not "item 1 is float"
                raise ParameterError(f"texts must be strings; item {bad} is missing ({value!r}): fill missing texts "
                                     "first, e.g. X.fillna('') (framelens.read_corpus does, and reports them)")
            raise ParameterError(f"texts must be strings; item {bad} is {type(value).__name__}")
        return arr.tolist()

    def fit(self, X: Iterable[str] | Corpus, y: Any = None) -> "LexiconVectorizer":
        """Validate the parameters and compile the lexicon; the texts are only checked."""
        self._texts(X)
        return self._fit()

    def _fit(self) -> "LexiconVectorizer":
        if self.normalize not in (None, "rate"):
            raise ParameterError(f"normalize must be None or 'rate', not {self.normalize!r}")
        self.lexicon_ = as_lexicon(self.lexicon)
        self.matcher_ = compile_lexicon(self.lexicon_, engine=self.engine)
        self.feature_names_out_ = np.asarray(
            [f"{fam}__{lab}" for fam, lab in zip(self.matcher_.family_ids, self.matcher_.label_ids)], dtype=object)
        return self

    def fit_transform(self, X: Iterable[str] | Corpus, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        """:meth:`fit`, then :meth:`transform` of the same texts, read once: a generator of texts
        (consumed by ``fit``) would otherwise leave ``transform`` an empty matrix."""
        texts = self._texts(X)
        return self._fit()._matrix(texts)

    def transform(self, X: Iterable[str] | Corpus) -> sp.csr_matrix:
        """Documents × labels sparse matrix (float64)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "matcher_")
        return self._matrix(self._texts(X))

    def _matrix(self, texts: list[str]) -> sp.csr_matrix:
        hits = self.matcher_.find_many(texts)
        matrix = sp.csr_matrix((np.ones(len(hits.doc)), (hits.doc, hits.label)),
                               shape=(len(texts), len(self.feature_names_out_)), dtype=np.float64)
        matrix.sum_duplicates()
        if self.normalize == "rate":
            tokens = count_tokens_many(texts).astype(np.float64)
            matrix = sp.csr_matrix(sp.diags(np.divide(1000.0, tokens, out=np.zeros_like(tokens), where=tokens > 0)) @ matrix)
        return matrix

    def __getstate__(self) -> dict:
        # The compiled matcher is not pickled: it would be rebuilt with the engine it resolved to
        # ("auto" → "hyperscan"), which a machine without hyperscan (an ARM Mac) cannot load. The
        # receiving process compiles the lexicon again with the engine asked for (cached on disk).
        state = dict(super().__getstate__())
        state.pop("matcher_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "lexicon_" in state:
            self.matcher_ = compile_lexicon(self.lexicon_, engine=self.engine)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
