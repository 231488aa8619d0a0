"""Tone toward each actor, and the words that describe each actor.

:func:`tone` scores with VADER (NLTK's :class:`nltk.sentiment.vader.SentimentIntensityAnalyzer`, fed
the lexicon file that the ``vaderSentiment`` package ships, so nothing is downloaded) the sentences
that mention each actor family — or, with ``window=k``, the ``k`` word tokens either side of each
mention — and averages the compound scores per group. The interval comes from resampling
*documents* within each group (a report that praises a side tends to do so in several sentences):
each bootstrap replicate draws the group's documents with replacement and recomputes the mean over
the sentences they hold, as :func:`framelens.compare.shares` does for label shares.

:func:`descriptors` collects the words right before each actor mention ("*moderate* rebels",
"*Iranian-backed* militias", "*brutal* regime forces"), including a lexicon term of another family
used as a modifier ("*terrorist* regime": a label for the armed opposition applied to the
government), and ranks them per group and family by Fightin' Words keyness
(:func:`framelens.compare.keyness_from_counts`, each group against the others, with the family's
mentions as the denominator).

What they cannot see: VADER scores the whole sentence, so a sentence mentioning two sides gives both
the same score ("the army drove back the brutal rebels" is negative for both); use ``window`` to
narrow it. Sarcasm, scare quotes and negated praise partly escape VADER. Descriptors are only the
words *before* a mention: "militias backed by Iran" or "the regime, which is brutal" are not seen;
a modifier that is part of a lexicon pattern ("moderate rebels" when the lexicon lists it) is the
label itself and shows in label shares, not here.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..results import ResultTable, provenance_record, result_table
from ._sentences import (
    ADJECTIVES_IN_ED,
    AUX,
    CLAUSE_STOPS,
    IRREGULAR_PAST,
    PRESENT_VERBS,
    DETERMINERS,
    MAX_CHARS,
    MAX_TOKENS,
    NP_PREPOSITIONS,
    hits_by_unit,
    hits_per_doc,
    lexicon_hits,
    skip_summary,
    tokens,
    units,
    units_with_hits,
)

__all__ = ["tone", "descriptors", "sentiment_analyzer", "plot_tone", "plot_descriptors", "TONE_COLUMNS"]

TONE_COLUMNS = ["group", "family", "tone", "lower", "upper", "n", "n_docs", "note"]
#: groups with fewer scored sentences than this are flagged in ``note``
MIN_SENTENCES = 10


@functools.cache
def sentiment_analyzer():
    """NLTK's VADER analyser with the lexicon file shipped by the ``vaderSentiment`` package.

    NLTK 3.10 refuses absolute resource paths, so the package folder is added to ``nltk.data.path``
    and the lexicon is named by its file name.

    Examples
    --------
    >>> sentiment_analyzer().polarity_scores("The brave volunteers saved the children.")["compound"] > 0
    True
    """
    import nltk

    try:
        import vaderSentiment
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ParameterError("tone needs the vaderSentiment package (pip install vaderSentiment)") from exc
    folder = str(Path(vaderSentiment.__file__).resolve().parent)
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer(lexicon_file="vader_lexicon.txt")


def _resample_weights(n: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    try:
        from ..compare.shares import resample_weights
    except ImportError:  # pragma: no cover - framelens.compare is part of the package
        draws = rng.integers(0, n, size=(n_boot, n))
        return np.stack([np.bincount(row, minlength=n) for row in draws]).astype(float)
    return resample_weights(n, n_boot, rng)


def bootstrap_mean(sums: np.ndarray, counts: np.ndarray, *, n_boot: int, ci: float,
                   rng: np.random.Generator) -> tuple[float, float, float]:
    """Ratio mean ``sum(sums) / sum(counts)`` over documents, with a document-bootstrap percentile interval.

    Examples
    --------
    >>> import numpy as np
    >>> m, lo, hi = bootstrap_mean(np.array([1.0, -0.5, 0.3]), np.array([2, 1, 1]), n_boot=200,
    ...                            ci=0.9, rng=np.random.default_rng(0))
    >>> round(m, 3), bool(lo <= m <= hi)
    (0.2, True)
    """
    total = counts.sum()
    if total == 0:
        return np.nan, np.nan, np.nan
    mean = float(sums.sum() / total)
    if n_boot <= 0 or len(sums) < 2:
        return mean, np.nan, np.nan
    w = _resample_weights(len(sums), n_boot, rng)
    num, den = w @ sums, w @ counts
    ok = den > 0
    tail = (1.0 - ci) / 2.0
    lo, hi = np.quantile(num[ok] / den[ok], [tail, 1.0 - tail])
    return mean, float(lo), float(hi)


def _check_int(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
        raise ParameterError(f"{name} must be an integer ≥ {least}, not {value!r}")


def _families(lex: Any, families: Sequence[str] | None) -> list[str]:
    """The families to report: all of the lexicon's by default; a ParameterError naming the
    lexicon's families for one it lacks."""
    fam_ids = lex.family_ids() if families is None else list(families)
    for f in fam_ids:
        lex.family(f)
    return fam_ids


