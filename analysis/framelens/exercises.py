"""Checks for the course exercises in ``notebooks/exercises/``.

Each ``check_…`` function looks at a student's answer on the embedded (fictional) sample corpus and
returns a :class:`Feedback`: *passed*, or *not yet* with a specific hint about what is wrong —
never the answer itself. An answer left unfilled (``None`` or ``...``) gets "not yet" and the
notebook keeps running: a check never raises.

The truth the checks compare with comes from the sample corpus' own records
(:func:`framelens.datasets.sample_mentions`, the answer key), computed when a check runs, so the
checks follow the corpus if it is regenerated.

Examples
--------
>>> from framelens import exercises
>>> exercises.check_most_insurgents(None).passed
False
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, Callable

import numpy as np
import pandas as pd

GOV_FAMILY = "government_side"
DELEGITIMISING_GOV = ("regime", "regime_forces", "junta")  # generator labels that deny legitimacy
LEANS = ("pro_opposition", "neutral", "pro_government")


@dataclass(frozen=True)
class Feedback:
    """The result of a check: ``passed`` and a message. Displays as a coloured box in Jupyter."""

    check: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"[{'passed' if self.passed else 'not yet'}] {self.check}: {self.message}"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        colour, mark = ("#029e73", "✔ passed") if self.passed else ("#d55e00", "✗ not yet")
        return (f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0">'
                f'<b style="color:{colour}">{mark}</b> <code>{html.escape(self.check)}</code>: '
                f"{html.escape(self.message)}</div>")


class _NotYet(Exception):
    """Raised inside a check to return 'not yet' with a message."""


def _unfilled(value: Any) -> bool:
    return value is None or value is Ellipsis


def _check(func: Callable[..., str]) -> Callable[..., Feedback]:
    """Turn a function that returns a success message (or raises _NotYet) into a safe check."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Feedback:
        name = func.__name__
        if any(_unfilled(a) for a in args) or any(_unfilled(v) for v in kwargs.values()):
            return Feedback(name, False, "fill in your answer (replace None / ...) and run the cell again")
        try:
            return Feedback(name, True, func(*args, **kwargs))
        except _NotYet as exc:
            return Feedback(name, False, str(exc))
        except Exception as exc:  # noqa: BLE001 - a check reports, it never stops the notebook
            return Feedback(name, False, f"your answer could not be checked: {type(exc).__name__}: {exc}")

    return wrapper


# ----------------------------------------------------------------------------- the sample's truth
@lru_cache(maxsize=1)
def _corpus():
    from .datasets import load_sample

    return load_sample()


@lru_cache(maxsize=1)
def _mentions() -> pd.DataFrame:
    from .datasets import sample_mentions

    return sample_mentions()


def _mention_index(family: str) -> dict[str, list[tuple[int, int, str]]]:
    m = _mentions()
    m = m[m["family"] == family]
    out: dict[str, list[tuple[int, int, str]]] = {}
    for doc, s, e, label in zip(m["doc_id"], m["start"], m["end"], m["label"]):
        out.setdefault(doc, []).append((int(s), int(e), label))
    return out


def _truth_for_hits(doc_ids, starts, ends, family: str = GOV_FAMILY) -> list[str | None]:
    """For each hit, the generator label of the family's mention it overlaps, or None."""
    index = _mention_index(family)
    out = []
    for doc, s, e in zip(doc_ids, starts, ends):
        found = next((lab for ms, me, lab in index.get(doc, []) if ms < e and s < me), None)
        out.append(found)
    return out


def _outlets() -> list[str]:
    return sorted(_corpus().docs["source"].unique())


