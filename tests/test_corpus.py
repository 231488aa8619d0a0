"""read_corpus: formats, column roles, located errors, nothing silently dropped, fingerprints."""
from __future__ import annotations

import gzip
import json
import warnings

import pandas as pd
import pytest

import framelens
from framelens.corpus import CorpusWarning
from framelens.errors import InputError, ParameterError

ROLES = dict(text="body", source="outlet", id="id", date="published", title="headline")


def read_quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)
        return framelens.read_corpus(*args, **kwargs)


def test_dataframe_canonical_columns_and_metadata_kept(news_frame):
    c = framelens.read_corpus(news_frame, **ROLES)
    assert list(c.docs.columns) == ["doc_id", "source", "date", "title", "text", "section"]
    assert c.docs["doc_id"].tolist() == ["w1", "w2", "h1", "h2", "p1", "p2"]
    assert c.docs.loc[3, "date"] == pd.Timestamp("2024-04-02")
    assert c.docs.loc[0, "title"] == "Rebels advance"
    assert len(c.issues) == 0


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".jsonl.gz", ".parquet"])
def test_every_file_format_reads_the_same_corpus(news_frame, tmp_path, suffix):
    path = tmp_path / f"news{suffix}"
    if suffix == ".csv":
        news_frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        news_frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".parquet":
        news_frame.to_parquet(path)
    else:
        lines = "\n".join(json.dumps(r) for r in news_frame.to_dict("records")) + "\n"
        path.write_bytes(gzip.compress(lines.encode()) if suffix.endswith(".gz") else lines.encode())
    from_file = framelens.read_corpus(path, **ROLES)
    from_frame = framelens.read_corpus(news_frame, **ROLES)
    assert from_file.fingerprint == from_frame.fingerprint
    pd.testing.assert_frame_equal(from_file.docs[["doc_id", "source", "text"]], from_frame.docs[["doc_id", "source", "text"]])


def test_folder_of_text_files_source_is_subfolder(tmp_path):
    for outlet, n in (("herald", 2), ("wire", 1)):
        (tmp_path / outlet).mkdir()
        for i in range(n):
            (tmp_path / outlet / f"{i}.txt").write_text(f"Headline {i}\n\nRebels said {i}.", encoding="utf-8")
    c = framelens.read_corpus(tmp_path)
    assert c.docs["source"].tolist() == ["herald", "herald", "wire"]
    assert c.docs["doc_id"].tolist() == ["herald/0", "herald/1", "wire/0"]
    assert c.docs.loc[0, "title"] == "Headline 0"


def test_missing_column_lists_existing_columns(news_frame, tmp_path):
    path = tmp_path / "news.csv"
    news_frame.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        framelens.read_corpus(path, text="content")
    msg = str(err.value)
    assert "news.csv" in msg and "'content'" in msg and "body" in msg and "outlet" in msg
    with pytest.raises(InputError, match="no column 'text'"):
        framelens.read_corpus(path)  # no column called text and none named


def test_undecodable_bytes_name_file_line_and_offset(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,source\nRebels said,A\nCaf\xe9 shelled,B\n".encode("latin-1"))
    with pytest.raises(InputError) as err:
        framelens.read_corpus(path)
    msg = str(err.value)
    assert "latin.csv" in msg and "line 3, byte offset 29" in msg in msg and "errors='replace'" in msg
    replaced = read_quiet(path, errors="replace")
    assert replaced.docs.loc[1, "text"] == "Caf\ufffd shelled"
    assert "replaced 1 undecodable bytes" in replaced.issues["issue"].tolist()
    assert framelens.read_corpus(path, encoding="latin-1").docs.loc[1, "text"] == "Café shelled"


def test_duplicate_ids_error_lists_them_and_first_keeps_reported(news_frame):
    df = news_frame.copy()
    df.loc[3, "id"] = "w1"
    df.loc[5, "id"] = "h1"
    with pytest.raises(InputError) as err:
        framelens.read_corpus(df, **ROLES)
    assert "'w1'" in str(err.value) and "'h1'" in str(err.value)
    with pytest.warns(CorpusWarning, match="duplicate id"):
        c = framelens.read_corpus(df, **ROLES, on_duplicate="first")
    assert len(c) == 4
    assert sorted(c.issues["row"].tolist()) == [3, 5]  # index labels of the dropped rows


def test_unparseable_dates_reported_and_kept_as_missing(news_frame):
    df = news_frame.copy()
    df.loc[2, "published"] = "sometime in spring"
    df.loc[4, "published"] = "March 3, 2024"  # another format that parses
    with pytest.warns(CorpusWarning, match="unparseable date"):
        c = framelens.read_corpus(df, **ROLES)
    assert len(c) == 6 and pd.isna(c.docs.loc[2, "date"])
    assert c.docs.loc[4, "date"] == pd.Timestamp("2024-03-03")
    row = c.issues.iloc[0]
    assert (row["row"], row["field"]) == (2, "date") and "sometime in spring" in row["issue"]


def test_empty_and_missing_texts_are_counted_not_dropped(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"text": "Rebels said so.", "source": "A"}\n{"text": "   ", "source": "A"}\n'
                    '{"text": null, "source": "B"}\n', encoding="utf-8")
    with pytest.warns(CorpusWarning):
        c = framelens.read_corpus(path)
    assert len(c) == 3
    assert c.issues["row"].tolist() == [2, 3]
    assert "missing text" in c.issues["issue"].iloc[1]


