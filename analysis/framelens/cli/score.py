"""``framelens score`` and ``framelens kwic``."""
from __future__ import annotations

import argparse
import sys

from ..errors import ParameterError
from .batch import add_batch_arguments, run_batch, wants_batch
from .common import add_input_arguments, emit_table, load_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="count lexicon labels per document or group",
                       description="Count each lexicon label per document (or per group with --by): hits, "
                                   "rate per 1,000 tokens and share within its family. Large inputs: give several "
                                   "files or a glob, --jobs N or --engine dask to stream them in parallel chunks "
                                   "(resumable, with a manifest and a rejects file).")
    add_input_arguments(p, many=True)
    p.add_argument("--lexicon", "-l", required=True, metavar="NAME_OR_PATH",
                   help="built-in lexicon name (see 'framelens lexicon list') or a YAML file")
    p.add_argument("--out", "-o", metavar="FILE", help="output file: .csv, .tsv, .parquet or .jsonl (default: print)")
    p.add_argument("--by", action="append", metavar="COLUMN",
                   help="group by a column or a date bin (day/week/month/quarter/year); repeat for several")
    p.add_argument("--shape", choices=("wide", "long"), default="wide", help="one row per document/group (wide) or per label (long)")
    p.add_argument("--engine", choices=("auto", "hyperscan", "python", "dask"), default="auto",
                   help="matching engine (auto, hyperscan, python), or 'dask' to run batch scoring on a Dask cluster")
    add_batch_arguments(p)
    p.set_defaults(func=run_score)

    k = sub.add_parser("kwic", help="keyword in context for a pattern or a lexicon label",
                       description="Show each match of a pattern (or of a lexicon label/family) with its context.")
    add_input_arguments(k)
    k.add_argument("pattern", metavar="PATTERN", help="a pattern ('insurgen*', 'pro-government forces') or, with --lexicon, a label or family id")
    k.add_argument("--lexicon", "-l", metavar="NAME_OR_PATH", help="lexicon whose label/family PATTERN names")
    k.add_argument("--window", "-w", type=int, default=8, help="tokens of context each side (default 8)")
    k.add_argument("--out", "-o", metavar="FILE", help="output file (.csv/.tsv/.parquet/.jsonl); default: print")
    k.set_defaults(func=run_kwic)


def run_score(args: argparse.Namespace) -> int:
    from ..scoring import as_lexicon, score

    if wants_batch(args):
        return run_batch(args)
    if len(args.input) > 1:
        raise ParameterError("several inputs are scored in batch mode only")  # wants_batch covers this
    args.input = args.input[0]
    lexicon = as_lexicon(args.lexicon)
    corpus = load_input(args.input, args)
    by = args.by[0] if args.by and len(args.by) == 1 else args.by
    if args.out is None and args.shape == "wide":
        # A wide table has three columns per label: unreadable in a terminal. Show the labels found.
        table = score(corpus, lexicon, by=by, shape="long", engine=args.engine)
        print("framelens: note: showing labels with hits in long form; --out FILE writes the wide table", file=sys.stderr)
        emit_table(table[table["count"] > 0].reset_index(drop=True), None, what="score")
        return 0
    emit_table(score(corpus, lexicon, by=by, shape=args.shape, engine=args.engine), args.out, what="score")
    return 0


def run_kwic(args: argparse.Namespace) -> int:
    from ..scoring import kwic

    corpus = load_input(args.input, args)
    emit_table(kwic(corpus, args.pattern, window=args.window, lexicon=args.lexicon), args.out, what="kwic")
    return 0
