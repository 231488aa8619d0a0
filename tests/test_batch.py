"""framelens.batch: chunked, parallel, resumable scoring agrees with framelens.score and loses no row."""
from __future__ import annotations

import ast
import gzip
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.batch import aggregate, score_files
from framelens.batch import local as batch_local
from framelens.batch.manifest import Manifest
from framelens.cli import batch as cli_batch
from framelens.errors import InputError, ParameterError
from framelens.lexicon import write_lexicon

from conftest import interrupted_run, mini_lexicon

ROOT = Path(__file__).resolve().parents[1]


SENTENCES = [
    "Rebels advanced on the town on Sunday.",
    "The army said it repelled the attack.",
    "Government forces retook the bridge, the army said.",
    "Insurgents struck an army post near the river.",
    "Pro-government forces claimed 12 insurgents were killed.",
    "Regime forces shelled the market, killing 9 civilians, rebels said.",
    "Terrorists attacked a base; the army said 4 terrorists died.",
    "Rebel fighters regrouped north of the city.",
    "Residents said the night was quiet.",
    "Aid workers reached the camp at dawn.",
]
OUTLETS = ["Wire", "Herald", "Post"]


def make_docs(n: int = 48, seed: int = 7) -> pd.DataFrame:
    """Deterministic short reports: 3 outlets, 3 months, 2–6 sentences each (some without any label)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        k = int(rng.integers(2, 7))
        picks = rng.choice(len(SENTENCES), size=k, replace=True)
        rows.append({
            "id": f"doc{i:03d}",
            "outlet": OUTLETS[i % 3],
            "published": f"2024-{1 + (i // 3) % 3:02d}-{1 + i % 27:02d}",
            "headline": f"Report {i}",
            "body": " ".join(SENTENCES[j] for j in picks),
            "topic": ["war", "aid"][i % 2],
        })
    return pd.DataFrame(rows)


def write_input(df: pd.DataFrame, path: Path) -> Path:
    name = path.name
    if name.endswith(".jsonl.gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            df.to_json(f, orient="records", lines=True, force_ascii=False)
    elif name.endswith(".jsonl"):
        df.to_json(path, orient="records", lines=True, force_ascii=False)
    elif name.endswith(".csv"):
        df.to_csv(path, index=False)
    elif name.endswith(".tsv"):
        df.to_csv(path, index=False, sep="\t")
    else:
        df.to_parquet(path, index=False)
    return path


COLUMNS = dict(text="body", source="outlet", id="id", date="published", title="headline")


def reference(df: pd.DataFrame, lexicon=None, by=None) -> pd.DataFrame:
    corpus = framelens.read_corpus(df, **COLUMNS)
    return pd.DataFrame(framelens.score(corpus, lexicon or mini_lexicon(), by=by))  # the batch output is a plain table


def read_output(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values(["file", "row"]).reset_index(drop=True)


def score_columns(table: pd.DataFrame) -> pd.DataFrame:
    cols = ["doc_id", "source", "tokens", "hits"] + [c for c in table.columns if c.startswith(("count_", "rate_", "share_"))]
    return table[cols].sort_values("doc_id").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["news.jsonl", "news.jsonl.gz", "news.csv", "news.tsv", "news.parquet"])
def test_batch_rows_equal_in_memory_score_for_every_format(tmp_path, name):
    df = make_docs()
    path = write_input(df, tmp_path / name)
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=7, keep=["topic"], progress=False,
                         match_engine="python", **COLUMNS)
    assert (result.read, result.written, result.rejected) == (48, 48, 0)
    out = read_output(tmp_path / "out")
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 7  # ceil(48 / 7) chunks → parts
    expected = reference(df)
    pd.testing.assert_frame_equal(score_columns(out), score_columns(expected), check_dtype=False)
    # what batch rows add: date, kept fields, file and the row number in that file
    assert list(out.columns[:6]) == ["doc_id", "source", "date", "topic", "file", "row"]
    assert out["row"].tolist() == list(range(1, 49))
    assert set(out["file"]) == {str(path)}
    assert out["topic"].tolist() == df["topic"].tolist()
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == df["published"].tolist()


def test_counts_by_hand_on_one_document(tmp_path):
    text = ("Pro-government forces claimed 12 insurgents were killed. Rebel fighters regrouped; "
            "the army said rebels fled.")
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"text": text, "source": "Wire"}) + "\n", encoding="utf-8")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    row = pd.read_parquet(tmp_path / "out").iloc[0]
    # 16 word tokens (runs of word characters: "Pro-government" is 2); opposition: insurgents 1,
    # rebels 2 ("Rebel fighters", "rebels"); government side: pro_government_forces 1 (never also
    # government_forces), army 1
    assert row["doc_id"] == "1" and row["row"] == 1
    assert (row["count_insurgents"], row["count_rebels"], row["count_pro_government_forces"], row["count_army"],
            row["count_government_forces"]) == (1, 2, 1, 1, 0)
    assert row["hits"] == 5 and row["tokens"] == 16
    assert row["share_rebels"] == pytest.approx(2 / 3)
    assert row["rate_army"] == pytest.approx(1000 / 16)
    assert row["share_terrorists"] == 0  # the family has hits: a 0 share, not NaN


DIRTY_LINES = [
    (b'{"id": "a1", "body": "Rebels advanced on the town.", "outlet": "Wire"}', None),
    (b'{"id": "a2", "body": "The army said so.", "outlet": "Post"', "malformed JSON"),
    (b'', "blank"),
    (b'["not", "an", "object"]', "each line must be a JSON object, found list"),
    (b'{"id": "a3", "outlet": "Wire"}', "missing text"),
    (b'{"id": "a4", "body": null, "outlet": "Wire"}', "missing text"),
    (b'{"id": "a5", "body": {"p": "Rebels"}, "outlet": "Wire"}', "holds a JSON object, not text"),
    (b'{"id": "a6", "body": "Insurgents \xff\xfe struck.", "outlet": "Herald"}', "undecodable bytes for encoding 'utf-8'"),
    (b'{"id": "a7", "body": "' + b"army " * 40 + b'", "outlet": "Herald"}', "over the limit of 150"),
    (b'{"id": "a8", "body": "Government forces retook the bridge.", "outlet": "Herald"}', None),
    (b'{"id": "a9", "body": "", "outlet": "Post"}', None),  # empty text: kept and scored, as read_corpus does
    (b'{"id": "a10", "body": "Terrorists attacked.", "outlet": "Post"}', None),
]


def test_dirty_input_every_row_is_written_or_rejected(tmp_path):
    path = tmp_path / "dirty.jsonl"
    path.write_bytes(b"\n".join(line for line, _ in DIRTY_LINES) + b"\n")
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=3, text="body", source="outlet", id="id",
                         max_field_chars=150, progress=False)
    expected_rejects = {i + 1: why for i, (_, why) in enumerate(DIRTY_LINES) if why not in (None, "blank")}
    assert result.read == 11  # the blank line is not a row
    assert result.read == result.written + result.rejected
    assert (result.written, result.rejected) == (4, 7)
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert manifest["counts"] == {"read": 11, "written": 4, "rejected": 7}
    rejects = [json.loads(line) for line in (tmp_path / "out" / "_rejects.jsonl").read_text().splitlines()]
    assert [r["row"] for r in rejects] == sorted(expected_rejects)  # line numbers, in file order
    for r in rejects:
        assert expected_rejects[r["row"]] in r["reason"], r
        assert r["file"] == str(path) and len(r["snippet"]) <= 200
    assert rejects[0]["snippet"].startswith('{"id": "a2"')
    out = pd.read_parquet(tmp_path / "out")
    assert sorted(out["doc_id"]) == ["a1", "a10", "a8", "a9"]
    assert out.set_index("doc_id").loc["a9", "tokens"] == 0
    assert not (tmp_path / "out" / "_rejects").exists()  # per-part rejects merged away


def test_dirty_csv_and_replace_errors(tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_bytes(
        b"id,body,outlet\n"
        b"c1,Rebels advanced.,Wire\n"
        b"c2,\"The army said, quietly,\nthat it held.\",Post\n"  # a quoted line break is one record
        b"c3,too,many,fields\n"
        b"c4,Insurgents \xe9 struck.,Herald\n"
        b"c5,Terrorists attacked.,Post\n")
    strict = score_files(path, mini_lexicon(), tmp_path / "strict", jobs=1, chunk_size=2, text="body", source="outlet", id="id",
                         progress=False)
    assert (strict.read, strict.written, strict.rejected) == (5, 3, 2)
    rejects = [json.loads(line) for line in strict.rejects_path.read_text().splitlines()]
    assert [(r["row"], r["reason"]) for r in rejects] == [
        (3, "4 fields where the header has 3"), (4, "undecodable bytes for encoding 'utf-8' in field 'body'")]
    out = pd.read_parquet(tmp_path / "strict").set_index("doc_id")
    assert out.loc["c2", "count_army"] == 1 and out.loc["c2", "row"] == 2
    replaced = score_files(path, mini_lexicon(), tmp_path / "replaced", jobs=1, chunk_size=2, text="body", source="outlet",
                           id="id", errors="replace", progress=False)
    assert (replaced.written, replaced.rejected) == (4, 1)
    assert pd.read_parquet(tmp_path / "replaced").set_index("doc_id").loc["c4", "count_insurgents"] == 1


def test_missing_named_column_fails_before_scoring(tmp_path):
    path = write_input(make_docs(5), tmp_path / "news.csv")
    with pytest.raises(InputError, match="no column 'content' for text"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="content", progress=False)
    with pytest.raises(InputError, match="matches no file"):
        score_files(tmp_path / "nothing-*.jsonl", mini_lexicon(), tmp_path / "out", jobs=1, progress=False)


def test_globs_several_inputs_and_text_folders(tmp_path):
    df = make_docs(30)
    (tmp_path / "in").mkdir()
    a = write_input(df.iloc[:12].drop(columns="id"), tmp_path / "in" / "2024-01.jsonl")
    b = write_input(df.iloc[12:].drop(columns="id"), tmp_path / "in" / "2024-02.jsonl")
    folder = tmp_path / "texts"
    for outlet, body in [("Wire", "Rebels advanced. The army said so."), ("Post", "Terrorists attacked the army.")]:
        (folder / outlet).mkdir(parents=True)
        (folder / outlet / "story1.txt").write_text(f"Headline\n{body}\n", encoding="utf-8")
    result = score_files([str(tmp_path / "in" / "*.jsonl"), folder], mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=5,
                         text="body", source="outlet", progress=False)
    assert result.written == 32
    out = read_output(tmp_path / "out")
    # without an id field, ids are "<file>:<row>" when there are several inputs
    assert out["doc_id"].iloc[0] == f"{a}:1" and (out["file"] == str(b)).sum() == 18
    texts = out[out["file"].str.endswith(".txt")].set_index("doc_id")
    assert texts.loc["Post/story1", "source"] == "Post" and texts.loc["Post/story1", "count_terrorists"] == 1
    assert texts.loc["Wire/story1", ["count_rebels", "count_army"]].tolist() == [1, 1]
    manifest = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [str(a), str(b), str(folder)]
    assert manifest["inputs"][2]["files"] == 2
    cols = list(score_columns(out).columns[1:])
    pd.testing.assert_frame_equal(out.loc[out["file"].str.endswith(".jsonl"), cols].reset_index(drop=True),
                                  reference(df)[cols], check_dtype=False)


def test_manifest_records_inputs_lexicon_parameters_and_parts(tmp_path):
    path = write_input(make_docs(20), tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=8, progress=False, **COLUMNS)
    m = json.loads((tmp_path / "out" / "_manifest.json").read_text())
    data = path.read_bytes()
    assert m["status"] == "complete" and m["framelens_version"] == framelens.__version__
    assert m["inputs"][0]["size"] == len(data)
    assert m["inputs"][0]["method"] == "sha256-head-tail-1MiB"
    # a file under 1 MiB: the head is the whole file, hashed after its size
    assert m["inputs"][0]["sha256"] == hashlib.sha256(str(len(data)).encode() + b"\0" + data).hexdigest()
    assert m["lexicon"]["sha256"] == mini_lexicon().fingerprint and m["lexicon"]["name"] == "mini"
    assert m["lexicon"]["families"]["government_side"][0] == "army"
    assert m["params"]["chunk_size"] == 8 and m["params"]["columns"]["text"] == "body"
    assert [p["name"] for p in m["parts"]] == ["part-00000-000000", "part-00000-000001", "part-00000-000002"]
    assert [p["read"] for p in m["parts"]] == [8, 8, 4] and [p["first_row"] for p in m["parts"]] == [1, 9, 17]
    assert not (tmp_path / "out" / "_journal.jsonl").exists()


def test_resume_skips_done_parts_discards_temp_files_and_refuses_other_parameters(tmp_path, monkeypatch):
    path = write_input(make_docs(30), tmp_path / "news.jsonl")
    out = tmp_path / "out"
    full = score_files(path, mini_lexicon(), tmp_path / "full", jobs=1, chunk_size=6, progress=False, **COLUMNS)

    # simulate a crash after three parts: stop the run when the fourth chunk is reached
    interrupted_run(monkeypatch, 3, lambda: score_files(path, mini_lexicon(), out, jobs=1, chunk_size=6, progress=False,
                                                         **COLUMNS))
    assert Manifest.read(out)["status"] == "running"
    # what a SIGKILL can leave: a partial temp file and a torn journal line
    (out / ".part-00000-000003.parquet.x1y2.tmp").write_bytes(b"PAR1 partial")
    with open(out / "_journal.jsonl", "a") as f:
        f.write('{"name": "part-00000-0000')

    with pytest.raises(ParameterError, match="parameters differ: chunk_size"):
        score_files(path, mini_lexicon(), out, jobs=1, chunk_size=5, progress=False, **COLUMNS)
    resumed = score_files(path, mini_lexicon(), out, jobs=1, chunk_size=6, progress=False, **COLUMNS)
    assert resumed.parts_skipped == 3
    assert not list(out.glob(".*.tmp"))
    pd.testing.assert_frame_equal(read_output(out), read_output(tmp_path / "full"))
    assert (resumed.read, resumed.written, resumed.rejected) == (full.read, full.written, full.rejected)
    assert Manifest.read(out)["resumed"] == 1
    # a completed run is not redone; resume=False starts again
    again = score_files(path, mini_lexicon(), out, jobs=1, chunk_size=6, progress=False, **COLUMNS)
    assert again.parts_skipped == 5 and again.written == 30
    restarted = score_files(path, mini_lexicon(), out, jobs=1, chunk_size=10, resume=False, progress=False, **COLUMNS)
    assert restarted.parts_skipped == 0 and len(list(out.glob("part-*"))) == 3


def test_an_unknown_output_extension_is_an_error_not_a_directory(tmp_path):
    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    with pytest.raises(ParameterError, match="cannot tell the output format from the extension '.xlsx'"):
        score_files(path, mini_lexicon(), tmp_path / "scores.xlsx", jobs=1, progress=False, **COLUMNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["news.jsonl"]
    # a directory may have a dot in its name: when it exists, or when the name ends with "/"
    result = score_files(path, mini_lexicon(), f"{tmp_path / 'run.2024'}/", jobs=1, progress=False, **COLUMNS)
    assert result.written == 5 and (tmp_path / "run.2024" / "_manifest.json").exists()
    again = score_files(path, mini_lexicon(), tmp_path / "run.2024", jobs=1, progress=False, **COLUMNS)
    assert again.parts_skipped == 1


def test_resume_refuses_parts_of_another_framelens_version(tmp_path, monkeypatch):
    path = write_input(make_docs(12), tmp_path / "news.jsonl")
    out = tmp_path / "out"
    interrupted_run(monkeypatch, 1, lambda: score_files(path, mini_lexicon(), out, jobs=1, chunk_size=5, progress=False,
                                                         **COLUMNS))
    monkeypatch.setattr(batch_local, "__version__", "99.0")  # an upgrade between the crash and the rerun
    with pytest.raises(ParameterError, match=r"the earlier run used framelens .*, this is 99\.0.*--no-resume"):
        score_files(path, mini_lexicon(), out, jobs=1, chunk_size=5, progress=False, **COLUMNS)
    assert score_files(path, mini_lexicon(), out, jobs=1, chunk_size=5, resume=False, progress=False,
                       **COLUMNS).written == 12


def test_a_finished_single_file_run_says_it_has_nothing_to_do(tmp_path, capsys):
    path = write_input(make_docs(1), tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "scores.parquet", jobs=1, **COLUMNS)
    assert "scored 1 document from" in capsys.readouterr().err  # (not "1 documents")
    again = score_files(path, mini_lexicon(), tmp_path / "scores.parquet", jobs=1, **COLUMNS)
    assert again.written == 1
    assert capsys.readouterr().err.strip() == (f"framelens: {tmp_path / 'scores.parquet'} is already complete "
                                               "(1 document scored, 0 rejected); nothing to do")


def test_dask_engine_without_distributed_says_how_to_install_before_writing(tmp_path, monkeypatch):
    import importlib.util

    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    with pytest.raises(ParameterError, match=r'needs dask.distributed: pip install "framelens\[scale\]"'):
        score_files(path, mini_lexicon(), tmp_path / "out", engine="dask", progress=False, **COLUMNS)
    assert not (tmp_path / "out").exists()


def test_aggregate_of_an_output_where_every_row_was_rejected(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"id": "a", "outlet": "Wire"}\n{"id": "b", "body": null, "outlet": "Post"}\n', encoding="utf-8")
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, **COLUMNS)
    assert (result.read, result.written, result.rejected) == (2, 0, 2)
    with pytest.raises(ParameterError, match=r"holds no scored document \(2 read, 2 rejected: see the rejects file\)"):
        aggregate(tmp_path / "out", by="source")


def test_refuses_to_clear_a_directory_it_did_not_write(tmp_path):
    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.docx").write_text("precious")
    with pytest.raises(ParameterError, match="not framelens batch output"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, **COLUMNS)
    assert (tmp_path / "out" / "thesis.docx").exists()


@pytest.mark.parametrize("by", ["source", ["source", "month"], "topic", "quarter"])
def test_aggregate_equals_score_by(tmp_path, by):
    df = make_docs(60)
    path = write_input(df, tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=9, keep=["topic"], progress=False, **COLUMNS)
    got = aggregate(tmp_path / "out", by=by, lexicon=mini_lexicon())
    expected = reference(df, by=by)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    assert got.attrs["framelens"]["lexicon"]["sha256"] == mini_lexicon().fingerprint
    assert isinstance(got, framelens.ResultTable) and got.attrs["framelens"]["kind"] == "score"  # as score(by=)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_aggregate_reads_csv_and_jsonl_datasets(tmp_path, fmt):
    df = make_docs(25)
    df.loc[3, "outlet"] = "007"  # a numeric-looking key must stay text
    path = write_input(df, tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=6, format=fmt, progress=False, **COLUMNS)
    assert len(list((tmp_path / "out").glob(f"part-*.{fmt}"))) == 5
    for by in ("source", "month"):
        got = aggregate(tmp_path / "out", by=by)
        pd.testing.assert_frame_equal(got, reference(df, by=by), check_dtype=False)


def test_aggregate_checks_lexicon_and_columns(tmp_path):
    path = write_input(make_docs(6), tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, **COLUMNS)
    with pytest.raises(ParameterError, match="was scored with lexicon mini"):
        aggregate(tmp_path / "out", by="source", lexicon="conflict_actors")
    with pytest.raises(ParameterError, match="no column 'topic'"):
        aggregate(tmp_path / "out", by="topic")


@pytest.mark.parametrize("name", ["scores.csv", "scores.jsonl", "scores.parquet"])
def test_single_file_output_is_assembled_from_parts(tmp_path, name):
    df = make_docs(20)
    path = write_input(df, tmp_path / "news.jsonl")
    result = score_files(path, mini_lexicon(), tmp_path / name, jobs=1, chunk_size=6, progress=False, **COLUMNS)
    target = tmp_path / name
    assert result.output == target and not (tmp_path / f"{name}.parts").exists()
    assert json.loads((tmp_path / f"{name}.manifest.json").read_text())["counts"]["written"] == 20
    if name.endswith(".csv"):
        back = pd.read_csv(target, dtype={"doc_id": str})
    elif name.endswith(".jsonl"):
        back = pd.read_json(target, lines=True, dtype={"doc_id": str})
    else:
        back = pd.read_parquet(target)
    assert back["row"].tolist() == list(range(1, 21))
    pd.testing.assert_frame_equal(score_columns(back), score_columns(reference(df)), check_dtype=False)
    assert aggregate(target, by="source")["n_docs"].sum() == 20
    umask = os.umask(0)
    os.umask(umask)
    for made in (target, tmp_path / f"{name}.manifest.json"):  # as open() would make them, not mkstemp's 0600
        assert stat.S_IMODE(made.stat().st_mode) == 0o666 & ~umask, made


def test_parallel_run_equals_serial_and_bounds_work_in_flight(tmp_path, monkeypatch):
    df = make_docs(80)
    path = write_input(df, tmp_path / "news.jsonl")
    serial = score_files(path, mini_lexicon(), tmp_path / "serial", jobs=1, chunk_size=5, progress=False, **COLUMNS)
    pulled, ahead = [0], []
    real_iter = batch_local.iter_chunks

    def counting_iter(*args, **kwargs):
        for chunk in real_iter(*args, **kwargs):
            pulled[0] += 1
            yield chunk

    real_record = Manifest.record_part

    def record(self, entry):
        ahead.append(pulled[0] - (len(ahead) + 1))  # chunks read but not yet finished
        real_record(self, entry)

    monkeypatch.setattr(batch_local, "iter_chunks", counting_iter)
    monkeypatch.setattr(Manifest, "record_part", record)
    parallel = score_files(path, mini_lexicon(), tmp_path / "parallel", jobs=2, chunk_size=5, progress=False, **COLUMNS)
    assert pulled[0] == 16 and len(ahead) == 16
    assert max(ahead) <= 2 * 2 + 1  # backpressure: at most 2 × jobs chunks in flight (+ the one being read)
    assert (parallel.read, parallel.written) == (serial.read, serial.written) == (80, 80)
    pd.testing.assert_frame_equal(read_output(tmp_path / "parallel"), read_output(tmp_path / "serial"))


def test_workers_start_from_a_forkserver_when_other_threads_run(tmp_path, monkeypatch):
    # forking a process that runs other threads can deadlock: then workers come from a forkserver
    df = make_docs(12)
    path = write_input(df, tmp_path / "news.jsonl")
    monkeypatch.setattr(batch_local.threading, "active_count", lambda: 2)
    assert batch_local._pool_context().get_start_method() in ("forkserver", "spawn")
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=2, chunk_size=4, progress=False, **COLUMNS)
    assert result.written == 12
    pd.testing.assert_frame_equal(score_columns(read_output(tmp_path / "out")), score_columns(reference(df)),
                                  check_dtype=False)


def test_batch_scoring_in_a_notebook_kernel(tmp_path):
    """What a notebook user runs: ``score_files`` with two jobs and ``aggregate``, in a real Jupyter
    kernel (whose own threads make the workers start from a forkserver), gives the scores of
    ``framelens.score`` on the same documents."""
    import nbformat

    from framelens.reports import execute_notebook

    df = make_docs(40)
    path = write_input(df, tmp_path / "news.jsonl")
    write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    code = (
        "import os\n"
        "os.environ.pop('TQDM_DISABLE', None)  # execute_notebook turns progress bars off (they print timings)\n"
        "import framelens.batch as fb\n"
        f"result = fb.score_files({str(path)!r}, {str(tmp_path / 'mini.yaml')!r}, {str(tmp_path / 'out')!r}, "
        f"jobs=2, chunk_size=8, progress=False, **{COLUMNS!r})\n"
        "print(result.read, result.written, result.rejected)\n"
        "fb.aggregate(result.output, by='source').set_index('source')['n_docs'].to_dict()"
    )
    # the default progress in a notebook: tqdm's notebook bar (a widget), then the summary line
    default_progress = (f"fb.score_files({str(path)!r}, {str(tmp_path / 'mini.yaml')!r}, "
                        f"{str(tmp_path / 'out2.parquet')!r}, jobs=1, chunk_size=8, **{COLUMNS!r}).written")
    cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell(default_progress)]
    nb = execute_notebook(nbformat.v4.new_notebook(cells=cells), cwd=tmp_path)
    outputs = nb.cells[0].outputs
    assert outputs[0]["text"].split() == ["40", "40", "0"]
    per_outlet = df["outlet"].value_counts().to_dict()
    assert ast.literal_eval(outputs[1]["data"]["text/plain"]) == per_outlet
    pd.testing.assert_frame_equal(score_columns(read_output(tmp_path / "out")), score_columns(reference(df)),
                                  check_dtype=False)
    shown = nb.cells[1].outputs
    widgets = [o for o in shown if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets and "framelens mini" in widgets[0]["data"]["text/plain"]
    summary = [o["text"] for o in shown if o.get("name") == "stderr"]
    assert summary and summary[-1].startswith("framelens: scored 40 documents")
    assert shown[-1]["data"]["text/plain"] == "40"


def test_progress_summary_line_when_not_interactive(tmp_path, capsys):
    path = write_input(make_docs(10), tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=4, **COLUMNS)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("framelens: scored 10 documents from 1 input(s)")
    assert "docs/s" in err[0] and "MB/s" in err[0]
    score_files(path, mini_lexicon(), tmp_path / "out2", jobs=1, chunk_size=4, progress=True, **COLUMNS)
    err = capsys.readouterr().err
    assert "docs/s" in err and "100%" in err  # the tqdm bar, forced on


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
def test_wants_batch_rules():
    parser = cli_batch.build_parser()
    def args(*argv):
        return parser.parse_args([*argv, "--lexicon", "mini"])
    assert not cli_batch.wants_batch(args("news.csv", "--out", "scores.csv"))
    assert cli_batch.wants_batch(args("news.csv", "--out", "scores.csv", "--jobs", "1"))
    assert cli_batch.wants_batch(args("a.csv", "b.csv", "--out", "scores.csv"))
    assert cli_batch.wants_batch(args("archive/*.jsonl.gz", "--out", "scores.csv"))
    assert cli_batch.wants_batch(args("news.csv", "--out", "scores/"))
    assert cli_batch.wants_batch(args("news.csv", "--out", "scores.csv", "--engine", "dask"))
    assert cli_batch.wants_batch(args("news.csv", "--out", "scores.csv", "--scheduler", "tcp://h:8786"))
    # an option only batch mode reads turns it on, rather than being ignored
    for option in (["--keep-column", "topic"], ["--chunk-size", "5"], ["--chunk-mb", "2"], ["--format", "csv"],
                   ["--max-field-chars", "100"], ["--by-out", "groups.csv"]):
        assert cli_batch.wants_batch(args("news.csv", "--out", "scores.csv", *option)), option
    assert not cli_batch.wants_batch(args("news.csv", "--out", "scores.csv", "--no-progress"))


def test_cli_keep_column_alone_keeps_the_column(tmp_path):
    """``--keep-column`` without ``--jobs`` once wrote an output without the column, silently."""
    df = make_docs(12)
    path = write_input(df, tmp_path / "news.jsonl")
    write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    from framelens.cli.main import main

    code = main(["score", str(path), "--lexicon", str(tmp_path / "mini.yaml"), "--text-column", "body",
                               "--source-column", "outlet", "--id-column", "id", "--date-column", "published",
                               "--keep-column", "topic", "--out", str(tmp_path / "scores.csv"), "--no-progress"])
    assert code == 0
    out = pd.read_csv(tmp_path / "scores.csv")
    assert out.set_index("doc_id")["topic"].to_dict() == df.set_index("id")["topic"].to_dict()


def test_batch_arguments_fit_the_score_parser():
    """What cli/score.py must do: add the batch options to its parser, with no clash."""
    import argparse

    from framelens.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    score = sub.choices["score"]
    if not any("--jobs" in a.option_strings for a in score._actions):
        cli_batch.add_batch_arguments(score)
    args = score.parse_args(["news.jsonl", "--lexicon", "mini", "--out", "scores/", "--jobs", "2", "--chunk-size", "500",
                             "--keep-column", "topic", "--no-resume"])
    assert (args.jobs, args.chunk_size, args.keep_columns, args.resume) == (2, 500, ["topic"], False)
    assert cli_batch.wants_batch(args)


def test_cli_batch_with_by_prints_groups(tmp_path, capsys):
    df = make_docs(24)
    path = write_input(df.rename(columns={"id": "doc_id"}), tmp_path / "news.csv")
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    code = cli_batch.main([str(path), "--lexicon", str(lexicon), "--out", str(tmp_path / "out"), "--jobs", "1",
                           "--chunk-size", "5", "--text-column", "body", "--source-column", "outlet",
                           "--date-column", "published", "--by", "source", "--by-out", str(tmp_path / "by.csv")])
    assert code == 0
    got = pd.read_csv(tmp_path / "by.csv")
    expected = reference(df, by="source")
    assert got["source"].tolist() == expected["source"].tolist()
    assert got["count_army"].tolist() == expected["count_army"].tolist()
    code = cli_batch.main([str(path), "--lexicon", str(lexicon), "--jobs", "1"])
    assert code == 2 and "give --out" in capsys.readouterr().err


def _run_cli(argv: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "framelens.cli.batch", *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_mid_run_then_rerun_gives_the_uninterrupted_output(tmp_path):
    df = make_docs(400)
    path = write_input(df, tmp_path / "news.jsonl")
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    argv = [str(path), "--lexicon", str(lexicon), "--out", str(tmp_path / "out"), "--jobs", "1", "--chunk-size", "10",
            "--text-column", "body", "--source-column", "outlet", "--id-column", "id", "--date-column", "published",
            "--engine", "python"]
    proc = _run_cli(argv)
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "out").glob("part-*.parquet"))) < 3:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no part appeared"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list((tmp_path / "out").glob("part-*.parquet")))
    assert done_before < 40, "the run finished before it could be killed; make the input larger"
    assert Manifest.read(tmp_path / "out")["status"] == "running"

    rerun = _run_cli(argv)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert "parts from an earlier run" in err.decode()
    reference_run = score_files(path, mini_lexicon(), tmp_path / "ref", jobs=1, chunk_size=10, progress=False,
                                match_engine="python", **COLUMNS)
    got, expected = read_output(tmp_path / "out"), read_output(tmp_path / "ref")
    pd.testing.assert_frame_equal(got.drop(columns="file"), expected.drop(columns="file"))
    m = Manifest.read(tmp_path / "out")
    assert m["counts"] == reference_run.manifest["counts"] == {"read": 400, "written": 400, "rejected": 0}
    assert m["resumed"] == 1 and len(m["parts"]) == 40


HOLD_LOCK = """
import multiprocessing, os, sys, time
from framelens.batch.manifest import release_inherited_locks, run_lock

