"""Batch scoring of archives: streaming, chunked, parallel (processes or Dask), resumable.

Examples
--------
>>> import framelens.batch as fb
>>> # result = fb.score_files("archive/*.jsonl.gz", "conflict_actors", "scores/", jobs=8)
>>> # by_month = fb.aggregate("scores/", by=["source", "month"])
>>> # keyness = framelens.keyness(fb.load_scores("scores/"), by="source", lexicon="conflict_actors")
"""
from .aggregate import aggregate
from .local import BatchResult, score_files
from .manifest import fingerprint_file
from .scores import BatchScores, load_scores

__all__ = ["score_files", "aggregate", "load_scores", "BatchScores", "BatchResult", "fingerprint_file"]
