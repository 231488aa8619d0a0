"""Batch scoring on awkward inputs: every row written or rejected, no crash, and the same values as
``framelens.score(framelens.read_corpus(...))`` — the in-memory path is the oracle throughout.

The first part holds one test per bug found in a sweep of such inputs (each failed before its fix).
The second part holds regressions for the awkward cases that already worked.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.batch import score_files
from framelens.batch.sources import Columns, InputFile, check_columns, expand_inputs
from framelens.corpus import CorpusWarning
from framelens.errors import InputError, ParameterError
from framelens.readers import delimited_header

from conftest import mini_lexicon

ROOT = Path(__file__).resolve().parents[1]
T = "Rebels advanced on the town. The army said it repelled the attack."
SCORE_PREFIXES = ("count_", "rate_", "share_")


def run(path: Path, out: Path, **kwargs):
    """A batch run (one job, small chunks unless told) → result, output rows in file order, rejects."""
    kwargs = {"jobs": 1, "chunk_size": 2, "progress": False, **kwargs}
    result = score_files(path, mini_lexicon(), out, **kwargs)
    assert result.read == result.written + result.rejected
    rows = pd.read_parquet(out).sort_values(["file", "row"]).reset_index(drop=True) if result.written else None
    rejects = [json.loads(line) for line in result.rejects_path.read_text().splitlines()] if result.rejected else []
    return result, rows, rejects


def in_memory(path: Path, **columns) -> pd.DataFrame:
    """The oracle: per-document scores of read_corpus(path), with read_corpus's parsed date."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)
        corpus = framelens.read_corpus(path, **columns)
    scores = pd.DataFrame(framelens.score(corpus, mini_lexicon()))
    scores["date"] = corpus.docs["date"].to_numpy()
    return scores


def assert_same_as_in_memory(rows: pd.DataFrame, expected: pd.DataFrame) -> None:
    columns = ["doc_id", "source", "tokens", "hits", "date"] + [c for c in expected if c.startswith(SCORE_PREFIXES)]
    got = rows[columns].reset_index(drop=True)
    got["date"] = got["date"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(got, expected[columns].reset_index(drop=True), check_dtype=False)


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# =============================================================================================
# bugs found, each with the input that showed it
# =============================================================================================
def test_a_repeated_csv_column_name_means_what_it_means_to_pandas(tmp_path):
    # Before: the batch took the *last* "text" column (dict(zip(header, row))), read_corpus the first.
    path = tmp_path / "dup.csv"
    path.write_text("doc_id,text,text,source\n"
                    "1,Rebels advanced.,The army said so,Wire\n"
                    "2,Insurgents struck the army post.,x,Post\n", encoding="utf-8")
    result, rows, _ = run(path, tmp_path / "out", keep=["text.1"])
    assert_same_as_in_memory(rows, in_memory(path))
    assert rows["count_rebels"].tolist() == [1, 0] and rows["count_army"].tolist() == [0, 1]
    assert rows["text.1"].tolist() == ["The army said so", "x"]  # the second column, by pandas's name


def test_header_names_follow_pandas_on_random_headers():
    # an independent oracle: pandas.read_csv's own names for random headers full of clashes
    rng = random.Random(5)
    pool = ["a", "a.1", "a.2", "", "Unnamed: 1", "b", "a.1.1"]
    for _ in range(300):
        names = [rng.choice(pool) for _ in range(rng.randint(1, 7))]
        if names == [""]:
            continue  # a blank line, not a header
        line = ",".join(names)
        expected = list(pd.read_csv(io.StringIO(line + "\n" + ",".join("x" * len(names)) + "\n"), dtype=str).columns)
        assert delimited_header(names) == expected, names


def test_blank_csv_lines_are_no_rows(tmp_path):
    # Before: each blank or whitespace-only line was a reject ("0 fields where the header has 2"),
    # and the row numbers — the ids when there is no id column — counted them, unlike read_corpus.
    path = tmp_path / "blank.csv"
    path.write_bytes(b"\r\ntext,source\r\nRebels advanced.,Wire\r\n\r\n   \r\n"
                     b"The army said so.,Post\r\n\t\r\n\r\nInsurgents struck.,Herald\r\n\r\n")
    result, rows, rejects = run(path, tmp_path / "out")
    assert (result.read, result.written, result.rejected) == (3, 3, 0)
    assert rows["row"].tolist() == [1, 2, 3]
    assert_same_as_in_memory(rows, in_memory(path))
    assert rows["doc_id"].tolist() == ["1", "2", "3"]


def test_an_unclosed_quote_is_one_reject_not_rows_glued_into_a_text(tmp_path):
    # Before: rows 3 and 4 were silently read as part of row 2's text (2 rows "read", both written).
    path = tmp_path / "quote.csv"
    path.write_text('doc_id,text\n1,Rebels advanced.\n2,"The army said so.\n3,Insurgents struck.\n'
                    '4,Government forces retook the bridge.\n', encoding="utf-8")
    with pytest.raises(InputError, match="EOF inside string"):
        framelens.read_corpus(path)  # the in-memory path refuses the file
    result, rows, rejects = run(path, tmp_path / "out")
    assert (result.read, result.written, result.rejected) == (2, 1, 1)
    assert rows["doc_id"].tolist() == ["1"]
    assert rejects[0]["row"] == 2 and "never closed" in rejects[0]["reason"]
    assert rejects[0]["snippet"].startswith('2,"The army said so.\n3,Insurgents')  # as written in the file


def test_a_first_csv_row_with_an_extra_field_is_an_error_not_a_shift(tmp_path):
    # Before: pandas took the first column as the index, so read_corpus read every id as the text
    # and every text as "" (with no error); the batch rejected that row only.
    path = tmp_path / "extra.csv"
    path.write_text("doc_id,text\n1,Rebels advanced.,\n2,The army said so.\n", encoding="utf-8")
    with pytest.raises(InputError, match="3 fields where the header has 2") as info:
        framelens.read_corpus(path)
    assert info.value.row == 1 and str(info.value.file) == str(path)
    result, rows, rejects = run(path, tmp_path / "out")
    assert (result.written, [r["row"] for r in rejects]) == (1, [1])
    assert rows["count_army"].tolist() == [1]


def test_damaged_gzip_fails_with_an_input_error_naming_the_row(tmp_path):
    # Before: a truncated .csv.gz raised EOFError, and a corrupt deflate stream zlib.error (a
    # traceback) in the batch and in read_corpus.
    data = pd.DataFrame({"doc_id": [f"d{i}" for i in range(3000)], "text": [T] * 3000}).to_csv(index=False)
    truncated = tmp_path / "cut.csv.gz"
    packed = gzip.compress(data.encode())
    truncated.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError, match=r"cannot read the file from this row on .*ended before") as info:
        score_files(truncated, mini_lexicon(), tmp_path / "out1", jobs=1, chunk_size=500, progress=False)
    assert info.value.file == str(truncated) and info.value.row > 500  # the rows before were read
    corrupt = tmp_path / "bad.jsonl.gz"
    packed = bytearray(gzip.compress("".join(json.dumps({"text": T}) + "\n" for _ in range(500)).encode()))
    packed[20] ^= 0xFF  # inside the first deflate block's header
    packed[21] ^= 0xFF
    corrupt.write_bytes(bytes(packed))
    with pytest.raises(InputError, match="not a valid gzip file"):
        score_files(corrupt, mini_lexicon(), tmp_path / "out2", jobs=1, progress=False)
    with pytest.raises(InputError, match="not a valid gzip file"):
        framelens.read_corpus(corrupt)


