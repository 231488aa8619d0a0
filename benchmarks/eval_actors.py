"""How well the actor extractors do on hand-annotated sentences.

The evaluation set, ``analysis/framelens/data/eval/attribution_voice_sentences.jsonl``, holds 208
English news-style items (one to three sentences each) written for framelens, with the attributions
and the harm predicates a careful reader finds in them (annotation rules in ``docs/actors.md``).
Each item is read as one document; the extractors run with the built-in lexicons. The 168 ``dev``
items were used while the rules were written (their figures are optimistic); the 40 ``heldout``
items were written afterwards and scored once, without changing a rule.

Scores:

* **attribution speaker+verb** — a predicted statement is correct when its verb equals a gold verb of
  the item and its speaker matches that gold speaker (lower-cased words without leading articles or
  outer punctuation are equal, or one is a contiguous part of the other and they differ by at most two
  words). Precision = correct / predicted, recall = correct / gold (each gold statement counts once).
  Also reported: verb-only precision/recall, and the accuracy of ``family`` and ``verb_class`` on the
  correct statements.
* **voice** — accuracy of ``construction`` over the gold harm predicates (a predicate the extractor
  misses counts as wrong); harm-predicate detection precision/recall; accuracy of ``agent_family`` on
  the detected predicates with a gold agent.

Run ``python benchmarks/eval_actors.py`` (prints a table, writes
``benchmarks/results/eval_actors.json``); ``tests/test_attribution.py`` and ``tests/test_agency.py``
assert the thresholds through :func:`evaluate`.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "analysis" / "framelens" / "data" / "eval" / "attribution_voice_sentences.jsonl"
RESULTS = ROOT / "benchmarks" / "results" / "eval_actors.json"
_ARTICLES = {"the", "a", "an"}


def load_items(path: Path = EVAL_FILE) -> list[dict]:
    """The annotated items, one dict per line of the JSONL file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _words(text: str) -> list[str]:
    words = re.findall(r"\w+(?:['’]\w+)*", str(text).lower().replace("’", "'"))
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return words


def _contains(long: list[str], short: list[str]) -> bool:
    n = len(short)
    return n > 0 and any(long[i:i + n] == short for i in range(len(long) - n + 1))


def speaker_match(predicted: str, gold: str, slack: int = 2) -> bool:
    """Whether a predicted speaker phrase names the gold speaker (see the module docstring).

    >>> speaker_match("the army", "The army"), speaker_match("a spokesman for the army", "the army")
    (True, False)
    """
    p, g = _words(predicted), _words(gold)
    if not p or not g:
        return False
    if p == g:
        return True
    if len(p) >= len(g):
        return _contains(p, g) and len(p) - len(g) <= slack
    return _contains(g, p) and len(g) - len(p) <= slack


def _corpus(items: list[dict]):
    import framelens

    frame = pd.DataFrame({"doc_id": [it["id"] for it in items], "text": [it["text"] for it in items],
                          "source": "eval"})
    return framelens.read_corpus(frame)


def _verb(text: str) -> str:
    return " ".join(str(text).lower().split())


def score_attributions(items: list[dict], rows: pd.DataFrame) -> dict:
    """Precision/recall of speaker+verb (and verb alone), family and verb-class accuracy."""
    from framelens.lexicon import load_lexicon

    classes = {}
    for _, label in load_lexicon("attribution").iter_labels():
        for p in label.patterns:
            classes[_verb(p.text)] = "neutral" if label.stance == "neutral" else "stance"
    by_doc = {doc: grp for doc, grp in rows.groupby("doc_id")}
    n_pred = n_gold = correct = verb_pred_ok = verb_gold_ok = 0
    family_ok = family_n = class_ok = class_n = 0
    errors = []
    for it in items:
        pred = by_doc.get(it["id"], rows.iloc[0:0])
        gold = it["attributions"]
        n_pred += len(pred)
        n_gold += len(gold)
        used = set()
        for p in pred.itertuples(index=False):
            hit = next((k for k, g in enumerate(gold) if k not in used and _verb(g["verb"]) == p.verb
                        and speaker_match(p.speaker, g["speaker"])), None)
            if hit is None:
                errors.append({"id": it["id"], "kind": "false positive", "speaker": p.speaker, "verb": p.verb})
                continue
            used.add(hit)
            correct += 1
            g = gold[hit]
            family_n += 1
            family_ok += (None if pd.isna(p.family) else p.family) == g["family"]
            if _verb(g["verb"]) in classes:
                class_n += 1
                class_ok += p.verb_class == classes[_verb(g["verb"])]
        for k, g in enumerate(gold):
            if k not in used:
                errors.append({"id": it["id"], "kind": "missed", "speaker": g["speaker"], "verb": g["verb"]})
        gold_verbs = Counter(_verb(g["verb"]) for g in gold)
        pred_verbs = Counter(pred["verb"])
        overlap = sum((gold_verbs & pred_verbs).values())
        verb_pred_ok += overlap
        verb_gold_ok += overlap
    return {
        "items": len(items), "gold": n_gold, "predicted": n_pred, "correct": correct,
        "precision": correct / n_pred if n_pred else float("nan"),
        "recall": correct / n_gold if n_gold else float("nan"),
        "verb_precision": verb_pred_ok / n_pred if n_pred else float("nan"),
        "verb_recall": verb_gold_ok / n_gold if n_gold else float("nan"),
        "family_accuracy": family_ok / family_n if family_n else float("nan"),
        "verb_class_accuracy": class_ok / class_n if class_n else float("nan"),
        "errors": errors,
    }