def test_malformed_json_line_is_located(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "broken\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl, row 2: malformed JSON"):
        framelens.read_corpus(path)


def test_fingerprint_changes_with_content_not_with_metadata(news_frame):
    a = framelens.read_corpus(news_frame, **ROLES)
    b = framelens.read_corpus(news_frame.assign(section="other"), **ROLES)
    changed = news_frame.copy()
    changed.loc[0, "body"] = changed.loc[0, "body"].replace("Rebels", "Insurgents")
    c = framelens.read_corpus(changed, **ROLES)
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert len(a.fingerprint) == 64


def test_groups_by_column_date_bins_and_errors(news_frame):
    c = framelens.read_corpus(news_frame, **ROLES)
    assert c.groups("month").tolist() == ["2024-03", "2024-03", "2024-03", "2024-04", "2024-03", "2024-04"]
    assert c.groups(["source", "month"]).iloc[3] == "Herald | 2024-04"
    assert c.group_frame(["source", "year"]).shape == (6, 2)
    with pytest.raises(ParameterError, match="no column 'outlet_name'.*columns: doc_id"):
        c.groups("outlet_name")


def test_repr_html_escapes_hostile_names(news_frame):
    df = news_frame.assign(outlet="<script>alert(1)</script>")
    html = framelens.read_corpus(df, **ROLES)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html


def _fingerprint_by_rows(corpus) -> str:
    """The documented byte layout, hashed one value at a time."""
    import hashlib

    h = hashlib.sha256()
    dates = corpus.docs["date"].dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
    for row in zip(corpus.docs["doc_id"], corpus.docs["source"], dates, corpus.docs["title"], corpus.docs["text"]):
        for value in row:
            h.update(str(value).encode("utf-8") + b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()


def test_fingerprint_is_the_documented_hash_of_the_rows(news_frame, monkeypatch):
    import framelens.corpus as corpus_mod

    frame = news_frame.copy()
    frame.loc[1, "body"] = "Ünïcode “quotes” 😀 and \x1f separators \n"
    frame.loc[2, "published"] = "not a date"
    frame.loc[3, "headline"] = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)
        c = framelens.read_corpus(frame, text="body", source="outlet", id="id", date="published", title="headline")
    assert c.fingerprint == _fingerprint_by_rows(c)
    sample = framelens.datasets.load_sample()
    assert sample.fingerprint == _fingerprint_by_rows(sample)
    monkeypatch.setattr(corpus_mod, "_HASH_ROWS", 2)  # several Arrow slices
    again = framelens.Corpus(c.docs)
    assert again.fingerprint == c.fingerprint
    # not all strings (an integer id column): hashed row by row, str() of each value
    numeric = framelens.Corpus(c.docs.assign(doc_id=range(len(c.docs))))
    assert numeric.fingerprint == _fingerprint_by_rows(numeric) != c.fingerprint


