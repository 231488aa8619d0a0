"""write_table: format by extension, provenance travels with the file, nothing partial is left behind."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from framelens.errors import ParameterError
from framelens.io_utils import write_table
from framelens.provenance import attach, provenance


@pytest.fixture
def table():
    df = pd.DataFrame({"source": ["Wire", "Herald"], "count_rebels": [3, 0], "share_rebels": [0.75, float("nan")]})
    return attach(df, provenance(params={"by": "source", "seed": 0}))


@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.jsonl", "t.parquet"])
def test_round_trip_by_extension(table, tmp_path, name):
    path = write_table(table, tmp_path / name)
    if name.endswith(".parquet"):
        back = pd.read_parquet(path)
        meta = json.loads(pq.read_schema(path).metadata[b"framelens"])
    else:
        back = (pd.read_json(path, lines=True) if name.endswith(".jsonl")
                else pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ","))
        meta = json.loads((tmp_path / f"{name}.provenance.json").read_text())
    assert back["count_rebels"].tolist() == [3, 0]
    assert meta["params"] == {"by": "source", "seed": 0} and "framelens_version" in meta


def test_unknown_extension_is_a_clear_error(table, tmp_path):
    with pytest.raises(ParameterError, match=r"\.xlsx"):
        write_table(table, tmp_path / "t.xlsx")


def test_failure_leaves_no_partial_file(tmp_path):
    bad = pd.DataFrame({"x": [object()]})  # pyarrow cannot convert an arbitrary object
    with pytest.raises(Exception):
        write_table(bad, tmp_path / "t.parquet")
    assert list(tmp_path.iterdir()) == []


def test_output_gets_ordinary_permissions(table, tmp_path):
    import os
    import stat

    path = write_table(table, tmp_path / "t.csv")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
