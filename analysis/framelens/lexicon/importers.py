"""Importers for lexicons written in other tools' formats: LIWC ``.dic``, quanteda YAML, word lists.

Every importer returns a :class:`~framelens.lexicon.Lexicon` named after the file's stem, with
version ``"imported"`` and a description naming the source file, so that
:func:`~framelens.lexicon.write_lexicon` can turn it into an editable framelens YAML file.

Category names become ids by :func:`sanitise_id` (``care.virtue`` → ``care_virtue``, ``Positive
Emotion`` → ``positive_emotion``); label ids stay unique across the lexicon.

Entries that are not valid framelens patterns (``a+``, ``:)``) raise :class:`LexiconError` naming the
file and line, unless ``on_invalid="skip"``, which drops them with one warning listing them. The LIWC
and word-list importers also warn about entries with a ``*`` inside or at the start of a word
(``sh*t``): every ``*`` is a glob, and a censored word read as one matches ``shot`` and ``short``.
Entries are kept in composed Unicode form (NFC).
"""
from __future__ import annotations

import inspect
import os
import re
import unicodedata
import warnings
from pathlib import Path

import yaml

from ..errors import LexiconError, ParameterError
from .model import OVERLAP_SCOPES, Family, Label, Lexicon, Pattern
from .yaml_io import ID_PATTERN, check_lexicon, pattern_problem, read_lexicon, yaml_document

__all__ = ["read_liwc", "read_quanteda", "read_wordlist", "import_lexicon", "sanitise_id"]


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------
def sanitise_id(raw: str, taken: set[str] | None = None) -> str:
    """Turn a category name into an id ``[a-z][a-z0-9_]*``; with ``taken``, make it unique and record it.

    Examples
    --------
    >>> sanitise_id("care.virtue")
    'care_virtue'
    >>> sanitise_id("Positive Emotion")
    'positive_emotion'
    >>> taken = {"harm"}
    >>> sanitise_id("Harm", taken), sorted(taken)
    ('harm_2', ['harm', 'harm_2'])
    """
    text = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode("ascii").lower()
    ident = re.sub(r"[^a-z0-9]+", "_", text).strip("_") or "x"
    if not ident[0].isalpha():
        ident = f"x_{ident}"
    if taken is not None:
        base, n = ident, 2
        while ident in taken:
            ident, n = f"{base}_{n}", n + 1
        taken.add(ident)
    return ident


