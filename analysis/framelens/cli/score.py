"""``framelens score`` and ``framelens kwic``."""
from __future__ import annotations

import argparse
import os
import sys
import textwrap

from ..errors import ParameterError
from .batch import add_batch_arguments, run_batch, wants_batch
from .common import SAMPLE, add_input_arguments, emit_table, load_input


SCORE_EXAMPLES = """\
examples:
  framelens score news.csv -l conflict_actors --out scores.csv
      one input read whole, in memory; a row that cannot be read stops it
  framelens score news.csv -l conflict_actors --unit sentence --out sentences.csv
      one row per sentence, with its offsets in the document and its text
  framelens score 'archive/*.jsonl.gz' -l conflict_actors --jobs 4 --out scores/
      batch mode: chunks scored in parallel into scores/ (Parquet parts, _manifest.json and
      _rejects.jsonl for the rows that cannot be read); after Ctrl-C or a crash, the same
      command continues where it stopped
  framelens score 'archive/*.jsonl.gz' -l conflict_actors --out scores.parquet \\
          --by source --by month --by-out by_month.csv
      batch mode into one file, then per-group scores

Batch mode starts with --jobs, --engine dask, --scheduler, --resume/--no-resume, a glob
or several inputs, a directory --out (an existing one, a name ending in '/' or without
an extension), or any other option of the batch group but --progress/--no-progress.
Guide: docs/batch.md in the framelens repository.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="label counts per document or group; big inputs: --jobs N",
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=SCORE_EXAMPLES,
                       description=textwrap.fill(
                           "Count each lexicon label per document (or per group with --by): hits, rate per "
                           "1,000 tokens and share within its family. Large inputs: give several files or a "
                           "glob, --jobs N or --engine dask to stream them in parallel chunks (resumable, with a "
                           "manifest and a rejects file).", 79))
    add_input_arguments(p, many=True)
    p.add_argument("--lexicon", "-l", required=True, metavar="NAME_OR_PATH",
                   help="built-in lexicon name (see 'framelens lexicon list') or a YAML file")
    p.add_argument("--out", "-o", metavar="FILE_OR_DIR",
                   help="output file: .csv, .tsv, .parquet or .jsonl (default: print); in batch mode also a "
                        "directory (scores/) of Parquet parts")
    p.add_argument("--by", action="append", metavar="COLUMN",
                   help="group by a column or a date bin (day/week/month/quarter/year); repeat for several")
    p.add_argument("--unit", choices=("document", "sentence"), default="document",
                   help="without --by: one row per document (default) or per sentence, with its offsets and text")
    p.add_argument("--shape", choices=("wide", "long"), default="wide",
                   help="one row per document/sentence/group (wide) or per label (long)")
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
        if args.unit != "document":
            raise ParameterError("--unit sentence reads one input whole, in memory; batch mode (--jobs, several "
                                 "inputs, a directory --out …) scores documents")
        return run_batch(args)
    if len(args.input) > 1:
        raise ParameterError("several inputs are scored in batch mode only")  # wants_batch covers this
    args.input = args.input[0]
    _check_not_input(args.out, args.input)
    lexicon = as_lexicon(args.lexicon)
    corpus = load_input(args.input, args)
    by = args.by[0] if args.by and len(args.by) == 1 else args.by
    keys = args.by or []
    if args.out is None and args.shape == "wide" and not set(keys) & _LONG_COLUMNS:
        # A wide table has three columns per label: unreadable in a terminal. Show the labels found.
        table = score(corpus, lexicon, by=by, unit=args.unit, shape="long", engine=args.engine)
        found = table[table["count"] > 0].reset_index(drop=True)
        if found.empty and len(corpus):  # "no score rows" would read as an empty corpus
            print(f"framelens: note: no label of lexicon {lexicon.name!r} has a hit in the {len(corpus)} "
                  f"document(s); --out FILE writes the table of zeros", file=sys.stderr)
            return 0
        print("framelens: note: showing labels with hits in long form; --out FILE writes the wide table", file=sys.stderr)
        emit_table(found, None, what="score")
        return 0
    emit_table(score(corpus, lexicon, by=by, unit=args.unit, shape=args.shape, engine=args.engine), args.out,
               what="score")
    return 0


#: the columns of a long score table besides the keys: a --by column of one of these names cannot
#: be shown in long form (the wide table is printed instead)
_LONG_COLUMNS = {"family", "label", "count", "rate", "share"}


def run_kwic(args: argparse.Namespace) -> int:
    from ..scoring import kwic

    _check_not_input(args.out, args.input)
    corpus = load_input(args.input, args)
    emit_table(kwic(corpus, args.pattern, window=args.window, lexicon=args.lexicon), args.out, what="kwic")
    return 0


def _check_not_input(out: str | None, value: str) -> None:
    """Refuse an output that is the input file: writing it would destroy what was read."""
    if out and value != SAMPLE and os.path.realpath(out) == os.path.realpath(value):
        raise ParameterError(f"out {out}: the output would overwrite the input {value}; give another file")