def test_a_damaged_parquet_page_fails_with_an_input_error_naming_the_row(tmp_path):
    # Before: OSError from pyarrow, with a traceback, once the damaged row group was reached.
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "damaged.parquet"
    pq.write_table(pa.table({"doc_id": [f"d{i}" for i in range(300)], "text": [f"{T} {i}" for i in range(300)]}),
                   path, row_group_size=100)
    chunk = pq.ParquetFile(path).metadata.row_group(1).column(1)
    data = bytearray(path.read_bytes())
    for i in range(chunk.data_page_offset, chunk.data_page_offset + 8):  # the page header
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match="cannot read Parquet from this row on") as info:
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=100, progress=False)
    assert info.value.row == 101


def test_a_lone_surrogate_escape_is_rejected_or_replaced_not_a_crash(tmp_path):
    # Before: "\ud800" (an escape without its pair) reached Arrow and crashed the batch run with
    # UnicodeEncodeError (read_corpus too); only U+DC80-U+DCFF (undecodable bytes) were caught.
    path = write_jsonl(tmp_path / "surrogates.jsonl", [
        json.dumps({"doc_id": "a", "text": T}),
        '{"doc_id": "b", "text": "Rebels \\ud800 advanced."}',
        '{"doc_id": "c", "text": "The army said so.", "source": "\\udfff"}',
        json.dumps({"doc_id": "d", "text": "A pair \ud83d\ude00 is fine."}),
    ])
    result, rows, rejects = run(path, tmp_path / "strict")
    assert rows["doc_id"].tolist() == ["a", "d"]
    assert [(r["row"], "lone surrogate" in r["reason"]) for r in rejects] == [(2, True), (3, True)]
    assert "field 'text'" in rejects[0]["reason"] and "field 'source'" in rejects[1]["reason"]
    with pytest.raises(InputError, match="lone surrogate") as info:
        framelens.read_corpus(path)
    assert (info.value.row, info.value.field) == (2, "text")
    result, rows, rejects = run(path, tmp_path / "replace", errors="replace")
    assert result.written == 4
    expected = in_memory(path, errors="replace")
    assert_same_as_in_memory(rows, expected)
    assert rows["source"].tolist()[2] == "\ufffd" and rows["count_rebels"].tolist()[1] == 1


def test_numbers_in_role_fields_read_the_same_whatever_else_the_chunk_holds(tmp_path):
    # Before: a chunk's numbers went to pandas as they were, so 1 read "1.0" in a chunk that also
    # held 2.5 or a null and "1" elsewhere: the output depended on chunk_size. A NaN text was
    # scored as "" while a null one was rejected.
    values = ["1", "2.5", "true", "null", "7", '"x"', "1e3", "false"]
    path = write_jsonl(tmp_path / "numbers.jsonl", [
        f'{{"doc_id": "d{i}", "text": {v if i % 3 else json.dumps(T)}, "source": {v}, "topic": {v}}}'
        for i, v in enumerate(values)] + ['{"doc_id": "nan", "text": NaN}'])
    outputs = []
    for size in (1, 2, 3, 100):
        result, rows, rejects = run(path, tmp_path / f"out{size}", chunk_size=size, keep=["topic"])
        outputs.append(rows.drop(columns="file"))
        assert [(r["row"], r["reason"]) for r in rejects] == [(9, "missing text (NaN in field 'text')")]
    for other in outputs[1:]:
        pd.testing.assert_frame_equal(outputs[0], other)
    rows = outputs[0]
    assert rows["source"].tolist() == ["1", "2.5", "True", "(missing)", "7", "x", "1000.0", "False"]
    assert rows["topic"].fillna("-").tolist() == ["1", "2.5", "True", "-", "7", "x", "1000.0", "False"]
    assert rows["tokens"].tolist()[1:3] == [2, 1]  # texts 2.5 and true: "2", "5" and "True"
    # read_corpus's column of these mixed values is an object column: the same text, value by value
    expected = in_memory(path, on_duplicate="error")
    expected = expected[expected["doc_id"].isin(rows["doc_id"])]
    assert_same_as_in_memory(rows, expected)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_integer_columns_with_nulls_stay_integers(tmp_path, fmt):
    # Before: pandas made an integer column with nulls float, so read_corpus read source 1 as "1.0"
    # (and the batch, chunk by chunk, "1.0" or "1"), and an id beyond 2**53 lost digits.
    frame = pd.DataFrame({"doc_id": pd.array([9007199254740993, 2, 3, 4, 5], dtype="Int64"),
                          "text": [T] * 5, "source": pd.array([1, None, 3, 4, 5], dtype="Int64")})
    path = tmp_path / f"ints.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        write_jsonl(path, [json.dumps({k: (None if pd.isna(v) else int(v)) if k != "text" else v
                                       for k, v in row.items()}) for row in frame.to_dict("records")])
    expected = in_memory(path)
    assert expected["source"].tolist() == ["1", "(missing)", "3", "4", "5"]
    assert expected["doc_id"].tolist()[0] == "9007199254740993"
    result, rows, _ = run(path, tmp_path / "out")
    assert_same_as_in_memory(rows, expected)


