"""Beyond counting words: who speaks, who acts, and how each side is described.

* :func:`attributions` — statements attributed to a speaker, with the speaker's actor family and the
  reporting verb's class (``neutral``: said, told, according to; ``stance``: claimed, denied …);
  :func:`attribution_table` aggregates them per outlet.
* :func:`agency` — reports of violence and casualties: the construction (``active``,
  ``passive_agent``, ``passive_agentless``, ``intransitive``) and the agent's actor family where
  named; :func:`agency_table` aggregates per outlet and actor.
* :func:`tone` — VADER sentiment of the sentences that mention each actor family, per group, with
  document-level bootstrap intervals; :func:`descriptors` — the words attached to each actor,
  ranked by keyness per group.
* :func:`suggest_patterns` / :func:`write_patch` — candidate new lexicon patterns for a family.

Every extractor is rule-based over tokens and lexicons (no tagger, no downloaded data); see
``docs/actors.md`` for what each cannot see and how well each does on an annotated test set.

Examples
--------
>>> import framelens
>>> rows = framelens.actors.attributions(framelens.datasets.load_sample())
>>> sorted(rows["verb_class"].dropna().unique())
['neutral', 'stance']
"""
from __future__ import annotations

# Imported eagerly (not on first use): the functions ``agency`` and ``tone`` share their names with
# their modules, and only a binding made here, after the submodule import, keeps the name pointing
# to the function whatever is imported later.
from ._sentences import SkippedSentencesWarning
from .agency import agency, agency_table, implied_agents, plot_agency
from .attribution import attribution_table, attributions, plot_attribution
from .suggest import suggest_patterns, write_patch
from .tone import descriptors, plot_descriptors, plot_tone, sentiment_analyzer, tone

__all__ = [
    "SkippedSentencesWarning",
    "agency",
    "agency_table",
    "attribution_table",
    "attributions",
    "descriptors",
    "implied_agents",
    "plot_agency",
    "plot_attribution",
    "plot_descriptors",
    "plot_tone",
    "sentiment_analyzer",
    "suggest_patterns",
    "tone",
    "write_patch",
]
