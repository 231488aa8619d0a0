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


def test_slant_ends_list_each_label_once_when_few_labels_are_used(pages):
    """With fewer than ten labels in use, the table of the labels pulling each end of the slant axis
    used to list five from each end, so the same labels stood at both ends."""
    page = pages["small"][1].read_text(encoding="utf-8")
    table = page[page.index("Labels that pull each end of the slant axis"):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    negative, positive = [r[0] for r in rows], [r[1] for r in rows]
    assert negative and positive
    assert not set(negative) & set(positive), rows


NO_HITS = """\
name: no_hits
version: "1"
families:
  fruit:
    labels:
      apples: {patterns: [pomegranate juice]}
      pears: {patterns: [quincunx]}
"""


@pytest.fixture(scope="module")
def no_hit_pages(tmp_path_factory):
    """A lexicon that matches nothing in the corpus, through the two templates it used to stop."""
    base = tmp_path_factory.mktemp("nohits")
    corpus = write_corpus(base / "small.csv", TOO_SMALL)
    (base / "no_hits.yaml").write_text(NO_HITS, encoding="utf-8")

    def run(template, params):
        out = base / f"{template}.html"
        code = cli(["report", str(corpus), "--lexicon", str(base / "no_hits.yaml"), "--by", "source",
                    "--template", template, "--out", str(out), *params])
        return code, out

    jobs = {"lexicon_validation": ["--param", "per_label=3"],
            "batch_comparison": [*FAST[:4], "--param", "story=find"]}  # a corpus without a story column
    with ThreadPoolExecutor(2) as pool:
        futures = {t: pool.submit(run, t, params) for t, params in jobs.items()}
        return {t: f.result() for t, f in futures.items()}


def test_lexicon_validation_of_a_lexicon_without_hits_reports_its_dead_labels(no_hit_pages):
    code, out = no_hit_pages["lexicon_validation"]
    assert code == 0, "the Coverage section failed on a lexicon that matches nothing"
    page = out.read_text(encoding="utf-8")
    assert "2 label(s) never match in this corpus: apples, pears." in page
    assert "0 lines sampled from 0 labels" in page


def test_batch_comparison_with_a_lexicon_without_hits_says_so_and_goes_on(no_hit_pages):
    code, out = no_hit_pages["batch_comparison"]
    assert code == 0, "the keyness section failed on a lexicon that matches nothing"
    page = out.read_text(encoding="utf-8")
    section = page[page.index("3. Keyness of the labels"):page.index("4. Divergence")]
    assert "No label of the selected families matched anything: there is no keyness to compare." in section
    assert images(section) == 0
    assert "6. Limitations" in page
    # story="find" on documents (not a batch output): this template does not find stories; it used to say
    # "story is empty", which was not what the user had asked
    assert "story is empty" not in page
    assert "story='find': this report compares within a story column only" in page
