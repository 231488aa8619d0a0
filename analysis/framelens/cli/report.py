"""``framelens report``: run a report template headless and write HTML plus the executed notebook."""
from __future__ import annotations

import argparse
import sys

from .common import add_input_arguments, read_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="write a reproducible HTML report (and its executed notebook) from a template",
        description="Run a report template on a corpus and write OUT (HTML, readable offline) and OUT with "
                    ".ipynb beside it. The same inputs give byte-identical files. Parameters are checked "
                    "before anything runs; a failing cell fails the command and leaves no partial report.",
        epilog="Templates: source_comparison (label shares, keyness, divergence, KWIC evidence, suggested terms), "
               "classifier_report (cross-validated framing classifier vs baselines), lexicon_validation "
               "(coverage and a seeded KWIC sample for precision checks), batch_comparison (label shares, "
               "keyness of labels, divergence and slant from a batch output's counts, no text read). "
               "Example: framelens report sample --lexicon conflict_actors --by source --out report.html "
               "--param n_boot=500",
    )
    add_input_arguments(p, scores=True)
    p.add_argument("--lexicon", "-l", metavar="NAME_OR_PATH", help="built-in lexicon name or YAML file")
    p.add_argument("--by", metavar="COLUMN",
                   help="the column (or date bin) whose groups are compared; in classifier_report, the column "
                        "predicted (template default: source)")
    p.add_argument("--out", "-o", metavar="FILE.html", help="the HTML report (required); the notebook goes beside it")
    p.add_argument("--template", "-t", default=None, metavar="NAME_OR_PATH",
                   help="source_comparison (default), classifier_report, lexicon_validation, batch_comparison "
                        "(the default when INPUT is what 'framelens score --out' wrote), or an .ipynb path")
    p.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                   help="a template parameter (repeatable), e.g. families=armed_opposition,government_side or seed=3")
    p.add_argument("--show-code", action="store_true", help="include the code cells in the HTML")
    p.add_argument("--timeout", type=int, default=600, help="seconds any one cell may run (default 600)")
    p.add_argument("--list-parameters", action="store_true",
                   help="print the template's parameters and defaults, then exit")
    p.set_defaults(func=run_report_verb)


def run_report_verb(args: argparse.Namespace) -> int:
    from ..batch.scores import is_batch_output
    from ..errors import ParameterError
    from ..reports import parse_param_strings, run_report, template_parameters

    if args.template is None:  # a batch output holds counts, not texts: the template made for it
        args.template = "batch_comparison" if is_batch_output(args.input) else "source_comparison"
    if args.list_parameters:
        for key, value in template_parameters(args.template).items():
            print(f"{key} = {value!r}")
        return 0
    if not args.out:
        raise ParameterError("--out FILE.html is required (the executed notebook is written beside it)")
    params = parse_param_strings(args.param)
    paths = run_report(args.input, args.lexicon, args.by, args.out, template=args.template, params=params,
                       read_options=read_options(args) or None, show_code=args.show_code, timeout=args.timeout,
                       progress=None)
    print(f"wrote {paths.html} and {paths.notebook}", file=sys.stderr)
    return 0
