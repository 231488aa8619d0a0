"""``framelens compare``: keyness, label shares or divergence between groups of documents.

Thin: it parses, calls :func:`framelens.keyness`, :func:`framelens.shares` or
:func:`framelens.divergence` as a Python user would, writes the table (format by the extension of
``--out``) and, with ``--figures``, the matching figures of :mod:`framelens.plots`.
"""
from __future__ import annotations

import argparse
import re
import sys

from ..errors import InputError, ParameterError
from .common import add_input_arguments, emit_table, load_input, read_options

KEYNESS_METHODS = ("log_odds_dirichlet", "chi2", "g2", "cmh")  # cmh: with --within only
METHODS = (*KEYNESS_METHODS, "shares", "divergence", "decompose")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="compare groups (outlets, months…): keyness, label shares, divergence",
        description="Compare groups of documents. Keyness methods (log_odds_dirichlet, chi2, g2) rank the "
                    "labels of --lexicon, or every n-gram without one, by how much each group over- or "
                    "under-uses them; 'shares' gives each label's share of its family with bootstrap "
                    "intervals; 'divergence' the Jensen-Shannon divergence between groups with "
                    "permutation p-values and a correspondence-analysis slant. With --within, the comparison is "
                    "made inside stories several groups covered; 'decompose' splits each pooled difference into "
                    "a selection part (which stories) and a framing part (how they were told).",
        epilog="examples: framelens compare sample --lexicon conflict_actors --by source --out keyness.csv\n"
               "          framelens compare sample --lexicon conflict_actors --method shares --family armed_opposition "
               "--out shares.parquet --figures figs/\n"
               "          framelens compare scores/ --lexicon conflict_actors --by source,year   "
               "(the output of 'framelens score': its counts, no text read)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_arguments(p, scores=True)
    p.add_argument("--lexicon", "-l", metavar="NAME_OR_PATH",
                   help="built-in lexicon name or YAML file (required for shares and divergence; without it, "
                        "keyness compares n-grams)")
    p.add_argument("--by", action="append", metavar="COLUMN",
                   help="group by a column or a date bin (day/week/month/quarter/year); repeat or separate by "
                        "commas for several (default: source)")
    p.add_argument("--family", action="append", metavar="FAMILY",
                   help="lexicon family (repeat for several; default: all)")
    p.add_argument("--method", "-m", choices=METHODS, default="log_odds_dirichlet", help="what to compute")
    p.add_argument("--reference", metavar="GROUP",
                   help="keyness: compare with this group instead of the rest, or 'pairs' for every pair")
    p.add_argument("--ngram", default="1,1", metavar="MIN,MAX",
                   help="keyness without a lexicon: n-gram lengths (default 1,1)")
    p.add_argument("--min-count", type=int, default=None, metavar="N",
                   help="keyness: keep terms counted at least N times (default 0 for labels, 5 for n-grams)")
    p.add_argument("--prior-scale", type=float, default=None, metavar="ALPHA0",
                   help="log_odds_dirichlet: total pseudo-count of the prior (default: the corpus size)")
    p.add_argument("--n-boot", type=int, default=2000, metavar="N", help="shares: bootstrap replicates (default 2000)")
    p.add_argument("--ci", type=float, default=0.95, help="shares: interval coverage (default 0.95)")
    p.add_argument("--n-perm", type=int, default=999, metavar="N",
                   help="divergence: permutations per pair (default 999)")
    p.add_argument("--positive", metavar="LABEL", help="divergence: label on the positive side of the slant")
    p.add_argument("--within", metavar="STORY_COLUMN",
                   help="compare only inside stories: a story column (e.g. 'event'), or 'story' to find stories "
                        "with 'framelens stories' matching when the corpus has no such column (keyness and shares; "
                        "'decompose' splits each pooled difference into selection and framing)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--engine", choices=("auto", "hyperscan", "python"), default="auto", help="matching engine")
    p.add_argument("--out", "-o", metavar="FILE", help="output table: .csv, .tsv, .parquet or .jsonl (default: print)")
    p.add_argument("--figures", metavar="DIR", help="also write the figures of this comparison as PNG files into DIR")
    p.set_defaults(func=run)


def _by(values: list[str] | None) -> str | list[str]:
    keys = [k.strip() for v in (values or ["source"]) for k in v.split(",") if k.strip()]
    return keys[0] if len(keys) == 1 else keys


def _slug(name: str) -> str:
    """A file-name-safe form of a group name."""
    return re.sub(r"[^\w.-]+", "_", str(name)).strip("._") or "group"


def _ngram(value: str) -> tuple[int, int]:
    try:
        parts = [int(v) for v in value.split(",")]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2:
        raise ParameterError(f"--ngram must be MIN,MAX (e.g. 1,2), not {value!r}")
    return parts[0], parts[1]


