"""Scale of the in-memory public API: time and peak memory of each function at two corpus sizes.

Analysts load corpora of tens to hundreds of MB into memory (Jupyter); every public function should
take time and memory roughly linear in the corpus. For each function and input size a child process
reads the corpus (``framelens.read_corpus``), calls the function once on its first 200 documents
(imports, lexicon compile and library versions are a process's one-off costs, not throughput), then
times one call on the whole corpus: wall seconds, CPU seconds (``time.process_time``: every thread of
the process) and the peak RSS during the call (Linux: the high-water mark is reset through
``/proc/self/clear_refs`` just before the call, so the corpus loading's own peak does not count; the
RSS already held before the call, the corpus itself mostly, is in the JSON as ``base_rss_mb``).

The last column is the time ratio between each size and the first one, beside the ratio of their
text sizes: a function linear in its input has ratio ≈ size ratio; above ~1.3× the size ratio it
grows faster than linear (flagged ``!``, on CPU seconds: wall time on a shared machine is noisy), as
is a peak RSS more than 6× the text above what the process held before reading the corpus.

Inputs are ABP news articles (``generate_corpus.py --from abp``, built in ``--data`` when missing),
with the ABP ``topic`` and ``lean`` (= ``bias_text``) of each article's original joined from
``framelens.datasets.load_abp()`` for the classifier (target ``lean``, CV groups = the original
article, as its copies share most of their text). Lexicon: ``conflict_actors``; keyness and
suggest_terms on the full vocabulary.

Usage::

    python benchmarks/bench_scale.py                               # 25MB,100MB, every function
    python benchmarks/bench_scale.py --sizes 25MB,100MB,250MB --only keyness --only shares
    python benchmarks/bench_scale.py --data /tmp/scale --timeout 1200

MB = 10^6 bytes (of the input file in the ``size`` column; of UTF-8 text for the RSS ratio).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate_corpus as gen  # noqa: E402

LEXICON = "conflict_actors"


# ---------------------------------------------------------------------------------------------
# the measured calls: name -> function(framelens, corpus, lexicon) (one call; its result is kept
# alive until the RSS is read, as it is in a notebook)
# ---------------------------------------------------------------------------------------------
def _classifier_predict(fl, corpus, lex):
    model = fl.Classifier().fit(corpus, target="lean")
    return lambda c: model.predict(c)  # fitted outside the timing, predict timed


CALLS = {
    "score": lambda fl, c, lex: fl.score(c, lex),
    "score by=source": lambda fl, c, lex: fl.score(c, lex, by="source"),
    "score unit=sentence": lambda fl, c, lex: fl.score(c, lex, unit="sentence"),
    "match": lambda fl, c, lex: fl.match(c, lex),
    "kwic": lambda fl, c, lex: fl.kwic(c, lex),
    "count_matrix": lambda fl, c, lex: fl.count_matrix(c, lex),
    "keyness": lambda fl, c, lex: fl.keyness(c, by="source"),
    "keyness lexicon=": lambda fl, c, lex: fl.keyness(c, by="source", lexicon=lex),
    "shares": lambda fl, c, lex: fl.shares(c, lex),
    "divergence": lambda fl, c, lex: fl.divergence(c, lex),
    "suggest_terms": lambda fl, c, lex: fl.suggest_terms(c, lex),
    "stories": lambda fl, c, lex: fl.stories(c),
    "decompose": lambda fl, c, lex: fl.decompose(c, lex),
    "attributions": lambda fl, c, lex: fl.attributions(c, lex),
    "agency": lambda fl, c, lex: fl.agency(c, lex),
    "tone": lambda fl, c, lex: fl.tone(c, lex),
    "descriptors": lambda fl, c, lex: fl.descriptors(c, lex),
    "Classifier.fit": lambda fl, c, lex: fl.Classifier().fit(c, target="lean"),
    "Classifier.predict": None,  # set up in child(): fit untimed, then predict
    "evaluate": lambda fl, c, lex: fl.evaluate(fl.Classifier(), c, "lean", groups="original"),
    "LexiconVectorizer": lambda fl, c, lex: fl.LexiconVectorizer(lex).fit_transform(c.texts),
}
LABELED = {"Classifier.fit", "Classifier.predict", "evaluate"}


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _with_labels(fl, corpus):
    """The ABP ``topic`` and ``lean`` of each generated copy's original article (ids ``<id>-r<k>``)."""
    abp = fl.datasets.load_abp().docs.set_index("doc_id")
    docs = corpus.docs
    original = docs["doc_id"].str.replace(r"-r\d+$", "", regex=True)
    docs = docs.assign(original=original, lean=original.map(abp["lean"]).fillna(""),
                       topic=original.map(abp["topic"]).fillna(""))
    return fl.read_corpus(docs)


