"""Streaming readers: block cutting of JSONL files against a line-by-line oracle."""
from __future__ import annotations

import random

import pytest

from framelens.readers_stream import jsonl_blocks


def _oracle(data: bytes, max_rows: int, max_bytes: int) -> list[tuple[int, int, tuple[int, int]]]:
    """The cutting rule, one line at a time: a block ends after the line that makes it max_rows
    lines or max_bytes bytes long; an empty file gives one empty block."""
    out, start, first, line, lines, pos = [], 0, 1, 1, 0, 0
    for raw in data.splitlines(keepends=True) if data else []:
        if raw.endswith(b"\r") and not raw.endswith(b"\n"):  # splitlines also splits on \r alone
            raise AssertionError("test data holds only \\n line ends")
        pos += len(raw)
        line += 1
        lines += 1
        if lines >= max_rows or pos - start >= max_bytes:
            out.append((first, pos - start, (start, pos)))
            start, first, lines = pos, line, 0
    if pos > start or not out:
        out.append((first, pos - start, (start, pos)))
    return out


def _random_jsonl(rng: random.Random, n: int, final_newline: bool) -> bytes:
    lines = []
    for i in range(n):
        body = "".join(rng.choice("abc é\t") for _ in range(rng.choice([0, 1, 5, 40, 300])))
        lines.append(("" if rng.random() < 0.1 else f'{{"id": {i}, "text": "{body}"}}').encode())
    data = b"\n".join(lines)
    return data + b"\n" if final_newline and data else data


@pytest.mark.parametrize("seed", range(40))
def test_jsonl_blocks_cut_as_the_line_rule_says(tmp_path, seed, monkeypatch):
    rng = random.Random(seed)
    data = _random_jsonl(rng, rng.choice([0, 1, 2, 17, 400]), final_newline=seed % 2 == 0)
    path = tmp_path / "x.jsonl"
    path.write_bytes(data)
    max_rows, max_bytes = rng.choice([1, 2, 3, 10, 1000]), rng.choice([1, 50, 700, 1 << 20])
    # small buffers, so that blocks and lines straddle buffer edges
    monkeypatch.setattr("framelens.readers_stream._CUT_BUFFER", rng.choice([1, 7, 64, 1 << 23]))
    got = [(b.first_row, b.nbytes, b.byte_range) for b in jsonl_blocks(str(path), max_rows, max_bytes)]
    assert got == _oracle(data, max_rows, max_bytes)
    assert sum(n for _, n, _ in got) == len(data)


@pytest.mark.parametrize("buffer", [1, 4, 5, 64])
def test_a_last_line_without_newline_is_a_block_of_its_own_rows(tmp_path, monkeypatch, buffer):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"a": 2}')
    monkeypatch.setattr("framelens.readers_stream._CUT_BUFFER", buffer)
    got = [(b.first_row, b.byte_range) for b in jsonl_blocks(str(path), 2, 1 << 20)]
    assert got == [(1, (0, 10)), (3, (10, 18))]


def test_csv_gz_blocks_count_the_compressed_bytes_of_the_file(tmp_path):
    # the progress total is the size of the files; a .csv.gz counted its decompressed bytes, so the
    # bar ran to 8× its total and the MB/s of the summary were those of the text, not of the input
    import gzip

    from framelens.readers_stream import delimited_blocks

    rng = random.Random(7)
    rows = [f'{i},"{" ".join(rng.choice(["rebels", "army", "town", "said"]) for _ in range(60))}"' for i in range(400)]
    data = ("id,text\n" + "\n".join(rows) + "\n").encode()
    plain, packed = tmp_path / "news.csv", tmp_path / "news.csv.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    want = list(delimited_blocks(str(plain), ",", 50, 1 << 20))
    got = list(delimited_blocks(str(packed), ",", 50, 1 << 20))
    assert [(b.first_row, b.payload) for b in got] == [(b.first_row, b.payload) for b in want]
    assert sum(b.nbytes for b in want) == len(data)
    assert sum(b.nbytes for b in got) == packed.stat().st_size < len(data) / 4
