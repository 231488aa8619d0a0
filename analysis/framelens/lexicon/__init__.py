"""Lexicons: the data model, the YAML format, importers and the built-in lexicons.

Examples
--------
>>> from framelens.lexicon import load_lexicon, list_lexicons
>>> lex = load_lexicon("conflict_actors")
>>> "rebels" in lex.family("armed_opposition").label_ids()
True
"""
from .importers import import_lexicon, read_liwc, read_quanteda, read_wordlist, sanitise_id
from .model import Family, Label, Lexicon, Pattern
from .yaml_io import (
    builtin_names,
    builtin_path,
    check_lexicon,
    dump_lexicon,
    list_lexicons,
    load_lexicon,
    parse_lexicon,
    pattern_problem,
    pattern_words,
    read_lexicon,
    validate_lexicon,
    write_lexicon,
)

__all__ = [
    "Lexicon",
    "Family",
    "Label",
    "Pattern",
    "load_lexicon",
    "read_lexicon",
    "parse_lexicon",
    "write_lexicon",
    "dump_lexicon",
    "validate_lexicon",
    "check_lexicon",
    "list_lexicons",
    "builtin_names",
    "builtin_path",
    "import_lexicon",
    "read_liwc",
    "read_quanteda",
    "read_wordlist",
    "sanitise_id",
    "pattern_problem",
    "pattern_words",
]