def _need_frame(value: Any, what: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise _NotYet(f"{what} should be a pandas DataFrame, not {type(value).__name__}")
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise _NotYet(f"{what} lacks the column(s) {', '.join(missing)}; did you use the function the task names?")
    return value


# ============================================================================ exercise 1: lexicon
@_check
def check_contrast_lexicon(lexicon: Any) -> str:
    """Exercise 1, task 1: a lexicon that separates delegitimising from institutional names for the
    government side, with good recall and precision on the sample corpus.

    Examples
    --------
    >>> from framelens.exercises import check_contrast_lexicon
    >>> check_contrast_lexicon(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    from .lexicon import Lexicon
    from .scoring import match

    if isinstance(lexicon, str):
        raise _NotYet("parse your YAML text into a Lexicon first (framelens.lexicon.parse_lexicon)")
    if not isinstance(lexicon, Lexicon):
        raise _NotYet(f"expected a framelens Lexicon, got {type(lexicon).__name__}")
    if "government_names" not in lexicon.family_ids():
        raise _NotYet(f"the lexicon needs a family called 'government_names'; yours has: {', '.join(lexicon.family_ids())}")
    fam = lexicon.family("government_names")
    labels = set(fam.label_ids())
    if labels != {"institutional", "delegitimising"}:
        raise _NotYet(f"the family needs exactly the labels 'institutional' and 'delegitimising'; yours has: "
                      f"{', '.join(sorted(labels))}")
    for label in fam.labels:
        if len(label.patterns) < 2:
            raise _NotYet(f"label {label.id!r} has {len(label.patterns)} pattern(s); outlets use several names — list at least two")
    corpus = _corpus()
    hits = match(corpus, lexicon)
    hits = hits[hits["family"] == "government_names"].reset_index(drop=True)
    if hits.empty:
        raise _NotYet("your patterns match nothing in the sample corpus; try framelens.kwic with one of them")
    truth = _truth_for_hits(hits["doc_id"], hits["start"], hits["end"])
    true_hit = pd.Series([t is not None for t in truth])
    precision = float(true_hit.mean())
    if precision < 0.95:
        n_bad = int((~true_hit).sum())
        raise _NotYet(f"{n_bad} of your {len(hits)} hits are not names for the government side (precision "
                      f"{precision:.0%}); run framelens.kwic on each of your patterns and read what they match")
    # recall: government-side mentions covered by at least one hit
    index = _mention_index(GOV_FAMILY)
    found = set()
    for doc, s, e in zip(hits["doc_id"], hits["start"], hits["end"]):
        for k, (ms, me, _) in enumerate(index.get(doc, [])):
            if ms < e and s < me:
                found.add((doc, k))
    total = sum(len(v) for v in index.values())
    recall = len(found) / max(total, 1)
    if recall < 0.85:
        raise _NotYet(f"your lexicon finds {len(found)} of the {total} mentions of the government side ({recall:.0%}); "
                      "some outlets name it in ways you have not listed — read KWIC lines from the outlets "
                      "where your lexicon finds least (framelens.score by source)")
    wrong_side = [(lab, t) for lab, t in zip(hits["label"], truth) if t is not None
                  and (lab == "delegitimising") != (t in DELEGITIMISING_GOV)]
    if len(wrong_side) > 0.05 * len(hits):
        raise _NotYet(f"{len(wrong_side)} hits sit under the other label than their wording suggests; "
                      "check which of your names deny the government legitimacy and which are neutral")
    # A name filed under the wrong label can hold fewer than 5 % of all hits ("government" is 3 %), so
    # each matched name is checked too: most of its hits must sit under the label its wording deserves.
    forms = hits["matched"].str.lower().str.split().str.join(" ")
    per_form: dict[str, list[int]] = {}
    for form, lab, t in zip(forms, hits["label"], truth):
        if t is not None:
            counts = per_form.setdefault(form, [0, 0])
            counts[0] += 1
            counts[1] += (lab == "delegitimising") != (t in DELEGITIMISING_GOV)
    misfiled = {f: c for f, c in per_form.items() if c[1] >= 3 and c[1] > c[0] / 2}
    if misfiled:
        n_hits = sum(c[1] for c in misfiled.values())
        raise _NotYet(f"{len(misfiled)} of your names ({n_hits} hits) {'sits' if len(misfiled) == 1 else 'sit'} under "
                      "the other label than their wording suggests; check which of your names deny the government "
                      "legitimacy and which are neutral")
    lean = dict(zip(corpus.docs["doc_id"], corpus.docs["lean"]))
    hits["lean"] = hits["doc_id"].map(lean)
    share = hits.assign(d=hits["label"].eq("delegitimising")).groupby("lean")["d"].mean()
    if share.get("pro_opposition", 0) < 0.6:
        raise _NotYet(f"in the pro-opposition outlets only {share.get('pro_opposition', 0):.0%} of your hits are "
                      "delegitimising; those outlets use more hostile names than your label lists")
    if max(share.get("neutral", 0), share.get("pro_government", 0)) > 0.1:
        raise _NotYet("the neutral or pro-government outlets get a high delegitimising share from your lexicon; "
                      "one of your delegitimising patterns matches ordinary names")
    return (f"{len(hits)} hits, precision {precision:.0%}, recall {recall:.0%}; delegitimising share "
            + ", ".join(f"{k} {share.get(k, 0):.0%}" for k in LEANS))


def _truth_judgements(sample: pd.DataFrame) -> pd.Series:
    truth = _truth_for_hits(sample["doc_id"], sample["start"], sample["end"])
    return pd.Series([0 if t is None else 1 for t in truth], index=sample.index)


def _as_judgement(value: Any) -> float:
    from .reports import _judgement

    return _judgement(value, None)


@_check
def check_judgements(sample: Any) -> str:
    """Exercise 1, task 3: every sampled line judged, in agreement with the corpus' annotations.

    Examples
    --------
    >>> from framelens.exercises import check_judgements
    >>> check_judgements(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    sample = _need_frame(sample, "sample", ("doc_id", "start", "end", "label", "judgement"))
    values = [_as_judgement(v) for v in sample["judgement"]]
    missing = sum(np.isnan(v) for v in values)
    if missing:
        raise _NotYet(f"{missing} of {len(sample)} lines have no judgement yet (1 = names the government side, 0 = not)")
    truth = _truth_judgements(sample)
    disagree = [i for i, (v, t) in enumerate(zip(values, truth)) if v != t]
    if disagree:
        labels = sorted(set(sample["label"].iloc[disagree]))
        raise _NotYet(f"{len(disagree)} of your {len(sample)} judgements differ from the annotators'; re-read the "
                      f"lines of label(s) {', '.join(labels)} — what does the highlighted word refer to there?")
    return f"all {len(sample)} judgements agree with the annotators"


@_check
def check_precision_table(precision: Any, sample: Any) -> str:
    """Exercise 1, task 4: the precision table computed from the judged sample.

    Examples
    --------
    >>> from framelens.exercises import check_precision_table
    >>> check_precision_table(None, None).passed  # an unfilled answer gets 'not yet'
    False
    """
    from .reports import precision_from_judgements

    precision = _need_frame(precision, "precision", ("label", "n_judged", "precision", "lower", "upper"))
    sample = _need_frame(sample, "sample", ("label", "judgement"))
    expected = precision_from_judgements(sample, by="label")
    got = precision.set_index("label")
    for row in expected.itertuples(index=False):
        if row.label not in got.index:
            raise _NotYet(f"label {row.label!r} is missing from your table; group by label")
        mine = got.loc[row.label]
        if int(mine["n_judged"]) != row.n_judged or not np.isclose(mine["precision"], row.precision, equal_nan=True):
            raise _NotYet(f"the numbers for {row.label!r} do not match the judged sample; compute the table from "
                          "the sample you judged")
        if not np.isclose(mine["lower"], row.lower, equal_nan=True):
            raise _NotYet("the intervals are not Wilson intervals at 95%; keep the function's defaults")
    low = expected[expected["label"] != "(all)"].sort_values("precision").iloc[0]
    return f"table matches the sample; the least precise label is {low['label']!r}"


@_check
def check_problem_patterns(patterns: Any, lexicon: Any) -> str:
    """Exercise 1, task 5: the draft lexicon's patterns that produce the false positives.

    Examples
    --------
    >>> from framelens.exercises import check_problem_patterns
    >>> check_problem_patterns(None, None).passed  # an unfilled answer gets 'not yet'
    False
    """
    from .scoring import as_lexicon, kwic

    if isinstance(patterns, str):
        patterns = [patterns]
    patterns = [str(p).strip() for p in patterns]
    if not patterns:
        raise _NotYet("list the pattern(s) you blame, exactly as written in the draft")
    lex = as_lexicon(lexicon)
    written = {p.text for _, label in lex.iter_labels() for p in label.patterns}
    unknown = [p for p in patterns if p not in written]
    if unknown:
        raise _NotYet(f"{', '.join(map(repr, unknown))} is not a pattern of the draft; copy patterns exactly as written")
    corpus = _corpus()
    culprits = set()
    for text in sorted(written):
        lines = kwic(corpus, text, window=0)
        if len(lines) == 0:
            continue
        truth = _truth_for_hits(lines["doc_id"], lines["start"], lines["end"])
        if sum(t is None for t in truth) > 0.5 * len(lines):
            culprits.add(text)
    named = set(patterns)
    right, wrong = named & culprits, named - culprits
    if wrong:
        raise _NotYet(f"{len(wrong)} of the patterns you named match names of the government side well; "
                      "look again at the lines judged 0")
    if right != culprits:
        raise _NotYet(f"you found {len(right)} of the {len(culprits)} patterns that cause most false positives; "
                      "one more pattern's hits are mostly not about the government side")
    return "these patterns cause the false positives; narrow or remove them and re-check the precision"


# ============================================================================ exercise 2: outlets
@_check
def check_shares(shares: Any) -> str:
    """Exercise 2, task 1: label shares of the armed-opposition family per outlet, with intervals.

    Examples
    --------
    >>> from framelens.exercises import check_shares
    >>> check_shares(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    shares = _need_frame(shares, "sh", ("group", "family", "label", "share", "lower", "upper"))
    fams = set(shares["family"])
    if fams != {"armed_opposition"}:
        raise _NotYet(f"keep only the family 'armed_opposition' (yours has: {', '.join(sorted(map(str, fams)))})")
    groups = set(shares["group"])
    if groups != set(_outlets()):
        raise _NotYet(f"the groups should be the {len(_outlets())} outlets (by='source'); yours are: "
                      f"{', '.join(sorted(map(str, groups)))[:200]}")
    if shares["lower"].isna().all():
        raise _NotYet("the intervals are empty: ask for bootstrap replicates (n_boot)")
    params = (shares.attrs.get("framelens") or {}).get("params", {})
    if params.get("n_boot", 0) < 200:
        raise _NotYet(f"use at least 200 bootstrap replicates (you used {params.get('n_boot')})")
    return f"{len(shares)} rows: {len(groups)} outlets × {shares['label'].nunique()} labels"


@lru_cache(maxsize=1)
def _reference_shares() -> pd.DataFrame:
    from .compare import shares

    return shares(_corpus(), "conflict_actors", family="armed_opposition", by="source", n_boot=1000, seed=0)


@_check
def check_most_insurgents(outlet: Any) -> str:
    """Exercise 2, task 2: the outlet that most often calls the armed opposition 'insurgents'.

    Examples
    --------
    >>> from framelens.exercises import check_most_insurgents
    >>> check_most_insurgents(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    outlet = str(outlet).strip()
    if outlet not in _outlets():
        raise _NotYet(f"{outlet!r} is not an outlet of the corpus; use a name exactly as in the 'group' column")
    ref = _reference_shares()
    ins = ref[ref["label"] == "insurgents"].set_index("group")["share"]
    if outlet != ins.idxmax():
        raise _NotYet(f"{outlet} uses 'insurgents' for {ins[outlet]:.0%} of its armed-opposition names; "
                      "another outlet uses it more — sort the rows of label 'insurgents' by share")
    return f"{outlet}: {ins[outlet]:.0%} of its armed-opposition names"


def _overlap(ref: pd.DataFrame, label: str, a: str, b: str) -> bool:
    rows = ref[ref["label"] == label].set_index("group")
    return bool(rows.loc[a, "lower"] <= rows.loc[b, "upper"] and rows.loc[b, "lower"] <= rows.loc[a, "upper"])


@_check
def check_rebels_intervals(differ: Any) -> str:
    """Exercise 2, task 3: do Free Karvia Voice and The Marn Courier differ clearly on 'rebels'?

    Examples
    --------
    >>> from framelens.exercises import check_rebels_intervals
    >>> check_rebels_intervals(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    if not isinstance(differ, (bool, np.bool_)):
        raise _NotYet("answer True (the two outlets clearly differ) or False (they may not)")
    overlap = _overlap(_reference_shares(), "rebels", "Free Karvia Voice", "The Marn Courier")
    if bool(differ) == overlap:
        raise _NotYet("look at the lower and upper columns of the two rows for 'rebels': do the two intervals "
                      "overlap, and what does that say about a difference in the point estimates?")
    # Overlap is a rough reading, not a test: two 95 % intervals can overlap a little while the
    # difference is still significant; the message says so rather than teach the shortcut as a rule.
    return ("right: the intervals overlap widely, so this sample shows no clear difference between the two outlets "
            "on 'rebels' (overlap is a rough guide; to test a difference, bootstrap the difference itself)"
            if overlap else "right: the intervals do not overlap")


@lru_cache(maxsize=1)
def _lexicon_hits() -> dict[str, list[tuple[int, int]]]:
    from .scoring import match

    hits = match(_corpus(), "conflict_actors")
    out: dict[str, list[tuple[int, int]]] = {}
    for d, s, e in zip(hits["doc_id"], hits["start"], hits["end"]):
        out.setdefault(d, []).append((int(s), int(e)))
    return out


@lru_cache(maxsize=1)
def _reference_keyness() -> pd.DataFrame:
    from .compare import keyness

    return keyness(_corpus(), by="source")


@_check
def check_unlisted_key_term(term: Any, outlet: str = "Free Karvia Voice") -> str:
    """Exercise 2, task 4: a word the outlet over-uses that names a party but is not in the lexicon.

    Examples
    --------
    >>> from framelens.exercises import check_unlisted_key_term
    >>> check_unlisted_key_term(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    from .scoring import kwic

    term = str(term).strip().lower()
    if not term or " " in term:
        raise _NotYet("give one word, as it appears in the 'term' column of the keyness table")
    kw = _reference_keyness()
    rows = kw[(kw["group"] == outlet) & (kw["term"] == term)]
    if rows.empty:
        raise _NotYet(f"{term!r} does not appear in the keyness table of {outlet}")
    z = float(rows["z"].iloc[0])
    if z <= 2:
        raise _NotYet(f"{outlet} does not over-use {term!r} (z = {z:+.1f}); pick a word with a large positive z")
    lines = kwic(_corpus(), term, window=0)  # every occurrence of the word ...
    hits = _lexicon_hits()  # ... and whether the lexicon matches any of them
    covered = [any(s < h_e and h_s < e for h_s, h_e in hits.get(d, [])) for d, s, e in
               zip(lines["doc_id"], lines["start"], lines["end"])]
    if len(lines) and np.mean(covered) > 0.5:
        raise _NotYet(f"{term!r} is over-used (z = {z:+.1f}) but the lexicon already matches it; look for one it misses")
    names = set(_mentions().loc[~_mentions()["in_lexicon"], "surface"].str.lower().str.split().str[-1])
    if term not in names:
        raise _NotYet(f"{term!r} is over-used (z = {z:+.1f}) but it does not name a party to the conflict; "
                      "look further down the list for a noun that does")
    return f"{term!r} (z = {z:+.1f}) names a party in {outlet}'s reports and the lexicon misses it: a candidate to add"


@_check
def check_keyness_reading(choice: Any) -> str:
    """Exercise 2, task 5: what a large z-score for a word in one outlet does (and does not) show.

    Examples
    --------
    >>> from framelens.exercises import check_keyness_reading
    >>> check_keyness_reading(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    choice = str(choice).strip().lower()
    if choice not in ("a", "b", "c", "d"):
        raise _NotYet("answer with one letter: 'a', 'b', 'c' or 'd'")
    if choice == "a":
        raise _NotYet("a z-score compares word frequencies; does it say anything about the outlet's intent?")
    if choice == "c":
        raise _NotYet("the statistic compares the outlet with the other outlets pooled, not with a neutral norm")
    if choice == "d":
        raise _NotYet("a large z needs a word to be both frequent enough and unevenly used; rare words are shrunk")
    return "right: over-use is a lead to check in context — it may mark a topic as well as a frame"


# ============================================================================ exercise 3: classifier
def _word_profile(word: str) -> tuple[float, float, int]:
    """Share of a word's occurrences in its most frequent event and in its most frequent outlet."""
    from .scoring import kwic

    corpus = _corpus()
    lines = kwic(corpus, word, window=0)
    if len(lines) == 0:
        return 0.0, 0.0, 0
    docs = corpus.docs.set_index("doc_id")
    events = docs.loc[lines["doc_id"], "event"].value_counts(normalize=True)
    sources = docs.loc[lines["doc_id"], "source"].value_counts(normalize=True)
    return float(events.iloc[0]), float(sources.iloc[0]), len(lines)


def _feature_kind_truth(feature: str) -> str:
    """'topic' for a word tied to one event and used by every kind of outlet; 'framing' for a word most
    of whose uses come from one outlet (a name or a stance it chose); 'neither' otherwise."""
    word = feature.split(":", 1)[-1].split("__")[-1].replace("_", " ")
    event_share, source_share, n = _word_profile(word)
    if n == 0:
        return "unknown"
    if source_share >= 0.5:
        return "framing"
    if event_share >= 0.5:
        return "topic"
    return "neither"


FEATURE_WORDS = ("junta", "severin", "patriots", "istrel", "militants", "tarnik", "loyalist", "hospital")


def _is_evaluation(value: Any, name: str):
    from .classify.evaluate import Evaluation

    if not isinstance(value, Evaluation):
        raise _NotYet(f"{name} should be the result of evaluate(...), not {type(value).__name__}")
    return value


@_check
def check_source_evaluations(random_eval: Any, grouped_eval: Any) -> str:
    """Exercise 3, task 1: the same words-only model scored with a random and an event-grouped split.

    Examples
    --------
    >>> from framelens.exercises import check_source_evaluations
    >>> check_source_evaluations(None, None).passed  # an unfilled answer gets 'not yet'
    False
    """
    random_eval = _is_evaluation(random_eval, "random_eval")
    grouped_eval = _is_evaluation(grouped_eval, "grouped_eval")
    for name, ev in (("random_eval", random_eval), ("grouped_eval", grouped_eval)):
        if ev.params.get("target") != "source":
            raise _NotYet(f"{name} predicts {ev.params.get('target')!r}; predict the outlet (target='source')")
        model = ev.params.get("model", {})
        # the model's own lexicon features ("lexicon"; the baseline's is "baseline_lexicon") would blur the
        # contrast with the lexicon-only baseline that task 5 reads
        if not model.get("words") or model.get("chars") or model.get("lexicon"):
            raise _NotYet(f"{name}: use the words-only model, Classifier(), so that the lexicon baseline is a real contrast")
        if ev.params.get("cv") != 5:
            raise _NotYet(f"{name}: use cv=5 for both, so that the two are comparable")
    if random_eval.split != "stratified":
        raise _NotYet(f"random_eval used the {random_eval.split!r} split; ask for split='stratified'")
    if grouped_eval.split != "group" or grouped_eval.params.get("groups") != "event":
        raise _NotYet("grouped_eval should keep each event on one side of every split (groups='event')")
    if grouped_eval.summary.loc["lexicon_only", "n_folds"] == 0:
        raise _NotYet("grouped_eval has no lexicon-only baseline; pass lexicon='conflict_actors' to evaluate")
    a, b = (ev.summary.loc["model", "macro_f1"] for ev in (random_eval, grouped_eval))
    return f"macro F1 {a:.3f} with a random split, {b:.3f} with events held out"


@_check
def check_split_choice(choice: Any) -> str:
    """Exercise 3, task 2: which evaluation to report.

    Examples
    --------
    >>> from framelens.exercises import check_split_choice
    >>> check_split_choice(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    choice = str(choice).strip().lower()
    if choice not in ("a", "b", "c", "d"):
        raise _NotYet("answer with one letter: 'a', 'b', 'c' or 'd'")
    hints = {"a": "a higher number is not a better estimate: ask what the model may have seen during training",
             "c": "they may agree on this corpus; would you know that in advance on another one?",
             "d": "training accuracy measures memory, not generalisation"}
    if choice in hints:
        raise _NotYet(hints[choice])
    return "right: only the grouped split guarantees the test reports' stories were unseen in training"


@_check
def check_topic_model(model: Any) -> str:
    """Exercise 3, task 3: a classifier fitted to predict the event a report covers.

    Examples
    --------
    >>> from framelens.exercises import check_topic_model
    >>> check_topic_model(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    from .classify.model import Classifier

    if not isinstance(model, Classifier):
        raise _NotYet(f"topic_model should be a framelens Classifier, not {type(model).__name__}")
    if not hasattr(model, "classes_"):
        raise _NotYet("topic_model is not fitted yet: call .fit(corpus, target=...)")
    events = set(_corpus().docs["event"])
    if set(map(str, model.classes_)) != events:
        raise _NotYet(f"topic_model predicts {len(model.classes_)} classes; it should predict the {len(events)} events")
    return f"fitted on {len(events)} events"


@_check
def check_feature_kinds(kinds: Any) -> str:
    """Exercise 3, task 4: each listed word is topic signal or framing signal.

    Examples
    --------
    >>> from framelens.exercises import check_feature_kinds
    >>> check_feature_kinds(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    if not isinstance(kinds, dict):
        raise _NotYet("give a dict mapping each word to 'topic' or 'framing'")
    missing = [w for w in FEATURE_WORDS if w not in kinds]
    if missing:
        raise _NotYet(f"{len(missing)} of the {len(FEATURE_WORDS)} words have no answer yet")
    bad_values = sorted({str(v) for v in kinds.values() if str(v).strip().lower() not in ("topic", "framing")})
    if bad_values:
        raise _NotYet(f"answer 'topic' or 'framing' for each word (not {', '.join(bad_values)})")
    wrong = [w for w in FEATURE_WORDS if str(kinds[w]).strip().lower() != _feature_kind_truth(w)]
    if wrong:
        raise _NotYet(f"{len(wrong)} of {len(FEATURE_WORDS)} are not right yet; for each word, count how its uses spread "
                      "over events and over outlets (framelens.kwic gives the doc_id of every use)")
    return "all right: topic words follow the story, framing words follow the outlet"


@_check
def check_lexicon_reading(choice: Any) -> str:
    """Exercise 3, task 5: what the lexicon-only baseline's score means.

    Examples
    --------
    >>> from framelens.exercises import check_lexicon_reading
    >>> check_lexicon_reading(None).passed  # an unfilled answer gets 'not yet'
    False
    """
    choice = str(choice).strip().lower()
    if choice not in ("a", "b", "c", "d"):
        raise _NotYet("answer with one letter: 'a', 'b', 'c' or 'd'")
    hints = {"b": "a baseline's score says nothing about what the lexicon misses; recall is measured another way",
             "c": "compare the two rows again: the words-only model also does well",
             "d": "both scores come from held-out events; what would overfitting look like there?"}
    if choice in hints:
        raise _NotYet(hints[choice])
    return "right: naming choices alone identify the outlets almost as well as every word does"
