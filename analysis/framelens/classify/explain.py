"""Which features carry a fitted classifier's signal: per class, and per document.

For the linear models a document's score for class ``c`` is ``intercept[c] + Σ_f weight[c, f] ×
value[f]``, so the *contribution* of a feature to a prediction is its weight times its value in the
document; the contributions and the intercept add up to the model's decision score exactly. Binary
models have one weight vector ``w`` for ``classes_[1]``; ``classes_[0]`` is shown with ``-w``.
Naive Bayes weights are centred over classes (this changes no prediction).

Feature names say their kind: ``word:<n-gram>``, ``char:<n-gram>``, ``lexicon:<family>__<label>``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..errors import ParameterError
from .model import Classifier, _frame

__all__ = ["top_features", "explain"]


def _kind(names: np.ndarray) -> np.ndarray:
    return np.asarray([n.split(":", 1)[0] for n in names], dtype=object)


def top_features(model: Classifier, k: int = 20) -> pd.DataFrame:
    """The ``k`` features with the largest weight for each class of a fitted model.

    Returns
    -------
    DataFrame
        ``class, rank, feature, kind, is_lexicon, weight`` (rank 1 = largest weight). For stability
        over cross-validation folds see ``Evaluation.top_features`` (:func:`framelens.classify.evaluate`).

    Examples
    --------
    >>> import framelens
    >>> from framelens.classify import Classifier, top_features
    >>> clf = Classifier(lexicon="conflict_actors").fit(framelens.datasets.load_sample(), target="lean")
    >>> top = top_features(clf, k=5)
    >>> sorted(top["class"].unique())
    ['neutral', 'pro_government', 'pro_opposition']
    """
    check_is_fitted(model, "estimator_")
    if k < 1:
        raise ParameterError(f"k must be ≥ 1, not {k}")
    weights = model.coefficients()
    rows = []
    for cls in weights.columns:
        best = weights[cls].nlargest(k)
        for rank, (feature, w) in enumerate(best.items(), start=1):
            kind = feature.split(":", 1)[0]
            rows.append({"class": cls, "rank": rank, "feature": feature, "kind": kind, "is_lexicon": kind == "lexicon",
                         "weight": float(w)})
    return pd.DataFrame(rows, columns=["class", "rank", "feature", "kind", "is_lexicon", "weight"])


def explain(model: Classifier, X: Any, doc: str | Sequence[str] | None = None, *, k: int | None = 15,
            towards: str | None = None) -> pd.DataFrame:
    """The features that pushed each document's prediction, with their contributions.

    Parameters
    ----------
    model : Classifier
        A fitted classifier.
    X : Corpus, DataFrame or iterable of str
        The documents (their ``doc_id`` names them; plain texts are numbered from 0).
    doc : str or list of str, optional
        Only these document ids.
    k : int or None
        The ``k`` features of largest absolute contribution per document (None: all non-zero).
    towards : str, optional
        Explain the score of this class instead of the predicted one.

    Returns
    -------
    DataFrame
        ``doc_id, predicted, class, feature, kind, is_lexicon, value, weight, contribution``
        sorted by document then decreasing ``|contribution|``; ``value`` is the feature's value in
        the document (TF-IDF, or scaled lexicon count), ``weight`` the model's weight for ``class``,
        ``contribution = weight × value``. ``attrs["framelens"]`` is the provenance record (input and
        training-data fingerprints, the model's parameters and lexicon, versions);
        ``attrs["intercepts"]`` maps each class to its intercept
        and ``attrs["scores"]`` each document to its decision score for ``class``, which equals the
        intercept plus the sum of all contributions.

    Examples
    --------
    >>> import framelens
    >>> from framelens.classify import Classifier, explain
    >>> corpus = framelens.datasets.load_sample()
    >>> clf = Classifier(lexicon="conflict_actors").fit(corpus, target="lean")
    >>> why = explain(clf, corpus, doc="kv0001", k=5)
    >>> len(why), why["doc_id"].unique().tolist()
    (5, ['kv0001'])
    """
    check_is_fitted(model, "estimator_")
    if k is not None and not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ParameterError(f"k must be an integer ≥ 1 (or None for every feature), not {k!r}")
    frame = _frame(X)
    texts = all_texts = model.texts_of(X)
    ids = (frame["doc_id"].astype(str).tolist() if frame is not None and "doc_id" in frame.columns
           else [str(i) for i in range(len(texts))])
    if doc is not None:
        wanted = [doc] if isinstance(doc, str) else list(doc)
        position = {d: i for i, d in enumerate(ids)}
        unknown = [d for d in wanted if d not in position]
        if unknown:
            from ..errors import InputError

            raise InputError(f"no document with id {', '.join(map(repr, unknown[:5]))} "
                             f"({len(ids)} documents, ids such as {', '.join(map(repr, ids[:3]))})", field="doc_id")
        rows_idx = [position[d] for d in wanted]
        texts = [texts[i] for i in rows_idx]
        ids = wanted
    if towards is not None and towards not in [str(c) for c in model.classes_]:
        raise ParameterError(f"towards: {towards!r} is not a class; classes: {', '.join(map(str, model.classes_))}")
    weights, intercepts = model._linear()
    matrix = model._matrix(texts)
    predicted = model.estimator_.predict(matrix)
    class_names = [str(c) for c in model.classes_]
    kinds = _kind(model.feature_names_)
    out, scores = [], {}
    for i in range(matrix.shape[0]):
        cls = towards if towards is not None else str(predicted[i])
        ci = class_names.index(cls)
        row = matrix.getrow(i)
        cols, vals = row.indices, row.data
        contrib = weights[ci, cols] * vals
        scores[ids[i]] = float(intercepts[ci] + contrib.sum())
        order = np.argsort(-np.abs(contrib), kind="stable")
        if k is not None:
            order = order[:k]
        for j in order:
            c = cols[j]
            out.append({"doc_id": ids[i], "predicted": str(predicted[i]), "class": cls,
                        "feature": model.feature_names_[c], "kind": kinds[c], "is_lexicon": kinds[c] == "lexicon",
                        "value": float(vals[j]), "weight": float(weights[ci, c]), "contribution": float(contrib[j])})
    table = pd.DataFrame(out, columns=["doc_id", "predicted", "class", "feature", "kind", "is_lexicon", "value",
                                       "weight", "contribution"])
    from ..results import result_table

    record = model._output_record(X, all_texts, kind="explain",
                                  params={"doc": None if doc is None else list(ids), "k": k, "towards": towards})
    table = result_table(table, record)
    table.attrs["intercepts"] = {c: float(b) for c, b in zip(class_names, intercepts)}
    table.attrs["scores"] = scores
    return table
