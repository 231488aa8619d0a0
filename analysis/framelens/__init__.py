"""framelens: measure how news sources frame events.

Lexicons of term families, one-pass matching and scoring, comparisons across sources, classifiers
and reproducible reports. Public names are re-exported here and loaded on first use, so that
``import framelens`` (and the CLI) start fast.

Examples
--------
>>> import framelens
>>> corpus = framelens.datasets.load_sample()
>>> shares = framelens.score(corpus, "conflict_actors", by="source")
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

# public name -> module that defines it
_EXPORTS = {
    "Corpus": "corpus",
    "read_corpus": "corpus",
    "Lexicon": "lexicon",
    "load_lexicon": "lexicon",
    "read_lexicon": "lexicon",
    "write_lexicon": "lexicon",
    "validate_lexicon": "lexicon",
    "list_lexicons": "lexicon",
    "import_lexicon": "lexicon",
    "compile_lexicon": "matching",
    "match": "scoring",
    "score": "scoring",
    "kwic": "scoring",
    "count_matrix": "scoring",
    "ResultTable": "results",
    "LexiconVectorizer": "vectorizer",
    "keyness": "compare",
    "shares": "compare",
    "divergence": "compare",
    "suggest_terms": "compare",
    "stories": "compare",
    "decompose": "compare",
    "attributions": "actors",
    "agency": "actors",
    "tone": "actors",
    "descriptors": "actors",
    "Classifier": "classify",
    "evaluate": "classify",
    "save_model": "classify",
    "load_model": "classify",
    "FramelensError": "errors",
    "InputError": "errors",
    "LexiconError": "errors",
    "ParameterError": "errors",
}
_SUBMODULES = {"actors", "batch", "classify", "datasets", "exercises", "reports", "plots", "text", "compare", "lexicon", "matching", "scoring", "corpus", "errors", "provenance"}

__all__ = sorted(_EXPORTS) + sorted(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'framelens' has no attribute {name!r}")
    globals()[name] = value  # load once
    return value


def __dir__():
    return __all__


if TYPE_CHECKING:  # for editors and type checkers
    from .compare import divergence, keyness, shares, suggest_terms  # noqa: F401
    from .corpus import Corpus, read_corpus  # noqa: F401
    from .lexicon import Lexicon, load_lexicon  # noqa: F401
    from .results import ResultTable  # noqa: F401
    from .scoring import count_matrix, kwic, match, score  # noqa: F401
    from .vectorizer import LexiconVectorizer  # noqa: F401
