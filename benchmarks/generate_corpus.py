"""Deterministic benchmark inputs of any size, and a ≥ 500-entry benchmark lexicon.

Corpus: documents are drawn in order from a base corpus and repeated until the output reaches the
requested size; repetition ``k`` of a document gets a new id (``<id>-r<k>``), a date shifted by ``k``
weeks and its paragraphs rotated by ``k`` positions, so the text is not byte-identical from one copy
to the next while label counts stay realistic. The same arguments always give the same bytes.

Base corpora (``--from``):

``sample``
    the embedded fictional corpus (``framelens.datasets.load_sample()``), short wire-style reports;
``abp``
    the Article-Bias-Prediction conflict subset in ``../shared`` (full news articles, read where it
    lies, never copied into the repository);
``PATH``
    any JSONL file with a ``text`` field (``--text-field`` to name another).

Lexicon (``--lexicon-out FILE.yaml``): MPQA subjectivity clues from ``../shared`` (every 6th
strongly subjective entry; ``stemmed1=y`` entries become ``word*`` globs), grouped into families by
prior polarity and labels by part of speech and strength, plus 160 synthetic multi-word
expressions (adjective + conflict noun, e.g. ``brutal crackdown``) in their own family. Without
../shared a synthetic lexicon of the same shape is written.

Usage::

    python benchmarks/generate_corpus.py --from abp --size 1GB --out /tmp/bench/abp-1GB.jsonl
    python benchmarks/generate_corpus.py --from sample --size 100MB --out /tmp/bench/sample.jsonl.gz
    python benchmarks/generate_corpus.py --lexicon-out /tmp/bench/mpqa_bench.yaml
    python benchmarks/generate_corpus.py --from abp --size 5MB --dirty-every 1000 --out dirty.jsonl
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ABP = SHARED / "corpora" / "article_bias_prediction" / "abp_conflict_subset.jsonl"
MPQA = SHARED / "corpora" / "lexicons" / "mpqa_subjclues" / "subjclueslen1-HLTEMNLP05.tff"
UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9}

CONFLICT_NOUNS = ["attack", "attacks", "crackdown", "offensive", "regime", "forces", "militants", "rebels",
                  "campaign", "violence", "bombardment", "strikes", "fighters", "government", "occupation",
                  "insurgency", "ceasefire", "operation", "massacre", "siege"]
MWE_ADJECTIVES = ["brutal", "heavy", "fierce", "deadly", "indiscriminate", "relentless", "bloody", "violent"]


def parse_size(text: str) -> int:
    """``"100MB"`` → 100_000_000 (decimal units)."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMG]?B)?\s*", text.upper())
    if not m:
        raise argparse.ArgumentTypeError(f"size like 100MB or 1GB, not {text!r}")
    return int(float(m.group(1)) * UNITS[m.group(2) or "B"])


