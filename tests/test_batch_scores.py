"""framelens.batch.load_scores: the comparisons on a batch output's counts equal them on the corpus.

The oracle is the in-memory path (``framelens.read_corpus`` on the same input, then the same
comparison), whose statistics are checked against hand-computed values in test_keyness.py,
test_shares.py, test_divergence.py and test_stratified.py. Here the batch output must give the same
tables, bit for bit, through Python and through the CLI.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.batch import load_scores, score_files
from framelens.batch.scores import is_batch_output
from framelens.compare import decompose
from framelens.corpus import CorpusWarning
from framelens.errors import ParameterError
from framelens.scoring import count_matrix

LEXICON = "conflict_actors"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The embedded corpus as a JSONL input with its story column, a few dates missing."""
    folder = tmp_path_factory.mktemp("archive")
    docs = framelens.datasets.load_sample().docs.copy()
    docs.loc[docs.index % 17 == 3, "date"] = pd.NaT  # a "(missing)" month group
    docs.to_json(folder / "news.jsonl", orient="records", lines=True, date_format="iso", force_ascii=False)
    return folder / "news.jsonl"


@pytest.fixture(scope="module")
def corpus(archive):
    return framelens.read_corpus(archive)


@pytest.fixture(scope="module")
def scored(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("scored") / "scores"
    result = score_files(archive, LEXICON, out, jobs=1, chunk_size=50, keep=["event"], progress=False)
    assert result.rejected == 0 and result.written == 348
    return load_scores(out)


@pytest.mark.parametrize("out", ["dir.parquet/", "dir_csv/", "dir_jsonl/", "one.parquet", "one.csv", "one.jsonl"])
def test_counts_tokens_and_groups_equal_the_corpus_for_every_output_layout(archive, corpus, tmp_path, out):
    fmt = {"dir_csv/": "csv", "dir_jsonl/": "jsonl"}.get(out)
    result = score_files(archive, LEXICON, str(tmp_path / out), jobs=1, chunk_size=60, format=fmt, progress=False)
    assert is_batch_output(result.output)
    scores = load_scores(result.output, lexicon=LEXICON)
    matrix, labels = count_matrix(corpus, LEXICON)
    assert scores.label_ids == labels and len(scores) == len(corpus) == 348
    assert (scores.counts != matrix).nnz == 0 and scores.counts.dtype == np.int64
    np.testing.assert_array_equal(scores.tokens, framelens.score(corpus, LEXICON)["tokens"].to_numpy())
    assert scores.docs["doc_id"].tolist() == corpus.docs["doc_id"].tolist()
    for by in ("source", "month", ["source", "quarter"]):
        pd.testing.assert_series_equal(scores.groups(by), corpus.groups(by), check_index=False)
    assert (scores.groups("month") == "(missing)").sum() == corpus.docs["date"].isna().sum() > 0


@pytest.mark.parametrize("kwargs", [
    dict(by="source"),
    dict(by=["source", "month"], method="g2"),
    dict(by="source", reference="pairs", method="chi2"),
    dict(by="lean", within="event"),
])
def test_keyness_of_the_labels_equals_the_corpus(scored, corpus, archive, kwargs, tmp_path):
    if kwargs["by"] == "lean":  # a kept field is a group key like any other
        out = tmp_path / "lean"
        score_files(archive, LEXICON, out, jobs=1, keep=["event", "lean"], progress=False)
        scored = load_scores(out)
    got = framelens.keyness(scored, lexicon=LEXICON, **kwargs)
    expected = framelens.keyness(corpus, lexicon=LEXICON, **kwargs)
    assert len(got) > 10
    pd.testing.assert_frame_equal(got, expected)


def test_shares_divergence_and_decomposition_equal_the_corpus(scored, corpus):
    pd.testing.assert_frame_equal(framelens.shares(scored, LEXICON, by="source", n_boot=300, seed=4),
                                  framelens.shares(corpus, LEXICON, by="source", n_boot=300, seed=4))
    pd.testing.assert_frame_equal(
        framelens.shares(scored, LEXICON, family="armed_opposition", by="source", within="event", n_boot=200, seed=2),
        framelens.shares(corpus, LEXICON, family="armed_opposition", by="source", within="event", n_boot=200, seed=2))
    got = framelens.divergence(scored, LEXICON, family="armed_opposition", by="source", n_perm=99, seed=3)
    expected = framelens.divergence(corpus, LEXICON, family="armed_opposition", by="source", n_perm=99, seed=3)
    pd.testing.assert_frame_equal(got.to_frame(), expected.to_frame())
    pd.testing.assert_series_equal(got.slant, expected.slant)
    pd.testing.assert_frame_equal(decompose(scored, LEXICON, by="source", story="event"),
                                  decompose(corpus, LEXICON, by="source", story="event"))


def test_the_provenance_names_the_batch_run_and_its_lexicon(scored):
    table = framelens.shares(scored, LEXICON, by="source", n_boot=50)
    record = table.attrs["framelens"]
    manifest = json.loads((scored.output / "_manifest.json").read_text(encoding="utf-8"))
    assert record["corpus"]["n_docs"] == 348 and str(scored.output) in record["corpus"]["name"]
    assert record["corpus"]["batch"]["inputs"] == 1 and record["corpus"]["sha256"] == scored.fingerprint
    assert record["lexicon"]["sha256"] == manifest["lexicon"]["sha256"] == framelens.load_lexicon(LEXICON).fingerprint
    assert record["params"]["n_boot"] == 50


def test_what_needs_the_texts_says_so(scored):
    with pytest.raises(ParameterError, match="holds label counts, not texts: n-gram keyness"):
        framelens.keyness(scored, by="source")
    with pytest.raises(ParameterError, match=r"finding stories \(within='story'\)"):
        framelens.keyness(scored, by="source", lexicon=LEXICON, within="story")
    with pytest.raises(ParameterError, match=r"no column 'nope' in the batch output; .* keep a story column when "
                                             r"scoring \(--keep-column, keep=\)"):
        framelens.shares(scored, LEXICON, by="source", within="nope")
    # the report's story parameter: no "find stories" offered where there is no text
    from framelens.reports import story_column

    with pytest.raises(ParameterError, match=r"no column 'nope' in the batch output; .*--keep-column event\), or "
                                             r"give an empty value") as err:
        story_column(scored, "nope")
    assert "find" not in str(err.value)
    for call in (lambda: framelens.score(scored, LEXICON, by="source"), lambda: framelens.match(scored, LEXICON),
                 lambda: framelens.kwic(scored, "rebels")):
        with pytest.raises(ParameterError, match=r"per-document scores already.*framelens\.batch\.aggregate"):
            call()


def test_another_lexicon_is_refused(scored, tmp_path):
    with pytest.raises(ParameterError, match=r"scored with lexicon conflict_actors .* not with attribution"):
        framelens.shares(scored, "attribution", by="source")
    with pytest.raises(ParameterError, match="not with attribution"):
        load_scores(scored.output, lexicon="attribution")
    # the same name and version with its labels in another order counts otherwise (ties): refused, and said so
    lexicon = framelens.load_lexicon(LEXICON)
    family = lexicon.families[0]
    reordered = dataclasses.replace(lexicon, families=(dataclasses.replace(family, labels=family.labels[::-1]),
                                                       *lexicon.families[1:]))
    with pytest.raises(ParameterError, match=r"same name and version, other content"):
        framelens.shares(scored, reordered, by="source")


def test_rejected_rows_are_not_documents_and_unfinished_runs_are_refused(archive, tmp_path):
    lines = archive.read_text(encoding="utf-8").splitlines(keepends=True)
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text("".join(lines[:40]) + "{not json\n" + '{"doc_id": "x", "source": "Wire"}\n' + "".join(lines[40:]),
                     encoding="utf-8")
    result = score_files(dirty, LEXICON, tmp_path / "out", jobs=1, progress=False)
    assert (result.read, result.written, result.rejected) == (350, 348, 2)
    scores = load_scores(tmp_path / "out")
    assert len(scores) == 348 and "x" not in set(scores.docs["doc_id"])
    assert scores.docs["row"].tolist() == [*range(1, 41), *range(43, 351)]  # line numbers in the file

    manifest = tmp_path / "out" / "_manifest.json"
    record = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**record, "status": "running"}), encoding="utf-8")
    with pytest.raises(ParameterError, match="not complete"):
        load_scores(tmp_path / "out")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "a", "text": null}\n', encoding="utf-8")
    score_files(bad, LEXICON, tmp_path / "none", jobs=1, progress=False)
    with pytest.raises(ParameterError, match=r"holds no scored document \(1 read, 1 rejected\)"):
        load_scores(tmp_path / "none")
    with pytest.raises(ParameterError, match="no batch manifest"):
        load_scores(tmp_path)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "framelens", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_framelens_compare_reads_what_framelens_score_wrote(archive, tmp_path):
    done = _cli("score", str(archive), "--lexicon", LEXICON, "--out", "scores/", "--keep-column", "event", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for method, extra in (("shares", ["--n-boot", "200"]), ("divergence", ["--n-perm", "49", "--family", "armed_opposition"]),
                          ("log_odds_dirichlet", ["--by", "source,quarter"]), ("cmh", ["--within", "event"])):
        a = _cli("compare", "scores/", "-l", LEXICON, "-m", method, *extra, "--out", f"{method}_batch.csv", cwd=tmp_path)
        b = _cli("compare", str(archive), "-l", LEXICON, "-m", method, *extra, "--out", f"{method}_corpus.csv",
                 cwd=tmp_path)
        assert a.returncode == b.returncode == 0, a.stderr + b.stderr
        assert (tmp_path / f"{method}_batch.csv").read_bytes() == (tmp_path / f"{method}_corpus.csv").read_bytes()
        assert len(pd.read_csv(tmp_path / f"{method}_batch.csv")) > 5
    single = _cli("score", str(archive), "--lexicon", LEXICON, "--jobs", "1", "--out", "one.parquet", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    c = _cli("compare", "one.parquet", "-l", LEXICON, "-m", "shares", "--n-boot", "200", "--out", "one.csv", cwd=tmp_path)
    assert c.returncode == 0, c.stderr
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "shares_corpus.csv").read_bytes()

    no_lexicon = _cli("compare", "scores/", cwd=tmp_path)
    assert no_lexicon.returncode == 2
    assert "is batch output (label counts, no texts): give --lexicon, the one it was scored with (conflict_actors" \
        in no_lexicon.stderr and "Traceback" not in no_lexicon.stderr
    assert "what 'framelens score --out' wrote" in " ".join(_cli("compare", "--help", cwd=tmp_path).stdout.split())


@pytest.mark.parametrize("name", ["mem.parquet", "mem.csv", "mem.jsonl"])
def test_compare_on_a_score_table_without_a_manifest_says_what_to_give(archive, tmp_path, name):
    """framelens score without batch mode writes scores and no manifest: not a corpus, not batch output."""
    assert _cli("score", str(archive), "-l", LEXICON, "--out", name, cwd=tmp_path).returncode == 0
    assert not is_batch_output(tmp_path / name)
    done = _cli("compare", name, "-l", LEXICON, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{name} holds scores, not documents" in done.stderr and "--jobs N --out DIR/" in done.stderr


def _outputs(notebook: Path) -> dict[str, list]:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}


def test_the_batch_comparison_report_equals_it_on_the_documents_and_is_byte_identical(archive, tmp_path):
    """framelens report on a batch output picks the batch_comparison template; its sections equal the
    same template's on the input file (read as a corpus), and a second run gives the same bytes."""
    out = tmp_path / "scores"
    score_files(archive, LEXICON, out, jobs=1, keep=["event"], progress=False)
    params = ["--param", "n_boot=100", "--param", "n_perm=19", "--param", "story=event", "--param", "date_bin=quarter"]
    runs = [_cli("report", str(out), "-l", LEXICON, "--out", f"run{i}/report.html", *params, cwd=tmp_path)
            for i in (1, 2)]
    on_corpus = _cli("report", str(archive), "-l", LEXICON, "--template", "batch_comparison", "--out",
                     "corpus/report.html", *params, cwd=tmp_path)
    for done in (*runs, on_corpus):
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "run1/report.html").read_bytes() == (tmp_path / "run2/report.html").read_bytes()
    assert (tmp_path / "run1/report.ipynb").read_bytes() == (tmp_path / "run2/report.ipynb").read_bytes()
    batch, corpus = _outputs(tmp_path / "run1/report.ipynb"), _outputs(tmp_path / "corpus/report.ipynb")
    # the provenance and the run's own section differ (a batch output names its run and inputs) ...
    page = (tmp_path / "run1/report.html").read_text(encoding="utf-8")
    assert "The inputs of the batch run" in page and "348 rows read, 348 documents scored, 0 rejected" in page
    assert f"batch output {out.name}" in page or f"batch output {out}" in page
    # ... every comparison is the same, figures included
    compared = [cid for cid in batch if cid not in ("cell-0002", "cell-0003", "cell-0005")]
    assert len(compared) >= 7
    for cid in compared:
        assert batch[cid] == corpus[cid], cid
    figures = sum("image/png" in o.get("data", {}) for cid in compared for o in batch[cid])
    assert figures >= 10  # heatmaps, shares, Fightin' Words, divergence, slant, within-story plots
    assert not any(o.get("output_type") == "error" for outs in batch.values() for o in outs)


