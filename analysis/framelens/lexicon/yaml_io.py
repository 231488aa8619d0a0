"""The YAML lexicon format: read (with located errors), write, validate, and find built-in lexicons.

A lexicon file looks like this (the full description is in ``docs/lexicon-format.md``)::

    name: conflict_actors
    version: "1.0"
    description: How news reports name the parties to an armed conflict.
    language: en
    families:
      armed_opposition:
        description: Labels for armed groups fighting a government.
        labels:
          rebels:
            stance: neutral
            patterns: [rebel, rebels, rebel fighters, rebel-held]
          terrorists:
            stance: delegitimising
            patterns: [terrorist, terrorists, terror group*]

Errors that make a file unusable raise :class:`~framelens.errors.LexiconError` naming the file, the
line and the entry (``families.armed_opposition.labels.rebels.patterns[3]``). Problems that do not
stop loading (duplicates, overlaps, exclusions that cannot veto) are reported by
:func:`validate_lexicon` as a table.
"""
from __future__ import annotations

import contextlib
import difflib
import functools
import math
import os
import re
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

import pandas as pd
import yaml

from ..errors import LexiconError
from .model import OVERLAP_SCOPES, Family, Label, Lexicon, Pattern

__all__ = [
    "read_lexicon",
    "parse_lexicon",
    "write_lexicon",
    "dump_lexicon",
    "validate_lexicon",
    "check_lexicon",
    "load_lexicon",
    "list_lexicons",
    "builtin_names",
    "builtin_path",
    "pattern_problem",
    "pattern_words",
    "ID_PATTERN",
]

ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# Pattern syntax: words of word characters, the globs * and ?, and a little literal punctuation
# ("U.S.", "Assad's", "AT&T"); words are separated by spaces or hyphens (U+2010 and U+2011 too),
# exactly the characters a text separator may consist of.
_SEPARATOR = re.compile(r"[\s\-\u2010\u2011]+")
_WORD = re.compile(r"[\w*?'’.&]+")
_GLOB_RUN = re.compile(r"[\w*?]+")  # the letters and globs of a word between its punctuation
_ALLOWED = "letters, digits, _, the apostrophe, '.', '&' and the globs * and ?"

_TOP_KEYS = {"name", "version", "description", "language", "overlap", "families"}
_FAMILY_KEYS = {"description", "labels"}
_LABEL_KEYS = {"description", "stance", "weight", "patterns", "exclude"}
_PATTERN_KEYS = {"pattern", "case_sensitive"}


# ---------------------------------------------------------------------------------------------
# pattern syntax
# ---------------------------------------------------------------------------------------------
def pattern_problem(text: object) -> str | None:
    """Why ``text`` is not a valid pattern, or ``None`` when it is.

    Examples
    --------
    >>> pattern_problem("pro-government forces") is None
    True
    >>> pattern_problem("rebel+")
    "invalid character '+' in 'rebel+' (allowed: letters, digits, _, the apostrophe, '.', '&' and the globs * and ?)"
    """
    if not isinstance(text, str):
        return f"a pattern must be a string, got {_kind(text)} {text!r}; quote it"
    if not text.strip():
        return "empty pattern"
    if text != text.strip():
        return f"pattern {text!r} starts or ends with whitespace"
    words = _SEPARATOR.split(text)
    if not words[0] or not words[-1]:
        return f"pattern {text!r} starts or ends with a hyphen"
    for word in words:
        if not _WORD.fullmatch(word):
            bad = next(ch for ch in word if not _WORD.fullmatch(ch))
            if not bad.isprintable() or unicodedata.category(bad).startswith("M"):
                # a combining accent or an invisible character: name it, its repr shows nothing
                shown = f"U+{ord(bad):04X} {unicodedata.name(bad, '')}".strip()
                return f"invalid character {shown} in {text!r} (allowed: {_ALLOWED})"
            return f"invalid character {bad!r} in {text!r} (allowed: {_ALLOWED})"
        if set(word) == {"*"}:
            # a bare * could match nothing, leaving two separators in a row: never what was meant
            return f"a word of {text!r} is only '*'; '*' must be part of a word (e.g. 'rebel*')"
        if any(set(run) == {"*"} for run in _GLOB_RUN.findall(word)):
            # "U.S.*", "al.*": a * between punctuation, which the matching engines refuse
            return (f"a '*' in {text!r} is not attached to a letter, digit or '?'; '*' must be part of a word "
                    "(e.g. 'rebel*'; '?*' for any word)")
    if not any(ch.isalnum() for ch in text):
        return f"pattern {text!r} has no letter or digit"
    return None