def test_integers_beyond_int64_in_jsonl_keep_every_digit(tmp_path):
    # Before: Arrow read them as doubles, and read_corpus gave the id "1.2345678901234567e+19".
    path = write_jsonl(tmp_path / "big.jsonl", [json.dumps({"doc_id": v, "text": T})
                                                for v in (12345678901234567890, 2, -3)])
    expected = in_memory(path)
    assert expected["doc_id"].tolist() == ["12345678901234567890", "2", "-3"]
    result, rows, _ = run(path, tmp_path / "out")
    assert_same_as_in_memory(rows, expected)


def test_unicode_line_separators_inside_json_strings(tmp_path):
    # Before: read_corpus's line reader split lines with str.splitlines, which also cuts at U+2028
    # and U+0085, and so refused valid JSONL ("malformed JSON") whenever Arrow could not read it
    # (here: a field that is a number in one line and text in another).
    path = write_jsonl(tmp_path / "seps.jsonl", [
        json.dumps({"doc_id": "a", "text": "Rebels\u2028advanced.\x85The army said so.", "n": 1}, ensure_ascii=False),
        json.dumps({"doc_id": "b", "text": T, "n": "x"}, ensure_ascii=False)])
    expected = in_memory(path)
    assert expected["tokens"].tolist() == [6, 12]
    result, rows, _ = run(path, tmp_path / "out")
    assert_same_as_in_memory(rows, expected)


def test_an_unknown_encoding_is_refused_before_anything_is_written(tmp_path):
    # Before: LookupError from the first chunk (a traceback), after the output directory existed.
    path = tmp_path / "news.csv"
    path.write_text(f"text\n{T}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown encoding 'utf-9'"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, encoding="utf-9", progress=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="unknown encoding 'utf-9'"):
        framelens.read_corpus(path, encoding="utf-9")
    cli = subprocess.run([sys.executable, "-m", "framelens", "score", str(path), "--lexicon", "conflict_actors",
                          "--jobs", "1", "--out", str(tmp_path / "cli") + "/", "--encoding", "utf-9"],
                         capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 2 and "unknown encoding 'utf-9'" in cli.stderr and "Traceback" not in cli.stderr


def test_check_columns_reads_only_headers_and_names_the_file(tmp_path):
    # What score_files should call before it creates its output: today a misspelt column fails
    # only once the manifest exists, and the corrected command is then refused as another run.
    csv_path = tmp_path / "a.csv.gz"
    csv_path.write_bytes(gzip.compress(b"\xef\xbb\xbfid,body,body\n1,Rebels,x\n"))
    pq_path = tmp_path / "b.parquet"
    pd.DataFrame({"id": ["1"], "body": [T]}).to_parquet(pq_path, index=False)
    files = expand_inputs([csv_path, pq_path, write_jsonl(tmp_path / "c.jsonl", ['{"id": 1, "body": "x"}'])])
    check_columns(files, Columns(text="body", id="id"))
    with pytest.raises(InputError, match="no column 'body.1' to keep") as info:
        check_columns(files, Columns(text="body", id="id", keep=("body.1",)))
    assert info.value.file == str(pq_path)  # the CSV has it (its second "body"), the Parquet file not
    with pytest.raises(InputError, match="no column 'text' for text") as info:
        check_columns(files, Columns())
    assert info.value.file == str(csv_path)


def test_a_misspelt_column_leaves_no_output_and_the_corrected_command_runs(tmp_path):
    # The columns are checked before the output exists: were they checked with the first chunk, the
    # manifest would exist already, and the rerun with the right column be refused ("cannot resume:
    # parameters differ: columns").
    path = tmp_path / "news.csv"
    path.write_text(f"body,topic\n{T},war\n", encoding="utf-8")
    with pytest.raises(InputError, match="no column 'topik' to keep"):
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="body", keep=["topik"], progress=False)
    assert not (tmp_path / "out").exists()
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="body", keep=["topic"], progress=False)
    assert result.written == 1


def test_dates_out_of_range_are_missing_not_a_crash(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text(f"text,date\n{T},1500-01-01\n{T},2024-05-01\n{T},2300-01-01\n{T},\n", encoding="utf-8")
    expected = in_memory(path)
    assert expected["date"].isna().tolist() == [True, False, True, True]
    result, rows, _ = run(path, tmp_path / "out")
    assert_same_as_in_memory(rows, expected)


def test_a_null_id_gets_its_row_number_in_both_paths(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"doc_id": pa.array(["a", None, "c", None]), "text": [T] * 4}), path)
    expected = in_memory(path)
    assert expected["doc_id"].tolist() == ["a", "2", "c", "4"]
    result, rows, _ = run(path, tmp_path / "out")
    assert_same_as_in_memory(rows, expected)


