"""Batch mode of ``framelens score``: many or large inputs, in parallel, resumable.

This module adds no verb. ``framelens score`` (cli/score.py) calls :func:`add_batch_arguments` on its
parser and hands over to :func:`run_batch` when :func:`wants_batch` says so: ``--jobs``, ``--engine
dask``/``--scheduler``, a glob or several inputs, ``--resume``/``--no-resume``, an output that is a
directory (an existing one, a name ending in ``/``, or a name without a table extension), or another
option that only batch mode reads (``--keep-column``, ``--chunk-size``, ``--format`` …: ignoring one
silently would give an output without what was asked for).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import ParameterError

MATCH_ENGINES = ("auto", "hyperscan", "python")
# options only batch mode reads: giving one turns batch mode on (--progress is harmless without it)
BATCH_ONLY = ("chunk_size", "chunk_mb", "batch_format", "keep_columns", "max_field_chars", "by_out")
# ``--engine`` of ``framelens score`` names the matching engine; batch mode adds "dask" to its choices


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the batch options (``--jobs``, ``--chunk-size``, ``--scheduler``, …) to ``parser``.

    The parser must already have ``--engine`` (the matching engine); batch mode also accepts
    ``--engine dask`` there when its choices include ``"dask"``.
    """
    group = parser.add_argument_group(
        "batch scoring (large or many inputs)",
        "Used with --jobs, --engine dask, a glob or several inputs, an output directory, or any option of this "
        "group but --progress. Rows are scored in "
        "chunks by parallel workers and written as part files with a manifest (_manifest.json) and a rejects file; "
        "rerunning the same command after an interruption continues where it stopped. Rows that cannot be read "
        "are rejected (not fatal) and duplicate ids are kept (--on-duplicate does not apply).")
    group.add_argument("--jobs", "-j", type=int, metavar="N", default=None,
                       help="worker processes (default: all cores when batch mode is on)")
    group.add_argument("--chunk-size", type=int, metavar="ROWS", default=None,
                       help="rows per chunk / part file (default 10000)")
    group.add_argument("--chunk-mb", type=float, metavar="MB", default=None,
                       help="input megabytes per chunk at most (default 16.8, i.e. 16 MiB)")
    group.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="Dask scheduler address (tcp://host:8786); implies --engine dask")
    group.add_argument("--format", dest="batch_format", choices=("parquet", "csv", "tsv", "jsonl"), default=None,
                       help="part format of an output directory (default parquet)")
    group.add_argument("--keep-column", dest="keep_columns", action="append", metavar="NAME", default=None,
                       help="carry this input field into the output (repeat for several)")
    group.add_argument("--max-field-chars", type=int, metavar="N", default=None,
                       help="reject rows with a field longer than this (default 5000000)")
    resume = group.add_mutually_exclusive_group()
    resume.add_argument("--resume", dest="resume", action="store_true", default=None,
                        help="continue an interrupted run into the same output (the default in batch mode)")
    resume.add_argument("--no-resume", dest="resume", action="store_false",
                        help="discard a previous run's output and start again")
    group.add_argument("--by-out", metavar="FILE", default=None,
                       help="with --by: write the per-group table here (default: print it)")
    group.add_argument("--progress", dest="progress", action="store_true", default=None,
                       help="always show the progress bar (default: only on a terminal)")
    group.add_argument("--no-progress", dest="progress", action="store_false", help="no progress output")


def _inputs(args: argparse.Namespace) -> list[str]:
    value = getattr(args, "input", None)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _is_directory_output(out: str | None) -> bool:
    if not out:
        return False
    path = Path(out)
    # A name with an unknown extension ("x.xlsx") is a mistake to report, not a directory to create.
    return path.is_dir() or out.endswith(("/", os.sep)) or path.suffix == ""


def wants_batch(args: argparse.Namespace) -> bool:
    """Whether ``framelens score`` should run in batch mode for these arguments."""
    from ..batch.sources import has_glob

    inputs = _inputs(args)
    return bool(
        getattr(args, "jobs", None) is not None
        or getattr(args, "engine", None) == "dask"
        or getattr(args, "scheduler", None)
        or getattr(args, "resume", None) is not None
        or len(inputs) > 1
        or any(has_glob(i) for i in inputs)
        or _is_directory_output(getattr(args, "out", None))
        or any(getattr(args, name, None) is not None for name in BATCH_ONLY)
    )


