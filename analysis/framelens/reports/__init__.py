"""Reproducible reports: run a notebook template headless and write byte-identical HTML and ``.ipynb``.

A *template* is a notebook under ``notebooks/`` whose first code cell is tagged ``parameters`` and
holds the defaults. :func:`run_report` checks the parameters against the corpus and lexicon *before*
anything runs (one clear line on error), replaces that cell with an ``injected-parameters`` cell,
executes the notebook with nbclient and writes ``<out>.html`` and ``<out>.ipynb`` side by side,
atomically (a failing cell leaves no partial report). Same inputs give the same bytes, and the HTML
references nothing on the network.

Every name is importable from ``framelens.reports``; the code is split by what it does:

======================== ==================================================================
``templates``            finding templates, their parameters and defaults, ``--param`` parsing
``checks``               the corpus a report reads, parameter checks before a kernel starts
``run``                  the pinned kernel, execution, offline HTML, :func:`run_report`
``display``              helpers for report cells: PNG figures, escaped tables, KWIC, notes
``lexicon_validation``   hits sampled for judgement, precision with Wilson intervals, coverage
``figures``              precision, coverage, CV scores, confusion, pooled vs within-story
======================== ==================================================================

Examples
--------
>>> from framelens.reports import list_templates
>>> list_templates()["name"].tolist()
['source_comparison', 'classifier_report', 'lexicon_validation', 'batch_comparison']
"""
from __future__ import annotations

from ..errors import FramelensError, InputError, ParameterError  # noqa: F401 - reachable here as before
from .checks import (
    DATE_BINS,
    SAMPLE,
    STORY_AUTO,
    STORY_COLUMNS,
    STORY_FIND,
    load_corpus,
    story_column,
    validate_parameters,
)
from .display import figure_png, html_table, kwic_html, note, provenance_html, show_figure
from .figures import plot_confusion, plot_coverage, plot_cv_scores, plot_pooled_within, plot_precision
from .lexicon_validation import (
    _judgement,  # noqa: F401 - used by framelens.exercises
    answer_key_judgements,
    label_coverage,
    precision_from_judgements,
    sample_hits,
)
from .run import (
    HTML_TEMPLATE,
    KERNEL_NAME,
    KERNELSPEC,
    ReportError,
    ReportPaths,
    execute_notebook,
    kernel_environment,
    run_report,
    to_html,
)
from .templates import (
    PACKAGE_DIR,
    TEMPLATE_DIR,
    TEMPLATES,
    coerce_parameter,
    list_templates,
    parse_param_strings,
    template_parameters,
    template_path,
)

__all__ = [
    # templates and parameters
    "PACKAGE_DIR", "TEMPLATE_DIR", "TEMPLATES", "template_path", "template_parameters", "list_templates",
    "coerce_parameter", "parse_param_strings",
    # corpus and checks
    "SAMPLE", "DATE_BINS", "STORY_AUTO", "STORY_FIND", "STORY_COLUMNS", "load_corpus", "story_column",
    "validate_parameters",
    # running
    "HTML_TEMPLATE", "KERNEL_NAME", "KERNELSPEC", "ReportError", "ReportPaths", "kernel_environment", "to_html",
    "run_report", "execute_notebook",
    # display helpers
    "figure_png", "show_figure", "html_table", "kwic_html", "note", "provenance_html",
    # lexicon validation
    "sample_hits", "precision_from_judgements", "label_coverage", "answer_key_judgements",
    # figures
    "plot_precision", "plot_coverage", "plot_cv_scores", "plot_confusion", "plot_pooled_within",
]
