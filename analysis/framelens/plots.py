"""Figures for comparison results: label shares, Fightin' Words keyness, heatmaps and slant.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so that nothing is
left registered in pyplot's state machine and notebooks render each figure once (a returned figure
still displays in Jupyter through its Agg canvas). Output is deterministic: fixed sizes, DejaVu Sans
at fixed sizes, no random jitter, and :func:`save_figures` writes byte-identical PNGs for identical
figures (figures made here come laid out, with the layout engine then switched off: see
``_freeze_layout``). Outlet names and terms are drawn literally: a ``$`` never switches to mathtext.

The inputs are the tables of :mod:`framelens.compare` (see ``docs/architecture.md``):

- shares: ``group, family, label, count, share, lower, upper, n_docs, family_hits, note``;
- keyness: ``term, group, count, count_other, ...`` and, for log-odds, ``log_odds, z``;
- divergence: an object with ``.matrix`` and ``.p_values`` (group x group DataFrames) and ``.slant``
  (Series of 1-D positions indexed by group).
"""
from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import wraps
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

from .errors import InputError, ParameterError

__all__ = [
    "plot_shares",
    "plot_fightin_words",
    "plot_label_heatmap",
    "plot_distance_heatmap",
    "plot_slant",
    "save_figures",
]

DPI = 120
SHARES_COLUMNS = ("group", "family", "label", "count", "share", "lower", "upper", "n_docs", "family_hits", "note")
KEYNESS_COLUMNS = ("term", "group", "count", "count_other", "z")

# Everything a figure's look depends on is pinned here and applied while a figure is built and saved,
# so that the user's matplotlibrc or seaborn theme cannot change sizes, fonts or bytes.
_RC: dict[str, Any] = {
    "font.family": ["DejaVu Sans"],  # ships with matplotlib: same metrics everywhere
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "text.usetex": False,
    "axes.unicode_minus": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.facecolor": "white",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "svg.hashsalt": "framelens",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "image.composite_image": True,
}

# colour-blind safe categorical colours (seaborn "colorblind" without its pale yellow and pink first)
_CB = sns.color_palette("colorblind", 10)
_GROUP_COLORS = [_CB[i] for i in (0, 1, 2, 3, 4, 5, 9, 7, 6, 8)]
_POS_COLOR, _NEG_COLOR = "#0173b2", "#d55e00"
_POS_TEXT, _NEG_TEXT = "#01466d", "#8a3d00"  # darker shades: small text must stay legible
_LABEL_GID = "framelens-fightin-label"
_KEY_GID = "framelens-fightin-key"


