"""``framelens train``, ``evaluate``, ``predict`` and ``explain``: classifiers from the command line."""
from __future__ import annotations

import argparse
import contextlib
import sys

from .common import SAMPLE, add_input_arguments, emit_table, load_input


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", "-t", required=True, metavar="COLUMN", help="the column to predict (source, lean, a label)")
    p.add_argument("--groups", "-g", metavar="COLUMN",
                   help="never split this column's values between training and test (story, event, topic)")
    p.add_argument("--preset", "-p", metavar="NAME",
                   help="a named configuration: default, words_chars, lexicon_only, conflict_framing, sentence_bias")
    p.add_argument("--lexicon", "-l", action="append", metavar="NAME_OR_PATH",
                   help="add lexicon features (a built-in name, a file, or bias_cues); repeat to combine")
    p.add_argument("--estimator", choices=("logistic", "svm", "nb"), help="the model (default: logistic regression)")
    p.add_argument("--chars", action="store_true", default=None, help="add character n-gram features")
    p.add_argument("--C", type=float, dest="C", metavar="C", help="inverse regularisation strength")
    p.add_argument("--text-field", metavar="COLUMN", help="classify this column instead of the text (e.g. title)")
    p.add_argument("--split", choices=("auto", "stratified", "group", "outlet"), default="auto",
                   help="cross-validation split (default auto: group with --groups, outlet for stance targets)")
    p.add_argument("--baseline-lexicon", metavar="NAME_OR_PATH",
                   help="lexicon of the lexicon-only baseline when the model has none")
    p.add_argument("--cv", type=int, default=5, help="number of folds (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the fold assignment (default 0)")


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train a classifier, cross-validate it and save it with a model card",
                       description="Cross-validate a classifier (leakage-aware, against a dummy and a lexicon-only "
                                   "baseline), fit it on all documents and save model.skops, model_card.md and "
                                   "model_card.json into --out.")
    add_input_arguments(t)
    _model_options(t)
    t.add_argument("--out", "-o", required=True, metavar="FOLDER", help="where to save the model (e.g. models/NAME)")
    t.add_argument("--no-evaluate", action="store_true", help="skip cross-validation (the card then has no metrics)")
    t.set_defaults(func=run_train)

    e = sub.add_parser("evaluate", help="cross-validate a classifier against a dummy and a lexicon-only model",
                       description="Macro-F1, accuracy and balanced accuracy over folds (mean ± sd), per-class "
                                   "precision/recall, the confusion matrix and the most stable features.")
    add_input_arguments(e)
    _model_options(e)
    e.add_argument("--out", "-o", metavar="FILE", help="write the summary table (.csv/.tsv/.parquet/.jsonl)")
    e.add_argument("--details", metavar="PREFIX",
                   help="also write PREFIX_per_class.csv, PREFIX_confusion.csv, PREFIX_features.csv, "
                        "PREFIX_predictions.csv")
    e.set_defaults(func=run_evaluate)

    p = sub.add_parser("predict", help="predict classes (with probabilities) with a saved model")
    p.add_argument("model", metavar="MODEL", help="a folder written by 'framelens train' (or its model.skops)")
    add_input_arguments(p)
    p.add_argument("--out", "-o", metavar="FILE", help="output file (.csv/.tsv/.parquet/.jsonl); default: print")
    p.set_defaults(func=run_predict)

    x = sub.add_parser("explain", help="the terms that pushed a document's prediction, with their contributions")
    x.add_argument("model", metavar="MODEL", help="a folder written by 'framelens train' (or its model.skops)")
    add_input_arguments(x)
    x.add_argument("--doc", "-d", action="append", metavar="ID", help="document id (repeat for several; default: all)")
    x.add_argument("--top", "-k", type=int, default=15, help="features per document (default 15)")
    x.add_argument("--towards", metavar="CLASS", help="explain this class's score instead of the predicted class")
    x.add_argument("--out", "-o", metavar="FILE", help="output file (.csv/.tsv/.parquet/.jsonl); default: print")
    x.set_defaults(func=run_explain)


def _classifier(args: argparse.Namespace):
    from ..classify import Classifier

    lexicon = None
    if args.lexicon:
        lexicon = args.lexicon[0] if len(args.lexicon) == 1 else list(args.lexicon)
    return Classifier(preset=args.preset, lexicon=lexicon, estimator=args.estimator, chars=args.chars, C=args.C,
                      text=args.text_field)