def tone(
    corpus: Any,
    lexicon: Any = "conflict_actors",
    by: str | Sequence[str] = "source",
    window: int | None = None,
    *,
    families: Sequence[str] | None = None,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int | None = 0,
    engine: str = "auto",
    max_tokens: int = MAX_TOKENS,
    max_chars: int = MAX_CHARS,
) -> ResultTable:
    """Mean VADER compound score of the text around each actor family, per group, with bootstrap CIs.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
        Actor lexicon; a sentence mentions a family when it holds a hit of that family.
    by : str or list of str
        Groups (a column, a date bin, or several; see :meth:`framelens.Corpus.groups`).
    window : int, optional
        ``None``: score each sentence that mentions the family (once per family, however many
        mentions it holds). An integer ``k``: score the ``k`` word tokens before and after each
        mention (the mention included), one score per mention.
    families : list of str, optional
        Families to report (default all).
    n_boot, ci, seed
        Document-bootstrap replicates (0: no interval), interval coverage, random seed.
    engine, max_tokens, max_chars
        As in :func:`framelens.actors.attributions`.

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, family, tone, lower, upper, n, n_docs, note``: ``tone`` is the mean compound
        score (−1 … +1) over the ``n`` scored sentences (or windows) in the ``n_docs`` documents of
        the group that mention the family; ``lower``/``upper`` the percentile interval. Groups with
        fewer than 10 scored sentences are flagged in ``note``, and so are groups whose mentions lie in
        one document (``lower``/``upper`` are missing: documents are resampled). ``attrs["framelens"]`` holds the
        provenance (``kind="tone"``), the seed and ``skipped`` (sentences not analysed, per reason).

    Examples
    --------
    >>> import framelens
    >>> t = framelens.actors.tone(framelens.datasets.load_sample(), n_boot=200)
    >>> row = t.query("group == 'Free Karvia Voice' and family == 'government_side'").iloc[0]
    >>> bool(row.upper < 0)
    True
    """
    from ..scoring import as_corpus, as_lexicon
    from ..text import word_spans

    if window is not None:
        _check_int("window", window, 0)
    _check_int("n_boot", n_boot, 0)
    if not (isinstance(ci, float) and 0.0 < ci < 1.0):
        raise ParameterError(f"ci must be a float between 0 and 1, not {ci!r}")
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    corpus.groups(by)  # validates `by` before any work
    fam_ids = _families(lex, families)
    fam_index = {f: i for i, f in enumerate(fam_ids)}
    unit_set = units(corpus, max_tokens=max_tokens, max_chars=max_chars)
    matcher, hits = lexicon_hits(corpus, lex, engine)
    label_family = [fam_index.get(f, -1) for f in matcher.family_ids]
    analyzer = sentiment_analyzer()
    texts = corpus.texts
    n_docs, n_fam = len(corpus), len(fam_ids)
    sums = np.zeros((n_docs, n_fam))
    counts = np.zeros((n_docs, n_fam))
    for d, (lab, start, end) in enumerate(hits_per_doc(hits, n_docs)):
        doc_units = unit_set.by_doc[d]
        if not len(lab) or not doc_units:
            continue
        text = texts[d]
        where = hits_by_unit(doc_units, start)
        spans = np.asarray(word_spans(text), dtype=np.int64).reshape(-1, 2) if window is not None else None
        seen: set[tuple[int, int]] = set()
        for h in range(len(lab)):
            f = label_family[int(lab[h])]
            u = int(where[h])
            if f < 0 or u < 0 or doc_units[u].skip:
                continue
            if window is None:
                if (u, f) in seen:
                    continue  # a sentence counts once per family, however many mentions it holds
                seen.add((u, f))
                scored = text[doc_units[u].start:doc_units[u].end]
            else:
                s, e = int(start[h]), int(end[h])
                first = int(np.searchsorted(spans[:, 1], s, side="right"))
                last = int(np.searchsorted(spans[:, 0], e, side="left"))
                lo = spans[max(first - window, 0), 0] if first < len(spans) else s
                hi = spans[min(last + window, len(spans)) - 1, 1] if last > 0 else e
                scored = text[min(lo, s):max(hi, e)]
            sums[d, f] += analyzer.polarity_scores(scored)["compound"]
            counts[d, f] += 1

    rng = np.random.default_rng(seed)
    codes, names = _group_codes(corpus, by)
    rows = []
    for g, name in enumerate(names):
        members = np.flatnonzero(codes == g)
        for f, fam in enumerate(fam_ids):
            have = members[counts[members, f] > 0]
            mean, lo, hi = bootstrap_mean(sums[have, f], counts[have, f], n_boot=n_boot, ci=ci, rng=rng)
            n = int(counts[have, f].sum())
            note = "" if n >= MIN_SENTENCES else (f"only {n} scored sentence(s)" if n else "no mention")
            if len(have) == 1 and n_boot > 0:
                # the interval resamples documents: one document gives none, however many sentences it has
                note = "; ".join(x for x in (note, "one document: no interval") if x)
            rows.append((str(name), fam, mean, lo, hi, n, len(have), note))
    out = pd.DataFrame(rows, columns=TONE_COLUMNS)
    record = provenance_record(corpus, lex, {"by": by, "window": window, "families": fam_ids, "n_boot": n_boot,
                                             "ci": ci, "seed": seed, "engine": engine, "max_tokens": max_tokens,
                                             "max_chars": max_chars,
                                             "sentiment": "VADER (NLTK) with vaderSentiment's lexicon"}, kind="tone")
    record["skipped"] = skip_summary(unit_set, "tone")
    record["sentences"] = unit_set.n_units
    return result_table(out, record)


