"""docs/batch.md stays true: each of its Python and shell blocks runs, in a fresh folder, on the
embedded corpus (the block that writes the example archive first, then the others in order).

The one block left out starts a Dask scheduler and workers by hand; the Dask engine itself is tested
in test_batch_dask.py.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "batch.md"
BLOCK = re.compile(r"```(python|bash)\n(.*?)```", re.S)


def doc_blocks() -> list[tuple[str, str]]:
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    setup = [b for b in blocks if "load_sample" in b[1]]
    return setup + [b for b in blocks if b not in setup and "dask scheduler" not in b[1]]


def test_the_batch_guide_has_its_example_archive_and_its_blocks():
    blocks = doc_blocks()
    assert "load_sample" in blocks[0][1]  # the archive the other blocks read
    assert {lang for lang, _ in blocks} == {"python", "bash"} and len(blocks) >= 8


def test_every_block_of_the_batch_guide_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # the framelens command of this interpreter's environment, as a user's shell would find it
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    namespace: dict = {}
    for i, (lang, code) in enumerate(doc_blocks()):
        where = f"docs/batch.md, block {i} ({lang}):\n{code}"
        if lang == "bash":
            done = subprocess.run(["bash", "-e", "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 0, f"{where}\nstderr: {done.stderr[-2000:]}"
        else:
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the project's own documentation
    # what the guide says the blocks give
    assert (tmp_path / "scores" / "_manifest.json").exists()
    assert list(namespace["by_source"].columns[:2]) == ["source", "n_docs"]
