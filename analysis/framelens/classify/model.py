"""A text classifier for news framing: word (and character) n-grams plus lexicon features.

:class:`Classifier` is a scikit-learn estimator: ``__init__`` only stores its parameters, ``fit``
validates them and returns ``self``, learned state ends in ``_``; it works in Pipelines, with
``clone`` and with scikit-learn's model selection tools. It reads texts from a
:class:`~framelens.corpus.Corpus` (or a DataFrame) and the target from one of its columns, or takes
texts and labels directly.

Features
    TF-IDF of word n-grams (sub-linear term frequency); optionally TF-IDF of character n-grams
    within word boundaries (robust to inflection and spelling); optionally the label counts of a
    lexicon (:class:`~framelens.scoring.LexiconVectorizer`), as ``log(1 + count)`` divided by the
    training maximum, so that a lexicon label weighs like a strong n-gram; optionally NB-weighted
    binary word n-grams (:class:`NBFeatures`, Wang & Manning 2012) for a binary target.
Estimators
    ``"logistic"`` (logistic regression, the default: probabilities and stable coefficients),
    ``"svm"`` (linear support vector machine) or ``"nb"`` (complement naive Bayes). With the NB block,
    logistic regression becomes :class:`LogitAverage`: one logistic regression on the other blocks,
    one on the NB block, and their log-odds averaged (still one linear model over all features).

Presets bundle configurations that were measured (``docs/classifiers.md``); parameters given
explicitly override the preset's.
"""
from __future__ import annotations

import functools
import hashlib
import warnings
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..corpus import Corpus
from ..errors import InputError, ParameterError
from ..lexicon.model import Family, Lexicon

__all__ = ["Classifier", "ClassifierWarning", "LexiconFeatures", "LogitAverage", "NBFeatures", "PRESETS", "DEFAULTS", "bias_cues",
           "combine_lexicons", "resolve_lexicon", "sentence_corpus"]


class ClassifierWarning(UserWarning):
    """Input was repaired (documents dropped) or a result needs care in reading."""


# Values every parameter takes when neither the preset nor the caller sets it.
DEFAULTS: dict[str, Any] = {
    "words": True,
    "ngram_range": (1, 2),
    "min_df": 1,
    "max_features": None,
    "chars": False,
    "char_ngram_range": (2, 5),
    "lexicon": False,
    "lexicon_weight": 1.0,
    "nb": False,
    "nb_C": 1.0,
    "estimator": "logistic",
    "C": 1.0,
    "alpha": 1.0,
    "class_weight": "balanced",
    "text": "text",
}

# Named configurations. "sentence_bias" is the configuration measured on BABE in docs/classifiers.md.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "words_chars": {"chars": True, "char_ngram_range": (1, 4), "C": 4.0},
    "lexicon_only": {"words": False, "chars": False},
    "conflict_framing": {"lexicon": "conflict_actors", "C": 4.0},
    "sentence_bias": {"chars": True, "char_ngram_range": (1, 4), "lexicon": "bias_cues", "C": 4.0, "nb": True},
}

ESTIMATORS = ("logistic", "svm", "nb")
_TUNABLE = tuple(DEFAULTS)


# ---------------------------------------------------------------------------------------------
# Lexicons: resolving names, combining several, and the bias-cue lexicon built from ../shared
# ---------------------------------------------------------------------------------------------
def combine_lexicons(lexicons: Sequence[Lexicon], name: str | None = None) -> Lexicon:
    """One lexicon holding the families of several; each family resolves its own overlaps.

    Family and label ids that occur in more than one lexicon are prefixed with their lexicon's name.

    Examples
    --------
    >>> from framelens.lexicon import load_lexicon
    >>> both = combine_lexicons([load_lexicon("conflict_actors"), load_lexicon("attribution")])
    >>> both.overlap, len(both.families) > len(load_lexicon("conflict_actors").families)
    ('family', True)
    """
    from ..lexicon import sanitise_id

    if not lexicons:
        raise ParameterError("combine_lexicons needs at least one lexicon")
    fam_count: dict[str, int] = {}
    lab_count: dict[str, int] = {}
    for lex in lexicons:
        for fam in lex.families:
            fam_count[fam.id] = fam_count.get(fam.id, 0) + 1
            for lab in fam.labels:
                lab_count[lab.id] = lab_count.get(lab.id, 0) + 1
    families = []
    for lex in lexicons:
        prefix = sanitise_id(lex.name)
        for fam in lex.families:
            labels = tuple(lab if lab_count[lab.id] == 1 else _renamed(lab, f"{prefix}_{lab.id}") for lab in fam.labels)
            fam_id = fam.id if fam_count[fam.id] == 1 else f"{prefix}_{fam.id}"
            families.append(Family(fam_id, labels, fam.description))
    return Lexicon(
        name=name or "+".join(lex.name for lex in lexicons),
        version="+".join(f"{lex.name}:{lex.version}" for lex in lexicons),
        families=tuple(families),
        description="Combined from: " + "; ".join(f"{lex.name} {lex.version} (sha256 {lex.fingerprint[:12]})"
                                                   for lex in lexicons),
        language=lexicons[0].language,
        overlap="family",
    )


def _renamed(label, new_id: str):
    from dataclasses import replace

    return replace(label, id=new_id)