@pytest.mark.parametrize("dates, expected", [
    # every date needs the second, per-value parse, and one has a fraction of a second: the first parse
    # (all missing) came at seconds, the second at microseconds, and joining them raised a TypeError
    (["May 5, 2024 10:00:00.5", "May 6, 2024 09:00:00"], ["2024-05-05 10:00:00.500000", "2024-05-06 09:00:00.000000"]),
    (["2024-05-01", "May 5, 2024 10:00:00.25"], ["2024-05-01 00:00:00.000000", "2024-05-05 10:00:00.250000"]),
])
def test_dates_of_two_parses_at_different_units_are_joined(dates, expected):
    c = framelens.read_corpus(pd.DataFrame({"text": ["a"] * len(dates), "date": dates}))
    assert c.docs["date"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").tolist() == expected
    assert str(c.docs["date"].dtype) == "datetime64[ns]" and c.issues.empty


def test_dates_with_and_without_a_zone_in_one_column_read_in_utc():
    # pandas refuses to parse such a column in one go ("Mixed timezones detected"); read_corpus
    # takes a date without a zone as UTC and converts the others to it
    df = pd.DataFrame({"text": ["a", "b", "c", "d"],
                       "date": ["2024-05-01", "2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00", "1 May 2024 09:30"]})
    c = framelens.read_corpus(df)
    assert c.docs["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-05-01 00:00", "2024-05-01 10:00", "2024-05-01 10:00", "2024-05-01 09:30"]
    assert str(c.docs["date"].dtype) == "datetime64[ns]" and c.issues.empty


def test_groups_of_several_keys_join_each_rows_values_as_text():
    """The vectorised join gives what a row-wise " | ".join gives, with values that hold the separator,
    empty ones, missing dates and non-string columns."""
    corpus = framelens.datasets.load_sample()
    docs = corpus.docs.assign(kind=["a | b", "", "x", "é"] * (len(corpus) // 4), n=range(len(corpus)))
    docs.loc[docs.index % 5 == 0, "date"] = pd.NaT
    frame = framelens.read_corpus(docs).group_frame(["source", "kind", "month", "n"])
    expected = [" | ".join(map(str, row)) for row in frame.itertuples(index=False)]
    got = framelens.read_corpus(docs).groups(["source", "kind", "month", "n"])
    assert got.tolist() == expected and got.name == "source | kind | month | n"
    assert "(missing)" in " ".join(expected) and any("a | b" in e for e in expected)


def test_issue_rows_are_whole_numbers_or_none_and_values_shown_as_written(tmp_path):
    """Corpus.issues keeps row numbers as ints beside an issue of no row (a float column made them
    20.0 and NaN in the CLI's notes), and shows a bad value as written, not as np.int64(…)."""
    path = tmp_path / "dates.jsonl"
    lines = [{"doc_id": f"d{i}", "text": "Rebels advanced.", "date": 1.5 if i % 2 else 20240105} for i in range(44)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    corpus = read_quiet(path)
    rows = corpus.issues["row"].tolist()
    assert rows[:3] == [2, 4, 6] and all(type(r) is int for r in rows[:-1]) and rows[-1] is None
    assert corpus.issues["issue"].tolist()[0] == "unparseable date 1.5 kept as missing"
    assert corpus.issues["issue"].tolist()[-1] == "22 unparseable dates in all"
    assert corpus.docs["date"].tolist()[0] == pd.Timestamp("2024-01-05")  # a date written as a number


@pytest.mark.parametrize(("written", "expected"), [
    ("1709683200", "2024-03-06 00:00:00"),  # seconds since 1970: 10 digits
    ("946684799", "1999-12-31 23:59:59"),  # …and 9
    ("1709683200123", "2024-03-06 00:00:00.123"),  # milliseconds: 13 digits, to the millisecond
    ("1709683200.25", "2024-03-06 00:00:00.25"),
    ("1709683200123.5", "2024-03-06 00:00:00.1235"),
    ("2024", "2024-01-01"),  # a year, and a date written as digits, are not seconds
    ("20240105", "2024-01-05"),
    ("9999999999999", None),  # milliseconds after 2262: missing, reported
])
def test_numbers_of_seconds_or_milliseconds_since_1970_are_dates(written, expected):
    frame = pd.DataFrame({"doc_id": ["a"], "text": ["Rebels advanced."], "date": [written]})
    corpus = read_quiet(frame)
    got = corpus.docs["date"].iloc[0]
    assert (pd.isna(got) and len(corpus.issues) == 1) if expected is None else got == pd.Timestamp(expected)


def test_a_json_object_printed_over_several_lines_is_refused_as_batch_scoring_refuses_it(tmp_path):
    # Arrow's reader took it for one record; batch scoring stops on it with this message
    path = tmp_path / "pretty.json"
    path.write_text('{\n  "text": "Rebels attacked.",\n  "source": "A"\n}\n', encoding="utf-8")
    with pytest.raises(InputError, match="one JSON document over several lines, not JSON Lines") as info:
        framelens.read_corpus(path)
    assert str(info.value.file) == str(path) and info.value.row == 1


def test_utf16_le_jsonl_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom16.jsonl"
    lines = '{"text": "Rebels attacked the town.", "source": "A"}\n{"text": "The army denied it.", "source": "B"}\n'
    path.write_bytes(b"\xff\xfe" + lines.encode("utf-16-le"))
    corpus = framelens.read_corpus(path, encoding="utf-16-le")
    assert corpus.texts == ["Rebels attacked the town.", "The army denied it."] and corpus.docs["source"].tolist() == ["A", "B"]
