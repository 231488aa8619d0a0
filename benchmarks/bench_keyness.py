"""Full-vocabulary keyness: framelens against scattertext 0.2.2, side by side in one run.

The task: Fightin' Words log-odds z-scores (Monroe, Colaresi & Quinn 2008, informative Dirichlet
prior) of every unigram and bigram, for each ``bias_text`` group (left / center / right) against
the rest, on the Article-Bias-Prediction conflict subset (4,078 articles, ``../shared``).

Each side runs in a child process of its own interpreter: framelens in the project's venv
(``.venv``), scattertext in a separate venv built from ``requirements-scattertext.txt`` (it caps
scipy below 1.14, pulls spaCy and imports ``six`` without declaring it, so it stays out of
framelens' dependencies). A child does the whole job from the JSONL file to the z-scores: import,
read, count, score. The parent measures each child from the outside: wall clock from start to exit,
CPU (user + system, all threads: framelens tokenises in two) and peak RSS of that process alone
(``os.wait4``). The runs alternate between the two tools so that both see the same background load;
medians over ``--runs`` are reported. Both packages are byte-compiled first (pip did it for
scattertext; framelens is installed editable), and package versions are read in the untimed run.

Same input, same statistic, on both sides:

* tokens: ``re.findall(r"\\w+", text.lower())`` — framelens' own tokenisation; scattertext is given an
  ``nlp`` function that builds its ``WhitespaceNLP.Doc`` from exactly these tokens (one sentence per
  article, so its bigrams, like framelens', run across sentence breaks but never across articles). No
  stop-word filtering and no minimum count on either side (``min_count=1``: the full vocabulary).
  scattertext's own ``whitespace_nlp`` (``--st-nlp whitespace``) splits on ``(\\W)`` too, but keeps
  emoji as tokens (993,605 terms instead of 993,300 here) and builds a ``Tok`` object for every space
  and punctuation character, so it is ~1.6× slower; the default gives scattertext the cheaper,
  identical tokens.
* prior: ``α_w`` = the term's count in the whole corpus, scaled so that ``Σ α_w = α0``. With
  ``--prior-scale corpus`` (the default) ``α0`` = the corpus' n-gram total N: framelens
  ``prior_scale=None``, scattertext ``PriorFactory(corpus, starting_count=0).use_all_categories()``
  with ``scale_type="none"``; with a number, framelens ``prior_scale=X`` and scattertext
  ``scale_type="word", sigma=X``.
* the one remaining difference is in the formula: scattertext's variance of δ̂ keeps four terms,
  ``1/(y_i+α_w) + 1/(n_i+α0−y_i−α_w) + (same for j)``, framelens only ``1/(y_i+α_w) + 1/(y_j+α_w)``,
  the approximation Monroe et al. use. The extra terms matter only for the most frequent
  words: on ABP the z-scores differ by a median 3e-7 (relative), at most 1.6 % ("the": |Δz| 0.18).

Agreement (one extra, untimed run of each side that dumps its z-scores): Spearman's ρ of the two
tools' z over the terms both keep, for each group; the counts of the common terms are compared too.

Usage::

    python3 -m venv /tmp/st-venv && /tmp/st-venv/bin/pip install -r benchmarks/requirements-scattertext.txt
    .venv/bin/python benchmarks/bench_keyness.py                      # 3 runs each, α0 = corpus size
    .venv/bin/python benchmarks/bench_keyness.py --setup-venv         # create /tmp/st-venv first if missing
    .venv/bin/python benchmarks/bench_keyness.py --runs 5 --prior-scale 10000 --st-python /path/bin/python

It prints the table and writes ``benchmarks/results/bench_keyness_abp.json`` (``--out``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "corpora" / "article_bias_prediction" / "abp_conflict_subset.jsonl"
ST_VENV = Path("/tmp/st-venv")
REQUIREMENTS = HERE / "requirements-scattertext.txt"
BY, TEXT, ID = "bias_text", "content_original", "ID"
TARGET_SPEEDUP, TARGET_MEMORY, TARGET_RHO = 10.0, 0.5, 0.99
TOOLS = ("scattertext", "framelens")  # scattertext first: the reference of the ratios


# ---------------------------------------------------------------------------------------------
# children: one run each, a JSON line on stdout
# ---------------------------------------------------------------------------------------------
def _versions(names: list[str]) -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def worker_framelens(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    import framelens
    import pandas  # noqa: F401  framelens imports lazily: count pandas/pyarrow here, as on the other side
    import pyarrow  # noqa: F401
    import scipy.sparse  # noqa: F401

    t1 = time.perf_counter()
    corpus = framelens.read_corpus(args.data, text=TEXT, id=ID)
    t2 = time.perf_counter()
    scale = None if args.prior_scale == "corpus" else float(args.prior_scale)
    k = framelens.keyness(corpus, by=BY, ngram_range=(1, 2), method="log_odds_dirichlet",
                          prior_scale=scale, min_count=1)
    t3 = time.perf_counter()
    # framelens counts and scores in one call: "count"/"score" are not separable from outside
    out = {"phases": {"import": t1 - t0, "load": t2 - t1, "count": None, "score": None, "keyness": t3 - t2},
           "rows": len(k), "alpha0": k.attrs.get("framelens", {}).get("params", {}).get("alpha0")}
    if args.dump:  # the untimed run: versions (importlib.metadata is not part of the job) and z-scores
        out["versions"] = _versions(["framelens", "numpy", "pandas", "scipy", "pyarrow"])
        k[["group", "term", "count", "z"]].to_parquet(args.dump, index=False)
        out["terms"] = int(k["term"].nunique())
    return out


def _st_nlp():
    """scattertext's ``nlp`` function with framelens' tokens: one sentence of lower-cased ``\\w+`` runs."""
    import re

    from scattertext.WhitespaceNLP import Doc, Tok

    word = re.compile(r"\w+")

    def nlp(text: str):
        # pos "WORD" keeps every token (FeatsFromSpacyDoc drops PUNCT/SPACE/X); no entity/tag censoring
        return Doc([[Tok("WORD", t[:2], t, "", "") for t in word.findall(text.lower())]], raw=text)

    return nlp


def worker_scattertext(args: argparse.Namespace) -> dict:
    t0 = time.perf_counter()
    import pandas as pd
    import scattertext as st
    from scattertext.PriorFactory import PriorFactory
    from scattertext.termsignificance.LogOddsRatioInformativeDirichletPiror import (
        LogOddsRatioInformativeDirichletPrior,
    )

    t1 = time.perf_counter()
    df = pd.read_json(args.data, lines=True, dtype=False)[[ID, BY, TEXT]]
    t2 = time.perf_counter()
    if args.st_nlp == "whitespace":  # scattertext's own regex tokeniser (see the module docstring)
        from scattertext.WhitespaceNLP import whitespace_nlp as nlp
    else:
        nlp = _st_nlp()
    corpus = st.CorpusFromPandas(df, category_col=BY, text_col=TEXT, nlp=nlp).build()
    t3 = time.perf_counter()
    # α_w = whole-corpus counts (all categories); starting_count=0 adds nothing to them
    priors = PriorFactory(corpus, starting_count=0).use_all_categories().get_priors()
    if args.prior_scale == "corpus":
        scorer = LogOddsRatioInformativeDirichletPrior(priors, scale_type="none")  # α0 = Σ priors = N
    else:
        scorer = LogOddsRatioInformativeDirichletPrior(priors, sigma=float(args.prior_scale), scale_type="word")
    freq = corpus.get_term_freq_df()
    total = freq.sum(axis=1)
    z = pd.DataFrame(index=freq.index)
    for category in corpus.get_categories():
        y_i = freq[f"{category} freq"]
        z[category] = scorer.get_scores(y_i, total - y_i)  # this group against the rest
    t4 = time.perf_counter()
    out = {"phases": {"import": t1 - t0, "load": t2 - t1, "count": t3 - t2, "score": t4 - t3, "keyness": t4 - t2},
           "rows": int(z.size), "alpha0": float(priors.sum()) if args.prior_scale == "corpus" else float(args.prior_scale)}
    if args.dump:
        out["versions"] = _versions(["scattertext", "numpy", "pandas", "scipy", "spacy", "six"])
        counts = freq.rename(columns=lambda c: c[: -len(" freq")])
        long = z.reset_index().melt(id_vars="term", var_name="group", value_name="z")
        long["count"] = counts.reset_index().melt(id_vars="term", var_name="group", value_name="count")["count"]
        long[["group", "term", "count", "z"]].to_csv(args.dump, sep="\t", index=False, float_format="%.12g")
        out["terms"] = len(z)
    return out


# ---------------------------------------------------------------------------------------------
# parent
# ---------------------------------------------------------------------------------------------
def run_child(tool: str, python: str, args: argparse.Namespace, dump: str | None = None) -> dict:
    """Run one child; wall clock from the outside, CPU and peak RSS of that process (``wait4``)."""
    cmd = [python, str(Path(__file__).resolve()), "--worker", tool, "--data", str(args.data),
           "--prior-scale", str(args.prior_scale), "--st-nlp", args.st_nlp] + (["--dump", dump] if dump else [])
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{tool} child failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(tool=tool, wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
                  peak_rss_mb=usage.ru_maxrss / 1024,  # KiB on Linux
                  load_average=os.getloadavg()[0])
    return result


def agreement(fl_file: str, st_file: str) -> dict:
    """Spearman's ρ of the two tools' z-scores per group, over the terms both keep."""
    import numpy as np
    import pandas as pd
    from scipy.stats import spearmanr

    fl = pd.read_parquet(fl_file)
    stt = pd.read_csv(st_file, sep="\t", dtype={"group": str, "term": str}, keep_default_na=False)
    per_group = {}
    for group in sorted(set(fl["group"]) | set(stt["group"])):
        a, b = fl[fl["group"] == group], stt[stt["group"] == group]
        both = a.merge(b, on="term", suffixes=("_fl", "_st"))
        rho = float(spearmanr(both["z_fl"], both["z_st"]).statistic) if len(both) > 2 else float("nan")
        per_group[group] = {
            "terms_framelens": len(a), "terms_scattertext": len(b), "terms_common": len(both),
            "spearman_z": rho,
            "max_abs_diff_z": float(np.abs(both["z_fl"] - both["z_st"]).max()) if len(both) else None,
            "counts_identical": bool((both["count_fl"] == both["count_st"]).all()),
        }
    return {"per_group": per_group, "spearman_z_min": min(g["spearman_z"] for g in per_group.values())}


def machine_info(args: argparse.Namespace) -> dict:
    def first(path: str, key: str) -> str | None:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    def pyversion(python: str) -> str:
        return subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True).stdout.strip()

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = None
    return {"node": platform.node(), "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "cpu": first("/proc/cpuinfo", "model name"), "memory": first("/proc/meminfo", "MemTotal"),
            "os": platform.platform(), "python_framelens": pyversion(args.fl_python),
            "python_scattertext": pyversion(args.st_python), "git_commit": commit,
            "openblas_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}}


def compile_packages(python: str, package: str) -> str:
    """Byte-compile ``package`` for ``python`` (what pip does at install) and return its folder.

    pip compiled scattertext when it installed it; framelens is installed editable, and with
    ``PYTHONDONTWRITEBYTECODE`` set no run ever writes its bytecode, so each would compile its
    sources again (~0.05–0.1 s). Both sides import from bytecode, as after a normal install.
    """
    where = subprocess.run([python, "-c", f"import os, {package}; print(os.path.dirname({package}.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL)
    return where


def setup_venv(venv: Path) -> None:
    if (venv / "bin" / "python").exists():
        return
    print(f"# creating {venv} from {REQUIREMENTS.name} (a few minutes)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)


def fmt_table(summary: dict, agree: dict) -> str:
    st, fl = summary["scattertext"], summary["framelens"]
    lines = ["| tool | wall s (median) | CPU s (median) | peak RSS MB | speedup | memory ratio | Spearman z |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    lines.append(f"| scattertext {st['version']} | {st['wall_s']:.1f} | {st['cpu_s']:.1f} | {st['peak_rss_mb']:.0f} "
                 "| 1.0× | 1.00 | — |")
    lines.append(f"| framelens {fl['version']} | {fl['wall_s']:.1f} | {fl['cpu_s']:.1f} | {fl['peak_rss_mb']:.0f} "
                 f"| {summary['speedup']:.1f}× | {summary['memory_ratio']:.2f} | {agree['spearman_z_min']:.6f} |")
    lines.append("")
    lines.append("| phase, median s (in the child) | " + " | ".join(TOOLS) + " |")
    lines.append("|---|" + "---:|" * len(TOOLS))
    for phase in ("import", "load", "count", "score", "keyness"):
        cells = [summary[t]["phases"].get(phase) for t in TOOLS]
        lines.append(f"| {phase} | " + " | ".join("—" if c is None else f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DATA, help="the ABP conflict-subset JSONL (default: ../shared)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per tool (default 3)")
    p.add_argument("--prior-scale", default="corpus",
                   help="α0: 'corpus' (α_w = corpus counts, the default) or a number")
    p.add_argument("--fl-python", default=str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists()
                   else sys.executable, help="interpreter with framelens (default: .venv)")
    p.add_argument("--st-python", default=str(ST_VENV / "bin" / "python"),
                   help=f"interpreter with scattertext (default: {ST_VENV}/bin/python)")
    p.add_argument("--st-nlp", choices=("exact", "whitespace"), default="exact",
                   help="scattertext's tokeniser: 'exact' = framelens' tokens (default), 'whitespace' = "
                        "scattertext's whitespace_nlp (also keeps emoji, slower; not the agreement setting)")
    p.add_argument("--setup-venv", action="store_true", help=f"create {ST_VENV} from {REQUIREMENTS.name} if missing")
    p.add_argument("--out", type=Path, default=HERE / "results" / "bench_keyness_abp.json")
    p.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    p.add_argument("--dump", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.prior_scale != "corpus" and not float(args.prior_scale) > 0:  # float() fails early on a typo
        p.error("--prior-scale must be 'corpus' or a positive number")
    if args.runs < 1:
        p.error("--runs must be at least 1")
    if args.worker:
        result = (worker_framelens if args.worker == "framelens" else worker_scattertext)(args)
        print(json.dumps(result))
        return 0

    if not args.data.exists():
        raise SystemExit(f"no corpus at {args.data}; pass --data")
    if args.setup_venv:
        setup_venv(Path(args.st_python).parent.parent)
    if not Path(args.st_python).exists():
        raise SystemExit(f"no scattertext interpreter at {args.st_python}: run with --setup-venv, or create it:\n"
                         f"  python3 -m venv {ST_VENV} && {ST_VENV}/bin/pip install -r {REQUIREMENTS}")
    pythons = {"framelens": args.fl_python, "scattertext": args.st_python}
    for tool in TOOLS:
        compile_packages(pythons[tool], tool)
    load_start = os.getloadavg()
    print(f"# bench_keyness: {args.data.name}, by={BY}, ngram_range=(1, 2), min_count=1, "
          f"prior_scale={args.prior_scale}, scattertext nlp={args.st_nlp}; {args.runs} runs each on "
          f"{os.cpu_count()} cores, "
          f"load average {load_start[0]:.1f}", flush=True)

    runs: dict[str, list[dict]] = {t: [] for t in TOOLS}
    for i in range(args.runs):
        order = TOOLS if i % 2 == 0 else TOOLS[::-1]  # alternate who goes first
        for tool in order:
            r = run_child(tool, pythons[tool], args)
            runs[tool].append(r)
            print(f"  run {i + 1} {tool:<11} wall {r['wall_s']:6.1f} s  cpu {r['cpu_s']:6.1f} s  "
                  f"peak {r['peak_rss_mb']:6.0f} MB  (load {r['load_average']:.1f})", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        dumps = {"framelens": f"{tmp}/framelens.parquet", "scattertext": f"{tmp}/scattertext.tsv"}
        check = {t: run_child(t, pythons[t], args, dumps[t]) for t in TOOLS}
        agree = agreement(dumps["framelens"], dumps["scattertext"])

    def med(tool: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[tool])

    summary: dict = {}
    for tool in TOOLS:
        phases = {ph: (statistics.median(r["phases"][ph] for r in runs[tool])
                       if runs[tool][0]["phases"].get(ph) is not None else None)
                  for ph in runs[tool][0]["phases"]}
        summary[tool] = {"version": check[tool]["versions"][tool], "wall_s": med(tool, "wall_s"),
                         "cpu_s": med(tool, "cpu_s"), "peak_rss_mb": med(tool, "peak_rss_mb"),
                         "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs[tool]), "phases": phases,
                         "alpha0": check[tool]["alpha0"], "terms": check[tool].get("terms")}
    summary["speedup"] = summary["scattertext"]["wall_s"] / summary["framelens"]["wall_s"]
    summary["speedup_cpu"] = summary["scattertext"]["cpu_s"] / summary["framelens"]["cpu_s"]
    summary["speedup_keyness_phase"] = (summary["scattertext"]["phases"]["keyness"]
                                        / summary["framelens"]["phases"]["keyness"])
    summary["memory_ratio"] = summary["framelens"]["peak_rss_mb"] / summary["scattertext"]["peak_rss_mb"]
    targets = {
        "speedup": {"target": f">= {TARGET_SPEEDUP:g}x", "value": summary["speedup"],
                    "pass": summary["speedup"] >= TARGET_SPEEDUP},
        "memory_ratio": {"target": f"<= {TARGET_MEMORY:g}", "value": summary["memory_ratio"],
                         "pass": summary["memory_ratio"] <= TARGET_MEMORY},
        "spearman_z": {"target": f">= {TARGET_RHO:g}", "value": agree["spearman_z_min"],
                       "pass": agree["spearman_z_min"] >= TARGET_RHO},
    }

    table = fmt_table(summary, agree)
    print()
    print(table)
    print()
    for group, g in agree["per_group"].items():
        print(f"  {group:<7} terms framelens {g['terms_framelens']:,} scattertext {g['terms_scattertext']:,} "
              f"common {g['terms_common']:,}  ρ {g['spearman_z']:.6f}  max |Δz| {g['max_abs_diff_z']:.2e}  "
              f"counts identical: {g['counts_identical']}")
    print(f"  α0: framelens {summary['framelens']['alpha0']:,.0f}, scattertext {summary['scattertext']['alpha0']:,.0f}")
    print(f"  also: speedup in CPU time {summary['speedup_cpu']:.1f}×, in the keyness phase alone "
          f"(texts in memory → z) {summary['speedup_keyness_phase']:.1f}×")
    print()
    for name, t in targets.items():
        shown = f"{t['value']:.2f}" if name != "spearman_z" else f"{t['value']:.6f}"
        print(f"  target {name:<13} {t['target']:<8} {shown:>9}  {'PASS' if t['pass'] else 'FAIL'}")

    record = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {**machine_info(args), "load_average_start": load_start, "load_average_end": os.getloadavg()},
        "settings": {"data": str(args.data), "by": BY, "ngram_range": [1, 2], "min_count": 1,
                     "method": "log_odds_dirichlet", "prior_scale": args.prior_scale, "runs": args.runs,
                     "tokens": r"re.findall(r'\w+', text.lower())", "scattertext_nlp": args.st_nlp},
        "versions": {t: check[t]["versions"] for t in TOOLS},
        "summary": summary, "targets": targets, "agreement": agree,
        "agreement_runs": {t: {k: v for k, v in check[t].items() if k != "versions"} for t in TOOLS},
        "runs": runs, "table_markdown": table,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