@functools.lru_cache(maxsize=4)
def _bias_cues(root: str) -> Lexicon:
    from pathlib import Path

    from ..lexicon import read_wordlist

    base = Path(root)
    recasens = base / "lexicons" / "recasens2013"
    lists = [  # (file, family/label id)
        (recasens / "bias-lexicon.txt", "recasens_bias"),
        (recasens / "assertives_hooper1975.txt", "assertives"),
        (recasens / "factives_hooper1975.txt", "factives"),
        (recasens / "hedges_hyland2005.txt", "hedges"),
        (recasens / "implicatives_karttunen1971.txt", "implicatives"),
        (recasens / "report_verbs.txt", "report_verbs"),
        (base / "babe_mbic" / "bias_word_lexicon.txt", "babe_bias_words"),
    ]
    families: list[Family] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a few entries are not patterns ("a+"); dropped
        for path, ident in lists:
            families += read_wordlist(path, family=ident, label=ident, on_invalid="skip").families
        families += read_wordlist(base / "lexicons" / "mpqa_subjclues" / "subjclueslen1-HLTEMNLP05.tff",
                                  on_invalid="skip").families
        liu = [read_wordlist(base / "lexicons" / "liu_opinion" / f"{pol}_words.txt", family="liu_opinion",
                             label=f"liu_{pol}", on_invalid="skip").families[0].labels[0]
               for pol in ("positive", "negative")]
    families.append(Family("liu_opinion", tuple(liu)))
    return Lexicon(
        name="bias_cues", version="1", families=tuple(families), overlap="family",
        description="Bias cues read from ../shared/corpora: Recasens et al. 2013 bias lexicon and its "
                    "assertive, factive, hedge, implicative and report-verb lists; the BABE bias-word "
                    "lexicon (Spinde et al. 2021); MPQA subjectivity clues (Wilson et al. 2005) by type "
                    "and prior polarity; Hu & Liu opinion words.",
    )


def bias_cues() -> Lexicon:
    """The bias-cue lexicon of the ``sentence_bias`` preset, read where the lists lie in ../shared.

    Families: ``recasens_bias``, ``assertives``, ``factives``, ``hedges``, ``implicatives``,
    ``report_verbs`` (Recasens et al. 2013), ``babe_bias_words`` (BABE), ``strongsubj`` and
    ``weaksubj`` with one label per prior polarity (MPQA), ``liu_opinion`` (Hu & Liu). Each family
    counts on its own (a word may be in several lists). Raises
    :class:`~framelens.errors.InputError` when ../shared/corpora is not found.

    Examples
    --------
    >>> lex = bias_cues()  # doctest: +SKIP
    >>> "hedges" in lex.family_ids()  # doctest: +SKIP
    True
    """
    from ..datasets import shared_dir

    return _bias_cues(str(shared_dir(required=True)))


COMPOSITE_LEXICONS = {"bias_cues": bias_cues}


def resolve_lexicon(value: Any) -> Lexicon | None:
    """A Lexicon from a Lexicon, a built-in name, ``"bias_cues"``, a path, or a list of these.

    ``None`` and ``False`` mean no lexicon.
    """
    from ..scoring import as_lexicon

    if value is None or value is False:
        return None
    if isinstance(value, Lexicon):
        return value
    if isinstance(value, str) and value in COMPOSITE_LEXICONS:
        return COMPOSITE_LEXICONS[value]()
    if isinstance(value, (list, tuple)):
        lexicons = [resolve_lexicon(v) for v in value]
        if any(lex is None for lex in lexicons):
            raise ParameterError("lexicon: a list of lexicons cannot hold None/False")
        return lexicons[0] if len(lexicons) == 1 else combine_lexicons(lexicons)
    return as_lexicon(value)


