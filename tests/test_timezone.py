"""The clock of the dates: ``read_corpus(..., timezone=)``, ``score_files(..., timezone=)`` and
``--timezone`` on the command line.

Expectations are computed by hand from the offsets (Asia/Karachi is +05:00 all year, Asia/Kolkata
+05:30, New York −05:00 in winter and −04:00 from 2024-03-10 03:00 local time), never by the
code under test.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import framelens
from framelens.batch import aggregate, load_scores, score_files
from framelens.corpus import CorpusWarning
from framelens.errors import ParameterError
from framelens.lexicon import write_lexicon

from conftest import mini_lexicon

ZONED = "2024-03-31T23:30:00+05:00"  # 18:30 UTC on 31 March


def dates(values, timezone: str, **kw) -> list[str | None]:
    """The stored dates of a corpus of ``values``, as text (None where missing)."""
    df = pd.DataFrame({"text": ["Rebels fired."] * len(values), "date": values})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)
        corpus = framelens.read_corpus(df, timezone=timezone, **kw)
    assert str(corpus.docs["date"].dtype) == "datetime64[ns]"  # naive, as Corpus requires
    return [None if pd.isna(d) else str(d) for d in corpus.docs["date"]]


@pytest.mark.parametrize(("timezone", "expected"), [
    ("UTC", "2024-03-31 18:30:00"),
    ("Asia/Karachi", "2024-03-31 23:30:00"),
    ("America/New_York", "2024-03-31 14:30:00"),   # EDT, −04:00
    ("Asia/Kolkata", "2024-04-01 00:00:00"),       # +05:30: the next day
    ("as-written", "2024-03-31 23:30:00"),
])
def test_a_zoned_date_on_each_clock(timezone, expected):
    assert dates([ZONED], timezone) == [expected]


def test_default_is_utc_and_unchanged():
    df = pd.DataFrame({"text": ["a", "b"], "date": [ZONED, "2024-03-31 10:00"]})
    default = framelens.read_corpus(df)
    assert default.meta["timezone"] == "UTC"
    assert [str(d) for d in default.docs["date"]] == ["2024-03-31 18:30:00", "2024-03-31 10:00:00"]
    assert default.fingerprint == framelens.read_corpus(df, timezone="UTC").fingerprint


def test_offsets_in_every_iso_spelling_and_in_other_formats():
    values = ["2024-04-01T02:00:00+05:30", "2024-04-01T02:00+0530", "2024-04-01 02:00:00.250+05:30",
              "2024-03-31T20:30:00Z", "2024-03-31T20:30:00z", "2024-04-01T01:30:00+05",
              "20240401T020000+0530", "Sun, 31 Mar 2024 23:30:00 +0300", "2024-03-31 20:30 UTC",
              "2024-03-31T15:30:00-05:00"]
    # every one is 2024-03-31 20:30 UTC (the third a quarter second later)
    assert dates(values, "UTC") == ["2024-03-31 20:30:00", "2024-03-31 20:30:00", "2024-03-31 20:30:00.250000",
                                    *["2024-03-31 20:30:00"] * 7]
    assert dates(values, "as-written") == [
        "2024-04-01 02:00:00", "2024-04-01 02:00:00", "2024-04-01 02:00:00.250000", "2024-03-31 20:30:00",
        "2024-03-31 20:30:00", "2024-04-01 01:30:00", "2024-04-01 02:00:00", "2024-03-31 23:30:00",
        "2024-03-31 20:30:00", "2024-03-31 15:30:00"]
    assert dates(values, "Asia/Kolkata") == ["2024-04-01 02:00:00", "2024-04-01 02:00:00",
                                             "2024-04-01 02:00:00.250000", *["2024-04-01 02:00:00"] * 7]


def test_new_york_across_the_march_switch_to_summer_time():
    # 2024-03-10: 02:00 EST becomes 03:00 EDT (07:00 UTC). Instants one hour apart either side.
    values = ["2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z", "2024-03-09T12:00:00Z", "2024-03-11T12:00:00Z"]
    assert dates(values, "America/New_York") == ["2024-03-10 01:30:00", "2024-03-10 03:30:00",
                                                 "2024-03-09 07:00:00", "2024-03-11 08:00:00"]
    # and November back: 2024-11-03 06:30 UTC is 01:30 EST … 05:30 UTC 01:30 EDT
    assert dates(["2024-11-03T05:30:00Z", "2024-11-03T06:30:00Z"], "America/New_York") == [
        "2024-11-03 01:30:00", "2024-11-03 01:30:00"]


def test_unzoned_dates_are_on_the_chosen_clock_beside_zoned_ones():
    values = [ZONED, "2024-03-31 23:30", "2024-03-31", None, "", "not a date"]
    for timezone, first in (("UTC", "2024-03-31 18:30:00"), ("Asia/Kolkata", "2024-04-01 00:00:00"),
                            ("America/New_York", "2024-03-31 14:30:00"), ("as-written", "2024-03-31 23:30:00")):
        assert dates(values, timezone) == [first, "2024-03-31 23:30:00", "2024-03-31 00:00:00", None, None, None]


def test_seconds_and_milliseconds_since_1970_are_instants():
    # 1711920600 s = 2024-03-31 21:30:00 UTC
    values = [1711920600, "1711920600000", "1711920600.5"]
    assert dates(values, "UTC") == ["2024-03-31 21:30:00", "2024-03-31 21:30:00", "2024-03-31 21:30:00.500000"]
    assert dates(values, "Asia/Kolkata") == ["2024-04-01 03:00:00", "2024-04-01 03:00:00",
                                             "2024-04-01 03:00:00.500000"]
    assert dates(values, "America/New_York")[0] == "2024-03-31 17:30:00"
    assert dates(values, "as-written")[0] == "2024-03-31 21:30:00"  # no offset written: UTC


def test_a_zoned_datetime_column():
    column = pd.Series(pd.to_datetime(["2024-04-01 02:00"])).dt.tz_localize("Asia/Kolkata")
    assert dates(column, "UTC") == ["2024-03-31 20:30:00"]
    assert dates(column, "as-written") == ["2024-04-01 02:00:00"]
    assert dates(column, "America/New_York") == ["2024-03-31 16:30:00"]


@pytest.mark.parametrize(("timezone", "days", "months"), [
    ("UTC", {"2024-03-31": 3}, {"2024-03": 3}),
    ("Asia/Kolkata", {"2024-03-31": 1, "2024-04-01": 2}, {"2024-03": 1, "2024-04": 2}),
    ("as-written", {"2024-03-31": 2, "2024-04-01": 1}, {"2024-03": 2, "2024-04": 1}),
    ("America/New_York", {"2024-03-31": 3}, {"2024-03": 3}),
])
def test_day_and_month_bins_follow_the_clock(timezone, days, months):
    df = pd.DataFrame({"text": ["Rebels fired.", "The army fired.", "Rebels and the army."],
                       # 20:30 UTC (Kolkata 02:00 next day), 18:30 UTC (Kolkata 00:00 next day), no zone
                       "date": ["2024-04-01T02:00:00+05:30", ZONED, "2024-03-31 22:00"]})
    corpus = framelens.read_corpus(df, timezone=timezone)
    for by, expected in (("day", days), ("month", months)):
        table = framelens.score(corpus, mini_lexicon(), by=by)
        assert dict(zip(table[by], table["n_docs"])) == expected
        assert table.attrs["framelens"]["corpus"]["timezone"] == timezone


@pytest.mark.parametrize("bad", ["Mars/Olympus", "Asia/Calcutta ", "", "+05:30", None, 5])
def test_an_unknown_zone_is_a_parameter_error_naming_it(bad):
    with pytest.raises(ParameterError, match=r"timezone.*Asia/Kolkata"):
        framelens.read_corpus(pd.DataFrame({"text": ["a"]}), timezone=bad)


def test_the_clock_is_in_the_metadata_and_the_provenance():
    df = pd.DataFrame({"text": ["Rebels fired."], "date": [ZONED]})
    corpus = framelens.read_corpus(df, timezone="as-written", meta={"timezone": "a lie", "name": "n"})
    assert corpus.meta["timezone"] == "as-written" and corpus.meta["name"] == "n"
    table = framelens.score(corpus, mini_lexicon())
    assert table.attrs["framelens"]["corpus"]["timezone"] == "as-written"
    assert "dates each as written" in table._repr_html_()
    utc = framelens.score(framelens.read_corpus(df), mini_lexicon())
    assert "dates " not in utc._repr_html_()  # the default goes unsaid
    kolkata = framelens.score(framelens.read_corpus(df, timezone="Asia/Kolkata"), mini_lexicon())
    assert "dates in Asia/Kolkata" in kolkata._repr_html_()


# ---------------------------------------------------------------------------------------------
# batch scoring
# ---------------------------------------------------------------------------------------------
def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [{"doc_id": "a", "source": "Hindu", "date": "2024-04-01T02:00:00+05:30", "text": "Rebels shelled the town."},
        {"doc_id": "b", "source": "Dawn", "date": ZONED, "text": "The army denied it."},
        {"doc_id": "c", "source": "Post", "date": "2024-03-31 10:00", "text": "Government forces advanced."},
        {"doc_id": "d", "source": "Post", "date": 1711920600, "text": "Rebels again."}]


@pytest.mark.parametrize(("timezone", "expected"), [
    ("UTC", ["2024-03-31 20:30:00", "2024-03-31 18:30:00", "2024-03-31 10:00:00", "2024-03-31 21:30:00"]),
    ("Asia/Kolkata", ["2024-04-01 02:00:00", "2024-04-01 00:00:00", "2024-03-31 10:00:00", "2024-04-01 03:00:00"]),
    ("as-written", ["2024-04-01 02:00:00", "2024-03-31 23:30:00", "2024-03-31 10:00:00", "2024-03-31 21:30:00"]),
])
def test_batch_dates_and_provenance_on_each_clock(tmp_path, timezone, expected):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, timezone=timezone)
    assert result.manifest["params"]["timezone"] == timezone
    scores = load_scores(tmp_path / "out")
    assert [str(d) for d in scores.docs["date"]] == expected
    assert scores.meta["timezone"] == timezone
    by_day = aggregate(tmp_path / "out", by="day")
    assert by_day.attrs["framelens"]["batch"]["timezone"] == timezone
    assert by_day["day"].tolist() == sorted({e[:10] for e in expected})


def test_batch_resume_with_another_clock_is_refused(tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, timezone="Asia/Kolkata")
    with pytest.raises(ParameterError, match="parameters differ: timezone"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    # the same clock resumes (nothing to do), a single file too
    again = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, timezone="Asia/Kolkata")
    assert again.parts_skipped >= 1
    score_files(path, mini_lexicon(), tmp_path / "one.parquet", jobs=1, progress=False)
    with pytest.raises(ParameterError, match="timezone"):
        score_files(path, mini_lexicon(), tmp_path / "one.parquet", jobs=1, progress=False, timezone="as-written")
    # resume=False starts again on the new clock
    score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, resume=False)
    assert str(load_scores(tmp_path / "out").docs["date"][0]) == "2024-03-31 20:30:00"


def test_a_manifest_from_before_timezone_resumes_as_utc(tmp_path):
    """Runs recorded before the parameter existed read their dates on UTC: resuming one with the
    default is the same run, with another clock a different one."""
    from framelens.batch.manifest import Manifest

    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    first = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    old = dict(first.manifest, params={k: v for k, v in first.manifest["params"].items() if k != "timezone"})
    assert Manifest(tmp_path / "out", old).same_run(first.manifest) is None
    other = dict(first.manifest, params={**first.manifest["params"], "timezone": "Asia/Kolkata"})
    assert Manifest(tmp_path / "out", old).same_run(other) == "parameters differ: timezone"


def test_batch_unknown_zone_fails_before_anything_is_written(tmp_path):
    path = write_jsonl(tmp_path / "news.jsonl", ROWS)
    with pytest.raises(ParameterError, match="timezone"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, timezone="Asia/Nowhere")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------
def test_cli_timezone_end_to_end(tmp_path, monkeypatch, capsys):
    from framelens.cli.main import main

    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "news.jsonl", ROWS)
    lexicon = str(write_lexicon(mini_lexicon(), tmp_path / "mini.yaml"))
    days = {}
    for zone in ("UTC", "Asia/Kolkata", "as-written"):
        assert main(["score", "news.jsonl", "--lexicon", lexicon, "--by", "day", "--timezone", zone,
                     "--out", f"{zone.replace('/', '_')}.csv"]) == 0
        table = pd.read_csv(f"{zone.replace('/', '_')}.csv", dtype={"day": str})
        days[zone] = dict(zip(table["day"], table["n_docs"]))
    assert days == {"UTC": {"2024-03-31": 4}, "Asia/Kolkata": {"2024-03-31": 1, "2024-04-01": 3},
                    "as-written": {"2024-03-31": 3, "2024-04-01": 1}}
    # batch mode: the same groups
    assert main(["score", "news.jsonl", "--lexicon", lexicon, "--jobs", "1", "--out", "b/", "--by", "day",
                 "--by-out", "g.csv", "--timezone", "Asia/Kolkata"]) == 0
    table = pd.read_csv("g.csv", dtype={"day": str})
    assert dict(zip(table["day"], table["n_docs"])) == days["Asia/Kolkata"]
    capsys.readouterr()
    # resuming on another clock is refused, named as on the command line
    assert main(["score", "news.jsonl", "--lexicon", lexicon, "--jobs", "1", "--out", "b/"]) == 2
    assert "parameters differ: timezone" in capsys.readouterr().err
    # an unknown zone: one line naming the option, nothing written
    assert main(["score", "news.jsonl", "--lexicon", lexicon, "--timezone", "Mars/Olympus", "--out", "x.csv"]) == 2
    assert "--timezone: unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
    assert not Path("x.csv").exists()
    # other verbs that read documents take it too
    assert main(["corpus", "info", "news.jsonl", "--timezone", "as-written"]) == 0
    out = capsys.readouterr().out
    assert "dates: each as written" in out and "2024-04-01 02:00:00" in out


@pytest.mark.parametrize("timezone", ["UTC", "Asia/Kolkata", "America/New_York", "as-written"])
def test_batch_role_fields_equal_read_corpus_on_every_clock(timezone):
    """The Arrow fast path reads only dates without a zone (on every clock as written); zoned
    dates go through read_corpus with the run's clock. Both equal the in-memory corpus."""
    import numpy as np
    import pyarrow as pa

    from framelens.batch import local as batch_local

    def values(dates):
        return {"text": pa.chunked_array([pa.array([f"Rebels {i}." for i in range(len(dates))])]),
                "source": pa.chunked_array([pa.array(["Wire"] * len(dates))]),
                "date": pa.chunked_array([pa.array(dates, type=pa.string())]),
                "title": pa.chunked_array([pa.array([None] * len(dates), type=pa.string())])}

    plain = ["2024-03-31", "2024-03-31 23:30", "2024-03-10T02:30:00", "", None]  # 02:30: no such NY time, kept
    zoned = [ZONED, "2024-03-10T07:30:00Z", "2024-03-31 23:30", None]
    assert batch_local._role_fields_arrow(values(plain)) is not None
    assert batch_local._role_fields_arrow(values(zoned)) is None
    for dates_ in (plain, zoned):
        got = batch_local.role_fields(values(dates_), timezone)[2].to_numpy(zero_copy_only=False)
        expected = dates(dates_, timezone)
        assert [None if np.isnat(d) else str(pd.Timestamp(d)) for d in got.astype("datetime64[ns]")] == expected
    assert dates(plain, timezone)[:3] == ["2024-03-31 00:00:00", "2024-03-31 23:30:00", "2024-03-10 02:30:00"]


