"""Tests for framelens.plots on realistic synthetic comparison tables (6 outlets x 12 labels,
a 320-term log-odds keyness table, a JSD divergence result).

The tables are built here with the documented columns, independently of framelens.compare.
"""
from __future__ import annotations

import io
import itertools
import warnings
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check that nothing registers with it)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402
from scipy.spatial.distance import jensenshannon  # noqa: E402

from framelens import plots  # noqa: E402
from framelens.errors import InputError, ParameterError  # noqa: E402

OUTLETS = ["Daily Ledger", "$ex$ News", "The Morning Courier", "Harbor Times", "Global Wire", "Northern Star Network"]
FAMILIES = {
    "actors": ["militants", "fighters", "terrorists", "resistance", "armed group", "soldiers", "security forces",
               "civilians"],
    "violence": ["massacre", "clashes", "strike", "killing"],
}
WORDS = (
    "militants fighters ceasefire hostages occupation resistance terrorists airstrike offensive humanitarian "
    "corridor negotiations settlers checkpoint refugees casualties sovereignty insurgents retaliation "
    "bombardment withdrawal annexation sanctions diplomats militia paramilitary liberation incursion blockade "
    "escalation truce displacement atrocities self-defence provocation aggression security operation "
    "crackdown protesters uprising regime administration government spokesperson ministry officials "
    "witnesses hospital schoolchildren families neighbourhood infrastructure reconstruction aid convoy"
).split()


# ------------------------------------------------------------------------------ synthetic data


def _wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z / d * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def make_shares(seed=0):
    """Shares table: per outlet and family, multinomial counts with outlet-specific leanings."""
    rng = np.random.default_rng(seed)
    rows = []
    for gi, group in enumerate(OUTLETS):
        lean = (gi - 2.5) / 2.5
        n_docs = int(rng.integers(120, 400))
        for family, labels in FAMILIES.items():
            tilt = np.linspace(-0.8, 0.8, len(labels))[rng.permutation(len(labels))]
            p = rng.dirichlet(np.linspace(2.0, 0.5, len(labels)) * np.exp(lean * tilt) * 20)
            n = int(rng.integers(120, 600))
            for label, k in zip(labels, rng.multinomial(n, p)):
                lo, hi = _wilson(k, n)
                rows.append(dict(group=group, family=family, label=label, count=int(k), share=k / n, lower=lo,
                                 upper=hi, n_docs=n_docs, family_hits=n, note="few hits" if n < 200 else ""))
    return pd.DataFrame(rows)


def make_keyness(seed=1, n_terms=320, groups=("Daily Ledger",)):
    """Keyness table with Monroe et al.'s log-odds (informative Dirichlet prior) z-scores."""
    rng = np.random.default_rng(seed)
    syllables = ["ka", "ter", "mo", "lin", "vas", "ro", "del", "qui", "ste", "na", "bor", "ix", "pra", "gen", "tul"]
    terms = list(WORDS)
    while len(terms) < n_terms:
        word = "".join(rng.choice(syllables, size=int(rng.integers(1, 5))))
        if word not in terms:
            terms.append(word)
    base = (1.0 / np.arange(1, n_terms + 1) ** 0.9)[rng.permutation(n_terms)]
    frames = []
    for group in groups:
        effect = np.exp(rng.normal(0, 0.45, n_terms))
        yi, yj = rng.poisson(base * 9000 * effect), rng.poisson(base * 14000 / effect)
        ni, nj = yi.sum(), yj.sum()
        a = (yi + yj) / (ni + nj) * 500.0 + 0.01
        a0 = a.sum()
        delta = np.log((yi + a) / (ni + a0 - yi - a)) - np.log((yj + a) / (nj + a0 - yj - a))
        z = delta / np.sqrt(1 / (yi + a) + 1 / (yj + a))
        frames.append(pd.DataFrame(dict(
            term=terms, group=group, count=yi, count_other=yj, rate=yi / ni, rate_other=yj / nj,
            log_ratio=np.log2((yi + 0.5) / ni) - np.log2((yj + 0.5) / nj), log_odds=delta, z=z)))
    return pd.concat(frames, ignore_index=True)


