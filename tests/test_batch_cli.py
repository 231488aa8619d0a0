"""``framelens score`` in batch mode as a user runs it: globs that match the run's own output, an
output that is an input, mistakes found before (not after) the scoring, Ctrl-C and SIGTERM, odd
inputs (an empty folder, a binary Parquet column, a folder's undecodable file)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import framelens
from framelens.batch import score_files
from framelens.batch import local as batch_local
from framelens.batch.manifest import Manifest
from framelens.cli import batch as cli_batch
from framelens.cli.main import main
from framelens.lexicon import write_lexicon

from conftest import mini_lexicon
from test_batch import SENTENCES  # short wire sentences, some without any label

ROOT = Path(__file__).resolve().parents[1]


def news(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "doc_id": [f"d{i:05d}" for i in range(n)],
        "source": [["Wire", "Herald", "Post"][i % 3] for i in range(n)],
        "date": [f"2024-0{1 + i % 3}-1{i % 10}" for i in range(n)],
        "text": [" ".join(SENTENCES[j] for j in rng.integers(0, len(SENTENCES), 4)) for i in range(n)],
    })


@pytest.fixture
def lexicon(tmp_path) -> str:
    return str(write_lexicon(mini_lexicon(), tmp_path / "mini.yaml"))


def cli(capsys, *argv) -> tuple[int, str, str]:
    """``framelens ARGV`` in this process: exit status, stdout, stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------------------------
# globs and outputs
# ---------------------------------------------------------------------------------------------
def test_a_glob_rerun_does_not_read_the_runs_own_output(tmp_path, monkeypatch, capsys, lexicon):
    """'*.csv' --out scores.csv, run twice: the second run read scores.csv as an input and failed
    (no column 'text'); '*.json*' also took scores.csv.manifest.json; 'data/*' the dataset folder."""
    monkeypatch.chdir(tmp_path)
    news(6).to_csv("a.csv", index=False)
    news(4, seed=2).to_csv("b.csv", index=False)
    for _ in range(2):
        code, _, err = cli(capsys, "score", "*.csv", "-l", lexicon, "--jobs", "1", "--out", "scores.csv")
        assert code == 0, err
    assert "is already complete (10 documents scored" in err
    assert [i["path"] for i in Manifest.read_file("scores.csv.manifest.json")["inputs"]] == ["a.csv", "b.csv"]

    news(3).to_json("c.jsonl", orient="records", lines=True)
    for _ in range(2):
        code, _, err = cli(capsys, "score", "*.json*", "-l", lexicon, "--jobs", "1", "--out", "s.jsonl")
        assert code == 0, err
    assert "is already complete (3 documents scored, 0 rejected)" in err
    assert not Path("s.jsonl.rejects.jsonl").exists()

    Path("data").mkdir()
    news(5).to_csv("data/x.csv", index=False)
    for _ in range(2):  # the dataset folder is left out of 'data/*'
        code, _, err = cli(capsys, "score", "data/*", "-l", lexicon, "--jobs", "1", "--out", "data/scores/")
        assert code == 0, err
    assert "is already complete (5 documents scored" in err

    code, _, err = cli(capsys, "score", "scores*", "-l", lexicon, "--jobs", "1", "--out", "scores.csv")
    assert code == 2 and "scores*: the glob pattern matches only the output of framelens batch runs" in err


@pytest.mark.parametrize("argv", [
    ["score", "news.csv", "--jobs", "1", "--out", "news.csv"],
    ["score", "news.csv", "--jobs", "1", "--out", "./sub/../news.csv"],
    ["score", "news.csv", "--out", "news.csv"],                    # not in batch mode either
    ["score", "news.csv", "--out", "link.csv", "--by", "source"],  # a symlink to the input
    ["kwic", "news.csv", "rebels", "--out", "news.csv"],
    ["score", "news.csv", "--jobs", "1", "--out", "s/", "--by", "source", "--by-out", "news.csv"],
])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, monkeypatch, capsys, lexicon, argv):
    """The output replaced the input file: the news were gone, replaced by their scores."""
    monkeypatch.chdir(tmp_path)
    news(6).to_csv("news.csv", index=False)
    Path("sub").mkdir()
    Path("link.csv").symlink_to("news.csv")
    before = Path("news.csv").read_bytes()
    code, _, err = cli(capsys, *argv, *(["-l", lexicon] if argv[0] == "score" else []))
    assert code == 2 and err.startswith("framelens: error:") and "overwrite" in err and "news.csv" in err, err
    assert len(err.strip().splitlines()) == 1
    assert Path("news.csv").read_bytes() == before
    assert not Path("s").exists()