def pattern_words(pattern: Pattern) -> tuple[str, ...]:
    """The normalised words of a pattern: separators collapsed, ’ read as ', case folded unless case-sensitive.

    Two patterns with the same words match exactly the same text.

    Examples
    --------
    >>> pattern_words(Pattern("Pro-Government  forces"))
    ('pro', 'government', 'forces')
    """
    words = tuple(w.replace("’", "'") for w in _SEPARATOR.split(pattern.text.strip()))
    return words if pattern.case_sensitive else tuple(w.casefold() for w in words)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


# ---------------------------------------------------------------------------------------------
# reading: walk the composed YAML node tree so that every error has a line number
# ---------------------------------------------------------------------------------------------
#: the safe loader, in C (libyaml) where PyYAML has it: the same nodes and marks, ~10× faster (a
#: command's start-up reads its lexicon)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_hint(text: str, mark: Any, problem: str) -> str:
    """What the usual cause of a YAML error is, for the two a lexicon author meets most."""
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\t" in line[: len(line) - len(line.lstrip())]:
        return " (the line is indented with a tab: YAML indents with spaces only)"
    if "alias" in problem and re.search(r"(^|[\[,:\-]\s*)\*", line):
        return " (a pattern starting with '*' must be quoted: \"*stan\")"
    return ""