def make_divergence(shares):
    """JSD matrix of the actors counts, made-up p-values, slant = first classical-MDS axis."""
    table = shares[shares["family"] == "actors"].pivot(index="group", columns="label", values="count")
    table = table.reindex(OUTLETS)
    jsd = np.array([[jensenshannon(table.loc[a], table.loc[b], base=2) ** 2 for b in OUTLETS] for a in OUTLETS])
    p = np.clip(0.3 - 12 * jsd, 0.001, 1)
    np.fill_diagonal(p, 1.0)
    centre = np.eye(len(OUTLETS)) - 1 / len(OUTLETS)
    w, v = np.linalg.eigh(-0.5 * centre @ jsd @ centre)
    return SimpleNamespace(
        matrix=pd.DataFrame(jsd, index=OUTLETS, columns=OUTLETS),
        p_values=pd.DataFrame(p, index=OUTLETS, columns=OUTLETS),
        slant=pd.Series(v[:, -1] * np.sqrt(w[-1]), index=OUTLETS),
        table=table,
    )


@pytest.fixture(scope="module")
def shares():
    return make_shares()


@pytest.fixture(scope="module")
def keyness():
    return make_keyness()


@pytest.fixture(scope="module")
def divergence(shares):
    return make_divergence(shares)


@pytest.fixture(scope="module")
def fightin(keyness):
    return plots.plot_fightin_words(keyness, top=20)


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, metadata={"Software": None})
    return buffer.getvalue()


BUILDERS = {
    "shares": lambda s, k, d: plots.plot_shares(s, order=d),
    "fightin": lambda s, k, d: plots.plot_fightin_words(k),
    "label_heatmap": lambda s, k, d: plots.plot_label_heatmap(s, order=d),
    "distance_heatmap": lambda s, k, d: plots.plot_distance_heatmap(d),
    "slant": lambda s, k, d: plots.plot_slant(d),
}


# ------------------------------------------------------------------------------------ all plots


