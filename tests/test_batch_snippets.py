"""The snippet of a batch reject shows the row as it is in the input, readably, whatever the format.

Two defects found in review, each with a test that failed before its fix:

* a CSV/TSV record with a quote never closed (it runs to the end of the file) had as snippet its
  fields joined by the separator — the opening quote, and one of each doubled ``""``, gone — so it
  did not show the record as written; and its reason did not name the problem and row in words;
* a Parquet row had as snippet the repr of a Python dict (``{'text': None, 'date':
  datetime.datetime(2024, 3, 5, 0, 0)}``) instead of the row as a JSON object, as JSONL rows are
  shown.

Every run checks ``read == written + rejected``; the oracle of a CSV snippet is the file's own text,
of a Parquet snippet ``json.dumps`` of the row built here from the values written.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from framelens.batch import score_files
from framelens.batch.sources import SNIPPET_CHARS
from framelens.cli.main import main
from framelens.lexicon import write_lexicon

from conftest import mini_lexicon


def run(path: Path | list[Path], out: Path, **kwargs):
    """A batch run (one job, chunks of two rows unless told) → result, rejects (in file order)."""
    kwargs = {"jobs": 1, "chunk_size": 2, "progress": False, **kwargs}
    result = score_files(path, mini_lexicon(), out, **kwargs)
    assert result.read == result.written + result.rejected
    rejects = [json.loads(line) for line in result.rejects_path.read_text().splitlines()] if result.rejected else []
    return result, rejects


def line_of(text: str, offset: int) -> int:
    """The 1-based physical line of ``text[offset]`` (line ends ``\\n`` or ``\\r\\n``)."""
    return text.count("\n", 0, offset) + 1


# ---------------------------------------------------------------------------------------------
# CSV/TSV: a quote never closed
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("eol,end", [("\n", "\n"), ("\r\n", "\r\n"), ("\n", "")],
                         ids=["lf", "crlf", "no-final-newline"])
def test_an_unclosed_quote_on_the_last_line_shows_the_record_as_written(tmp_path, eol, end):
    # Before: snippet '3,He said hello,Wire\n' (the opening quote gone), reason "a quoted field
    # opened in this row is never closed: ..." (which row, which line, said only by the "row" key).
    bad = '3,"He said hello,Wire'
    text = f"doc_id,text,source{eol}1,Rebels advanced on the town.,Wire{eol}2,The army said so.,Post{eol}" + bad + end
    path = tmp_path / "tail.csv"
    path.write_bytes(text.encode("utf-8"))
    result, rejects = run(path, tmp_path / "out")
    assert (result.read, result.written, result.rejected) == (3, 2, 1)
    [reject] = rejects
    assert reject["row"] == 3 and reject["file"] == str(path)
    assert reject["snippet"] == bad + end  # the rest of the file, as it is written
    reason = reject["reason"]
    assert reason.startswith("unclosed quote: ") and "never closed" in reason
    assert "row 3 (line 4)" in reason and f"{len(bad + end):,} characters" in reason, reason


@pytest.mark.parametrize("fmt,sep,opener", [("csv", ",", open), ("tsv", "\t", open), ("csv.gz", ",", gzip.open)])
def test_a_quote_opened_mid_file_shows_the_rest_as_written(tmp_path, fmt, sep, opener):
    # Before (CSV): snippet '5,The army said no and left,Herald\n6,Militias…' — no opening quote,
    # and the doubled quotes of '""no""' read as one.
    rows = [["1", "Rebels advanced on the town.", "Wire"],
            ["2", '"Government forces, he said, held."', "Post"],  # a well-formed quoted field
            None,  # a blank line: no row, but a line
            ["3", "Insurgents struck.", "Herald"],
            ["4", "Caf\xe9 owners fled.", "Post"],
            ['5', '"The army said ""no"" and left', "Herald"]]  # opened, never closed
    rows += [[str(i), f"Militias moved in at dawn near village {i}.", "Wire"] for i in range(6, 16)]
    lines = ["" if r is None else sep.join(r) for r in [["doc_id", "text", "source"], *rows]]
    text = "\n".join(lines) + "\n"
    path = tmp_path / f"open.{fmt}"
    with opener(path, "wb") as f:
        f.write(text.encode("latin-1"))  # é is an undecodable byte in UTF-8: shown as U+FFFD
    result, rejects = run(path, tmp_path / "out")
    # rows 6-15 are inside row 5's quoted field: one reject, not ten rows glued into its text
    assert (result.read, result.written, result.rejected) == (5, 3, 2)
    assert [r["row"] for r in rejects] == [4, 5]
    reject = rejects[1]
    start = text.index("5" + sep + '"The army')
    assert reject["snippet"] == text[start:][:SNIPPET_CHARS]
    assert reject["snippet"].startswith("5" + sep + '"The army said ""no"" and left' + sep + "Herald\n6" + sep)
    assert len(reject["snippet"]) == SNIPPET_CHARS  # the rest of the file is longer: cut
    last = text.count("\n")
    assert line_of(text, start) == 7 and last == 17
    assert reject["reason"] == (f"unclosed quote: a quoted field opened in row 5 (line 7) is never closed; the "
                                f"rest of the file (lines 7-{last}, {len(text) - start:,} characters) is inside it")
    # the Latin-1 byte of row 4 (before the quote) is a reject of its own, its snippet as before
    assert rejects[0]["row"] == 4 and rejects[0]["snippet"] == "4" + sep + "Caf\ufffd owners fled." + sep + "Post"


# ---------------------------------------------------------------------------------------------
# Parquet: the row as a JSON object
# ---------------------------------------------------------------------------------------------
def news_parquet(path: Path) -> dict[str, list]:
    """Five rows written to ``path``; returns the columns as the Python values written."""
    long_text = 'Caf\u00e9 owners said "the army left" before dawn. ' * 6  # 276 characters
    columns = {
        "doc_id": ["p1", "p2", "p3", "p4", "p5"],
        "text": ["Rebels advanced on the town.", None, long_text, "Militias moved in.", "Insurgents struck."],
        "source": ["Wire", "Herald", "Post", "Wire", "Herald"],
        "date": [dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 6, 10, 30),
                 dt.datetime(2024, 3, 7), dt.datetime(2024, 3, 8)],
        "page": [b"A1", b"B2", b"C3", b"D4", b"caf\xe9"],  # a binary column, kept; the last not UTF-8
    }
    pd.DataFrame(columns).to_parquet(path, index=False)
    return columns


def test_a_parquet_reject_snippet_is_the_row_as_json(tmp_path):
    # Before: "{'text': None, 'source': 'Herald', 'doc_id': 'p2', 'date': datetime.datetime(2024, 3, 5,
    # 0, 0), 'page': b'B2'}" — a Python repr, unreadable outside Python.
    path = tmp_path / "news.parquet"
    columns = news_parquet(path)
    result, rejects = run(path, tmp_path / "out", keep=["page"], max_field_chars=200)
    assert (result.read, result.written, result.rejected) == (5, 2, 3)
    assert [(r["row"], r["reason"]) for r in rejects] == [
        (2, "missing text (no value in field 'text')"),
        (3, "field 'text' has 276 characters, over the limit of 200"),
        (5, "undecodable bytes for encoding 'utf-8' at byte 3 in field 'page'"),
    ]

    def as_json(i: int) -> str:  # the oracle: the fields read, in the batch's role order
        record = {"text": columns["text"][i], "source": columns["source"][i], "doc_id": columns["doc_id"][i],
                  "date": str(columns["date"][i]), "page": columns["page"][i].decode("utf-8", errors="replace")}
        return json.dumps(record, ensure_ascii=False)

    for r in rejects:
        assert r["snippet"] == as_json(r["row"] - 1)[:SNIPPET_CHARS], r
        assert "None" not in r["snippet"] and "datetime" not in r["snippet"] and "b'" not in r["snippet"]
    assert rejects[0]["snippet"] == ('{"text": null, "source": "Herald", "doc_id": "p2", '
                                     '"date": "2024-03-05 00:00:00", "page": "B2"}')
    assert json.loads(rejects[0]["snippet"])["date"] == str(dt.datetime(2024, 3, 5))
    assert len(rejects[1]["snippet"]) == SNIPPET_CHARS
    assert rejects[1]["snippet"].startswith('{"text": "Caf\u00e9 owners said \\"the army left\\" before dawn.')
    assert rejects[2]["snippet"].endswith('"page": "caf\ufffd"}')


# ---------------------------------------------------------------------------------------------
# the same through the command line
# ---------------------------------------------------------------------------------------------
def test_the_cli_writes_the_same_snippets(tmp_path, capsys):
    csv_path = tmp_path / "tail.csv"
    csv_path.write_text('doc_id,text\n1,Rebels advanced.\n2,"He said hello\n', encoding="utf-8")
    pq_path = tmp_path / "news.parquet"
    news_parquet(pq_path)
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    out = tmp_path / "scores"
    code = main(["score", str(csv_path), str(pq_path), "-l", str(lexicon), "--out", f"{out}/", "--jobs", "1",
                 "--max-field-chars", "200", "--no-progress"])
    assert code == 0, capsys.readouterr()
    manifest = json.loads((out / "_manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["read"] == counts["written"] + counts["rejected"] == 2 + 5
    rejects = [json.loads(line) for line in (out / "_rejects.jsonl").read_text().splitlines()]
    assert [(Path(r["file"]).name, r["row"]) for r in rejects] == [("tail.csv", 2), ("news.parquet", 2),
                                                                   ("news.parquet", 3)]
    assert rejects[0]["snippet"] == '2,"He said hello\n'
    assert "unclosed quote" in rejects[0]["reason"] and "row 2 (line 3)" in rejects[0]["reason"]
    assert rejects[1]["snippet"] == '{"text": null, "source": "Herald", "doc_id": "p2", "date": "2024-03-05 00:00:00"}'
    assert rejects[2]["snippet"].startswith('{"text": "Caf\u00e9 owners said') and len(rejects[2]["snippet"]) == SNIPPET_CHARS
