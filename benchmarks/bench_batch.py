"""Batch scoring throughput and memory: framelens and three baselines, measured in the same run.

For each measurement a child process is started and timed from the outside (wall clock, process
start included for the CLI runs); its peak RSS is read from ``/usr/bin/time -v`` (the largest single
process of the tree: the CLI or one of its workers) and, by sampling with psutil every 250 ms, the
peak of the whole tree's summed RSS.

Measurements
------------
``match``     framelens' matching engine in memory (``Matcher.find_many``) on the first
              ``--match-mb`` MB of texts: hyperscan and the python fallback; then the public
              functions on a corpus already loaded: ``framelens.score`` (per document, on the same
              texts) and ``framelens.match`` (one row per hit with its sentence number, which needs
              NLTK's Punkt: on the first ``--public-mb`` MB), each after one warm-up call on a
              one-line corpus (imports and library versions are read once per process).
``baseline``  on the same texts: naive pandas ``Series.str.count`` per pattern (on ``--naive-mb`` MB,
              it is slow), one alternation regex with a named group per label, scikit-learn
              ``CountVectorizer(vocabulary=..., ngram_range=(1, n))`` (globs reduced to their stem,
              hyphens to spaces: the baselines do less than framelens, which also handles separators,
              exclusions and overlaps).
``cli``       end to end: ``framelens score INPUT --lexicon L --jobs J --out OUT.parquet`` (one
              Parquet file, as in the issue; ``--out-dir`` writes a dataset directory instead; falls
              back to ``python -m framelens.cli.batch`` where ``framelens score`` has no batch mode
              yet), for each input size, lexicon and job count, after measuring how long the
              lexicon takes to compile cold and from the on-disk cache (the runs start warm).

With ``--jobs`` including 2, the run starts by measuring the machine's parallel ceiling: how much
faster two CPU-bound processes finish than one (see :func:`parallel_ceiling`). ``--repeat N`` keeps,
for each measurement, the run of median CPU time.

MB = 10^6 bytes: of UTF-8 text for ``match``/``baseline``, of the input file for ``cli``.

Usage::

    python benchmarks/bench_batch.py                       # 100MB, jobs 1 and 2, both lexicons
    python benchmarks/bench_batch.py --sizes 100MB,1GB --data /tmp/framelens-bench
    python benchmarks/bench_batch.py --only cli --sizes 20MB --jobs 1
    python benchmarks/bench_batch.py --from abp --only match --only cli --sizes 100MB --repeat 3
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import generate_corpus as gen  # noqa: E402

TIME = Path("/usr/bin/time")


# ---------------------------------------------------------------------------------------------
# children: one measurement each, result as JSON on the last stdout line
# ---------------------------------------------------------------------------------------------
def _texts(path: str, mb: float) -> list[str]:
    out, total = [], 0
    limit = mb * 1e6
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line).get("text")
            if isinstance(text, str):
                out.append(text)
                total += len(text.encode("utf-8"))
                if total >= limit:
                    break
    return out


def _glob_regex(pattern: str) -> str:
    words = re.split(r"[\s\-\u2010\u2011]+", pattern.strip())
    parts = [re.escape(w).replace(r"\*", r"\w*").replace(r"\?", r"\w") for w in words]
    return r"[\s\-]+".join(parts)


def _label_patterns(lexicon) -> list[tuple[str, list[str]]]:
    return [(lab.id, [p.text for p in lab.patterns]) for _, lab in lexicon.iter_labels()]


def child(kind: str, lexicon: str, data: str, mb: float, engine: str) -> dict:
    import resource

    from framelens.scoring import as_lexicon

    lex = as_lexicon(lexicon)
    texts = _texts(data, mb)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    t0, c0 = time.perf_counter(), time.process_time()
    hits = 0
    if kind == "match":
        from framelens.matching import compile_lexicon

        matcher = compile_lexicon(lex, engine=engine)
        t0, c0 = time.perf_counter(), time.process_time()
        hits = len(matcher.find_many(texts))
    elif kind in ("framelens.score", "framelens.match"):
        # the public functions on a corpus already loaded (the lexicon compiled once before), one
        # row per document or per hit; match also numbers each hit's sentence (NLTK Punkt)
        import pandas as pd

        import framelens
        from framelens.matching import compile_lexicon

        corpus = framelens.read_corpus(pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "text": texts}))
        compile_lexicon(lex, engine=engine)
        func = getattr(framelens, kind.split(".")[1])
        # one call on another corpus first: what a process does once (importing NLTK, ~1 s; reading
        # the library versions for provenance) is not throughput. match imports NLTK only to split
        # the documents that have hits, which the warm-up text may not have with every lexicon.
        warm = framelens.read_corpus(pd.DataFrame({"doc_id": ["w"], "text": ["Warm-up. The army said so."]}))
        func(warm, lex, engine=engine)
        warm.sentence_spans()
        t0, c0 = time.perf_counter(), time.process_time()
        out = func(corpus, lex, engine=engine)
        hits = int(out["hits"].sum()) if "hits" in out else len(out)
    elif kind == "pandas_str_count":
        import pandas as pd

        s = pd.Series(texts)
        for _, patterns in _label_patterns(lex):
            for p in patterns:
                hits += int(s.str.count(r"\b" + _glob_regex(p) + r"\b", flags=re.IGNORECASE).sum())
    elif kind == "alternation_regex":
        groups = [f"(?P<l{i}>{'|'.join(_glob_regex(p) for p in pats)})" for i, (_, pats) in enumerate(_label_patterns(lex))]
        rx = re.compile(r"\b(?:" + "|".join(groups) + r")\b", re.IGNORECASE)
        t0, c0 = time.perf_counter(), time.process_time()
        counts: dict[str, int] = {}
        for text in texts:
            for m in rx.finditer(text):
                counts[m.lastgroup] = counts.get(m.lastgroup, 0) + 1
        hits = sum(counts.values())
    elif kind == "countvectorizer":
        from sklearn.feature_extraction.text import CountVectorizer

        vocab = sorted({re.sub(r"[\-\s]+", " ", p.replace("*", "").replace("?", "")).lower().strip()
                        for _, pats in _label_patterns(lex) for p in pats} - {""})
        n = max(len(v.split()) for v in vocab)
        vec = CountVectorizer(vocabulary=vocab, ngram_range=(1, n), lowercase=True)
        t0, c0 = time.perf_counter(), time.process_time()
        hits = int(vec.transform(texts).sum())
    else:
        raise SystemExit(f"unknown measurement {kind}")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "engine": engine, "lexicon": lex.name, "patterns": len(lex), "mb": nbytes / 1e6,
            "docs": len(texts), "seconds": seconds, "cpu_seconds": cpu, "hits": hits, "peak_rss_mb": rss}


# ---------------------------------------------------------------------------------------------
# parent: run children, measure, report
# ---------------------------------------------------------------------------------------------
class TreeRSS(threading.Thread):
    """Peak summed memory of a process and its descendants, sampled every 250 ms.

    PSS (proportional set size) where the kernel reports it: pages that forked workers share with
    their parent are counted once, not once per process as a plain RSS sum would.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.stop.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        try:
                            total += p.memory_full_info().pss
                        except (AttributeError, psutil.AccessDenied):
                            total += p.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                break
            self.peak = max(self.peak, total)
            self.stop.wait(0.25)  # reading smaps costs CPU: sample sparingly


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd`` under /usr/bin/time -v; wall seconds, max RSS (one process) and tree peak RSS."""
    wrapped = [str(TIME), "-v", *cmd] if TIME.exists() else cmd
    start = time.perf_counter()
    proc = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    sampler = TreeRSS(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    cpu = [float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", err)]
    return {"wall": wall, "max_rss_mb": int(m.group(1)) / 1024 if m else None, "tree_rss_mb": sampler.peak / 2**20,
            "cpu": sum(cpu) if cpu else None, "stdout": out, "stderr": err}


def run_child(kind: str, lexicon: str, data: Path, mb: float, engine: str = "auto") -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--lexicon", lexicon, "--data", str(data),
           "--mb", str(mb), "--engine", engine]
    m = measure(cmd)
    result = json.loads(m["stdout"].strip().splitlines()[-1])
    result.update(mb_s=result["mb"] / result["seconds"], docs_s=result["docs"] / result["seconds"],
                  max_rss_mb=m["max_rss_mb"], tree_rss_mb=m["tree_rss_mb"])
    return result


def median_run(measure_once, repeat: int) -> dict:
    """Run a measurement ``repeat`` times; keep the run of median CPU time (a shared machine's
    load comes and goes), with every run's CPU seconds and wall seconds alongside."""
    return median_of([measure_once() for _ in range(max(repeat, 1))])


