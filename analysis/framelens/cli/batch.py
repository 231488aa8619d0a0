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
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import FramelensError, ParameterError

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
                       help="worker processes (default, or -1: all cores when batch mode is on; -2: all but one)")
    group.add_argument("--chunk-size", type=int, metavar="ROWS", default=None,
                       help="rows per chunk / part file (default 10000)")
    group.add_argument("--chunk-mb", type=float, metavar="MB", default=None,
                       help="about this many input megabytes per chunk (default 16.8, i.e. 16 MiB)")
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
                        help="discard a previous run's output (or replace a file that no batch run wrote) "
                             "and start again")
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
    Everything that can be checked before scoring is (the output's folder, ``--by`` and
    ``--by-out``), so that a mistake does not surface after hours of work. Ctrl-C and SIGTERM stop
    the run cleanly and say how to continue it (exit status 130 and 143).
    """
    from ..batch import aggregate, score_files
    from ..batch.local import _keep_freed_memory
    from ..batch.sources import expand_inputs
    from .common import SAMPLE, emit_table, timezone_option

    timezone_option(args)  # an unknown zone fails first, named as on the command line
    inputs = _inputs(args)
    if not inputs or SAMPLE in inputs:
        raise ParameterError("batch mode reads files, folders or globs; score the embedded sample without "
                             "--jobs/--engine dask")
    if not args.out:
        raise ParameterError("batch mode writes its results to files: give --out DIR (a Parquet dataset) or "
                             "--out FILE.parquet/.csv/.jsonl")
    if getattr(args, "shape", "wide") != "wide":
        raise ParameterError("batch mode writes wide per-document rows; --shape long is not available with it")
    _check_sizes(args)
    # The glob is expanded here, without the run's own output: '*.csv' --out scores.csv, run twice,
    # would otherwise read its scores as input the second time (the paths are those score_files
    # would find, so the manifest is the same).
    files = [f.path for f in expand_inputs(inputs, output=args.out)]
    _check_output(args.out)
    if args.by:
        _check_groups(args, files)
    elif args.by_out:
        raise ParameterError("--by-out writes the per-group table of --by; give --by COLUMN too")
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
    try:
        with _stop_signals():
            result = score_files(
                files, args.lexicon, args.out,
                jobs=args.jobs, text=getattr(args, "text_column", None), source=getattr(args, "source_column", None),
                id=getattr(args, "id_column", None), date=getattr(args, "date_column", None),
                title=getattr(args, "title_column", None), keep=tuple(args.keep_columns or ()),
                format=args.batch_format, engine="dask" if dask else "local", scheduler=args.scheduler,
                resume=True if args.resume is None else args.resume,
                match_engine=engine if engine in MATCH_ENGINES else "auto",
                encoding=getattr(args, "encoding", "utf-8"),
                errors="replace" if getattr(args, "replace_errors", False) else "strict",
                progress=args.progress, timezone=timezone_option(args), **kwargs,
            )
            if args.by:
                by = args.by[0] if len(args.by) == 1 else args.by
                groups = aggregate(result.output, by=by)
                if args.by_out:
                    emit_table(groups, args.by_out, what="group")
                else:  # three columns per label: unreadable in a terminal (as framelens score without --out)
                    print("framelens: note: showing labels with hits in long form; --by-out FILE writes the wide "
                          "table", file=sys.stderr)
                    emit_table(_long_groups(groups, result.manifest["lexicon"].get("families", {})), None,
                               what="group")
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        what = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        print(f"framelens: {what}; {_resume_hint(args.out)}", file=sys.stderr)
        return 128 + signum
    except OSError as exc:  # a full disk, a folder that became read-only …: one line, and how to go on
        where = f"{exc.filename}: " if exc.filename else ""
        raise FramelensError(f"{where}{exc.strerror or exc}; {_resume_hint(args.out)}") from exc
    if result.rejected and not result.written:
        # nothing scored: most likely the wrong column, encoding or format, which a script must see
        print(f"framelens: error: none of the {result.rejected:,} row(s) could be scored; see {result.rejects_path} "
              "for why (the output holds no row)", file=sys.stderr)
        return 1
    if result.rejected:
        print(f"framelens: note: {result.rejected:,} row(s) could not be scored; see {result.rejects_path}",
              file=sys.stderr)
    return 0


def _check_sizes(args: argparse.Namespace) -> None:
    """The sizes, named as on the command line (score_files would name its own parameters)."""
    if args.jobs == 0:
        raise ParameterError("--jobs must be ≥ 1, or negative (-1: every core, as in scikit-learn), not 0")
    for option, value, least in (("--chunk-size", args.chunk_size, 1), ("--max-field-chars", args.max_field_chars, 0)):
        if value is not None and value < least:
            raise ParameterError(f"{option} must be ≥ {least}, not {value}")
    if args.chunk_mb is not None and not args.chunk_mb > 0:  # (a NaN too)
        raise ParameterError(f"--chunk-mb must be more than 0, not {args.chunk_mb}")


def _check_output(out: str) -> None:
    """Fail before scoring when the output cannot be written: a file where a folder must be, or a
    folder this user may not write in (found otherwise only when the first part is written)."""
    path = Path(out)
    first = path.parent  # the lock and a single file's parts go beside the output
    while not first.exists() and first != first.parent:
        first = first.parent
    if not first.is_dir():
        raise ParameterError(f"out {out}: {first} is a file, not a folder")
    for place in (first, path):
        if place.is_dir() and not os.access(place, os.W_OK | os.X_OK):
            raise ParameterError(f"out {out}: cannot write in {place} (permission denied)")


def _check_groups(args: argparse.Namespace, files: list[str]) -> None:
    """``--by`` keys and ``--by-out``, checked before scoring rather than after it."""
    from ..batch.local import row_key_columns
    from ..batch.sources import _output_paths
    from ..corpus import DATE_BINS
    from ..io_utils import table_format

    columns = row_key_columns(args.keep_columns or ())  # what aggregate groups by
    for key in args.by:
        if key not in columns and key not in DATE_BINS:
            raise ParameterError(f"--by {key}: no such column in the batch output (columns: {', '.join(columns)}; "
                                 f"date bins: {', '.join(DATE_BINS)}); --keep-column NAME carries an input field "
                                 "into it")
    if args.by_out:
        table_format(args.by_out)  # an unknown extension fails now, not after the scoring
        written = _output_paths(args.out)
        clash = [f for f in files if os.path.realpath(f) == os.path.realpath(args.by_out)]
        if clash or written.holds(args.by_out):
            raise ParameterError(f"--by-out {args.by_out} would overwrite "
                                 f"{'the input ' + clash[0] if clash else 'the scores of --out ' + args.out}; "
                                 "give another file")


def _long_groups(groups, families: dict[str, list[str]]):
    """The per-group table in long form, labels with hits only: the group columns, ``n_docs``,
    ``tokens``, ``family``, ``label``, ``count``, ``rate``, ``share`` (the columns of
    ``framelens.score(..., by=..., shape="long")``)."""
    import pandas as pd

    family_of = {label: family for family, labels in families.items() for label in labels}
    ids = list(groups.columns[: list(groups.columns).index("tokens") + 1])  # the keys, n_docs, tokens
    labels = [c[len("count_"):] for c in groups.columns if c.startswith("count_")]
    long = pd.concat([groups[ids].assign(family=family_of.get(label), label=label, count=groups[f"count_{label}"],
                                         rate=groups[f"rate_{label}"], share=groups[f"share_{label}"])
                      for label in labels], ignore_index=True)
    return long[long["count"] > 0].reset_index(drop=True)


class _Stopped(KeyboardInterrupt):
    """Raised in the run's own process by Ctrl-C or SIGTERM, so that a run stops as after Ctrl-C:
    pending chunks cancelled, the pool shut down, temporary files removed, the lock let go."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stop_signals() -> Iterator[None]:
    """While a batch runs: Ctrl-C (SIGINT) and SIGTERM stop it as :class:`_Stopped`.

    The pool's workers are forked from this process and inherit the handler. Ctrl-C reaches every
    process of the terminal's group; a worker ignores it (the run's process stops the pool, and a
    worker waiting for work would otherwise print a traceback). A worker given SIGTERM dies, as
    before. Without this, SIGTERM to the run's process alone killed it and left its workers running
    forever, orphaned.
    """
    if threading.current_thread() is not threading.main_thread():  # signal handlers cannot be set here
        yield
        return
    run_pid = os.getpid()

    def handler(signum, frame):
        if os.getpid() == run_pid:
            raise _Stopped(signum)
        if signum != signal.SIGINT:  # a worker: SIGTERM does what it did without this handler
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _resume_hint(out: str) -> str:
    """What an interrupted (or failed) run left, and how to go on from there."""
    from ..batch.local import _layout
    from ..batch.manifest import Manifest

    try:
        layout = _layout(out, None)  # where the run keeps its parts and manifest
        record = Manifest.read(layout.work) if layout.work.is_dir() else Manifest.read_file(layout.manifest_path)
    except (OSError, ValueError):  # a manifest being written when the run stopped; an --out it refused
        record = None
    if record is None:
        return "nothing was written"
    if record.get("status") == "complete":
        return f"the scores in {out} are complete; run the same command again to finish (nothing is scored twice)"
    done = len(Manifest(layout.work, record).completed())
    work = layout.work
    kept = f"{done:,} finished part(s) are kept in {work}" if done else f"no part was finished yet ({work})"
    return f"{kept}: run the same command again to continue (--no-resume starts again)"


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