def test_text_reports_refuse_a_batch_output(archive, tmp_path):
    from framelens.reports import run_report

    out = tmp_path / "scores"
    score_files(archive, LEXICON, out, jobs=1, progress=False)
    for template in ("source_comparison", "lexicon_validation"):
        with pytest.raises(ParameterError, match=f"the {template} report needs the documents; use the batch_comparison"):
            run_report(str(out), LEXICON, "source", tmp_path / "r.html", template=template)
    with pytest.raises(ParameterError, match="do not apply to"):
        run_report(str(out), LEXICON, "source", tmp_path / "r.html", template="batch_comparison",
                   read_options={"text": "body"})
    assert not (tmp_path / "r.html").exists()


def test_groups_keys_and_reading_issues_of_a_messy_archive(tmp_path):
    """Found in review: a column the output lacks is an error (not one "(missing)" group), messages name
    the batch output and its columns, duplicate ids are reported, and an empty and a missing source
    are one group in the summary as everywhere else."""
    rows = [{"doc_id": "a", "source": "Wire", "text": "Rebels advanced."},
            {"doc_id": "b", "source": "", "text": "The army said so."},
            {"doc_id": "c", "source": None, "text": "Insurgents struck."},
            {"doc_id": "a", "source": "Post", "text": "Terrorists attacked."}]
    path = tmp_path / "messy.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    score_files(path, LEXICON, tmp_path / "out", jobs=1, progress=False)
    scores = load_scores(tmp_path / "out")
    for key in ("title", "text", "outlet"):
        with pytest.raises(ParameterError, match=rf"by: no column '{key}' in the batch output; columns: doc_id, "
                                                 r"source, date, file, row;"):
            framelens.shares(scores, LEXICON, by=key)
    assert scores.issues["issue"].tolist() == ["duplicate id: a, kept and counted"] * 2
    assert scores.issues["row"].tolist() == [1, 4]
    summary = scores.summary()
    assert summary.loc["(missing)", "docs"] == 2 and "" not in summary.index
    with pytest.warns(CorpusWarning, match="duplicate id"):
        corpus_summary = framelens.read_corpus(pd.DataFrame(rows), on_duplicate="first").summary()
    assert "" not in corpus_summary.index and corpus_summary.loc["(missing)", "docs"] == 2
    with pytest.raises(ParameterError, match="no such file or folder"):
        load_scores(tmp_path / "nowhere")


def test_compare_refuses_input_options_on_a_batch_output(scored, tmp_path):
    done = _cli("compare", str(scored.output), "-l", LEXICON, "--source-column", "lean", "--on-duplicate", "first",
                cwd=tmp_path)
    assert done.returncode == 2
    assert "is batch output, read as it was written: the input options source='lean', on_duplicate='first' " \
           "do not apply" in done.stderr