def score_voice(items: list[dict], rows: pd.DataFrame) -> dict:
    """Construction accuracy over gold harm predicates, detection precision/recall, agent-family accuracy."""
    by_doc = {doc: grp for doc, grp in rows.groupby("doc_id")}
    n_gold = n_pred = detected = correct = fam_n = fam_ok = 0
    errors = []
    for it in items:
        pred = list(by_doc.get(it["id"], rows.iloc[0:0]).itertuples(index=False))
        gold = it["harm"]
        n_gold += len(gold)
        n_pred += len(pred)
        used = set()
        for g in gold:
            k = next((k for k, p in enumerate(pred) if k not in used and _verb(p.verb) == _verb(g["verb"])), None)
            if k is None:
                errors.append({"id": it["id"], "kind": "missed", "verb": g["verb"], "gold": g["construction"]})
                continue
            used.add(k)
            detected += 1
            p = pred[k]
            if p.construction == g["construction"]:
                correct += 1
            else:
                errors.append({"id": it["id"], "kind": "wrong construction", "verb": g["verb"],
                               "gold": g["construction"], "predicted": p.construction})
            if g["agent"] is not None:
                fam_n += 1
                fam_ok += (None if pd.isna(p.agent_family) else p.agent_family) == g["agent_family"]
        for k, p in enumerate(pred):
            if k not in used:
                errors.append({"id": it["id"], "kind": "false positive", "verb": p.verb, "predicted": p.construction})
    return {
        "gold": n_gold, "predicted": n_pred, "detected": detected, "correct": correct,
        "accuracy": correct / n_gold if n_gold else float("nan"),
        "detection_precision": detected / n_pred if n_pred else float("nan"),
        "detection_recall": detected / n_gold if n_gold else float("nan"),
        "agent_family_accuracy": fam_ok / fam_n if fam_n else float("nan"),
        "errors": errors,
    }


def evaluate(path: Path = EVAL_FILE) -> dict:
    """Run both extractors on the evaluation set and score them.

    Returns
    -------
    dict
        ``{"attribution": {...}, "voice": {...}, "n_items": int}`` with the figures described in the
        module docstring and, under ``errors``, every miss and false positive.
    """
    import framelens.actors as actors

    items = load_items(path)
    corpus = _corpus(items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", actors.SkippedSentencesWarning)
        attr = actors.attributions(corpus)
        harm = actors.agency(corpus)
    result = {"n_items": len(items), "attribution": score_attributions(items, attr),
              "voice": score_voice(items, harm), "skipped": attr.attrs["framelens"]["skipped"], "by_split": {}}
    for split in sorted({it.get("split", "dev") for it in items}):
        part = [it for it in items if it.get("split", "dev") == split]
        ids = {it["id"] for it in part}
        a = score_attributions(part, attr[attr["doc_id"].isin(ids)])
        v = score_voice(part, harm[harm["doc_id"].isin(ids)])
        result["by_split"][split] = {"n_items": len(part),
                                     "attribution": {k: x for k, x in a.items() if k != "errors"},
                                     "voice": {k: x for k, x in v.items() if k != "errors"}}
    return result


def _table(result: dict) -> str:
    a, v = result["attribution"], result["voice"]
    lines = [
        f"{'extractor':<34}{'figure':<28}{'value':>8}",
        "-" * 70,
        f"{'attribution (speaker + verb)':<34}{'precision':<28}{a['precision']:>8.3f}",
        f"{'':<34}{'recall':<28}{a['recall']:>8.3f}",
        f"{'':<34}{'verb-only precision':<28}{a['verb_precision']:>8.3f}",
        f"{'':<34}{'verb-only recall':<28}{a['verb_recall']:>8.3f}",
        f"{'':<34}{'family accuracy (correct)':<28}{a['family_accuracy']:>8.3f}",
        f"{'':<34}{'verb class accuracy':<28}{a['verb_class_accuracy']:>8.3f}",
        f"{'':<34}{'gold / predicted / correct':<28}{a['gold']:>3}/{a['predicted']}/{a['correct']}",
        f"{'agency (voice class)':<34}{'accuracy':<28}{v['accuracy']:>8.3f}",
        f"{'':<34}{'detection precision':<28}{v['detection_precision']:>8.3f}",
        f"{'':<34}{'detection recall':<28}{v['detection_recall']:>8.3f}",
        f"{'':<34}{'agent family accuracy':<28}{v['agent_family_accuracy']:>8.3f}",
        f"{'':<34}{'gold / predicted / correct':<28}{v['gold']:>3}/{v['predicted']}/{v['correct']}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=EVAL_FILE, help="the JSONL evaluation set")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--errors", action="store_true", help="also print every miss and false positive")
    args = parser.parse_args(argv)
    result = evaluate(args.data)
    print(f"{result['n_items']} items from {args.data.name} (all splits)")
    print(_table(result))
    for split, part in result["by_split"].items():
        a, v = part["attribution"], part["voice"]
        print(f"{split:>8} ({part['n_items']} items): attribution precision {a['precision']:.3f}, recall "
              f"{a['recall']:.3f} ({a['correct']}/{a['predicted']} predicted, {a['gold']} gold); voice accuracy "
              f"{v['accuracy']:.3f} ({v['correct']}/{v['gold']})")
    if args.errors:
        for part in ("attribution", "voice"):
            for err in result[part]["errors"]:
                print(part, json.dumps(err, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    import framelens

    payload = {"data": str(args.data.relative_to(ROOT)) if args.data.is_relative_to(ROOT) else str(args.data),
               "framelens_version": framelens.__version__, **result}
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
