"""Reproduce the real-data figures of ``docs/classifiers.md`` (needs the corpora in ../shared).

``python -m framelens.classify.benchmarks babe`` — BABE SG2 sentence bias, 5-fold macro-F1 of plain
TF-IDF + logistic regression, of the ``words_chars`` preset and of the ``sentence_bias`` preset.

``python -m framelens.classify.benchmarks abp`` — Article-Bias-Prediction, conflict subset: the
outlet's lean (left / center / right) from article text, tested on a random split and on unseen
outlets.

Each prints a Markdown table (mean ± standard deviation over folds) and the run's parameters.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Sequence

import pandas as pd

from .evaluate import Evaluation, evaluate
from .model import Classifier


def _row(name: str, result: Evaluation, seconds: float) -> dict:
    s = result.summary
    return {"configuration": name, "split": result.split,
            "macro_f1": f"{s.loc['model', 'macro_f1']:.3f} ± {s.loc['model', 'macro_f1_std']:.3f}",
            "accuracy": f"{s.loc['model', 'accuracy']:.3f}",
            "lexicon_only": (f"{s.loc['lexicon_only', 'macro_f1']:.3f} ± {s.loc['lexicon_only', 'macro_f1_std']:.3f}"
                             if s.loc["lexicon_only", "n_folds"] else "–"),
            "dummy": f"{s.loc['dummy', 'macro_f1']:.3f}", "seconds": round(seconds)}


BABE_CONFIGS = {
    "plain TF-IDF + LR (word 1-2-grams)": lambda: Classifier(),
    "words_chars (word 1-2 + char 1-4-grams)": lambda: Classifier(preset="words_chars"),
    "words_chars + bias_cues lexicon (sentence_bias without NB)": lambda: Classifier(preset="sentence_bias", nb=False),
    "sentence_bias (+ NB-weighted word model, averaged)": lambda: Classifier(preset="sentence_bias"),
}


def babe(cv: int = 5, seed: int = 0, configs: Sequence[str] | None = None) -> pd.DataFrame:
    """BABE SG2: macro-F1 of each configuration, stratified folds."""
    from ..datasets import load_babe

    corpus = load_babe("SG2")
    rows = []
    for name in configs or BABE_CONFIGS:
        start = time.perf_counter()
        result = evaluate(BABE_CONFIGS[name](), corpus, target="label_bias", cv=cv, seed=seed, k=0,
                          lexicon="bias_cues")
        rows.append(_row(name, result, time.perf_counter() - start))
    return pd.DataFrame(rows)


def babe_embeddings(path: str, cv: int = 5, seed: int = 0, weight: float = 1.0) -> pd.DataFrame:
    """BABE SG2 with precomputed sentence embeddings (one row per ``load_babe("SG2")`` document, ``.npy``).

    Compares, on the same stratified folds as :func:`babe`, logistic regression on the embeddings
    alone and on the ``sentence_bias`` features plus the embeddings (times ``weight``). The
    embeddings come from outside framelens (see docs/classifiers.md for the MiniLM recipe).
    """
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from threadpoolctl import threadpool_limits

    from ..datasets import load_babe
    from .evaluate import make_folds

    corpus = load_babe("SG2")
    emb = np.load(path)
    if emb.shape[0] != len(corpus):
        raise ValueError(f"{path}: {emb.shape[0]} embeddings for {len(corpus)} sentences")
    texts = np.asarray(corpus.texts, dtype=object)
    y = corpus.docs["label_bias"].astype(str).to_numpy()
    scores: dict[str, list[float]] = {"embeddings only": [], "sentence_bias + embeddings": []}
    for train, test in make_folds(y, split="stratified", cv=cv, seed=seed):
        with threadpool_limits(limits=1, user_api="blas"):
            alone = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(emb[train], y[train])
            scores["embeddings only"].append(f1_score(y[test], alone.predict(emb[test]), average="macro"))
            # the features the embedding figure in docs/classifiers.md was measured with (no NB block)
            clf = Classifier(preset="sentence_bias", nb=False).fit(list(texts[train]), y[train])
            both = [sp.hstack([clf.transform_texts(list(texts[idx])), sp.csr_matrix(emb[idx] * weight)], format="csr")
                    for idx in (train, test)]
            model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000).fit(both[0], y[train])
            scores["sentence_bias + embeddings"].append(f1_score(y[test], model.predict(both[1]), average="macro"))
    return pd.DataFrame([{"configuration": name, "macro_f1": f"{np.mean(v):.3f} ± {np.std(v):.3f}"}
                         for name, v in scores.items()])


def abp_classifier() -> Classifier:
    """Word unigrams seen in ≥ 5 articles plus the conflict_actors lexicon: long articles, tractable on a CPU."""
    return Classifier(ngram_range=(1, 1), min_df=5, lexicon="conflict_actors")


def abp(cv: int = 5, seed: int = 0) -> pd.DataFrame:
    """ABP conflict subset: the outlet's lean on a random split vs on unseen outlets."""
    from ..datasets import load_abp

    corpus = load_abp()
    rows = []
    for split in ("stratified", "outlet"):
        start = time.perf_counter()
        result = evaluate(abp_classifier(), corpus, target="lean", split=split, cv=cv, seed=seed, k=0)
        rows.append(_row(f"unigrams + conflict_actors ({split})", result, time.perf_counter() - start))
    return pd.DataFrame(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m framelens.classify.benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=("babe", "abp", "babe-embeddings"))
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embeddings", metavar="FILE.npy", help="for babe-embeddings: one row per BABE SG2 sentence")
    parser.add_argument("--weight", type=float, default=1.0, help="for babe-embeddings: weight of the embeddings")
    args = parser.parse_args(argv)
    if args.dataset == "babe-embeddings":
        if not args.embeddings:
            parser.error("babe-embeddings needs --embeddings FILE.npy")
        table = babe_embeddings(args.embeddings, args.cv, args.seed, args.weight)
    else:
        table = babe(args.cv, args.seed) if args.dataset == "babe" else abp(args.cv, args.seed)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    print(f"\n{args.dataset}: cv={args.cv}, seed={args.seed}", file=sys.stderr)
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
