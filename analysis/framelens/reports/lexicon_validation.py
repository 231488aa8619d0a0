"""Lexicon validation: hits sampled for hand judgement, precision with Wilson intervals, label coverage.

The ``lexicon_validation`` template uses these: :func:`sample_hits` draws a seeded sample of each
label's hits as KWIC lines with an empty ``judgement`` column; once a coder fills it in,
:func:`precision_from_judgements` estimates each label's precision. :func:`label_coverage` says how
much of a corpus each label matches and in which words; :func:`answer_key_judgements` stands in for
a coder on the embedded sample corpus.
"""
from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from ..errors import InputError, ParameterError
from .checks import _check_families


_JUDGED_TRUE = {"1", "y", "yes", "true", "t", "correct", "ok", "right", "relevant", "+"}
_JUDGED_FALSE = {"0", "n", "no", "false", "f", "wrong", "incorrect", "irrelevant", "-", "x"}


def sample_hits(corpus, lexicon, *, per_label: int = 10, seed: int = 0, families: Sequence[str] | None = None,
                window: int = 8) -> pd.DataFrame:
    """A seeded random sample of each label's hits in KWIC form, with an empty ``judgement`` column.

    Fill ``judgement`` with 1 (the hit means what the label says) or 0 (it does not), leave it empty
    to skip a line, then pass the table to :func:`precision_from_judgements`.

    Returns
    -------
    DataFrame
        ``family, label, doc_id, source, left, keyword, right, start, end, judgement``, labels in
        lexicon order, lines in corpus order within a label.
    """
    import numpy as np

    from ..scoring import as_corpus, as_lexicon, kwic

    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    if families:
        _check_families(families, lexicon)
    if per_label < 1:
        raise ParameterError(f"per_label must be positive, not {per_label}")
    lines = kwic(corpus, lexicon, window=window)
    family_of = lexicon.label_family()
    lines.insert(0, "family", lines["label"].map(family_of))
    if families:
        lines = lines[lines["family"].isin(list(families))]
    rng = np.random.default_rng(seed)
    parts = []
    for label in lexicon.label_ids():  # lexicon order, each label drawn from the same generator in turn
        rows = lines[lines["label"] == label]
        if len(rows) > per_label:
            rows = rows.iloc[np.sort(rng.choice(len(rows), size=per_label, replace=False))]
        parts.append(rows)
    cols = ["family", "label", "doc_id", "source", "left", "keyword", "right", "start", "end"]
    out = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    out["judgement"] = pd.Series([pd.NA] * len(out), dtype="object")
    out.attrs = dict(lines.attrs)
    out.attrs.setdefault("framelens", {})
    return out


def _judgement(value: Any, row: Any) -> float:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return float("nan")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return float(value)
    text = str(value).strip().lower()
    if text == "":
        return float("nan")
    if text in _JUDGED_TRUE:
        return 1.0
    if text in _JUDGED_FALSE:
        return 0.0
    raise InputError(f"judgement {value!r} not understood; use 1/0, yes/no, correct/wrong or leave empty",
                     row=row, field="judgement")


def precision_from_judgements(df: pd.DataFrame, *, by: str | Sequence[str] = "label", alpha: float = 0.05,
                              column: str = "judgement") -> pd.DataFrame:
    """Estimated precision per label from manual judgements, with Wilson confidence intervals.

    Parameters
    ----------
    df : DataFrame
        A table like :func:`sample_hits` returns, with ``column`` filled in: 1/0, yes/no,
        true/false, correct/wrong (case-insensitive); empty cells are not counted.
    by : str or list of str
        Grouping columns (``"label"``, ``["family", "label"]`` …).
    alpha : float
        1 − confidence level of the interval (0.05 → 95 %).

    Returns
    -------
    DataFrame
        One row per group and a final ``(all)`` row: ``n_judged, n_correct, precision, lower,
        upper, n_unjudged``. ``precision`` is NaN where nothing was judged. The interval is
        Wilson's (``statsmodels.stats.proportion.proportion_confint(method="wilson")``).

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.reports import precision_from_judgements
    >>> j = pd.DataFrame({"label": ["rebels"] * 4, "judgement": [1, 1, 0, "yes"]})
    >>> row = precision_from_judgements(j).iloc[0]
    >>> row["label"], int(row["n_judged"]), int(row["n_correct"]), float(row["precision"])
    ('rebels', 4, 3, 0.75)
    """
    from statsmodels.stats.proportion import proportion_confint

    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, column] if c not in df.columns]
    if missing:
        raise InputError(f"the judgements table has no column {', '.join(map(repr, missing))}; "
                         f"columns: {', '.join(map(str, df.columns))}", field=missing[0])
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, not {alpha}")
    judged = pd.Series([_judgement(v, r) for r, v in zip(df.index, df[column])], index=df.index, dtype=float)
    frame = df[keys].copy()
    frame["_j"] = judged

    def summarise(values: pd.Series) -> dict[str, Any]:
        done = values.dropna()
        n, k = int(len(done)), int(done.sum())
        if n:
            lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
            prec = k / n
        else:
            lo = hi = prec = float("nan")
        return {"n_judged": n, "n_correct": k, "precision": prec, "lower": float(lo), "upper": float(hi),
                "n_unjudged": int(values.isna().sum())}

    rows = []
    for key, part in frame.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), **summarise(part["_j"])})
    rows.append({**{k: "(all)" for k in keys}, **summarise(frame["_j"])})
    out = pd.DataFrame(rows, columns=[*keys, "n_judged", "n_correct", "precision", "lower", "upper", "n_unjudged"])
    out.attrs["framelens"] = {"params": {"by": keys, "alpha": alpha, "interval": "wilson"}}
    return out