def median_of(runs: list[dict]) -> dict:
    """The run of median CPU time, with every run's CPU and wall seconds alongside."""
    runs = list(runs)
    runs.sort(key=lambda r: r.get("cpu_seconds") or r["seconds"])
    chosen = dict(runs[(len(runs) - 1) // 2])
    chosen["runs"] = [{"cpu_seconds": r.get("cpu_seconds"), "seconds": r["seconds"]} for r in runs]
    return chosen


_SPIN = {
    # interpreter-bound: a Python loop
    "python": "import time, sys\nt = time.perf_counter(); n = 0\nwhile n < int(sys.argv[1]): n += 1\n"
              "print(time.perf_counter() - t)",
    # vectorised code on data in the core's own L2 cache (numpy copies of 256 KiB)
    "numpy": "import time, sys, numpy as np\na = np.ones(32768); b = np.empty_like(a); t = time.perf_counter()\n"
             "for _ in range(int(sys.argv[1]) // 100): np.copyto(b, a)\nprint(time.perf_counter() - t)",
}


def parallel_ceiling(seconds: float = 2.0) -> dict:
    """How much faster two CPU-bound processes finish than one on this machine right now: 2.0 on two
    idle cores, less when the cores are shared (other load, or two virtual CPUs on one physical
    core). Measured for an interpreter-bound loop and for vectorised code working in cache; the
    second is the ceiling that matters for ``jobs=2`` over ``jobs=1`` here."""
    out = {}
    for kind, code in _SPIN.items():
        calib = subprocess.run([sys.executable, "-c", code, "2000000"], capture_output=True, text=True)
        steps = str(int(2_000_000 * seconds / max(float(calib.stdout), 1e-3)))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, steps], capture_output=True)
        one = time.perf_counter() - start
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", code, steps], stdout=subprocess.DEVNULL) for _ in range(2)]
        for proc in procs:
            proc.wait()
        two = time.perf_counter() - start
        out[kind] = {"one_process_s": one, "two_processes_s": two, "speedup": 2 * one / two}
    return out