# =============================================================================================
# regressions: awkward inputs that already worked
# =============================================================================================
def test_awkward_csv_equals_the_in_memory_path(tmp_path):
    path = tmp_path / "awkward.csv"
    path.write_bytes(
        "\ufeffdoc_id,text,source,date\r\n"
        '007,"Rebels, the army said, ""fled""\r\nnorth.",Wire,2024-05-01T10:00:00Z\r\n'
        "08,,Post,2024-05-01\r\n"
        '1e3,"Insurgents struck; ""army"" post",001,1 May 2024\r\n'
        "x4,Terrorists attacked.,Herald,\r\n"
        "x5,Regime forces shelled the market.,Post,1714557600".encode("utf-8"))  # no final newline
    result, rows, _ = run(path, tmp_path / "out")
    assert (result.read, result.written) == (5, 5)
    expected = in_memory(path)
    assert_same_as_in_memory(rows, expected)
    assert rows["doc_id"].tolist()[:3] == ["007", "08", "1e3"] and rows["source"].tolist()[2] == "001"
    latin = tmp_path / "latin.tsv"
    latin.write_bytes("text\tsource\nRebels \xe0 Paris.\tWire\nThe army said so.\tPost\n".encode("latin-1"))
    result, rows, rejects = run(latin, tmp_path / "strict")
    assert [(r["row"], r["reason"]) for r in rejects] == [(1, "undecodable bytes for encoding 'utf-8' in field 'text'")]
    result, rows, _ = run(latin, tmp_path / "replace", errors="replace")
    assert_same_as_in_memory(rows, in_memory(latin, errors="replace"))
    result, rows, _ = run(latin, tmp_path / "latin1", encoding="latin-1")
    assert_same_as_in_memory(rows, in_memory(latin, encoding="latin-1"))


def test_awkward_parquet_equals_the_in_memory_path(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 7
    stamps = [dt.datetime(2024, 5, 1 + i, 22, 30) for i in range(n)]
    table = pa.table({
        "doc_id": [f"d{i}" for i in range(n)],
        "text": pa.array([T, None, "", T, "The army said so.", None, "Insurgents."]).dictionary_encode(),
        "source": pa.array(["a", "b", None, "a", "b", "a", "a"]).dictionary_encode(),
        "zoned": pa.array(stamps, pa.timestamp("us", tz="America/New_York")),
        "naive": pa.array(stamps[:-1] + [None], pa.timestamp("ms")),
        "day": pa.array([s.date() for s in stamps], pa.date32()),
        "tags": pa.array([[1, 2], [], None, [3], [4], [5], [6]]),
    })
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path, row_group_size=3)
    for date in ("zoned", "naive", "day"):
        result, rows, rejects = run(path, tmp_path / date, chunk_size=3, date=date, keep=["tags"])
        assert [r["row"] for r in rejects] == [2, 6]  # null texts; "" is kept
        expected = in_memory(path, date=date)
        assert_same_as_in_memory(rows, expected[expected["doc_id"].isin(rows["doc_id"])])
    assert rows["tags"].fillna("-").tolist() == ["[1, 2]", "-", "[3]", "[4]", "[6]"]  # lists as JSON text
    empty = tmp_path / "empty.parquet"
    pq.write_table(table.slice(0, 0), empty)
    result, rows, _ = run(empty, tmp_path / "empty")
    assert (result.read, result.written, rows) == (0, 0, None)


def test_dates_of_every_kind_equal_read_corpus_in_csv_and_jsonl(tmp_path):
    dates = ["2024-05-01T10:00:00Z", "2024-05-01", "1 May 2024", "", "1714557600", "2024-05-01T12:00:00+02:00",
             "05/01/2024", "2024-02-30", "  2024-05-03 ", "2024-05-01 10:00", "not a date", "2024-05-01T10:00:00.5"]
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(dates))], "text": [T] * len(dates), "date": dates})
    for path in (tmp_path / "dates.csv", tmp_path / "dates.jsonl"):
        if path.suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_json(path, orient="records", lines=True)
        result, rows, _ = run(path, tmp_path / path.suffix[1:], chunk_size=3)
        expected = in_memory(path)
        assert_same_as_in_memory(rows, expected)
        # by hand: a zoned date in UTC, a naive one as it is, nothing where there is no date
        assert rows["date"].tolist()[:2] == [pd.Timestamp("2024-05-01 10:00"), pd.Timestamp("2024-05-01")]
        assert rows["date"].tolist()[5] == pd.Timestamp("2024-05-01 10:00")
        assert pd.isna(rows["date"].tolist()[3]) and pd.isna(rows["date"].tolist()[10])


