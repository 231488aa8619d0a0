"""Every notebook in notebooks/ runs on the embedded corpus: the report templates (through run_report,
with small bootstrap sizes), the course exercises as handed out (every check says "not yet", nothing
fails) and their solutions (every check passes). Notebooks are committed without outputs.

The notebooks run two at a time, in one module fixture, to keep the suite fast.
The guides (notebooks/guides/) run as they are; their key results are checked in their outputs.
"""
from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from framelens import reports

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = NOTEBOOKS / "exercises"
SOLUTIONS = EXERCISES / "solutions"
ALL = sorted(NOTEBOOKS.rglob("*.ipynb"))
TEMPLATE_PARAMS = {  # small sizes: the statistics are tested elsewhere, here the notebooks must run
    # story="find": the stories are found in the texts (the report tests cover the sample's event column)
    "source_comparison": {"n_boot": 100, "n_perm": 19, "top_n": 8, "kwic_n": 3, "date_bin": "quarter", "story": "find"},
    "classifier_report": {"n_splits": 3, "n_examples": 1},
    "lexicon_validation": {"per_label": 3},
    "batch_comparison": {"n_boot": 100, "n_perm": 19, "date_bin": "quarter", "story": "event"},  # on the corpus itself
}
CHECK_CALL = re.compile(r"^\s*(check_\w+)\(", re.M)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def run_one(path: Path, tmp: Path):
    started = time.perf_counter()
    if path.parent == NOTEBOOKS:
        params = {k: v for k, v in TEMPLATE_PARAMS[path.stem].items() if k in reports.template_parameters(path)}
        paths = reports.run_report("sample", None, None, tmp / f"{path.stem}.html", template=path.stem, params=params)
        nb = nbformat.read(paths.notebook, as_version=4)
    else:
        nb = reports.execute_notebook(path)
    return nb, time.perf_counter() - started


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebooks")
    results = {}
    with ThreadPoolExecutor(2) as pool:
        futures = {relative(p): pool.submit(run_one, p, tmp) for p in ALL}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # reported by the test of that notebook
                results[name] = exc
    return results


