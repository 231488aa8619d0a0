"""Display helpers for report cells: figures as deterministic PNGs, and escaped HTML tables and notes.

These are what the templates use to put corpus text on the page: they escape everything that comes
from data, so a headline reading ``<script>…`` stays text. Figures are embedded as PNG bytes without
metadata (:func:`figure_png`), the same in every run and every front end.
"""
from __future__ import annotations

import html
import io
import json
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import ParameterError


def figure_png(fig) -> bytes:
    """PNG bytes of a matplotlib Figure, deterministic (no software/date metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def show_figure(fig, *, alt: str = "") -> None:
    """Display a Figure as an embedded PNG (alt text for screen readers), then close it.

    Reports call this rather than relying on Jupyter's matplotlib backend so the PNG bytes are the
    same in every run and every front end.
    """
    from IPython.display import Image, display

    data = figure_png(fig)
    display(Image(data=data, format="png", metadata={"alt": alt} if alt else None))
    try:  # a figure made with pyplot stays registered until closed
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # noqa: BLE001 - closing is a courtesy
        pass


def _cell(value: Any, float_format: str) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return format(value, float_format)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return str(value)


def html_table(df: pd.DataFrame, *, max_rows: int = 50, index: bool = False, float_format: str = ".3g",
               caption: str | None = None):
    """An HTML table whose every cell, header and caption is escaped (whatever the pandas version).

    Returns an ``IPython.display.HTML`` object; more than ``max_rows`` rows are cut with a note.
    """
    from IPython.display import HTML

    frame = df.reset_index() if index else df
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value in row:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(_cell(value, float_format))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = (f'<p class="fl-note">… {len(frame) - max_rows} more rows (see the executed notebook)</p>'
            if len(frame) > max_rows else "")
    return HTML(f'<table class="fl-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}')


def kwic_html(kwic: pd.DataFrame, *, max_rows: int = 20, extra: Sequence[str] = ()):
    """Keyword-in-context lines (``left, keyword, right`` columns) as an escaped, aligned table."""
    from IPython.display import HTML

    if len(kwic) == 0:
        return HTML('<p class="fl-note">(no matches)</p>')
    rows = []
    for _, r in kwic.head(max_rows).iterrows():
        meta = "".join(f"<td>{html.escape(_cell(r[c], '.3g'))}</td>" for c in ("doc_id", "source", *extra) if c in r.index)
        rows.append(f'<tr>{meta}<td class="fl-left">{html.escape(str(r["left"]))}</td>'
                    f'<td class="fl-kw"><b>{html.escape(str(r["keyword"]))}</b></td>'
                    f'<td class="fl-right">{html.escape(str(r["right"]))}</td></tr>')
    heads = "".join(f"<th>{html.escape(c)}</th>" for c in ("doc_id", "source", *extra) if c in kwic.columns)
    more = f'<p class="fl-note">… {len(kwic) - max_rows} more</p>' if len(kwic) > max_rows else ""
    return HTML(f'<table class="fl-table fl-kwic"><thead><tr>{heads}<th></th><th>keyword</th><th></th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>{more}')


def note(text: str, *, kind: str = "note"):
    """A short escaped paragraph (``kind`` = note, warning or finding) for computed statements."""
    from IPython.display import HTML

    if kind not in ("note", "warning", "finding"):
        raise ParameterError(f"kind must be note, warning or finding, not {kind!r}")
    return HTML(f'<p class="fl-{kind}">{html.escape(text)}</p>')


def provenance_html(record: Mapping[str, Any]):
    """The provenance block of a report: corpus, lexicon, parameters, versions, all escaped."""
    from IPython.display import HTML

    def row(key: str, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        return f"<tr><th>{html.escape(key)}</th><td><code>{html.escape(text)}</code></td></tr>"

    rows = []
    corpus = record.get("corpus") or {}
    if corpus:
        rows.append(row("corpus", f"{corpus.get('name') or '—'} · {corpus.get('n_docs')} documents · sha256 {corpus.get('sha256')}"))
    lexicon = record.get("lexicon") or {}
    if lexicon:
        rows.append(row("lexicon", f"{lexicon.get('name')} {lexicon.get('version')} · sha256 {lexicon.get('sha256')}"))
    params = record.get("params") or {}
    for key in sorted(params):
        rows.append(row(f"param · {key}", params[key]))
    if "framelens_version" in record:
        rows.append(row("framelens", record["framelens_version"]))
        rows.append(row("python", record.get("python", "")))
        libs = record.get("libraries", {})
        rows.append(row("libraries", " · ".join(f"{k} {v}" for k, v in sorted(libs.items()))))
    return HTML('<details class="fl-provenance" open><summary>Provenance: what produced this report</summary>'
                f'<table class="fl-table">{"".join(rows)}</table></details>')