def test_text_folder_with_nested_unicode_empty_and_undecodable_files(tmp_path):
    root = tmp_path / "news"
    (root / "wire" / "2024" / "may").mkdir(parents=True)
    (root / "herald dé").mkdir()
    (root / "wire" / "a.txt").write_text("Rebels advanced.\nThe army said so.", encoding="utf-8")
    (root / "wire" / "2024" / "may" / "b c.txt").write_text("Insurgents struck the army post.", encoding="utf-8")
    (root / "herald dé" / "ünï cödé.txt").write_text("Government forces retook the bridge.", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbfRebels with a BOM.\r\n")
    (root / "latin.txt").write_bytes("Rebels \xe0 Paris.".encode("latin-1"))
    (root / "notes.md").write_text("not a document")
    result, rows, rejects = run(root, tmp_path / "strict")
    assert (result.read, result.written, result.rejected) == (6, 5, 1)
    assert rejects[0]["file"] == str(root / "latin.txt") and "undecodable" in rejects[0]["reason"]
    result, rows, _ = run(root, tmp_path / "replace", errors="replace")
    expected = in_memory(root, errors="replace")
    assert_same_as_in_memory(rows, expected)
    assert rows["doc_id"].tolist() == ["bom", "empty", "herald dé/ünï cödé", "latin", "wire/2024/may/b c", "wire/a"]
    assert rows["source"].tolist() == ["news", "news", "herald dé", "news", "wire", "wire"]


def test_jsonl_oddities_every_line_written_or_rejected(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join([
        json.dumps({"doc_id": "a", "text": T, "source": "Wire"}).encode(),
        b"",
        b'{"doc_id": "b", "text": "first", "text": "The army said so.", "source": 7}',  # duplicate key: last wins
        b'   ',
        b'{"doc_id": "c", "text": "' + b"army " * 40 + b'"}',                          # over the limit
        b'{"doc_id": "d", "text": "Rebels \xe0 Paris."}',                              # not UTF-8
        b'{"doc_id": "e", "text": {"p": 1}}',
        b'{"doc_id": "f", "text": "Insurgents.", "source": Infinity}',
        b'{"doc_id": "g", "text": "Terrorists attacked."',                             # no closing brace
        b'{"doc_id": "h", "text": "Government forces retook the bridge."}',            # no final newline
    ]))
    result, rows, rejects = run(path, tmp_path / "out", chunk_size=3, max_field_chars=150)
    assert (result.read, result.written, result.rejected) == (8, 4, 4)
    assert [r["row"] for r in rejects] == [5, 6, 7, 9]
    assert rows["doc_id"].tolist() == ["a", "b", "f", "h"] and rows["source"].tolist()[1:3] == ["7", "inf"]
    assert rows["count_army"].tolist()[1] == 1


def test_two_jobs_and_a_single_file_output_give_the_same_rows(tmp_path):
    rng = np.random.default_rng(3)
    lines = []
    for i in range(60):
        kind = int(rng.integers(5))
        source = [json.dumps(f"s{i % 4}"), str(i % 4), "null", "2.5", '"x"'][kind]
        lines.append(f'{{"doc_id": {i if kind % 2 else json.dumps(f"d{i}")}, "text": {json.dumps(T[: 10 + i])}, '
                     f'"source": {source}, "date": {json.dumps(["2024-05-01", "", "1 May 2024", "2024-05-01T10:00:00Z", "x"][kind])}}}')
    path = write_jsonl(tmp_path / "mixed.jsonl", lines)
    _, one, _ = run(path, tmp_path / "one", chunk_size=7)
    _, two, _ = run(path, tmp_path / "two.parquet", chunk_size=5, jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert_same_as_in_memory(one, in_memory(path))


# =============================================================================================
# bugs found in review: reject reasons and snippets, misspelt JSONL fields
# =============================================================================================
JSON_ERROR_LINES = [  # one line per message shape of json.decoder (and of its C scanner)
    '{"doc_id": "w2", "text": "Rebels advanced on the town',  # Unterminated string starting at
    '{"doc_id": "w2", "text": "Rebels"} trailing',  # Extra data
    '{"doc_id": "w2", "text": }',  # Expecting value
    '{"doc_id": "w2" "text": "x"}',  # Expecting ',' delimiter
    '{"doc_id": "w2", "text" "x"}',  # Expecting ':' delimiter
    "{'doc_id': 'w2'}",  # Expecting property name enclosed in double quotes
    '{"doc_id": "w2", "text": "a\tb"}',  # Invalid control character '\t' at
    '{"text": "bad \\q escape"}',  # Invalid \escape: 'q'
    '{"text": "\\u12"}',  # Invalid \uXXXX escape
    '{"text": "x",}',  # a trailing comma (its message differs between Python versions)
    '',  # nothing at all: json_record is given no blank line by the readers, but must still say why
]


@pytest.mark.parametrize("line", JSON_ERROR_LINES)
def test_a_malformed_json_reason_reads_naturally_whatever_the_message(line):
    # Before: "malformed JSON (Unterminated string starting at at column 44)": json's message for
    # some errors ends in "at", and " at column" was added to it.
    from framelens.readers import json_record

    with pytest.raises(json.JSONDecodeError) as decoded:
        json.loads(line)
    message = decoded.value.msg.removesuffix(" at")
    expected = f"malformed JSON ({message[0].lower()}{message[1:]} at column {decoded.value.colno})"
    with pytest.raises(ValueError) as info:
        json_record(line)
    assert str(info.value) == expected
    assert " at at " not in str(info.value) and ": at " not in str(info.value)


def test_a_malformed_jsonl_line_is_rejected_with_the_column_once(tmp_path):
    bad = '{"doc_id": "w2", "text": "Rebels advanced on the town'
    path = write_jsonl(tmp_path / "dirty.jsonl", [json.dumps({"doc_id": "w1", "text": T}), bad])
    result, rows, rejects = run(path, tmp_path / "out")
    assert [r["reason"] for r in rejects] == ["malformed JSON (unterminated string starting at column 26)"]
    assert bad.index('"Rebels') + 1 == 26  # the column of the opening quote, 1-based
    assert rejects[0]["snippet"] == bad
    with pytest.raises(InputError, match=r"row 2: malformed JSON \(unterminated string starting at column 26\)"):
        framelens.read_corpus(path)


def _csv_bytes(records: list[list[bytes]], sep: bytes) -> bytes:
    """Rows written as a CSV writer writes them (minimal quoting), from fields given as bytes."""
    def field(value: bytes) -> bytes:
        if any(c in value for c in (sep, b'"', b"\n", b"\r")):
            return b'"' + value.replace(b'"', b'""') + b'"'
        return value
    return b"".join(sep.join(map(field, record)) + b"\r\n" for record in records)


@pytest.mark.parametrize("fmt,sep", [("csv", b","), ("tsv", b"\t")])
def test_a_delimited_reject_snippet_is_the_row_as_in_the_file(tmp_path, fmt, sep):
    # Before: a row rejected by the row builder had as snippet the repr of a Python dict, with
    # "\udcef" for an undecodable byte; a row with a wrong field count lost its quotes.
    long_text = b"The army said so. " * 20 + b"\xef"
    records = [
        [b"doc_id", b"text", b"source"],
        [b"1", b"Rebels advanced.", b"Wire"],
        [b"2", b"Caf\xef closed, the army said", b"Post"],  # Latin-1 byte in UTF-8: quoted (a comma)
        [b"3", b"He said \"no\"\nand left \xef", b"Herald"],  # quotes and a line break inside
        [b"4", long_text, b"Wire"],  # longer than a snippet
        [b"5", b"Rebels, in\ttown", b"x", b"y"],  # one field too many
    ]
    path = tmp_path / f"latin.{fmt}"
    data = _csv_bytes(records, sep)
    path.write_bytes(data)
    result, rows, rejects = run(path, tmp_path / "out")
    assert (result.written, [r["row"] for r in rejects]) == (1, [2, 3, 4, 5])
    # the oracle: each record's own bytes in the file, decoded as the JSONL reader decodes a line
    texts = [line.decode("utf-8", errors="replace") for line in data.split(b"\r\n")]
    raw = {2: texts[2], 3: texts[3], 4: texts[4], 5: texts[5]}
    assert "\n" in raw[3]  # the quoted line break is inside record 3
    for r in rejects:
        assert r["snippet"] == raw[r["row"]][:200], r
        assert "\udcef" not in r["snippet"] and "{" not in r["snippet"]
    assert rejects[0]["snippet"] == {"csv": '2,"Caf\ufffd closed, the army said",Post',
                                     "tsv": "2\tCaf\ufffd closed, the army said\tPost"}[fmt]
    assert len(rejects[2]["snippet"]) == 200
    # consistent with JSONL: the same bad byte in a JSONL line shows as U+FFFD too
    jsonl = tmp_path / "latin.jsonl"
    jsonl.write_bytes(b'{"doc_id": "2", "text": "Caf\xef closed"}\n')
    _, _, json_rejects = run(jsonl, tmp_path / "json_out")
    assert json_rejects[0]["snippet"] == '{"doc_id": "2", "text": "Caf\ufffd closed"}'


def test_a_csv_row_in_a_non_utf8_encoding_shows_its_characters_in_the_snippet(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("doc_id,text\n1,Caf\u00e9 au lait\n2,Rebels advanced.\n".encode("latin-1"))
    result, rows, rejects = run(path, tmp_path / "out", encoding="latin-1", max_field_chars=12)
    assert [(r["row"], r["snippet"]) for r in rejects] == [(2, "2,Rebels advanced.")]
    assert rows["doc_id"].tolist() == ["1"]


def _jsonl_gz(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    return path


@pytest.mark.parametrize("compress", [False, True])
def test_a_misspelt_jsonl_field_fails_before_anything_is_written(tmp_path, compress):
    # Before: check_columns read no JSONL, so --text-column body on records with "text" scored
    # nothing and rejected every row ("missing text").
    lines = [json.dumps({"doc_id": f"d{i}", "text": T, "source": "Wire"}) for i in range(348)]
    path = _jsonl_gz(tmp_path / "news.jsonl.gz", lines) if compress else write_jsonl(tmp_path / "news.jsonl", lines)
    with pytest.raises(InputError, match=r"no field 'body' for text in the first 348 records; their fields are: "
                                         r"doc_id, text, source") as info:
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="body", progress=False)
    assert (info.value.file, info.value.field) == (str(path), "body")
    assert not (tmp_path / "out").exists()
    result = score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, text="text", progress=False)
    assert (result.written, result.rejected) == (348, 0)


def test_check_columns_on_jsonl_requires_the_text_field_only(tmp_path):
    lines = ['{"doc_id": "a", "body": "Rebels advanced."}',
             'not json',
             '{"doc_id": "b", "text": "The army said so.", "outlet": "Wire"}',  # one record has it: enough
             '[1, 2]']
    files = expand_inputs(write_jsonl(tmp_path / "a.jsonl", lines))
    check_columns(files, Columns())
    check_columns(files, Columns(text="body", source="outlet", id="doc_id", keep=("outlet",)))
    for columns in (Columns(text="content"), Columns(text="content", source="outlet")):
        with pytest.raises(InputError, match="no field 'content' for text in the first 2 records; "
                                             "their fields are: doc_id, body, text, outlet") as info:
            check_columns(files, columns)
        assert (info.value.file, info.value.field) == (files[0].path, "content")
    no_text = expand_inputs(write_jsonl(tmp_path / "b.jsonl", ['{"body": "Rebels advanced."}']))
    with pytest.raises(InputError, match="no field 'text' for text in the first record; its fields are: body"):
        check_columns(no_text, Columns())  # text is required even under its default name
    # other fields than the text may be absent from JSON records (as tests/test_batch.py and
    # test_batch_dask.py rely on): a named source, date, title or kept field is not required
    check_columns(no_text, Columns(text="body", source="outlet", id="id", date="published", title="headline",
                                   keep=("topic",)))


def test_check_columns_on_jsonl_leaves_unreadable_heads_to_the_run(tmp_path):
    # nothing readable to judge by: the rows are rejected and counted by the run, as before
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    blank = write_jsonl(tmp_path / "blank.jsonl", ["", "   "])
    broken = write_jsonl(tmp_path / "broken.jsonl", ['{"text": "x"', "[1]", '"text"'])
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"t\xe9xt": "Caf\xe9"}\n')  # a field named with an undecodable byte is not "text"
    files = expand_inputs([empty, blank, broken, _jsonl_gz(tmp_path / "e.jsonl.gz", [])])
    check_columns(files, Columns(text="body", source="outlet"))
    with pytest.raises(InputError, match="no field 'text' for text in the first record; its fields are: t\ufffdxt"):
        check_columns(expand_inputs(latin), Columns())
    result, _, rejects = run(broken, tmp_path / "out", text="body")
    assert (result.read, result.rejected) == (3, 3)


def test_check_columns_on_jsonl_reads_a_bounded_head(tmp_path):
    # the field first appears on line 1,001: past the lines looked at
    lines = [json.dumps({"text": "x"})] * 1000 + [json.dumps({"text": "x", "body": "y"})]
    files = expand_inputs(write_jsonl(tmp_path / "late.jsonl", lines))
    with pytest.raises(InputError, match="no field 'body' for text in the first 1,000 records"):
        check_columns(files, Columns(text="body"))
    # …or past the first MB: 100 records of 11 kB, then the one with the field
    big = [json.dumps({"text": "w" * 11_000})] * 100 + [json.dumps({"text": "x", "body": "y"})]
    files = expand_inputs(_jsonl_gz(tmp_path / "big.jsonl.gz", big))
    with pytest.raises(InputError, match=r"no field 'body' for text in the first 9\d records"):
        check_columns(files, Columns(text="body"))
    # a .gz damaged past the head: the check reads the head only (the run reports the damage)
    data = gzip.compress(("\n".join(big * 3) + "\n").encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    with gzip.open(cut) as f:
        assert len(f.read(2**20)) == 2**20  # the damage lies past the first MB
    check_columns(expand_inputs(cut), Columns())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("compress", [False, True])
def test_check_columns_on_jsonl_stops_reading_after_its_head(tmp_path, compress):
    # A pipe fed 40 MB of records: the check must close it after about a MB (a check that read the
    # whole input would take all 40 MB, and as long on a multi-GB file).
    import threading

    path = tmp_path / ("feed.jsonl.gz" if compress else "feed.jsonl")
    os.mkfifo(path)
    rng = random.Random(1)
    # 20 different lines, repeated: too far apart for gzip to compress one by another
    lines = [(json.dumps({"doc_id": "d", "text": "".join(rng.choices("abcdefgh ", k=4000))}) + "\n").encode()
             for _ in range(20)]
    sent = []

    def feed():
        try:
            with open(path, "wb", buffering=0) as pipe:
                out = gzip.GzipFile(fileobj=pipe, mode="wb") if compress else pipe
                for i in range(40 * 2**20 // len(lines[0])):
                    out.write(lines[i % 20])
                    sent.append(len(lines[0]))
                out.close()
        except BrokenPipeError:  # the check closed its end
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    with pytest.raises(InputError, match=r"no field 'body' for text in the first 2\d\d records"):
        check_columns([InputFile(0, str(path), "jsonl")], Columns(text="body"))
    writer.join(timeout=20)
    assert not writer.is_alive() and sum(sent) < 4 * 2**20


def test_dates_written_by_pandas_to_json_read_back_as_those_dates(tmp_path):
    """pandas' to_json writes dates as milliseconds since 1970 (other exports: seconds); both paths
    read them back as the dates written, to the millisecond, not as missing."""
    written = pd.to_datetime(["2024-03-04", "2024-03-05 10:30:00.123", None, "1999-12-31 23:59:59"], format="ISO8601")
    frame = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "text": [T] * 4, "date": written})
    millis = tmp_path / "millis.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 announces ISO as its future default
        frame.to_json(millis, orient="records", lines=True)
    assert '"date":1709510400000' in millis.read_text()
    seconds = write_jsonl(tmp_path / "seconds.jsonl", [
        json.dumps({"doc_id": "a", "text": T, "date": 1709510400}),
        json.dumps({"doc_id": "b", "text": T, "date": 1709634600.123}),
        json.dumps({"doc_id": "c", "text": T, "date": None}),
        json.dumps({"doc_id": "d", "text": T, "date": "946684799"})])
    for path in (millis, seconds):
        result, rows, rejects = run(path, tmp_path / f"{path.stem}.parquet")
        expected = in_memory(path)
        assert_same_as_in_memory(rows, expected)
        assert expected["date"].tolist()[:2] + expected["date"].tolist()[3:] == [written[0], written[1], written[3]]
        assert pd.isna(expected["date"].tolist()[2]) and not rejects


def test_a_csv_with_semicolons_reads_as_pandas_reads_it_with_sep(tmp_path):
    """A spreadsheet saved in a decimal-comma language (and the BABE corpus) separates fields with
    ';': its texts hold commas, and the columns are found, in both paths."""
    texts = ["Rebels, the army said, advanced on the town.", "The army said it repelled the attack; rebels denied it.",
             'He said "rebels", not "insurgents".']
    frame = pd.DataFrame({"doc_id": ["a", "b", "c"], "outlet": ["x", "y", "x"], "text": texts})
    path = tmp_path / "semi.csv"
    path.write_bytes(b"\xef\xbb\xbf\n" + frame.to_csv(sep=";", index=False).encode("utf-8"))  # a BOM, a blank line
    oracle = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str)
    assert oracle["text"].tolist() == texts
    result, rows, rejects = run(path, tmp_path / "semi.parquet", source="outlet")
    expected = in_memory(path, source="outlet")
    assert result.written == 3 and not rejects
    assert_same_as_in_memory(rows, expected)
    assert expected["source"].tolist() == ["x", "y", "x"] and expected["hits"].gt(0).all()
    # a comma in the header keeps the comma: a header "a;b,c" is two columns "a;b" and "c"
    path.write_text("doc_id;x,text\n1;2,Rebels advanced.\n", encoding="utf-8")
    assert list(framelens.read_corpus(path).docs["text"]) == ["Rebels advanced."]


