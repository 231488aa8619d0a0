"""The framelens command as a user runs it: help, outputs by extension, one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

import framelens
from framelens.cli.main import build_parser, main


def run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "framelens", *argv], capture_output=True, text=True, timeout=120)


def verbs(parser) -> list[str]:
    action = next(a for a in parser._actions if a.dest == "verb")
    return list(action.choices)


def test_every_verb_has_a_useful_help(capsys):
    for verb in verbs(build_parser()):
        with pytest.raises(SystemExit) as ex:
            main([verb, "--help"])
        assert ex.value.code == 0
        out = capsys.readouterr().out
        assert f"framelens {verb}" in out and len(out.splitlines()) >= 3, verb


def test_score_writes_by_extension(tmp_path, news_frame):
    src = tmp_path / "news.csv"
    news_frame.to_csv(src, index=False)
    out = tmp_path / "scores.parquet"
    proc = run("score", str(src), "--text-column", "body", "--source-column", "outlet", "--id-column", "id",
               "--lexicon", "conflict_actors", "--by", "source", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    df = pd.read_parquet(out)
    assert sorted(df["source"]) == ["Herald", "Post", "Wire"]
    assert df.set_index("source").loc["Post", "count_terrorists"] == 2


def test_score_sample_csv_and_provenance(tmp_path):
    out = tmp_path / "s.csv"
    assert main(["score", "sample", "--lexicon", "conflict_actors", "--by", "source", "--out", str(out)]) == 0
    df = pd.read_csv(out)
    assert df["source"].nunique() >= 6 and "share_rebels" in df.columns
    prov = json.loads((tmp_path / "s.csv.provenance.json").read_text())
    assert prov["lexicon"]["name"] == "conflict_actors" and len(prov["corpus"]["sha256"]) == 64


def test_bad_input_is_one_line_without_traceback(tmp_path, news_frame):
    src = tmp_path / "news.csv"
    news_frame.to_csv(src, index=False)
    proc = run("score", str(src), "--lexicon", "conflict_actors", "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "news.csv" in proc.stderr and "no column 'text'" in proc.stderr and "body" in proc.stderr
    assert not (tmp_path / "x.csv").exists()
    debug = run("--debug", "score", str(src), "--lexicon", "conflict_actors")
    assert "Traceback" in debug.stderr


def test_unknown_lexicon_and_bad_extension_are_clear(tmp_path):
    proc = run("score", "sample", "--lexicon", "no_such_lexicon")
    assert proc.returncode == 2 and "no_such_lexicon" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("score", "sample", "--lexicon", "conflict_actors", "--out", str(tmp_path / "x.xlsx"))
    assert proc.returncode == 2 and ".xlsx" in proc.stderr


def test_kwic_and_corpus_info_and_lexicon_verbs(tmp_path, capsys):
    assert main(["kwic", "sample", "insurgen*", "--window", "4", "--out", str(tmp_path / "k.jsonl")]) == 0
    k = pd.read_json(tmp_path / "k.jsonl", lines=True)
    assert k["keyword"].str.lower().str.startswith("insurgen").all()
    assert main(["corpus", "info", "sample"]) == 0
    out = capsys.readouterr().out
    assert "fictional" in out and "sha256" in out
    assert main(["lexicon", "list"]) == 0
    assert "conflict_actors" in capsys.readouterr().out
    assert main(["lexicon", "show", "conflict_actors", "--family", "armed_opposition"]) == 0
    assert "insurgents" in capsys.readouterr().out
    assert main(["lexicon", "validate", "conflict_actors"]) == 0
    assert main(["datasets", "list"]) == 0
    assert "sample" in capsys.readouterr().out


def test_lexicon_validate_reports_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nversion: '1'\nfamilies:\n  actors:\n    labels:\n      rebels:\n        paterns: [rebel]\n")
    proc = run("lexicon", "validate", str(bad))
    assert proc.returncode == 2 and "bad.yaml:7" in proc.stderr and "paterns" in proc.stderr


def test_compare_within_story_and_decompose(tmp_path):
    out = tmp_path / "within.csv"
    assert main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "shares", "--within", "event",
                 "--family", "armed_opposition", "--n-boot", "50", "--out", str(out)]) == 0
    within = pd.read_csv(out)
    assert within["n_stories"].min() >= 2 and set(within["family"]) == {"armed_opposition"}
    dec = tmp_path / "dec.csv"
    assert main(["compare", "sample", "--lexicon", "conflict_actors", "--method", "decompose", "--within", "event",
                 "--family", "armed_opposition", "--out", str(dec), "--figures", str(tmp_path / "figs")]) == 0
    parts = pd.read_csv(dec)
    assert (parts["pooled_diff"] - parts["selection"] - parts["framing"] - parts["unmatched"]).abs().max() < 1e-9
    assert (tmp_path / "figs" / "decomposition.png").stat().st_size > 10_000
    proc = run("compare", "sample", "--lexicon", "conflict_actors", "--method", "divergence", "--within", "event")
    assert proc.returncode == 2 and "--within applies to" in proc.stderr


def test_the_command_flushes_everything_before_its_quick_exit(tmp_path, capsys):
    """``python -m framelens`` (like the console script) ends with ``os._exit`` once the command has
    returned: a long standard output through a pipe still arrives whole, files are complete and the
    exit code is kept."""
    done = run("kwic", "sample", "rebel*")
    assert done.returncode == 0, done.stderr
    assert main(["kwic", "sample", "rebel*"]) == 0
    assert done.stdout == capsys.readouterr().out and done.stdout.count("\n") > 100
    out = tmp_path / "scores.csv"
    assert run("score", "sample", "--lexicon", "conflict_actors", "--out", str(out)).returncode == 0
    assert len(pd.read_csv(out)) == len(framelens.datasets.load_sample())
    bad = run("score", str(tmp_path / "missing.csv"), "--lexicon", "conflict_actors", "--out", str(out))
    assert bad.returncode == 2 and "missing.csv" in bad.stderr


def test_warnings_are_one_line_and_a_kwic_pattern_is_named_as_the_argument(capsys):
    """A pattern written as a regex finds nothing: the user is told why, in one line like the errors;
    an unusable pattern is an error about the argument, said once."""
    assert main(["kwic", "sample", "rebel+"]) == 0
    err = capsys.readouterr().err
    assert "framelens: warning: kwic: no hit of 'rebel+'. Patterns are not regular expressions" in err
    assert "UserWarning" not in err and ".py:" not in err
    assert main(["kwic", "sample", "rebel*"]) == 0  # a pattern with hits: no warning
    assert "warning" not in capsys.readouterr().err
    assert main(["kwic", "sample", "rebel *"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("framelens: error: pattern 'rebel *': '*' must be attached to letters, digits or '?' "
                           "(e.g. 'insurgen*'; write '?*' for any word)")


def test_score_per_sentence_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "sentences.csv"
    assert main(["score", "sample", "-l", "conflict_actors", "--unit", "sentence", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    sample = framelens.datasets.load_sample()
    assert len(table) == sum(map(len, sample.sentence_spans()))
    assert table["hits"].sum() == len(framelens.match(sample, "conflict_actors"))
    assert json.loads(out.with_name(out.name + ".provenance.json").read_text())["params"]["unit"] == "sentence"
    capsys.readouterr()
    assert main(["score", "sample", "-l", "conflict_actors", "--unit", "sentence", "--jobs", "2",
                 "--out", str(tmp_path / "batch/")]) == 2
    assert "--unit sentence reads one input whole" in capsys.readouterr().err


def test_reading_notes_are_capped_and_counted(tmp_path, capsys):
    # 50 empty texts: 20 notes, then one line counting the rest (not 50 lines of the same note)
    src = tmp_path / "many_empty.csv"
    src.write_text("text,source\n" + ",A\n" * 50 + "Rebels attacked the town.,B\n", encoding="utf-8")
    assert main(["corpus", "info", str(src)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("framelens: note:")]
    assert len(notes) == 21
    assert "row 20, field 'text'" in notes[19] and "row 21" not in " ".join(notes)
    assert "and 30 more (30 in field 'text')" in notes[20]


def test_column_options_with_sample_are_reported_as_ignored(capsys):
    assert main(["corpus", "info", "sample", "--text-column", "body", "--date-column", "published"]) == 0
    assert "warning: --text-column, --date-column ignored: 'sample'" in capsys.readouterr().err


def test_a_long_table_prints_its_first_rows_without_index_and_says_so(capsys):
    assert main(["kwic", "sample", "armed_opposition", "--lexicon", "conflict_actors", "--window", "2"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 201 and lines[0].split()[:3] == ["doc_id", "source", "start"]  # header + 200 rows
    assert "showing the first 200 of" in captured.err and "--out FILE writes them all" in captured.err