@pytest.mark.parametrize(("timezone", "expected"), [
    ("UTC", ["2024-03-31 20:00:00", "2024-03-31 17:00:00", None]),
    ("Asia/Kolkata", ["2024-04-01 01:30:00", "2024-03-31 22:30:00", None]),
    ("as-written", ["2024-04-01 01:30:00", "2024-03-31 22:30:00", None]),  # the column's own zone's time
])
def test_a_parquet_column_of_zoned_timestamps_in_memory_and_in_batch(tmp_path, timezone, expected):
    stamps = pd.to_datetime(["2024-03-31 20:00", "2024-03-31 17:00", None]).tz_localize("UTC")
    pd.DataFrame({"doc_id": ["a", "b", "c"], "text": ["Rebels.", "The army.", "Rebels."],
                  "date": stamps.tz_convert("Asia/Kolkata")}).to_parquet(tmp_path / "tz.parquet")
    corpus = framelens.read_corpus(tmp_path / "tz.parquet", timezone=timezone)
    assert [None if pd.isna(d) else str(d) for d in corpus.docs["date"]] == expected
    score_files(tmp_path / "tz.parquet", mini_lexicon(), tmp_path / "out", jobs=1, progress=False, timezone=timezone)
    batch = load_scores(tmp_path / "out").docs["date"]
    assert [None if pd.isna(d) else str(d) for d in batch] == expected


def test_the_clock_is_part_of_the_corpus_provenance_and_of_its_subsets():
    df = pd.DataFrame({"text": ["Polls opened.", "Polls closed."], "date": ["2024-04-01T02:00:00+05:30", "2024-04-02"]})
    kolkata = framelens.read_corpus(df, timezone="Asia/Kolkata")
    assert kolkata.provenance()["timezone"] == "Asia/Kolkata"
    assert kolkata.subset([0]).provenance()["timezone"] == "Asia/Kolkata"
    assert framelens.read_corpus(df).provenance()["timezone"] == "UTC"
    assert "timezone" not in framelens.Corpus(kolkata.docs).provenance()  # a table given as is: clock unknown