# ---------------------------------------------------------------------------------------------
# Lexicon features as a transformer that can be saved (the compiled matcher is rebuilt on load)
# ---------------------------------------------------------------------------------------------
class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Lexicon label counts as classifier features: ``log(1 + count)`` over its training maximum.

    Parameters
    ----------
    lexicon : Lexicon or str
        Anything :func:`resolve_lexicon` accepts.
    engine : str
        Matching engine (see :func:`framelens.compile_lexicon`).

    Attributes
    ----------
    lexicon_ : Lexicon
    scale_ : ndarray
        ``1 / max(log(1 + count))`` per label over the training texts (1 where a label never occurs).
    feature_names_out_ : ndarray of str
        ``"<family>__<label>"``.

    Examples
    --------
    >>> f = LexiconFeatures("conflict_actors").fit(["Rebels shelled the town.", "The army said so."])
    >>> bool(f.transform(["Rebels and rebels."]).max() > 1)  # above the training maximum
    True
    """

    def __init__(self, lexicon: Lexicon | str = "conflict_actors", engine: str = "auto"):
        self.lexicon = lexicon
        self.engine = engine

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    def _vectorizer(self):
        # The compiled matcher (a hyperscan database) is not saved; rebuild it on first use.
        vec = self.__dict__.get("_vec")
        if vec is None:
            from ..scoring import LexiconVectorizer

            vec = LexiconVectorizer(self.lexicon_, engine=self.engine).fit([])
            self.__dict__["_vec"] = vec
        return vec

    def fit(self, X: Iterable[str], y: Any = None) -> "LexiconFeatures":
        lexicon = resolve_lexicon(self.lexicon)
        if lexicon is None:
            raise ParameterError("LexiconFeatures needs a lexicon")
        self.lexicon_ = lexicon
        self.__dict__.pop("_vec", None)
        vec = self._vectorizer()
        self.feature_names_out_ = np.asarray(vec.get_feature_names_out(), dtype=object)
        counts = vec.transform(list(X))
        top = np.asarray(counts.log1p().max(axis=0).todense()).ravel() if counts.shape[0] else np.zeros(counts.shape[1])
        self.scale_ = np.where(top > 0, 1.0 / np.where(top > 0, top, 1.0), 1.0)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "scale_")
        counts = self._vectorizer().transform(list(X))
        return sp.csr_matrix(counts.log1p() @ sp.diags(self.scale_))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        state.pop("_vec", None)
        return state


# ---------------------------------------------------------------------------------------------
# NB-weighted n-grams (Wang & Manning 2012) and the logistic regression that averages two blocks
# ---------------------------------------------------------------------------------------------
class NBFeatures(TransformerMixin, BaseEstimator):
    """Binary word n-grams scaled by their naive-Bayes log-count ratio, rows L2-normalised.

    The ratio of n-gram ``j`` is ``r_j = log((α + p_j) / ‖α + p‖₁) − log((α + q_j) / ‖α + q‖₁)``,
    with ``p`` and ``q`` the numbers of training texts of the second and first class holding it
    (Wang & Manning 2012, "Baselines and bigrams"). Needs a binary target.

    Parameters
    ----------
    ngram_range : (int, int)
        Word n-gram sizes (default (1, 2)).
    alpha : float
        Smoothing of the counts (default 1.0).

    Attributes
    ----------
    classes_ : ndarray
        The two classes; a positive ratio points to ``classes_[1]``.
    terms_ : ndarray of str
        The n-grams, in feature order.
    ratio_ : ndarray
        The log-count ratio of each n-gram.

    Examples
    --------
    >>> f = NBFeatures().fit(["a shocking lie", "a plain report", "shocking"], ["bias", "fact", "bias"])
    >>> f.classes_.tolist(), bool(f.ratio_[list(f.terms_).index("shocking")] < 0)  # points to "bias"
    (['bias', 'fact'], True)
    """

    def __init__(self, ngram_range: tuple = (1, 2), alpha: float = 1.0):
        self.ngram_range = ngram_range
        self.alpha = alpha

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags

    def _counter(self, vocabulary: dict | None = None):
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(ngram_range=tuple(self.ngram_range), binary=True, vocabulary=vocabulary,
                               dtype=np.float64)

    def fit(self, X: Iterable[str], y: Any = None) -> "NBFeatures":
        if y is None:
            raise ParameterError("NBFeatures needs the labels (a binary target)")
        labels = np.asarray(list(y) if not isinstance(y, np.ndarray) else y)
        classes = np.unique(labels)
        if len(classes) != 2:
            raise ParameterError(f"NB-weighted features need a binary target; this one has {len(classes)} classes "
                                 f"({', '.join(map(str, classes[:5]))}); set nb=False")
        if not (isinstance(self.alpha, (int, float)) and self.alpha > 0):
            raise ParameterError(f"alpha must be a positive number, not {self.alpha!r}")
        counter = self._counter()
        B = counter.fit_transform(list(X))
        p = self.alpha + np.asarray(B[labels == classes[1]].sum(axis=0)).ravel()
        q = self.alpha + np.asarray(B[labels == classes[0]].sum(axis=0)).ravel()
        self.classes_ = classes
        self.ratio_ = np.log(p / p.sum()) - np.log(q / q.sum())
        terms = np.empty(len(counter.vocabulary_), dtype=object)
        for term, index in counter.vocabulary_.items():
            terms[index] = term
        self.terms_ = terms.astype(str)
        self.__dict__["_counter_fitted"] = counter
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        from sklearn.preprocessing import normalize

        check_is_fitted(self, "ratio_")
        counter = self.__dict__.get("_counter_fitted")
        if counter is None:  # not saved: rebuilt from the terms on first use after loading
            counter = self._counter({str(t): i for i, t in enumerate(self.terms_)})
            self.__dict__["_counter_fitted"] = counter
        return normalize(sp.csr_matrix(counter.transform(list(X)) @ sp.diags(self.ratio_)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "terms_")
        return np.asarray(self.terms_, dtype=object)

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_counter_fitted", None)
        return state


class LogitAverage(ClassifierMixin, BaseEstimator):
    """Two logistic regressions on two column blocks, their log-odds averaged.

    Columns ``[:split]`` and ``[split:]`` each get their own logistic regression (with their own
    ``C``); the decision score is the mean of the two. That is still one linear model,
    ``coef_ = [w₁ / 2, w₂ / 2]`` and ``intercept_ = (b₁ + b₂) / 2``, so explanations stay exact.
    The blocks are regularised separately, which an NB-weighted block needs (Wang & Manning 2012
    interpolate the same way).

    Parameters
    ----------
    split : int
        The first column of the second block.
    C : (float, float)
        Inverse regularisation strength of each block's model.
    class_weight : {"balanced", None}

    Examples
    --------
    >>> X = np.array([[0., 1., 1.], [1., 0., 0.], [0., 1., 1.], [1., 0., 0.]])
    >>> m = LogitAverage(split=2).fit(X, ["a", "b", "a", "b"])
    >>> m.predict(X).tolist(), m.coef_.shape
    (['a', 'b', 'a', 'b'], (1, 3))
    """

    def __init__(self, split: int = 1, C: tuple = (1.0, 1.0), class_weight: str | None = "balanced"):
        self.split = split
        self.C = C
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any) -> "LogitAverage":
        from sklearn.linear_model import LogisticRegression

        X = sp.csr_matrix(X)
        if not (0 < self.split < X.shape[1]):
            raise ParameterError(f"split must lie inside the {X.shape[1]} columns, not {self.split!r}")
        parts = [X[:, :self.split], X[:, self.split:]]
        models = [LogisticRegression(C=float(c), class_weight=self.class_weight, max_iter=5000).fit(part, y)
                  for c, part in zip(self.C, parts)]
        self.classes_ = models[0].classes_
        self.coef_ = np.hstack([m.coef_ for m in models]) / 2
        self.intercept_ = (models[0].intercept_ + models[1].intercept_) / 2
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        scores = np.asarray(sp.csr_matrix(X) @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        from scipy.special import expit, softmax

        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.column_stack([1 - p, p])
        return softmax(scores, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)]


# ---------------------------------------------------------------------------------------------
# Reading texts and targets
# ---------------------------------------------------------------------------------------------
def _frame(X: Any) -> pd.DataFrame | None:
    if isinstance(X, Corpus):
        return X.docs
    if isinstance(X, pd.DataFrame):
        return X
    return None


def _column_texts(frame: pd.DataFrame, column: str, *, what: str = "the model") -> list[str]:
    if column not in frame.columns:
        raise InputError(f"no column {column!r}, which {what} reads its texts from; the columns are: "
                         f"{', '.join(map(str, frame.columns))}", field=column)
    return frame[column].astype("string").fillna("").astype(str).tolist()


def _as_texts(X: Any, column: str = "text") -> list[str]:
    """Texts from a Corpus, a DataFrame (``column``) or an iterable of strings."""
    frame = _frame(X)
    if frame is not None:
        return _column_texts(frame, column)
    if isinstance(X, str):
        raise ParameterError("expected several texts, got one string; wrap it in a list")
    if isinstance(X, pd.Series):
        X = X.tolist()
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"texts must be strings; item {i} is {type(t).__name__}", row=i)
    return texts


def _as_target(X: Any, y: Any, target: str | None) -> tuple[np.ndarray, str | None]:
    """The labels and, when they come from a column, its name."""
    frame = _frame(X)
    if isinstance(y, str):
        if target is not None and target != y:
            raise ParameterError(f"two targets given: y={y!r} and target={target!r}")
        target, y = y, None
    if target is not None:
        if frame is None:
            raise ParameterError("target= names a column; pass a Corpus or a DataFrame, or pass the labels as y")
        if target not in frame.columns:
            raise InputError(f"no target column {target!r}; the columns are: {', '.join(map(str, frame.columns))}",
                             field=target)
        if y is not None:
            raise ParameterError("give either y or target, not both")
        col = frame[target]
        labels = np.asarray(col.astype("string").fillna("").astype(str).to_numpy(dtype=object), dtype=object)
        labels[col.isna().to_numpy()] = None
        return labels, target
    if y is None:
        raise ParameterError("fit needs labels: y (one per text) or target= (a column of the corpus)")
    labels = np.asarray(list(y) if not isinstance(y, np.ndarray) else y, dtype=object)
    if labels.ndim != 1:
        raise ParameterError(f"y must be one label per text, got an array of shape {labels.shape}")
    return labels, None


def _missing(labels: np.ndarray) -> np.ndarray:
    return np.array([v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())
                     for v in labels], dtype=bool)


def check_training_data(texts: list[str], labels: np.ndarray, *, ids: Sequence[str] | None = None,
                        target: str | None = None, min_per_class: int = 1) -> np.ndarray:
    """Validate texts and labels before any fitting; return the mask of usable documents.

    Documents with an empty text or a missing label are left out with a :class:`ClassifierWarning`
    (the rest is still a valid sample); a target with fewer than two classes, or a class with
    fewer than ``min_per_class`` documents, is an :class:`~framelens.errors.InputError`.
    """
    field = target or "y"
    if len(texts) != len(labels):
        raise InputError(f"{len(texts)} texts but {len(labels)} labels", field=field)
    ids = list(ids) if ids is not None else [str(i) for i in range(len(texts))]
    empty = np.array([not t.strip() for t in texts], dtype=bool)
    missing = _missing(labels)
    keep = ~(empty | missing)
    for mask, what in ((empty, "an empty text"), (missing & ~empty, f"no {field} label")):
        if mask.any():
            shown = ", ".join(map(repr, [ids[i] for i in np.flatnonzero(mask)[:5]]))
            warnings.warn(f"{int(mask.sum())} document(s) with {what} left out ({shown}"
                          f"{' …' if mask.sum() > 5 else ''})", ClassifierWarning, stacklevel=3)
    if not keep.any():
        raise InputError("no document has both a non-empty text and a label", field=field)
    counts = pd.Series(labels[keep].astype(str)).value_counts()
    if len(counts) < 2:
        raise InputError(f"the target has one class only ({counts.index[0]!r}, {int(counts.iloc[0])} documents); "
                         "a classifier needs at least two", field=field)
    small = counts[counts < min_per_class]
    if len(small):
        listed = ", ".join(f"{c!r} ({n})" for c, n in small.items())
        raise InputError(f"class(es) with fewer documents than the {min_per_class} folds: {listed}; use fewer "
                         "folds (cv=...), merge these classes or drop them", field=field)
    return keep


def fingerprint_texts(texts: Sequence[str], labels: Sequence[Any] | None = None) -> str:
    """SHA-256 of texts (and labels) in order: identifies training data that is not a Corpus."""
    h = hashlib.sha256()
    for i, t in enumerate(texts):
        h.update(t.encode("utf-8"))
        h.update(b"\x1f")
        if labels is not None:
            h.update(str(labels[i]).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# The classifier
# ---------------------------------------------------------------------------------------------
class Classifier(ClassifierMixin, BaseEstimator):
    """Predict a label (source, stance group, frame, bias) from text; see which words carry it.

    Every parameter except ``preset`` and ``random_state`` defaults to ``None``, meaning "the
    preset's value, else the default" (:data:`DEFAULTS`); the resolved values are in ``params_``
    after fitting and from :meth:`resolved_params` before.

    Parameters
    ----------
    preset : str, optional
        A named configuration (:data:`PRESETS`): ``"default"`` (word 1–2-grams, logistic
        regression), ``"words_chars"``, ``"lexicon_only"``, ``"conflict_framing"`` (+ the
        ``conflict_actors`` lexicon), ``"sentence_bias"`` (word 1–2-grams, character 1–4-grams and
        the :func:`bias_cues` lexicon, plus NB-weighted word 1–2-grams; the configuration measured
        on BABE).
    words : bool
        Word n-gram TF-IDF features (default True).
    ngram_range : (int, int)
        Word n-gram sizes (default (1, 2)).
    min_df : int or float
        Minimum document frequency of an n-gram (default 1).
    max_features : int, optional
        Keep only the most frequent n-grams.
    chars : bool
        Character n-gram TF-IDF features within word boundaries (default False).
    char_ngram_range : (int, int)
        Character n-gram sizes (default (2, 5)).
    lexicon : Lexicon, str, list or False
        Lexicon features: a Lexicon, a built-in name, a path, ``"bias_cues"``, or a list of these
        (combined). ``False`` (the default) means none.
    lexicon_weight : float
        Multiplies the lexicon features (default 1.0).
    nb : bool
        Add binary word n-grams (``ngram_range``) weighted by their naive-Bayes log-count ratio
        (:class:`NBFeatures`; default False). Needs a binary target and ``estimator="logistic"``,
        which then fits :class:`LogitAverage`: the NB block gets its own logistic regression
        (``nb_C``) and its log-odds are averaged with the other blocks' model.
    nb_C : float
        Inverse regularisation strength of the NB block's model (default 1.0).
    estimator : {"logistic", "svm", "nb"}
        Logistic regression (default), linear SVM, or complement naive Bayes.
    C : float
        Inverse regularisation strength of the linear models (default 1.0).
    alpha : float
        Smoothing of naive Bayes (default 1.0).
    class_weight : {"balanced", "uniform"}
        Weigh classes inversely to their frequency (default) or equally (not used by naive Bayes).
    text : str
        The column holding the texts when fitting on a Corpus or DataFrame (default ``"text"``;
        ``"title"`` classifies headlines).
    random_state : int
        Seed of the linear SVM's solver (default 0).

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted.
    params_ : dict
        The resolved parameters.
    features_ : list of (str, transformer, float)
        ``(kind, fitted transformer, weight)`` for ``kind`` in ``word``, ``char``, ``lexicon``.
    estimator_ : estimator
        The fitted scikit-learn model.
    feature_names_ : ndarray of str
        ``"word:<n-gram>"``, ``"char:<n-gram>"``, ``"lexicon:<family>__<label>"``, ``"nb:<n-gram>"``.
    training_ : dict
        What the model was trained on: fingerprint, documents, target, class counts, text column.

    Examples
    --------
    >>> import framelens
    >>> corpus = framelens.datasets.load_sample()
    >>> clf = framelens.classify.Classifier(lexicon="conflict_actors").fit(corpus, target="lean")
    >>> clf.classes_.tolist()
    ['neutral', 'pro_government', 'pro_opposition']
    >>> str(clf.predict(["The heroic freedom fighters liberated the village."])[0])
    'pro_opposition'
    """

    def __init__(self, preset: str | None = None, *, words: bool | None = None, ngram_range: tuple | None = None,
                 min_df: int | float | None = None, max_features: int | None = None, chars: bool | None = None,
                 char_ngram_range: tuple | None = None, lexicon: Any = None, lexicon_weight: float | None = None,
                 nb: bool | None = None, nb_C: float | None = None, estimator: str | None = None, C: float | None = None, alpha: float | None = None,
                 class_weight: str | None = None, text: str | None = None, random_state: int | None = 0):
        self.preset = preset
        self.words = words
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.chars = chars
        self.char_ngram_range = char_ngram_range
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight
        self.nb = nb
        self.nb_C = nb_C
        self.estimator = estimator
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight
        self.text = text
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    # -- parameters -------------------------------------------------------------------------
    def resolved_params(self) -> dict[str, Any]:
        """Defaults, overridden by the preset, overridden by the parameters set explicitly."""
        if self.preset is not None and self.preset not in PRESETS:
            raise ParameterError(f"unknown preset {self.preset!r}; presets: {', '.join(PRESETS)}")
        params = {**DEFAULTS, **PRESETS.get(self.preset or "default", {})}
        for name in _TUNABLE:
            value = getattr(self, name)
            if value is not None:
                params[name] = value
        self._check_params(params)
        return params

    @staticmethod
    def _check_params(p: dict[str, Any]) -> None:
        if p["estimator"] not in ESTIMATORS:
            raise ParameterError(f"estimator must be one of {', '.join(ESTIMATORS)}, not {p['estimator']!r}")
        if p["class_weight"] not in ("balanced", "uniform"):
            raise ParameterError(f"class_weight must be 'balanced' or 'uniform', not {p['class_weight']!r}")
        for key in ("ngram_range", "char_ngram_range"):
            r = p[key]
            if not (isinstance(r, (tuple, list)) and len(r) == 2 and all(isinstance(v, (int, np.integer)) for v in r)
                    and 1 <= r[0] <= r[1]):
                raise ParameterError(f"{key} must be a pair (min_n, max_n) with 1 ≤ min_n ≤ max_n, not {r!r}")
        for key in ("C", "alpha", "lexicon_weight", "nb_C"):
            if not (isinstance(p[key], (int, float)) and p[key] > 0):
                raise ParameterError(f"{key} must be a positive number, not {p[key]!r}")
        if not (p["words"] or p["chars"] or p["nb"] or (p["lexicon"] is not None and p["lexicon"] is not False)):
            raise ParameterError("no features: set words=True, chars=True, nb=True or give a lexicon")
        if p["nb"] and p["estimator"] != "logistic":
            raise ParameterError(f"nb=True works with estimator='logistic' only, not {p['estimator']!r}")
        if not isinstance(p["text"], str):
            raise ParameterError(f"text must be a column name, not {p['text']!r}")

    # -- fitting ----------------------------------------------------------------------------
    def _make_features(self, p: dict[str, Any]) -> list[tuple[str, Any, float]]:
        features: list[tuple[str, Any, float]] = []
        if p["words"]:
            features.append(("word", TfidfVectorizer(ngram_range=tuple(p["ngram_range"]), min_df=p["min_df"],
                                                     max_features=p["max_features"], sublinear_tf=True,
                                                     dtype=np.float64), 1.0))
        if p["chars"]:
            features.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(p["char_ngram_range"]),
                                                     min_df=2, sublinear_tf=True, dtype=np.float64), 1.0))
        if p["lexicon"] is not None and p["lexicon"] is not False:
            features.append(("lexicon", LexiconFeatures(p["lexicon"]), float(p["lexicon_weight"])))
        if p["nb"]:  # last: LogitAverage splits the columns before it
            features.append(("nb", NBFeatures(ngram_range=tuple(p["ngram_range"])), 1.0))
        return features

    def _make_estimator(self, p: dict[str, Any], split: int = 0):
        weight = "balanced" if p["class_weight"] == "balanced" else None
        if p["nb"] and split > 0:
            return LogitAverage(split=split, C=(float(p["C"]), float(p["nb_C"])), class_weight=weight)
        if p["nb"]:  # the NB block alone
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=float(p["nb_C"]), class_weight=weight, max_iter=5000)
        if p["estimator"] == "logistic":
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=float(p["C"]), class_weight=weight, max_iter=5000)
        if p["estimator"] == "svm":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=float(p["C"]), class_weight=weight, random_state=self.random_state, max_iter=10000)
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=float(p["alpha"]))

    def fit(self, X: Any, y: Any = None, *, target: str | None = None) -> "Classifier":
        """Fit on a Corpus/DataFrame and a target column, or on texts and labels.

        Parameters
        ----------
        X : Corpus, DataFrame or iterable of str
        y : array-like or str, optional
            One label per text, or the name of a target column of ``X``.
        target : str, optional
            The target column of ``X`` (same as passing its name as ``y``).

        Documents with an empty text or a missing label are left out with a
        :class:`ClassifierWarning`; a target with a single class is an error.
        """
        p = self.resolved_params()
        frame = _frame(X)
        texts = _as_texts(X, p["text"])
        labels, target_name = _as_target(X, y, target)
        ids = frame["doc_id"].astype(str).tolist() if frame is not None and "doc_id" in frame.columns else None
        keep = check_training_data(texts, labels, ids=ids, target=target_name)
        texts = [t for t, k in zip(texts, keep) if k]
        labels = np.asarray(labels[keep].tolist())  # a plain dtype again: str or numeric labels
        features = self._make_features(p)
        blocks = []
        for kind, transformer, weight in features:
            try:
                blocks.append(transformer.fit_transform(texts, labels) * weight)
            except ValueError as exc:  # scikit-learn's "empty vocabulary" / "no terms remain"
                if not any(m in str(exc) for m in ("empty vocabulary", "no terms remain", "than min_df")):
                    raise
                raise InputError(f"no {kind} features in the {len(texts)} training texts (word n-grams count tokens "
                                 f"of two or more letters or digits; min_df={p['min_df']!r}): {exc}",
                                 field=p["text"] if frame is not None else None) from None
        matrix = sp.hstack(blocks, format="csr")
        split = sum(b.shape[1] for (kind, _, _), b in zip(features, blocks) if kind != "nb")
        from threadpoolctl import threadpool_limits

        # L-BFGS makes many tiny BLAS calls; with several BLAS threads they run ~10× slower.
        with threadpool_limits(limits=1, user_api="blas"):
            self.estimator_ = self._make_estimator(p, split).fit(matrix, labels)
        self.classes_ = self.estimator_.classes_
        self.features_ = features
        self.params_ = p
        self.feature_names_ = np.asarray(
            [f"{kind}:{name}" for kind, transformer, _ in features for name in transformer.get_feature_names_out()],
            dtype=object)
        counts = pd.Series(labels.astype(str)).value_counts().sort_index()
        lexicon = next((t.lexicon_ for kind, t, _ in features if kind == "lexicon"), None)
        self.training_ = {
            "corpus": X.provenance() if isinstance(X, Corpus) else {
                "name": None, "n_docs": len(keep), "sha256": fingerprint_texts(_as_texts(X, p["text"]))},
            "data_sha256": fingerprint_texts(texts, labels),
            "n_docs_used": int(keep.sum()),
            "target": target_name,
            "text_column": p["text"] if frame is not None else None,
            "class_counts": {str(k): int(v) for k, v in counts.items()},
            "lexicon": lexicon.provenance() if lexicon is not None else None,
        }
        return self

    # -- prediction -------------------------------------------------------------------------
    def transform_texts(self, X: Any) -> sp.csr_matrix:
        """The weighted feature matrix the estimator sees (documents × ``feature_names_``)."""
        check_is_fitted(self, "estimator_")
        return self._matrix(self.texts_of(X))

    def _matrix(self, texts: list[str]) -> sp.csr_matrix:
        return sp.hstack([transformer.transform(texts) * weight for _, transformer, weight in self.features_],
                         format="csr")

    def _output_record(self, X: Any, texts: list[str], *, kind: str, params: dict | None = None) -> dict:
        """The provenance record of a table computed by this model on ``X``: the input's fingerprint (a
        Corpus's own, else that of the texts read), the model's lexicon, parameters and training data."""
        from ..results import provenance_record

        lexicon = next((t.lexicon_ for k, t, _ in self.features_ if k == "lexicon"), None)
        run: dict[str, Any] = {"model": {"params": self.params_, "classes": [str(c) for c in self.classes_],
                                         "training": {k: self.training_.get(k) for k in
                                                      ("corpus", "data_sha256", "target", "text_column")}}}
        if not isinstance(X, Corpus):
            run["input"] = {"n_docs": len(texts), "text_column": self.params_["text"] if _frame(X) is not None
                            else None, "sha256": fingerprint_texts(texts)}
        return provenance_record(X if isinstance(X, Corpus) else None, lexicon, {**run, **(params or {})}, kind=kind)

    def texts_of(self, X: Any) -> list[str]:
        """The texts of ``X`` the model reads: the training text column of a Corpus/DataFrame."""
        check_is_fitted(self, "estimator_")
        column = self.params_["text"]
        frame = _frame(X)
        if frame is not None and column not in frame.columns:
            raise InputError(f"the model was trained on the column {column!r}, which this input lacks; the "
                             f"columns are: {', '.join(map(str, frame.columns))}", field=column)
        texts = _as_texts(X, column)
        n_empty = sum(1 for t in texts if not t.strip())
        if texts and n_empty == len(texts):
            # A Corpus always has a title column (empty when the file had none): refuse rather than
            # predict every document from the class priors.
            raise InputError(f"every text the model reads is empty: it was trained on the column {column!r}, "
                             f"which is empty in all {len(texts)} document(s) of this input"
                             + (" (map the file's headline column with --title-column / title=)" if column == "title"
                                else ""), field=column)
        if n_empty:
            warnings.warn(f"{n_empty} empty text(s): their predictions rest on the class priors alone",
                          ClassifierWarning, stacklevel=3)
        return texts

    def predict(self, X: Any) -> np.ndarray:
        """The predicted class of each text."""
        return self.estimator_.predict(self.transform_texts(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """Per-class scores: log-odds (logistic regression), margins (SVM), or for naive Bayes the joint
        log-likelihoods centred on their mean over classes (same argmax) — in every case the intercept
        plus the contributions that :func:`~framelens.classify.explain` reports."""
        est = self.estimator_
        matrix = self.transform_texts(X)
        if hasattr(est, "decision_function"):
            return est.decision_function(matrix)
        joint = est.predict_joint_log_proba(matrix)
        return joint - joint.mean(axis=1, keepdims=True)  # as coefficients(): NB weights centred over classes

    def _has_proba(self) -> bool:
        check_is_fitted(self, "estimator_")
        return hasattr(self.estimator_, "predict_proba")

    @available_if(_has_proba)
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (columns in ``classes_`` order); not available for the SVM."""
        return self.estimator_.predict_proba(self.transform_texts(X))

    def predict_table(self, X: Any) -> pd.DataFrame:
        """``doc_id, predicted`` and one ``proba_<class>`` (or ``score_<class>``) column per class.

        A :class:`~framelens.results.ResultTable`: ``attrs["framelens"]`` records the input's
        fingerprint, the model's parameters, lexicon and training-data fingerprints, and versions.
        """
        frame = _frame(X)
        ids = frame["doc_id"].astype(str).tolist() if frame is not None and "doc_id" in frame.columns else None
        texts = self.texts_of(X)
        matrix = self._matrix(texts)
        out = pd.DataFrame({"doc_id": ids if ids is not None else [str(i) for i in range(matrix.shape[0])],
                            "predicted": self.estimator_.predict(matrix)})
        if hasattr(self.estimator_, "predict_proba"):
            values, prefix = self.estimator_.predict_proba(matrix), "proba_"
        else:
            values, prefix = self.estimator_.decision_function(matrix), "score_"
            if values.ndim == 1:
                values = np.column_stack([-values, values])
        for i, cls in enumerate(self.classes_):
            out[f"{prefix}{cls}"] = values[:, i]
        from ..results import result_table

        return result_table(out, self._output_record(X, texts, kind="predict"))

    # -- interpretation -----------------------------------------------------------------------
    def coefficients(self) -> pd.DataFrame:
        """Features × classes weights: what each feature adds to each class's score.

        Binary linear models have one weight vector ``w`` (for ``classes_[1]``); it is shown as
        ``-w`` for ``classes_[0]`` and ``w`` for ``classes_[1]``. Naive Bayes weights are centred on
        their mean over classes (which changes no prediction).
        """
        check_is_fitted(self, "estimator_")
        weights, _ = self._linear()
        return pd.DataFrame(weights.T, index=pd.Index(self.feature_names_, name="feature"),
                            columns=pd.Index([str(c) for c in self.classes_], name="class"))

    def _linear(self) -> tuple[np.ndarray, np.ndarray]:
        """(classes × features weights, per-class intercepts), with features already weighted."""
        est = self.estimator_
        if hasattr(est, "coef_"):
            coef, intercept = np.asarray(est.coef_), np.asarray(est.intercept_)
            if coef.shape[0] == 1:
                return np.vstack([-coef[0], coef[0]]), np.array([-intercept[0], intercept[0]])
            return coef, intercept
        flp = np.asarray(est.feature_log_prob_)
        return flp - flp.mean(axis=0, keepdims=True), np.zeros(flp.shape[0])

    def top_features(self, k: int = 20) -> pd.DataFrame:
        """The ``k`` features with the largest weight for each class (see :mod:`framelens.classify.explain`)."""
        from .explain import top_features

        return top_features(self, k=k)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        return super().__repr__(N_CHAR_MAX)

    # -- compact state: a vocabulary as two arrays, not a dict of thousands of entries ------------
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ may return __dict__ itself
        if "features_" in state:
            state["features_"] = [_pack(kind, transformer, weight) for kind, transformer, weight in state["features_"]]
            state["feature_names_"] = np.asarray(state["feature_names_"], dtype=str)
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "features_" in state:
            state["features_"] = [_unpack(item) for item in state["features_"]]
            state["feature_names_"] = np.asarray(state["feature_names_"], dtype=object)
        super().__setstate__(state)


