"""``framelens attributions|agency|tone|descriptors INPUT`` and ``framelens lexicon suggest INPUT``.

Wiring (done in ``cli/main.py`` and ``cli/lexicon.py``): add ``"actors"`` to ``VERB_MODULES`` so that
:func:`register` adds the four verbs, and call :func:`register_lexicon_suggest` with the sub-parsers
of ``framelens lexicon`` to add ``suggest``.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any, Callable

import pandas as pd

from .common import add_input_arguments, emit_table, load_input


def _common(p: argparse.ArgumentParser, *, lexicon_help: str = "actor lexicon: a built-in name or a YAML file") -> None:
    add_input_arguments(p)
    p.add_argument("--lexicon", default="conflict_actors", metavar="NAME_OR_PATH",
                   help=f"{lexicon_help} (default conflict_actors)")
    p.add_argument("--out", "-o", metavar="FILE", help="output table (.csv, .tsv, .jsonl, .parquet); printed when omitted")
    p.add_argument("--engine", default="auto", choices=("auto", "hyperscan", "python"), help="lexicon matching engine")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attributions", help="statements attributed to speakers, with the reporting verb's class",
                       description="Find statements attributed to a speaker ('X said', '..., X claimed', "
                                   "'according to X'), the speaker's actor family and the reporting verb's class "
                                   "(neutral / stance). With --summary, count per group and family.")
    _common(p)
    p.add_argument("--verbs", default="attribution", metavar="NAME_OR_PATH",
                   help="reporting-verb lexicon whose labels carry a stance (default attribution)")
    p.add_argument("--summary", metavar="BY", nargs="?", const="source",
                   help="write the per-group table (neutral/stance counts per family) instead of the rows; "
                        "BY is a column of the rows or of the corpus, or a date bin; several: comma-separated "
                        "(default source)")
    p.set_defaults(func=run_attributions)

    p = sub.add_parser("agency", help="how reports of harm are built (active, passive, agentless, intransitive)",
                       description="Classify each harm predicate (killed, died, massacred ...) as active, "
                                   "passive_agent, passive_agentless or intransitive, with the agent's actor family "
                                   "where named. With --summary, count per group and family.")
    _common(p)
    p.add_argument("--harm", default="violence_casualties", metavar="NAME_OR_PATH",
                   help="lexicon holding the harm verbs (default violence_casualties)")
    p.add_argument("--harm-family", default="harm", help="its family of harm verbs (default harm)")
    p.add_argument("--story", metavar="COLUMN",
                   help="column grouping reports of the same story; hidden agents get the family other reports name")
    p.add_argument("--summary", metavar="BY", nargs="?", const="source",
                   help="write the per-group table instead of the rows; BY is a column of the rows or of the "
                        "corpus, or a date bin (default source)")
    p.set_defaults(func=run_agency)

    p = sub.add_parser("tone", help="VADER tone of the sentences mentioning each actor family, per group",
                       description="Mean VADER compound score of the sentences (or a window of tokens) that "
                                   "mention each actor family, per group, with document-bootstrap intervals.")
    _common(p)
    p.add_argument("--by", default="source", help="group by this column or date bin; several: comma-separated")
    p.add_argument("--window", type=int, metavar="K", help="score K tokens either side of each mention instead of sentences")
    p.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates (default 2000; 0: none)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=run_tone)

    p = sub.add_parser("descriptors", help="words attached to each actor, ranked by keyness per group",
                       description="Modifiers right before each actor mention ('brutal regime', 'terrorist "
                                   "regime'), ranked per group and family by log-odds keyness.")
    _common(p)
    p.add_argument("--by", default="source", help="group by this column or date bin; several: comma-separated")
    p.add_argument("--top", type=int, default=10, help="descriptors per group and family (default 10)")
    p.add_argument("--min-count", type=int, default=3, help="minimum uses in the group (default 3)")
    p.set_defaults(func=run_descriptors)


def register_lexicon_suggest(verbs: argparse._SubParsersAction) -> None:
    """Add ``suggest`` to the sub-parsers of ``framelens lexicon``."""
    v = verbs.add_parser("suggest", help="candidate new patterns for a family, written as a YAML patch to review",
                         description="Find words and phrases that stand where a family's terms stand "
                                     "(collocations + positional PPMI/SVD neighbours), rank them, show "
                                     "keyword-in-context evidence and write them as a lexicon patch.")
    add_input_arguments(v)
    v.add_argument("--lexicon", required=True, metavar="NAME_OR_PATH", help="the lexicon to grow")
    v.add_argument("--family", required=True, help="the family to grow")
    v.add_argument("--out", "-o", required=True, metavar="PATCH.yaml", help="where to write the patch")
    v.add_argument("--top", type=int, default=20, help="candidates (default 20)")
    v.add_argument("--min-count", type=int, default=5, help="minimum occurrences (default 5)")
    v.add_argument("--window", type=int, default=2, help="context positions either side (default 2)")
    v.add_argument("--dims", type=int, default=100, help="SVD dimensions (default 100)")
    v.add_argument("--seed", type=int, default=0, help="SVD seed (default 0)")
    v.add_argument("--engine", default="auto", choices=("auto", "hyperscan", "python"), help="lexicon matching engine")
    v.set_defaults(func=run_suggest)


def _by(value: str) -> str | list[str]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts[0] if len(parts) == 1 else parts


def _quietly(func, *args, **kwargs):
    """Run an extractor; turn its skipped-sentences warning into one note on stderr."""
    from ..actors._sentences import SkippedSentencesWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedSentencesWarning)
        result = func(*args, **kwargs)
    for w in caught:
        if issubclass(w.category, SkippedSentencesWarning):
            print(f"framelens: note: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def _with_groups(rows: Any, corpus: Any, by: str | list[str]) -> Any:
    """``rows`` with the corpus columns (or date bins) named in ``by`` that the rows lack, looked up
    by ``doc_id``: ``--summary lean`` or ``--summary month`` groups by what the corpus knows of each
    document (a ParameterError names the corpus's columns for an unknown one)."""
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in rows.columns]
    if not missing:
        return rows
    out = rows.copy()
    for key in missing:
        values = pd.Series(corpus.groups(key).to_numpy(), index=[str(d) for d in corpus.doc_ids])
        out[key] = out["doc_id"].astype(str).map(values).to_numpy()
    out.attrs = rows.attrs
    return out


