"""The README's Python tour runs as written (on the embedded corpus and a user-style CSV)."""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import framelens

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_python_tour_runs(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 2
    # the user's CSV of the tour: the sample under other column names
    sample = framelens.datasets.load_sample().docs
    sample.rename(columns={"text": "body", "source": "outlet", "date": "published"}).to_csv(tmp_path / "articles.csv", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert len(namespace["mine"]) == len(sample)
    assert namespace["result"].summary.loc["model", "macro_f1"] > namespace["result"].summary.loc["dummy", "macro_f1"]
    assert (tmp_path / "models" / "my_model" / "model_card.md").exists()
