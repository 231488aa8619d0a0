"""Run batch scoring on a Dask cluster (``score_files(..., engine="dask")``).

The client process cuts the inputs into the same chunks as the local engine and submits one task per
chunk; a worker runs :func:`framelens.batch.local.process_chunk` — the very function the local
engine runs — and writes the part file itself. So the output directory, the manifest and the parts
are the same whichever engine ran them, and a run started on one engine can be resumed on the other.

Pointing it at a real cluster
-----------------------------
Start a scheduler and workers where framelens (``pip install "framelens[scale]"``) is installed in
the same version, each worker single-threaded (matching holds the GIL)::

    dask scheduler                                   # prints tcp://10.0.0.5:8786
    dask worker tcp://10.0.0.5:8786 --nworkers 16 --nthreads 1     # on every machine

then ``framelens score 'archive/*.jsonl.gz' -l conflict_actors --engine dask --scheduler
tcp://10.0.0.5:8786 --out /shared/scores`` (or ``score_files(..., engine="dask",
scheduler="tcp://10.0.0.5:8786")``; a ``distributed.Client`` is accepted too). The output directory
must be on a file system every worker sees at the same path (NFS, Lustre, a mounted bucket), because
workers write their parts there; uncompressed JSONL and folders of ``.txt`` files are read by the
workers by path (so inputs must be visible to them too), while the content of ``.gz``, CSV and
Parquet chunks (and of JSONL in UTF-16 or UTF-32) travels from the client with the task. The client holds at most ``2 × workers``
chunks at a time.
"""
from __future__ import annotations

import importlib.util
import uuid
from typing import Any, Callable, Iterable

from ..errors import FramelensError, ParameterError
from .local import PartResult, Settings, init_worker, process_chunk
from .sources import Chunk

class SchedulerError(FramelensError, OSError):
    """The Dask scheduler named by ``scheduler`` cannot be reached."""


_READY: set[str] = set()  # per worker process: settings already initialised (lexicon compiled)


def _run_on_worker(chunk: Chunk, settings: Settings) -> PartResult:
    key = f"{settings.lexicon.fingerprint}:{settings.match_engine}"
    if key not in _READY:  # compile the lexicon once per worker process
        init_worker(settings)
        _READY.add(key)
    return process_chunk(chunk, settings)


def require_distributed() -> None:
    """Raise a ParameterError saying how to install dask.distributed when it is missing (cheap: the
    package is found, not imported)."""
    if importlib.util.find_spec("distributed") is None:
        raise ParameterError('engine="dask" needs dask.distributed: pip install "framelens[scale]"')


def _client(scheduler: Any, jobs: int):
    require_distributed()
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster
    if isinstance(scheduler, Client):
        return scheduler, None
    if isinstance(scheduler, str):
        try:
            return Client(scheduler), None
        except OSError as exc:  # distributed's TimeoutError is an OSError
            raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); is it running? "
                                 "Rerun the same command to resume once it is") from None
    if hasattr(scheduler, "scheduler_address"):  # a cluster object (LocalCluster, a Kubernetes/SLURM cluster...)
        return Client(scheduler), None
    raise ParameterError(f"scheduler must be an address, a distributed.Client or a cluster, not {type(scheduler).__name__}")


def run_dask(chunks: Iterable[Chunk], settings: Settings, *, jobs: int, scheduler: Any = None,
             on_result: Callable[[PartResult], None]) -> None:
    """Score ``chunks`` on a Dask cluster, calling ``on_result`` for each part as it completes.

    Parameters
    ----------
    chunks : iterable of Chunk
        Pulled lazily: at most twice the number of worker threads are in flight.
    settings : Settings
        Sent to the cluster once (scattered to every worker), not with every task.
    jobs : int
        Workers of the local cluster started when no ``scheduler`` is given.
    scheduler : str, distributed.Client or cluster, optional
        Where to run. A Client passed in is left open; one made here is closed.
    on_result : callable
        Called in this process with each :class:`PartResult`.
    """
    client, cluster = _client(scheduler, jobs)
    from distributed import as_completed

    owned = cluster is not None or not hasattr(scheduler, "submit")
    try:
        threads = sum(client.nthreads().values()) or jobs
        limit = 2 * threads
        [shared] = client.scatter([settings], broadcast=True, hash=False)
        running = as_completed()
        in_flight, run = 0, uuid.uuid4().hex[:8]  # task keys unique per run, readable in the dashboard
        for chunk in chunks:
            while in_flight >= limit:
                future = next(running)
                in_flight -= 1
                on_result(future.result())
            running.add(client.submit(_run_on_worker, chunk, shared, pure=False, key=f"framelens-{run}-{chunk.name}"))
            in_flight += 1
        for future in running:
            on_result(future.result())
    finally:
        if owned:
            client.close()
            if cluster is not None:
                cluster.close()