def _group_codes(corpus: Any, by: Any) -> tuple[np.ndarray, list[str]]:
    """Each document's group code and the group names, in the order :func:`framelens.score` and
    the comparisons list them (numbers as numbers: page 9 before page 10)."""
    if not len(corpus):
        return np.zeros(0, dtype=np.int64), []
    from ..compare._tables import resolve_groups

    groups = resolve_groups(corpus, by)
    return groups.codes, groups.names


# ---------------------------------------------------------------------------------------------
# descriptors
_NOT_DESCRIPTOR = DETERMINERS | AUX | CLAUSE_STOPS | NP_PREPOSITIONS | IRREGULAR_PAST | PRESENT_VERBS | frozenset("""
and or but by to on into as than own other both all more most such so very also alongside against among beside
behind towards toward near under without within across through between beyond despite upon via per like unlike
including thanks
""".split())


def _descriptor_word(tok) -> bool:
    """Whether a word before a mention can describe it: not a function word, verb form, number or plural."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    low = tok.lower
    if not tok.is_word or low in _NOT_DESCRIPTOR or low in ENGLISH_STOP_WORDS or low[:1].isdigit() or "'" in low:
        return False
    if low.endswith("ed") and "-" not in low and low not in ADJECTIVES_IN_ED:
        return False  # a verb: "cheered", "joined" (hyphenated "Iranian-backed" stays)
    if low.endswith("s") and not low.endswith(("ous", "ss", "us", "is")) and "-" not in low:
        return False  # a plural noun: "for years the regime"
    return True


def _premodifiers(toks, k: int, limit: int = 2) -> list[int]:
    """Indices of up to ``limit`` modifier words right before token ``k`` (nearest first)."""
    out = []
    j = k - 1
    while j >= 0 and len(out) < limit and _descriptor_word(toks[j]):
        out.append(j)
        j -= 1
    if out and j >= 0 and toks[j].lower == "to":
        out.pop()  # an infinitive: "to spare civilians"
    return out


def descriptors(
    corpus: Any,
    lexicon: Any = "conflict_actors",
    by: str | Sequence[str] = "source",
    *,
    top: int = 10,
    min_count: int = 3,
    families: Sequence[str] | None = None,
    engine: str = "auto",
    max_tokens: int = MAX_TOKENS,
    max_chars: int = MAX_CHARS,
) -> ResultTable:
    """Words attached to each actor family, ranked by keyness per group.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
    by : str or list of str
        Groups to contrast (each against the others).
    top : int
        Descriptors kept per group and family (those used more than elsewhere come first).
    min_count : int
        A descriptor is kept when the group uses it at least this often for the family.
    families : list of str, optional
        Families described (default all).
    engine, max_tokens, max_chars
        As in :func:`framelens.actors.attributions`.

    Returns
    -------
    ResultTable (a DataFrame)
        ``group, family, descriptor, count, count_other, share, share_other, log_odds, z,
        cross_family, descriptor_family, example``: ``count`` is how often the group puts the
        descriptor before a mention of the family, ``share`` that over the group's mentions of the
        family; ``log_odds``/``z`` are Monroe et al.'s log-odds with informative Dirichlet prior against
        the other groups; ``cross_family`` marks a descriptor that is itself a lexicon term of
        another family (``descriptor_family``), e.g. "terrorist" before "regime". Sorted by group,
        family, then ``z`` descending. ``attrs["framelens"]`` holds the provenance
        (``kind="descriptors"``) and ``skipped``.

    Examples
    --------
    >>> import framelens
    >>> d = framelens.actors.descriptors(framelens.datasets.load_sample())
    >>> top = d.query("group == 'Karvian National Telegraph' and family == 'armed_opposition'")
    >>> top["descriptor"].iloc[0] in {"brutal", "murderous", "cruel", "savage", "criminal"}
    True
    """
    from ..compare import keyness_from_counts
    from ..scoring import as_corpus, as_lexicon

    _check_int("top", top, 1)
    _check_int("min_count", min_count, 1)
    corpus, lex = as_corpus(corpus), as_lexicon(lexicon)
    corpus.groups(by)  # validates `by` before any work
    fam_ids = _families(lex, families)
    unit_set = units(corpus, max_tokens=max_tokens, max_chars=max_chars)
    matcher, hits = lexicon_hits(corpus, lex, engine)
    texts = corpus.texts
    codes, names = _group_codes(corpus, by)
    records = []  # (group code, family, descriptor, descriptor family or None, example)
    mentions = np.zeros((len(names), len(fam_ids)))
    fam_pos = {f: i for i, f in enumerate(fam_ids)}
    per_doc = hits_per_doc(hits, len(corpus))
    for d, text, u, in_unit in units_with_hits(unit_set, texts, [start for _, start, _ in per_doc]):
        lab, start, end = per_doc[d]
        toks = tokens(text, u.start, u.end)
        tok_start = {t.start: i for i, t in enumerate(toks)}
        for pos, h in enumerate(in_unit):
            fam = matcher.family_ids[int(lab[h])]
            if fam not in fam_pos:
                continue
            mentions[codes[d], fam_pos[fam]] += 1
            s = int(start[h])
            k = tok_start.get(s)
            if k is None:
                continue
            prev_hit = in_unit[pos - 1] if pos > 0 else None
            if prev_hit is not None and text[int(end[prev_hit]):s].strip(" -\u2010\u2011") == "" \
                    and matcher.family_ids[int(lab[prev_hit])] != fam:
                # a term of another family used as a modifier: "terrorist regime"
                word = " ".join(text[int(start[prev_hit]):int(end[prev_hit])].lower().split())
                records.append((codes[d], fam, word, matcher.family_ids[int(lab[prev_hit])],
                                " ".join(text[int(start[prev_hit]):int(end[h])].split())))
                continue
            for j in _premodifiers(toks, k):
                if prev_hit is not None and toks[j].start < int(end[prev_hit]):
                    break
                records.append((codes[d], fam, toks[j].lower.replace("’", "'"), None,
                                " ".join(text[toks[j].start:int(end[h])].split())))
    columns = ["group", "family", "descriptor", "count", "count_other", "share", "share_other", "log_odds", "z",
               "cross_family", "descriptor_family", "example"]
    frame = pd.DataFrame(records, columns=["code", "family", "descriptor", "descriptor_family", "example"])
    out_parts = []
    for fam in fam_ids:
        sub = frame[frame["family"] == fam]
        if sub.empty:
            continue
        terms = sorted(sub["descriptor"].unique())
        term_pos = {t: i for i, t in enumerate(terms)}
        table = np.zeros((len(names), len(terms)))
        np.add.at(table, (sub["code"].to_numpy(), sub["descriptor"].map(term_pos).to_numpy()), 1)
        totals = np.maximum(mentions[:, fam_pos[fam]], table.sum(axis=1))
        if (totals > 0).sum() < 2:
            continue
        k = keyness_from_counts(table, terms, [str(n) for n in names], totals=totals)
        k = k[(k["count"] >= min_count) & (k["z"] > 0)]
        rank = {str(n): i for i, n in enumerate(names)}  # the groups' order (numbers as numbers)
        k = k.sort_values(["group", "z"], key=lambda c: c.map(rank) if c.name == "group" else c,
                          ascending=[True, False], kind="mergesort").groupby("group", sort=False).head(top)
        dfam = sub.dropna(subset=["descriptor_family"]).drop_duplicates("descriptor").set_index("descriptor")["descriptor_family"]
        example = sub.drop_duplicates(["code", "descriptor"]).assign(group=lambda x: [str(names[c]) for c in x["code"]])
        example = example.set_index(["group", "descriptor"])["example"]
        group_mentions = dict(zip(map(str, names), mentions[:, fam_pos[fam]]))
        total_mentions = mentions[:, fam_pos[fam]].sum()
        part = pd.DataFrame({
            "group": k["group"].to_numpy(), "family": fam, "descriptor": k["term"].to_numpy(),
            "count": k["count"].astype(int).to_numpy(), "count_other": k["count_other"].astype(int).to_numpy(),
        })
        part["share"] = part["count"] / part["group"].map(group_mentions)
        part["share_other"] = part["count_other"] / (total_mentions - part["group"].map(group_mentions))
        part["log_odds"], part["z"] = k["log_odds"].to_numpy(), k["z"].to_numpy()
        part["descriptor_family"] = part["descriptor"].map(dfam).astype(object)
        part["cross_family"] = part["descriptor_family"].notna()
        part["example"] = [example.get((g, t), "") for g, t in zip(part["group"], part["descriptor"])]
        out_parts.append(part[columns])
    out = pd.concat(out_parts, ignore_index=True) if out_parts else pd.DataFrame(columns=columns)
    if len(out):
        order = {f: i for i, f in enumerate(fam_ids)}
        rank = {str(n): i for i, n in enumerate(names)}
        out = out.sort_values(["group", "family", "z"], key=lambda s: s.map(order) if s.name == "family"
                              else s.map(rank) if s.name == "group" else s,
                              ascending=[True, True, False], kind="mergesort").reset_index(drop=True)
        out["descriptor_family"] = out["descriptor_family"].where(out["descriptor_family"].notna(), pd.NA)
    record = provenance_record(corpus, lex, {"by": by, "top": top, "min_count": min_count, "families": fam_ids,
                                             "engine": engine, "method": "log_odds_dirichlet over family mentions"},
                               kind="descriptors")
    record["skipped"] = skip_summary(unit_set, "descriptors")
    return result_table(out, record)


def plot_tone(tone_df: pd.DataFrame, *, families: Sequence[str] | None = None, ax=None):
    """Point-ranges of tone per family (rows) and group (colours), with the bootstrap intervals.

    Parameters
    ----------
    tone_df : DataFrame
        The output of :func:`tone` (``group, family, tone, lower, upper``).
    families : list of str, optional
        Families to draw (default those with at least one scored sentence).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group": ["A", "B"], "family": "gov", "tone": [0.3, -0.4], "lower": [0.1, -0.6],
    ...                   "upper": [0.5, -0.2], "n": [40, 35]})
    >>> [tk.get_text() for tk in plot_tone(t).axes[0].get_yticklabels()]
    ['gov']
    """
    from .plots import tone_ranges

    return tone_ranges(tone_df, families=families, ax=ax)


def plot_descriptors(table: pd.DataFrame, group: str, *, family: str | None = None, top: int = 8, ax=None):
    """Horizontal bars of the most distinctive descriptors of one group (by ``z``), per family.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"group": "A", "family": "gov", "descriptor": ["brutal", "cruel"], "z": [4.0, 2.5],
    ...                   "count": [12, 6], "cross_family": [False, False]})
    >>> len(plot_descriptors(d, "A").axes[0].patches)
    2
    """
    from .plots import descriptor_bars

    return descriptor_bars(table, group, family=family, top=top, ax=ax)
