"""Shared fixtures: realistic small news data, and the third-party corpora beside the repository."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from framelens.lexicon import Family, Label, Lexicon, Pattern

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRAMELENS_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "seed" / "000_bf36275df13a3117.txt"


def need_shared(path: Path) -> Path:
    """Skip (with the reason) when a third-party file in ../shared is not present."""
    if not path.exists():
        pytest.skip(f"third-party data not present: {path} (../shared is not beside this checkout)")
    return path


def mini_lexicon() -> Lexicon:
    """A small conflict-actors lexicon (two families, seven labels) for scoring tests.

    A plain function rather than a fixture: tests call it inside helpers and write it to YAML for
    the CLI; import it with ``from conftest import mini_lexicon``.
    """
    p = lambda *xs: tuple(Pattern(x) for x in xs)  # noqa: E731
    return Lexicon(
        name="mini", version="1",
        families=(
            Family("armed_opposition", (
                Label("rebels", p("rebel", "rebels", "rebel fighters")),
                Label("insurgents", p("insurgen*")),
                Label("terrorists", p("terrorist", "terrorists")),
            )),
            Family("government_side", (
                Label("army", p("army")),
                Label("regime_forces", p("regime forces")),
                Label("pro_government_forces", p("pro-government forces", "pro-government")),
                Label("government_forces", p("government forces")),
            )),
        ),
    )


def interrupted_run(monkeypatch, after: int, run) -> None:
    """Call ``run()`` (batch scoring with ``jobs=1``) so that it stops with KeyboardInterrupt once
    ``after`` parts are done, as a crash mid-run would; scoring works normally again afterwards."""
    from framelens.batch import local as batch_local

    real = batch_local.process_chunk
    done = {"n": 0}

    def process_chunk(chunk, settings):
        if done["n"] == after:
            raise KeyboardInterrupt
        done["n"] += 1
        return real(chunk, settings)

    monkeypatch.setattr(batch_local, "process_chunk", process_chunk)
    with pytest.raises(KeyboardInterrupt):
        run()
    monkeypatch.setattr(batch_local, "process_chunk", real)


@pytest.fixture
def seed_text() -> str:
    return need_shared(SEED).read_text(encoding="utf-8")


@pytest.fixture
def news_frame() -> pd.DataFrame:
    """Six short wire-style reports from three outlets."""
    return pd.DataFrame({
        "id": ["w1", "w2", "h1", "h2", "p1", "p2"],
        "outlet": ["Wire", "Wire", "Herald", "Herald", "Post", "Post"],
        "published": ["2024-03-01", "2024-03-02", "2024-03-01", "2024-04-02", "2024-03-03", "2024-04-05"],
        "headline": ["Rebels advance", "Army retakes town", "Insurgents strike", "Regime shells market",
                     "Terrorists attack base", "Rebel fighters regroup"],
        "body": [
            "Rebels advanced on the town on Sunday. The army said it repelled the attack.",
            "Government forces retook the town, the army said. Rebel fighters withdrew.",
            "Insurgents struck an army post. Pro-government forces claimed 12 insurgents were killed.",
            "Regime forces shelled the market, killing 9 civilians, rebels said.",
            "Terrorists attacked a base. The army said 4 terrorists died.",
            "Rebel fighters regrouped north of the city. Regime forces denied losses.",
        ],
        "section": ["world"] * 6,
    })
