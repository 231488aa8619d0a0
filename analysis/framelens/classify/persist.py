"""Saving and loading classifiers: a skops file plus a model card, and a loader that runs no code.

``save_model(model, "models/NAME")`` writes the folder ``models/NAME/`` with

- ``model.skops`` — the fitted :class:`~framelens.classify.Classifier` in the skops format (a zip of
  JSON and ``.npy`` arrays; never pickle or joblib);
- ``model_card.json`` and ``model_card.md`` — what the model is and how far to trust it: the
  fingerprint of its training data, its lexicon (name, version, SHA-256), its parameters, its
  cross-validated metrics, package versions, creation date, intended use and limitations.

The cards are deterministic: saving the same model trained on the same data gives byte-identical
cards except the ``created`` field.

``load_model`` refuses, before constructing anything, a file that is not a skops zip (a pickle
renamed ``.skops`` is recognised and named as such) and a file naming any type outside
:data:`ALLOWED_TYPES` — whether skops would trust it by default or not. Only then does skops build
the objects, with ``.npy`` arrays read without pickle.
"""
from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import InputError, ParameterError
from ..io_utils import atomic_path
from ..provenance import library_versions
from .model import Classifier

__all__ = ["ALLOWED_TYPES", "save_model", "load_model", "read_model_card", "model_card"]

MODEL_FILE = "model.skops"
CARD_JSON = "model_card.json"
CARD_MD = "model_card.md"
CARD_FORMAT = 1

# Every type a framelens model file may name. Anything else is refused before loading.
ALLOWED_TYPES: frozenset[str] = frozenset({
    # framelens
    "framelens.classify.model.Classifier",
    "framelens.classify.model.LexiconFeatures",
    "framelens.classify.model.NBFeatures",
    "framelens.classify.model.LogitAverage",
    "framelens.lexicon.model.Lexicon",
    "framelens.lexicon.model.Family",
    "framelens.lexicon.model.Label",
    "framelens.lexicon.model.Pattern",
    # scikit-learn
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.naive_bayes.ComplementNB",
    # numpy / scipy data
    "numpy.ndarray", "numpy.dtype", "numpy.float64", "numpy.float32", "numpy.int64", "numpy.int32",
    "numpy.bool_", "numpy.str_", "numpy.object_",
    "scipy.sparse._csr.csr_matrix", "scipy.sparse._csr.csr_array",
    # plain data
    "builtins.dict", "builtins.list", "builtins.tuple", "builtins.str", "builtins.int", "builtins.float",
    "builtins.bool", "builtins.NoneType", "builtins.set", "builtins.frozenset", "builtins.bytes",
})

DEFAULT_INTENDED_USE = (
    "Research: measuring which wording distinguishes the classes of the training data (sources, stance groups, "
    "frames or bias labels) and screening new texts for further reading. Not for decisions about people or "
    "outlets without human review."
)
DEFAULT_LIMITATIONS = [
    "A bag-of-n-grams model: it sees wording, not meaning, negation or who says what.",
    "Scores hold for text like the training data (same language, period, genre and outlets); expect lower scores "
    "elsewhere, and check with framelens.classify.evaluate on your own labelled sample.",
    "Labels given per outlet (lean, stance group) are outlet ratings, not ratings of each text.",
    "High weights show association in the training data, not cause; topic words can stand in for framing.",
]


# ---------------------------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    from ..lexicon.model import Lexicon

    if isinstance(value, Lexicon):
        return {"name": value.name, "version": value.version, "sha256": value.fingerprint}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def model_card(model: Classifier, *, evaluation: Any = None, name: str | None = None,
               intended_use: str | None = None, limitations: list[str] | None = None, k: int = 10) -> dict:
    """The model card of a fitted classifier as plain data (what ``model_card.json`` holds)."""
    from .._version import __version__
    from .explain import top_features

    if not hasattr(model, "estimator_"):
        raise ParameterError("the model is not fitted; fit it before saving")
    p = dict(model.params_)
    kinds: dict[str, int] = {}
    for feature in model.feature_names_:
        kind = feature.split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    top = top_features(model, k=k)
    versions = library_versions() | library_versions(("skops",))
    metrics = None
    if evaluation is not None:
        metrics = _jsonable(evaluation.metrics())
        mismatch = evaluation_mismatch(model, metrics)
        if mismatch:
            import warnings

            from .model import ClassifierWarning

            warnings.warn("the evaluation given does not describe this model: " + "; ".join(mismatch),
                          ClassifierWarning, stacklevel=3)
            metrics["mismatch"] = mismatch
    import platform

    return {
        "framelens_model_card": CARD_FORMAT,
        "name": name,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "model": {
            "class": "framelens.classify.Classifier",
            "preset": model.preset,
            "params": _jsonable(p),
            "estimator": type(model.estimator_).__name__,
            "classes": [str(c) for c in model.classes_],
            "n_features": int(len(model.feature_names_)),
            "features_by_kind": kinds,
        },
        "training_data": _jsonable(model.training_),
        "lexicon": _jsonable(model.training_.get("lexicon")),
        "evaluation": metrics,
        "top_features": {cls: part["feature"].tolist() for cls, part in top.groupby("class", sort=True)},
        "intended_use": intended_use or DEFAULT_INTENDED_USE,
        "limitations": list(limitations or DEFAULT_LIMITATIONS),
        "versions": {"framelens": __version__, "python": platform.python_version(), **versions},
        "files": {"model": MODEL_FILE, "format": "skops (no pickle)", "load": "from framelens.classify import load_model; load_model(<folder>)"},
    }


