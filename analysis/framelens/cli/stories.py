"""``framelens stories``: group the articles that report the same event into stories.

Thin: it parses, calls :func:`framelens.compare.stories.stories` as a Python user would and writes
one row per document (``doc_id, story, group, date, matched``); ``--clusters`` also writes one row
per story. Notes (documents without a date…) go to stderr.
"""
from __future__ import annotations

import argparse
import sys
import warnings

from .common import add_input_arguments, emit_table, load_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stories", help="group articles from different outlets that report the same event",
        description="Find stories: articles from different outlets about the same event (TF-IDF cosine "
                    "within a date window, average-linkage clustering), or take them from a column. "
                    "Writes one row per document: doc_id, story, group, date, matched (covered by at "
                    "least two groups).",
        epilog="examples: framelens stories articles.jsonl --out stories.csv --clusters story_table.csv\n"
               "          framelens stories sample --story-column event --out stories.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(p)
    p.add_argument("--out", "-o", required=True, metavar="FILE",
                   help="per-document table: .csv, .tsv, .parquet or .jsonl")
    p.add_argument("--clusters", metavar="FILE", help="also write the per-story table (size, groups, dates, top terms)")
    p.add_argument("--window-days", type=int, default=3, metavar="N",
                   help="articles more than N calendar days apart are never one story (default 3)")
    p.add_argument("--no-window", action="store_true", help="ignore the dates")
    p.add_argument("--threshold", type=float, default=None, metavar="T",
                   help="linkage cut, a similarity in (0, 1]: higher gives smaller stories "
                        "(default 0.20 for average, 0.24 for single linkage)")
    p.add_argument("--linkage", choices=("average", "single"), default="average", help="clustering linkage")
    p.add_argument("--edge-weight", type=float, default=0.5, metavar="W",
                   help="date weight of two articles N days apart, falling linearly from 1 on the same day "
                        "(default 0.5; 1 = no date weighting)")
    p.add_argument("--by", default="source", metavar="COLUMN",
                   help="the groups whose coverage is matched (default: source)")
    p.add_argument("--story-column", metavar="NAME",
                   help="use this column as the stories instead of finding them")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compare.stories import StoryWarning, stories

    corpus = load_input(args.input, args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StoryWarning)
        result = stories(corpus, window_days=None if args.no_window else args.window_days,
                         threshold=args.threshold, by=args.by, linkage=args.linkage,
                         edge_weight=args.edge_weight, column=args.story_column)
    for note in result.notes:
        print(f"framelens: note: {note}", file=sys.stderr)
    for w in caught:  # anything else the computation warned about
        if not issubclass(w.category, StoryWarning):
            print(f"framelens: warning: {w.message}", file=sys.stderr)
    print(f"framelens: {result.summary()}", file=sys.stderr)
    emit_table(result.assignments, args.out, what="document")
    if args.clusters:
        emit_table(result.clusters, args.clusters, what="story")
    return 0