@pytest.mark.parametrize("options, message", [
    (["--by", "sourc"], "--by sourc: no such column in the batch output (columns: doc_id, source, date, file, row;"),
    (["--by", "source", "--by-out", "groups.xlsx"], "groups.xlsx: cannot tell the output format"),
    (["--by", "source", "--by-out", "scores.csv"], "--by-out scores.csv would overwrite the scores of --out"),
    (["--by-out", "groups.csv"], "--by-out writes the per-group table of --by; give --by COLUMN too"),
    (["--chunk-mb", "0"], "--chunk-mb must be more than 0, not 0.0"),
    (["--chunk-size", "0"], "--chunk-size must be ≥ 1, not 0"),
    (["--jobs", "0"], "--jobs must be ≥ 1, or negative (-1: every core, as in scikit-learn), not 0"),
    (["--timezone", "Asia/Kolkatta"], "--timezone: unknown time zone 'Asia/Kolkatta'; give 'UTC' (the default)"),
])
def test_mistakes_in_options_fail_before_anything_is_scored(tmp_path, monkeypatch, capsys, lexicon, options,
                                                              message):
    """These failed after the whole run (--by, --by-out), were ignored (--by-out without --by) or
    made one-byte chunks (--chunk-mb 0 or -1)."""
    monkeypatch.chdir(tmp_path)
    news(6).to_csv("news.csv", index=False)
    code, _, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", "1", "--out", "scores.csv", *options)
    assert code == 2 and message in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mini.yaml", "news.csv"]  # nothing written


def test_an_output_under_a_file_or_in_a_folder_without_write_access(tmp_path, monkeypatch, capsys, lexicon):
    """A file where the output's folder must be gave a FileExistsError traceback."""
    monkeypatch.chdir(tmp_path)
    news(3).to_csv("news.csv", index=False)
    Path("notes").write_text("a file")
    for out in ("notes/scores.parquet", "notes/scores/", "notes/deeper/scores.csv"):
        code, _, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", "1", "--out", out)
        assert code == 2 and err == f"framelens: error: out {out}: notes is a file, not a folder\n"
    Path("locked").mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p).name != "locked" and real_access(p, mode))
    code, _, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", "1", "--out", "locked/scores.csv")
    assert code == 2 and "out locked/scores.csv: cannot write in locked (permission denied)" in err
    assert list(Path("locked").iterdir()) == []


def test_a_folder_without_text_files_fails_before_the_output_exists(tmp_path, monkeypatch, capsys, lexicon):
    """It failed once the folder's turn came, after the output and its manifest were created."""
    monkeypatch.chdir(tmp_path)
    Path("empty/sub").mkdir(parents=True)
    Path("empty/notes.md").write_text("Rebels.")
    code, _, err = cli(capsys, "score", "empty", "-l", lexicon, "--jobs", "1", "--out", "scores/")
    assert code == 2 and "empty: no .txt files in this folder" in err
    assert not Path("scores").exists() and not Path(".scores.lock").exists()


def test_by_without_by_out_prints_labels_in_long_form(tmp_path, monkeypatch, capsys, lexicon):
    """The batch printed the wide group table (three columns per label) to the terminal, where
    framelens score without --out prints the labels with hits in long form."""
    monkeypatch.chdir(tmp_path)
    df = news(30)
    df.to_csv("news.csv", index=False)
    code, out, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", "1", "--out", "scores/",
                         "--by", "source", "--by", "month")
    assert code == 0 and "showing labels with hits in long form; --by-out FILE writes the wide table" in err
    code, in_memory, _ = cli(capsys, "score", "news.csv", "-l", lexicon, "--by", "source", "--by", "month")
    assert code == 0 and out == in_memory  # the table framelens score prints without batch mode
    expected = framelens.score(framelens.read_corpus(df), mini_lexicon(), by=["source", "month"], shape="long")
    expected = expected[expected["count"] > 0]
    assert out.splitlines()[0].split() == [*expected.columns]
    assert len(out.splitlines()) == len(expected) + 1


# ---------------------------------------------------------------------------------------------
# odd inputs
# ---------------------------------------------------------------------------------------------
def test_a_binary_parquet_text_column_is_decoded_or_its_row_rejected(tmp_path):
    """A binary column with a byte that is not UTF-8 stopped the run with a UnicodeDecodeError."""
    path = tmp_path / "bin.parquet"
    pq.write_table(pa.table({"doc_id": ["a", "b", "c"], "source": [b"Wire", b"Post", b"Herald"],
                             "text": [b"Rebels and the army.", b"\xff army", "Insurgents.".encode()]}), path)
    result = score_files(path, mini_lexicon(), tmp_path / "strict", jobs=1, progress=False)
    assert (result.read, result.written, result.rejected) == (3, 2, 1)
    rows = pd.read_parquet(tmp_path / "strict")
    assert rows["source"].tolist() == ["Wire", "Herald"] and rows["hits"].tolist() == [2, 1]
    reject = json.loads(result.rejects_path.read_text(encoding="utf-8"))
    assert (reject["row"], reject["reason"]) == (2, "undecodable bytes for encoding 'utf-8' at byte 0 in field 'text'")
    result = score_files(path, mini_lexicon(), tmp_path / "replace", jobs=1, errors="replace", progress=False)
    assert (result.read, result.written, result.rejected) == (3, 3, 0)
    assert pd.read_parquet(tmp_path / "replace")["count_army"].tolist() == [1, 1, 0]  # "\ufffd army"


