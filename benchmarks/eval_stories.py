"""How well does ``framelens.stories`` find the stories of the AllSides triplets?

AllSides groups, per story, one article from a left, a center and a right outlet (NeuS data, read
where it lies in ``../shared/corpora/allsides_neus``). The true story of each article is known, so
the stories found can be scored: adjusted Rand index and pairwise precision / recall / F1 (a pair =
two articles in one story).

Split (chronological, so that both halves are as dense in stories per day as real use):

* **tune**: stories dated before 2021-07-16 (the first half of the 505 stories with articles);
* **held-out**: stories dated 2021-07-16 or later.

Each half is clustered on its own (its own TF-IDF vocabulary and weights). For every configuration
the threshold is chosen on the tuning half only, by a fixed rule: over the grid 0.05, 0.06 … 0.60,
take the thresholds whose F1 is within 0.01 of the best and use the middle of that range (rounded
to 0.01). The held-out half is then scored once at that threshold. The library's defaults
(``DEFAULT_THRESHOLD``) are the thresholds this rule picks; the script says so if they drift.

Usage::

    python benchmarks/eval_stories.py            # prints the table, writes benchmarks/results/eval_stories_allsides.json

The "story" column of the corpus is the truth only: ``stories()`` is called without ``column=``,
so it never sees it.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from framelens.compare.stories import (
    DEFAULT_THRESHOLD,
    FLOOR_FRACTION,
    _days,
    _tfidf,
    link,
    similarity_pairs,
    stories,
    story_scores,
)

RESULTS = Path(__file__).resolve().parent / "results"
CUT = pd.Timestamp("2021-07-16")
GRID = np.round(np.arange(0.05, 0.605, 0.01), 2)
WINDOW = 3


def baseline_features(titles, texts):
    """The plain baseline: TF-IDF (English stop words, unigrams) of headline + text."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return sp.csr_matrix(TfidfVectorizer(stop_words="english").fit_transform([f"{a} {b}" for a, b in zip(titles, texts)]))