def _read_lines(path: Path, encoding: str | None) -> list[str]:
    """The file's lines. Without an encoding: UTF-16 if it starts with its byte-order mark, else UTF-8,
    else Windows-1252, else Latin-1.

    Word lists from the wild are often not UTF-8 (the Hu & Liu lexicon spells 'naïve' in Latin-1);
    Latin-1 decodes any byte, so reading never fails on encoding alone.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LexiconError("no such file", file=path) from None
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise LexiconError(f"cannot decode as {encoding}", file=path, line=line) from None
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with its byte-order mark: what spreadsheets save as "Unicode text"
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LexiconError(f"not valid UTF-16 text (byte {exc.start})", file=path) from None
    else:
        for enc in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    # composed form (NFC), as the YAML reader keeps patterns: a decomposed "Ḥ" is not a valid pattern
    return unicodedata.normalize("NFC", text).splitlines()


# A '*' that is not at the end of a word: in LIWC dictionaries and plain word lists it is rarely a
# glob (LIWC only knows a trailing '*'); it is usually a censored word ("sh*t", "f**k" in the Hu & Liu
# list). As a framelens glob it matches any run of letters: "sh*t" counts "shot", "short", "shift".
_INNER_STAR = re.compile(r"\*(?=[\w?*'’.&])|(?<![\w?'’.&])\*")


class _Invalid:
    """Raise on an invalid entry, or collect it and warn once (``on_invalid="skip"``).

    With ``inner_stars=True`` (LIWC, word lists) it also collects valid entries with a ``*`` inside or
    at the start of a word, and :meth:`warn` lists them: such a ``*`` is usually literal there.
    """

    def __init__(self, path: Path, on_invalid: str, *, inner_stars: bool = False):
        if on_invalid not in ("raise", "skip"):
            raise ParameterError(f"on_invalid must be 'raise' or 'skip', got {on_invalid!r}")
        self.path, self.on_invalid, self.skipped = path, on_invalid, []
        self.inner_stars, self.starred = inner_stars, []

    def ok(self, text: str, line: int) -> bool:
        problem = pattern_problem(text)
        if problem is None:
            if self.inner_stars and _INNER_STAR.search(text):
                self.starred.append((line, text))
            return True
        if self.on_invalid == "raise":
            raise LexiconError(f"{problem} (to drop such entries, pass on_invalid='skip', or --on-invalid skip "
                               "to framelens lexicon import)", file=self.path, line=line, entry=text)
        self.skipped.append((line, text, problem))
        return False

    def warn(self) -> None:
        if self.skipped:
            shown = "; ".join(f"line {ln} {t!r}" for ln, t, _ in self.skipped[:8])
            more = f" and {len(self.skipped) - 8} more" if len(self.skipped) > 8 else ""
            warnings.warn(f"{self.path}: skipped {len(self.skipped)} entries that are not valid patterns: "
                          f"{shown}{more}", UserWarning, stacklevel=3)
        if self.starred:
            shown = "; ".join(f"line {ln} {t!r}" for ln, t in self.starred[:8])
            more = f" and {len(self.starred) - 8} more" if len(self.starred) > 8 else ""
            warnings.warn(f"{self.path}: {len(self.starred)} entries have '*' inside or at the start of a word: "
                          f"{shown}{more}. framelens reads every '*' as a glob for any run of letters, so "
                          "'sh*t' also counts 'shot' and 'short'; if these asterisks are literal (censored words), "
                          "remove the entries", UserWarning, stacklevel=3)


def _check_overlap(overlap: str) -> str:
    if overlap not in OVERLAP_SCOPES:
        raise ParameterError(f"overlap must be one of {', '.join(OVERLAP_SCOPES)}, got {overlap!r}")
    return overlap


def _check_given_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ParameterError(f"{what} must be an id (lower-case letters, digits, _, starting with a letter), "
                             f"got {value!r}")
    return value


def _patterns(words: list[tuple[str, int]]) -> tuple[Pattern, ...]:
    """Patterns in file order, the first of repeated entries kept."""
    seen, out = set(), []
    for text, line in words:
        if text not in seen:
            seen.add(text)
            out.append(Pattern(text, line=line))
    return tuple(out)


def _build(path: Path, groups: list[tuple[str, str, str, list[tuple[str, int]]]], *, description: str,
           overlap: str, language: str, family_descriptions: dict[str, str] | None = None) -> Lexicon:
    """Assemble a Lexicon from (family id, label id, label description, [(pattern, line)]) groups."""
    families: dict[str, list[Label]] = {}
    for fam_id, label_id, label_desc, words in groups:
        if not words:
            warnings.warn(f"{path}: category {label_desc or label_id!r} has no entries; left out",
                          UserWarning, stacklevel=3)
            continue
        families.setdefault(fam_id, []).append(Label(id=label_id, patterns=_patterns(words), description=label_desc))
    if not families:
        raise LexiconError("no entries found", file=path)
    descs = family_descriptions or {}
    lexicon = Lexicon(
        name=path.stem,
        version="imported",
        description=description,
        language=language,
        overlap=overlap,
        families=tuple(Family(id=f, labels=tuple(labels), description=descs.get(f, ""))
                       for f, labels in families.items()),
        source=str(path),
    )
    return check_lexicon(lexicon, file=path)


# ---------------------------------------------------------------------------------------------
# LIWC .dic
# ---------------------------------------------------------------------------------------------
# LIWC2007 conditional entries ("like  02 134(02 131)253 464", "kind  <of>131/125") depend on the
# neighbouring word; framelens patterns cannot express them, so they are dropped (as quanteda does).
_LIWC_CONDITIONAL = re.compile(r"\S*\([^)]*\)\S*|\S*<[^>]*>\S*")


def read_liwc(path: str | os.PathLike, family: str | None = None, *, split: str | None = None,
              overlap: str = "family", on_invalid: str = "raise", encoding: str | None = None,
              language: str = "en") -> Lexicon:
    """Read a LIWC-format dictionary (``.dic``).

    The file starts with a header between two ``%`` lines, one category per line (``id name``, an
    optional description after the name); then one entry per line: a word or phrase (``*`` globs),
    a tab, and the categories it belongs to, by id or (LIWC-2015 style) by name.

    Parameters
    ----------
    path : str or path-like
    family : str, optional
        Put every category as a label of this one family. By default each category is a family with
        one label of the same id.
    split : str, optional
        Split category names at this separator into family and label, as in MFD 2.0's
        ``care.virtue``: ``split="."`` gives family ``care`` with labels ``care_virtue`` and
        ``care_vice``. Ignored when ``family`` is given.
    overlap : {"family", "lexicon"}
        ``"family"`` (default) counts a word in every family it belongs to, as LIWC counts a word in
        every category.
    on_invalid : {"raise", "skip"}
        What to do with entries that are not valid patterns.
    encoding : str, optional
        The file's encoding; by default UTF-8, falling back to Windows-1252/Latin-1.
    language : str

    Returns
    -------
    Lexicon

    Examples
    --------
    >>> from framelens.lexicon import read_liwc
    >>> mfd = read_liwc("../shared/corpora/lexicons/mfd/mfd2.0.dic", split=".")  # doctest: +SKIP
    >>> mfd.family("care").label_ids()  # doctest: +SKIP
    ['care_virtue', 'care_vice']
    """
    path = Path(path)
    _check_overlap(overlap)
    if family is not None:
        _check_given_id(family, "family")
    lines = _read_lines(path, encoding)
    invalid = _Invalid(path, on_invalid, inner_stars=True)

    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i == len(lines) or lines[i].strip() != "%":
        raise LexiconError("not a LIWC dictionary: the first line should hold only '%'", file=path,
                           line=i + 1 if i < len(lines) else None)
    by_id: dict[str, int] = {}       # category id as written (and as a number) -> category index
    by_name: dict[str, int] = {}
    categories: list[tuple[str, str, str]] = []  # (id, name, description)
    i += 1
    while True:
        if i == len(lines):
            raise LexiconError("the category header is not closed by a second '%' line", file=path)
        text = lines[i].strip()
        i += 1
        if text == "%":
            break
        if not text:
            continue
        if "\t" in text:
            # "1<TAB>Positive Emotion<TAB>(description)": a tab-separated name may contain spaces
            fields = [f.strip() for f in text.split("\t") if f.strip()]
            if len(fields) == 1:
                fields = text.split(None, 2)
            elif len(fields) == 2 and re.fullmatch(r"\S+\s+\(.*\)", fields[1]):
                fields = [fields[0], *fields[1].split(None, 1)]  # "1<TAB>function (Function Words)"
            parts = [fields[0], fields[1], " ".join(fields[2:])] if len(fields) > 2 else fields
        else:
            parts = text.split(None, 2)
        if len(parts) < 2:
            raise LexiconError(f"a header line needs a category id and a name, got {text!r}", file=path, line=i)
        cid, name = parts[0], parts[1]
        desc = parts[2].strip().strip("()") if len(parts) > 2 else ""
        keys = {cid, str(int(cid))} if cid.isdigit() else {cid}
        if keys & by_id.keys():
            raise LexiconError(f"category id {cid!r} is defined twice", file=path, line=i)
        for key in keys:
            by_id[key] = len(categories)
        by_name.setdefault(name, len(categories))
        categories.append((cid, name, desc))
    if not categories:
        raise LexiconError("the header defines no categories", file=path, line=i)

    def category(token: str) -> int | None:
        if token in by_id:
            return by_id[token]
        if token.isdigit() and str(int(token)) in by_id:
            return by_id[str(int(token))]
        return by_name.get(token)

    words: list[list[tuple[str, int]]] = [[] for _ in categories]
    n_entries, n_conditional = 0, 0
    for lineno in range(i + 1, len(lines) + 1):
        text = lines[lineno - 1].strip()
        if not text:
            continue
        text, n_cond = _LIWC_CONDITIONAL.subn(" ", text)
        n_conditional += n_cond
        if "\t" in text:
            # the word or phrase is everything before the first tab (phrases contain spaces)
            word, rest = text.split("\t", 1)
            # tab-separated fields are categories, or several ids in one field ("01 07 09"); a field
            # that is a whole category name is kept whole (names may contain spaces)
            tokens = [t for f in rest.split("\t") if f.strip()
                      for t in ([f.strip()] if category(f.strip()) is not None else f.split())]
            word = word.strip()
        else:
            tokens = text.split()
            k = len(tokens)
            while k > 1 and category(tokens[k - 1]) is not None:
                k -= 1
            word, tokens = " ".join(tokens[:k]), tokens[k:]
        if not tokens:
            if n_cond:
                continue  # only conditional categories: nothing framelens can count
            raise LexiconError(f"entry {word!r} names no category", file=path, line=lineno, entry=word)
        cats = []
        for token in tokens:
            cat = category(token)
            if cat is None:
                raise LexiconError(f"unknown category {token!r}; the header defines "
                                   f"{', '.join(c[0] for c in categories)}", file=path, line=lineno, entry=word)
            cats.append(cat)
        n_entries += 1
        if not invalid.ok(word, lineno):
            continue
        for cat in dict.fromkeys(cats):
            words[cat].append((word, lineno))
    invalid.warn()
    if n_conditional:
        warnings.warn(f"{path}: dropped {n_conditional} LIWC conditional category assignments "
                      "(e.g. '134(02 131)253'), which framelens patterns cannot express", UserWarning, stacklevel=2)

    fam_taken: set[str] = set()
    label_taken: set[str] = set()
    groups, fam_desc = [], {}
    fam_of_prefix: dict[str, str] = {}
    for (cid, name, desc), entries in zip(categories, words):
        label_desc = f"LIWC category {cid} {name}" + (f": {desc}" if desc else "")
        if family is not None:
            fam_id = family
        elif split is not None:
            prefix = name.split(split, 1)[0]
            if prefix not in fam_of_prefix:
                fam_of_prefix[prefix] = sanitise_id(prefix, fam_taken)
                fam_desc[fam_of_prefix[prefix]] = f"categories {prefix}{split}*"
            fam_id = fam_of_prefix[prefix]
        else:
            fam_id = sanitise_id(name, fam_taken)
            fam_desc[fam_id] = f"LIWC category {name}"
        groups.append((fam_id, sanitise_id(name, label_taken), label_desc, entries))
    description = (f"Imported from the LIWC dictionary {path.name} ({len(categories)} categories, "
                   f"{n_entries} entries).")
    return _build(path, groups, description=description, overlap=overlap, language=language,
                  family_descriptions=fam_desc)


# ---------------------------------------------------------------------------------------------
# quanteda YAML dictionaries
# ---------------------------------------------------------------------------------------------
def read_quanteda(path: str | os.PathLike, family: str | None = None, *, overlap: str = "family",
                  on_invalid: str = "raise", encoding: str | None = None, language: str = "en") -> Lexicon:
    """Read a quanteda dictionary saved as YAML (nested keys, lists of glob patterns).

    Top-level keys become families and the keys below them labels (deeper keys are joined with
    ``_``: ``economy: {tax: {cuts: [...]}}`` → family ``economy``, label ``tax_cuts``); a top-level
    key whose value is a list is a family with one label of the same id. quanteda counts a word
    under every key it matches, hence ``overlap="family"`` by default.

    Parameters
    ----------
    path : str or path-like
    family : str, optional
        Put every key as a label of this one family (labels named by the joined key path).
    overlap, on_invalid, encoding, language
        As for :func:`read_liwc`.

    Examples
    --------
    >>> import tempfile, os
    >>> from framelens.lexicon import read_quanteda
    >>> path = os.path.join(tempfile.mkdtemp(), "frames.yml")
    >>> _ = open(path, "w").write("economy:\\n  - tax*\\n  - budget\\nsecurity:\\n  threat: [terror*, attack*]\\n")
    >>> lex = read_quanteda(path)
    >>> lex.family_ids(), lex.label_ids()
    (['economy', 'security'], ['economy', 'threat'])
    """
    path = Path(path)
    _check_overlap(overlap)
    if family is not None:
        _check_given_id(family, "family")
    text = "\n".join(_read_lines(path, encoding))
    with yaml_document(text, path) as (loader, root):
        if not isinstance(root, yaml.MappingNode):
            raise LexiconError("a quanteda dictionary is a mapping of keys to lists of patterns", file=path,
                               line=root.start_mark.line + 1 if root is not None else None)
        invalid = _Invalid(path, on_invalid)
        leaves: list[tuple[list[str], list[tuple[str, int]]]] = []

        def walk(node, keys):
            where = ".".join(keys)
            if isinstance(node, yaml.MappingNode):
                seen: dict[str, int] = {}
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        raise LexiconError("keys must be plain names", file=path, line=key_node.start_mark.line + 1,
                                           entry=where)
                    line = key_node.start_mark.line + 1
                    if key_node.value in seen:
                        # YAML forbids it (R's yaml, hence quanteda, refuses it; PyYAML keeps the last):
                        # say so rather than import two categories of the same name
                        raise LexiconError(f"duplicate key {key_node.value!r} (first written at line "
                                           f"{seen[key_node.value]})", file=path, line=line,
                                           entry=".".join(keys + [key_node.value]))
                    seen[key_node.value] = line
                    walk(value_node, keys + [key_node.value])
                return
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            entries = []
            for item in items:
                line = item.start_mark.line + 1
                if not isinstance(item, yaml.ScalarNode) or loader.construct_object(item) is None:
                    raise LexiconError("a dictionary value must be a pattern or a list of patterns",
                                       file=path, line=line, entry=where)
                # the scalar as written: a term like `no` or `2020` stays text, never a bool or int
                if invalid.ok(item.value, line):
                    entries.append((item.value, line))
            leaves.append((keys, entries))

        walk(root, [])
    invalid.warn()

    fam_taken: set[str] = set()
    fam_of_key: dict[str, str] = {}
    fam_desc: dict[str, str] = {}
    label_taken: set[str] = set()
    groups = []
    for keys, entries in leaves:
        if family is not None:
            fam_id, label_raw = family, "_".join(keys)
        else:
            if keys[0] not in fam_of_key:
                fam_of_key[keys[0]] = sanitise_id(keys[0], fam_taken)
                if fam_of_key[keys[0]] != keys[0]:
                    # the key as written, which the id may have lost ("Терроризм" → "x")
                    fam_desc[fam_of_key[keys[0]]] = keys[0]
            fam_id = fam_of_key[keys[0]]
            label_raw = "_".join(keys[1:]) or keys[0]
        label_id = sanitise_id(label_raw)
        if label_id in label_taken:  # the same sub-key under two families: qualify it by its family
            label_id = sanitise_id(f"{fam_id}_{label_id}", label_taken)
        else:
            label_taken.add(label_id)
        groups.append((fam_id, label_id, ".".join(keys), entries))
    description = f"Imported from the quanteda dictionary {path.name} ({len(leaves)} keys)."
    return _build(path, groups, description=description, overlap=overlap, language=language,
                  family_descriptions=fam_desc)


# ---------------------------------------------------------------------------------------------
# word lists, including the MPQA subjectivity clues format
# ---------------------------------------------------------------------------------------------
_MPQA_LINE = re.compile(r"^\s*type=\S+.*\bword1=")
_POLARITY = {"weakneg": "negative", "strongneg": "negative", "weakpos": "positive", "strongpos": "positive"}
_MPQA_ORDER = {"strongsubj": 0, "weaksubj": 1, "positive": 0, "negative": 1, "neutral": 2, "both": 3}


def read_wordlist(path: str | os.PathLike, family: str | None = None, label: str | None = None, *,
                  mpqa: str = "type", stemmed: str = "literal", comment: tuple[str, ...] = ("#", ";"),
                  overlap: str | None = None, on_invalid: str = "raise", encoding: str | None = None,
                  language: str = "en") -> Lexicon:
    """Read a word list: one word or phrase per line (``*``/``?`` globs allowed).

    Blank lines and lines starting with a ``comment`` character are ignored. A line with tabs is
    ``pattern<TAB>label[<TAB>family]`` (a TSV word list with its own labels).

    Files in the MPQA subjectivity clues format (``type=strongsubj len=1 word1=abandon pos1=verb
    stemmed1=n priorpolarity=negative``) are recognised from their first entry. By default
    (``mpqa="type"``) each clue ``type`` is a family (``strongsubj``, ``weaksubj``) with one label
    per prior polarity (``strongsubj_negative`` …) and ``overlap="family"`` (MPQA lists some words
    as strong for one part of speech and weak for another). ``mpqa="polarity"`` makes one family
    (``family``, default ``polarity``) with labels ``positive``, ``negative``, ``neutral``, ``both``.
    Polarities ``weakneg``/``strongneg`` count as ``negative`` and ``weakpos``/``strongpos`` as
    ``positive``. Part of speech is ignored, and a word listed for several parts of speech is kept once.
    A prefix clue (``anti-``) becomes the bare prefix (``anti``), which matches before a hyphen.

    Parameters
    ----------
    path : str or path-like
    family, label : str, optional
        Ids of the family and label; both default to the file's stem made an id.
    mpqa : {"type", "polarity"}
        How MPQA clues are grouped (see above).
    stemmed : {"literal", "glob"}
        For MPQA clues marked ``stemmed1=y``: keep the word as written, or append ``*`` so that it
        also matches inflections (and, alas, derived words of other parts of speech).
    comment : tuple of str
        Line prefixes that mark comments.
    overlap : {"lexicon", "family"}, optional
        Defaults to ``"family"`` for MPQA grouped by type, ``"lexicon"`` otherwise.
    on_invalid, encoding, language
        As for :func:`read_liwc`.

    Examples
    --------
    >>> import tempfile, os
    >>> from framelens.lexicon import read_wordlist
    >>> path = os.path.join(tempfile.mkdtemp(), "hedges.txt")
    >>> _ = open(path, "w").write("# hedges\\nallegedly\\nreportedly\\nit is believed\\n")
    >>> lex = read_wordlist(path)
    >>> lex.label_ids(), [p.text for p in lex.families[0].labels[0].patterns]
    (['hedges'], ['allegedly', 'reportedly', 'it is believed'])
    """
    path = Path(path)
    if mpqa not in ("type", "polarity"):
        raise ParameterError(f"mpqa must be 'type' or 'polarity', got {mpqa!r}")
    if stemmed not in ("literal", "glob"):
        raise ParameterError(f"stemmed must be 'literal' or 'glob', got {stemmed!r}")
    for value, what in ((family, "family"), (label, "label")):
        if value is not None:
            _check_given_id(value, what)
    lines = _read_lines(path, encoding)
    invalid = _Invalid(path, on_invalid, inner_stars=True)
    comment = tuple(comment)
    body = [(n, line.strip()) for n, line in enumerate(lines, 1)
            if line.strip() and not (comment and line.strip().startswith(comment))]
    if not body:
        raise LexiconError("no entries found", file=path)

    if _MPQA_LINE.match(body[0][1]):
        return _read_mpqa(path, body, family, mpqa=mpqa, stemmed=stemmed,
                          overlap=overlap or ("family" if mpqa == "type" else "lexicon"),
                          invalid=invalid, language=language)

    default = sanitise_id(path.stem)
    fam_default, label_default = family or default, label or family or default
    groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
    label_family: dict[str, str] = {}
    for n, text in body:
        fields = [f.strip() for f in text.split("\t")] if "\t" in text else [text]
        word = fields[0]
        lab = sanitise_id(fields[1]) if len(fields) > 1 and fields[1] else label_default
        fam = sanitise_id(fields[2]) if len(fields) > 2 and fields[2] else fam_default
        if label_family.setdefault(lab, fam) != fam:
            raise LexiconError(f"label {lab!r} is given family {fam!r} here but {label_family[lab]!r} before",
                               file=path, line=n, entry=word)
        if invalid.ok(word, n):
            groups.setdefault((fam, lab), []).append((word, n))
    invalid.warn()
    description = f"Imported from the word list {path.name} ({len(body)} entries)."
    return _build(path, [(f, lab, "", words) for (f, lab), words in groups.items()], description=description,
                  overlap=_check_overlap(overlap or "lexicon"), language=language)


def _read_mpqa(path, body, family, *, mpqa, stemmed, overlap, invalid, language) -> Lexicon:
    _check_overlap(overlap)
    groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for n, text in body:
        fields = dict(part.split("=", 1) for part in text.split() if "=" in part)
        missing = [k for k in ("type", "word1", "priorpolarity") if k not in fields]
        if missing:
            raise LexiconError(f"an MPQA clue needs {', '.join(missing)}", file=path, line=n, entry=text[:60])
        word = fields["word1"]
        if word.endswith("-") and word.strip("-"):
            # a prefix clue ("anti-"): as a pattern, "anti" matches it before the hyphen of "anti-war"
            word = word.rstrip("-")
        polarity = _POLARITY.get(fields["priorpolarity"], fields["priorpolarity"])
        if stemmed == "glob" and fields.get("stemmed1") == "y":
            word += "*"
        if not invalid.ok(word, n):
            continue
        clue_type = sanitise_id(fields["type"])
        if mpqa == "type":
            key = (clue_type, sanitise_id(f"{clue_type}_{polarity}"))
        else:
            key = (family or "polarity", sanitise_id(polarity))
        groups.setdefault(key, []).append((word, n))
    invalid.warn()
    ordered = sorted(groups.items(), key=lambda kv: (_MPQA_ORDER.get(kv[0][0], 9), kv[0][0],
                                                     _MPQA_ORDER.get(kv[0][1].rsplit("_", 1)[-1], 9), kv[0][1]))
    description = (f"Imported from the MPQA subjectivity clues {path.name} ({len(body)} clues; "
                   f"families by {'clue type' if mpqa == 'type' else 'prior polarity only'}).")
    return _build(path, [(f, lab, "", words) for (f, lab), words in ordered], description=description,
                  overlap=overlap, language=language)


# ---------------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------------
_FORMATS = {
    "framelens": "framelens", "yaml": "framelens",
    "liwc": "liwc", "dic": "liwc",
    "quanteda": "quanteda",
    "wordlist": "wordlist", "txt": "wordlist", "tsv": "wordlist", "mpqa": "wordlist",
}
_EXTENSIONS = {".dic": "liwc", ".txt": "wordlist", ".tsv": "wordlist", ".lst": "wordlist", ".tff": "wordlist"}


def _sniff_yaml(path: Path) -> str:
    """framelens YAML has ``name``, ``version`` and ``families`` at the top; a quanteda dictionary is
    a mapping of categories to lists (or mappings) of patterns.

    A mapping with ``families``, or with ``name`` or ``version`` holding a single value, is a
    framelens file, so that one whose ``families`` key is misspelt or missing gets the framelens
    reader's error (``unknown key 'familes'``) instead of being imported as a quanteda dictionary
    with a category ``name``. Anything that is not a mapping (an empty file, a list) is left to the
    framelens reader to report too.

    Only the document's nodes are built (libyaml, where installed), not its values: reading a
    1,000-pattern lexicon twice with the pure-Python loader cost a sixth of a batch run's start."""
    try:
        with yaml_document(path.read_text(encoding="utf-8-sig"), path) as (_, root):
            if not isinstance(root, yaml.MappingNode):
                return "framelens"
            top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    except (LexiconError, UnicodeDecodeError):
        return "framelens"  # let the framelens reader report the error with its line
    if "families" in top or any(isinstance(top.get(k), yaml.ScalarNode) for k in ("name", "version")):
        return "framelens"
    return "quanteda"