# ---------------------------------------------------------------------------------------------
# base corpora
# ---------------------------------------------------------------------------------------------
def base_documents(source: str, text_field: str = "text") -> list[dict]:
    """The base documents: ``doc_id, source, date, title, text`` dicts, in a fixed order."""
    if source == "sample":
        try:
            from framelens.datasets import load_sample
        except ImportError as exc:  # the embedded corpus is not there in this checkout
            raise SystemExit(f"--from sample needs framelens.datasets.load_sample ({exc}); use --from abp or a JSONL file")
        docs = load_sample().docs
        return [{"doc_id": str(r.doc_id), "source": str(r.source),
                 "date": None if r.date != r.date else r.date.strftime("%Y-%m-%d"),
                 "title": str(r.title), "text": str(r.text)} for r in docs.itertuples(index=False)]
    if source == "abp":
        if not ABP.exists():
            raise SystemExit(f"--from abp needs {ABP} (../shared beside the repository)")
        out = []
        with open(ABP, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.append({"doc_id": r["ID"], "source": r["source"], "date": r.get("date"), "title": r.get("title", ""),
                            "text": r["content_original"], "topic": r.get("topic")})
        return out
    path = Path(source)
    out = []
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            if line.strip():
                r = json.loads(line)
                out.append({"doc_id": str(r.get("doc_id", r.get("id", i))), "source": r.get("source"),
                            "date": r.get("date"), "title": r.get("title", ""), "text": r[text_field]})
    return out


def _rotate(text: str, k: int) -> str:
    paragraphs = text.split("\n\n") if "\n\n" in text else text.split("\n")
    if len(paragraphs) < 2:
        return text
    k %= len(paragraphs)
    return ("\n\n" if "\n\n" in text else "\n").join(paragraphs[k:] + paragraphs[:k])


def _shift(day: str | None, weeks: int) -> str | None:
    try:
        return (date.fromisoformat(day[:10]) + timedelta(weeks=weeks)).isoformat() if day else day
    except ValueError:
        return day


DIRTY = [
    b'{"doc_id": "dirty-json", "text": "unterminated',
    b'{"doc_id": "dirty-bytes", "text": "caf\xe9 bombing \xff"}',
    b'{"doc_id": "dirty-missing", "source": "nowhere"}',
]


def generate_lines(docs: list[dict], size: int, dirty_every: int = 0) -> Iterator[bytes]:
    """JSONL lines (with their newline) until ``size`` bytes have been produced."""
    written, i = 0, 0
    n = len(docs)
    while written < size:
        k, base = divmod(i, n)
        doc = docs[base]
        if dirty_every and i and i % dirty_every == 0:
            line = DIRTY[(i // dirty_every) % len(DIRTY)] + b"\n"
        else:
            rec = {**doc, "doc_id": f"{doc['doc_id']}-r{k}" if k else doc["doc_id"],
                   "date": _shift(doc.get("date"), k), "text": _rotate(doc["text"], k) if k else doc["text"]}
            line = json.dumps(rec, ensure_ascii=False).encode("utf-8") + b"\n"
        yield line
        written += len(line)
        i += 1


def write_corpus(docs: list[dict], size: int, out: Path, dirty_every: int = 0) -> tuple[int, int]:
    """Write JSONL (``.jsonl``/``.jsonl.gz``), CSV or Parquet; return (documents, bytes of JSONL text)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    name = out.name.lower()
    n = total = 0
    if name.endswith((".jsonl", ".jsonl.gz")):
        opener = gzip.open if name.endswith(".gz") else open
        # mtime=0: the same bytes on every run (gzip otherwise stamps the time)
        f = gzip.GzipFile(out, "wb", mtime=0) if name.endswith(".gz") else opener(out, "wb")
        with f:
            for line in generate_lines(docs, size, dirty_every):
                f.write(line)
                n, total = n + 1, total + len(line)
        return n, total
    import pandas as pd  # CSV and Parquet: tables, built in slices to stay in bounded memory

    batch, first = [], True
    writer = None
    for line in generate_lines(docs, size, 0):
        batch.append(json.loads(line))
        n, total = n + 1, total + len(line)
        if len(batch) == 20_000:
            writer = _flush(pd.DataFrame(batch), out, first, writer)
            batch, first = [], False
    if batch:
        writer = _flush(pd.DataFrame(batch), out, first, writer)
    if writer is not None:
        writer.close()
    return n, total


def _flush(df, out: Path, first: bool, writer):
    if out.suffix.lower() == ".csv":
        df.to_csv(out, mode="w" if first else "a", header=first, index=False)
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if writer is None:
        writer = pq.ParquetWriter(out, table.schema)
    writer.write_table(table)
    return writer


# ---------------------------------------------------------------------------------------------
# the benchmark lexicon
# ---------------------------------------------------------------------------------------------
def benchmark_lexicon(every: int = 6):
    """A ≥ 500-pattern lexicon with globs and multi-word expressions (see the module docstring)."""
    from framelens.lexicon import Family, Label, Lexicon, Pattern, pattern_problem

    groups: dict[tuple[str, str], list[str]] = {}
    seen: set[str] = set()
    if MPQA.exists():
        strong = []
        for line in MPQA.read_text(encoding="utf-8").splitlines():
            fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            if fields.get("type") == "strongsubj" and fields.get("len") == "1":
                strong.append(fields)
        for i, f in enumerate(strong):
            if i % every:
                continue
            word = f["word1"].lower() + ("*" if f.get("stemmed1") == "y" else "")
            if word in seen or word.rstrip("*") in seen or pattern_problem(word):
                continue
            seen.add(word)
            polarity = f.get("priorpolarity", "neutral")
            polarity = polarity if polarity in ("positive", "negative") else "neutral"
            pos = {"adj": "adj", "noun": "noun", "verb": "verb", "adverb": "adverb"}.get(f.get("pos1"), "any")
            groups.setdefault((polarity, pos), []).append(word)
        name, description = "mpqa_bench", "Benchmark lexicon: every 6th MPQA strong subjective clue + synthetic MWEs"
    else:  # synthetic stand-in with the same shape
        import random

        rng = random.Random(0)
        letters = "abcdefghijklmnopqrstuvwxyz"
        for polarity in ("positive", "negative", "neutral"):
            for pos in ("adj", "noun", "verb", "adverb"):
                words = {"".join(rng.choice(letters) for _ in range(rng.randint(5, 9))) for _ in range(40)}
                groups[(polarity, pos)] = sorted(words)
        name, description = "synthetic_bench", "Benchmark lexicon: synthetic words + MWEs (no ../shared)"
    families = []
    for polarity in ("negative", "positive", "neutral"):
        labels = tuple(Label(f"{polarity}_{pos}", tuple(Pattern(w) for w in words))
                       for (pol, pos), words in sorted(groups.items()) if pol == polarity and words)
        if labels:
            families.append(Family(f"{polarity}_clues", labels))
    mwe_labels = []
    for noun in CONFLICT_NOUNS:
        mwe_labels.append(Label(f"mwe_{noun}", tuple(Pattern(f"{adj} {noun}") for adj in MWE_ADJECTIVES)))
    families.append(Family("conflict_mwes", tuple(mwe_labels)))
    return Lexicon(name=name, version="1", families=tuple(families), description=description)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", default=None,
                        help="'sample', 'abp' or a JSONL path (default: sample if present, else abp)")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--size", type=parse_size, default=parse_size("100MB"), help="e.g. 100MB, 1GB")
    parser.add_argument("--out", type=Path, help="output .jsonl, .jsonl.gz, .csv or .parquet")
    parser.add_argument("--dirty-every", type=int, default=0, help="every N-th row is a malformed one (0: none)")
    parser.add_argument("--lexicon-out", type=Path, help="also write the benchmark lexicon (YAML) here")
    args = parser.parse_args(argv)
    if args.lexicon_out:
        from framelens.lexicon import write_lexicon

        lex = benchmark_lexicon()
        write_lexicon(lex, args.lexicon_out)
        n_mwe = sum(" " in p.text for _, lab in lex.iter_labels() for p in lab.patterns)
        print(f"wrote {args.lexicon_out}: {len(lex)} patterns ({n_mwe} multi-word, "
              f"{sum('*' in p.text for _, lab in lex.iter_labels() for p in lab.patterns)} globs), "
              f"{len(lex.label_ids())} labels", file=sys.stderr)
    if args.out:
        source = args.source
        if source is None:
            try:
                import framelens.datasets as fd

                source = "sample" if hasattr(fd, "load_sample") else "abp"
            except ImportError:
                source = "abp"
        docs = base_documents(source, args.text_field)
        n, total = write_corpus(docs, args.size, args.out, args.dirty_every)
        print(f"wrote {args.out}: {n:,} documents, {total / 1e6:,.1f} MB of JSONL text from {len(docs):,} base "
              f"documents ({source})", file=sys.stderr)
    if not (args.out or args.lexicon_out):
        parser.error("give --out and/or --lexicon-out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
