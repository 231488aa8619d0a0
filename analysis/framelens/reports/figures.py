"""Report figures: lexicon precision and coverage, classifier scores and confusion, pooled vs within-story shares.

Each function returns a matplotlib Figure (no pyplot state), drawn the same way on every run; a
report shows it with :func:`framelens.reports.show_figure`.
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..errors import InputError, ParameterError


def plot_precision(precision: pd.DataFrame, *, title: str = "Estimated precision per label"):
    """Point-ranges of precision with their intervals (a :func:`precision_from_judgements` table).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    needed = ["precision", "lower", "upper", "n_judged"]
    missing = [c for c in needed if c not in precision.columns]
    if missing:
        raise InputError(f"precision table lacks column(s) {', '.join(missing)}; use precision_from_judgements")
    key = [c for c in precision.columns if c not in (*needed, "n_correct", "n_unjudged")]
    rows = precision[precision["n_judged"] > 0]
    names = ["all judged lines" if all(v == "(all)" for v in r) else " / ".join(str(v) for v in r)
             for r in rows[key].itertuples(index=False, name=None)]
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "framelens"}):
        fig = Figure(figsize=(7.0, 0.8 + 0.28 * max(len(rows), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        y = list(range(len(rows)))
        p, lo, hi = rows["precision"].to_numpy(), rows["lower"].to_numpy(), rows["upper"].to_numpy()
        overall = [n == "all judged lines" for n in names]
        colors = ["#d55e00" if o else "#0173b2" for o in overall]
        ax.hlines(y, lo, hi, colors=colors, lw=1.6)
        ax.scatter(p, y, color=colors, s=22, zorder=3)
        for yi, (pi, n) in enumerate(zip(p, rows["n_judged"])):
            ax.text(1.02, yi, f"{pi:.0%} of {n}", va="center", fontsize=8, transform=ax.get_yaxis_transform())
        ax.set_yticks(y, [n.replace("$", r"\$") for n in names])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(-0.02, 1.02)  # a little room so that points at 0 % and 100 % are drawn whole
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Share of judged hits that mean what the label says (95% Wilson interval)")
        ax.set_title(title, loc="left", fontweight="bold")
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    return fig


def plot_coverage(coverage: pd.DataFrame, *, title: str = "Hits per label"):
    """Horizontal bars of hits per label, coloured by family (a :func:`label_coverage` table)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    for column in ("family", "label", "hits"):
        if column not in coverage.columns:
            raise InputError(f"coverage table lacks column {column!r}; use label_coverage")
    palette = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#949494", "#56b4e9"]
    families = list(dict.fromkeys(coverage["family"]))
    color = {f: palette[i % len(palette)] for i, f in enumerate(families)}
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig = Figure(figsize=(7.0, 0.8 + 0.2 * max(len(coverage), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        y = list(range(len(coverage)))
        ax.barh(y, coverage["hits"], color=[color[f] for f in coverage["family"]], height=0.7)
        ax.set_yticks(y, [str(v).replace("$", r"\$") for v in coverage["label"]], fontsize=8)
        ax.set_ylim(len(coverage) - 0.5, -0.5)
        ax.set_xlabel("Hits in the corpus")
        ax.set_title(title, loc="left", fontweight="bold")
        handles = [Patch(color=color[f], label=str(f).replace("$", r"\$")) for f in families]
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return fig


def plot_cv_scores(evaluations: Mapping[str, Any], *, metric: str = "macro_f1",
                   title: str = "Cross-validated scores per fold"):
    """Per-fold scores of the model and its baselines, one row per (evaluation, model).

    Parameters
    ----------
    evaluations : mapping of str to Evaluation
        Results of :func:`framelens.classify.evaluate` (e.g. ``{"leakage-aware": a, "random split": b}``).
    metric : str
        A column of ``Evaluation.folds`` (``macro_f1``, ``accuracy``, ``balanced_accuracy``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = []
    for name, ev in evaluations.items():
        folds = getattr(ev, "folds", None)
        if not isinstance(folds, pd.DataFrame) or metric not in folds.columns:
            raise InputError(f"evaluation {name!r} has no per-fold {metric!r}; pass framelens.classify.evaluate results")
        for model in ("model", "lexicon_only", "dummy"):
            values = folds.loc[folds["model"] == model, metric].astype(float).dropna().to_numpy()
            if len(values):
                rows.append((f"{model.replace('_', ' ')} · {name}", values, model))
    colors = {"model": "#0173b2", "lexicon_only": "#029e73", "dummy": "#949494"}
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig = Figure(figsize=(7.0, 0.9 + 0.34 * max(len(rows), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        for y, (label, values, model) in enumerate(rows):
            ax.scatter(values, [y] * len(values), s=16, color=colors[model], alpha=0.55, zorder=2)
            ax.scatter([values.mean()], [y], marker="|", s=260, color=colors[model], zorder=3, linewidths=2.2)
            ax.text(1.02, y, f"{values.mean():.2f}", va="center", fontsize=8, transform=ax.get_yaxis_transform())
        ax.set_yticks(range(len(rows)), [label.replace("$", r"\$") for label, _, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(-0.02, 1.02)
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"{metric.replace('_', ' ')} per test fold (dots) and mean (bar)")
        ax.set_title(title, loc="left", fontweight="bold")
    return fig


def plot_confusion(confusion: pd.DataFrame, *, title: str = "Confusion matrix (all test folds)"):
    """Heatmap of a confusion matrix (rows true, columns predicted): counts, shaded by row share."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(confusion, pd.DataFrame) or confusion.shape[0] != confusion.shape[1]:
        raise InputError("confusion must be a square DataFrame (rows true class, columns predicted)")
    counts = confusion.to_numpy(dtype=float)
    share = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    n = len(confusion)
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9}):
        fig = Figure(figsize=(2.2 + 0.75 * n, 1.6 + 0.6 * n), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "#1b1b1b")
        labels = [str(v).replace("$", r"\$") for v in confusion.index]
        ax.set_xticks(range(n), [str(v).replace("$", r"\$") for v in confusion.columns], rotation=35, ha="right")
        ax.set_yticks(range(n), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title, loc="left", fontweight="bold")
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("share of the true class")
        bar.outline.set_visible(False)
    return fig


def plot_pooled_within(pooled: pd.DataFrame, within: pd.DataFrame, family: str, *, order: Any = None,
                       title: str | None = None):
    """Two panels side by side: a family's label shares over all articles, and within stories.

    Parameters
    ----------
    pooled, within : DataFrame
        Shares tables (``group, family, label, share, lower, upper``, and ``family_hits``): the output
        of ``framelens.shares(...)`` and of ``framelens.shares(..., within=STORY)``.
    family : str
        The family drawn.
    order : sequence of group names, Series of slant positions or divergence result, optional
        Group order (first on top of each label), as in :func:`framelens.plots.plot_shares`.

    Returns
    -------
    matplotlib.figure.Figure
        Labels down the shared y axis in the same order in both panels (by pooled share, largest
        first; labels no group uses in either table are left out), one point-range per group in the
        colours of ``plot_shares``, the same x scale in both panels.

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.reports import plot_pooled_within
    >>> t = pd.DataFrame({"group": ["A", "A", "B", "B"], "family": "f", "label": ["x", "y"] * 2,
    ...                   "share": [.7, .3, .4, .6], "lower": [.6, .2, .3, .5], "upper": [.8, .4, .5, .7],
    ...                   "family_hits": [50, 50, 40, 40]})
    >>> fig = plot_pooled_within(t, t.assign(share=[.6, .4, .5, .5], lower=.1, upper=.9), "f")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()], len(fig.axes)
    (['x', 'y'], 2)
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    from .. import plots as P

    tables = []
    for name, table in (("pooled", pooled), ("within", within)):
        checked = P._check_shares(table)
        if family not in set(checked["family"]):
            raise ParameterError(f"family {family!r} is not in the {name} shares table")
        tables.append(checked[checked["family"] == family])
    pool, strat = tables
    groups = P._group_order(pd.unique(pool["group"]), order)
    used = set(pool.loc[pool["share"].fillna(0) > 0, "label"]) | set(strat.loc[strat["share"].fillna(0) > 0, "label"])
    labels = [lab for lab in P._label_order(pool) if lab in used] or P._label_order(pool)[:1]
    dropped = pool["label"].nunique() - len(labels)
    position = {lab: i for i, lab in enumerate(labels)}
    colors = P._group_colors(len(groups))
    values = np.concatenate([t.loc[t["label"].isin(labels), ["share", "upper"]].to_numpy(float).ravel() for t in tables])
    values = values[np.isfinite(values)]
    xmax = min(1.0, max(0.05, np.ceil(values.max() * 1.05 * 20) / 20)) if values.size else 1.0
    offsets = np.linspace(-0.34, 0.34, len(groups)) if len(groups) > 1 else np.zeros(1)
    band = 0.09 * len(groups) + 0.14

    with mpl.rc_context(P._RC):
        fig = P._new_figure(9.0, band * len(labels) + 1.7)
        axes = fig.subplots(1, 2, sharey=True)
        heads = ("Pooled: all articles", "Within stories: every source at the same story mix")
        for ax, rows, head in zip(axes, (pool, strat), heads):
            for i in range(0, len(labels), 2):  # zebra bands tie each label to its points
                ax.axhspan(i - 0.5, i + 0.5, color="0.95", lw=0, zorder=0)
            for g, (group, color) in enumerate(zip(groups, colors)):
                mine = rows[(rows["group"] == group) & rows["label"].isin(labels) & rows["share"].notna()]
                if mine.empty:
                    continue
                x = mine["share"].to_numpy(float)
                err = np.vstack([x - mine["lower"].to_numpy(float), mine["upper"].to_numpy(float) - x])
                ax.errorbar(x, mine["label"].map(position).to_numpy(float) + offsets[g], xerr=np.nan_to_num(err),
                            fmt="o", ms=3.8, color=color, ecolor=color, elinewidth=1.3, capsize=0, zorder=3)
            ax.set_xlim(0, xmax)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.grid(axis="x", color="0.85", lw=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
            ax.set_title(head, loc="left", fontsize=9, parse_math=False)
        axes[0].set_yticks(range(len(labels)), [P._literal(lab) for lab in labels])
        axes[0].set_ylim(len(labels) - 0.5, -0.5)
        axes[0].set_xlabel("Share of the family's hits (bar: 95% interval over documents)")
        axes[1].set_xlabel("Story-standardised share (bar: 95% interval over stories)")
        note = f"  ({dropped} unused label{'s' if dropped != 1 else ''} not shown)" if dropped else ""
        fig.suptitle(title or f"{family}: pooled and within-story shares{note}", x=0.01, ha="left",
                     fontweight="bold", fontsize=10)
        ncols = min(len(groups), 3)
        handles = [Line2D([], [], marker="o", ms=4.5, lw=1.3, color=c, label=P._literal(g)) for g, c in zip(groups, colors)]
        handles = [h for c in range(ncols) for h in handles[c::ncols]]  # read row by row in `order`
        fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)
        P._freeze_layout(fig)
    return fig
