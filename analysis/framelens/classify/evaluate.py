"""Cross-validation that avoids leakage, against a dummy and a lexicon-only baseline.

A random split flatters a text classifier whenever documents share something the label rides on:
reports of the same story (their wording is shared by topic, not by framing), or — for a stance
group such as an outlet's political lean — the outlet itself (the model learns to recognise the
outlet's house style). :func:`evaluate` therefore

- keeps each group (story, event, topic) on one side of every split when ``groups`` is given
  (:class:`~sklearn.model_selection.StratifiedGroupKFold`);
- tests on outlets the model has never seen when the target is constant within each outlet and
  several outlets share each class (the "media split" of Baly et al. 2020);
- compares the model with a :class:`~sklearn.dummy.DummyClassifier` (the class priors) and with a
  logistic regression on the lexicon features alone, fold by fold, on the same folds.

All checks of the input run before anything is fitted.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from ..corpus import Corpus
from ..errors import InputError, ParameterError
from ..provenance import provenance
from ..results import result_table
from .model import (Classifier, ClassifierWarning, _as_target, _column_texts, check_training_data, fingerprint_texts,
                    resolve_lexicon)

__all__ = ["Evaluation", "evaluate", "make_folds", "SPLITS"]

SPLITS = ("auto", "stratified", "random", "group", "outlet")
MODELS = ("model", "dummy", "lexicon_only")
METRICS = ("macro_f1", "accuracy", "balanced_accuracy")


# ---------------------------------------------------------------------------------------------
# Folds
# ---------------------------------------------------------------------------------------------
OUTLET_PURITY = 0.95  # share of documents whose label is their outlet's majority label


def _outlet_labels(y: np.ndarray, sources: np.ndarray) -> tuple[pd.Series, float]:
    """Each outlet's majority label (ties: the first in sorted order) and the share of documents it covers."""
    counts = pd.crosstab(pd.Series(sources, name="s"), pd.Series(y, name="y"))
    majority = counts.idxmax(axis=1)
    return majority, float(counts.max(axis=1).sum() / max(len(y), 1))


def _is_outlet_level(y: np.ndarray, sources: np.ndarray) -> bool:
    """True for a stance group: labels (nearly) constant within outlets, and some label spans several outlets."""
    majority, purity = _outlet_labels(y, sources)
    every_class_has_outlets = set(majority) == set(np.unique(y))
    return bool(purity >= OUTLET_PURITY and every_class_has_outlets and majority.value_counts().max() > 1)


def _outlet_folds(y: np.ndarray, sources: np.ndarray, cv: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each class's outlets dealt to folds, largest first, so each fold tests unseen outlets of every class."""
    rng = np.random.default_rng(seed)
    majority, _ = _outlet_labels(y, sources)
    sizes_all = pd.Series(sources).value_counts()
    fold_of: dict[Any, int] = {}
    for cls in sorted(majority.unique(), key=str):
        outlets = np.array(sorted(majority.index[majority == cls]), dtype=object)
        sizes = sizes_all[outlets]
        order = list(outlets[rng.permutation(len(outlets))])  # seeded order breaks ties of size
        order.sort(key=lambda s: -sizes[s])
        load = np.zeros(cv, dtype=np.int64)
        for outlet in order:
            f = int(np.argmin(load))
            fold_of[outlet] = f
            load[f] += sizes[outlet]
    fold = pd.Series(sources).map(fold_of).to_numpy()
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(cv)]