def _styled(func: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure under the pinned rcParams."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(_RC):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------- helpers


def _new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    # A bare Figure with an Agg canvas: never registered with pyplot, can render and measure text.
    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _freeze_layout(fig: Figure) -> None:
    """Lay the figure out once, then switch the layout engine off.

    Constrained layout starts from the current positions, so re-running it on every save moves axes
    by fractions of a pixel and the PNG bytes change; a frozen layout renders identically each time.
    Call ``fig.set_layout_engine("constrained")`` after editing a figure to lay it out again.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")


def _root_figure(ax: Axes) -> Figure:
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10
        return ax.figure


def _axes(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes, bool]:
    """``(figure, axes, own)``: a new one-Axes figure of this size when ``ax`` is None, else ``ax``
    and its figure (``own`` False: the caller's figure is laid out by the caller)."""
    if ax is None:
        fig = _new_figure(width, height)
        return fig, fig.add_subplot(), True
    return _root_figure(ax), ax, False


def _finish(fig: Figure, own: bool) -> Figure:
    """Freeze the layout of a figure made here; leave the caller's figure alone."""
    if own:
        _freeze_layout(fig)
    return fig


def _literal(value: object) -> str:
    """Text for tick labels and legends: escape ``$`` so that mathtext never starts.

    Tick labels are recreated by matplotlib without their ``parse_math`` flag, so escaping is the only
    reliable way there; text objects made here use ``parse_math=False`` instead.
    """
    return str(value).replace("$", r"\$")


def _require_frame(table: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"{what} table must be a pandas DataFrame, not {type(table).__name__}")
    for column in columns:
        if column not in table.columns:
            raise InputError(f"{what} table lacks column {column!r}", field=column)
    return table


def _numeric(table: pd.DataFrame, column: str, what: str) -> pd.Series:
    """Column as float; a value that is present but not a number is an error naming its row."""
    raw = table[column]
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & raw.notna()
    if bad.any():
        row = bad.index[bad.to_numpy().argmax()]
        raise InputError(f"{what} table: {raw[row]!r} is not a number", row=row, field=column)
    return values


def _check_shares(shares: object) -> pd.DataFrame:
    table = _require_frame(shares, ("group", "family", "label", "share", "lower", "upper"), "shares")
    out = pd.DataFrame(
        {
            "group": table["group"],
            "family": table["family"].astype(str),
            "label": table["label"].astype(str),
            "share": _numeric(table, "share", "shares"),
            "lower": _numeric(table, "lower", "shares"),
            "upper": _numeric(table, "upper", "shares"),
            "weight": _numeric(table, "family_hits", "shares") if "family_hits" in table else 1.0,
        },
        index=table.index,
    )
    dup = out.duplicated(["group", "family", "label"])
    if dup.any():
        row = out.index[dup.to_numpy().argmax()]
        raise InputError("shares table repeats a (group, family, label) row", row=row, field="label")
    eps = 1e-9
    for column, broken in (
        ("share", (out["share"] < -eps) | (out["share"] > 1 + eps)),
        ("lower", out["lower"] > out["share"] + eps),
        ("upper", out["upper"] < out["share"] - eps),
    ):
        if broken.any():
            row = out.index[broken.to_numpy().argmax()]
            raise InputError(
                "shares table needs 0 <= lower <= share <= upper <= 1", row=row, field=column
            )
    return out


def _select_families(table: pd.DataFrame, family: str | Sequence[str] | None) -> list[str]:
    present = list(pd.unique(table["family"]))
    if family is None:
        chosen = present
    else:
        chosen = [family] if isinstance(family, str) else list(family)
    missing = [f for f in chosen if f not in present]
    if missing or not chosen:
        raise ParameterError(
            f"family {missing[0] if missing else family!r} is not in the shares table; "
            f"it has {', '.join(map(repr, present)) or 'no rows'}"
        )
    return chosen


def _group_order(present: Iterable[object], order: object) -> list[object]:
    """Groups in display order (first = top).

    ``order`` is None (order of first appearance), a sequence of group names (as seaborn's ``order``:
    groups not named are left out), a Series of slant positions (sorted ascending), or an object with
    a ``.slant`` Series such as a divergence result.
    """
    present = list(present)
    if order is None:
        return present
    slant = getattr(order, "slant", None)
    if slant is not None:
        order = slant
    if isinstance(order, pd.Series):
        names = list(order.sort_values(kind="mergesort").index)
    elif isinstance(order, str | bytes):
        raise ParameterError("order must be a sequence of group names, not a single string")
    else:
        names = list(order)
    known = set(present)
    unknown = [g for g in names if g not in known]
    if unknown:
        raise ParameterError(
            f"order names group {unknown[0]!r}, which is not in the table; "
            f"groups are {', '.join(map(repr, present))}"
        )
    if len(set(names)) != len(names):
        raise ParameterError("order names a group twice")
    if not names:
        raise ParameterError("order is empty")
    return names


def _shares_panels(
    shares: object, family: str | Sequence[str] | None, order: object
) -> tuple[pd.DataFrame, list[str], list[object], dict[str, list[str]]]:
    """What a shares figure draws: the checked table (rows of the drawn groups), the families, the
    groups in display order and each family's labels by overall share."""
    table = _check_shares(shares)
    families = _select_families(table, family)
    groups = _group_order(pd.unique(table["group"]), order)
    table = table[table["group"].isin(groups)]
    labels = {f: _label_order(table[table["family"] == f]) for f in families}
    return table, families, groups, labels


def _label_order(rows: pd.DataFrame) -> list[str]:
    """Labels of one family by overall share, largest first.

    The overall share is the mean of the groups' shares weighted by their family hits, i.e. the pooled
    share count / family_hits when share is that ratio; ties keep table order.
    """
    valid = rows["share"].notna() & rows["weight"].notna() & (rows["weight"] > 0)
    weighted = (rows["share"] * rows["weight"]).where(valid, 0.0).groupby(rows["label"], sort=False).sum()
    weights = rows["weight"].where(valid, 0.0).groupby(rows["label"], sort=False).sum()
    overall = weighted / weights.where(weights > 0)
    if overall.isna().all():  # no usable weights: plain mean
        overall = rows.groupby("label", sort=False)["share"].mean()
    first = {label: i for i, label in enumerate(pd.unique(rows["label"]))}
    return sorted(first, key=lambda label: (np.isnan(overall[label]), -np.nan_to_num(overall[label]), first[label]))


def _group_colors(n: int) -> list:
    return _GROUP_COLORS[:n] if n <= len(_GROUP_COLORS) else sns.color_palette("husl", n)


def _group_legend(fig: Figure, ax: Axes | None, groups: Sequence[object], colors: Sequence, own: bool, loc: str) -> None:
    """Legend of the groups' point-range markers: at ``loc`` of a figure made here, else right of ``ax``."""
    handles = [
        Line2D([], [], marker="o", ms=4.5, lw=1.3, color=color, label=_literal(group))
        for group, color in zip(groups, colors)
    ]
    if own:
        ncols = min(len(groups), 3)
        # legends fill column by column; reorder so that reading row by row follows the group order
        handles = [h for c in range(ncols) for h in handles[c::ncols]]
        fig.legend(handles=handles, loc=loc, ncols=ncols, frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _slant_xticks(ax: Axes) -> None:
    """Tick labels at 35°, anchored at their right end so that each ends under its column."""
    ax.tick_params(axis="x", rotation=35, length=0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")


def _renderer(fig: Figure):
    canvas = fig.canvas
    return canvas.get_renderer() if hasattr(canvas, "get_renderer") else fig._get_renderer()


# ------------------------------------------------------------------------------------- shares


@_styled
def plot_shares(
    shares: pd.DataFrame,
    family: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    *,
    order: object = None,
    drop_unused: bool = True,
) -> Figure:
    """Plot label shares per group as point-ranges with their confidence intervals.

    Labels run down the y axis, ordered by overall share (largest on top); each label holds one
    point-range per group, in ``order``. Several families give one panel each.

    Parameters
    ----------
    shares : DataFrame
        Shares table with columns ``group, family, label, share, lower, upper`` (``family_hits``,
        when present, weights the overall share that orders the labels).
    family : str or list of str, optional
        Families to draw; all by default.
    ax : Axes, optional
        Draw into this Axes (only when one family is drawn).
    order : sequence of group names, Series of slant positions, or divergence result, optional
        Group order, first on top; groups not named are left out. A Series (or an object with
        ``.slant``) is sorted ascending.
    drop_unused : bool, default True
        Leave out labels with a zero share in every group (and families with no hit at all); each
        panel's title says how many labels were left out.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.plots import plot_shares
    >>> table = pd.DataFrame({"group": ["A", "A", "B", "B"], "family": "actors",
    ...     "label": ["army", "militia"] * 2, "share": [.7, .3, .4, .6],
    ...     "lower": [.6, .2, .3, .5], "upper": [.8, .4, .5, .7], "family_hits": [50, 50, 40, 40]})
    >>> fig = plot_shares(table)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['army', 'militia']
    """
    table, families, groups, labels = _shares_panels(shares, family, order)
    dropped = dict.fromkeys(families, 0)
    if drop_unused:
        used = table.groupby("label", sort=False)["share"].apply(lambda s: bool((s.fillna(0) > 0).any()))
        for f in families:
            kept = [label for label in labels[f] if used.get(label, False)]
            dropped[f] = len(labels[f]) - len(kept)
            labels[f] = kept
        families = [f for f in families if labels[f]] or families[:1]
    if ax is not None and len(families) > 1:
        raise ParameterError(f"ax= takes one family; the table has {len(families)}: pass family=")

    colors = _group_colors(len(groups))
    band = 0.09 * len(groups) + 0.14  # inches per label: room for one point-range per group
    own = ax is None
    if own:
        heights = [max(len(labels[f]), 1) for f in families]
        fig = _new_figure(7.0, sum(band * n for n in heights) + 0.75 * len(families) + 0.5)
        axes = list(fig.subplots(len(families), 1, height_ratios=heights, squeeze=False)[:, 0])
    else:
        fig, axes = _root_figure(ax), [ax]

    upper = table.loc[table["family"].isin(families), ["share", "upper"]].max().max()
    xmax = 1.0 if not np.isfinite(upper) else min(1.0, max(0.05, np.ceil(upper * 1.05 * 20) / 20))
    offsets = np.linspace(-0.34, 0.34, len(groups)) if len(groups) > 1 else np.zeros(1)
    for panel, fam in zip(axes, families):
        rows = table[table["family"] == fam]
        position = {label: i for i, label in enumerate(labels[fam])}
        for i in range(0, len(position), 2):  # zebra bands tie each label to its points
            panel.axhspan(i - 0.5, i + 0.5, color="0.95", lw=0, zorder=0)
        for g, (group, color) in enumerate(zip(groups, colors)):
            mine = rows[rows["group"] == group]
            if mine.empty:
                continue
            y = mine["label"].map(position).to_numpy(float) + offsets[g]
            x = mine["share"].to_numpy(float)
            err = np.vstack([x - mine["lower"].to_numpy(float), mine["upper"].to_numpy(float) - x])
            panel.errorbar(
                x, y, xerr=np.nan_to_num(err), fmt="o", ms=3.8, color=color, ecolor=color,
                elinewidth=1.3, capsize=0, zorder=3, label=str(group),
            )
        panel.set_yticks(range(len(position)), [_literal(label) for label in position])
        panel.set_ylim(len(position) - 0.5, -0.5)
        panel.tick_params(axis="y", length=0)
        panel.set_xlim(0, xmax)
        panel.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        panel.grid(axis="x", color="0.85", lw=0.6)
        panel.set_axisbelow(True)
        note = f"  ({dropped[fam]} unused label{'s' if dropped[fam] != 1 else ''} not shown)" if dropped[fam] else ""
        panel.set_title(f"{fam}{note}", loc="left", fontweight="bold", parse_math=False)
    axes[-1].set_xlabel("Share of the family's hits (point) with confidence interval (bar)")
    _group_legend(fig, ax, groups, colors, own, "outside upper center")
    return _finish(fig, own)


# -------------------------------------------------------------------------- fightin' words


@_styled
def plot_fightin_words(
    keyness: pd.DataFrame,
    group: object = None,
    top: int = 20,
    ax: Axes | None = None,
) -> Figure:
    """Monroe, Colaresi & Quinn's "Fightin' Words" plot of a log-odds keyness table.

    x is the term's frequency on both sides (``count + count_other``, log scale), y its z-score. All
    terms are small grey points; the ``top`` terms by ``|z|`` on each side are coloured and labelled.
    Labels are placed without overlap by a deterministic search: each label, strongest first, takes
    the free spot nearest its point (moving vertically, right of the point before left) inside the
    axes, with a thin leader line when it had to move. Place labels once the figure has its final
    size: resizing it afterwards can bring labels together again. Term labels carry the gid
    ``"framelens-fightin-label"``; the two colour keys in the left corners ``"framelens-fightin-key"``.

    Parameters
    ----------
    keyness : DataFrame
        Keyness table with columns ``term, group, count, count_other, z``.
    group : optional
        The group compared with the rest; needed when the table holds several.
    top : int, default 20
        Terms labelled on each side.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure

    Warns
    -----
    RuntimeWarning
        When the axes is too crowded to place every label without overlap.

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.plots import plot_fightin_words
    >>> table = pd.DataFrame({"term": ["militants", "fighters", "ceasefire"], "group": "A",
    ...     "count": [40, 5, 20], "count_other": [4, 30, 21], "z": [4.1, -3.2, 0.1]})
    >>> fig = plot_fightin_words(table, top=1)
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "framelens-fightin-label"]
    ['militants', 'fighters']
    """
    if isinstance(keyness, pd.DataFrame) and "z" not in keyness.columns:
        raise InputError(
            "keyness table lacks column 'z': Fightin' Words plots need log-odds z-scores "
            "(keyness with method='log_odds'), not chi2/g2 tables",
            field="z",
        )
    table = _require_frame(keyness, KEYNESS_COLUMNS, "keyness")
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 0:
        raise ParameterError(f"top must be a non-negative integer, not {top!r}")
    groups = list(pd.unique(table["group"]))
    if group is None:
        if len(groups) != 1:
            raise ParameterError(
                f"the keyness table compares {len(groups)} groups; pass group= one of "
                f"{', '.join(map(repr, groups))}"
            )
        group = groups[0]
    elif group not in groups:
        raise ParameterError(f"group {group!r} is not in the keyness table; it has {', '.join(map(repr, groups))}")

    rows = table[table["group"] == group]
    data = pd.DataFrame(
        {
            "term": rows["term"].astype(str),
            "freq": _numeric(rows, "count", "keyness") + _numeric(rows, "count_other", "keyness"),
            "z": _numeric(rows, "z", "keyness"),
        }
    )
    data = data[(data["freq"] > 0) & data["z"].notna()]
    if data.empty:
        raise InputError(f"keyness table has no term with a frequency and a z-score for group {group!r}")
    data["absz"] = data["z"].abs()
    by_strength = data.sort_values(["absz", "term"], ascending=[False, True], kind="mergesort")
    pos = by_strength[by_strength["z"] > 0].head(int(top))
    neg = by_strength[by_strength["z"] < 0].head(int(top))

    fig, ax, own = _axes(ax, 8.0, 7.0)

    ax.scatter(data["freq"], data["z"], s=7, color="0.72", lw=0, zorder=1)
    ax.scatter(pos["freq"], pos["z"], s=18, color=_POS_COLOR, lw=0, zorder=3)
    ax.scatter(neg["freq"], neg["z"], s=18, color=_NEG_COLOR, lw=0, zorder=3)
    ax.axhline(0, color="0.55", lw=0.8, zorder=0)
    for level in (-1.96, 1.96):  # two-sided 5% reference
        ax.axhline(level, color="0.78", lw=0.7, ls=(0, (4, 3)), zorder=0)

    ax.set_xscale("log")
    lo, hi = data["freq"].min(), data["freq"].max()
    ax.set_xlim(lo / 1.5, hi * 1.5)
    zlo, zhi = min(data["z"].min(), -2.2), max(data["z"].max(), 2.2)
    pad = 0.06 * (zhi - zlo)
    ax.set_ylim(zlo - pad, zhi + pad)
    ax.set_autoscale_on(False)  # labels are placed in the final data->pixel mapping
    # plain numbers: the default log formatter would emit mathtext
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Frequency on both sides (log scale)")
    ax.set_ylabel("z-score of the log-odds ratio")
    ax.set_title(f"{group} vs. the rest", loc="left", fontweight="bold", parse_math=False)
    # Colour key in the top- and bottom-left corners, which stay empty: rare terms cannot reach a
    # large |z|. The labels are placed around these keys (they are obstacles to _repel_labels).
    keys = [
        ax.text(0.01, 0.99, f"\u25cf more in {group}", transform=ax.transAxes, ha="left", va="top",
                color=_POS_TEXT, fontsize=8.5, parse_math=False, gid=_KEY_GID),
        ax.text(0.01, 0.01, "\u25cf more in the rest", transform=ax.transAxes, ha="left", va="bottom",
                color=_NEG_TEXT, fontsize=8.5, parse_math=False, gid=_KEY_GID),
    ]
    for key in keys:
        key.set_in_layout(False)

    stroke = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    texts, anchors, colors = [], [], []
    # strongest first: they get the spots nearest their points
    for _, row in pd.concat([pos, neg]).sort_values(["absz", "term"], ascending=[False, True], kind="mergesort").iterrows():
        positive = row["z"] > 0
        text = ax.text(
            row["freq"], row["z"], row["term"], fontsize=8, color=_POS_TEXT if positive else _NEG_TEXT,
            va="center", ha="left", parse_math=False, usetex=False, zorder=5, path_effects=stroke,
            gid=_LABEL_GID,
        )
        text.set_in_layout(False)
        texts.append(text)
        anchors.append((row["freq"], row["z"]))
        colors.append(_POS_COLOR if positive else _NEG_COLOR)

    if own:
        _freeze_layout(fig)  # the axes keeps the size the labels are measured in
    else:
        fig.draw_without_rendering()  # run the user's layout engine: the axes gets its final size
    _repel_labels(ax, np.asarray(anchors, float).reshape(-1, 2), texts, colors, fixed=keys)
    return fig


def _repel_labels(ax: Axes, anchors: np.ndarray, texts: list, colors: list, *, fixed: Sequence = (),
                  pad: float = 2.0, gap: float = 4.0, marker: float = 3.5) -> None:
    """Move ``texts`` (highest priority first) to free spots near their ``anchors`` (data coords).

    Works in display pixels with the renderer's text extents. Each label tries, in order, vertical
    offsets 0, +s, -s, +2s, -2s, ... (s a quarter of its height) and for each the preferred then the
    other side of its point; the first box inside the axes that meets no placed label (padded by
    ``pad`` px), nor a ``fixed`` text, nor another labelled point is taken. If none is free even ignoring points, the least
    crowded spot is used and a RuntimeWarning is issued.
    """
    if not texts:
        return
    fig = _root_figure(ax)
    renderer = _renderer(fig)
    points = ax.transData.transform(anchors)
    frame = ax.get_window_extent(renderer)
    inner = np.array([frame.x0 + pad, frame.y0 + pad, frame.x1 - pad, frame.y1 - pad])
    marks = np.column_stack([points - marker, points + marker])
    placed = np.array([tuple(t.get_window_extent(renderer).extents) for t in fixed]).reshape(-1, 4)
    placed += [-pad, -pad, pad, pad]
    crowded = []
    to_data = ax.transData.inverted()
    for i, (text, (px, py)) in enumerate(zip(texts, points)):
        extent = text.get_window_extent(renderer)
        w, h = extent.width + 2 * pad, extent.height + 2 * pad
        step = max(h / 4, 1.0)
        k = np.arange(int(frame.height / step) + 2)
        dys = np.column_stack([k, -k]).ravel()[1:] * step  # 0, +s, -s, +2s, -2s, ...
        right_fits = px + gap + w <= inner[2]
        sides = np.array([1, -1] if right_fits else [-1, 1])
        dy = np.repeat(dys, 2)
        side = np.tile(sides, len(dys))
        x0 = np.where(side > 0, px + gap - pad, px - gap + pad - w)
        y0 = py + dy - h / 2
        boxes = np.column_stack([x0, y0, x0 + w, y0 + h])
        inside = (
            (boxes[:, 0] >= inner[0]) & (boxes[:, 1] >= inner[1]) & (boxes[:, 2] <= inner[2]) & (boxes[:, 3] <= inner[3])
        )
        others = np.delete(marks, i, axis=0)
        choice = None
        for obstacles in (np.vstack([placed, others]), placed):
            hits = _overlaps(boxes, obstacles)
            free = inside & (hits == 0)
            if free.any():
                choice = int(free.argmax())
                break
        if choice is None:  # overfull: least overlap, nearest first
            crowded.append(text.get_text())
            hits = np.where(inside, _overlaps(boxes, placed), np.iinfo(np.int64).max)
            choice = int(hits.argmin())
        box = boxes[choice]
        placed = np.vstack([placed, box])
        yc = (box[1] + box[3]) / 2
        if side[choice] > 0:
            anchor_x, halign = box[0] + pad, "left"
        else:
            anchor_x, halign = box[2] - pad, "right"
        text.set_horizontalalignment(halign)
        text.set_verticalalignment("center")
        text.set_position(to_data.transform((anchor_x, yc)))
        if abs(dy[choice]) > (h - 2 * pad) / 2:  # moved off its point: draw a leader
            ends = to_data.transform([(px, py), (anchor_x, yc)])
            leader = Line2D(ends[:, 0], ends[:, 1], color=colors[i], lw=0.6, alpha=0.8, zorder=2)
            leader.set_in_layout(False)
            ax.add_line(leader)
    if crowded:
        warnings.warn(
            f"could not place {len(crowded)} label(s) without overlap ({', '.join(crowded[:5])}); "
            "lower top= or enlarge the figure",
            RuntimeWarning,
            stacklevel=3,
        )


def _overlaps(boxes: np.ndarray, obstacles: np.ndarray) -> np.ndarray:
    """For each box (x0, y0, x1, y1), how many obstacles it overlaps (touching does not count)."""
    if len(obstacles) == 0:
        return np.zeros(len(boxes), dtype=np.int64)
    b, o = boxes[:, None, :], obstacles[None, :, :]
    hit = (b[..., 0] < o[..., 2]) & (o[..., 0] < b[..., 2]) & (b[..., 1] < o[..., 3]) & (o[..., 1] < b[..., 3])
    return hit.sum(axis=1)


# ------------------------------------------------------------------------------------ heatmaps


def _share_text(value: float) -> str:
    if np.isnan(value):
        return ""
    if 0 < value < 0.005:
        return "<1%"
    return f"{value:.0%}"


@_styled
def plot_label_heatmap(
    shares: pd.DataFrame,
    family: str | Sequence[str] | None = None,
    *,
    order: object = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of label shares, groups in rows and labels in columns, each cell annotated.

    Labels are ordered by overall share within their family; several families sit side by side
    with one colour scale. Missing (group, label) rows are left blank.

    Parameters
    ----------
    shares : DataFrame
        Shares table with columns ``group, family, label, share`` (and ``lower, upper``).
    family : str or list of str, optional
        Families to draw; all by default.
    order : sequence of group names, Series of slant positions, or divergence result, optional
        Row order, first on top; see :func:`plot_shares`.
    ax : Axes, optional
        Draw into this Axes (only when one family is drawn).

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.plots import plot_label_heatmap
    >>> table = pd.DataFrame({"group": ["A", "A", "B", "B"], "family": "actors",
    ...     "label": ["army", "militia"] * 2, "share": [.7, .3, .4, .6],
    ...     "lower": [.6, .2, .3, .5], "upper": [.8, .4, .5, .7]})
    >>> fig = plot_label_heatmap(table, order=["B", "A"])
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['B', 'A']
    """
    table, families, groups, labels = _shares_panels(shares, family, order)
    table = table[table["family"].isin(families)]
    if ax is not None and len(families) > 1:
        raise ParameterError(f"ax= takes one family; the table has {len(families)}: pass family=")

    top = table["share"].max()
    vmax = 1.0 if not np.isfinite(top) or top <= 0 else min(1.0, np.ceil(top * 20) / 20)
    own = ax is None
    if own:
        widths = [max(len(labels[f]), 1) for f in families]
        longest = max(len(str(g)) for g in groups)
        fig = _new_figure(
            min(1.2 + 0.065 * longest, 3.0) + 0.62 * sum(widths) + 1.0,
            1.9 + 0.36 * len(groups),
        )
        axes = list(fig.subplots(1, len(families), width_ratios=widths, sharey=True, squeeze=False)[0])
    else:
        fig, axes = _root_figure(ax), [ax]

    cmap = sns.color_palette("crest", as_cmap=True)
    for i, (panel, fam) in enumerate(zip(axes, families)):
        grid = (
            table[table["family"] == fam]
            .pivot(index="group", columns="label", values="share")
            .reindex(index=groups, columns=labels[fam])
            .to_numpy(float)
        )
        sns.heatmap(
            grid, ax=panel, vmin=0, vmax=vmax, cmap=cmap, mask=np.isnan(grid), cbar=False,
            annot=np.vectorize(_share_text, otypes=[str])(grid), fmt="", annot_kws={"fontsize": 7.5},
            linewidths=0.8, linecolor="white",
            xticklabels=[_literal(label) for label in labels[fam]],
            yticklabels=[_literal(g) for g in groups],
        )
        _slant_xticks(panel)
        panel.tick_params(axis="y", rotation=0, length=0, labelleft=i == 0)
        panel.set_xlabel("")
        panel.set_ylabel("")
        panel.set_title(str(fam), loc="left", fontweight="bold", parse_math=False)
    bar = fig.colorbar(axes[0].collections[0], ax=axes, shrink=0.85, aspect=25, pad=0.02,
                       format=PercentFormatter(1.0, decimals=0))
    bar.set_label("Share of the family's hits")
    bar.outline.set_visible(False)
    return _finish(fig, own)


def _square_frame(frame: object, name: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"divergence {name} must be a DataFrame, not {type(frame).__name__}", field=name)
    if frame.shape[0] != frame.shape[1] or set(frame.index) != set(frame.columns):
        raise InputError(f"divergence {name} must be square with the same groups in rows and columns", field=name)
    return frame


@_styled
def plot_distance_heatmap(divergence: object, *, alpha: float = 0.05, ax: Axes | None = None) -> Figure:
    """Heatmap of the group x group Jensen-Shannon divergences, ordered along the slant axis.

    Each off-diagonal cell shows its divergence; a ``*`` marks pairs whose ``.p_values`` entry is below
    ``alpha`` (when the result has p-values).

    Parameters
    ----------
    divergence : divergence result
        Object with ``.matrix`` (group x group DataFrame), optional ``.p_values`` (same shape) and
        optional ``.slant`` (Series indexed by group; sorted ascending gives the order).
    alpha : float, default 0.05
        Level for the ``*`` marks.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> from framelens.plots import plot_distance_heatmap
    >>> m = pd.DataFrame([[0, .2, .05], [.2, 0, .1], [.05, .1, 0]], index=list("ABC"), columns=list("ABC"))
    >>> result = SimpleNamespace(matrix=m, p_values=None, slant=pd.Series({"A": -1., "B": 1., "C": 0.}))
    >>> fig = plot_distance_heatmap(result)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['A', 'C', 'B']
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must lie in (0, 1), not {alpha!r}")
    matrix = _square_frame(getattr(divergence, "matrix", None), "matrix")
    slant = getattr(divergence, "slant", None)
    groups = _group_order(matrix.index, slant) if slant is not None else list(matrix.index)
    values = matrix.reindex(index=groups, columns=groups).apply(pd.to_numeric, errors="coerce").to_numpy(float, copy=True)
    np.fill_diagonal(values, np.nan)  # a group against itself says nothing

    p_values = getattr(divergence, "p_values", None)
    stars = np.zeros(values.shape, bool)
    if p_values is not None:
        p = _square_frame(p_values, "p_values").reindex(index=groups, columns=groups)
        stars = p.apply(pd.to_numeric, errors="coerce").to_numpy(float) < alpha
    annot = np.full(values.shape, "", dtype=object)
    for (r, c), v in np.ndenumerate(values):
        if not np.isnan(v):
            annot[r, c] = f"{v:.3f}" + ("*" if stars[r, c] else "")

    own = ax is None
    if own:  # not _axes(): the size reads the group names, and a caller's ax may take an empty matrix
        longest = max(len(str(g)) for g in groups)
        side = 0.7 * len(groups)
        fig = _new_figure(side + min(1.0 + 0.065 * longest, 3.0) + 1.1, side + min(0.9 + 0.05 * longest, 2.5))
        ax = fig.add_subplot()
    else:
        fig = _root_figure(ax)
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    sns.heatmap(
        values, ax=ax, vmin=0, vmax=top if top > 0 else 1.0, cmap=sns.color_palette("rocket_r", as_cmap=True),
        mask=np.isnan(values), annot=annot.astype(str), fmt="", annot_kws={"fontsize": 7.5},
        linewidths=0.8, linecolor="white", square=True,
        xticklabels=[_literal(g) for g in groups], yticklabels=[_literal(g) for g in groups],
        cbar_kws={"shrink": 0.8, "label": "Jensen-Shannon divergence", "pad": 0.03},
    )
    ax.collections[0].colorbar.outline.set_visible(False)
    _slant_xticks(ax)
    ax.tick_params(axis="y", rotation=0, length=0)
    ax.set_title("Divergence of label use" + (" (ordered by slant)" if slant is not None else ""),
                 loc="left", fontweight="bold")
    if stars.any():
        ax.set_xlabel(f"* p < {alpha:g}", loc="right")
    return _finish(fig, own)


# ---------------------------------------------------------------------------------------- slant


@_styled
def plot_slant(divergence: object, *, ax: Axes | None = None) -> Figure:
    """Dot plot of the 1-D slant positions, one row per group, sorted by position.

    Parameters
    ----------
    divergence : divergence result or Series
        Object with ``.slant`` (Series of positions indexed by group), or that Series itself.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.plots import plot_slant
    >>> fig = plot_slant(pd.Series({"A": 0.4, "B": -0.9, "C": 0.1}))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['B', 'C', 'A']
    """
    slant = getattr(divergence, "slant", divergence)
    if not isinstance(slant, pd.Series):
        raise InputError(f"slant must be a pandas Series indexed by group, not {type(slant).__name__}", field="slant")
    values = pd.to_numeric(slant, errors="coerce").astype(float).dropna().sort_values(kind="mergesort")
    if values.empty:
        raise InputError("slant has no numeric position", field="slant")

    longest = max(len(str(g)) for g in values.index)
    fig, ax, own = _axes(ax, 6.0 + min(0.065 * longest, 2.0), 1.1 + 0.32 * len(values))
    y = np.arange(len(values))
    lo, hi = values.min(), values.max()
    span = (hi - lo) or max(abs(hi), 1.0)
    ax.hlines(y, lo - 0.05 * span, hi + 0.05 * span, color="0.9", lw=0.8, zorder=0)
    if lo <= 0 <= hi:
        ax.axvline(0, color="0.6", lw=0.8, zorder=1)
    ax.scatter(values.to_numpy(), y, s=42, color=_POS_COLOR, zorder=3, lw=0)
    for yi, v in zip(y, values):  # the value beside each dot, for reports
        ax.annotate(f"{v:+.2f}", (v, yi), xytext=(7, 0), textcoords="offset points", va="center",
                    fontsize=7.5, color="0.35", parse_math=False, zorder=4,
                    path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.set_xlim(lo - 0.1 * span, hi + 0.2 * span)
    ax.set_yticks(y, [_literal(g) for g in values.index])
    ax.set_ylim(len(values) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("Slant position (the sign of the axis is arbitrary)")
    ax.set_title("Slant of each group", loc="left", fontweight="bold")
    return _finish(fig, own)


# ----------------------------------------------------------------------------------------- save


def save_figures(figures: Mapping[str, Figure], directory: str | os.PathLike) -> list[Path]:
    """Write each figure as ``<name>.png`` (dpi 120) into ``directory``, atomically.

    Each PNG is written to a temporary file in ``directory`` and renamed over the target, so a reader
    never sees a half-written file. Bytes are deterministic: the same figure gives the same file
    (no software/version metadata, pinned rcParams).

    Parameters
    ----------
    figures : mapping of str to Figure
        File stem (``".png"`` optional) to figure, written in mapping order.
    directory : path
        Created when missing.

    Returns
    -------
    list of Path
        The written files, in the order of ``figures``.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from framelens.plots import plot_slant, save_figures
    >>> fig = plot_slant(pd.Series({"A": 0.4, "B": -0.9}))
    >>> [p.name for p in save_figures({"slant": fig}, tempfile.mkdtemp())]
    ['slant.png']
    """
    directory = Path(directory)
    targets: dict[Path, Figure] = {}
    for name, fig in figures.items():
        if not isinstance(fig, Figure):
            raise ParameterError(f"figure {name!r} is a {type(fig).__name__}, not a matplotlib Figure")
        stem = str(name)[:-4] if str(name).lower().endswith(".png") else str(name)
        if (
            not isinstance(name, str) or not stem.strip() or stem in {".", ".."} or "\0" in stem
            or "/" in stem or "\\" in stem or (os.altsep and os.altsep in stem)
        ):
            raise ParameterError(f"figure name {name!r} is not a plain file name")
        target = directory / f"{stem}.png"
        if target in targets:
            raise ParameterError(f"two figures would be written to {target.name!r}")
        targets[target] = fig

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for target, fig in targets.items():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle, mpl.rc_context(_RC):
                fig.savefig(handle, format="png", dpi=DPI, metadata={"Software": None})
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; figures are meant to be shared
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