def compile_seconds(lexicon: str) -> dict:
    """CPU seconds to build the hyperscan matcher in a fresh process: without the on-disk cache of
    compiled databases (``FRAMELENS_CACHE_DIR=""``), then with it (which also fills it, so that the
    CLI runs that follow start warm, as every run after the first one does)."""
    code = ("import sys, time; from framelens.scoring import as_lexicon; from framelens.matching import Matcher; "
            "lex = as_lexicon(sys.argv[1]); t = time.process_time(); Matcher(lex, 'hyperscan'); "
            "print(time.process_time() - t)")

    def run(env: dict) -> float:
        done = subprocess.run([sys.executable, "-c", code, lexicon], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, **env})
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        return float(done.stdout.strip().splitlines()[-1])

    cold = run({"FRAMELENS_CACHE_DIR": ""})
    run({})  # compiles once more and fills the cache
    return {"cold": cold, "cached": run({})}


def cli_command(data: Path, lexicon: str, jobs: int, out: Path) -> list[str]:
    framelens = Path(sys.executable).with_name("framelens")
    helped = subprocess.run([str(framelens), "score", "--help"], capture_output=True, text=True).stdout
    if "--jobs" in helped:
        base = [str(framelens), "score"]
    else:  # cli/score.py has not handed over to batch mode yet: the same code, reached directly
        base = [sys.executable, "-m", "framelens.cli.batch"]
    return [*base, str(data), "--lexicon", lexicon, "--jobs", str(jobs), "--out", str(out), "--no-resume"]


