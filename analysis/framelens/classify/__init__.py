"""Classifiers: predict a source, stance group, frame or bias label from text, and see why.

- :class:`Classifier` — word/character n-grams plus lexicon features into a linear model.
- :func:`evaluate` — leakage-aware cross-validation against a dummy and a lexicon-only baseline.
- :func:`top_features`, :func:`explain` — which words carry the signal, per class and per document.
- :func:`save_model`, :func:`load_model` — skops files with a model card; only trusted types load.
- :func:`sentence_corpus` — one document per sentence, for sentence-level models.

Examples
--------
>>> import framelens
>>> from framelens.classify import Classifier, evaluate
>>> corpus = framelens.datasets.load_sample()
>>> result = evaluate(Classifier(), corpus, target="source", groups="event", cv=4)
>>> list(result.summary.index)
['model', 'dummy', 'lexicon_only']
"""
from .evaluate import Evaluation, evaluate
from .explain import explain, top_features
from .model import PRESETS, Classifier, ClassifierWarning, LexiconFeatures, bias_cues, combine_lexicons, sentence_corpus
from .persist import ALLOWED_TYPES, load_model, read_model_card, save_model

__all__ = [
    "Classifier", "ClassifierWarning", "LexiconFeatures", "PRESETS", "Evaluation", "evaluate", "explain",
    "top_features", "save_model", "load_model", "read_model_card", "ALLOWED_TYPES", "bias_cues",
    "combine_lexicons", "sentence_corpus",
]