def worker(release):
    if release:
        release_inherited_locks()  # what a forked pool worker does in init_worker
    os.write(1, b"ready\\n")  # one write per line: two processes share the pipe
    time.sleep(120)

if __name__ == "__main__":
    with run_lock(sys.argv[1]):
        child = multiprocessing.get_context("fork").Process(target=worker, args=(sys.argv[2] == "release",))
        child.start()
        os.write(1, b"%d\\n" % child.pid)
        time.sleep(120)
"""


def _hold_lock(out: Path, worker: str) -> tuple[subprocess.Popen, int]:
    """A process that holds the run lock of ``out`` (as a run does) and has forked a worker, once
    the worker is ready (both print a line, in either order)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out), worker], stdout=subprocess.PIPE)
    pid, ready, seen = None, False, []
    while pid is None or not ready:
        raw = proc.stdout.readline()
        seen.append(raw)
        if not raw:  # the end of the pipe: the holder and its worker ended
            proc.kill()
            raise AssertionError(f"the lock holder ended before it was ready (read {seen}, exit {proc.wait()})")
        line = raw.strip()
        ready = ready or line == b"ready"
        pid = int(line) if line.isdigit() else pid
    return proc, pid


def _kill_and_wait(pid: int) -> None:
    """SIGKILL a process that is not our child, and wait until it has ended (its descriptors closed)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_second_run_into_the_same_output_stops_at_once(tmp_path):
    path = write_input(make_docs(12), tmp_path / "news.jsonl")
    for out in (tmp_path / "scores", tmp_path / "scores.parquet"):
        holder, worker = _hold_lock(out, "release")
        try:
            with pytest.raises(ParameterError, match=rf"another framelens run is writing this output \(process {holder.pid}\)"):
                score_files(path, mini_lexicon(), out, jobs=1, progress=False, **COLUMNS)
            assert not out.exists()  # nothing of the other run's output was touched
        finally:
            holder.kill()
            holder.wait()
            _kill_and_wait(worker)
        # the killed run holds no lock: the same command runs, and leaves no lock file
        assert score_files(path, mini_lexicon(), out, jobs=2, progress=False, **COLUMNS).written == 12
        assert not list(tmp_path.glob(".*.lock"))


@pytest.mark.parametrize("worker", ["release", "keep"])
def test_forked_workers_let_go_of_the_run_lock(tmp_path, worker):
    """A worker outliving its killed run must not keep the lock (it shares the run's descriptor)."""
    from framelens.batch.manifest import run_lock

    holder, pid = _hold_lock(tmp_path / "out", worker)
    holder.kill()
    holder.wait()
    try:
        if worker == "release":
            with run_lock(tmp_path / "out"):
                pass
        else:  # without release_inherited_locks the lingering worker would block every rerun
            with pytest.raises(ParameterError, match="another framelens run"):
                with run_lock(tmp_path / "out"):
                    pass
    finally:
        _kill_and_wait(pid)


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (its parent, the init process, reaps it later)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_end_when_the_run_is_killed(tmp_path):
    """SIGKILL of the run's process alone (the OOM killer, kill -9) must not leave its workers
    waiting for work forever."""
    path = write_input(make_docs(400), tmp_path / "news.jsonl")
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    proc = _run_cli([str(path), "--lexicon", str(lexicon), "--out", str(tmp_path / "out"), "--jobs", "2",
                     "--chunk-size", "10", "--text-column", "body", "--engine", "python", "--no-progress"])
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out").glob("part-*.parquet")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no part appeared"
        time.sleep(0.01)
    workers = _children(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert not left, "workers outlived the run"


def test_a_finished_single_file_of_another_run_is_not_replaced_silently(tmp_path):
    first = write_input(make_docs(10), tmp_path / "a.jsonl")
    other = write_input(make_docs(6, seed=3), tmp_path / "b.jsonl")
    score_files(first, mini_lexicon(), tmp_path / "s.csv", jobs=1, progress=False, **COLUMNS)
    with pytest.raises(ParameterError, match=r"s.csv holds the scores of another run: the inputs differ.*--no-resume"):
        score_files(other, mini_lexicon(), tmp_path / "s.csv", jobs=1, progress=False, **COLUMNS)
    assert len(pd.read_csv(tmp_path / "s.csv")) == 10
    assert score_files(other, mini_lexicon(), tmp_path / "s.csv", jobs=1, resume=False, progress=False,
                       **COLUMNS).written == 6
    assert len(pd.read_csv(tmp_path / "s.csv")) == 6


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
def test_replacing_a_single_file_leaves_no_rejects_of_the_earlier_run_beside_it(tmp_path, name):
    # --no-resume replaced the file and its manifest, but an earlier run's s.csv.rejects.jsonl stayed
    # beside them: rejects of other inputs, next to a manifest that says 0 rejected
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text(json.dumps({"id": "a1", "body": SENTENCES[0], "outlet": "Wire"}) + "\n{broken\n")
    clean = write_input(make_docs(4), tmp_path / "clean.jsonl")
    first = score_files(dirty, mini_lexicon(), tmp_path / name, jobs=1, progress=False, **COLUMNS)
    assert first.rejected == 1 and first.rejects_path.exists()
    second = score_files(clean, mini_lexicon(), tmp_path / name, jobs=1, progress=False, resume=False, **COLUMNS)
    assert (second.written, second.rejected, second.rejects_path) == (4, 0, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dirty.jsonl", "clean.jsonl", name,
                                                                 f"{name}.manifest.json"])


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
def test_a_file_that_no_batch_run_wrote_is_not_replaced_silently(tmp_path, name):
    # a dataset directory holding other files was refused, but a single output file that a batch run
    # did not write (the analyst's own table, an in-memory `framelens score` result) was overwritten
    path = write_input(make_docs(6), tmp_path / "a.jsonl")
    mine = tmp_path / name
    mine.write_bytes(b"id,my,notes\n1,2,3\n")
    with pytest.raises(ParameterError, match=rf"{name} exists and is not the output of a framelens batch run.*--no-resume"):
        score_files(path, mini_lexicon(), mine, jobs=1, progress=False, **COLUMNS)
    assert mine.read_bytes() == b"id,my,notes\n1,2,3\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", name]  # nothing else written (no lock left)
    assert score_files(path, mini_lexicon(), mine, jobs=1, resume=False, progress=False, **COLUMNS).written == 6
    # the run's own file: rerunning is nothing to do, as before
    assert score_files(path, mini_lexicon(), mine, jobs=1, progress=False, **COLUMNS).parts_skipped == 1


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
def test_a_single_file_run_killed_before_its_manifest_was_beside_it_is_finished_by_the_rerun(tmp_path, name):
    # the last steps of a single-file run: the file, then the manifest in its parts folder marked
    # complete, then the manifest beside the file and the folder removed. Killed between the two
    # last, the rerun said "already complete" and left the file without a manifest (aggregate and
    # load_scores refused it) and the parts folder behind, for good
    path = write_input(make_docs(9), tmp_path / "a.jsonl")
    out = tmp_path / name
    first = score_files(path, mini_lexicon(), out, jobs=1, progress=False, **COLUMNS)
    expected = aggregate(out, by="source")
    parts = tmp_path / f"{name}.parts"
    parts.mkdir()
    (tmp_path / f"{name}.manifest.json").rename(parts / "_manifest.json")  # the state the kill left
    again = score_files(path, mini_lexicon(), out, jobs=1, progress=False, **COLUMNS)
    assert (again.read, again.written, again.rejected) == (first.read, first.written, first.rejected) == (9, 9, 0)
    assert not parts.exists() and (tmp_path / f"{name}.manifest.json").exists()
    pd.testing.assert_frame_equal(pd.DataFrame(aggregate(out, by="source")), pd.DataFrame(expected))


