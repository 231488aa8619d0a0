"""What every CLI verb shares: reading INPUT (a file, a folder or the word ``sample``), writing tables."""
from __future__ import annotations

import argparse
import sys
import warnings

import pandas as pd

from ..corpus import Corpus, CorpusWarning, read_corpus
from ..io_utils import write_table

SAMPLE = "sample"


def add_input_arguments(parser: argparse.ArgumentParser, *, many: bool = False, scores: bool = False) -> None:
    """INPUT (or several, with ``many``) and the column-mapping options of :func:`framelens.read_corpus`;
    ``scores``: INPUT may also be a batch output (its label counts)."""
    parser.add_argument("input", metavar="INPUT", nargs="+" if many else None,
                        help="CSV/TSV, JSONL(.gz), Parquet, a folder of .txt files, or 'sample' for the embedded corpus"
                             + ("; several files or a quoted glob ('news/*.jsonl.gz') score in batch mode" if many else "")
                             + ("; or what 'framelens score --out' wrote (a folder or file with its manifest): its "
                                "label counts, without the texts" if scores else ""))
    group = parser.add_argument_group("input columns")
    for role, default in (("text", "text"), ("source", "source"), ("id", "doc_id"), ("date", "date"), ("title", "title")):
        group.add_argument(f"--{role}-column", dest=f"{role}_column", metavar="NAME", default=None,
                           help=f"column holding the {role} (default: {default!r} if present)")
    group.add_argument("--encoding", default="utf-8", help="file encoding (default utf-8)")
    group.add_argument("--replace-errors", action="store_true",
                       help="replace undecodable bytes instead of failing (the count is reported)")
    group.add_argument("--on-duplicate", choices=("error", "first"), default="error",
                       help="duplicate ids: fail (default) or keep the first of each")
    group.add_argument("--timezone", metavar="ZONE", default="UTC",
                       help="the clock of the dates, and so of the day/week/month bins: UTC (default; zoned dates "
                            "are converted to it), an IANA zone such as Asia/Kolkata (converted to its local "
                            "time), or as-written (each date's own time, its offset dropped); a date without a "
                            "zone is taken as on that clock")


def read_options(args: argparse.Namespace) -> dict:
    """The column mapping the user gave (only what differs from read_corpus' defaults)."""
    options = {}
    for role in ("text", "source", "id", "date", "title"):
        value = getattr(args, f"{role}_column", None)
        if value:
            options[role] = value
    if getattr(args, "encoding", "utf-8") != "utf-8":
        options["encoding"] = args.encoding
    if getattr(args, "replace_errors", False):
        options["errors"] = "replace"
    if getattr(args, "on_duplicate", "error") != "error":
        options["on_duplicate"] = args.on_duplicate
    if getattr(args, "timezone", "UTC") != "UTC":
        options["timezone"] = timezone_option(args)
    return options


def timezone_option(args: argparse.Namespace) -> str:
    """``--timezone``, checked (an unknown zone is an error naming the option, before any reading)."""
    from ..corpus import check_timezone

    return check_timezone(getattr(args, "timezone", "UTC"), "--timezone")


MAX_NOTES = 20  # reading issues printed one per line; the rest are counted (a file may have thousands)
MAX_PRINTED = 200  # table rows printed in the terminal (the whole table goes to --out)


def load_input(value: str, args: argparse.Namespace | None = None) -> Corpus:
    """The corpus named on the command line; reading issues are printed to stderr, one per line
    (the first :data:`MAX_NOTES`, then how many more, per field)."""
    if value == SAMPLE:
        from ..datasets import load_sample

        flags = {"encoding": "--encoding", "errors": "--replace-errors", "on_duplicate": "--on-duplicate",
                 "timezone": "--timezone"}
        given = [flags.get(o, f"--{o}-column") for o in read_options(args)] if args is not None else []
        if given:
            warnings.warn(f"{', '.join(given)} ignored: 'sample' is the embedded corpus, read with its own columns",
                          UserWarning, stacklevel=2)
        return load_sample()
    kwargs = {}
    if args is not None:
        kwargs = dict(
            text=getattr(args, "text_column", None), source=getattr(args, "source_column", None),
            id=getattr(args, "id_column", None), date=getattr(args, "date_column", None),
            title=getattr(args, "title_column", None), encoding=getattr(args, "encoding", "utf-8"),
            errors="replace" if getattr(args, "replace_errors", False) else "strict",
            on_duplicate=getattr(args, "on_duplicate", "error"), timezone=timezone_option(args),
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # reported below, one line per issue
        corpus = read_corpus(value, **kwargs)
    issues = corpus.issues
    for row in issues.head(MAX_NOTES).itertuples(index=False):
        where = ", ".join(str(x) for x in (row.file, f"row {row.row}" if row.row is not None else None,
                                            f"field {row.field!r}" if row.field else None) if x)
        print(f"framelens: note: {where}: {row.issue}", file=sys.stderr)
    if len(issues) > MAX_NOTES:
        rest = issues.iloc[MAX_NOTES:]["field"].fillna("").value_counts(sort=True)
        detail = ", ".join(f"{n:,} in field {f!r}" if f else f"{n:,} about the file" for f, n in rest.items())
        print(f"framelens: note: … and {len(issues) - MAX_NOTES:,} more ({detail}); framelens.read_corpus(...).issues "
              "lists them all", file=sys.stderr)
    return corpus


def emit_table(df: pd.DataFrame, out: str | None, *, what: str) -> None:
    """Write ``df`` to ``out`` (format by extension) or print it when no file is given."""
    if out:
        path = write_table(df, out)
        print(f"wrote {len(df)} {what} rows to {path}", file=sys.stderr)
    elif df.empty:
        print(f"no {what} rows", file=sys.stderr)
    else:
        with pd.option_context("display.width", 160, "display.max_columns", 30):
            print(df.head(MAX_PRINTED).to_string(index=False))
        if len(df) > MAX_PRINTED:
            print(f"framelens: note: showing the first {MAX_PRINTED} of {len(df):,} {what} rows; --out FILE writes "
                  "them all", file=sys.stderr)