def run_cli(data: Path, lexicon: str, jobs: int, workdir: Path, single_file: bool = True) -> dict:
    """One CLI run; the output is one Parquet file (``--out OUT.parquet``, as in the issue's command)
    or, with ``single_file=False``, a dataset directory of part files."""
    out = workdir / (f"out-{os.getpid()}.parquet" if single_file else f"out-{os.getpid()}")
    manifest_path = out.with_name(out.name + ".manifest.json") if single_file else out / "_manifest.json"

    def clean() -> None:
        shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
        for extra in (manifest_path, out.with_name(out.name + ".rejects.jsonl")):
            if single_file:
                extra.unlink(missing_ok=True)

    clean()
    m = measure(cli_command(data, lexicon, jobs, out))
    manifest = json.loads(manifest_path.read_text())
    size = data.stat().st_size
    clean()
    docs = manifest["counts"]["read"]
    return {"kind": "cli", "lexicon": manifest["lexicon"]["name"], "jobs": jobs, "input": data.name, "mb": size / 1e6,
            "output": "file" if single_file else "directory",
            "docs": docs, "seconds": m["wall"], "mb_s": size / 1e6 / m["wall"], "docs_s": docs / m["wall"],
            "max_rss_mb": m["max_rss_mb"], "tree_rss_mb": m["tree_rss_mb"], "cpu_seconds": m["cpu"],
            "summary": m["stderr"].strip().splitlines()[-1] if m["stderr"].strip() else ""}


def fmt_row(r: dict) -> str:
    what = f"match/{r['engine']}" if r["kind"] == "match" else r["kind"]
    if r["kind"] == "cli":
        what = f"cli jobs={r['jobs']}"
    size = f"{r['mb']:.0f} MB" if r["mb"] >= 10 else f"{r['mb']:.1f} MB"
    rss = f"{r['max_rss_mb']:.0f}" if r.get("max_rss_mb") else "-"
    cpu = f"{r['mb'] / r['cpu_seconds']:.1f}" if r.get("cpu_seconds") else "-"
    return (f"| {what:<22} | {r['lexicon']:<15} | {size:>8} | {r['mb_s']:>7.1f} | {cpu:>9} | {r['docs_s']:>8,.0f} | "
            f"{r['seconds']:>7.1f} | {rss:>6} | {r['tree_rss_mb']:>7.0f} |")