@contextlib.contextmanager
def yaml_document(text: str, file: object = None) -> Iterator[tuple[Any, yaml.Node | None]]:
    """``(loader, root node)`` of one YAML document, read safely; invalid YAML is a
    :class:`LexiconError` naming ``file`` and the line. The loader constructs values of its nodes
    until the block ends."""
    loader = _SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            hint = _yaml_hint(text, mark, str(exc.problem or exc))
            raise LexiconError(f"not valid YAML: {exc.problem or exc}{hint}", file=file,
                               line=mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise LexiconError(f"not valid YAML: {exc}", file=file) from None
        yield loader, root
    finally:
        loader.dispose()


class _Reader:
    """Turns the node tree of one file into model objects, raising located errors."""

    def __init__(self, loader: Any, file: object):
        self.loader, self.file = loader, file

    def error(self, message: str, node: yaml.Node | None, entry: str | None) -> LexiconError:
        line = node.start_mark.line + 1 if node is not None else None
        return LexiconError(message, file=self.file, line=line, entry=entry)

    def value(self, node: yaml.Node) -> object:
        return self.loader.construct_object(node, deep=True)

    def node_kind(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        return _kind(self.value(node))

    def mapping(self, node, entry, *, allowed: set[str] | None = None, required: Iterable[str] = (),
                what: str = "a mapping") -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """key -> (key node, value node); rejects duplicate, non-string and (if given) unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(f"must be {what}, got {self.node_kind(node)}", node, entry)
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.error("YAML merge keys (<<) are not supported in lexicons", key_node, entry)
            key = self.value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else self.node_kind(key_node)
                raise self.error(f"keys must be strings, got {shown!r}", key_node, entry)
            where = f"{entry}.{key}" if entry else key
            if key in out:
                first = out[key][0].start_mark.line + 1
                raise self.error(f"duplicate key {key!r} (first written at line {first})", key_node, where)
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(sorted(allowed))})"
                raise self.error(f"unknown key {key!r}{hint}", key_node, where)
            out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                raise self.error(f"missing required key {key!r}", node, entry)
        return out

    def string(self, node, entry, *, optional: bool = False, hint: str = "") -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if value is None and optional and isinstance(node, yaml.ScalarNode):
            return None
        if not isinstance(value, str):
            raise self.error(f"must be a string, got {self.node_kind(node)}{hint}", node, entry)
        return value

    def ident(self, key: str, key_node, entry: str, what: str) -> str:
        if not ID_PATTERN.fullmatch(key):
            raise self.error(
                f"invalid {what} id {key!r}: ids are lower-case letters, digits and _, starting with a letter",
                key_node, entry,
            )
        return key

    # -- the structure -------------------------------------------------------------------
    def lexicon(self, root: yaml.Node) -> Lexicon:
        top = self.mapping(root, None, allowed=_TOP_KEYS, required=("name", "version", "families"),
                           what="a mapping with name, version and families")
        name = self.string(top["name"][1], "name")
        if not name.strip():
            raise self.error("the lexicon name is empty", top["name"][1], "name")
        vnode = top["version"][1]
        version = self.string(vnode, "version", hint=(
            f"; quote it: version: \"{vnode.value}\"" if isinstance(vnode, yaml.ScalarNode) and vnode.value.strip()
            else '; give one, e.g. version: "1.0"'))
        if not version.strip():
            raise self.error('the version is empty; give one, e.g. version: "1.0"', vnode, "version")
        description = self.string(top["description"][1], "description", optional=True) if "description" in top else ""
        language = self.string(top["language"][1], "language") if "language" in top else "en"
        overlap = "lexicon"
        if "overlap" in top:
            overlap = self.string(top["overlap"][1], "overlap")
            if overlap not in OVERLAP_SCOPES:
                raise self.error(f"overlap must be one of {', '.join(OVERLAP_SCOPES)}, got {overlap!r}",
                                 top["overlap"][1], "overlap")
        fam_nodes = self.mapping(top["families"][1], "families", what="a mapping of family ids")
        if not fam_nodes:
            raise self.error("a lexicon needs at least one family", top["families"][1], "families")
        families, seen_labels = [], {}
        for fam_id, (key_node, fam_node) in fam_nodes.items():
            families.append(self.family(fam_id, key_node, fam_node, seen_labels))
        return Lexicon(name=name, version=version, families=tuple(families), description=description or "",
                       language=language, overlap=overlap, source=str(self.file) if self.file else None)

    def family(self, fam_id, key_node, node, seen_labels) -> Family:
        entry = f"families.{fam_id}"
        self.ident(fam_id, key_node, entry, "family")
        body = self.mapping(node, entry, allowed=_FAMILY_KEYS, required=("labels",),
                            what="a mapping with labels (and optionally description)")
        description = (self.string(body["description"][1], f"{entry}.description", optional=True)
                       if "description" in body else "")
        label_nodes = self.mapping(body["labels"][1], f"{entry}.labels", what="a mapping of label ids")
        if not label_nodes:
            raise self.error("a family needs at least one label", body["labels"][1], f"{entry}.labels")
        labels = []
        for label_id, (lkey, lnode) in label_nodes.items():
            where = f"{entry}.labels.{label_id}"
            self.ident(label_id, lkey, where, "label")
            if label_id in seen_labels:
                other_fam, other_line = seen_labels[label_id]
                raise self.error(
                    f"label id {label_id!r} is also defined in family {other_fam!r} (line {other_line}); "
                    "label ids must be unique across the lexicon", lkey, where)
            seen_labels[label_id] = (fam_id, lkey.start_mark.line + 1)
            labels.append(self.label(label_id, lnode, where))
        return Family(id=fam_id, labels=tuple(labels), description=description or "")

    def label(self, label_id, node, entry) -> Label:
        body = self.mapping(node, entry, allowed=_LABEL_KEYS, required=("patterns",),
                            what="a mapping with patterns (and optionally description, stance, weight, exclude)")
        description = (self.string(body["description"][1], f"{entry}.description", optional=True)
                       if "description" in body else "")
        stance = None
        if "stance" in body:
            snode = body["stance"][1]
            stance = self.string(snode, f"{entry}.stance", optional=True)
            if stance is not None and not ID_PATTERN.fullmatch(stance):
                raise self.error(f"invalid stance {stance!r}: use a lower-case id such as neutral, "
                                 "delegitimising, legitimising", snode, f"{entry}.stance")
        weight = 1.0
        if "weight" in body:
            wnode = body["weight"][1]
            value = self.value(wnode) if isinstance(wnode, yaml.ScalarNode) else None
            if not _is_number(value):
                shown = wnode.value if isinstance(wnode, yaml.ScalarNode) else self.node_kind(wnode)
                raise self.error(f"weight must be a number, got {shown!r}", wnode, f"{entry}.weight")
            weight = float(value)
        patterns = self.patterns(body["patterns"][1], f"{entry}.patterns", allow_empty=False)
        exclude = self.patterns(body["exclude"][1], f"{entry}.exclude", allow_empty=True) if "exclude" in body else ()
        return Label(id=label_id, patterns=patterns, exclude=exclude, stance=stance, weight=weight,
                     description=description or "")

    def patterns(self, node, entry, *, allow_empty: bool) -> tuple[Pattern, ...]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            items = []
        elif isinstance(node, yaml.SequenceNode):
            items = node.value
        else:
            raise self.error(f"must be a list of patterns, got {self.node_kind(node)}", node, entry)
        if not items and not allow_empty:
            raise self.error("empty pattern list: a label needs at least one pattern", node, entry)
        return tuple(self.pattern(item, f"{entry}[{i}]") for i, item in enumerate(items))

    def pattern(self, node, entry) -> Pattern:
        line = node.start_mark.line + 1
        case_sensitive = False
        if isinstance(node, yaml.MappingNode):
            body = self.mapping(node, entry, allowed=_PATTERN_KEYS, required=("pattern",))
            text_node = body["pattern"][1]
            if "case_sensitive" in body:
                cnode = body["case_sensitive"][1]
                flag = self.value(cnode) if isinstance(cnode, yaml.ScalarNode) else None
                if not isinstance(flag, bool):
                    raise self.error(f"case_sensitive must be true or false, got {self.node_kind(cnode)}",
                                     cnode, f"{entry}.case_sensitive")
                case_sensitive = flag
        elif isinstance(node, yaml.ScalarNode):
            text_node = node
        else:
            raise self.error("a pattern must be a string or a mapping {pattern: ..., case_sensitive: ...}",
                             node, entry)
        text = self.value(text_node) if isinstance(text_node, yaml.ScalarNode) else None
        if not isinstance(text, str):
            shown = text_node.value if isinstance(text_node, yaml.ScalarNode) else self.node_kind(text_node)
            raise self.error(f"a pattern must be a string, got {self.node_kind(text_node)} {shown!r}; quote it",
                             text_node, entry)
        problem = pattern_problem(text)
        if problem:
            raise self.error(problem, text_node, entry)
        return Pattern(text, case_sensitive=case_sensitive, line=line)


def parse_lexicon(text: str, file: object = None) -> Lexicon:
    """Parse the YAML text of a lexicon (``file`` only names it in errors).

    Examples
    --------
    >>> lex = parse_lexicon('''
    ... name: tiny
    ... version: "1"
    ... families:
    ...   actors:
    ...     labels:
    ...       rebels: {patterns: [rebel, rebels]}
    ... ''')
    >>> lex.label_ids()
    ['rebels']
    """
    # Patterns are kept in composed form (NFC), the form of nearly all published text: "Ḥizbullāh"
    # typed or saved decomposed (H + U+0323, as some macOS tools do) is the same pattern.
    text = unicodedata.normalize("NFC", text)
    with yaml_document(text, file) as (loader, root):
        if root is None:
            raise LexiconError("the file is empty", file=file)
        return _Reader(loader, file).lexicon(root)


def read_lexicon(path: str | os.PathLike) -> Lexicon:
    """Read a lexicon from a YAML file in the framelens format.

    Parameters
    ----------
    path : str or path-like
        The ``.yaml``/``.yml`` file.

    Returns
    -------
    Lexicon
        With ``Pattern.line`` set to the line each pattern is written on and ``source`` to the path.

    Raises
    ------
    LexiconError
        When the file does not validate; the message names the file, the line and the entry, e.g.
        ``rebels.yaml:12, families.armed_opposition.labels.rebels.patterns[3]: invalid character '+'``.

    Examples
    --------
    >>> from framelens.lexicon import read_lexicon, builtin_path
    >>> read_lexicon(builtin_path("attribution")).family_ids()[0]
    'reporting_verbs'
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LexiconError("no such file", file=path) from None
    except IsADirectoryError:
        raise LexiconError("is a directory, not a lexicon file", file=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(f"not UTF-8 text (byte {raw[exc.start]:#x})", file=path, line=line) from None
    return parse_lexicon(text, file=path)


# ---------------------------------------------------------------------------------------------
# checking objects built in code (importers, users) with the same rules as the reader
# ---------------------------------------------------------------------------------------------
def check_lexicon(lexicon: Lexicon, file: object = None) -> Lexicon:
    """Raise :class:`LexiconError` when a Lexicon built in code breaks a rule the reader enforces.

    Returns the lexicon unchanged, so ``return check_lexicon(Lexicon(...))`` reads naturally.
    """
    file = file if file is not None else lexicon.source

    def fail(message, entry, line=None):
        raise LexiconError(message, file=file, line=line, entry=entry)

    if not isinstance(lexicon.name, str) or not lexicon.name.strip():
        fail("the lexicon name must be a non-empty string", "name")
    if not isinstance(lexicon.version, str) or not lexicon.version.strip():
        fail(f"version must be a non-empty string, got {lexicon.version!r}", "version")
    if lexicon.overlap not in OVERLAP_SCOPES:
        fail(f"overlap must be one of {', '.join(OVERLAP_SCOPES)}, got {lexicon.overlap!r}", "overlap")
    if not lexicon.families:
        fail("a lexicon needs at least one family", "families")
    families, labels = set(), {}
    for fam in lexicon.families:
        entry = f"families.{fam.id}"
        if not isinstance(fam.id, str) or not ID_PATTERN.fullmatch(fam.id):
            fail(f"invalid family id {fam.id!r}: ids are lower-case letters, digits and _, starting with a letter",
                 entry)
        if fam.id in families:
            fail(f"duplicate family id {fam.id!r}", entry)
        families.add(fam.id)
        if not fam.labels:
            fail("a family needs at least one label", f"{entry}.labels")
        for lab in fam.labels:
            where = f"{entry}.labels.{lab.id}"
            if not isinstance(lab.id, str) or not ID_PATTERN.fullmatch(lab.id):
                fail(f"invalid label id {lab.id!r}: ids are lower-case letters, digits and _, starting with a letter",
                     where)
            if lab.id in labels:
                fail(f"label id {lab.id!r} is also defined in family {labels[lab.id]!r}; label ids must be unique "
                     "across the lexicon", where)
            labels[lab.id] = fam.id
            if lab.stance is not None and not (isinstance(lab.stance, str) and ID_PATTERN.fullmatch(lab.stance)):
                fail(f"invalid stance {lab.stance!r}", f"{where}.stance")
            if not _is_number(lab.weight):
                fail(f"weight must be a number, got {lab.weight!r}", f"{where}.weight")
            if not lab.patterns:
                fail("empty pattern list: a label needs at least one pattern", f"{where}.patterns")
            for kind, pats in (("patterns", lab.patterns), ("exclude", lab.exclude)):
                for i, pat in enumerate(pats):
                    problem = pattern_problem(pat.text)
                    if problem:
                        fail(problem, f"{where}.{kind}[{i}]", pat.line)
    return lexicon


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Safe dumper that indents lists under their key (the style the built-in files use)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump_lexicon(lexicon: Lexicon) -> str:
    """The YAML text of a lexicon (what :func:`write_lexicon` writes)."""
    check_lexicon(lexicon)
    header = (
        f"# framelens lexicon {lexicon.name} {lexicon.version}\n"
        f"# sha256 {lexicon.fingerprint}\n"
    )
    body = yaml.dump(lexicon.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=110)
    return header + body


def write_lexicon(lexicon: Lexicon, path: str | os.PathLike) -> Path:
    """Write a lexicon to a YAML file in the framelens format (atomically).

    ``read_lexicon(write_lexicon(lex, path)) == lex`` and the fingerprints agree.

    Examples
    --------
    >>> import tempfile, os
    >>> from framelens.lexicon import load_lexicon, read_lexicon, write_lexicon
    >>> lex = load_lexicon("attribution")
    >>> path = write_lexicon(lex, os.path.join(tempfile.mkdtemp(), "attribution.yaml"))
    >>> read_lexicon(path) == lex
    True
    """
    from ..io_utils import atomic_path

    path = Path(path)
    text = dump_lexicon(lexicon)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# validation warnings: duplicates, overlaps, exclusions that cannot veto
# ---------------------------------------------------------------------------------------------
def _has_glob(word: str) -> bool:
    return "*" in word or "?" in word


@functools.lru_cache(maxsize=4096)
def _glob_regex(word: str) -> re.Pattern:
    """The regex a glob word stands for, over text words (``*`` = \\w*, ``?`` = \\w)."""
    return re.compile("".join(r"\w*" if c == "*" else r"\w" if c == "?" else re.escape(c) for c in word))


@functools.lru_cache(maxsize=4096)
def _subsumer_regex(word: str) -> re.Pattern:
    """Match another glob *as written* when everything it matches, ``word`` matches too."""
    return re.compile("".join(r"[\w?*]*" if c == "*" else r"[\w?]" if c == "?" else re.escape(c) for c in word))


def _is_word_char(c: str) -> bool:
    return c == "_" or c.isalnum()


def _words_intersect(a: str, b: str) -> bool:
    """Can one text word be matched by both glob words?"""
    if not _has_glob(b):
        return bool(_glob_regex(a).fullmatch(b))
    if not _has_glob(a):
        return bool(_glob_regex(b).fullmatch(a))
    # both are globs: search the product of the two automata for a common string
    stack, seen = [(0, 0)], set()
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        ca = a[i] if i < len(a) else None
        cb = b[j] if j < len(b) else None
        if ca == "*":
            stack.append((i + 1, j))
        if cb == "*":
            stack.append((i, j + 1))
        if ca is None or cb is None or (ca == "*" and cb == "*"):
            continue
        if ca == "*":
            if cb == "?" or _is_word_char(cb):
                stack.append((i, j + 1))
        elif cb == "*":
            if ca == "?" or _is_word_char(ca):
                stack.append((i + 1, j))
        elif ca == cb or (ca == "?" and _is_word_char(cb)) or (cb == "?" and _is_word_char(ca)):
            stack.append((i + 1, j + 1))
    return False


def _word_covers(a: str, b: str) -> bool:
    """Is every text word that glob ``b`` matches also matched by glob ``a``?"""
    return a == b or bool(_subsumer_regex(a).fullmatch(b))


class _Entry:
    __slots__ = ("order", "fam", "label", "kind", "index", "pattern", "words", "folded")

    def __init__(self, order, fam, label, kind, index, pattern):
        self.order, self.fam, self.label, self.kind, self.index, self.pattern = order, fam, label, kind, index, pattern
        self.words = pattern_words(pattern)
        # overlaps are judged case-blind: a case-sensitive pattern can still meet a case-blind one
        self.folded = tuple(w.casefold() for w in self.words)

    @property
    def entry(self) -> str:
        return f"families.{self.fam}.labels.{self.label}.{self.kind}[{self.index}]"


def _contains(outer: _Entry, inner: _Entry) -> bool:
    """Can a match of ``inner`` lie inside a match of ``outer`` (aligned on words)?"""
    n, m = len(outer.folded), len(inner.folded)
    return any(all(_words_intersect(outer.folded[k + i], inner.folded[i]) for i in range(m))
               for k in range(n - m + 1))


def _covers(a: _Entry, b: _Entry) -> bool:
    """Does ``a`` match every text ``b`` matches (same number of words)?"""
    if len(a.words) != len(b.words):
        return False
    if a.pattern.case_sensitive:
        return b.pattern.case_sensitive and all(_word_covers(x, y) for x, y in zip(a.words, b.words))
    return all(_word_covers(x, y) for x, y in zip(a.folded, b.folded))


def _candidate_pairs(entries: list[_Entry]) -> Iterable[tuple[_Entry, _Entry]]:
    """Pairs (i < j) that share at least one intersecting word: the only ones that can overlap."""
    vocab: dict[str, set[int]] = {}
    for k, e in enumerate(entries):
        for w in e.folded:
            vocab.setdefault(w, set()).add(k)
    glob_words = [w for w in vocab if _has_glob(w)]
    partners: dict[str, list[str]] = {}
    for w in vocab:
        if _has_glob(w):
            partners[w] = [v for v in vocab if _words_intersect(w, v)]
        else:
            partners[w] = [w] + [g for g in glob_words if _words_intersect(g, w)]
    done = set()
    for k, e in enumerate(entries):
        for w in set(e.folded):
            for v in partners[w]:
                for j in vocab[v]:
                    if j > k and (k, j) not in done:
                        done.add((k, j))
                        yield e, entries[j]


def validate_lexicon(lexicon: Lexicon | str | os.PathLike) -> pd.DataFrame:
    """Problems that do not stop a lexicon from loading, one row each.

    Parameters
    ----------
    lexicon : Lexicon, built-in name or path
        Anything :func:`load_lexicon` accepts; a file that does not load raises :class:`LexiconError`.

    Returns
    -------
    pandas.DataFrame
        Columns ``level`` (``"warning"`` — probably a mistake — or ``"info"``), ``entry`` (e.g.
        ``families.government_side.labels.army.patterns[0]``), ``line`` (nullable int: where the
        pattern is written, when known) and ``message``. Reported:

        - *duplicate* patterns (the same normalised pattern twice): a warning when both can compete
          for the same text (same overlap scope), since only the first one ever counts; info when the
          overlap scope is ``family`` and they sit in different families (they then count in both);
        - a pattern that can never count because an earlier pattern of another label matches every
          text it matches (e.g. ``rebel*`` before ``rebels``): warning; the reverse order (a specific
          pattern before the glob that covers it) is a deliberate override: info;
        - *overlapping* patterns of different labels, where one pattern's match can contain the other's
          (``government`` inside ``pro-government forces``): info, since longest-match resolves them;
        - within one label, a pattern already covered by another glob of that label: info;
        - exclusions that can never veto (they contain none of their label's patterns) and exclusions
          that veto every match of a pattern: warnings.

    Examples
    --------
    >>> from framelens.lexicon import validate_lexicon
    >>> report = validate_lexicon("conflict_actors")
    >>> int((report["level"] == "warning").sum())
    0
    """
    lexicon = check_lexicon(load_lexicon(lexicon))  # objects built in code meet the reader's rules too
    rows: list[tuple[str, str, int | None, str]] = []

    def add(level, e: _Entry, message):
        rows.append((level, e.entry, e.pattern.line, message))

    entries: list[_Entry] = []
    order = 0
    for fam, lab in lexicon.iter_labels():
        for i, pat in enumerate(lab.patterns):
            entries.append(_Entry(order, fam.id, lab.id, "patterns", i, pat))
            order += 1

    scopes = ([entries] if lexicon.overlap == "lexicon"
              else [[e for e in entries if e.fam == fam.id] for fam in lexicon.families])
    for scope in scopes:
        flagged: set[int] = set()  # entries already reported as duplicate or dead: one warning each
        for a, b in _candidate_pairs(scope):  # a comes first in lexicon order; pairs by ascending a
            same_label = a.label == b.label
            if (a.words == b.words or (not same_label and _covers(a, b))) and b.order in flagged:
                continue
            if a.words == b.words:
                flagged.add(b.order)
                level = "warning"
                where = "earlier in this label" if same_label else f"in label {a.label!r}"
                add(level, b, f"duplicate pattern {b.pattern.text!r}: also {where} ({a.entry})"
                    + ("" if same_label else f"; only {a.label!r} will ever count it"))
            elif _covers(a, b):
                if same_label:
                    add("info", b, f"redundant: {a.pattern.text!r} in the same label already matches everything "
                                   f"{b.pattern.text!r} does")
                else:
                    flagged.add(b.order)
                    add("warning", b, f"{b.pattern.text!r} can never count for {b.label!r}: {a.pattern.text!r} of "
                                      f"label {a.label!r} comes first and matches the same text")
            elif _covers(b, a):
                if same_label:
                    add("info", a, f"redundant: {b.pattern.text!r} in the same label already matches everything "
                                   f"{a.pattern.text!r} does")
                else:
                    add("info", a, f"{a.pattern.text!r} ({a.label}) overrides the broader {b.pattern.text!r} "
                                   f"({b.label}) on the text both match, by lexicon order")
            elif not same_label:
                if len(a.words) == len(b.words):
                    if _contains(a, b):
                        add("info", b, f"{b.pattern.text!r} ({b.label}) and {a.pattern.text!r} ({a.label}) can "
                                       "match the same text; the longer match, then lexicon order, wins")
                else:
                    outer, inner = (a, b) if len(a.words) > len(b.words) else (b, a)
                    if _contains(outer, inner):
                        add("info", inner, f"{inner.pattern.text!r} ({inner.label}) can match inside "
                                           f"{outer.pattern.text!r} ({outer.label}); the longer match wins")
    if lexicon.overlap == "family":
        by_words: dict[tuple, list[_Entry]] = {}
        for e in entries:
            by_words.setdefault(e.words, []).append(e)
        for same in by_words.values():
            fams = list(dict.fromkeys(e.fam for e in same))
            if len(fams) > 1:
                first = same[0]
                for e in same[1:]:
                    if e.fam != first.fam:
                        add("info", e, f"{e.pattern.text!r} is also in family {first.fam!r} ({first.label}); "
                                       "with overlap: family it counts in both")

    for fam, lab in lexicon.iter_labels():
        pats = [_Entry(0, fam.id, lab.id, "patterns", i, p) for i, p in enumerate(lab.patterns)]
        seen: dict[tuple, _Entry] = {}
        for i, pat in enumerate(lab.exclude):
            ex = _Entry(0, fam.id, lab.id, "exclude", i, pat)
            if ex.words in seen:
                add("warning", ex, f"duplicate exclusion {pat.text!r} (also {seen[ex.words].entry})")
                continue
            seen[ex.words] = ex
            inside = [p for p in pats if len(p.words) <= len(ex.words) and _contains(ex, p)]
            if not inside:
                add("warning", ex, f"exclusion {pat.text!r} can never veto: it contains none of the patterns "
                                   f"of label {lab.id!r}")
            for p in inside:
                if _covers(ex, p):
                    add("warning", ex, f"exclusion {pat.text!r} vetoes every match of pattern {p.pattern.text!r}, "
                                       "which can then never count")

    out = pd.DataFrame(rows, columns=["level", "entry", "line", "message"]).drop_duplicates()
    out["line"] = out["line"].astype("Int64")
    rank = out["level"].map({"warning": 0, "info": 1})
    out = out.assign(_rank=rank).sort_values(["_rank", "line", "entry"], kind="stable", na_position="last")
    return out.drop(columns="_rank").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# built-in lexicons and loading by name or path
# ---------------------------------------------------------------------------------------------
def _builtin_dir():
    return resources.files("framelens.lexicon").joinpath("builtin")


def builtin_names() -> list[str]:
    """The names of the built-in lexicons, sorted.

    Examples
    --------
    >>> "conflict_actors" in builtin_names()
    True
    """
    return sorted(p.name[: -len(".yaml")] for p in _builtin_dir().iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """The file of a built-in lexicon."""
    if name not in builtin_names():
        raise LexiconError(f"no built-in lexicon {name!r}; built-ins: {', '.join(builtin_names())}")
    return Path(str(_builtin_dir().joinpath(f"{name}.yaml")))


@functools.lru_cache(maxsize=None)
def _load_builtin(name: str) -> Lexicon:
    # Built-ins are immutable objects read from files inside the package: parse each once.
    resource = _builtin_dir().joinpath(f"{name}.yaml")
    return parse_lexicon(resource.read_text(encoding="utf-8"), file=Path(str(resource)))


def load_lexicon(name_or_path: Lexicon | str | os.PathLike) -> Lexicon:
    """A lexicon from a built-in name, a YAML file, or a file in an importable format.

    Parameters
    ----------
    name_or_path : Lexicon, str or path-like
        A built-in name (see :func:`list_lexicons`), a framelens ``.yaml``/``.yml`` file, or a file
        :func:`~framelens.lexicon.import_lexicon` reads by its extension (LIWC ``.dic``, quanteda
        ``.yml``, word lists ``.txt``/``.tsv``, MPQA ``.tff``). A Lexicon is returned unchanged.

    Returns
    -------
    Lexicon
        Built-ins are parsed once and shared (they are immutable).

    Examples
    --------
    >>> from framelens.lexicon import load_lexicon
    >>> lex = load_lexicon("conflict_actors")
    >>> lex.family("government_side").label_ids()[:3]
    ['army', 'government_forces', 'government']
    """
    if isinstance(name_or_path, Lexicon):
        return name_or_path
    if isinstance(name_or_path, str) and name_or_path in builtin_names():
        return _load_builtin(name_or_path)
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise LexiconError(f"expected a lexicon name or path, got {type(name_or_path).__name__}")
    path = Path(name_or_path)
    if not path.exists():
        looks_like_name = isinstance(name_or_path, str) and not path.suffix and os.sep not in name_or_path
        if looks_like_name:
            raise LexiconError(f"unknown lexicon {name_or_path!r}: not a built-in ({', '.join(builtin_names())}) "
                               "and no such file")
        raise LexiconError("no such file", file=path)
    from .importers import import_lexicon

    return import_lexicon(path)


def list_lexicons() -> pd.DataFrame:
    """The built-in lexicons: ``name, version, families, labels, patterns, description``.

    Examples
    --------
    >>> from framelens.lexicon import list_lexicons
    >>> list_lexicons()["name"].tolist()
    ['attribution', 'conflict_actors', 'hedges_certainty', 'violence_casualties']
    """
    rows = []
    for name in builtin_names():
        lex = _load_builtin(name)
        rows.append({"name": lex.name, "version": lex.version, "families": len(lex.families),
                     "labels": len(lex.label_ids()), "patterns": len(lex), "description": lex.description})
    return pd.DataFrame(rows, columns=["name", "version", "families", "labels", "patterns", "description"])
