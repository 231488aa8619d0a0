"""Figures for the actor tables, in the house style of :mod:`framelens.plots`.

Each function returns a :class:`matplotlib.figure.Figure` built without pyplot, under the pinned
rcParams of :mod:`framelens.plots` (fonts, sizes, colour-blind palette), laid out once and frozen so
that saving twice gives the same bytes.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ..errors import ParameterError
from ..plots import (
    _axes,
    _finish,
    _group_colors,
    _group_legend,
    _literal,
    _new_figure,
    _numeric,
    _require_frame,
    _root_figure,
    _styled,
)

#: construction colours: agent named (dark, warm) to agent hidden (light, grey)
CONSTRUCTION_COLORS = {"active": "#d55e00", "passive_agent": "#e69f00", "passive_agentless": "#56b4e9",
                       "intransitive": "#b0b0b0"}


@_styled
def dot_plot(table: pd.DataFrame, *, group: str, family: str, value: str, n: str | None = None, ax=None,
             xlabel: str = "", title: str = "", xlim: tuple[float, float] | None = None, percent: bool = False):
    """One row per group, one marker per family at ``value``; marker area grows with ``n``."""
    table = _require_frame(table, [group, family, value], "attribution")
    values = _numeric(table, value, "attribution")
    groups = list(pd.unique(table[group]))
    fams = list(pd.unique(table[family]))
    fig, ax, own = _axes(ax, 7.0, 0.42 * len(groups) + 1.4)
    colors = _group_colors(len(fams))
    sizes = _numeric(table, n, "attribution") if n and n in table.columns else pd.Series(20.0, index=table.index)
    scale = 120.0 / max(float(sizes.max()), 1.0)
    for i in range(0, len(groups), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="0.95", lw=0, zorder=0)
    offsets = np.linspace(-0.18, 0.18, len(fams)) if len(fams) > 1 else np.zeros(1)
    for f, (fam, color) in enumerate(zip(fams, colors)):
        mine = table[family] == fam
        y = table.loc[mine, group].map({g: i for i, g in enumerate(groups)}).to_numpy(float) + offsets[f]
        ax.scatter(values[mine].to_numpy(float), y, s=np.maximum(sizes[mine].to_numpy(float) * scale, 12),
                   color=color, edgecolor="white", linewidth=0.6, zorder=3, label=_literal(fam))
    ax.set_yticks(range(len(groups)), [_literal(g) for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="x", color="0.85", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontweight="bold", parse_math=False)
    handles = [Line2D([], [], marker="o", ls="", ms=6, color=c, label=_literal(f)) for f, c in zip(fams, colors)]
    if own:
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(fams), 4), frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _finish(fig, own)


@_styled
def stacked_constructions(table: pd.DataFrame, *, group: str, columns: Sequence[str], ax=None, title: str = "",
                          xlabel: str = ""):
    """Horizontal stacked bars of construction shares, one bar per (group, family)."""
    table = _require_frame(table, [group, "family", *columns], "agency")
    counts = pd.DataFrame({c: _numeric(table, c, "agency") for c in columns}).fillna(0.0)
    totals = counts.sum(axis=1)
    if (totals <= 0).all():
        raise ParameterError("agency table has no reports to plot")
    shares = counts.div(totals.where(totals > 0), axis=0).fillna(0.0)
    labels = [f"{g} · {f}" for g, f in zip(table[group], table["family"])]
    fig, ax, own = _axes(ax, 7.5, 0.3 * len(labels) + 1.5)
    left = np.zeros(len(labels))
    y = np.arange(len(labels))
    for c in columns:
        ax.barh(y, shares[c].to_numpy(), left=left, height=0.72, color=CONSTRUCTION_COLORS.get(c, "0.5"),
                edgecolor="white", linewidth=0.5, label=c.replace("_", " "))
        left += shares[c].to_numpy()
    for yi, total in zip(y, totals):
        ax.text(1.01, yi, f"n={int(total)}", va="center", ha="left", fontsize=7, color="0.3",
                transform=ax.get_yaxis_transform(), parse_math=False)
    ax.set_yticks(y, [_literal(lab) for lab in labels])
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontweight="bold", parse_math=False)
    if own:
        fig.legend(loc="outside lower center", ncols=len(columns), frameon=False)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), frameon=False)
    return _finish(fig, own)


@_styled
def tone_ranges(tone_df: pd.DataFrame, *, families: Sequence[str] | None = None, ax=None):
    """Tone point-ranges: families down the y axis, one colour per group."""
    table = _require_frame(tone_df, ["group", "family", "tone", "lower", "upper"], "tone")
    tone_v = _numeric(table, "tone", "tone")
    lower, upper = _numeric(table, "lower", "tone"), _numeric(table, "upper", "tone")
    present = [f for f in pd.unique(table["family"]) if tone_v[table["family"] == f].notna().any()]
    fams = present if families is None else list(families)
    unknown = [f for f in fams if f not in set(table["family"])]
    if unknown or not fams:
        raise ParameterError(f"family {unknown[0] if unknown else families!r} is not in the tone table; "
                             f"it has {', '.join(map(repr, present)) or 'no scored family'}")
    groups = list(pd.unique(table["group"]))
    colors = _group_colors(len(groups))
    fig, ax, own = _axes(ax, 7.0, (0.09 * len(groups) + 0.2) * len(fams) + 1.3)
    offsets = np.linspace(-0.3, 0.3, len(groups)) if len(groups) > 1 else np.zeros(1)
    for i in range(0, len(fams), 2):
        ax.axhspan(i - 0.5, i + 0.5, color="0.95", lw=0, zorder=0)
    ax.axvline(0.0, color="0.4", lw=0.8, zorder=1)
    pos = {f: i for i, f in enumerate(fams)}
    for g, (name, color) in enumerate(zip(groups, colors)):
        mine = (table["group"] == name) & table["family"].isin(fams) & tone_v.notna()
        if not mine.any():
            continue
        x = tone_v[mine].to_numpy(float)
        y = table.loc[mine, "family"].map(pos).to_numpy(float) + offsets[g]
        err = np.vstack([x - lower[mine].to_numpy(float), upper[mine].to_numpy(float) - x])
        ax.errorbar(x, y, xerr=np.nan_to_num(np.abs(err)), fmt="o", ms=3.8, color=color, ecolor=color,
                    elinewidth=1.3, capsize=0, zorder=3)
    ax.set_yticks(range(len(fams)), [_literal(f) for f in fams])
    ax.set_ylim(len(fams) - 0.5, -0.5)
    ax.set_xlim(-1.0, 1.0)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="0.85", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("Mean VADER compound score of sentences mentioning the family (bar: bootstrap interval)")
    ax.set_title("Tone toward each actor", loc="left", fontweight="bold", parse_math=False)
    _group_legend(fig, ax, groups, colors, own, "outside lower center")
    return _finish(fig, own)


@_styled
def descriptor_bars(table: pd.DataFrame, group: str, *, family: str | None = None, top: int = 8, ax=None):
    """The most distinctive descriptors of one group, one panel per family (bars = z)."""
    table = _require_frame(table, ["group", "family", "descriptor", "z"], "descriptors")
    rows = table[table["group"] == group]
    if rows.empty:
        raise ParameterError(f"group {group!r} is not in the descriptors table; groups: "
                             f"{', '.join(map(repr, pd.unique(table['group'])))}")
    fams = [family] if family is not None else list(pd.unique(rows["family"]))
    if ax is not None and len(fams) > 1:
        raise ParameterError("ax= takes one family; pass family=")
    heights = [max(min(top, int((rows["family"] == f).sum())), 1) for f in fams]
    if ax is None:
        fig = _new_figure(6.5, 0.22 * sum(heights) + 0.6 * len(fams) + 0.5)
        axes = list(fig.subplots(len(fams), 1, height_ratios=heights, squeeze=False)[:, 0])
        own = True
    else:
        fig, axes, own = _root_figure(ax), [ax], False
    for panel, fam in zip(axes, fams):
        sub = rows[rows["family"] == fam].sort_values("z", ascending=False).head(top)
        cross = sub["cross_family"].astype(bool).to_numpy() if "cross_family" in sub else np.zeros(len(sub), bool)
        colors = np.where(cross, "#cc78bc", "#0173b2")
        panel.barh(np.arange(len(sub)), sub["z"].to_numpy(float), color=colors, height=0.7)
        panel.set_yticks(np.arange(len(sub)), [_literal(t) for t in sub["descriptor"]])
        panel.set_ylim(len(sub) - 0.5, -0.5)
        panel.tick_params(axis="y", length=0)
        panel.set_title(f"{group} · {fam}", loc="left", fontweight="bold", parse_math=False)
        panel.grid(axis="x", color="0.85", lw=0.6)
        panel.set_axisbelow(True)
    axes[-1].set_xlabel("z of the log-odds against the other groups (pink: a term of another family)")
    return _finish(fig, own)
