"""Batch scoring of archives: streaming, chunked, parallel (processes or Dask), resumable.

Examples
--------
>>> import framelens.batch as fb
>>> # result = fb.score_files("archive/*.jsonl.gz", "conflict_actors", "scores/", jobs=8)
>>> # by_month = fb.aggregate("scores/", by=["source", "month"])
"""
from .aggregate import aggregate
from .local import BatchResult, score_files
from .manifest import fingerprint_file

__all__ = ["score_files", "aggregate", "BatchResult", "fingerprint_file"]