def _emit_rows(rows: Any, summarise: Callable[..., Any], args: argparse.Namespace, what: str,
               corpus: Any = None) -> int:
    """Write the extractor's rows or, with ``--summary BY``, their per-group table."""
    if args.summary:
        by = _by(args.summary)
        if corpus is not None:
            rows = _with_groups(rows, corpus, by)
        emit_table(summarise(rows, by=by), args.out, what=f"{what} summary")
    else:
        emit_table(rows, args.out, what=what)
    return 0


def run_attributions(args: argparse.Namespace) -> int:
    from ..actors import attribution_table, attributions

    corpus = load_input(args.input, args)
    rows = _quietly(attributions, corpus, args.lexicon, args.verbs, engine=args.engine)
    return _emit_rows(rows, attribution_table, args, "attribution", corpus)


def run_agency(args: argparse.Namespace) -> int:
    from ..actors import agency, agency_table

    corpus = load_input(args.input, args)
    rows = _quietly(agency, corpus, args.lexicon, args.harm, harm_family=args.harm_family, story=args.story,
                    engine=args.engine)
    if args.summary and not args.story:
        print("framelens: note: without --story, reports that hide the agent get no side: the summary counts only "
              "reports that name the agent (hidden_share is 0 by construction)", file=sys.stderr)
    return _emit_rows(rows, agency_table, args, "agency", corpus)


def run_tone(args: argparse.Namespace) -> int:
    from ..actors import tone

    corpus = load_input(args.input, args)
    table = _quietly(tone, corpus, args.lexicon, by=_by(args.by), window=args.window, n_boot=args.n_boot,
                     seed=args.seed, engine=args.engine)
    emit_table(table, args.out, what="tone")
    return 0


def run_descriptors(args: argparse.Namespace) -> int:
    from ..actors import descriptors

    corpus = load_input(args.input, args)
    table = _quietly(descriptors, corpus, args.lexicon, by=_by(args.by), top=args.top, min_count=args.min_count,
                     engine=args.engine)
    emit_table(table, args.out, what="descriptor")
    return 0


def run_suggest(args: argparse.Namespace) -> int:
    from ..actors import suggest_patterns, write_patch

    corpus = load_input(args.input, args)
    found = suggest_patterns(corpus, args.lexicon, args.family, top=args.top, min_count=args.min_count,
                             window=args.window, dims=args.dims, seed=args.seed, engine=args.engine)
    if found.empty:
        print(f"framelens: no candidate for family {args.family!r} (try a lower --min-count)", file=sys.stderr)
        return 1
    shown = found[["pattern", "score", "runner_up", "margin", "count", "docs", "method"]].copy()
    shown["evidence"] = [ex[0] if len(ex) else "" for ex in found["examples"]]
    emit_table(shown.round({"score": 3, "margin": 3}), None, what="candidate")
    path = write_patch(found, args.out, args.lexicon, args.family)
    print(f"wrote {len(found)} candidate pattern(s) for {args.family} to {path}; review them, then move the "
          f"accepted ones into the lexicon", file=sys.stderr)
    return 0