def _load(args: argparse.Namespace):
    """The corpus, or the per-document counts of a batch output (``framelens score --out``)."""
    from ..batch.scores import is_batch_output, load_scores

    if not is_batch_output(args.input):
        try:
            return load_input(args.input, args)
        except InputError as exc:
            if _score_columns(args.input):
                raise ParameterError(f"{args.input} holds scores, not documents: compare the documents, or a batch "
                                     "output, whose manifest names its lexicon and inputs (framelens score INPUT "
                                     "--lexicon L --jobs N --out DIR/)") from exc
            raise
    given = read_options(args)
    if given:
        raise ParameterError(f"{args.input} is batch output, read as it was written: the input options "
                             f"{', '.join(f'{k}={v!r}' for k, v in given.items())} do not apply (they belong to "
                             "'framelens score')")
    scores = load_scores(args.input)
    if not args.lexicon:
        lex = scores.lexicon
        raise ParameterError(f"{args.input} is batch output (label counts, no texts): give --lexicon, the one it was "
                             f"scored with ({lex['name']} {lex['version']}); n-gram keyness needs the documents")
    return scores


def _score_columns(path: str) -> bool:
    """Whether the table at ``path`` has the columns of ``framelens score``'s output (not a corpus)."""
    from ..readers_stream import delimited_header_row, jsonl_head, parquet_columns

    name = path.lower()
    try:
        if name.endswith(".parquet"):
            columns = parquet_columns(path)
        elif name.endswith((".csv", ".tsv", ".csv.gz", ".tsv.gz")):
            columns = delimited_header_row(path, "\t" if ".tsv" in name else ",")
        elif name.endswith((".jsonl", ".jsonl.gz")):
            columns = [k for record in jsonl_head(path, 1, 1 << 20) for k in record]
        else:
            return False
    except Exception:  # noqa: BLE001 - only a hint: the reading error stands
        return False
    return "tokens" in columns and any(str(c).startswith("count_") for c in columns)


def run(args: argparse.Namespace) -> int:
    from .. import compare

    method, by = args.method, _by(args.by)
    family = None if not args.family else (args.family[0] if len(args.family) == 1 else args.family)
    if method in ("shares", "divergence", "decompose") and not args.lexicon:
        raise ParameterError(f"--method {method} needs --lexicon")
    if args.figures:
        try:
            from .. import plots
        except ImportError as exc:
            raise ParameterError(f"--figures needs framelens.plots, which is not available: {exc}") from None
    corpus = _load(args)
    lexicon = args.lexicon
    if lexicon is not None:
        from ..compare._tables import as_lexicon

        lexicon = as_lexicon(lexicon)

    figures = {}
    if method in KEYNESS_METHODS:
        if method == "cmh" and not args.within:  # the library's message names its keyword, within=
            raise ParameterError("--method cmh compares inside stories: give --within STORY_COLUMN "
                                 "(e.g. --within event)")
        if family is not None and lexicon is None:
            raise ParameterError("--family needs --lexicon")
        table = compare.keyness(corpus, by=by, lexicon=lexicon, ngram_range=_ngram(args.ngram), method=method,
                                reference=args.reference, prior_scale=args.prior_scale, min_count=args.min_count,
                                within=args.within, engine=args.engine)
        if family is not None:
            families = [family] if isinstance(family, str) else family
            for f in families:
                lexicon.family(f)
            table = table[table["family"].isin(families)].reset_index(drop=True)
        if args.figures:
            if method == "log_odds_dirichlet" and "reference" not in table:
                for group in table["group"].unique():
                    figures[f"fightin_words_{_slug(group)}"] = plots.plot_fightin_words(table, group=group)
            else:
                print("framelens: note: Fightin' Words figures need --method log_odds_dirichlet without "
                      "--reference; no figure written", file=sys.stderr)
        what = "keyness"
    elif method == "shares":
        if args.reference:
            raise ParameterError("--reference applies to keyness methods only")
        table = compare.shares(corpus, lexicon, family=family, by=by, ci=args.ci, n_boot=args.n_boot,
                               seed=args.seed, within=args.within, engine=args.engine)
        if args.figures:
            figures = {"shares": plots.plot_shares(table), "label_heatmap": plots.plot_label_heatmap(table)}
        what = "shares"
    elif method == "decompose":
        table = compare.decompose(corpus, lexicon, family=family, by=by, story=args.within or "story",
                                  reference=args.reference, engine=args.engine)
        if args.figures:
            figures = {"decomposition": compare.plot_decomposition(table)}
        what = "decomposition"
    else:
        if args.reference:
            raise ParameterError("--reference applies to keyness methods only")
        if args.within:
            raise ParameterError("--within applies to keyness, shares and decompose")
        result = compare.divergence(corpus, lexicon, family=family, by=by, n_perm=args.n_perm, seed=args.seed,
                                    positive=args.positive, engine=args.engine)
        table = result.to_frame()
        print(f"framelens: slant (CA axis 1, {result.inertia:.0%} of inertia): "
              + ", ".join(f"{g} {v:+.3f}" for g, v in result.slant.sort_values().items()), file=sys.stderr)
        if args.figures:
            figures = {"distance_heatmap": plots.plot_distance_heatmap(result)}
            if hasattr(plots, "plot_slant"):
                figures["slant"] = plots.plot_slant(result)
        what = "divergence"
    emit_table(table, args.out, what=what)
    if figures:
        written = plots.save_figures(figures, args.figures)
        print(f"wrote {len(written)} figure(s) to {args.figures}", file=sys.stderr)
    return 0