def outputs_text(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result"):
                texts.append(out.get("data", {}).get("text/plain", ""))
            elif out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
    return texts


def check_results(nb) -> list[str]:
    return [t for t in outputs_text(nb) if t.startswith("[passed]") or t.startswith("[not yet]")]


def check_calls(nb) -> list[str]:
    return [m for cell in nb.cells if cell.cell_type == "code" for m in CHECK_CALL.findall(cell.source)]


def test_the_notebook_set_is_complete():
    names = {relative(p) for p in ALL}
    for template in reports.TEMPLATES:
        assert f"notebooks/{template}.ipynb" in names
    students = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
    assert len(students) >= 3
    assert students == sorted(p.name for p in SOLUTIONS.glob("*.ipynb")), "each exercise needs its solution"


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{cell.get('id')} has outputs"
        assert "execution" not in cell.get("metadata", {})
    assert "widgets" not in nb["metadata"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert sum(c["cell_type"] == "markdown" for c in nb["cells"]) >= 4, "text cells explain each step"


@pytest.mark.parametrize("path", ALL, ids=relative)
def test_notebook_runs(path, executed):
    result = executed[relative(path)]
    if isinstance(result, Exception):
        raise result
    nb, seconds = result
    assert seconds < 120, f"{relative(path)} took {seconds:.0f} s"
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    stderr = [o["text"] for c in nb.cells for o in c.get("outputs", [])
              if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    assert not stderr, f"warnings or noise in {relative(path)}: {stderr[:2]}"
    if path.parent == EXERCISES:
        results = check_results(nb)
        assert len(results) == len(check_calls(nb)) >= 4
        assert all(r.startswith("[not yet]") for r in results), "the handed-out version must not pass by itself"
    elif path.parent == SOLUTIONS:
        results = check_results(nb)
        assert len(results) == len(check_calls(nb)) >= 4
        failed = [r for r in results if not r.startswith("[passed]")]
        assert not failed, failed


@pytest.mark.parametrize("path", [p for p in ALL if p.parent == NOTEBOOKS], ids=relative)
def test_template_figures_have_alt_text_and_explanations(path):
    nb = nbformat.read(path, as_version=4)
    figures = [c for c in nb.cells if c.cell_type == "code" and "show_figure(" in c.source]
    assert figures
    for cell in figures:
        assert cell.source.count("show_figure(") == cell.source.count("alt=")
    # each figure-making cell follows a text cell that says how to read it
    for i, cell in enumerate(nb.cells):
        if cell in figures:
            previous = next(c for c in reversed(nb.cells[:i]) if c.cell_type == "markdown")
            assert re.search(r"\b(read|shows?|plot|heatmap|chart)\b", previous.source, re.I), previous.source[:80]


def test_source_comparison_says_what_its_extractors_and_story_split_cannot_see():
    nb = nbformat.read(NOTEBOOKS / "source_comparison.ipynb", as_version=4)
    text = [c.source for c in nb.cells if c.cell_type == "markdown"]

    def section(start):
        return next(t for t in text if t.lstrip("#").lstrip().startswith(start))

    for part in ("7. Who speaks", "7.2 Who is named", "7.3 The tone"):
        assert "cannot see" in section(part), part
    story = section("8. Same story")
    for assumption in ("The stories are right", "Only shared stories are compared", "One order of the split"):
        assert assumption in story
    params = reports.template_parameters("source_comparison")
    assert params["story"] == "auto" and params["n_boot"] <= 1000 and params["n_perm"] <= 199


# --- guides (notebooks/guides/): walk-throughs whose executed outputs must show what their text says ---
GUIDES = NOTEBOOKS / "guides"


def cell_outputs(nb) -> dict[str, str]:
    """Each code cell's id → the text of its outputs (streams and text/plain), joined."""
    return {c.id: "\n".join(outputs_text(nbformat.v4.new_notebook(cells=[c])))
            for c in nb.cells if c.cell_type == "code"}


def executed_guide(executed, name: str):
    result = executed[relative(GUIDES / name)]
    if isinstance(result, Exception):
        raise result
    return result[0]


@pytest.mark.parametrize("path", [p for p in ALL if p.parent == GUIDES], ids=relative)
def test_guide_figures_have_alt_text(path, executed):
    nb = executed_guide(executed, path.name)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    for image in images:
        assert image.get("metadata", {}).get("image/png", {}).get("alt"), "a figure without alt text"
    assert len(images) == sum(c.source.count("show_figure(") for c in nb.cells if c.cell_type == "code")


def test_batch_scoring_guide_shows_its_results(executed):
    import framelens

    nb = executed_guide(executed, "batch_scoring.ipynb")
    n_docs = len(framelens.datasets.load_sample())
    text = cell_outputs(nb)
    everything = "\n".join(text.values())

    # step 2: every row of the archive is written or rejected; the two spoiled rows are the rejects
    counts = re.findall(r"read (\d+) = written (\d+) \+ rejected (\d+)", everything)
    assert len(counts) >= 2, "the first run and the rerun print their counts"
    for read, written, rejected in counts:
        assert (int(read), int(written), int(rejected)) == (n_docs + 2, n_docs, 2)
    assert "status: complete" in everything and "sha256-head-tail-1MiB" in everything
    rejects = [t for t in text.values() if "snippet" in t]
    assert rejects and "malformed JSON" in rejects[0] and "missing text" in rejects[0], "the rejects table"
    # step 3: the equality check against framelens.score ran to its end
    assert f"Same numbers as framelens.score for all {n_docs} documents" in everything
    # step 4: the rerun did nothing
    rerun = re.search(r"already complete: (\d+) of (\d+) parts", everything)
    assert rerun and int(rerun[1]) == int(rerun[2]) >= 2, "the rerun skips every part"
    # step 5: the command's summary lines reached stdout
    assert f"framelens: scored {n_docs} documents, rejected 2" in everything
    assert f"is already complete ({n_docs} documents scored, 2 rejected); nothing to do" in everything
    assert f"scores-cli/ and scores/ hold the same {n_docs} rows" in everything
    # step 6: the per-group table, its check and the comparisons (the figure: test_guide_figures_have_alt_text)
    assert re.search(r"\d+ groups: 6 outlets × \d+ months", everything)
    tables = [t for t in text.values() if "n_docs" in t and "month" in t and "share_rebels" in t]
    assert tables and "Orvane Wire" in tables[0] and "2024-10" in tables[0], "the aggregate table"
    assert "aggregate equals framelens.score(..., by=['source', 'month'])" in everything
    assert f"<BatchScores scores: {n_docs} documents, 44 labels of conflict_actors" in everything
    assert "keyness on the batch output equals keyness on the corpus in memory" in everything
    assert "log_odds" in everything and re.search(r"JSD\(.+\) = \d\.\d{3} bits", everything)
    assert any("family_hits" in t and "lower" in t for t in text.values()), "the shares table"
    # the temporary folder is gone and nothing was written beside the notebook
    assert re.search(r"deleted \S*framelens-batch-", everything)
    assert not any((GUIDES / name).exists() for name in ("archive", "scores", "scores-cli"))


# --- what the exercises tell students must hold on the corpus (no kernel: fast) ---
def markdown(path: Path, cell_id: str) -> str:
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.id == cell_id)


@pytest.mark.parametrize("folder", [EXERCISES, SOLUTIONS], ids=["exercise", "solution"])
def test_exercise_3_hint_join_gives_the_columns_it_names(folder):
    """The task 4 hint used to join kwic's lines with docs[["doc_id", "source", "event"]]: kwic already has
    'source', so the join gave source_x / source_y and value_counts of 'source' failed."""
    import framelens

    hint = markdown(folder / "03_framing_or_topic.ipynb", "cell-0009")
    columns = json.loads("[" + re.search(r'corpus\.docs\[\[(.*?)\]\]', hint)[1] + "]")
    corpus = framelens.datasets.load_sample()
    uses = framelens.kwic(corpus, "junta", window=0).merge(corpus.docs[columns], on="doc_id")
    assert {"source", "event"} <= set(uses.columns), list(uses.columns)
    assert uses["source"].value_counts(normalize=True).iloc[0] == 1.0  # junta: one outlet's word


@pytest.mark.parametrize("folder", [EXERCISES, SOLUTIONS], ids=["exercise", "solution"])
def test_exercise_2_right_reading_of_z_holds_on_the_corpus(folder):
    """Option b (the right one) used to say an outlet with a large z uses the word "more often than the
    other outlets together": Free Karvia Voice's 'regime' has z > 5 with fewer uses than the rest together."""
    import framelens

    option_b = next(line for line in markdown(folder / "02_compare_outlets.ipynb", "cell-0013").split("- **")
                    if line.startswith("b**"))
    kw = framelens.keyness(framelens.datasets.load_sample(), by="source")
    regime = kw[(kw["group"] == "Free Karvia Voice") & (kw["term"] == "regime")].iloc[0]
    assert regime["z"] > 5 and regime["count"] < regime["count_other"]
    assert "together" not in option_b and "rate" in option_b


def test_classifier_report_lexicon_share_counts_what_the_table_does_not_show(executed):
    """The note gave each class's share of lexicon features over all its stable features while the table
    above it shows only 8 of them (Continental Observer: 7 lexicon features of 8 shown, note "57%"); the
    note now says so and gives its counts, which must agree with the table."""
    import html as html_lib

    result = executed["notebooks/classifier_report.ipynb"]
    if isinstance(result, Exception):
        raise result
    pages = [html_lib.unescape(o["data"]["text/html"]) for c in result[0].cells for o in c.get("outputs", [])
             if "text/html" in o.get("data", {})]
    note = next(p for p in pages if "Share of lexicon features" in p)
    table = next(p for p in pages if "Stable top features per class" in p)
    counts = {c.strip(): (int(pct), int(k), int(n))
              for c, pct, k, n in re.findall(r"([^:,]+): (\d+)% \((\d+) of (\d+)\)", note.split("): ", 1)[1])}
    rows = re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>", table)
    assert counts and {c for c, _ in rows} == set(counts)
    for cls, (pct, k, n) in counts.items():
        kinds = [kind for c, kind in rows if c == cls]
        assert len(kinds) == min(8, n) and kinds.count("lexicon") <= k and len(kinds) - kinds.count("lexicon") <= n - k
        assert pct == round(100 * k / n)