@pytest.mark.parametrize("name", list(BUILDERS))
def test_figures_stay_out_of_pyplot_and_render_deterministically(name, shares, keyness, divergence, monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() called")

    monkeypatch.setattr(plt, "show", no_show)
    before = plt.get_fignums()
    first = BUILDERS[name](shares, keyness, divergence)
    second = BUILDERS[name](shares, keyness, divergence)
    assert isinstance(first, Figure)
    assert plt.get_fignums() == before  # nothing registered: notebooks render each figure once
    assert _png(first) == _png(second)  # no jitter, no hidden state between calls


@pytest.mark.parametrize("name", list(BUILDERS))
def test_dollar_in_names_is_drawn_literally(name, shares, divergence, monkeypatch):
    keyness = make_keyness(groups=("$ex$ News",))
    keyness.loc[keyness["z"].idxmax(), "term"] = "$ex$"  # a labelled term with dollars too
    drawn = []
    original = RendererAgg.draw_text

    def spy(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        drawn.append((s, ismath))
        return original(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    original_path = TextToPath.get_text_path

    def path_spy(self, prop, s, ismath=False, **kwargs):  # text with path effects (halos) is drawn as a path
        drawn.append((s, ismath))
        return original_path(self, prop, s, ismath=ismath, **kwargs)

    monkeypatch.setattr(RendererAgg, "draw_text", spy)
    monkeypatch.setattr(TextToPath, "get_text_path", path_spy)
    fig = BUILDERS[name](shares, keyness, divergence)
    fig.canvas.draw()
    assert not [s for s, ismath in drawn if ismath and "ex" in s]  # mathtext never started
    assert any("$ex$ News" in s and not ismath for s, ismath in drawn)
    if name == "fightin":
        assert ("$ex$", False) in drawn


# ---------------------------------------------------------------------------------- plot_shares


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_title(loc="left") in FAMILIES]


def test_shares_one_panel_per_family_with_labels_by_pooled_share(shares):
    fig = plots.plot_shares(shares)
    panels = _panels(fig)
    assert [ax.get_title(loc="left") for ax in panels] == ["actors", "violence"]
    for ax in panels:
        rows = shares[shares["family"] == ax.get_title(loc="left")]
        # oracle: pooled share = all counts / all family hits of the family
        pooled = rows.groupby("label")["count"].sum() / rows.groupby("label")["family_hits"].sum()
        expected = list(pooled.sort_values(ascending=False).index)
        assert [t.get_text() for t in ax.get_yticklabels()] == expected


def test_shares_points_and_intervals_are_the_table_values(shares, divergence):
    fig = plots.plot_shares(shares, order=divergence)
    order = list(divergence.slant.sort_values().index)
    for ax in _panels(fig):
        family = ax.get_title(loc="left")
        labels = [t.get_text() for t in ax.get_yticklabels()]
        containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert [c.get_label() for c in containers] == order
        ys = {}
        for container in containers:
            rows = shares[(shares["family"] == family) & (shares["group"] == container.get_label())]
            rows = rows.set_index("label").loc[labels]
            xy = container.lines[0].get_xydata()
            by_y = np.argsort(xy[:, 1])  # points come in table order; the y band names the label
            xy = xy[by_y]
            np.testing.assert_allclose(xy[:, 0], rows["share"])
            np.testing.assert_allclose(np.round(xy[:, 1]), np.arange(len(labels)))  # inside its label's band
            segments = np.array(container.lines[2][0].get_segments())[by_y]
            np.testing.assert_allclose(segments[:, 0, 0], rows["lower"])
            np.testing.assert_allclose(segments[:, 1, 0], rows["upper"])
            ys[container.get_label()] = xy[:, 1]
        # within every band the groups run top to bottom in slant order (y axis is inverted)
        stacked = np.array([ys[g] for g in order])
        assert (np.diff(stacked, axis=0) > 0).all()
        assert ax.yaxis_inverted()


def test_shares_legend_reads_in_group_order(shares, divergence):
    fig = plots.plot_shares(shares, order=divergence)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    entries = []
    for text in fig.legends[0].get_texts():
        box = text.get_window_extent(renderer)
        entries.append((-round(box.y0), box.x0, text.get_text().replace(r"\$", "$")))
    # as a reader reads it: top row first, left to right
    assert [name for *_, name in sorted(entries)] == list(divergence.slant.sort_values().index)
    assert len({row for row, *_ in entries}) == 2  # 6 outlets in two rows of three


def test_shares_order_selects_and_family_filters(shares):
    fig = plots.plot_shares(shares, family="violence", order=["Harbor Times", "Daily Ledger"])
    (ax,) = _panels(fig)
    assert ax.get_title(loc="left") == "violence"
    assert [c.get_label() for c in ax.containers] == ["Harbor Times", "Daily Ledger"]
    host = Figure()
    target = host.add_subplot()
    assert plots.plot_shares(shares, family="actors", ax=target) is host
    assert len(target.containers) == len(OUTLETS)


def test_shares_parameter_errors(shares):
    with pytest.raises(ParameterError, match="family 'framing'"):
        plots.plot_shares(shares, family="framing")
    with pytest.raises(ParameterError, match="Gazette"):
        plots.plot_shares(shares, order=["Daily Ledger", "Gazette"])
    with pytest.raises(ParameterError, match="ax= takes one family"):
        plots.plot_shares(shares, ax=Figure().add_subplot())


def test_shares_input_errors_name_row_and_field(shares):
    with pytest.raises(InputError) as err:
        plots.plot_shares(shares.drop(columns="upper"))
    assert err.value.field == "upper"
    bad = shares.astype({"share": object})
    bad.loc[7, "share"] = "n/a"
    with pytest.raises(InputError) as err:
        plots.plot_shares(bad)
    assert (err.value.row, err.value.field) == (7, "share")
    bad = shares.copy()
    bad.loc[3, "lower"] = bad.loc[3, "share"] + 0.1
    with pytest.raises(InputError) as err:
        plots.plot_shares(bad)
    assert (err.value.row, err.value.field) == (3, "lower")
    with pytest.raises(InputError, match="repeats"):
        plots.plot_shares(pd.concat([shares, shares.iloc[[5]]], ignore_index=True))


# --------------------------------------------------------------------------- plot_fightin_words


def _label_texts(ax):
    return [t for t in ax.texts if t.get_gid() == "framelens-fightin-label"]


def _assert_labels_clear(fig, ax):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = _label_texts(ax)
    boxes = [t.get_window_extent(renderer) for t in labels]
    keys = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == "framelens-fightin-key"]
    clashes = [(a.get_text(), b.get_text()) for (a, ba), (b, bb) in itertools.combinations(zip(labels, boxes), 2)
               if ba.overlaps(bb)]
    assert clashes == []
    assert not any(box.overlaps(key) for box in boxes for key in keys)
    frame = ax.get_window_extent(renderer)
    outside = [t.get_text() for t, b in zip(labels, boxes)
               if b.x0 < frame.x0 or b.x1 > frame.x1 or b.y0 < frame.y0 or b.y1 > frame.y1]
    assert outside == []
    return labels, boxes


def test_fightin_words_labels_the_top_terms_per_side(fightin, keyness):
    ax = fightin.axes[0]
    labels = _label_texts(ax)
    expected_pos = set(keyness.nlargest(20, "z")["term"])
    expected_neg = set(keyness.nsmallest(20, "z")["term"])
    assert {t.get_text() for t in labels} == expected_pos | expected_neg
    assert len(labels) == 40
    colours = {t.get_text(): matplotlib.colors.to_hex(t.get_color()) for t in labels}
    assert {colours[t] for t in expected_pos} == {plots._POS_TEXT}
    assert {colours[t] for t in expected_neg} == {plots._NEG_TEXT}
    grey = ax.collections[0].get_offsets()
    assert len(grey) == len(keyness)  # every term is a point
    np.testing.assert_allclose(np.asarray(grey)[:, 0], keyness["count"] + keyness["count_other"])
    np.testing.assert_allclose(np.asarray(grey)[:, 1], keyness["z"])
    assert ax.get_xscale() == "log"


def test_fightin_words_labels_do_not_overlap_and_stay_inside(fightin, keyness):
    ax = fightin.axes[0]
    labels, boxes = _assert_labels_clear(fightin, ax)
    # every label sits beside its point or is tied to it by a leader line
    renderer = fightin.canvas.get_renderer()
    leaders = {tuple(np.round(line.get_xydata()[0], 9)) for line in ax.lines if len(line.get_xydata()) == 2}
    points = keyness.set_index("term")
    for text, box in zip(labels, boxes):
        freq = points.loc[text.get_text(), "count"] + points.loc[text.get_text(), "count_other"]
        z = points.loc[text.get_text(), "z"]
        px, py = ax.transData.transform((freq, z))
        beside = box.y0 <= py <= box.y1 and min(abs(box.x0 - px), abs(box.x1 - px)) < 10
        assert beside or (round(freq, 9), round(z, 9)) in leaders, text.get_text()
    assert renderer is not None


def test_fightin_words_repels_inside_a_crowded_user_axes():
    keyness = make_keyness(seed=5, n_terms=3000, groups=("A", "B"))
    host = Figure(figsize=(11, 6), layout="constrained")
    FigureCanvasAgg(host)
    left, right = host.subplots(1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # room enough: no overlap fallback
        assert plots.plot_fightin_words(keyness, group="B", top=20, ax=right) is host
    assert len(_label_texts(right)) == 40
    _assert_labels_clear(host, right)


def test_fightin_words_warns_when_labels_cannot_fit():
    keyness = make_keyness(seed=5, n_terms=600)
    host = Figure(figsize=(2.5, 2.0))
    FigureCanvasAgg(host)
    with pytest.warns(RuntimeWarning, match="without overlap"):
        plots.plot_fightin_words(keyness, top=40, ax=host.add_subplot())


def test_fightin_words_parameter_and_input_errors(keyness):
    two = make_keyness(groups=("A", "B"))
    with pytest.raises(ParameterError, match="pass group="):
        plots.plot_fightin_words(two)
    with pytest.raises(ParameterError, match="'C'"):
        plots.plot_fightin_words(two, group="C")
    with pytest.raises(InputError, match="log_odds") as err:
        plots.plot_fightin_words(keyness.drop(columns=["log_odds", "z"]))  # e.g. a chi2 table
    assert err.value.field == "z"
    with pytest.raises(ParameterError, match="top"):
        plots.plot_fightin_words(keyness, top=-1)


# ----------------------------------------------------------------------------------- heatmaps


def _cells(ax):
    """Annotations of a seaborn heatmap as {(row, col): text}."""
    return {(int(t.get_position()[1]), int(t.get_position()[0])): t.get_text() for t in ax.texts}


def test_label_heatmap_annotates_each_cell_with_its_share(shares, divergence):
    fig = plots.plot_label_heatmap(shares, order=divergence)
    panels = _panels(fig)
    assert len(panels) == 2
    order = list(divergence.slant.sort_values().index)
    assert [t.get_text().replace(r"\$", "$") for t in panels[0].get_yticklabels()] == order
    for ax in panels:
        family = ax.get_title(loc="left")
        labels = [t.get_text() for t in ax.get_xticklabels()]
        rows = shares[shares["family"] == family].set_index(["group", "label"])["share"]
        cells = _cells(ax)
        assert len(cells) == len(order) * len(labels)
        for (r, c), text in cells.items():
            assert text == f"{rows[(order[r], labels[c])]:.0%}"
    # one colour scale for both panels
    assert panels[0].collections[0].get_clim() == panels[1].collections[0].get_clim()


def test_label_heatmap_leaves_missing_cells_blank(shares):
    missing = shares.drop(index=shares.index[(shares["group"] == "Harbor Times") & (shares["label"] == "strike")])
    fig = plots.plot_label_heatmap(missing, family="violence")
    (ax,) = _panels(fig)
    row = [t.get_text() for t in ax.get_yticklabels()].index("Harbor Times")
    col = [t.get_text() for t in ax.get_xticklabels()].index("strike")
    cells = _cells(ax)
    assert (row, col) not in cells
    assert len(cells) == len(OUTLETS) * 4 - 1


def test_distance_heatmap_follows_slant_and_marks_p_values(divergence):
    fig = plots.plot_distance_heatmap(divergence)
    ax = fig.axes[0]
    order = list(divergence.slant.sort_values().index)
    assert [t.get_text().replace(r"\$", "$") for t in ax.get_yticklabels()] == order
    assert [t.get_text().replace(r"\$", "$") for t in ax.get_xticklabels()] == order
    cells = _cells(ax)
    assert len(cells) == len(order) * (len(order) - 1)  # diagonal left blank
    starred = 0
    for (r, c), text in cells.items():
        a, b = order[r], order[c]
        star = divergence.p_values.loc[a, b] < 0.05
        starred += star
        assert text == f"{divergence.matrix.loc[a, b]:.3f}" + ("*" if star else "")
    assert 0 < starred < len(cells)  # the fixture has both kinds of cells


def test_distance_heatmap_rejects_a_non_square_matrix(divergence):
    bad = SimpleNamespace(matrix=divergence.matrix.iloc[:, :4], p_values=None, slant=None)
    with pytest.raises(InputError, match="square"):
        plots.plot_distance_heatmap(bad)


def test_slant_dot_plot_sorts_groups_by_position(divergence):
    fig = plots.plot_slant(divergence)
    ax = fig.axes[0]
    expected = divergence.slant.sort_values()
    assert [t.get_text().replace(r"\$", "$") for t in ax.get_yticklabels()] == list(expected.index)
    dots = np.asarray(ax.collections[-1].get_offsets())
    np.testing.assert_allclose(dots[:, 0], expected.to_numpy())
    assert plots.plot_slant(divergence.slant).axes[0].get_yticklabels()[0].get_text() == expected.index[0]
    with pytest.raises(InputError):
        plots.plot_slant([0.1, 0.2])


# -------------------------------------------------------------------------------- save_figures


def test_save_figures_writes_deterministic_pngs(tmp_path, divergence):
    fig = plots.plot_slant(divergence)
    paths = plots.save_figures({"slant": fig, "slant again.png": fig}, tmp_path / "figs")
    assert paths == [tmp_path / "figs" / "slant.png", tmp_path / "figs" / "slant again.png"]
    first, second = (p.read_bytes() for p in paths)
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    assert first == second
    assert b"matplotlib" not in first  # no version stamp that would change the bytes
    width, height = int.from_bytes(first[16:20], "big"), int.from_bytes(first[20:24], "big")
    assert (width, height) == tuple(int(v * 120) for v in fig.get_size_inches())  # Agg truncates
    again = plots.save_figures({"slant": plots.plot_slant(divergence)}, tmp_path / "figs")
    assert again[0].read_bytes() == first
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["slant again.png", "slant.png"]


def test_save_figures_is_atomic_on_failure(tmp_path, divergence, monkeypatch):
    fig = plots.plot_slant(divergence)
    (target,) = plots.save_figures({"slant": fig}, tmp_path)
    good = target.read_bytes()

    def broken(fname, **kwargs):
        fname.write(b"\x89PNG partial")
        raise OSError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        plots.save_figures({"slant": fig}, tmp_path)
    assert target.read_bytes() == good  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["slant.png"]  # no temporary left behind


def test_save_figures_rejects_bad_names_before_writing(tmp_path, divergence):
    fig = plots.plot_slant(divergence)
    for figures in ({"ok": fig, "../escape": fig}, {"a": fig, "a.png": fig}, {"": fig}, {"x": "not a figure"}):
        with pytest.raises(ParameterError):
            plots.save_figures(figures, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not Path(tmp_path.parent / "escape.png").exists()
