"""The ``framelens`` command: parse, dispatch to a verb module, turn input errors into one line.

Each verb module exposes ``register(subparsers)``, which adds its parser and sets ``func`` to a
``run(args) -> int``. The verbs call the same public functions a Python user calls.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import Sequence

from .._version import __version__
from ..errors import FramelensError

VERB_MODULES = ("score", "lexicon", "corpus", "compare", "stories", "actors", "classify", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framelens",
        description="Measure how news sources frame events: lexicon scoring, comparisons, reports.",
        epilog="INPUT is a CSV/TSV, JSONL(.gz), Parquet file, a folder of .txt files, or 'sample'. "
               "Run 'framelens VERB --help' for each verb.",
    )
    parser.add_argument("--version", action="version", version=f"framelens {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for name in VERB_MODULES:
        try:
            module = importlib.import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:  # a verb whose optional module is not part of this build
            if exc.name and exc.name.startswith("framelens"):
                continue
            raise
        module.register(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on stderr, as errors are: a user of the command line is not helped by
    the source line of framelens that warned (``--debug`` shows Python's usual form)."""
    kind = "warning" if category is UserWarning else category.__name__
    print(f"framelens: {kind}: {message}", file=sys.stderr if file is None else file)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()  # imports the commands' modules: a Ctrl-C may come now
    except KeyboardInterrupt:
        print("framelens: interrupted", file=sys.stderr)
        return 130
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            if not args.debug:
                warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except (FramelensError, FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError,
            NotADirectoryError) as exc:
        if args.debug:
            raise
        message = str(exc).replace("\n", " ")
        print(f"framelens: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("framelens: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The ``framelens`` console script (and ``python -m framelens``): :func:`main`, then exit.

    Once a command has returned, its outputs are closed and in place; tearing the interpreter down
    after that (freeing every object of pandas, pyarrow, NumPy ...) still costs ~0.1 s, a twentieth of
    scoring 100 MB. So, as mypy does, the process ends at once with ``os._exit`` after flushing the
    standard streams, but only when nothing else could still be working: no other thread and no
    child process (otherwise, the ordinary exit).
    """
    import os
    import threading

    code = main()
    if threading.active_count() > 1 or _has_children():
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: nothing more can be said anyway
        pass
    os._exit(code)


def _has_children() -> bool:
    if "multiprocessing" not in sys.modules:
        return False
    import multiprocessing

    return bool(multiprocessing.active_children())


if __name__ == "__main__":  # python -m framelens.cli.main
    run()
