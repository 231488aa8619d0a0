"""The source_comparison report on a four-document corpus, run through the CLI.

With four short articles no word reaches keyness' minimum count (5 uses in the corpus), so the
word table is empty; the Keyness section used to stop the whole report there ("group 'Herald' is not
in the keyness table"). It must instead say so and go on with the lexicon labels. A corpus just big
enough for a few words keeps its Fightin' Words plots.
"""
from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import framelens
from framelens.cli.main import main as cli

FAST = ["--param", "n_boot=100", "--param", "n_perm=19", "--param", "kwic_n=2"]

TOO_SMALL = [  # 4 documents, 2 sources: no word is used 5 times
    ("w1", "Wire", "Rebels attacked a checkpoint near Dara."),
    ("w2", "Wire", "Government forces shelled rebel positions."),
    ("h1", "Herald", "Insurgents ambushed an army convoy."),
    ("h2", "Herald", "Security forces repelled insurgents at the bridge."),
]
JUST_ENOUGH = [  # 4 documents, 2 sources: "the" (and "said") pass the minimum count
    ("w1", "Wire", "Rebels attacked a checkpoint near the border town on Monday, and government forces said "
                   "they repelled the assault. Two soldiers were wounded, officials said."),
    ("w2", "Wire", "Government forces shelled positions held by rebels outside the capital. The rebels claimed "
                   "they had captured a supply depot."),
    ("h1", "Herald", "Insurgents ambushed an army convoy on the northern highway, killing three soldiers, the "
                     "ministry said. The army vowed to hunt down the terrorists."),
    ("h2", "Herald", "Security forces pushed the insurgents back from the river crossing after heavy fighting. "
                     "Terrorists had mined the road, according to the government."),
]


def write_corpus(path: Path, rows) -> Path:
    pd.DataFrame(rows, columns=["doc_id", "source", "text"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Both corpora through ``framelens report`` (two kernels at a time): exit code and HTML section 3."""
    base = tmp_path_factory.mktemp("tiny")

    def run(name, rows):
        corpus = write_corpus(base / f"{name}.csv", rows)
        out = base / f"{name}.html"
        code = cli(["report", str(corpus), "--lexicon", "conflict_actors", "--by", "source", "--out", str(out), *FAST])
        return code, out

    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(run, name, rows) for name, rows in (("small", TOO_SMALL), ("enough", JUST_ENOUGH))}
        return {name: f.result() for name, f in futures.items()}


def keyness_section(page: str) -> str:
    return page[page.index("3. Keyness"):page.index("4. Divergence")]


def images(html: str) -> int:
    return len(re.findall(r"<img\b", html))


def test_the_small_corpus_really_has_no_word_to_compare(tmp_path):
    corpus = framelens.read_corpus(write_corpus(tmp_path / "small.csv", TOO_SMALL))
    assert framelens.keyness(corpus, by="source").empty  # the edge case the report must survive
    assert not framelens.keyness(framelens.read_corpus(write_corpus(tmp_path / "enough.csv", JUST_ENOUGH)),
                                 by="source").empty


def test_report_on_four_documents_completes_and_says_why_words_are_missing(pages):
    code, out = pages["small"]
    assert code == 0 and out.exists() and out.with_suffix(".ipynb").exists()
    section = keyness_section(out.read_text(encoding="utf-8"))
    assert "No word occurs at least 5 times in the corpus" in section
    assert images(section) == 0  # no Fightin' Words plot of an empty table
    assert "Words each group uses more than the rest" not in section
    labels = section[section.index("Lexicon labels each group uses more than the rest"):]
    assert "rebels" in labels and "insurgents" in labels  # the label comparison still runs
    nb = json.loads(out.with_suffix(".ipynb").read_text(encoding="utf-8"))
    assert all(o["output_type"] != "error" for c in nb["cells"] for o in c.get("outputs", []))
    assert "9. Limitations" in out.read_text(encoding="utf-8")  # every later section ran


def test_report_keeps_the_word_plots_when_some_words_are_frequent_enough(pages):
    code, out = pages["enough"]
    assert code == 0
    section = keyness_section(out.read_text(encoding="utf-8"))
    assert "No word occurs at least" not in section
    assert images(section) == 2  # one Fightin' Words plot per end of the slant axis (two sources)
    words = section[section.index("Words each group uses more than the rest"):]
    assert "Herald" in words and "Wire" in words