def test_a_changed_list_of_inputs_is_named_in_a_short_message(tmp_path):
    # the refusal printed both whole lists of paths: for an archive of thousands of daily files, a
    # message of megabytes, in which the one new file could not be found
    archive = tmp_path / "archive"
    archive.mkdir()
    for day in range(1, 41):
        (archive / f"2024-01-{day:02d}.jsonl").write_text(json.dumps({"text": SENTENCES[day % 5], "source": "Wire"}) + "\n")
    pattern = str(archive / "*.jsonl")
    score_files(pattern, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    (archive / "2024-02-01.jsonl").write_text(json.dumps({"text": "Rebels.", "source": "Post"}) + "\n")
    with pytest.raises(ParameterError) as info:
        score_files(pattern, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    message = str(info.value)
    assert "the inputs differ: 1 new (" + str(archive / "2024-02-01.jsonl") + ") (the earlier run read 40, this one 41)" in message
    assert len(message) < 500 and "2024-01-07" not in message
    for day in range(1, 6):
        (archive / f"2024-01-{day:02d}.jsonl").unlink()
    with pytest.raises(ParameterError, match=r"the inputs differ: 1 new \(.*\); 5 gone \(.*2024-01-01.jsonl, .*2024-01-02.jsonl, "
                                             r".*2024-01-03.jsonl, … 2 more\) \(the earlier run read 40, this one 36\)"):
        score_files(pattern, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    files = sorted(archive.iterdir())
    score_files(files, mini_lexicon(), tmp_path / "out2", jobs=1, progress=False)
    with pytest.raises(ParameterError, match=r"the inputs differ: the same paths in another order \(input 1 was "
                                             r".*2024-01-06.jsonl, now .*2024-01-07.jsonl\)"):
        score_files(files[1:2] + files[:1] + files[2:], mini_lexicon(), tmp_path / "out2", jobs=1, progress=False)


def test_a_glob_leaves_out_the_runs_own_output_in_python_too(tmp_path):
    df = make_docs(8)
    df.to_csv(tmp_path / "news.csv", index=False)
    for _ in range(2):  # the second time, '*.csv' also matches scores.csv
        result = score_files(str(tmp_path / "*.csv"), mini_lexicon(), tmp_path / "scores.csv", jobs=1, progress=False,
                             **COLUMNS)
        assert result.written == 8
    assert [i["path"] for i in result.manifest["inputs"]] == [str(tmp_path / "news.csv")]


def test_text_folders_leave_out_hidden_files_and_read_upper_case_txt(tmp_path):
    """Jupyter's .ipynb_checkpoints copies and macOS's ._ files are no documents; NOTE.TXT is one."""
    root = tmp_path / "news"
    (root / "wire" / ".ipynb_checkpoints").mkdir(parents=True)
    (root / "wire" / "a.txt").write_text("Rebels advanced.\n", encoding="utf-8")
    (root / "wire" / ".ipynb_checkpoints" / "a-checkpoint.txt").write_text("Rebels advanced.\n", encoding="utf-8")
    (root / "wire" / "._a.txt").write_bytes(b"\x00\x05\x16\x07 Mac OS X")
    (root / "post").mkdir()
    (root / "post" / "NOTE.TXT").write_text("The army said so.\n", encoding="utf-8")
    corpus = framelens.read_corpus(root)
    assert sorted(corpus.doc_ids) == ["post/NOTE", "wire/a"]
    result = score_files(root, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    assert (result.read, result.written, result.rejected) == (2, 2, 0)
    assert sorted(read_output(tmp_path / "out")["doc_id"]) == ["post/NOTE", "wire/a"]


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_an_empty_csv_in_an_archive_is_no_rows_not_the_end_of_the_run(tmp_path, content):
    """As an empty JSONL file is: an archive of daily files may hold an empty day."""
    df = make_docs(9)
    df.iloc[:5].to_csv(tmp_path / "2024-01-01.csv", index=False)
    (tmp_path / "2024-01-02.csv").write_bytes(content)
    df.iloc[5:].to_csv(tmp_path / "2024-01-03.csv", index=False)
    result = score_files(str(tmp_path / "*.csv"), mini_lexicon(), tmp_path / "out", jobs=1, progress=False,
                         **COLUMNS)
    assert (result.read, result.written, result.rejected) == (9, 9, 0)
    assert [p["read"] for p in result.manifest["parts"]] == [5, 0, 4]
    assert sorted(read_output(tmp_path / "out")["doc_id"]) == sorted(df["id"])


@pytest.mark.parametrize("empty", ["2024-01-02.parquet", "2024-01-02.jsonl.gz", "2024-01-02.csv.gz", "2024-01-02.tsv"])
def test_a_file_of_zero_bytes_is_an_empty_day_in_any_format(tmp_path, empty):
    # an export that wrote nothing: a 0-byte CSV, TSV, JSONL or .gz was an input of no rows, but a
    # 0-byte Parquet file stopped the run ("cannot read Parquet (Parquet file size is 0 bytes)")
    df = make_docs(9)
    df.iloc[:5].to_parquet(tmp_path / "2024-01-01.parquet", index=False)
    (tmp_path / empty).write_bytes(b"")
    df.iloc[5:].to_parquet(tmp_path / "2024-01-03.parquet", index=False)
    result = score_files(str(tmp_path / "2024-*"), mini_lexicon(), tmp_path / "out", jobs=1, progress=False,
                         **COLUMNS)
    assert (result.read, result.written, result.rejected) == (9, 9, 0)
    assert [p["read"] for p in result.manifest["parts"]] == [5, 0, 4]
    assert [i["size"] for i in result.manifest["inputs"]] == [(tmp_path / "2024-01-01.parquet").stat().st_size, 0,
                                                              (tmp_path / "2024-01-03.parquet").stat().st_size]
    assert sorted(read_output(tmp_path / "out")["doc_id"]) == sorted(df["id"])


@pytest.mark.parametrize("name", ["s.csv", "s.tsv", "s.parquet", "s.jsonl"])
def test_a_single_file_without_any_scorable_row_still_has_its_columns(tmp_path, name):
    """pandas reads it as a table of no rows, with the columns (and Parquet types) of a full run."""
    good = write_input(make_docs(4), tmp_path / "good.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "outlet": "Wire"}\n{"id": "b", "body": null}\n', encoding="utf-8")
    full = score_files(good, mini_lexicon(), tmp_path / f"full.{name.split('.')[1]}", jobs=1, keep=["topic"],
                       progress=False, **COLUMNS)
    empty = score_files(bad, mini_lexicon(), tmp_path / name, jobs=1, keep=["topic"], progress=False, **COLUMNS)
    assert (empty.read, empty.written, empty.rejected) == (2, 0, 2)
    if name.endswith(".jsonl"):  # JSON lines have no header: no line at all
        assert (tmp_path / name).read_bytes().strip() == b""
        return
    read = pd.read_parquet if name.endswith(".parquet") else lambda f: pd.read_csv(f, sep="," if ".csv" in str(f) else "\t")
    got, expected = read(tmp_path / name), read(full.output)
    assert len(got) == 0 and len(expected) == 4 and list(got.columns) == list(expected.columns)
    if name.endswith(".parquet"):
        assert got.dtypes.to_dict() == expected.dtypes.to_dict()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
@pytest.mark.parametrize("content", ['{"id": "a", "outlet": "Wire"}\n{"id": "b", "body": null}\n', ""])
def test_a_dataset_directory_without_any_scorable_row_still_has_its_columns(tmp_path, fmt, content):
    """Every row rejected, or an empty input: the directory still reads as a table of no rows with
    the columns (and Parquet types) of a full run, so a notebook's next cell does not fail on it."""
    good = write_input(make_docs(4), tmp_path / "good.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    full = score_files(good, mini_lexicon(), tmp_path / "full", jobs=1, keep=["topic"], format=fmt,
                       progress=False, **COLUMNS)
    empty = score_files(bad, mini_lexicon(), tmp_path / "out", jobs=1, keep=["topic"], format=fmt,
                        progress=False, **COLUMNS)
    assert empty.written == 0 and empty.read == empty.rejected
    def read(folder: Path) -> pd.DataFrame:  # as a user reads a directory of parts
        if fmt == "parquet":
            return pd.read_parquet(folder)
        parts = sorted(folder.glob(f"part-*.{fmt}"))
        assert parts, f"no part in {sorted(p.name for p in folder.iterdir())}"
        if fmt == "csv":
            return pd.concat([pd.read_csv(p) for p in parts])
        return pd.concat([pd.read_json(p, lines=True) for p in parts if p.stat().st_size]
                         or [pd.DataFrame(columns=["(a JSON lines file without rows has no columns)"])])

    got, expected = read(tmp_path / "out"), read(full.output)
    assert len(got) == 0 and len(expected) == 4
    if fmt != "jsonl":  # JSON lines have no header: an empty part is an empty file
        assert list(got.columns) == list(expected.columns)
    if fmt == "parquet":
        assert got.dtypes.to_dict() == expected.dtypes.to_dict()
    again = score_files(bad, mini_lexicon(), tmp_path / "out", jobs=1, keep=["topic"], format=fmt,
                        progress=False, **COLUMNS)  # already complete: nothing changes
    assert again.written == 0 and list(read(tmp_path / "out").columns) == list(got.columns)


def test_an_output_name_ending_in_a_slash_is_a_directory_whatever_its_extension(tmp_path):
    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), f"{tmp_path / 'run.csv'}/", jobs=1, progress=False, **COLUMNS)
    assert (tmp_path / "run.csv").is_dir() and (tmp_path / "run.csv" / "_manifest.json").exists()


@pytest.mark.parametrize("name", [".", "./"])
def test_an_output_named_dot_is_the_folder_one_is_in(tmp_path, monkeypatch, name):
    # --out . (scores into the empty folder one is in) stopped with a traceback: ValueError "PosixPath('.')
    # has an empty name", from the lock beside the output
    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    folder = tmp_path / "scores"
    folder.mkdir()
    monkeypatch.chdir(folder)
    result = score_files(path, mini_lexicon(), name, jobs=1, progress=False, **COLUMNS)
    assert result.output == folder and (folder / "_manifest.json").exists() and len(pd.read_parquet(folder)) == 5
    assert aggregate(name, by="source")["n_docs"].sum() == 5
    assert not list(tmp_path.glob(".*lock"))  # the lock was beside the folder, and is gone
    assert score_files(path, mini_lexicon(), name, jobs=1, progress=False, **COLUMNS).parts_skipped == 1
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match=r"holds files that are not framelens batch output \(notes.txt\)"):
        score_files(path, mini_lexicon(), name, jobs=1, progress=False, resume=False, **COLUMNS)


def _score_has_batch_mode() -> bool:
    import argparse

    from framelens.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return any("--jobs" in a.option_strings for a in sub.choices["score"]._actions)


@pytest.mark.skipif(not _score_has_batch_mode(),
                    reason="'framelens score' does not hand over to batch mode yet (cli/score.py must call "
                           "add_batch_arguments and run_batch)")
def test_framelens_score_hands_over_to_batch_mode(tmp_path):
    path = write_input(make_docs(12).rename(columns={"id": "doc_id", "body": "text", "outlet": "source"}),
                       tmp_path / "news.jsonl")
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    done = subprocess.run([sys.executable, "-m", "framelens", "score", str(path), "--lexicon", str(lexicon), "--jobs", "1",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(tmp_path / "out")) == 12


# ---------------------------------------------------------------------------------------------
# fast paths: Arrow JSONL blocks, Arrow-built parts, the streaming Parquet assembler
# ---------------------------------------------------------------------------------------------
GOOD_LINES = [
    b'{"id": "g%d", "body": "Rebels advanced on the town.", "outlet": "Wire", "published": "2024-01-02", "topic": "war"}',
    b'{"outlet": "Post", "body": "The army said caf\xc3\xa9 \xe2\x80\x9cquiet\xe2\x80\x9d \\u00e9 \\ud83d\\ude00.", "id": "g%d"}',
    b'{"id": "g%d", "body": "", "outlet": null, "headline": "Empty text is kept", "extra": {"nested": [1, 2]}}',
    b'{"id": "g%d", "body": "Insurgents \\"struck\\"\\n again.", "outlet": "Herald", "n": 3.5, "ok": true}\r',
    b'{"id": "g%d", "body": "Terrorists attacked. \xf0\x9f\x98\x80", "x": NaN, "outlet": "Wire", "x": 1}',
]
# lines the Arrow reader must hand over to the line-by-line reader (their block is split down)
ODD_LINES = [
    b'',                                                        # blank
    b'   ',                                                     # whitespace only
    b'  {"id": "o%d", "body": "indented but fine"}',            # does not start with "{"
    b'{"id": %d, "body": "numeric id"}',                        # integer id: its decimal text
    b'{"id": "o%d", "body": "numeric topic", "topic": 12}',     # integer kept field
    b'{"id": "o%d", "body": "float topic", "topic": 1.5}',      # float: str(1.5)
    b'{"id": "o%d", "body": "bool topic", "topic": true}',
    b'{"id": "o%d", "body": "nested topic", "topic": {"a": [1]}}',
    b'{"id": "o%d", "body": 42}',                               # a number as text
    b'{"id": "o%d", "body": ["a"]}',                            # rejected: array text
    b'{"id": "o%d"}',                                           # rejected: missing text
    b'{"id": "o%d", "body": null}',                             # rejected: null text
    b'{"id": "o%d", "body": "lone \\ud800 surrogate"}',         # rejected (strict): undecodable
    b'{"id": "o%d", "body": "bad \xff byte"}',                  # rejected: undecodable in a wanted field
    b'{"id": "o%d", "body": "ok", "other": "bad \xfe byte"}',   # rejected: undecodable anywhere in the line
    b'{"id": "o%d", "body": "unterminated',                     # rejected: malformed
    b'{"id": "o%d", "body": "two"}{"id": "x", "body": "objects"}',  # rejected: extra data
    b'[1, 2]',                                                  # rejected: not an object
    b'{"id": "o%d", "body": "dup", "body": "last wins"}',
    b'{"id": "o%d", "body": "' + b"army " * 40 + b'"}',         # rejected: over max_field_chars
    b'\xef\xbb\xbf{"id": "o%d", "body": "a BOM mid-file"}',     # rejected: BOM not at the start
]


def _dirty_block(seed: int, n: int = 1500) -> bytes:
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        pool = ODD_LINES if rng.random() < 0.01 else GOOD_LINES
        line = pool[int(rng.integers(len(pool)))]
        lines.append(line.replace(b"%d", str(i).encode()) if b"%d" in line else line)
    return b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n"


def _parsed(path: Path, columns, limits, *, fast: bool, monkeypatch):
    from framelens import readers_stream
    from framelens.batch import sources

    if not fast:
        monkeypatch.setattr(readers_stream._ArrowJsonl, "create", classmethod(lambda cls, *a: None))
    inp = sources.expand_inputs(path)[0]
    out = [sources.parse_chunk(chunk, columns, limits) for chunk in sources.iter_chunks(inp, columns, 10_000, 2**16, limits)]
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("errors", ["strict", "replace"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_arrow_jsonl_blocks_read_exactly_what_the_line_reader_reads(tmp_path, monkeypatch, seed, errors):
    from framelens.batch import sources

    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_dirty_block(seed))
    columns = sources.Columns(text="body", source="outlet", id="id", date="published", title="headline", keep=("topic",))
    limits = sources.Limits(max_field_chars=150, errors=errors)
    fast = _parsed(path, columns, limits, fast=True, monkeypatch=monkeypatch)
    slow = _parsed(path, columns, limits, fast=False, monkeypatch=monkeypatch)
    assert len(fast) == len(slow) > 1
    arrow_rows = 0
    for f, s in zip(fast, slow):
        assert (f.rows, f.read, f.rejects) == (s.rows, s.read, s.rejects)
        fv, sv = f.values, s.values
        assert fv.keys() == sv.keys()
        for role in fv:
            got = fv[role] if isinstance(fv[role], list) else fv[role].to_pylist()
            want = sv[role]
            if role in ("doc_id", "topic"):  # the row reader keeps a number, str() of which is written
                want = [None if x is None else (x if isinstance(x, str) else str(x)) for x in want]
                got = [None if x is None else (x if isinstance(x, str) else str(x)) for x in got]
            assert got == want, role
        arrow_rows += sum(len(seg["text"]) for seg in f.segments if not isinstance(seg["text"], list))
    total = sum(len(f.rows) for f in fast)
    assert arrow_rows > 0.6 * total  # most rows did go through Arrow
    reasons = {r["reason"].split(" (")[0].split(" at ")[0] for f in fast for r in f.rejects}
    assert any("malformed JSON" in r for r in reasons) and any("undecodable" in r for r in reasons) \
        or errors == "replace"


def test_arrow_jsonl_numeric_ids_and_kept_fields_become_their_text(tmp_path):
    lines = [json.dumps({"id": i, "body": "Rebels advanced.", "topic": 1000 + i}) for i in range(50)]
    path = tmp_path / "ids.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="body", id="id", keep=["topic"], progress=False)
    out = read_output(tmp_path / "out")
    assert out["doc_id"].tolist() == [str(i) for i in range(50)]
    assert out["topic"].tolist() == [str(1000 + i) for i in range(50)]
    assert out["count_rebels"].tolist() == [1] * 50


def test_parts_have_the_schema_pandas_would_give(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = make_docs(30)
    path = write_input(df, tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=12, keep=["topic"], progress=False, **COLUMNS)
    part = sorted((tmp_path / "out").glob("part-*.parquet"))[0]
    schema = pq.read_schema(part)
    frame = pd.read_parquet(part)
    assert schema.equals(pa.Schema.from_pandas(frame.iloc[:0], preserve_index=False), check_metadata=True)
    assert b"pandas" in schema.metadata
    assert {str(frame[c].dtype) for c in ("doc_id", "source", "topic", "file")} == {"str"}
    assert frame["date"].dtype == "datetime64[ns]"
    assert {frame[c].dtype.name for c in frame.columns if c.startswith("count_")} | {frame["row"].dtype.name} == {"int64"}
    assert {frame[c].dtype.name for c in frame.columns if c.startswith(("rate_", "share_"))} == {"float64"}


@pytest.mark.parametrize("jobs", [1, 2])
def test_single_parquet_file_resumes_from_its_parts(tmp_path, monkeypatch, jobs):
    df = make_docs(60)
    path = write_input(df, tmp_path / "news.jsonl")
    full = score_files(path, mini_lexicon(), tmp_path / "full.parquet", jobs=1, chunk_size=7, progress=False, **COLUMNS)
    target = tmp_path / "scores.parquet"
    interrupted_run(monkeypatch, 4, lambda: score_files(path, mini_lexicon(), target, jobs=1, chunk_size=7,
                                                         progress=False, **COLUMNS))
    work = tmp_path / "scores.parquet.parts"
    assert not target.exists() and len(list(work.glob("part-*.arrow"))) == 4
    assert not list(tmp_path.glob(".scores.parquet.*.tmp"))  # the half-written file was removed
    # what a SIGKILL leaves beside the output (no handler runs): the half-assembled file, a manifest copy
    (tmp_path / ".scores.parquet.a1b2c3.tmp").write_bytes(b"PAR1 partial")
    (tmp_path / ".scores.parquet.manifest.json.d4e5.tmp").write_text("{")
    (tmp_path / ".other.parquet.f6g7.tmp").write_bytes(b"not ours")
    (tmp_path / ".scores.parquet.csv.h8i9j0k1.tmp").write_bytes(b"nor this: another output's, scores.parquet.csv")
    resumed = score_files(path, mini_lexicon(), target, jobs=jobs, chunk_size=7, progress=False, **COLUMNS)
    assert resumed.parts_skipped == 4 and not work.exists()
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [".other.parquet.f6g7.tmp", ".scores.parquet.csv.h8i9j0k1.tmp"]
    pd.testing.assert_frame_equal(pd.read_parquet(target), pd.read_parquet(tmp_path / "full.parquet"))
    assert (resumed.read, resumed.written) == (full.read, full.written) == (60, 60)


@pytest.mark.parametrize("name", ["scores.csv", "scores.tsv"])
def test_single_csv_file_from_parts_whose_header_holds_a_line_break(tmp_path, name):
    """A label id built in Python may hold a line break; the header is then two lines, and each
    part's header must still be skipped whole when the parts are joined."""
    from framelens.lexicon import Family, Label, Lexicon, Pattern

    lex = Lexicon("odd", "1", (Family("actors", (Label("new\nline", (Pattern("rebel*"),)),
                                                 Label("army", (Pattern("army"),)))),))
    df = make_docs(30)
    path = write_input(df, tmp_path / "news.jsonl")
    score_files(path, lex, tmp_path / name, jobs=1, chunk_size=7, progress=False, **COLUMNS)
    sep = "," if name.endswith(".csv") else "\t"
    got = pd.read_csv(tmp_path / name, sep=sep, dtype={"doc_id": str})
    assert len(got) == 30 and "count_new\nline" in got.columns
    expected = framelens.score(framelens.read_corpus(df, text="body", source="outlet", id="id", date="published"), lex)
    assert got.set_index("doc_id")["count_new\nline"].to_dict() == expected.set_index("doc_id")["count_new\nline"].to_dict()
    assert aggregate(tmp_path / name, by="source")["n_docs"].sum() == 30


def test_assembler_reads_parquet_parts_of_an_earlier_version(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    df = make_docs(30)
    path = write_input(df, tmp_path / "news.jsonl")
    score_files(path, mini_lexicon(), tmp_path / "full.parquet", jobs=1, chunk_size=10, progress=False, **COLUMNS)
    interrupted_run(monkeypatch, 2, lambda: score_files(path, mini_lexicon(), tmp_path / "scores.parquet", jobs=1,
                                                         chunk_size=10, progress=False, **COLUMNS))
    work = tmp_path / "scores.parquet.parts"
    for part in work.glob("part-*.arrow"):  # what the previous version left: Parquet parts
        pq.write_table(batch_local._read_part(part), part.with_suffix(".parquet"))
        part.unlink()
    journal = work / "_journal.jsonl"
    journal.write_text(journal.read_text().replace(".arrow", ".parquet"))
    score_files(path, mini_lexicon(), tmp_path / "scores.parquet", jobs=1, chunk_size=10, progress=False, **COLUMNS)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "scores.parquet"), pd.read_parquet(tmp_path / "full.parquet"))


# ---------------------------------------------------------------------------------------------
# a chunk's text, source and date: with Arrow where that gives what read_corpus gives
def read_corpus_fields(values: dict) -> tuple[list, list, np.ndarray]:
    """The oracle: framelens.read_corpus on the same values (the in-memory path)."""
    import warnings

    plain = {role: v if isinstance(v, list) else v.to_pylist() for role, v in values.items()}
    frame = pd.DataFrame({"doc_id": [str(i) for i in range(len(plain["text"]))], **plain})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", framelens.corpus.CorpusWarning)
        corpus = framelens.read_corpus(frame, text="text", source="source", id="doc_id", date="date", title="title")
    return corpus.texts, corpus.docs["source"].tolist(), corpus.docs["date"].to_numpy(dtype="datetime64[ns]")


def fields_of(values: dict) -> tuple[list, list, np.ndarray]:
    texts, source, date = batch_local.role_fields(values)
    return list(texts), source.to_pylist(), date.to_numpy(zero_copy_only=False).astype("datetime64[ns]")


def role_values(texts, sources, dates, arrow: bool) -> dict:
    import pyarrow as pa

    values = {"text": list(texts), "source": list(sources), "date": list(dates), "title": [None] * len(texts)}
    if arrow:  # as Records.values gives rows read in Arrow blocks
        values = {role: pa.chunked_array([pa.array(v, type=pa.string())]) for role, v in values.items()}
    return values


def assert_same_fields(values: dict) -> None:
    got, expected = fields_of(values), read_corpus_fields(values)
    assert got[0] == expected[0] and got[1] == expected[1]
    np.testing.assert_array_equal(got[2], expected[2])  # NaT equals NaT here


@pytest.mark.parametrize("arrow", [True, False])
def test_role_fields_take_arrow_for_iso_dates_and_equal_read_corpus(arrow):
    dates = ["2024-05-01", "1999-12-31T23:59:59", "2024-05-01 10:00", "2016-09-20T07", "2024-02-29T00:00:00.123456789",
             "", None]
    values = role_values([f"Rebels said {i}." for i in range(6)] + [None], ["Wire", None, "", "Post", "Wire", "X", None],
                         dates, arrow)
    assert batch_local._role_fields_arrow(values) is not None  # the fast path is the one taken here
    assert_same_fields(values)
    texts, sources, parsed = fields_of(values)
    assert texts[-1] == "" and sources[1] == "(missing)" and sources[2] == ""
    assert str(parsed[4]) == "2024-02-29T00:00:00.123456789" and np.isnat(parsed[5]) and np.isnat(parsed[6])


@pytest.mark.parametrize("odd", ["2024-02-30", "2023-02-29", "2024-05-01T24:00:00", "2024-05-01T10:00:00Z",
                                 "2024-05-01T10:00:00+02:00", "1850-01-01", "May 1, 2024", "01/05/2024", " 2024-05-01",
                                 "NaT", "2024-13-01", "2024-05-01T10:61"])
def test_role_fields_leave_other_dates_to_read_corpus(odd):
    values = role_values(["a", "b"], ["Wire", "Post"], ["2024-05-01", odd], arrow=True)
    assert batch_local._role_fields_arrow(values) is None
    assert_same_fields(values)


def test_role_fields_of_numbers_and_nested_values_go_through_read_corpus():
    values = {"text": ["a", "b"], "source": [5, None], "date": ["2024-05-01", None], "title": [None, None]}
    assert batch_local._role_fields_arrow(values) is None
    assert_same_fields(values)
    assert fields_of(values)[1][1] == "(missing)"  # (and 5 becomes what pandas makes of it, as in memory)


from hypothesis import example, given, settings, strategies as st  # noqa: E402 - used by the tests below only

_DATES = st.one_of(st.none(), st.just(""), st.from_regex(batch_local._ISO_DATE, fullmatch=True),
                   st.from_regex(r"\A(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]([T ][0-2][0-9]:[0-6][0-9](:[0-6][0-9])?)?\Z"),
                   st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.text(max_size=5)),
                               _DATES), min_size=1, max_size=6), arrow=st.booleans())
@example(rows=[(None, None, "1900-01-\u06610T00:00:00.1")], arrow=False)  # found by Hypothesis: two parse units
def test_role_fields_equal_read_corpus_on_random_values(rows, arrow):
    texts, sources, dates = zip(*rows)
    assert_same_fields(role_values(texts, sources, dates, arrow))
