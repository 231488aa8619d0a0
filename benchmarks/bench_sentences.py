"""Throughput of ``framelens.text.sentence_spans`` against the NLTK path it replaced.

Prints a table (MB = 10^6 bytes of UTF-8 text) and writes it as JSON under ``benchmarks/results/``.

Corpora: ``abp``, the first ``--mb`` MB of ABP news articles (the conflict subset in ``../shared``,
in file order); ``sample``, the embedded fictional corpus (all reports); ``babe``, the BABE SG2
sentences (``../shared``). A corpus whose files are absent is left out.

Implementations, timed in the same run on the same texts:

- ``nltk (baseline)``: the frozen copy of the former ``sentence_spans`` in ``tests/test_text.py``
  (``oracle_sentence_spans``: the line rules, then ``PunktSentenceTokenizer.span_tokenize`` on
  each segment);
- ``framelens (cold memo)``: ``sentence_spans`` with its memos emptied before each run, so every
  decision text and word is new to it when the run starts;
- ``framelens (warm memo)``: the same texts again with the memos the previous run left;
- ``framelens many (cold memo)``, ``framelens many (warm memo)``: the same with
  ``sentence_spans_many`` (all texts in one call, as ``Corpus.sentence_spans`` does);
- ``regex floor (no decisions)``: not a sentence splitter, a bound. One compiled regex finds every
  place where a sentence could end (a mark, closing quotes or brackets, whitespace before a
  non-space) and keeps where each would start, deciding nothing ("Gen. Smith" ends a sentence
  too). Any splitter that looks at every candidate from Python costs at least this much: it
  bounds what numbering each hit's sentence can cost in ``framelens.match``.

Timing is CPU time (``time.process_time``), best of ``--repeat`` runs. NLTK is imported and both
paths are called once before any timing: the first call imports NLTK (about 1 s, printed apart),
which would otherwise count in the first corpus. The spans of both paths are compared.

Usage::

    python benchmarks/bench_sentences.py
    python benchmarks/bench_sentences.py --mb 5 --repeat 5
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import platform
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import framelens.text as text_mod
from framelens.datasets import load_abp, load_babe, load_sample, shared_dir

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


def _oracle():
    """``oracle_sentence_spans`` from tests/test_text.py (imported by path: tests/ is no package)."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))  # test_text imports conftest
    spec = importlib.util.spec_from_file_location("_bench_test_text", ROOT / "tests" / "test_text.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.oracle_sentence_spans


def _corpora(mb: float) -> dict[str, list[str]]:
    corpora = {}
    if shared_dir(required=False) is not None:
        texts, size = [], 0
        for text in load_abp().docs["text"].tolist():
            if size >= mb * 1e6:
                break
            texts.append(text)
            size += len(text.encode("utf-8"))
        corpora["abp"] = texts
    corpora["sample"] = load_sample().docs["text"].tolist()
    if shared_dir(required=False) is not None:
        corpora["babe"] = load_babe("SG2").docs["text"].tolist()
    return corpora


_CANDIDATE_END = re.compile("[.?!][\"')\\]}\u2019\u201d]*\\s+(?=\\S)")


def _candidate_starts(text: str) -> list[int]:
    """Where a sentence would start after each candidate end (the regex floor: no decisions)."""
    return [m.end() for m in _CANDIDATE_END.finditer(text)]


def _best(run, texts: list[str], repeat: int, before=None, many: bool = False) -> float:
    """Best CPU time of ``run`` on each text (``many``: on all texts in one call)."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.process_time()
        if many:
            run(texts)
        else:
            for text in texts:
                run(text)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=2.0, help="MB of ABP news (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement, best kept (default 3)")
    ap.add_argument("--out", type=Path, default=None, help="JSON file (default benchmarks/results/bench_sentences.json)")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    text_mod.sentence_spans("Gen. Smith met U.S. officials. They left.")  # imports NLTK, builds Punkt
    first_call = time.perf_counter() - start
    oracle = _oracle()
    oracle("Gen. Smith met U.S. officials. They left.")

    def cold():
        text_mod._punkt_spans.cache_clear()  # a new PunktSpans: empty memos

    rows = []
    for corpus, texts in _corpora(args.mb).items():
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        cold()
        expected = [oracle(t) for t in texts]
        same = [text_mod.sentence_spans(t) for t in texts] == expected
        cold()
        same = same and text_mod.sentence_spans_many(texts) == expected
        timings = [
            ("nltk (baseline)", _best(oracle, texts, args.repeat)),
            ("framelens (cold memo)", _best(text_mod.sentence_spans, texts, args.repeat, before=cold)),
            ("framelens (warm memo)", _best(text_mod.sentence_spans, texts, args.repeat)),
            ("framelens many (cold memo)", _best(text_mod.sentence_spans_many, texts, args.repeat, before=cold, many=True)),
            ("framelens many (warm memo)", _best(text_mod.sentence_spans_many, texts, args.repeat, many=True)),
            ("regex floor (no decisions)", _best(_candidate_starts, texts, args.repeat)),
        ]
        for impl, seconds in timings:
            rows.append({"implementation": impl, "corpus": corpus, "docs": len(texts), "mb": round(mb, 3),
                         "seconds": round(seconds, 4), "mb_per_s": round(mb / seconds, 2),
                         "speedup": round(timings[0][1] / seconds, 2),
                         "same_spans": same if impl.startswith(("nltk", "framelens")) else None})

    print(f"first call of sentence_spans (imports NLTK): {first_call:.2f} s, not counted below")
    print(f"{'implementation':28s} {'corpus':8s} {'docs':>6s} {'MB':>7s} {'seconds':>8s} {'MB/s':>7s} {'speedup':>8s}")
    for r in rows:
        print(f"{r['implementation']:28s} {r['corpus']:8s} {r['docs']:6d} {r['mb']:7.2f} {r['seconds']:8.3f} "
              f"{r['mb_per_s']:7.2f} {r['speedup']:7.2f}x")
    if not all(r["same_spans"] for r in rows if r["same_spans"] is not None):
        print("WARNING: framelens and the NLTK baseline gave different spans")

    result = {"benchmark": "bench_sentences", "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "python": platform.python_version(), "nltk": importlib.metadata.version("nltk"), "machine": platform.machine(),
              "repeat": args.repeat, "first_call_seconds": round(first_call, 3), "rows": rows}
    out = args.out or RESULTS / "bench_sentences.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")
    return result


if __name__ == "__main__":
    main()