def lsa_features(titles, texts, components=100, weight=0.5):
    """framelens' TF-IDF joined with 100 LSA dimensions (cosine = mix of both); measured, not adopted."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    X, _ = _tfidf(titles, texts)
    Z = normalize(TruncatedSVD(components, random_state=0).fit_transform(X))
    return sp.hstack([np.sqrt(weight) * X, sp.csr_matrix(np.sqrt(1 - weight) * Z)]).tocsr()


CONFIGS = [
    # name, features, linkage, edge_weight, window, what
    ("baseline", baseline_features, "single", 1.0, WINDOW,
     "plain TF-IDF (unigrams, title+text), connected components, no date weight"),
    ("features+single", "framelens", "single", 1.0, WINDOW,
     "framelens TF-IDF (title x2, uni+bigrams, sublinear, min_df 2), connected components, no date weight"),
    ("features+average", "framelens", "average", 1.0, WINDOW,
     "framelens TF-IDF, average linkage, no date weight"),
    ("framelens default", "framelens", "average", 0.5, WINDOW,
     "framelens TF-IDF, average linkage, date weight 1 -> 0.5 over 3 days (= stories() defaults)"),
    ("default, single linkage", "framelens", "single", 0.5, WINDOW,
     "as the default but single linkage (= stories(linkage='single'))"),
    ("+ LSA (not adopted)", lsa_features, "average", 0.5, WINDOW,
     "the default plus 100 LSA dimensions mixed 50/50 into the cosine"),
    ("window 0 (reference)", "framelens", "average", 1.0, 0,
     "same-day pairs only: AllSides dates each story, not each article, so this is an upper reference"),
]


def choose_threshold(scores: list[float]) -> float:
    f = np.asarray(scores)
    near = GRID[f >= np.nanmax(f) - 0.01]
    return float(np.round((near.min() + near.max()) / 2, 2))


def evaluate(corpus, features, linkage, edge_weight, window):
    docs = corpus.docs
    titles, texts = docs["title"].tolist(), corpus.texts
    X = _tfidf(titles, texts)[0] if features == "framelens" else features(titles, texts)
    rows, cols, sims = similarity_pairs(X, _days(docs["date"]), window, edge_weight, floor=FLOOR_FRACTION * GRID.min())
    truth = docs["story"].to_numpy(dtype=object)

    def at(threshold):
        keep = sims >= FLOOR_FRACTION * threshold
        return story_scores(truth, link(len(docs), rows[keep], cols[keep], sims[keep], threshold, linkage=linkage))

    return at


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(RESULTS / "eval_stories_allsides.json"), help="JSON results file")
    args = parser.parse_args(argv)
    from framelens.datasets import load_allsides
    from framelens.datasets.shared import SHARED_DATASETS

    try:
        corpus = load_allsides()
    except Exception as exc:  # noqa: BLE001 - the data is optional: say why and stop
        print(f"AllSides data not available ({exc}); nothing to evaluate", file=sys.stderr)
        return 1
    halves = {"tune": corpus.subset(corpus.docs["date"] < CUT), "held_out": corpus.subset(corpus.docs["date"] >= CUT)}
    for name, part in halves.items():
        print(f"{name}: {len(part)} articles, {part.docs['story'].nunique()} stories, "
              f"{part.docs['date'].min():%Y-%m-%d} to {part.docs['date'].max():%Y-%m-%d}")
    results, curves = [], {}
    for name, features, linkage, edge, window, what in CONFIGS:
        start = time.perf_counter()
        tune_at = evaluate(halves["tune"], features, linkage, edge, window)
        f1 = [tune_at(t)["f1"] for t in GRID]
        threshold = choose_threshold(f1)
        tune = tune_at(threshold)
        held = evaluate(halves["held_out"], features, linkage, edge, window)(threshold)
        curves[name] = dict(zip(map(float, GRID), map(float, f1)))
        results.append({"config": name, "what": what, "linkage": linkage, "edge_weight": edge, "window_days": window,
                        "threshold": threshold, "tune": tune, "held_out": held,
                        "seconds": round(time.perf_counter() - start, 1)})
    # the library itself, with its defaults, on the held-out half
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = stories(halves["held_out"])
    library = story_scores(halves["held_out"].docs["story"], found.story)
    default = next(r for r in results if r["config"] == "framelens default")
    drift = [f"{k}: library {DEFAULT_THRESHOLD[k]} vs rule {r['threshold']}"
             for k, r in (("average", default), ("single", next(r for r in results if r["config"] == "default, single linkage")))
             if abs(DEFAULT_THRESHOLD[k] - r["threshold"]) > 1e-9]

    header = f"{'configuration':26} {'thr':>5}  {'tune F1':>7}  {'held-out: ARI':>13} {'P':>6} {'R':>6} {'F1':>6}"
    print("\n" + header + "\n" + "-" * len(header))
    for r in results:
        h = r["held_out"]
        print(f"{r['config']:26} {r['threshold']:5.2f}  {r['tune']['f1']:7.3f}  {h['ari']:13.3f} {h['precision']:6.3f} "
              f"{h['recall']:6.3f} {h['f1']:6.3f}")
    print(f"\nstories() with its defaults on the held-out half: ARI {library['ari']:.3f}, precision "
          f"{library['precision']:.3f}, recall {library['recall']:.3f}, F1 {library['f1']:.3f}")
    for line in drift:
        print(f"WARNING: default threshold differs from the tuning rule ({line})", file=sys.stderr)

    info = SHARED_DATASETS["allsides"]
    record = {
        "benchmark": "eval_stories", "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": {"name": "allsides", "upstream": info.url, "commit": info.commit, "articles": len(corpus),
                    "stories": int(corpus.docs["story"].nunique())},
        "split": {"rule": f"chronological: tune = stories dated before {CUT:%Y-%m-%d}, held_out = the rest",
                  **{k: {"articles": len(v), "stories": int(v.docs["story"].nunique())} for k, v in halves.items()}},
        "threshold_rule": "grid 0.05..0.60 step 0.01 on the tuning half; middle of the thresholds within 0.01 F1 of the best",
        "results": results, "library_defaults_held_out": library, "default_thresholds": DEFAULT_THRESHOLD,
        "threshold_drift": drift, "tune_f1_curves": curves,
        "python": platform.python_version(),
    }
    try:
        from framelens.provenance import library_versions

        record["libraries"] = library_versions()
    except ImportError:
        pass
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, default=float) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
