"""Throughput of the lexicon matching engines on a synthetic news-like corpus.

Prints a table of MB/s (MB = 10^6 bytes of UTF-8 text) for each engine's ``find_many`` and for two
baselines: one case-insensitive alternation regex with ``\\b`` (the naive approach; it also lacks
separator variants, exclusions and overlap rules) and a plain ``str.lower()`` pass over every
document (a floor for anything that touches each character from Python). Writes the numbers as
JSON under ``benchmarks/results/``.

Usage::

    python benchmarks/bench_matching.py --mb 50
    python benchmarks/bench_matching.py --mb 5 --repeat 1 --engines python

Timing is CPU time of this process (``time.process_time``), best of ``--repeat`` runs, so other
processes on a shared machine disturb it less than wall time; one core is used.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from framelens.lexicon.model import Family, Label, Lexicon, Pattern
from framelens.matching import available_engines, compile_lexicon

RESULTS = Path(__file__).resolve().parent / "results"

# Everyday news vocabulary, roughly by frequency (a Zipf law is applied over this order).
VOCAB = """the of to and a in that for on is said was with he it as at by from his have be has are
an who they not but been after were had their more this will which would its also about two one
year new up than first people over out when into last other government percent some all there
could time against her can president state what no only security since city minister three told
years officials killed week him before while most police country during we members former group
forces capital town attack support days under between including province where military local
them did report news agency near night area according so any because later health early month
months second four international region spokesman statement official leaders war political power
national hospital residents water northern southern border earlier five day called both public
like made well control peace talks ceasefire council meeting foreign ministry united nations
envoy human rights groups monitor reported villages district fighting clashes hundreds thousands
dozens wounded injured died dead bodies family families homes children women men schools streets
market mosque church road highway bridge airport base""".split()
NAMES = ["Smith", "Jones", "Müller", "Sánchez", "Ahmed", "Erdoğan", "Ibrahim", "Nowak", "Łukasz", "Zoë",
         "Petrov", "Haddad", "Khalil", "O'Brien", "García", "Dupont", "Çelik", "Nguyễn", "Mustafa"]
PLACES = ["Aleppo", "Damascus", "Idlib", "Raqqa", "Homs", "Hama", "Deir ez-Zor", "Mosul", "Kyiv", "Gaza",
          "Sanaa", "Tripoli", "Benghazi", "Afrin", "Kobani", "Manbij", "Daraa", "Latakia", "Ghouta"]


def news_lexicon() -> Lexicon:
    """An 81-pattern lexicon of conflict actors, attribution verbs and violence terms, with globs,
    multi-word and hyphenated patterns, case-sensitive acronyms and exclusions."""
    P = Pattern

    def lab(id_, *pats, exclude=()):
        return Label(id_, tuple(p if isinstance(p, Pattern) else P(p) for p in pats),
                     exclude=tuple(P(x) for x in exclude))

    families = (
        Family("armed_opposition", (
            lab("rebels", "rebel", "rebels", "rebel fighters", "rebel-held", "armed opposition",
                "opposition fighters", "opposition forces", "armed groups", "fighters"),
            lab("insurgents", "insurgen*", "militant*", "gunmen", "armed men"),
            lab("terrorists", "terrorist*", "terror group*", "jihadist*", "extremist*", "radical*"),
            lab("freedom_fighters", "freedom fighters", "revolutionaries", "revolutionary forces"),
        )),
        Family("state_forces", (
            lab("army", "army", "troops", "soldiers", "armed forces", "military forces", "Syrian army",
                "government forces", "pro-government forces", "security forces", "loyalist*"),
            lab("regime", "regime", "regime forces", "Assad's forces", "Assad forces", "regime troops",
                "regime's forces", "junta"),
        )),
        Family("jihadist_groups", (
            lab("islamic_state", P("IS", case_sensitive=True), P("ISIS", case_sensitive=True),
                P("ISIL", case_sensitive=True), "Islamic State", "Daesh"),
            lab("al_qaeda", "al-Qaeda", "al-Qaida", "al-Nusra", "Nusra Front", "Hayat Tahrir al-Sham", "HTS"),
        )),
        Family("attribution", (
            lab("neutral", "said", "says", "told", "stated", "according to", "reported"),
            lab("doubt", "claimed", "claims", "alleged*", "purported*", "insisted"),
            lab("concession", "admitted", "acknowledged", "conceded"),
            lab("denial", "denied", "denies", "rejected"),
        )),
        Family("violence", (
            lab("killing", "kill*", "slaughter*", "massacre*", "executed"),
            lab("death", "died", "dead", "deaths", "lost their lives"),
            lab("strikes", "air strike*", "airstrike*", "shelling", "barrel bomb*", "bombard*"),
        )),
        Family("opposition_politics", (
            lab("opposition", "opposition",
                exclude=("opposition fighters", "opposition forces", "armed opposition")),
            lab("government", "government", exclude=("government forces", "pro-government forces")),
        )),
    )
    return Lexicon("bench_conflict_actors", "1", families)


def make_corpus(n_bytes: int, seed: int = 0, lexicon: Lexicon | None = None, density: float = 0.01) -> list[str]:
    """Documents of 2–10 paragraphs until ``n_bytes`` of UTF-8 text: a Zipfian everyday vocabulary
    (which holds some lexicon words: "said" is about 1 % of words, as in wire copy), names and
    places with diacritics, curly quotes, numbers; ``density`` of the words are replaced by
    lexicon terms."""
    rng = random.Random(seed)
    weights = [1 / (r + 1) for r in range(len(VOCAB))]
    terms = [p.text for _, lab in (lexicon or news_lexicon()).iter_labels() for p in lab.patterns]
    terms = [t.replace("*", "s").replace("?", "e") for t in terms]
    docs, total = [], 0
    while total < n_bytes:
        paragraphs = []
        for _ in range(rng.randint(2, 10)):
            sentences = []
            for _ in range(rng.randint(1, 4)):
                n = rng.randint(8, 32)
                words = rng.choices(VOCAB, weights, k=n)
                for i in range(n):
                    x = rng.random()
                    if x < density:
                        words[i] = rng.choice(terms)
                    elif x < density + 0.02:
                        words[i] = rng.choice(NAMES)
                    elif x < density + 0.035:
                        words[i] = rng.choice(PLACES)
                    elif x < density + 0.045:
                        words[i] = str(rng.randint(2, 2024))
                    elif x < density + 0.085:
                        words[i] += ","
                s = " ".join(words).rstrip(",")
                s = s[0].upper() + s[1:] + "."
                if rng.random() < 0.15:
                    s = f"“{s[:-1]},” {rng.choice(NAMES)} said."
                sentences.append(s)
            paragraphs.append(" ".join(sentences))
        doc = "\n\n".join(paragraphs)
        docs.append(doc)
        total += len(doc.encode("utf-8"))
    return docs


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0, help="corpus size in MB of UTF-8 text (default 20)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is kept")
    ap.add_argument("--engines", nargs="*", default=None, help="engines to time (default: all available)")
    ap.add_argument("--python-mb", type=float, default=5.0,
                    help="the python engine and the regex baseline run on the first MB of this size only")
    ap.add_argument("--lexicon", default=None,
                    help="a built-in lexicon name instead of the benchmark's own 81-pattern lexicon")
    ap.add_argument("--density", type=float, default=0.01, help="share of words replaced by lexicon terms")
    ap.add_argument("--out", type=Path, default=None, help="JSON output path")
    args = ap.parse_args(argv)

    if args.lexicon:
        from framelens.lexicon import load_lexicon

        lex = load_lexicon(args.lexicon)
    else:
        lex = news_lexicon()
    docs = make_corpus(int(args.mb * 1e6), lexicon=lex, density=args.density)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    small, acc = [], 0
    for d in docs:  # slower methods run on a prefix
        if acc >= args.python_mb * 1e6:
            break
        small.append(d)
        acc += len(d.encode("utf-8"))
    small_bytes = acc
    engines = args.engines or available_engines()
    rows = []

    def row(name, seconds, size, hits=None, note=""):
        rows.append({"method": name, "mb_per_s": size / 1e6 / seconds, "seconds": seconds, "mb": size / 1e6,
                     "hits": hits, "hits_per_mb": None if hits is None else hits / (size / 1e6), "note": note})

    for engine in engines:
        t0 = time.process_time()
        m = compile_lexicon(lex, engine)
        compile_s = time.process_time() - t0
        corpus, size = (docs, nbytes) if engine == "hyperscan" else (small, small_bytes)
        hits = m.find_many(corpus)
        row(f"find_many[{engine}]", best_of(lambda: m.find_many(corpus), args.repeat), size, len(hits),
            f"compile {compile_s:.2f}s (from the cache of compiled databases if warm), {m.n_patterns} patterns")
        if engine == "hyperscan":
            # Scanning alone (one buffer, as the engine encodes it), without offsets, boundaries
            # or overlap resolution: the ceiling for find_many.
            buf = m._encode_narrow("\x00".join(["", *m._without_astral(docs), ""])) if m._narrow else None
            if buf is not None:
                row("hyperscan scan only", best_of(lambda: m._db.scan(buf, match_event_handler=lambda *a: None),
                                                   args.repeat), nbytes, None, "encoded buffer, empty callback")

    words = sorted({p.text for _, lab in lex.iter_labels() for p in lab.patterns}, key=len, reverse=True)
    alternation = re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\*", r"\w*").replace(r"\?", r"\w")
                                                  for w in words) + r")\b", re.IGNORECASE)
    n_alt = sum(len(alternation.findall(d)) for d in small)
    row("baseline: one alternation regex", best_of(lambda: [alternation.findall(d) for d in small], args.repeat),
        small_bytes, n_alt, "re, IGNORECASE, \\b; no separator variants/exclusions/overlaps")
    row("baseline: str.lower()", best_of(lambda: [d.lower() for d in docs], args.repeat), nbytes, None,
        "one pass over every document")

    print(f"corpus: {len(docs)} documents, {nbytes / 1e6:.1f} MB; lexicon {lex.name} ({len(lex)} patterns); "
          f"python engine and regex baseline on {small_bytes / 1e6:.1f} MB")
    print(f"{'method':34} {'MB/s':>8} {'hits/MB':>8}  note")
    for r in rows:
        per_mb = "" if r["hits"] is None else f"{r['hits_per_mb']:.0f}"
        print(f"{r['method']:34} {r['mb_per_s']:8.1f} {per_mb:>8}  {r['note']}")
    result = {
        "benchmark": "matching",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "corpus_mb": nbytes / 1e6,
        "documents": len(docs),
        "words": sum(len(d.split()) for d in docs),
        "density": args.density,
        "lexicon": lex.provenance(),
        "patterns": len(lex),
        "timing": "process CPU time, best of %d" % args.repeat,
        "rows": rows,
    }
    out = args.out or RESULTS / f"bench_matching_{lex.name}_{int(round(args.mb))}mb.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")
    return result


if __name__ == "__main__":
    main()
