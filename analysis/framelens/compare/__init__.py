"""Comparisons across sources: keyness, label shares, divergence and slant, term discovery, and the
same comparisons inside stories (story matching, stratified tests, selection/framing decomposition).

Every function takes a corpus, groups its documents with ``by`` (a column, a date bin such as
``"month"``, or a list of them) and returns a table with documented columns and a provenance record
in ``attrs["framelens"]``. Groups with little data are kept and flagged in a ``note`` column.
"""
from __future__ import annotations

from ._tables import ResultTable
from .discovery import suggest_terms
from .divergence import DivergenceResult, correspondence_analysis, divergence, jsd
from .keyness import keyness, keyness_from_counts
from .shares import shares, shares_test
from .stories import Stories, StoryWarning, stories, story_scores
from .stratified import decompose, keyness_within, plot_decomposition, shares_within, shares_within_test

__all__ = [
    "DivergenceResult",
    "ResultTable",
    "correspondence_analysis",
    "divergence",
    "jsd",
    "keyness",
    "keyness_from_counts",
    "shares",
    "shares_test",
    "suggest_terms",
    "Stories",
    "StoryWarning",
    "stories",
    "story_scores",
    "decompose",
    "keyness_within",
    "plot_decomposition",
    "shares_within",
    "shares_within_test",
]