def evaluation_mismatch(model: Classifier, metrics: dict) -> list[str]:
    """How an evaluation's record (``Evaluation.metrics()``) differs from a fitted model: other data, target or
    parameters. Empty when the card's metrics describe this model."""
    found = []
    data = model.training_
    if metrics.get("data_sha256") != data.get("data_sha256"):
        found.append(f"it was run on other texts or labels (SHA-256 {str(metrics.get('data_sha256'))[:12]}…, "
                     f"{metrics.get('n_docs')} documents) than the model was trained on "
                     f"({str(data.get('data_sha256'))[:12]}…, {data.get('n_docs_used')} documents)")
    if metrics.get("target") != data.get("target"):
        found.append(f"it predicts {metrics.get('target')!r}, the model {data.get('target')!r}")
    ours = _jsonable(model.params_)
    lexicon = data.get("lexicon")
    if lexicon is not None:
        ours["lexicon"] = lexicon["name"]
    theirs = metrics.get("model") or {}
    differ = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    if differ:
        found.append("its model had other parameters: " + ", ".join(
            f"{k}={json.dumps(theirs.get(k))} (this model: {json.dumps(ours.get(k))})" for k in differ))
    return found


def _fmt(value: Any) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def render_card(card: dict) -> str:
    """``model_card.md`` from the card data."""
    m, data, ev = card["model"], card["training_data"], card.get("evaluation")
    corpus = data.get("corpus") or {}
    lines = [f"# Model card: {card.get('name') or 'framelens classifier'}", "",
             f"Created {card['created']} with framelens {card['versions']['framelens']}.", "",
             "## Intended use", "", card["intended_use"], "",
             "## Model", "",
             f"- {m['class']} (preset `{m['preset']}`), estimator {m['estimator']}",
             f"- Predicts `{data.get('target') or 'y'}`: {', '.join(m['classes'])}",
             f"- {m['n_features']} features: " + ", ".join(f"{n} {k}" for k, n in m["features_by_kind"].items()),
             "- Parameters: " + ", ".join(f"`{k}={json.dumps(v)}`" for k, v in m["params"].items()), "",
             "## Training data", "",
             f"- Corpus `{corpus.get('name')}`, {corpus.get('n_docs')} documents, SHA-256 `{corpus.get('sha256')}`",
             f"- {data.get('n_docs_used')} documents used (texts from column `{data.get('text_column')}`); "
             f"texts+labels SHA-256 `{data.get('data_sha256')}`",
             "- Class counts: " + ", ".join(f"{k} {v}" for k, v in data.get("class_counts", {}).items())]
    lex = card.get("lexicon")
    lines += [f"- Lexicon: {lex['name']} {lex['version']}, SHA-256 `{lex['sha256']}`" if lex else "- Lexicon: none", ""]
    lines += ["## Cross-validated evaluation", ""]
    if ev:
        if ev.get("mismatch"):
            lines += ["**Warning: these metrics do not describe this model:**", ""]
            lines += [f"- {m_}" for m_ in ev["mismatch"]] + [""]
        lines += [f"Target `{ev['target']}`, {ev['split']} split, {ev['cv']} folds, seed {ev['seed']}"
                  + (f", groups `{ev['groups']}`" if ev.get("groups") else "") + ".", "",
                  "| model | macro-F1 | ± sd | accuracy | balanced accuracy |", "|---|---|---|---|---|"]
        for name, row in ev["summary"].items():
            lines.append(f"| {name} | {_fmt(row['macro_f1'])} | {_fmt(row['macro_f1_std'])} | {_fmt(row['accuracy'])} | "
                         f"{_fmt(row['balanced_accuracy'])} |")
        lines += ["", "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for cls, row in ev["per_class"].items():
            lines.append(f"| {cls} | {_fmt(row['precision'])} | {_fmt(row['recall'])} | {_fmt(row['f1'])} | "
                         f"{row['support']} |")
        lines += [""] + [f"- Note: {n}" for n in ev.get("notes", [])] + ([""] if ev.get("notes") else [])
    else:
        lines += ["Not evaluated.", ""]
    lines += ["## Top features per class (full training data)", ""]
    lines += [f"- **{cls}**: " + ", ".join(f"`{f}`" for f in feats) for cls, feats in card["top_features"].items()]
    lines += ["", "## Limitations", ""] + [f"- {x}" for x in card["limitations"]]
    lines += ["", "## Software", "", ", ".join(f"{k} {v}" for k, v in card["versions"].items()), "",
              "## Loading", "", f"`{card['files']['load']}` — the file is `{card['files']['model']}` "
              f"({card['files']['format']}); only an allow-list of types is loaded.", ""]
    return "\n".join(lines)


def save_model(model: Classifier, path: str | os.PathLike, *, evaluation: Any = None, name: str | None = None,
               intended_use: str | None = None, limitations: list[str] | None = None) -> Path:
    """Save a fitted classifier as ``path/model.skops`` with ``model_card.md`` and ``model_card.json``.

    Parameters
    ----------
    model : Classifier
        A fitted classifier.
    path : path
        The folder to write (created; files in it are replaced).
    evaluation : Evaluation, optional
        Cross-validated metrics for the card (from :func:`framelens.classify.evaluate`).
    name : str, optional
        The model's name (default: the folder's name).
    intended_use, limitations : optional
        Override the card's default text.

    Returns
    -------
    pathlib.Path
        The folder.

    Examples
    --------
    >>> import tempfile, framelens
    >>> from framelens.classify import Classifier, save_model, load_model
    >>> corpus = framelens.datasets.load_sample()
    >>> clf = Classifier().fit(corpus, target="source")
    >>> folder = save_model(clf, tempfile.mkdtemp() + "/sample_source")
    >>> sorted(p.name for p in folder.iterdir())
    ['model.skops', 'model_card.json', 'model_card.md']
    >>> bool((load_model(folder).predict(corpus) == clf.predict(corpus)).all())
    True
    """
    import skops.io as sio

    if not isinstance(model, Classifier):
        raise ParameterError(f"save_model saves framelens Classifiers, not {type(model).__name__}")
    folder = Path(path)
    card = model_card(model, evaluation=evaluation, name=name or folder.name, intended_use=intended_use,
                      limitations=limitations)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / MODEL_FILE) as tmp:
        sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    with atomic_path(folder / CARD_JSON) as tmp:
        tmp.write_text(json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    with atomic_path(folder / CARD_MD) as tmp:
        tmp.write_text(render_card(card), encoding="utf-8")
    for file in (MODEL_FILE, CARD_JSON, CARD_MD):
        (folder / file).chmod(0o644)  # atomic_path's temporary files are private
    return folder


# ---------------------------------------------------------------------------------------------
def _model_file(path: str | os.PathLike) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / MODEL_FILE
    if not p.exists():
        raise InputError("no such model file (give the folder save_model wrote, or its model.skops)", file=p)
    return p


def _schema_types(node: Any, found: set[str]) -> None:
    """Every ``module.name`` a skops schema refers to (objects, types, functions, methods)."""
    if isinstance(node, dict):
        if "__module__" in node and "__class__" in node:
            found.add(f"{node['__module__']}.{node['__class__']}")
        for value in node.values():
            _schema_types(value, found)
    elif isinstance(node, list):
        for value in node:
            _schema_types(value, found)


def audit_model_file(path: str | os.PathLike) -> set[str]:
    """The types a model file names that are outside :data:`ALLOWED_TYPES` (empty when it is safe to load).

    Reads only the zip directory and ``schema.json``; constructs nothing. Raises
    :class:`~framelens.errors.InputError` for a file that is not a skops file (a pickle included).
    """
    import skops.io as sio

    file = _model_file(path)
    with open(file, "rb") as fh:
        head = fh.read(4)
    if head[:1] == b"\x80" or head[:2] in (b"(d", b"(l", b"cc"):
        raise InputError("this is a pickle file, not a skops file; framelens never loads pickles because "
                         "loading one can run any code", file=file)
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(file):
        raise InputError("not a skops model file (expected a zip archive written by framelens.save_model)", file=file)
    try:
        with zipfile.ZipFile(file) as zf:
            schema = json.loads(zf.read("schema.json"))
    except (KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a skops model file: {exc}", file=file) from None
    names: set[str] = set()
    _schema_types(schema, names)
    try:
        untrusted = set(sio.get_untrusted_types(file=file))
    except Exception as exc:  # a malformed schema: refuse rather than guess
        raise InputError(f"cannot read the model file's type list: {exc}", file=file) from None
    return (names | untrusted) - ALLOWED_TYPES


def load_model(path: str | os.PathLike) -> Classifier:
    """Load a classifier saved by :func:`save_model`, refusing any file that names an untrusted type.

    Parameters
    ----------
    path : path
        The model folder, or its ``model.skops`` file.

    Returns
    -------
    Classifier

    Raises
    ------
    InputError
        The file is a pickle, not a skops file, or names a type outside :data:`ALLOWED_TYPES`
        (nothing from the file is constructed or run in these cases).
    """
    import skops.io as sio

    file = _model_file(path)
    refused = audit_model_file(file)
    if refused:
        raise InputError("refusing to load: the file names types outside framelens' allow-list: "
                         f"{', '.join(sorted(refused))}. A framelens model holds only framelens, scikit-learn, "
                         "numpy and scipy types; a file naming others was not written by framelens.save_model "
                         "or was altered", file=file)
    trusted = sorted(set(sio.get_untrusted_types(file=file)) & ALLOWED_TYPES)
    try:
        model = sio.load(file, trusted=trusted)
    except Exception as exc:  # a damaged array or schema: only allowed types were built, none is kept
        raise InputError(f"damaged model file, cannot be loaded ({type(exc).__name__}: {exc}); save the model "
                         "again", file=file) from None
    if not isinstance(model, Classifier):
        raise InputError(f"the file holds a {type(model).__name__}, not a framelens Classifier", file=file)
    _check_loaded(model, file)
    return model


def _check_loaded(model: Classifier, file: Path) -> None:
    """Refuse a loaded Classifier whose fitted parts are missing or do not fit together (an edited file)."""
    missing = [a for a in ("estimator_", "features_", "feature_names_", "classes_", "params_", "training_")
               if not hasattr(model, a)]
    if missing:
        raise InputError(f"damaged model file: the classifier lacks its fitted {', '.join(missing)}", file=file)
    try:
        widths = [len(transformer.get_feature_names_out()) for _, transformer, _ in model.features_]
        weights, intercepts = model._linear()
    except Exception as exc:
        raise InputError(f"damaged model file: its feature blocks cannot be read ({type(exc).__name__}: {exc})",
                         file=file) from None
    n = len(model.feature_names_)
    problems = []
    if sum(widths) != n:
        problems.append(f"its feature blocks have {sum(widths)} columns but it names {n} features")
    if weights.shape != (len(model.classes_), n):
        problems.append(f"its weights have shape {weights.shape}, not ({len(model.classes_)} classes, {n} features)")
    if len(intercepts) != len(model.classes_):
        problems.append(f"{len(intercepts)} intercepts for {len(model.classes_)} classes")
    for (kind, transformer, _), width in zip(model.features_, widths):
        # each block's learned arrays must match its columns, or transform fails (or shifts columns) later
        sizes = {"idf weights": getattr(transformer, "idf_", None), "scales": getattr(transformer, "scale_", None),
                 "log-count ratios": getattr(transformer, "ratio_", None)}
        lexicon = getattr(transformer, "lexicon_", None)
        if lexicon is not None:
            sizes["lexicon labels"] = [label for _, label in lexicon.iter_labels()]
        for what, values in sizes.items():
            if values is not None and len(values) != width:
                problems.append(f"its {kind} block has {len(values)} {what} for {width} features")
    if problems:
        raise InputError("damaged model file: " + "; ".join(problems), file=file)


def read_model_card(path: str | os.PathLike) -> dict:
    """The ``model_card.json`` of a saved model folder, as a dict."""
    p = Path(path)
    card = p / CARD_JSON if p.is_dir() else p.with_name(CARD_JSON)
    if not card.exists():
        raise InputError("no model card here", file=card)
    try:
        return json.loads(card.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"damaged model card, not JSON: {exc}", file=card) from None
