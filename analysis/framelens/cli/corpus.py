"""``framelens corpus info`` and ``framelens datasets list``."""
from __future__ import annotations

import argparse

from .common import add_input_arguments, emit_table, load_input


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="inspect a corpus", description="Inspect a corpus file, folder or the sample.")
    verbs = p.add_subparsers(dest="corpus_verb", metavar="ACTION", required=True)
    v = verbs.add_parser("info", help="documents, sources, dates, tokens, reading issues and fingerprint")
    add_input_arguments(v)
    v.set_defaults(func=run_info)

    d = sub.add_parser("datasets", help="list the embedded and third-party datasets",
                       description="Show the embedded sample corpus and which third-party corpora are present "
                                   "(../shared/corpora or $FRAMELENS_SHARED), with where to download each.")
    verbs = d.add_subparsers(dest="datasets_verb", metavar="ACTION", required=True)
    v = verbs.add_parser("list", help="list datasets and whether they are present")
    v.set_defaults(func=run_datasets_list)


def run_info(args: argparse.Namespace) -> int:
    corpus = load_input(args.input, args)
    meta = corpus.meta
    print(f"corpus: {meta.get('name') or meta.get('path') or args.input}" + (" (fictional)" if meta.get("fictional") else ""))
    print(f"documents: {len(corpus)}  sources: {corpus.docs['source'].nunique()}  sha256: {corpus.fingerprint}")
    extra = [c for c in corpus.docs.columns if c not in ("doc_id", "source", "date", "title", "text")]
    print(f"metadata columns: {', '.join(map(str, extra)) or 'none'}")
    print(f"reading issues: {len(corpus.issues)}")
    if meta.get("timezone") not in (None, "UTC"):  # (UTC, the default, goes unsaid)
        print(f"dates: {'each as written' if meta['timezone'] == 'as-written' else 'in ' + meta['timezone']}")
    print()
    emit_table(corpus.summary().reset_index(), None, what="source")
    return 0


def run_datasets_list(args: argparse.Namespace) -> int:
    from ..datasets import list_datasets

    for row in list_datasets().itertuples(index=False):
        state = "present" if row.present else "absent"
        print(f"{row.name} ({state}): {row.description}")
        print(f"    load with {row.loader}" + (f"  — from {row.path}" if row.present else ""))
        print(f"    licence: {row.licence}")
        if row.url:
            print(f"    download: {row.url}" + (f" (commit {row.commit[:10]})" if row.commit else ""))
    return 0
