"""framelens.batch.aggregate against its oracle, framelens.score(read_corpus(...), lexicon, by=...).

Every output layout and part format, group keys that text formats mangle (numbers as text, empty and
missing values, Unicode, commas, quotes, newlines, strings that look like dates), date bins over
missing, zoned, pre-1970 and far-future dates, label ids that need escaping as column names, parts
of rejected rows, many groups; then what ``by`` accepts, which files are read, and the provenance.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.batch import aggregate, score_files
from framelens.corpus import CorpusWarning
from framelens.errors import ParameterError
from framelens.io_utils import write_table
from framelens.lexicon import Family, Label, Lexicon, Pattern

from conftest import mini_lexicon

# (out name, format=): a dataset directory of each part format, and each single file
LAYOUTS = [("scores", "parquet"), ("scores", "csv"), ("scores", "tsv"), ("scores", "jsonl"),
           ("scores.parquet", None), ("scores.csv", None), ("scores.tsv", None), ("scores.jsonl", None)]
LAYOUT_IDS = [f"{out}-{fmt}" if fmt else out for out, fmt in LAYOUTS]

# kept values that CSV, TSV and JSON readers like to reinterpret
AWKWARD = ["007", "2024", "", None, "Ünïcødé ✓", "a,b", 'say "hi"', "line\nbreak", "tab\there", "NaN", "null",
           "NA", " padded ", "(missing)", "1e3", "true", "2024-05-01", "2024-05-01 10:00:00", "2024-05-01T11:00:00"]
# dates: missing, zoned (one crosses a month in UTC, one a day and a month in Kolkata but not in UTC),
# with times, before 1970, far future, unusable
DATES = ["", None, "2024-03-31T23:30:00+05:00", "2024-02-29T22:00:00-04:00", "1950-06-15", "1901-01-01",
         "1969-12-31T23:59:59", "2200-12-31", "2300-01-01", "2024-02-30", "not a date", "2024-05-01 10:11:12",
         "2024-05-01T10:11:12Z", "2024-03-31T19:00:00Z"]
# the clocks the oracle runs on (read_corpus / score_files timezone=)
TIMEZONES = ["UTC", "Asia/Kolkata", "as-written"]


def sample_docs(n: int = 66) -> pd.DataFrame:
    """The embedded sample's first ``n`` documents with awkward dates, sources and kept fields."""
    docs = framelens.datasets.load_sample().docs.head(n).reset_index(drop=True)
    docs["date"] = docs["date"].dt.strftime("%Y-%m-%d").astype(object)
    for i, value in enumerate(DATES[: (n + 4) // 5]):
        docs.loc[5 * i, "date"] = value
    docs["tag"] = [AWKWARD[i % len(AWKWARD)] for i in range(n)]
    docs["source"] = [AWKWARD[(7 * i) % len(AWKWARD)] if i % 3 == 0 else s for i, s in enumerate(docs["source"])]
    return docs


def run(docs: pd.DataFrame, tmp_path: Path, out: str, fmt: str | None, lexicon, **kw) -> Path:
    path = tmp_path / "news.jsonl"
    docs.to_json(path, orient="records", lines=True, force_ascii=False)
    score_files(path, lexicon, tmp_path / out, jobs=1, progress=False, **({"format": fmt} if fmt else {}), **kw)
    return tmp_path / out


def oracle(docs: pd.DataFrame, lexicon, by, timezone: str = "UTC") -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # bad dates are kept as missing and reported
        corpus = framelens.read_corpus(docs.reset_index(drop=True), timezone=timezone)
    return pd.DataFrame(framelens.score(corpus, lexicon, by=by))


def assert_equal(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(pd.DataFrame(got), expected, check_dtype=False)


# ---------------------------------------------------------------------------------------------
# the oracle, on every layout
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("timezone", TIMEZONES)
@pytest.mark.parametrize(("out", "fmt"), LAYOUTS, ids=LAYOUT_IDS)
def test_every_layout_equals_score_by_on_awkward_keys_and_dates(tmp_path, out, fmt, timezone):
    """On every clock: batch dates (the Arrow fast path for chunks of dates without a zone, the
    read_corpus path for the others) and aggregate's reading of them equal the in-memory ones."""
    docs = sample_docs()
    lex = framelens.load_lexicon("conflict_actors")
    output = run(docs, tmp_path, out, fmt, lex, chunk_size=10, keep=["tag", "event"], timezone=timezone)
    for by in ("source", "tag", "event", "day", "week", "month", "quarter", "year", ["source", "month"],
               ["tag", "year", "source"]):
        assert_equal(aggregate(output, by=by), oracle(docs, lex, by, timezone))


def test_the_clocks_give_other_days_and_months():
    """The oracle above compares like with like; here the clocks are seen to differ where they must
    (hand-computed: 2024-03-31T19:00Z is 1 April 00:30 in Kolkata; 23:30+05:00 is 18:30 UTC,
    00:00 on 1 April in Kolkata, 23:30 on 31 March as written)."""
    docs = pd.DataFrame({"text": ["Rebels.", "The army.", "Rebels."],
                         "date": ["2024-03-31T19:00:00Z", "2024-03-31T23:30:00+05:00", "2024-03-31"]})
    lex = framelens.load_lexicon("conflict_actors")
    months = {tz: dict(zip(*oracle(docs, lex, "month", tz)[["month", "n_docs"]].to_numpy().T)) for tz in TIMEZONES}
    assert months == {"UTC": {"2024-03": 3}, "Asia/Kolkata": {"2024-03": 1, "2024-04": 2},
                      "as-written": {"2024-03": 3}}


def test_documents_without_a_date_form_the_missing_group_as_in_score(tmp_path):
    docs = sample_docs()
    got = aggregate(run(docs, tmp_path, "scores", None, mini_lexicon(), chunk_size=10), by="month")
    missing = docs["date"].isna() | docs["date"].isin(["", "not a date", "2024-02-30", "2300-01-01"])
    assert got.set_index("month").loc["(missing)", "n_docs"] == missing.sum() == 5
    assert got["n_docs"].sum() == len(docs)  # kept, not dropped
    months = got.set_index("month")["n_docs"]
    # dates are grouped in UTC: 2024-02-29 22:00-04:00 is in March, 2024-03-31 23:30+05:00 stays there
    assert "2024-02" not in months.index and months["2024-03"] == (docs["date"].str[:7] == "2024-03").sum() + 1
    assert months[["1901-01", "1950-06", "1969-12", "2200-12"]].tolist() == [1, 1, 1, 1]


@pytest.mark.parametrize(("out", "fmt"), [("scores", "parquet"), ("scores.csv", None)])
def test_no_date_is_told_of_the_whole_output_not_of_one_part(tmp_path, out, fmt):
    # aggregate warned "no document has a date … name the date column" when one part (one file of an
    # archive, one scan batch) had no date, although the others had: score warns only when none has one
    docs = sample_docs(30)
    docs.loc[:9, "date"] = None  # the first part's documents have no date
    output = run(docs, tmp_path, out, fmt, mini_lexicon(), chunk_size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorpusWarning)
        got = aggregate(output, by=["source", "month"])
    assert_equal(got, oracle(docs, mini_lexicon(), ["source", "month"]))
    # no date at all: told once, as framelens.score tells it
    docs["date"] = None
    (tmp_path / "none").mkdir()
    output = run(docs, tmp_path / "none", out, fmt, mini_lexicon(), chunk_size=10)
    with pytest.warns(CorpusWarning, match="by='month': no document has a date") as told:
        got = aggregate(output, by=["source", "month"])
    assert len([w for w in told if issubclass(w.category, CorpusWarning)]) == 1
    assert got["month"].eq("(missing)").all() and got["n_docs"].sum() == 30
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorpusWarning)
        aggregate(output, by="source")  # no date bin, nothing to tell


@pytest.mark.parametrize(("out", "fmt"), LAYOUTS, ids=LAYOUT_IDS)
def test_label_ids_that_need_escaping_and_one_label_families(tmp_path, out, fmt):
    p = lambda *xs: tuple(Pattern(x) for x in xs)  # noqa: E731
    lex = Lexicon("escapes", "1", (
        Family("armed", (Label("per cent", p("rebel*")), Label("a.b", p("insurgen*")), Label('q"uote', p("militia*")),
                         Label("x,y", p("terrorist*")), Label("ünï", p("militant*")))),
        Family("state", (Label("army", p("army")),)),
    ))
    docs = sample_docs(40)
    output = run(docs, tmp_path, out, fmt, lex, chunk_size=9)
    got = aggregate(output, by=["source", "quarter"], lexicon=lex)
    assert_equal(got, oracle(docs, lex, ["source", "quarter"]))
    assert got["share_army"].dropna().eq(1.0).all() and got["count_army"].sum() > 0  # a one-label family


@pytest.mark.parametrize(("out", "fmt"), LAYOUTS, ids=LAYOUT_IDS)
def test_parts_of_rejected_rows_are_skipped(tmp_path, out, fmt):
    docs = sample_docs(40)
    docs.loc[10:19, "text"] = None  # the whole second chunk is rejected: it has no part file
    docs.loc[25, "text"] = None
    output = run(docs, tmp_path, out, fmt, mini_lexicon(), chunk_size=10, keep=["tag"])
    for by in ("tag", ["source", "month"]):
        assert_equal(aggregate(output, by=by), oracle(docs.dropna(subset=["text"]), mini_lexicon(), by))


def test_five_thousand_groups(tmp_path):
    docs = pd.concat([framelens.datasets.load_sample().docs] * 15, ignore_index=True)
    docs["doc_id"] = [f"d{i}" for i in range(len(docs))]
    docs["date"] = docs["date"].dt.strftime("%Y-%m-%d")
    docs["tag"] = [f"{'aBéZß_ 0'[i % 8]}{i % 5000:04d}" for i in range(len(docs))]  # mixed case and scripts
    output = run(docs, tmp_path, "scores", "csv", mini_lexicon(), chunk_size=700, keep=["tag"])
    got = aggregate(output, by=["tag", "source"])
    assert got["tag"].nunique() == 5000
    assert_equal(got, oracle(docs, mini_lexicon(), ["tag", "source"]))


# ---------------------------------------------------------------------------------------------
# JSONL parts: no type guessing
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("out", "fmt"), [("scores", "jsonl"), ("scores.jsonl", None)])
def test_jsonl_whose_first_rows_have_no_date_or_kept_value(tmp_path, out, fmt):
    # Arrow's JSON reader typed the column "null" from the first part (or first MiB of a single file)
    # and then failed on the first string: "Column(/date) changed from null to string"
    n = 2000 if fmt is None else 40
    docs = pd.concat([sample_docs()] * (n // 66 + 1), ignore_index=True).head(n)
    docs["doc_id"] = [f"d{i}" for i in range(n)]
    docs.loc[: n // 2, ["date", "tag"]] = None
    lex = framelens.load_lexicon("conflict_actors")  # 1.5 kB rows: the first 1,000 fill more than a MiB
    output = run(docs, tmp_path, out, fmt, lex, chunk_size=10 if fmt else 10_000, keep=["tag"])
    for by in ("month", "tag", ["tag", "year"]):
        assert_equal(aggregate(output, by=by), oracle(docs, lex, by))


@pytest.mark.parametrize(("out", "fmt"), [("scores", "jsonl"), ("scores.jsonl", None)])
def test_jsonl_kept_values_that_look_like_timestamps_stay_text(tmp_path, out, fmt):
    # Arrow's JSON reader made them timestamps, and the groups became days: 4 groups merged into 2
    docs = sample_docs(40)
    docs["stamp"] = ["2024-05-01 10:00:00", "2024-05-01T11:00:00", "2024-05-01", "1999-12-31T23:59:59Z"] * 10
    output = run(docs, tmp_path, out, fmt, mini_lexicon(), chunk_size=10, keep=["stamp"])
    got = aggregate(output, by="stamp")
    assert got["stamp"].tolist() == ["1999-12-31T23:59:59Z", "2024-05-01", "2024-05-01 10:00:00", "2024-05-01T11:00:00"]
    assert_equal(got, oracle(docs, mini_lexicon(), "stamp"))


# ---------------------------------------------------------------------------------------------
# which files are read
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_table_saved_into_the_output_directory_is_not_read_as_a_part(tmp_path, fmt):
    docs = sample_docs(40)
    output = run(docs, tmp_path, "scores", fmt, mini_lexicon(), chunk_size=10)
    by_source = aggregate(output, by="source")
    # what a researcher does next: keep the table beside the scores it came from. It has every column
    # aggregate reads, and each of its rows was summed as one more document with all its group's hits
    write_table(pd.DataFrame(by_source), output / f"by_source.{fmt}")
    assert_equal(aggregate(output, by="source"), pd.DataFrame(by_source))
    other = "csv" if fmt == "parquet" else "parquet"  # one in another format was read as a part, and failed
    write_table(pd.DataFrame(by_source), output / f"by_source.{other}")
    assert_equal(aggregate(output, by="source"), pd.DataFrame(by_source))


def test_a_part_file_missing_from_a_complete_output_is_an_error(tmp_path):
    output = run(sample_docs(40), tmp_path, "scores", None, mini_lexicon(), chunk_size=10)
    part = sorted(output.glob("part-*.parquet"))[1]
    part.unlink()
    with pytest.raises(ParameterError, match=rf"1 part file\(s\) that the manifest lists are missing \({part.name}\)"):
        aggregate(output, by="source")


# ---------------------------------------------------------------------------------------------
# what `by` accepts
# ---------------------------------------------------------------------------------------------
def test_by_errors_are_parameter_errors_naming_the_batch_output(tmp_path):
    output = run(sample_docs(20), tmp_path, "scores", None, mini_lexicon(), keep=["tag"])
    with pytest.raises(ParameterError, match="by: give a column name or a date bin"):
        aggregate(output, by=None)
    with pytest.raises(ParameterError, match="by: give a column name or a date bin"):
        aggregate(output, by=["source", 3])
    for score_column in ("tokens", "hits", "count_rebels", "rate_army", "share_army"):
        with pytest.raises(ParameterError, match=rf"by: {score_column!r} is a score column.*source, date, tag"):
            aggregate(output, by=["source", score_column])
    with pytest.raises(ParameterError, match=r"no column 'Month' in the batch output; columns: doc_id, source, date, tag"):
        aggregate(output, by="Month")


def test_a_key_given_twice_groups_once_as_in_score(tmp_path):
    docs = sample_docs(30)
    output = run(docs, tmp_path, "scores", None, mini_lexicon())
    for by in (["source", "source"], ["month", "source", "month"]):
        assert_equal(aggregate(output, by=by), oracle(docs, mini_lexicon(), by))


def test_by_file_groups_by_input_a_batch_only_column(tmp_path):
    docs = sample_docs(30)
    (tmp_path / "a.jsonl").write_text(docs.head(12).to_json(orient="records", lines=True), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(docs.tail(18).to_json(orient="records", lines=True), encoding="utf-8")
    score_files([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], mini_lexicon(), tmp_path / "scores.csv", jobs=1,
                progress=False)
    got = aggregate(tmp_path / "scores.csv", by="file")
    assert got["file"].tolist() == [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")]
    assert got["n_docs"].tolist() == [12, 18]
    assert got["tokens"].tolist() == [oracle(docs.head(12), mini_lexicon(), None)["tokens"].sum(),
                                      oracle(docs.tail(18), mini_lexicon(), None)["tokens"].sum()]


# ---------------------------------------------------------------------------------------------
# provenance
# ---------------------------------------------------------------------------------------------
def test_provenance_matches_score_and_names_the_run_that_scored(tmp_path):
    docs = sample_docs(30)
    output = run(docs, tmp_path, "scores", None, "conflict_actors")
    manifest = json.loads((output / "_manifest.json").read_text(encoding="utf-8"))
    manifest["framelens_version"] = "0.0.9"  # an output scored by an earlier version
    (output / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    by = ["source", "month"]
    got = aggregate(output, by=by).attrs["framelens"]
    expected = framelens.score(framelens.read_corpus(docs), "conflict_actors", by=by).attrs["framelens"]
    assert got["kind"] == expected["kind"] == "score"
    assert got["lexicon"] == expected["lexicon"]
    assert {k: got["params"][k] for k in ("by", "shape")} == {k: expected["params"][k] for k in ("by", "shape")}
    assert (got["params"]["read"], got["params"]["written"], got["params"]["rejected"]) == (30, 30, 0)
    batch = got["batch"]
    assert batch["framelens_version"] == "0.0.9" and got["framelens_version"] == framelens.__version__
    assert batch["manifest"] == str(output / "_manifest.json")
    assert (batch["started"], batch["finished"]) == (manifest["started"], manifest["finished"])
    assert batch["inputs"] == 1 and batch["input_bytes"] == (tmp_path / "news.jsonl").stat().st_size
    assert len(batch["inputs_sha256"]) == 64


def test_provenance_stays_small_for_an_archive_of_many_files(tmp_path):
    # pandas deep-copies attrs on every operation: the full input list of a 20,000-file archive made
    # each column selection of the result cost ~0.15 s; the manifest keeps that list
    folder = tmp_path / "archive"
    folder.mkdir()
    docs = sample_docs(60)
    for i in range(60):
        docs.iloc[[i]].to_json(folder / f"{i:03d}.jsonl", orient="records", lines=True)
    score_files(str(folder / "*.jsonl"), mini_lexicon(), tmp_path / "scores", jobs=1, progress=False)
    got = aggregate(tmp_path / "scores", by="source")
    record = got.attrs["framelens"]
    assert record["batch"]["inputs"] == 60 and "inputs" not in record
    assert len(json.dumps(record)) < 2_000
    inputs = json.loads((tmp_path / "scores" / "_manifest.json").read_text())["inputs"]
    other = aggregate(tmp_path / "scores", by="month").attrs["framelens"]["batch"]["inputs_sha256"]
    assert record["batch"]["inputs_sha256"] == other and len(inputs) == 60


def test_numeric_keys_are_listed_in_numeric_order_as_in_score(tmp_path):
    docs = sample_docs(40)
    pages = [(i % 12) + 1 for i in range(len(docs))]  # 1 … 12: as text, "10" would sort before "2"
    pages[3] = None
    docs["page"] = pd.array(pages, dtype="Int64")
    lex = framelens.load_lexicon("conflict_actors")
    output = run(docs, tmp_path, "scores.parquet", None, lex, keep=["page"])
    for by in ("page", ["page", "source"]):
        got = aggregate(output, by=by)
        assert_equal(got, oracle(docs, lex, by))
    pages = aggregate(output, by="page")["page"].tolist()
    assert pages == ["(missing)"] + [str(p) for p in range(1, 13)]