@contextlib.contextmanager
def _located(input_name: str):
    """Name INPUT in an InputError about one of its columns or documents, which the library cannot know."""
    from ..errors import InputError

    try:
        yield
    except InputError as exc:
        if type(exc) is not InputError or exc.file is not None or input_name == SAMPLE:
            raise  # a lexicon's error, or one that already names its file
        raise InputError(exc.reason, file=input_name, row=exc.row, field=exc.field) from exc


def _evaluate(args: argparse.Namespace, corpus):
    from ..classify import evaluate

    with _located(args.input):
        return evaluate(_classifier(args), corpus, target=args.target, groups=args.groups, cv=args.cv,
                        seed=args.seed, split=args.split, lexicon=args.baseline_lexicon)


def run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..classify import save_model
    from ..errors import InputError

    if Path(args.out).exists() and not Path(args.out).is_dir():  # found before cross-validation, not after
        raise InputError("--out must be a folder (the model and its cards go into it); this is a file", file=args.out)
    corpus = load_input(args.input, args)
    model = _classifier(args)
    model.resolved_params()  # a bad preset or parameter fails before any work
    evaluation = None if args.no_evaluate else _evaluate(args, corpus)
    if evaluation is not None:
        print(evaluation, file=sys.stderr)
    with _located(args.input):
        model.fit(corpus, target=args.target)
    folder = save_model(model, args.out, evaluation=evaluation)
    print(f"saved {folder}/model.skops with model_card.md and model_card.json", file=sys.stderr)
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    corpus = load_input(args.input, args)
    result = _evaluate(args, corpus)
    summary = result.summary.reset_index()  # keeps the provenance in attrs
    emit_table(summary, args.out, what="summary")
    if args.details:
        from ..io_utils import write_table

        write_table(result.per_class, f"{args.details}_per_class.csv")
        write_table(result.confusion.reset_index(), f"{args.details}_confusion.csv")
        write_table(result.top_features, f"{args.details}_features.csv")
        write_table(result.predictions, f"{args.details}_predictions.csv")
        print(f"wrote {args.details}_per_class.csv, _confusion.csv, _features.csv, _predictions.csv", file=sys.stderr)
    # The details a reader wants next, on stderr so that stdout stays one table.
    print(f"\n{result.split} split, {result.params['cv']} folds, seed {result.params['seed']}; per class (model):",
          file=sys.stderr)
    print(result.per_class[result.per_class["model"] == "model"].drop(columns="model").round(3).to_string(index=False),
          file=sys.stderr)
    print("\nconfusion matrix (rows true, columns predicted):", file=sys.stderr)
    print(result.confusion.to_string(), file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _model_file_record(table, path: str) -> None:
    """Add the model file's path and SHA-256 to a table's provenance: which saved model produced it."""
    import hashlib

    from ..classify.persist import _model_file

    file = _model_file(path)
    record = table.attrs.get("framelens")
    if record is not None:
        record.setdefault("params", {})["model_file"] = {
            "path": str(file), "sha256": hashlib.sha256(file.read_bytes()).hexdigest()}


def run_predict(args: argparse.Namespace) -> int:
    from ..classify import load_model

    model = load_model(args.model)
    corpus = load_input(args.input, args)
    with _located(args.input):
        table = model.predict_table(corpus)
    _model_file_record(table, args.model)
    emit_table(table, args.out, what="prediction")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from ..classify import explain, load_model

    model = load_model(args.model)
    corpus = load_input(args.input, args)
    with _located(args.input):
        table = explain(model, corpus, doc=args.doc, k=args.top, towards=args.towards)
    _model_file_record(table, args.model)
    if not args.out:
        for doc_id, score in table.attrs["scores"].items():
            part = table[table["doc_id"] == doc_id]
            cls = part["class"].iloc[0] if len(part) else "?"
            print(f"{doc_id}: predicted {part['predicted'].iloc[0] if len(part) else '?'}; score for {cls} = "
                  f"{score:.3f} (intercept {table.attrs['intercepts'].get(cls, 0.0):.3f} + contributions)")
    emit_table(table, args.out, what="explanation")
    return 0