# =============================================================================================
# bugs found in a second review (an analyst's session on a messy archive)
# =============================================================================================
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_kept_field_that_a_role_also_reads_is_kept_with_its_own_values(tmp_path, fmt):
    # keep=["published"] beside date="published" wrote an empty column (the field was read once, for
    # its role); keep=["title"] beside title="headline" doubled the rows of the column (CSV: a crash)
    # or kept the headline in place of the field title
    frame = pd.DataFrame({"id": ["a1", "a2", "a3"], "outlet": ["Wire", "Post", "Wire"],
                          "published": ["2024-01-02 10:30", "2024-01-03", ""],
                          "headline": ["Head one", "Head two", "Head three"], "title": ["T1", "T2", "T3"],
                          "body": [T, "The army said so.", "Rebels."]})
    path = tmp_path / f"news.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)
    keep = ["published", "outlet", "title", "id", "body"]
    result, rows, rejects = run(path, tmp_path / "out", text="body", source="outlet", id="id", date="published",
                                title="headline", keep=keep)
    assert result.written == 3 and not rejects
    for name in keep:  # (an empty value may come back as "" or as missing, depending on the format)
        got = ["" if x is None or isinstance(x, float) else x for x in rows[name]]
        assert got == frame[name].tolist(), name
    # the roles read the same fields as before
    assert rows["source"].tolist() == ["Wire", "Post", "Wire"]
    assert rows["doc_id"].tolist() == ["a1", "a2", "a3"]
    assert rows["date"].astype("datetime64[ns]").tolist()[:2] == [pd.Timestamp("2024-01-02 10:30"),
                                                                  pd.Timestamp("2024-01-03")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
@pytest.mark.parametrize("compress", [False, True])
def test_jsonl_in_utf16_reads_as_read_corpus_reads_it(tmp_path, encoding, compress):
    # JSONL was cut and split into lines at the byte \n: in UTF-16 (what PowerShell's `>` writes)
    # that split every character after the first line, so a 4-record file gave 1 row written and
    # 5 rejected ("undecodable bytes") where read_corpus reads 4 documents
    records = [{"id": "a1", "text": T, "source": "Wire"}, {"id": "a2", "text": "The army, café \u2019x\u2019", "source": "Post"},
               {"id": "a3", "source": "Post"}, {"id": "a4", "text": "Rebels\r\nand the army", "source": "Wire"}]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    body = body.replace('\n{"id": "a3"', '\n\n{"id": "a3"')  # a blank line: counted, not a row
    data = body.encode(encoding)  # (utf-16 and utf-32 write a byte order mark, utf-16-le none)
    path = tmp_path / ("news.jsonl.gz" if compress else "news.jsonl")
    path.write_bytes(gzip.compress(data) if compress else data)
    result, rows, rejects = run(path, tmp_path / "out", id="id", encoding=encoding, chunk_bytes=40)
    assert (result.read, result.written, result.rejected) == (4, 3, 1)
    assert [(r["row"], r["reason"]) for r in rejects] == [(4, "missing text (no value in field 'text')")]
    assert rows["row"].tolist() == [1, 2, 5]
    assert sum(p["nbytes"] for p in result.manifest["parts"]) == path.stat().st_size  # (progress)
    expected = in_memory(path, id="id", encoding=encoding)
    expected = expected[expected["doc_id"] != "a3"]
    assert_same_as_in_memory(rows, expected)
    # the check of the text field reads past the first line too
    with pytest.raises(InputError, match="no field 'body' for text in the first 4 records"):
        check_columns(expand_inputs(path), Columns(text="body"), framelens.batch.sources.Limits(encoding=encoding))


def test_jsonl_in_utf16_with_bytes_that_do_not_decode(tmp_path):
    good = '{"text": "Rebels advanced."}\n'.encode("utf-16-le")
    path = tmp_path / "news.jsonl"
    bad = '{"text": "Rebels '.encode("utf-16-le") + b"\x00\xdc" + 'advanced."}\n'.encode("utf-16-le")
    path.write_bytes(good + bad + good)  # a lone low surrogate in line 2
    result, rows, rejects = run(path, tmp_path / "out", encoding="utf-16-le")
    assert (result.read, result.written, result.rejected) == (3, 2, 1)
    assert rows["row"].tolist() == [1, 3]
    assert [(r["row"], r["reason"], r["snippet"]) for r in rejects] == [
        (2, "undecodable bytes for encoding 'utf-16-le' in the line", '{"text": "Rebels \ufffdadvanced."}')]
    result, rows, _ = run(path, tmp_path / "out2", encoding="utf-16-le", errors="replace")
    assert (result.read, result.written, result.rejected) == (3, 3, 0)
    assert rows["row"].tolist() == [1, 2, 3] and rows["tokens"].tolist() == [2, 2, 2]


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("orient", ["records", "pretty-object"])
def test_a_json_file_that_is_no_json_lines_fails_before_anything_is_written(tmp_path, indent, orient):
    # pandas' to_json writes one JSON array by default: batch mode "succeeded" with 0 documents
    # scored and every line a reject, where read_corpus says what the file is and what to do
    frame = pd.DataFrame({"doc_id": ["a1", "a2"], "text": [T, "The army said so."]})
    path = tmp_path / "news.json"
    if orient == "records":
        frame.to_json(path, orient="records", indent=indent)
    else:
        path.write_text(json.dumps({"doc_id": "a1", "text": T}, indent=indent or 1))
    with pytest.raises(InputError) as batch_error:
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False)
    assert batch_error.value.row == 1 and "not JSON Lines (one object per line)" in str(batch_error.value)
    if orient == "records":
        with pytest.raises(InputError) as corpus_error:
            framelens.read_corpus(path)
        assert str(batch_error.value) == str(corpus_error.value)  # the same message, file, line and hint
    else:  # (read_corpus reads a pretty-printed object as one document; its lines one by one are no JSON)
        assert "looks like one JSON document over several lines" in str(batch_error.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*"))


def test_a_jsonl_file_with_a_bad_first_line_still_runs(tmp_path):
    # the check above must not stop JSON Lines whose first lines are broken or too long to judge
    path = tmp_path / "news.jsonl"
    good = json.dumps({"text": T}) + "\n"
    path.write_text('[{"text": "half a line"\n' + good * 3)
    result, rows, rejects = run(path, tmp_path / "out")
    assert (result.written, [r["row"] for r in rejects]) == (3, [1])
    long = tmp_path / "long.jsonl"  # the first record alone is longer than the head that is read
    long.write_text('[{"text": "' + "rebels " * 200_000 + '"}]\n' + good)
    result, rows, rejects = run(long, tmp_path / "out2")
    assert (result.written, [r["row"] for r in rejects]) == (1, [1])


def test_a_header_in_another_encoding_says_so_when_a_column_is_not_found(tmp_path):
    # a cp1252 header read as UTF-8 listed its columns as 'r\udce9sum\udce9' and said nothing of the
    # encoding, the likely cause of "no column 'résumé'"
    path = tmp_path / "news.csv"
    path.write_bytes("id,résumé,text\n1,Kurz,Rebels advanced.\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, progress=False, keep=["résumé"])
    message = str(info.value)
    assert info.value.field == "résumé" and "the columns are: id, r\ufffdsum\ufffd, text" in message
    assert "--encoding" in message and "\\udc" not in message and "\udce9" not in message
    assert not (tmp_path / "out").exists()
    result, rows, _ = run(path, tmp_path / "out", keep=["résumé"], encoding="cp1252")
    assert rows["résumé"].tolist() == ["Kurz"]