def import_lexicon(path: str | os.PathLike, format: str | None = None, **kwargs) -> Lexicon:
    """Read a lexicon in any supported format, chosen by ``format`` or by the file's extension.

    Parameters
    ----------
    path : str or path-like
    format : {"framelens", "liwc", "quanteda", "wordlist", "mpqa"}, optional
        By default from the extension: ``.dic`` → LIWC; ``.yaml``/``.yml`` → framelens when the file
        has a top-level ``families`` key, else quanteda; ``.txt``/``.tsv``/``.lst`` → word list;
        ``.tff`` → MPQA clues.
    **kwargs
        Passed to the importer (:func:`read_liwc`, :func:`read_quanteda`, :func:`read_wordlist`).

    Examples
    --------
    >>> from framelens.lexicon import import_lexicon
    >>> lex = import_lexicon("../shared/corpora/lexicons/mfd/mfd2.0.dic", split=".")  # doctest: +SKIP
    >>> lex.family_ids()  # doctest: +SKIP
    ['care', 'fairness', 'loyalty', 'authority', 'sanctity']
    """
    path = Path(path)
    if format is not None:
        if format.lower() not in _FORMATS:
            raise ParameterError(f"unknown lexicon format {format!r}; use one of "
                                 f"{', '.join(sorted(set(_FORMATS.values())))}")
        kind = _FORMATS[format.lower()]
    else:
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            kind = _sniff_yaml(path) if path.exists() else "framelens"
        elif suffix in _EXTENSIONS:
            kind = _EXTENSIONS[suffix]
        else:
            raise LexiconError(f"cannot tell the lexicon format from the extension {suffix or '(none)'!r}; "
                               "pass format='liwc', 'quanteda', 'wordlist' or 'framelens'", file=path)
    if kind == "framelens":
        if kwargs:
            raise ParameterError(f"a framelens YAML lexicon takes no import options, got {sorted(kwargs)}")
        return read_lexicon(path)
    reader = {"liwc": read_liwc, "quanteda": read_quanteda, "wordlist": read_wordlist}[kind]
    accepted = set(inspect.signature(reader).parameters) - {"path"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ParameterError(f"{reader.__name__} takes no option {', '.join(map(repr, unknown))}; "
                             f"its options: {', '.join(sorted(accepted))}")
    return reader(path, **kwargs)
