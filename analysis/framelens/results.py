"""Result tables: DataFrames that say what was computed.

Every table-producing stage — hits, scores and keyword-in-context (:mod:`framelens.scoring`), the
actor extractors (:mod:`framelens.actors`), the comparisons (:mod:`framelens.compare`) — returns a
:class:`ResultTable`: a pandas DataFrame with the provenance record in ``attrs["framelens"]``
(corpus and lexicon fingerprints, parameters, versions, and ``kind``, the name of what was computed)
whose notebook display starts with a one-paragraph summary of that record, as quanteda prints its
keyness objects. Its columns are those of the function that made it; nothing else changes.

Examples
--------
>>> import pandas as pd
>>> from framelens.results import result_table
>>> t = result_table(pd.DataFrame({"group": ["A", "B"], "n": [3, 40], "note": ["few documents", ""]}),
...                  {"kind": "demo", "params": {"by": "source"}})
>>> t.attrs["framelens"]["kind"], type(t[["group"]]).__name__
('demo', 'ResultTable')
>>> "A: few documents" in t._repr_html_()
True
"""
from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from .provenance import provenance

__all__ = ["ResultTable", "provenance_record", "result_table"]

#: what each kind of table holds, for the summary line (``{unit}``: the rows' grouping)
DESCRIPTIONS = {
    "match": "every lexicon hit, one row per hit",
    "score": "label counts, rates per 1,000 tokens and within-family shares, one row per {unit}",
    "kwic": "keyword in context, one row per hit",
    "attributions": "statements attributed to a speaker, one row per statement",
    "attribution_table": "attributed statements per speaker family and verb class, per {unit}",
    "agency": "how each report of harm is built and who is named as its agent, one row per harm predicate",
    "agency_table": "reports of harm per agent family and construction, per {unit}",
    "tone": "mean VADER tone of the text around each actor family, per {unit}, with bootstrap intervals",
    "descriptors": "words attached to each actor family, ranked by keyness per {unit}",
    "suggest_patterns": "candidate new patterns for a lexicon family, best first",
    "keyness": "terms each group uses more or less than the others, per {unit}",
    "shares": "each label's share of its family's hits, per {unit}, with document-bootstrap intervals",
    "shares_test": "permutation test of a label's share difference between two groups",
    "divergence": "Jensen–Shannon divergence and correspondence-analysis slant between groups",
    "suggest_terms": "candidate terms for the lexicon, ranked by keyness per {unit}",
    "shares_within": "label shares within families, compared inside matched stories",
    "shares_within_test": "tests of label share differences inside matched stories",
    "decompose": "share differences split into selection and framing parts",
    "keyness_within": "keyness inside matched stories, combined over stories",
    "stories": "the story each document belongs to and whether it was matched across groups, one row per document",
    "story_clusters": "stories: their size, groups, dates, cohesion and top terms, one row per story",
}
#: pandas operations (``__finalize__``'s ``method``) after which a table's rows are no longer those
#: its record describes, e.g. ``score(...).groupby("source").sum()`` is not "one row per document"
_RESHAPING = frozenset({"groupby", "pivot_table", "pivot", "merge", "concat", "melt", "transpose", "stack",
                        "unstack", "explode", "crosstab", "join", "resample", "rolling", "expanding", "ewm"})
#: parameters not worth a place in the one-paragraph summary
_HIDDEN_PARAMS = frozenset({"label_families"})
_MAX_FLAGGED = 10


def provenance_record(corpus: Any = None, lexicon: Any = None, params: dict | None = None, *, kind: str) -> dict:
    """The provenance record for ``attrs["framelens"]``: :func:`framelens.provenance.provenance` plus ``kind``.

    Parameters
    ----------
    corpus : Corpus, optional
    lexicon : Lexicon, optional
    params : dict, optional
        The computation's parameters (made JSON-safe).
    kind : str
        What was computed, e.g. ``"score"``, ``"keyness"``: names the table in its summary.

    Examples
    --------
    >>> from framelens.results import provenance_record
    >>> provenance_record(params={"by": "source"}, kind="score")["kind"]
    'score'
    """
    record = provenance(corpus=corpus, lexicon=lexicon, params=params)
    record["kind"] = kind
    return record


def _short(value: Any, width: int = 100) -> str:
    """A parameter value as the summary shows it: a lexicon by name and version, long lists and text cut."""
    if isinstance(value, dict) and "sha256" in value and "name" in value:
        text = f"{value['name']} v{value.get('version')}"
    elif isinstance(value, (list, tuple)):
        items = [str(v) for v in value[:5]] + ([f"… {len(value) - 5} more"] if len(value) > 5 else [])
        text = "[" + ", ".join(items) + "]"
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _keys(by: Any) -> list[str]:
    if by is None:
        return []
    return [str(b) for b in by] if pd.api.types.is_list_like(by) else [str(by)]  # by=0: a column label


