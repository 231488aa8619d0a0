"""The lexicon data model: a lexicon holds families, a family holds labels, a label holds patterns.

A *family* groups the alternative labels for one actor or frame (``armed_opposition`` →
``rebels``, ``insurgents``, ``terrorists`` …); shares are computed within a family. Label ids are
unique across the whole lexicon so that a label id alone names a score column.

The objects are immutable; the YAML reader and the importers build them, the matcher compiles them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Iterator

OVERLAP_SCOPES = ("lexicon", "family")


@dataclass(frozen=True)
class Pattern:
    """One pattern as written in a lexicon.

    ``text`` is one or more words separated by spaces or hyphens (any run of whitespace, hyphens or
    line breaks in a text matches such a separator); ``*`` inside a word matches any run of word
    characters and ``?`` exactly one. Matching is case-insensitive unless ``case_sensitive``.
    """

    text: str
    case_sensitive: bool = False
    line: int | None = field(default=None, compare=False, repr=False)  # where it was written


@dataclass(frozen=True)
class Label:
    id: str
    patterns: tuple[Pattern, ...]
    exclude: tuple[Pattern, ...] = ()
    stance: str | None = None
    weight: float = 1.0
    description: str = ""


@dataclass(frozen=True)
class Family:
    id: str
    labels: tuple[Label, ...]
    description: str = ""

    def label_ids(self) -> list[str]:
        return [label.id for label in self.labels]


@dataclass(frozen=True)
class Lexicon:
    """A versioned set of term families.

    Attributes
    ----------
    overlap : {"lexicon", "family"}
        Where "nothing is counted twice" applies: with ``"lexicon"`` (default) a stretch of text is
        counted once, for the longest pattern anywhere in the lexicon; with ``"family"`` each family
        resolves overlaps on its own, so a word may count in several families (the LIWC convention).
    """

    name: str
    version: str
    families: tuple[Family, ...]
    description: str = ""
    language: str = "en"
    overlap: str = "lexicon"
    source: str | None = field(default=None, compare=False)

    # -- navigation -------------------------------------------------------------------------
    def family(self, family_id: str) -> Family:
        for fam in self.families:
            if fam.id == family_id:
                return fam
        from ..errors import ParameterError

        raise ParameterError(
            f"family {family_id!r} is not in lexicon {self.name!r}; families: {', '.join(self.family_ids())}"
        )

    def family_ids(self) -> list[str]:
        return [fam.id for fam in self.families]

    def label_ids(self) -> list[str]:
        """All label ids in lexicon order (families in order, labels in order)."""
        return [label.id for fam in self.families for label in fam.labels]

    def label_family(self) -> dict[str, str]:
        """Map label id → family id."""
        return {label.id: fam.id for fam in self.families for label in fam.labels}

    def iter_labels(self) -> Iterator[tuple[Family, Label]]:
        for fam in self.families:
            for label in fam.labels:
                yield fam, label

    # -- identity ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A plain-data form (the YAML format's structure), without source-file line numbers."""

        def pat(p: Pattern):
            return {"pattern": p.text, "case_sensitive": True} if p.case_sensitive else p.text

        out: dict = {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "language": self.language,
        }
        if self.overlap != "lexicon":
            out["overlap"] = self.overlap
        out["families"] = {}
        for fam in self.families:
            labels = {}
            for lab in fam.labels:
                entry: dict = {}
                if lab.description:
                    entry["description"] = lab.description
                if lab.stance is not None:
                    entry["stance"] = lab.stance
                if lab.weight != 1.0:
                    entry["weight"] = lab.weight
                entry["patterns"] = [pat(p) for p in lab.patterns]
                if lab.exclude:
                    entry["exclude"] = [pat(p) for p in lab.exclude]
                labels[lab.id] = entry
            out["families"][fam.id] = {"description": fam.description, "labels": labels} if fam.description else {"labels": labels}
        return out

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form: equal lexicons have equal fingerprints whatever file they came from.

        The order of families and labels is part of it: it decides which label a tie goes to (and the
        order of score columns), and matchers and hits are cached by fingerprint. The order of keys
        inside a label is not (:meth:`to_dict` writes them in one fixed order).
        """
        # not sort_keys: that would sort family and label ids, giving two lexicons that count
        # differently one fingerprint
        canon = json.dumps(self.to_dict(), sort_keys=False, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()

    def provenance(self) -> dict:
        return {"name": self.name, "version": self.version, "sha256": self.fingerprint}

    def __len__(self) -> int:
        return sum(len(label.patterns) for _, label in self.iter_labels())

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{escape(fam.id)}</td><td>{escape(lab.id)}</td><td>{escape(lab.stance or '')}</td>"
            f"<td>{escape(', '.join(p.text for p in lab.patterns[:6]))}{' …' if len(lab.patterns) > 6 else ''}</td></tr>"
            for fam, lab in self.iter_labels()
        )
        return (
            f"<div><b>Lexicon {escape(self.name)}</b> v{escape(self.version)} — {len(self.families)} families, "
            f"{len(self.label_ids())} labels, {len(self)} patterns; sha256 {self.fingerprint[:12]}…"
            f"<table><thead><tr><th>family</th><th>label</th><th>stance</th><th>patterns</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        return (
            f"Lexicon(name={self.name!r}, version={self.version!r}, families={self.family_ids()}, "
            f"labels={len(self.label_ids())}, patterns={len(self)})"
        )
