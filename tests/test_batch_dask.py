"""framelens.batch on dask.distributed: the same parts as the local engine, on a 2-process LocalCluster."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from framelens.batch import aggregate, score_files

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed (the 'scale' extra)")

from conftest import interrupted_run, mini_lexicon  # noqa: E402
from test_batch import COLUMNS, make_docs, read_output, write_input  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        yield c


def test_dask_engine_output_equals_local_engine(tmp_path, cluster):
    df = make_docs(60)
    jsonl = write_input(df, tmp_path / "news.jsonl")  # read by the workers from byte ranges
    csv = write_input(df.assign(id=df["id"] + "c"), tmp_path / "news.csv")  # parsed rows travel with the task
    dirty = tmp_path / "dirty.jsonl"
    dirty.write_text('{"id": "z1", "body": "Rebels advanced."}\n{"id": "z2", "body": \n', encoding="utf-8")
    inputs = [jsonl, csv, dirty]
    local = score_files(inputs, mini_lexicon(), tmp_path / "local", jobs=1, chunk_size=7, progress=False, **COLUMNS)
    remote = score_files(inputs, mini_lexicon(), tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address,
                         chunk_size=7, progress=False, **COLUMNS)
    assert (remote.read, remote.written, remote.rejected) == (local.read, local.written, local.rejected) == (122, 121, 1)
    pd.testing.assert_frame_equal(read_output(tmp_path / "dask"), read_output(tmp_path / "local"))
    names = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "local").iterdir())
    assert (tmp_path / "dask" / "_rejects.jsonl").read_text() == (tmp_path / "local" / "_rejects.jsonl").read_text()
    m = json.loads((tmp_path / "dask" / "_manifest.json").read_text())
    assert m["counts"] == {"read": 122, "written": 121, "rejected": 1} and len(m["parts"]) == 9 + 9 + 1
    pd.testing.assert_frame_equal(aggregate(tmp_path / "dask", by="source"), aggregate(tmp_path / "local", by="source"))


def test_dask_engine_accepts_a_client_and_resumes_a_local_run(tmp_path, cluster, monkeypatch):
    df = make_docs(30)
    path = write_input(df, tmp_path / "news.jsonl")
    interrupted_run(monkeypatch, 2, lambda: score_files(path, mini_lexicon(), tmp_path / "out", jobs=1, chunk_size=5,
                                                         progress=False, **COLUMNS))
    with distributed.Client(cluster) as client:
        resumed = score_files(path, mini_lexicon(), tmp_path / "out", engine="dask", scheduler=client, chunk_size=5,
                              progress=False, **COLUMNS)
        assert client.status == "running"  # a Client passed in is left open
    assert resumed.parts_skipped == 2 and resumed.written == 30
    full = score_files(path, mini_lexicon(), tmp_path / "full", jobs=1, chunk_size=5, progress=False, **COLUMNS)
    pd.testing.assert_frame_equal(read_output(tmp_path / "out"), read_output(tmp_path / "full"))
    assert full.written == 30


def test_cli_engine_dask_with_scheduler_address(tmp_path, cluster):
    from framelens.cli import batch as cli_batch
    from framelens.lexicon import write_lexicon

    df = make_docs(20)
    path = write_input(df, tmp_path / "news.jsonl")
    lexicon = write_lexicon(mini_lexicon(), tmp_path / "mini.yaml")
    common = [str(path), "--lexicon", str(lexicon), "--chunk-size", "6", "--text-column", "body",
              "--source-column", "outlet", "--id-column", "id", "--date-column", "published", "--no-progress"]
    assert cli_batch.main([*common, "--out", str(tmp_path / "dask"), "--engine", "dask",
                           "--scheduler", cluster.scheduler_address]) == 0
    assert cli_batch.main([*common, "--out", str(tmp_path / "local"), "--jobs", "1"]) == 0
    pd.testing.assert_frame_equal(read_output(tmp_path / "dask"), read_output(tmp_path / "local"))


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path):
    import dask

    from framelens.batch.dask_engine import SchedulerError
    from framelens.errors import FramelensError

    path = write_input(make_docs(5), tmp_path / "news.jsonl")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9 .*is it running"):
            score_files(path, mini_lexicon(), tmp_path / "out", engine="dask", scheduler="tcp://127.0.0.1:9",
                        progress=False, **COLUMNS)
    assert issubclass(SchedulerError, FramelensError)  # the CLI prints it as one line