# MB/cpu-s: input MB per CPU-second of the whole process tree (user + system), a per-core rate that
# other load on a shared machine disturbs less than wall time. RSS MB: largest single process
# (/usr/bin/time -v); tree MB: peak summed PSS of the process tree.
HEADER = ("| measurement            | lexicon         |    input |    MB/s | MB/cpu-s |   docs/s | seconds | RSS MB | tree MB |\n"
          "|------------------------|-----------------|---------:|--------:|----------:|---------:|--------:|-------:|--------:|")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--engine", default="auto", help=argparse.SUPPRESS)
    p.add_argument("--mb", type=float, default=0, help=argparse.SUPPRESS)
    p.add_argument("--lexicon", help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, default=Path("/tmp/framelens-bench"), help="where inputs are generated")
    p.add_argument("--sizes", default="100MB", help="comma-separated input sizes for the CLI runs (e.g. 100MB,1GB)")
    p.add_argument("--jobs", default="1,2", help="comma-separated job counts")
    p.add_argument("--lexicons", default="conflict_actors,bench", help="'bench' = the generated ≥500-entry lexicon")
    p.add_argument("--from", dest="source", default="abp", help="base corpus for the generator (abp, sample, a JSONL)")
    p.add_argument("--match-mb", type=float, default=20, help="MB of text for the in-memory measurements")
    p.add_argument("--naive-mb", type=float, default=1, help="MB of text for the naive pandas baseline")
    p.add_argument("--public-mb", type=float, default=20, help="MB of text for framelens.match (it splits sentences)")
    p.add_argument("--only", choices=("match", "baseline", "cli"), action="append", help="run only these groups")
    p.add_argument("--out-dir", action="store_true", help="CLI runs write a dataset directory instead of OUT.parquet")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement; the run of median CPU time is kept")
    p.add_argument("--results", type=Path, default=HERE / "results", help="folder for the JSON results")
    args = p.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.lexicon, str(args.data), args.mb, args.engine)))
        return 0

    groups = set(args.only or ("match", "baseline", "cli"))
    args.data.mkdir(parents=True, exist_ok=True)
    lexicons = []
    for name in args.lexicons.split(","):
        if name == "bench":
            path = args.data / "mpqa_bench.yaml"
            if not path.exists():
                gen.main(["--lexicon-out", str(path)])
            lexicons.append(str(path))
        else:
            lexicons.append(name)
    sizes = [gen.parse_size(s) for s in args.sizes.split(",")]
    inputs = []
    for size in sizes:
        path = args.data / f"{args.source if args.source in ('abp', 'sample') else 'custom'}-{size // 10**6}MB.jsonl"
        if not path.exists():
            gen.main(["--from", args.source, "--size", str(size), "--out", str(path)])
        inputs.append(path)
    texts = inputs[0]
    if max(args.match_mb, args.naive_mb) * 1e6 > texts.stat().st_size:
        texts = inputs[-1]
    rows: list[dict] = []
    compiles: list[dict] = []

    def show(r: dict) -> None:
        rows.append(r)
        print(fmt_row(r), flush=True)

    ceiling = parallel_ceiling() if "cli" in groups and "2" in args.jobs.split(",") else None
    if ceiling:
        print(f"# two CPU-bound processes finish {ceiling['python']['speedup']:.2f}× (Python loop) and "
              f"{ceiling['numpy']['speedup']:.2f}× (numpy in cache) faster than one here and now "
              "(2.00 on two idle cores): the ceiling for jobs=2 over jobs=1")
    print(f"# bench_batch on {platform.node()} ({os.cpu_count()} cores), python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(HEADER)
    for lexicon in lexicons:
        if "match" in groups:
            for engine in ("hyperscan", "python"):
                show(median_run(lambda: run_child("match", lexicon, texts, args.match_mb, engine), args.repeat))
            show(median_run(lambda: run_child("framelens.score", lexicon, texts, args.match_mb), args.repeat))
            show(median_run(lambda: run_child("framelens.match", lexicon, texts, args.public_mb), args.repeat))
        if "baseline" in groups:
            show(run_child("pandas_str_count", lexicon, texts, args.naive_mb))
            show(run_child("alternation_regex", lexicon, texts, args.match_mb))
            show(run_child("countvectorizer", lexicon, texts, args.match_mb))
        if "cli" in groups:
            times = compile_seconds(lexicon)
            compiles.append({"lexicon": lexicon, **times})
            print(f"| (compiling {Path(lexicon).stem}: {times['cold']:.2f} s CPU, {times['cached']:.3f} s from the cache; "
                  "the CLI rows below start with the cache warm)", flush=True)
            for data in inputs:
                # 1 job, 2 jobs, 1 job, 2 jobs...: both see the same background load, whose changes
                # would otherwise go into their ratio
                job_counts = [int(j) for j in args.jobs.split(",")]
                runs: dict[int, list[dict]] = {j: [] for j in job_counts}
                for _ in range(max(args.repeat, 1)):
                    for jobs in job_counts:
                        runs[jobs].append(run_cli(data, lexicon, jobs, args.data, single_file=not args.out_dir))
                chosen = {jobs: median_of(runs[jobs]) for jobs in job_counts}
                if 1 in runs and 2 in runs:
                    # each pair ran back to back, so its ratio is the least disturbed by the machine's
                    # speed drifting over the minutes of a run (it does, by up to a quarter, here)
                    pairs = sorted(a["seconds"] / b["seconds"] for a, b in zip(runs[1], runs[2]))
                    chosen[2]["pair_ratios"] = pairs
                for jobs in job_counts:
                    show(chosen[jobs])
                if "pair_ratios" in chosen.get(2, {}):
                    pairs = chosen[2]["pair_ratios"]
                    print(f"| (2 jobs / 1 job, wall, per back-to-back pair: {', '.join(f'{x:.2f}' for x in pairs)}; "
                          f"median {pairs[(len(pairs) - 1) // 2]:.2f}×)", flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = args.results / f"bench_batch-{stamp}.json"
    target.write_text(json.dumps({"when": stamp, "machine": {"node": platform.node(), "cores": os.cpu_count(),
                                                               "python": platform.python_version(),
                                                               "load_average_start": os.getloadavg()},
                                  "argv": sys.argv[1:], "parallel_ceiling": ceiling, "compile_seconds": compiles,
                                  "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