def child(name: str, data: str) -> dict:
    import framelens as fl
    from framelens.scoring import as_lexicon

    lex = as_lexicon(LEXICON)
    floor = _status_mb("VmRSS")  # the interpreter and libraries, before the corpus
    corpus = fl.read_corpus(data)
    if name in LABELED:
        corpus = _with_labels(fl, corpus)
    text_mb = sum(len(t.encode("utf-8")) for t in corpus.texts) / 1e6
    call = CALLS[name]
    warm = fl.read_corpus(corpus.docs.iloc[:200].reset_index(drop=True))
    if name == "Classifier.predict":
        call = _classifier_predict(fl, corpus, lex)
        call(warm)
        run = lambda: call(corpus)  # noqa: E731
    else:
        call(fl, warm, lex)
        run = lambda: call(fl, corpus, lex)  # noqa: E731
    del warm
    import gc

    gc.collect()
    base = _status_mb("VmRSS")
    try:  # reset the peak RSS (VmHWM) to the current RSS: the peak of the call alone
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    t0, c0 = time.perf_counter(), time.process_time()
    out = run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _status_mb("VmHWM")
    rows = out.shape[0] if hasattr(out, "shape") else len(out) if hasattr(out, "__len__") else None
    del out
    return {"function": name, "input": Path(data).name, "file_mb": Path(data).stat().st_size / 1e6,
            "text_mb": text_mb, "docs": len(corpus), "seconds": seconds, "cpu_seconds": cpu,
            "peak_rss_mb": peak, "base_rss_mb": base, "floor_rss_mb": floor, "peak_reset": reset, "result_rows": rows}


def run_child(name: str, data: Path, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--data", str(data)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"function": name, "input": data.name, "file_mb": data.stat().st_size / 1e6, "error": f"timeout {timeout:.0f} s"}
    if done.returncode != 0:
        return {"function": name, "input": data.name, "file_mb": data.stat().st_size / 1e6,
                "error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------
# RSS / text: (peak RSS − RSS of the process before reading the corpus) / MB of text; the time
# ratio is of CPU seconds (less disturbed than wall time by other load on a shared machine)
HEADER = ("| function             |   size | seconds |  CPU s | peak RSS MB | RSS / text | CPU ratio (size ratio) |\n"
          "|----------------------|-------:|--------:|-------:|------------:|-----------:|-----------------------:|")


def fmt_row(r: dict, first: dict | None) -> str:
    size = f"{r['file_mb']:.0f}MB"
    if "error" in r:
        return f"| {r['function']:<20} | {size:>6} | {r['error']:<60} |"
    rss_ratio = (r["peak_rss_mb"] - r.get("floor_rss_mb", 0)) / r["text_mb"]
    ratio = "-"
    if first is not None and first is not r and "error" not in first:
        t, s = r["cpu_seconds"] / first["cpu_seconds"], r["text_mb"] / first["text_mb"]
        ratio = f"{t:.1f}× ({s:.1f}×){' !' if t > 1.3 * s else ''}"
    return (f"| {r['function']:<20} | {size:>6} | {r['seconds']:>7.2f} | {r['cpu_seconds']:>6.1f} | "
            f"{r['peak_rss_mb']:>11,.0f} | {rss_ratio:>8.1f}×{'!' if rss_ratio > 6 else ' '} | {ratio:>22} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, default=Path("/tmp/framelens-bench"), help="where inputs are (generated when missing)")
    p.add_argument("--sizes", default="25MB,100MB", help="comma-separated input sizes (e.g. 25MB,100MB,250MB)")
    p.add_argument("--only", choices=sorted(CALLS), action="append", metavar="NAME",
                   help=f"measure only this function (repeatable): {', '.join(CALLS)}")
    p.add_argument("--timeout", type=float, default=1800, help="seconds before a child is stopped (reported as such)")
    p.add_argument("--results", type=Path, default=HERE / "results", help="folder for the JSON results")
    args = p.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, str(args.data))))
        return 0

    names = [n for n in CALLS if not args.only or n in args.only]
    args.data.mkdir(parents=True, exist_ok=True)
    inputs = []
    for size in (gen.parse_size(s) for s in args.sizes.split(",")):
        path = args.data / f"abp-{size // 10**6}MB.jsonl"
        if not path.exists():
            gen.main(["--from", "abp", "--size", str(size), "--out", str(path)])
        inputs.append(path)
    print(f"# bench_scale on {platform.node()} ({os.cpu_count()} cores), python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; one child process at a time")
    print(HEADER, flush=True)
    rows: list[dict] = []
    for name in names:
        first = None
        for data in inputs:
            r = run_child(name, data, args.timeout)
            first = first or r
            rows.append(r)
            print(fmt_row(r, first), flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = args.results / f"bench_scale-{stamp}.json"
    target.write_text(json.dumps({"when": stamp, "machine": {"node": platform.node(), "cores": os.cpu_count(),
                                                               "python": platform.python_version(),
                                                               "load_average_start": os.getloadavg()},
                                  "argv": sys.argv[1:], "lexicon": LEXICON, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