def test_a_folders_undecodable_file_is_rejected_with_its_row(tmp_path):
    """The reject of a folder's file had row null, while the output numbers the files 1, 2, 3…"""
    root = tmp_path / "texts"
    (root / "wire").mkdir(parents=True)
    (root / "a.txt").write_text("Rebels advanced.")
    (root / "b.txt").write_bytes("Rebels \xe0 Paris.".encode("latin-1"))
    (root / "wire" / "c.txt").write_text("The army said so.")
    result = score_files(root, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    assert (result.read, result.written, result.rejected) == (3, 2, 1)
    assert pd.read_parquet(tmp_path / "out")["row"].tolist() == [1, 3]
    reject = json.loads(result.rejects_path.read_text(encoding="utf-8"))
    assert (reject["file"], reject["row"]) == (str(root / "b.txt"), 2)


# ---------------------------------------------------------------------------------------------
# Ctrl-C and SIGTERM
# ---------------------------------------------------------------------------------------------
def test_ctrl_c_says_how_to_continue_and_the_same_command_does(tmp_path, monkeypatch, capsys, lexicon):
    """It printed only 'framelens: interrupted'."""
    monkeypatch.chdir(tmp_path)
    news(50).to_json("news.jsonl", orient="records", lines=True)
    argv = ["score", "news.jsonl", "-l", lexicon, "--jobs", "1", "--chunk-size", "10", "--out", "scores.csv"]
    real, done = batch_local.process_chunk, []

    def process_chunk(chunk, settings):  # Ctrl-C while the fourth chunk is scored
        if len(done) == 3:
            raise KeyboardInterrupt
        done.append(chunk.name)
        return real(chunk, settings)

    monkeypatch.setattr(batch_local, "process_chunk", process_chunk)
    code, _, err = cli(capsys, *argv)
    assert code == 130
    assert err == ("framelens: interrupted; 3 finished part(s) are kept in scores.csv.parts: run the same "
                   "command again to continue (--no-resume starts again)\n")
    monkeypatch.setattr(batch_local, "process_chunk", real)
    code, _, err = cli(capsys, *argv)
    assert code == 0 and "scored 50 documents from 1 input(s)" in err and "(3 parts from an earlier run)" in err


def test_stop_signals_leave_forked_workers_to_the_run(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: a pool worker waiting for work
    printed a KeyboardInterrupt traceback. Under the handler a forked child ignores SIGINT and
    dies of SIGTERM, while the run's own process gets the exception that stops it cleanly."""
    before = signal.getsignal(signal.SIGTERM)
    with cli_batch._stop_signals():
        codes = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            pid = os.fork()
            if pid == 0:  # a worker
                try:
                    os.kill(os.getpid(), signum)
                    time.sleep(0.05)
                    os._exit(0)
                except BaseException:
                    os._exit(1)
            codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        with pytest.raises(KeyboardInterrupt) as stopped:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
    assert codes == [0, -signal.SIGTERM] and stopped.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) == before  # put back


def _start(argv: list[str], cwd: Path) -> subprocess.Popen:
    def default_signals():  # as in a terminal (a background job of a script ignores SIGINT)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    return subprocess.Popen([sys.executable, "-m", "framelens", *argv], cwd=cwd, start_new_session=True,
                            preexec_fn=default_signals, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _group(pgid: int) -> list[str]:
    ps = subprocess.run(["ps", "-o", "pid=,stat=", "-g", str(pgid)], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if "Z" not in line.split()[-1]]  # zombies are gone already


@pytest.mark.parametrize("signum, whom", [(signal.SIGINT, "group"), (signal.SIGTERM, "run")])
def test_a_signal_stops_a_two_job_run_cleanly_and_the_same_command_continues(tmp_path, lexicon, signum, whom):
    """SIGINT to the group (Ctrl-C) printed no hint; SIGTERM to the run's process alone killed it
    and left its two workers running forever (holding its stderr open)."""
    news(4000).to_json(tmp_path / "news.jsonl", orient="records", lines=True)
    argv = ["score", "news.jsonl", "-l", lexicon, "--jobs", "2", "--chunk-size", "20", "--engine", "python",
            "--out", "scores/"]
    proc = _start(argv, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while len(list((tmp_path / "scores").glob("part-*"))) < 4:
            assert proc.poll() is None and time.monotonic() < deadline, "no part appeared"
            time.sleep(0.005)
        os.killpg(proc.pid, signum) if whom == "group" else os.kill(proc.pid, signum)
        _, err = proc.communicate(timeout=20)
        err = err.decode()
        assert proc.returncode == 128 + signum, err
        assert "Traceback" not in err and err.count("\n") == 1
        what = "interrupted" if signum == signal.SIGINT else "stopped by SIGTERM"
        assert err.startswith(f"framelens: {what}; ") and " finished part(s) are kept in scores: run the same " \
            "command again to continue (--no-resume starts again)" in err
        time.sleep(0.2)
        assert _group(proc.pid) == []  # no worker left behind
        assert Manifest.read(tmp_path / "scores")["status"] == "running"
        assert not (tmp_path / ".scores.lock").exists()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # this test's own group: workers a failure left behind
        except ProcessLookupError:
            pass
    rerun = subprocess.run([sys.executable, "-m", "framelens", *argv, "--no-progress"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert Manifest.read(tmp_path / "scores")["counts"] == {"read": 4000, "written": 4000, "rejected": 0}
    assert Manifest.read(tmp_path / "scores")["resumed"] == 1


def test_negative_jobs_count_from_every_core_as_in_scikit_learn(tmp_path, monkeypatch, capsys, lexicon):
    import framelens.batch.local as local

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(local, "_default_jobs", lambda: 3)
    used = []
    real_run_local = local.run_local
    monkeypatch.setattr(local, "run_local", lambda chunks, settings, jobs, *a, **k: (used.append(jobs),
                                                                                   real_run_local(chunks, settings, 1, *a, **k))[1])
    news(6).to_csv("news.csv", index=False)
    for jobs, expected in (("-1", 3), ("-2", 2), ("-7", 1)):
        code, _, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", jobs, "--out", f"s{jobs}.csv")
        assert code == 0, err
        assert used[-1] == expected
    assert pd.read_csv("s-1.csv").equals(pd.read_csv("s-7.csv"))


def test_a_run_that_scores_no_row_fails_with_the_rejects_named(tmp_path, monkeypatch, capsys, lexicon):
    monkeypatch.chdir(tmp_path)
    Path("nulls.jsonl").write_text('{"text": null}\n{"text": null}\n', encoding="utf-8")
    code, _, err = cli(capsys, "score", "nulls.jsonl", "-l", lexicon, "--jobs", "1", "--out", "s.csv")
    assert code == 1 and "none of the 2 row(s) could be scored; see s.csv.rejects.jsonl" in err
    # a run with some rows scored still succeeds, and notes the rejects
    Path("mixed.jsonl").write_text('{"text": null}\n{"text": "Rebels attacked."}\n', encoding="utf-8")
    code, _, err = cli(capsys, "score", "mixed.jsonl", "-l", lexicon, "--jobs", "1", "--out", "m.csv")
    assert code == 0 and "1 row(s) could not be scored" in err


def test_timezone_in_batch_mode_and_the_stand_alone_parser(tmp_path, monkeypatch, capsys, lexicon):
    """--timezone reaches score_files from 'framelens score' and 'python -m framelens.cli.batch'; the
    manifest records it, and the same command resumes while another clock is refused."""
    monkeypatch.chdir(tmp_path)
    frame = news(6)
    frame["date"] = ["2024-03-31T20:00:00Z", "2024-03-31T17:00:00Z", "2024-03-31", "2024-03-31T23:00:00-04:00",
                     "1711920600", ""]
    frame.to_csv("news.csv", index=False)
    code, _, err = cli(capsys, "score", "news.csv", "-l", lexicon, "--jobs", "1", "--out", "s/",
                       "--timezone", "Asia/Kolkata")
    assert code == 0, err
    # 20:00Z → 01:30 on 1 April in Kolkata; 17:00Z → 22:30; no zone: as written; 23:00 EDT = 03:00Z → 08:30;
    # 1711920600 s = 21:30Z → 03:00
    expected = ["2024-04-01 01:30:00", "2024-03-31 22:30:00", "2024-03-31 00:00:00", "2024-04-01 08:30:00",
                "2024-04-01 03:00:00", "NaT"]
    assert [str(d) for d in framelens.batch.load_scores("s").docs["date"]] == expected
    assert Manifest.read("s")["params"]["timezone"] == "Asia/Kolkata"
    assert cli_batch.main(["news.csv", "-l", lexicon, "--jobs", "1", "--out", "s/", "--timezone", "Asia/Kolkata",
                           "--no-resume"]) == 0
    capsys.readouterr()
    assert cli_batch.main(["news.csv", "-l", lexicon, "--jobs", "1", "--out", "s/", "--timezone", "as-written"]) == 2
    assert "cannot resume: parameters differ: timezone" in capsys.readouterr().err