def label_coverage(corpus, lexicon, *, by: str | Sequence[str] | None = None,
                   families: Sequence[str] | None = None, n_forms: int = 4) -> pd.DataFrame:
    """How much of a corpus each label of a lexicon matches, and in which words.

    Returns
    -------
    DataFrame
        One row per label, in lexicon order: ``family, label, hits, documents, doc_share`` (share of
        all documents with at least one hit), ``groups`` (how many groups of ``by`` use it, when
        ``by`` is given) and ``forms`` (the most frequent matched forms, lower-cased, with counts).

    Examples
    --------
    >>> import framelens
    >>> from framelens.reports import label_coverage
    >>> cov = label_coverage(framelens.datasets.load_sample(), "conflict_actors", families=["armed_opposition"])
    >>> cov.columns.tolist()
    ['family', 'label', 'hits', 'documents', 'doc_share', 'forms']
    """
    from ..scoring import as_corpus, as_lexicon, match

    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    if families:
        _check_families(families, lexicon)
    hits = match(corpus, lexicon)
    group_of = dict(zip(corpus.docs["doc_id"], corpus.groups(by))) if by is not None else None
    rows = []
    for fam, lab in lexicon.iter_labels():
        if families and fam.id not in families:
            continue
        mine = hits[hits["label"] == lab.id]
        # astype: with no hit at all, match's empty table does not type 'matched' as text
        forms = mine["matched"].astype("string").str.lower().str.split().str.join(" ").value_counts()
        forms = forms.sort_index(kind="stable").sort_values(ascending=False, kind="stable").head(n_forms)
        row = {"family": fam.id, "label": lab.id, "hits": len(mine), "documents": mine["doc_id"].nunique(),
               "doc_share": mine["doc_id"].nunique() / max(len(corpus), 1)}
        if group_of is not None:
            row["groups"] = len({group_of[d] for d in mine["doc_id"].unique()})
        row["forms"] = ", ".join(f"{form} ({n})" for form, n in forms.items())
        rows.append(row)
    columns = ["family", "label", "hits", "documents", "doc_share", *(["groups"] if by is not None else []), "forms"]
    return pd.DataFrame(rows, columns=columns)


def answer_key_judgements(sample: pd.DataFrame) -> pd.DataFrame:
    """Fill the ``judgement`` column of a :func:`sample_hits` table of the *embedded sample corpus*
    from its annotations: 1 when the generator wrote an actor mention with that label on that span.

    This stands in for a human coder, to show what the precision section reports; on any other
    corpus, judge the lines yourself.
    """
    from ..datasets import sample_mentions

    mentions = sample_mentions()
    by_doc: dict[str, list[tuple[int, int, str]]] = {}
    for doc, start, end, label in zip(mentions["doc_id"], mentions["start"], mentions["end"], mentions["label"]):
        by_doc.setdefault(doc, []).append((int(start), int(end), label))
    judged = []
    for doc, start, end, label in zip(sample["doc_id"], sample["start"], sample["end"], sample["label"]):
        spans = by_doc.get(doc, [])
        judged.append(int(any(s < end and start < e and lab == label for s, e, lab in spans)))
    out = sample.copy()
    out["judgement"] = judged
    return out