class ResultTable(pd.DataFrame):
    """A DataFrame of framelens results whose notebook display says what was computed.

    It behaves as a plain DataFrame (pandas operations on it return ResultTables, and
    ``attrs`` follow pandas' own rules); ``attrs["framelens"]`` holds the provenance record (corpus
    and lexicon fingerprints, parameters, seed, versions, ``kind``), and ``_repr_html_`` shows a
    one-paragraph summary of it — and of any rows flagged in a ``note`` column — above the table,
    as quanteda prints its keyness objects. All text in the summary is HTML-escaped.

    Examples
    --------
    >>> import framelens
    >>> s = framelens.score(framelens.datasets.load_sample(), "conflict_actors", by="source")
    >>> isinstance(s, framelens.ResultTable), s.attrs["framelens"]["kind"]
    (True, 'score')
    """

    #: True on a table regrouped or reshaped from a framelens result (a group-by, pivot, merge,
    #: concat, melt, transpose …): its rows are no longer those the record describes
    _framelens_derived: bool = False
    _metadata = ["_framelens_derived"]  # pandas carries it along from table to table (head, filters …)

    @property
    def _constructor(self):
        return ResultTable

    def __finalize__(self, other, method: str | None = None, **kwargs):
        out = super().__finalize__(other, method=method, **kwargs)
        if method in _RESHAPING and out.attrs.get("framelens"):
            object.__setattr__(out, "_framelens_derived", True)
        return out

    def _summary_html(self) -> str:
        record = self.attrs.get("framelens") or {}
        kind = str(record.get("kind", "result"))
        params = record.get("params") or {}
        table = record.get("table") if isinstance(record.get("table"), dict) else {}
        by = _keys(table.get("by", params.get("by")))
        row = str(params.get("unit") or "document") if kind == "score" else "document"  # score(unit="sentence")
        unit = " × ".join(by) if by else row
        if kind == "score" and params.get("shape") == "long":
            unit = f"({', '.join(by or [row])}, label)"
        head = f"<b>framelens {escape(kind)}</b>"
        if self._framelens_derived:  # the rows were regrouped since: say what the table came from
            head = f"derived from a {head} table (regrouped or reshaped since; its record follows)"
        elif kind in DESCRIPTIONS:
            head += ": " + escape(DESCRIPTIONS[kind].format(unit=unit))
        parts = [head]
        for name, values in (("", params), ("table: ", table)):
            shown = ", ".join(f"{k}={_short(v)}" for k, v in values.items() if v is not None and k not in _HIDDEN_PARAMS
                              and k != "kind")
            if shown:
                parts.append(escape(name + shown))
        corpus = record.get("corpus") or {}
        if corpus.get("sha256"):
            name = f"{corpus['name']} " if corpus.get("name") else ""
            docs = f"({corpus['n_docs']} documents) " if corpus.get("n_docs") is not None else ""
            parts.append(escape(f"corpus {name}{docs}sha256 {str(corpus['sha256'])[:12]}…"))
        batch = record.get("batch") if isinstance(record.get("batch"), dict) else {}
        timezone = corpus.get("timezone") or batch.get("timezone")
        if timezone not in (None, "UTC"):  # UTC is the default: said only when the days are others
            clock = "each as written" if timezone == "as-written" else f"in {timezone}"
            parts.append(escape(f"dates {clock}"))
        lexicon = record.get("lexicon") or {}
        if lexicon.get("name"):
            sha = f" sha256 {str(lexicon['sha256'])[:12]}…" if lexicon.get("sha256") else ""
            parts.append(escape(f"lexicon {lexicon['name']} v{lexicon.get('version')}{sha}"))
        skipped = record.get("skipped")
        if isinstance(skipped, dict) and sum(skipped.values()):
            detail = ", ".join(f"{reason} {n}" for reason, n in skipped.items() if n)
            of = f" of {record['sentences']}" if record.get("sentences") is not None else ""
            parts.append(escape(f"{sum(skipped.values())}{of} sentences skipped ({detail})"))
        text = "; ".join(parts)
        return f"<p>{text}{self._flagged_html(by)}</p>"

    def _flagged_html(self, by: list[str]) -> str:
        """The rows kept but flagged in ``note``, named by their group (and family) columns."""
        if "note" not in self.columns:
            return ""
        keys = ["group"] if "group" in self.columns else [c for c in by if c in self.columns]
        keys += ["family"] if "family" in self.columns else []
        note = self["note"]
        if isinstance(note.dtype, pd.CategoricalDtype):  # a million-row keyness table: test the categories
            marked = [i for i, c in enumerate(note.cat.categories) if str(c) != ""]
            mask = np.isin(note.cat.codes.to_numpy(), marked)
        else:
            mask = (note.notna() & (note.astype(str) != "")).to_numpy()
        flagged = self.loc[mask, keys + ["note"]].drop_duplicates()
        if not len(flagged):
            return ""
        items = []
        for row in flagged.head(_MAX_FLAGGED).itertuples(index=False):
            where = " / ".join(str(v) for v in row[:-1])
            items.append(f"<li>{escape(where + ': ' if where else '')}{escape(str(row[-1]))}</li>")
        if len(flagged) > _MAX_FLAGGED:
            items.append(f"<li>… {len(flagged) - _MAX_FLAGGED} more</li>")
        return f"<br>Flagged (kept, interpret with care):<ul>{''.join(items)}</ul>"

    def _repr_html_(self) -> str | None:
        body = super()._repr_html_()
        if body is None or not self.attrs.get("framelens"):
            return body  # no record (e.g. after a concat of tables with other records): nothing to summarise
        return self._summary_html() + body


def result_table(frame: pd.DataFrame, record: dict) -> ResultTable:
    """``frame`` as a :class:`ResultTable` carrying ``record`` in ``attrs["framelens"]`` (columns untouched).

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.results import result_table
    >>> result_table(pd.DataFrame({"x": [1]}), {"kind": "demo"}).attrs
    {'framelens': {'kind': 'demo'}}
    """
    out = ResultTable(frame)
    out.attrs["framelens"] = record
    object.__setattr__(out, "_framelens_derived", False)  # a new record: its rows are the ones it describes
    return out
