"""``framelens lexicon list|show|validate|import``."""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from .common import emit_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lexicon", help="list, show, validate and import lexicons",
                       description="Work with lexicons: the built-in ones and your own YAML files.")
    verbs = p.add_subparsers(dest="lexicon_verb", metavar="ACTION", required=True)

    v = verbs.add_parser("list", help="list the built-in lexicons")
    v.set_defaults(func=run_list)

    v = verbs.add_parser("show", help="show a lexicon's families, labels and patterns")
    v.add_argument("lexicon", metavar="NAME_OR_PATH")
    v.add_argument("--family", help="only this family")
    v.set_defaults(func=run_show)

    v = verbs.add_parser("validate", help="check a lexicon file; print duplicate/overlapping patterns",
                         description="Load a lexicon (errors name file, line and entry) and report warnings such as "
                                     "duplicate or overlapping patterns. Exits 1 when there are warnings with --strict.")
    v.add_argument("lexicon", metavar="NAME_OR_PATH")
    v.add_argument("--strict", action="store_true", help="exit 1 if any warning-level message is reported")
    v.set_defaults(func=run_validate)

    v = verbs.add_parser("import", help="import a LIWC .dic, quanteda YAML or word list into the framelens YAML format")
    v.add_argument("path", metavar="PATH")
    v.add_argument("--format", choices=("liwc", "quanteda", "wordlist", "mpqa"), help="input format (default: by extension)")
    v.add_argument("--family", help="put every category in this one family (LIWC, quanteda); the family id of a word list")
    v.add_argument("--label", help="label id for a word list")
    v.add_argument("--split", metavar="SEP",
                   help="LIWC: split category names at SEP into family and label (--split . for MFD 2.0's care.virtue)")
    v.add_argument("--on-invalid", choices=("raise", "skip"),
                   help="entries that are not valid patterns: stop with an error (default) or drop them with a warning")
    v.add_argument("--mpqa", choices=("type", "polarity"), help="MPQA clues: families by clue type (default) or by polarity")
    v.add_argument("--stemmed", choices=("literal", "glob"),
                   help="MPQA clues marked stemmed1=y: keep as written (default) or append '*'")
    v.add_argument("--out", "-o", required=True, metavar="FILE.yaml", help="where to write the YAML lexicon")
    v.set_defaults(func=run_import)

    from .actors import register_lexicon_suggest  # grows a lexicon from data (framelens.actors.suggest)

    register_lexicon_suggest(verbs)


def run_list(args: argparse.Namespace) -> int:
    from ..lexicon import list_lexicons

    emit_table(list_lexicons(), None, what="lexicon")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..scoring import as_lexicon

    lex = as_lexicon(args.lexicon)
    print(f"{lex.name} {lex.version} — {lex.description}".strip())
    print(f"sha256 {lex.fingerprint}")
    families = [lex.family(args.family)] if args.family else lex.families
    for fam in families:
        print(f"\n{fam.id}" + (f": {fam.description}" if fam.description else ""))
        for label in fam.labels:
            stance = f" [{label.stance}]" if label.stance else ""
            pats = ", ".join(p.text + (" (case-sensitive)" if p.case_sensitive else "") for p in label.patterns)
            print(f"  {label.id}{stance}: {pats}")
            if label.exclude:
                print(f"    exclude: {', '.join(p.text for p in label.exclude)}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from ..lexicon import validate_lexicon
    from ..scoring import as_lexicon

    lex = as_lexicon(args.lexicon)  # raises with file, line and entry on errors
    report = validate_lexicon(lex)
    print(f"{lex.name} {lex.version}: {len(lex.families)} families, {len(lex.label_ids())} labels, {len(lex)} patterns")
    for row in report.itertuples(index=False):
        line = f":{int(row.line)}" if pd.notna(row.line) else ""
        print(f"{row.level}: {lex.source or lex.name}{line}: {row.entry}: {row.message}")
    warnings = int((report["level"] == "warning").sum()) if len(report) else 0
    print(f"{warnings} warning(s), {len(report) - warnings} note(s)", file=sys.stderr)
    return 1 if args.strict and warnings else 0


def run_import(args: argparse.Namespace) -> int:
    from ..lexicon import import_lexicon, write_lexicon

    # only the options given: each importer rejects the ones it does not take, by name
    kwargs = {k: v for k, v in (("family", args.family), ("label", args.label), ("split", args.split),
                                ("on_invalid", args.on_invalid), ("mpqa", args.mpqa),
                                ("stemmed", args.stemmed)) if v}
    lex = import_lexicon(args.path, format=args.format, **kwargs)
    path = write_lexicon(lex, args.out)
    print(f"wrote {lex.name}: {len(lex.families)} families, {len(lex.label_ids())} labels, {len(lex)} patterns to {path or args.out}",
          file=sys.stderr)
    return 0