def make_folds(y: np.ndarray, *, split: str, cv: int, seed: int, groups: np.ndarray | None = None,
               sources: np.ndarray | None = None, target: str = "y", group_name: str | None = None
               ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs for ``split`` in ``stratified``, ``group`` or ``outlet``; checks first.

    Raises :class:`~framelens.errors.InputError` when the split cannot be made honestly: a class
    with fewer documents (stratified), groups (group) or outlets (outlet) than it needs.
    """
    y = np.asarray(y).astype(str)
    counts = pd.Series(y).value_counts()
    if split == "stratified":
        small = counts[counts < cv]
        if len(small):
            listed = ", ".join(f"{c!r} ({n})" for c, n in small.items())
            raise InputError(f"class(es) with fewer documents than the {cv} folds: {listed}; use cv ≤ "
                             f"{int(counts.min())}, merge these classes or drop them", field=target)
        return list(StratifiedKFold(cv, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    if split == "group":
        g = np.asarray(groups).astype(str)
        n_groups = len(np.unique(g))
        if n_groups < cv:
            raise InputError(f"{n_groups} groups in {group_name!r} cannot make {cv} folds; use cv ≤ {n_groups}",
                             field=group_name)
        per_class = pd.DataFrame({"y": y, "g": g}).groupby("y")["g"].agg(["nunique", "first"])
        single = per_class[per_class["nunique"] < 2]
        if len(single):
            listed = ", ".join(f"{c!r} (all in {row['first']!r})" for c, row in single.iterrows())
            raise InputError(f"the grouping column {group_name!r} puts every document of a class in one group: "
                             f"{listed}; when that group is held out the model has never seen the class. Group by "
                             f"a column that cuts across the target, or drop the class", field=group_name)
        return list(StratifiedGroupKFold(cv, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, g))
    if split == "outlet":
        s = np.asarray(sources).astype(str)
        majority, purity = _outlet_labels(y, s)
        if purity < OUTLET_PURITY or set(majority) != set(np.unique(y)):
            # the label varies within outlets: hold out whole outlets, stratified as far as possible
            return make_folds(y, split="group", cv=cv, seed=seed, groups=s, target=target, group_name="source")
        per_class = majority.value_counts().reindex(np.unique(y), fill_value=0)
        few = per_class[per_class < cv]
        if len(few):
            listed = ", ".join(f"{c!r} ({n} outlet{'s' if n != 1 else ''})" for c, n in few.items())
            hint = (f"use cv ≤ {int(per_class.min())}" if per_class.min() >= 2 else
                    "a class with a single outlet cannot be tested on unseen outlets; drop it or use split='group'")
            raise InputError(f"an unseen-outlets split needs at least {cv} outlets per class: {listed}; {hint}",
                             field=target)
        return _outlet_folds(y, s, cv, seed)
    raise ParameterError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")


# ---------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """What :func:`evaluate` measured.

    Attributes
    ----------
    summary : DataFrame
        Indexed by ``model``, ``dummy``, ``lexicon_only``; columns ``macro_f1``, ``macro_f1_std``,
        ``accuracy``, ``accuracy_std``, ``balanced_accuracy``, ``balanced_accuracy_std`` (mean and
        standard deviation over folds) and ``n_folds``.
    folds : DataFrame
        One row per (model, fold): the metrics, ``n_train`` and ``n_test``.
    per_class : DataFrame
        One row per (model, class): ``precision``, ``recall``, ``f1`` (mean over folds), their
        ``_std``, and ``support`` (documents of the class over all test folds).
    confusion : DataFrame
        The model's confusion matrix over all test folds (rows true class, columns predicted).
    confusions : dict
        The same for each of ``model``, ``dummy``, ``lexicon_only``.
    predictions : DataFrame
        Out-of-fold predictions: ``doc_id, fold, true`` and one column per model.
    top_features : DataFrame
        Per class, the features in the model's top ``k`` in at least one fold: ``class, feature,
        kind, is_lexicon, stability`` (share of folds in which the feature is in the top ``k``),
        ``mean_weight`` (over folds, 0 where absent) and ``folds``.
    split : str
        The split used: ``stratified``, ``group`` or ``outlet``.
    params : dict
        ``target, groups, split, cv, seed, k``, the model's resolved parameters (``model``), the
        baseline's lexicon, ``n_docs`` and ``data_sha256`` (the texts and labels evaluated, as in
        ``Classifier.training_``).
    notes : list of str
        What the caller should know (documents left out, split chosen automatically …).
    provenance : dict
        Corpus and lexicon fingerprints, the run's parameters and versions; every table above
        carries it in ``attrs["framelens"]`` (with a ``kind``), so files written from them do too.
    """

    summary: pd.DataFrame
    folds: pd.DataFrame
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    confusions: dict[str, pd.DataFrame]
    predictions: pd.DataFrame
    top_features: pd.DataFrame
    split: str
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, Any]:
        """Plain-data summary for a model card: split, folds and the summary table."""
        summary = {name: {col: (None if pd.isna(v) else round(float(v), 6)) for col, v in row.items()}
                   for name, row in self.summary.iterrows()}
        per_class = {str(r["class"]): {k: round(float(r[k]), 6) for k in ("precision", "recall", "f1")} | {
            "support": int(r["support"])} for _, r in self.per_class[self.per_class["model"] == "model"].iterrows()}
        return {"target": self.params.get("target"), "groups": self.params.get("groups"), "split": self.split,
                "cv": self.params.get("cv"), "seed": self.params.get("seed"), "summary": summary,
                "per_class": per_class, "notes": list(self.notes), "corpus": self.provenance.get("corpus"),
                "n_docs": self.params.get("n_docs"), "data_sha256": self.params.get("data_sha256"),
                "model": self.params.get("model"), "baseline_lexicon": self.params.get("baseline_lexicon")}

    def __repr__(self) -> str:
        table = self.summary[["macro_f1", "macro_f1_std", "accuracy", "balanced_accuracy"]].round(3).to_string()
        head = (f"<Evaluation: target {self.params.get('target')!r}, {self.split} split, {self.params.get('cv')} folds"
                + (f", groups {self.params.get('groups')!r}" if self.params.get("groups") else "") + ">")
        return head + "\n" + table + ("\n" + "\n".join(f"note: {n}" for n in self.notes) if self.notes else "")

    def _repr_html_(self) -> str:
        p = self.params
        head = (f"<b>Evaluation</b> of target <code>{escape(str(p.get('target')))}</code>: {escape(self.split)} split, "
                f"{p.get('cv')} folds, seed {p.get('seed')}"
                + (f", groups <code>{escape(str(p.get('groups')))}</code>" if p.get("groups") else ""))
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        top = (self.top_features.sort_values(["class", "stability", "mean_weight"], ascending=[True, False, False])
               .groupby("class").head(8)) if len(self.top_features) else self.top_features
        return (f"<div>{head}{self.summary.round(3).to_html()}<p>Confusion matrix of the model (all test folds; rows "
                f"true, columns predicted)</p>{self.confusion.to_html()}"
                + (f"<p>Most stable features per class</p>{top.round(3).to_html(index=False)}" if len(top) else "")
                + (f"<ul>{notes}</ul>" if notes else "") + "</div>")


# ---------------------------------------------------------------------------------------------
def _fit_fold(model, baseline, X_train, y_train, X_test, k):
    """Fit the model and the baselines on one fold; return predictions and the model's top features."""
    fitted = clone(model).fit(X_train, y_train)
    out = {"model": fitted.predict(X_test)}
    dummy = DummyClassifier(strategy="prior").fit(np.zeros((len(y_train), 1)), y_train)
    out["dummy"] = dummy.predict(np.zeros((len(X_test), 1)))
    out["lexicon_only"] = clone(baseline).fit(X_train, y_train).predict(X_test) if baseline is not None else None
    top = []
    if k:
        weights = fitted.coefficients()
        for cls in weights.columns:
            col = weights[cls]
            best = col.nlargest(k)
            top.append((cls, list(best.index), col))
    return out, top


