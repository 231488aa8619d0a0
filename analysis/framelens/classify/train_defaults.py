"""Train the models shipped in ``models/`` on the embedded (fictional) sample corpus.

Run ``python -m framelens.classify.train_defaults [--out models]``. Each model is cross-validated,
fitted on the whole corpus and saved with its model card; re-running gives byte-identical cards
except their ``created`` date.

- ``sample_source``: which of the six outlets wrote a report, with folds grouped by ``event`` (so a
  story's wording cannot leak from training to test).
- ``sample_lean``: the outlet's stance group (``pro_opposition``, ``neutral``, ``pro_government``),
  tested on unseen outlets (two folds: each class has two outlets).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from .evaluate import evaluate
from .model import Classifier
from .persist import save_model

SAMPLE_INTENDED_USE = (
    "Demonstration and testing: the models are trained on framelens' fictional Karvia corpus, whose outlets and "
    "framing choices were planted. They show how framelens models, cards and explanations look; they say nothing "
    "about real outlets."
)

# name -> (classifier, target, evaluate() keyword arguments)
DEFAULT_MODELS = {
    "sample_source": (lambda: Classifier(preset="conflict_framing"), "source", {"groups": "event", "cv": 5}),
    "sample_lean": (lambda: Classifier(preset="conflict_framing"), "lean", {"split": "outlet", "cv": 2}),
}


def train_default_models(out: str | Path = "models", names: Sequence[str] | None = None) -> list[Path]:
    """Train, evaluate and save the default sample models into ``out``; return their folders."""
    from ..datasets import load_sample

    corpus = load_sample()
    folders = []
    for name in names or DEFAULT_MODELS:
        make, target, kwargs = DEFAULT_MODELS[name]
        evaluation = evaluate(make(), corpus, target=target, seed=0, **kwargs)
        model = make().fit(corpus, target=target)
        folders.append(save_model(model, Path(out) / name, evaluation=evaluation, intended_use=SAMPLE_INTENDED_USE))
    return folders


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m framelens.classify.train_defaults", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="models", help="folder to write the models into (default: models)")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"models to train: {', '.join(DEFAULT_MODELS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in DEFAULT_MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(DEFAULT_MODELS)}")
    for folder in train_default_models(args.out, args.names or None):
        print(f"saved {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