def _pack(kind: str, transformer: Any, weight: float) -> dict:
    """A fitted feature block as plain data: TF-IDF vectorizers as parameters, terms and idf weights."""
    if isinstance(transformer, TfidfVectorizer):
        vocab = transformer.vocabulary_
        terms = np.empty(len(vocab), dtype=object)
        for term, index in vocab.items():
            terms[index] = term
        return {"kind": kind, "weight": weight, "params": transformer.get_params(),
                "terms": terms.astype(str), "idf": np.asarray(transformer.idf_)}
    return {"kind": kind, "weight": weight, "transformer": transformer}


def _unpack(item: dict) -> tuple[str, Any, float]:
    if "transformer" in item:
        return item["kind"], item["transformer"], item["weight"]
    vec = TfidfVectorizer(**item["params"])
    vec.vocabulary_ = {str(t): i for i, t in enumerate(item["terms"])}
    vec.fixed_vocabulary_ = False
    vec.idf_ = np.asarray(item["idf"], dtype=np.float64)
    vec._tfidf.n_features_in_ = len(item["terms"])
    return item["kind"], vec, item["weight"]


# ---------------------------------------------------------------------------------------------
def sentence_corpus(corpus: Corpus | pd.DataFrame) -> Corpus:
    """One document per sentence, carrying its document's metadata.

    Returns
    -------
    Corpus
        ``doc_id`` = ``<doc_id>#s<k>`` (k from 0), the parent's ``source, date, title`` and
        metadata columns, plus ``parent_id``, ``sentence`` (k), ``start`` and ``end`` (offsets in the
        parent text). Group folds by ``parent_id`` (or a story column) so that sentences of one
        document never sit on both sides of a split.

    Examples
    --------
    >>> import framelens
    >>> sents = sentence_corpus(framelens.datasets.load_sample())
    >>> sents.docs.loc[0, "parent_id"], int(sents.docs.loc[0, "sentence"])
    ('kv0001', 0)
    """
    from ..scoring import as_corpus

    corpus = as_corpus(corpus)
    bounds = corpus.sentence_bounds()
    rows = np.repeat(np.arange(len(corpus)), bounds.counts)
    docs = corpus.docs.iloc[rows].reset_index(drop=True)
    sentence = np.arange(len(rows), dtype=np.int64) - bounds.first[rows]  # 0-based within its document
    parent = docs["doc_id"].astype(str)
    texts = corpus.texts
    docs = docs.assign(
        doc_id=[f"{pid}#s{k}" for pid, k in zip(parent, sentence.tolist())],
        text=[texts[r][s:e] for r, s, e in zip(rows.tolist(), bounds.starts.tolist(), bounds.ends.tolist())],
        parent_id=parent.to_numpy(),
        sentence=sentence,
        start=bounds.starts.copy(),
        end=bounds.ends.copy(),
    )
    meta = {**corpus.meta, "name": f"{corpus.meta.get('name') or 'corpus'} (sentences)", "sentences_of": corpus.fingerprint}
    return Corpus(docs, meta, ())