def _summarise(folds: pd.DataFrame) -> pd.DataFrame:
    rows = {}
    for name in MODELS:
        part = folds[folds["model"] == name]
        row: dict[str, float] = {}
        for metric in METRICS:
            values = part[metric].astype(float)
            row[metric] = values.mean() if len(values) and values.notna().all() else np.nan
            row[f"{metric}_std"] = values.std(ddof=0) if len(values) and values.notna().all() else np.nan
        row["n_folds"] = len(part) if len(part) and part["macro_f1"].notna().all() else 0
        rows[name] = row
    cols = ["macro_f1", "macro_f1_std", "accuracy", "accuracy_std", "balanced_accuracy", "balanced_accuracy_std",
            "n_folds"]
    out = pd.DataFrame.from_dict(rows, orient="index")[cols].rename_axis("model")
    return out.astype({"n_folds": "int64"})  # a count: 5, not 5.0 (from_dict made the column float)


def evaluate(model: Classifier, corpus: Corpus | pd.DataFrame, target: str, groups: str | None = None, *,
             cv: int = 5, seed: int = 0, split: str = "auto", lexicon: Any = None, k: int = 20,
             n_jobs: int | None = None) -> Evaluation:
    """Cross-validate ``model`` on ``corpus`` without leakage; compare with a dummy and a lexicon-only model.

    Parameters
    ----------
    model : Classifier
        Cloned for each fold (the object passed is not fitted).
    corpus : Corpus or DataFrame
    target : str
        The column to predict (``source``, ``lean``, a frame or bias label).
    groups : str, optional
        A column whose values must never be split between training and test (story, event, topic).
    cv : int
        Number of folds (default 5).
    seed : int
        Seed of the fold assignment (default 0).
    split : {"auto", "stratified", "group", "outlet"}
        ``"auto"``: ``"group"`` when ``groups`` is given; else ``"outlet"`` when the target is
        constant within each outlet (``source``) and several outlets share a class (a stance group:
        train on some outlets, test on others); else ``"stratified"``. ``"random"`` is an alias of
        ``"stratified"``.
    lexicon : Lexicon or str, optional
        Lexicon of the lexicon-only baseline when the model has none (else its row is NaN).
    k : int
        Size of the per-class top-feature lists whose stability over folds is reported (0: skip).
    n_jobs : int, optional
        Folds fitted in parallel (joblib).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import framelens
    >>> from framelens.classify import Classifier, evaluate
    >>> result = evaluate(Classifier(), framelens.datasets.load_sample(), target="source", groups="event", cv=4)
    >>> bool(result.summary.loc["model", "macro_f1"] > result.summary.loc["dummy", "macro_f1"])
    True
    """
    from ..scoring import as_corpus

    if not isinstance(model, Classifier):
        raise ParameterError(f"model must be a framelens Classifier, got {type(model).__name__}")
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    if not isinstance(cv, (int, np.integer)) or cv < 2:
        raise ParameterError(f"cv must be an integer ≥ 2, not {cv!r}")
    if not isinstance(k, (int, np.integer)) or k < 0:
        raise ParameterError(f"k must be an integer ≥ 0 (0: no top features), not {k!r}")
    corpus = as_corpus(corpus)
    params = model.resolved_params()
    docs = corpus.docs
    texts = _column_texts(docs, params["text"])
    labels, _ = _as_target(corpus, None, target)
    if groups is not None and groups not in docs.columns:
        raise InputError(f"no grouping column {groups!r}; the columns are: {', '.join(map(str, docs.columns))}",
                         field=groups)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ClassifierWarning)
        keep = check_training_data(texts, labels, ids=corpus.doc_ids, target=target)
    for w in caught:
        notes.append(str(w.message))
        warnings.warn(str(w.message), ClassifierWarning, stacklevel=2)
    idx = np.flatnonzero(keep)
    X = np.asarray(texts, dtype=object)[idx]
    y = labels[idx].astype(str)
    ids = np.asarray(corpus.doc_ids, dtype=object)[idx]
    sources = docs["source"].astype(str).to_numpy()[idx]
    group_values = corpus.groups(groups).to_numpy()[idx] if groups is not None else None

    outlet_level = target != "source" and _is_outlet_level(y, sources)
    chosen = {"random": "stratified"}.get(split, split)
    if chosen == "auto":
        chosen = "group" if groups is not None else ("outlet" if outlet_level else "stratified")
        if chosen == "outlet":
            notes.append(f"{target!r} is constant within each outlet: testing on unseen outlets (split='outlet')")
    if chosen == "group" and groups is None:
        raise ParameterError("split='group' needs groups= (a column such as a story or event id)")
    if groups is not None and chosen != "group":
        # these splits do not keep a group on one side: say so, rather than report folds "grouped by" it
        msg = (f"groups={groups!r} is not used by the {chosen} split: documents of one {groups} sit in training and "
               f"test folds alike (split='group' keeps them together)")
        notes.append(msg)
        warnings.warn(msg, ClassifierWarning, stacklevel=2)
    if outlet_level and chosen in ("group", "stratified"):
        msg = (f"{target!r} is constant within each outlet and the {chosen} split puts the same outlets in training "
               "and test: the model may recognise outlets rather than their framing; split='outlet' tests on unseen "
               "outlets")
        notes.append(msg)
        warnings.warn(msg, ClassifierWarning, stacklevel=2)
    folds_idx = make_folds(y, split=chosen, cv=cv, seed=seed, groups=group_values, sources=sources,
                           target=target, group_name=groups)
    classes = np.unique(y)
    for f, (tr, te) in enumerate(folds_idx):
        lacking = sorted(set(classes) - set(y[tr]))
        if lacking:
            msg = f"fold {f}: no training document of {', '.join(map(repr, lacking))}; the model cannot predict it there"
            notes.append(msg)
            warnings.warn(msg, ClassifierWarning, stacklevel=2)

    lex_value = params["lexicon"] if params["lexicon"] not in (None, False) else lexicon
    lex = resolve_lexicon(lex_value) if lex_value is not None else None
    baseline = (Classifier(words=False, chars=False, lexicon=lex, estimator="logistic", C=1.0,
                           class_weight="balanced") if lex is not None else None)
    if baseline is None:
        notes.append("the model has no lexicon and none was given: no lexicon-only baseline")
    unfitted = clone(model)
    from joblib import Parallel, delayed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClassifierWarning)  # reported above, once
        results = Parallel(n_jobs=n_jobs)(
            delayed(_fit_fold)(unfitted, baseline, list(X[tr]), y[tr], list(X[te]), k) for tr, te in folds_idx)

    fold_rows, pred = [], {name: np.empty(len(y), dtype=object) for name in MODELS}
    fold_of = np.empty(len(y), dtype=np.int64)
    per_class_rows = []
    for f, ((tr, te), (out, _)) in enumerate(zip(folds_idx, results)):
        fold_of[te] = f
        for name in MODELS:
            p_ = out[name]
            if p_ is None:
                fold_rows.append({"model": name, "fold": f, "n_train": len(tr), "n_test": len(te),
                                  "macro_f1": np.nan, "accuracy": np.nan, "balanced_accuracy": np.nan})
                continue
            pred[name][te] = p_
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # classes absent from a fold's predictions: defined as 0
                fold_rows.append({"model": name, "fold": f, "n_train": len(tr), "n_test": len(te),
                                  "macro_f1": f1_score(y[te], p_, average="macro", zero_division=0),
                                  "accuracy": accuracy_score(y[te], p_),
                                  "balanced_accuracy": balanced_accuracy_score(y[te], p_)})
                prec, rec, f1, sup = precision_recall_fscore_support(y[te], p_, labels=classes, zero_division=0)
            for c, a, b, d, s in zip(classes, prec, rec, f1, sup):
                if s:  # a class absent from this test fold has no recall to report
                    per_class_rows.append({"model": name, "fold": f, "class": c, "precision": a, "recall": b,
                                           "f1": d, "support": int(s)})
    folds = pd.DataFrame(fold_rows)
    summary = _summarise(folds)
    pc = pd.DataFrame(per_class_rows, columns=["model", "fold", "class", "precision", "recall", "f1", "support"])
    per_class = (pc.groupby(["model", "class"], sort=False)
                 .agg(precision=("precision", "mean"), precision_std=("precision", lambda v: v.std(ddof=0)),
                      recall=("recall", "mean"), recall_std=("recall", lambda v: v.std(ddof=0)),
                      f1=("f1", "mean"), f1_std=("f1", lambda v: v.std(ddof=0)), support=("support", "sum"))
                 .reset_index())
    confusions = {}
    for name in MODELS:
        if baseline is None and name == "lexicon_only":
            continue
        cm = confusion_matrix(y, pred[name].astype(str), labels=classes)
        confusions[name] = pd.DataFrame(cm, index=pd.Index(classes, name="true"),
                                        columns=pd.Index(classes, name="predicted"))
    predictions = pd.DataFrame({"doc_id": ids, "fold": fold_of, "true": y,
                                **{name: pred[name] for name in MODELS if name in confusions}})
    top_features = _stability([t for _, t in results], k, len(folds_idx))
    model_params = dict(params)
    if params["lexicon"] not in (None, False):  # the model's own lexicon, by name (a baseline-only one is not)
        model_params["lexicon"] = lex.name
    run_params = {"target": target, "groups": groups if chosen == "group" else None, "split": chosen, "cv": int(cv),
                  "seed": int(seed), "k": int(k),
                  "model": model_params, "baseline_lexicon": lex.name if baseline is not None else None,
                  "n_docs": int(len(y)), "data_sha256": fingerprint_texts(list(X), y)}
    record = provenance(corpus, lex, run_params)

    def tagged(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
        # every table carries the run's provenance, so that each file written from it does too
        return result_table(frame, {**record, "kind": kind})

    confusions = {name: tagged(cm, f"evaluate_confusion_{name}") for name, cm in confusions.items()}
    return Evaluation(summary=tagged(summary, "evaluate_summary"), folds=tagged(folds, "evaluate_folds"),
                      per_class=tagged(per_class, "evaluate_per_class"), confusion=confusions["model"],
                      confusions=confusions, predictions=tagged(predictions, "evaluate_predictions"),
                      top_features=tagged(top_features, "evaluate_top_features"), split=chosen,
                      params=run_params, notes=notes, provenance=record)


def _stability(per_fold: list[list[tuple[str, list[str], pd.Series]]], k: int, n_folds: int) -> pd.DataFrame:
    columns = ["class", "feature", "kind", "is_lexicon", "stability", "mean_weight", "folds"]
    if not k or not per_fold or not per_fold[0]:
        return pd.DataFrame(columns=columns)
    rows = []
    classes = [cls for cls, _, _ in per_fold[0]]
    for ci, cls in enumerate(classes):
        in_top: dict[str, int] = {}
        for fold in per_fold:
            for feat in fold[ci][1]:
                in_top[feat] = in_top.get(feat, 0) + 1
        for feat, n in in_top.items():
            weights = [fold[ci][2].get(feat, 0.0) for fold in per_fold]
            kind = feat.split(":", 1)[0]
            rows.append({"class": cls, "feature": feat, "kind": kind, "is_lexicon": kind == "lexicon",
                         "stability": n / n_folds, "mean_weight": float(np.mean(weights)), "folds": n})
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["class", "stability", "mean_weight"], ascending=[True, False, False]).reset_index(drop=True)