def run_batch(args: argparse.Namespace) -> int:
    """Run batch scoring from parsed ``framelens score`` arguments; return the exit code.

    Uses ``input`` (one value or a list), ``lexicon``, ``out``, ``by``, ``shape``, ``engine`` and the
    input-column options of ``framelens score``, plus the options of :func:`add_batch_arguments`.
    """
    from ..batch import aggregate, score_files
    from ..batch.local import _keep_freed_memory
    from .common import SAMPLE, emit_table

    inputs = _inputs(args)
    if not inputs or SAMPLE in inputs:
        raise ParameterError("batch mode reads files, folders or globs; score the embedded sample without "
                             "--jobs/--engine dask")
    if not args.out:
        raise ParameterError("batch mode writes its results to files: give --out DIR (a Parquet dataset) or "
                             "--out FILE.parquet/.csv/.jsonl")
    if getattr(args, "shape", "wide") != "wide":
        raise ParameterError("batch mode writes wide per-document rows; --shape long is not available with it")
    engine = getattr(args, "engine", "auto")
    dask = engine == "dask" or bool(args.scheduler)
    kwargs = {}
    if args.chunk_size is not None:
        kwargs["chunk_size"] = args.chunk_size
    if args.chunk_mb is not None:
        kwargs["chunk_bytes"] = max(int(args.chunk_mb * 1e6), 1)
    if args.max_field_chars is not None:
        kwargs["max_field_chars"] = args.max_field_chars
    # This process is the CLI's own (not a notebook's): like the pool's workers, it may keep freed
    # memory for the next chunk (it scores chunks itself with --jobs 1, and assembles the output)
    _keep_freed_memory()
    result = score_files(
        inputs, args.lexicon, args.out,
        jobs=args.jobs, text=getattr(args, "text_column", None), source=getattr(args, "source_column", None),
        id=getattr(args, "id_column", None), date=getattr(args, "date_column", None),
        title=getattr(args, "title_column", None), keep=tuple(args.keep_columns or ()),
        format=args.batch_format, engine="dask" if dask else "local", scheduler=args.scheduler,
        resume=True if args.resume is None else args.resume,
        match_engine=engine if engine in MATCH_ENGINES else "auto",
        encoding=getattr(args, "encoding", "utf-8"),
        errors="replace" if getattr(args, "replace_errors", False) else "strict",
        progress=args.progress, **kwargs,
    )
    if args.by:
        by = args.by[0] if len(args.by) == 1 else args.by
        emit_table(aggregate(result.output, by=by), args.by_out, what="group")
    if result.rejected:
        print(f"framelens: note: {result.rejected:,} row(s) could not be scored; see {result.rejects_path}",
              file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """A stand-alone parser with the options ``framelens score`` has in batch mode."""
    from .common import add_input_arguments

    parser = argparse.ArgumentParser(
        prog="python -m framelens.cli.batch",
        description="Batch-score files, folders or globs (what 'framelens score' does in batch mode).")
    add_input_arguments(parser)
    for action in parser._actions:  # INPUT takes several values here
        if action.dest == "input":
            action.nargs = "+"
    parser.add_argument("--lexicon", "-l", required=True, metavar="NAME_OR_PATH")
    parser.add_argument("--out", "-o", metavar="DIR_OR_FILE")
    parser.add_argument("--by", action="append", metavar="COLUMN")
    parser.add_argument("--shape", choices=("wide", "long"), default="wide")
    parser.add_argument("--engine", choices=(*MATCH_ENGINES, "dask"), default="auto",
                        help="matching engine, or 'dask' to run on a Dask cluster")
    parser.add_argument("--debug", action="store_true")
    add_batch_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m framelens.cli.batch INPUT... --lexicon NAME --out DIR [options]``."""
    from ..errors import FramelensError

    args = build_parser().parse_args(argv)
    try:
        return run_batch(args)
    except FramelensError as exc:
        if args.debug:
            raise
        print(f"framelens: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
