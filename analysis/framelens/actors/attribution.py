"""Attribution: who is said to have said what, with which reporting verb.

:func:`attributions` finds statements attributed to a speaker — "X said …", "…, X claimed",
"according to X, …", "X denied …", ``"…," said X`` — with the speaker phrase, the actor family the
speaker belongs to (the family of a lexicon hit inside the speaker phrase) and the reporting verb
with its class: ``neutral`` (said, told, reported, according to …) or ``stance`` (claimed, alleged,
insisted, admitted, conceded, denied …), read from the stance of the verb lexicon's labels
(``neutral`` → neutral; ``stance_laden`` or any other stance → stance).

How it works, per sentence (see :mod:`framelens.actors._sentences` for the sentences):

1. Reporting verbs are the hits of the verb lexicon (built-in ``attribution``) outside quotations.
   A hit is not a report when it is used as an adjective or noun (after a determiner or a
   preposition: "the alleged attack", "reports of claimed gains"), an infinitive ("declined to
   comment"), negated ("did not say") or a passive without a "by" phrase ("it was claimed",
   "residents were told").
2. The speaker is the noun phrase before the verb (auxiliaries, adverbs and "on Monday" skipped),
   found by walking left over words until a punctuation mark, a clause word (that, which, when …)
   or an auxiliary. When that phrase is empty the speaker is looked for after the verb
   (``"…," said the army.``) or, after an appositive, before it ("Ilya Marek, a spokesman for the
   rebels, said …"). After "according to" it is the phrase that follows. A participle ("…, adding
   that …") takes the speaker of the sentence's previous statement; a passive with "by" takes the
   phrase after "by".

What it cannot see: speakers in another sentence ("He added: …" is found, with speaker "He" and no
family; pronouns are not resolved), statements without a reporting verb from the lexicon ("The army:
no civilians were hurt", "warned", "shouted"), indirect attribution through nouns ("in a statement,
the army's claim that …"), and speaker phrases longer than 14 words. Which family a speaker
belongs to is only as good as the actor lexicon: "a spokesman for the ministry of defence" has no
family unless the lexicon names the ministry.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..results import ResultTable, provenance_record, result_table
from ._sentences import (
    AUX,
    BE,
    DETERMINERS,
    MAX_CHARS,
    MAX_TOKENS,
    Token,
    actors_in,
    appositive_right,
    at_boundary,
    clause_subject,
    hits_per_doc,
    is_negation,
    left_np,
    lexicon_hits,
    phrase_actor,
    relative_antecedent,
    right_np,
    skip_auxiliaries,
    skip_summary,
    skip_time_tail,
    token_span,
    tokens,
    units,
    units_with_hits,
)

__all__ = ["attributions", "attribution_table", "plot_attribution", "COLUMNS", "VERB_CLASSES"]

COLUMNS = ["doc_id", "sentence", "speaker", "family", "verb", "verb_class", "source", "speaker_label",
           "construction", "speaker_start", "speaker_end", "verb_start", "verb_end", "sentence_text"]
VERB_CLASSES = ("neutral", "stance")

# A reporting verb right after one of these is an adjective or a noun: "the alleged attack".
_NOT_A_VERB_AFTER = DETERMINERS | frozenset("of on in for about over into against to by with without from "
                                            "'s widely".split())
# Past participles that a "be" form turns into a passive ("was denied", "were told").
_PARTICIPLE_ENDINGS = ("ed", "told", "said", "written", "quoted")
_NEGATIVE_SUBJECTS = frozenset("neither no none nobody nothing".split())


def _verb_class(stance: str | None) -> Any:
    if stance is None:
        return None
    return "neutral" if stance == "neutral" else "stance"


def _find_speaker(toks: Sequence[Token], vi: int, vj: int, verb: str, verb_tokens: set[int],
                  previous: tuple[int, int] | None) -> tuple[int, int, str] | None:
    """Speaker tokens ``(first, end)`` and construction for the verb at tokens ``vi..vj-1``, or None."""
    stops = frozenset(toks[k].lower for k in verb_tokens)  # another reporting verb ends a phrase
    if verb == "according to":
        np_ = right_np(toks, vj, stops=stops)
        if np_ is None:
            return None
        return np_[0], appositive_right(toks, np_[1], stops=stops), "according_to"

    prev = toks[vi - 1].lower if vi > 0 else ""
    if prev in _NOT_A_VERB_AFTER:
        return None  # "the alleged attack", "declined to comment", "reports of claimed gains"
    if verb.startswith("accus") and vj < len(toks) and toks[vj].lower == "of":
        return None  # "militants accused of shelling": a passive without its accuser

    j, skipped = skip_auxiliaries(toks, vi - 1)
    if any(w in ("not", "never", "no") or w.endswith("n't") for w in skipped):
        return None  # "did not say", "has never denied": no statement is reported
    participle = verb.endswith(_PARTICIPLE_ENDINGS) and not verb.startswith("quoted")
    if participle and any(w in BE for w in skipped):
        # a passive: "was denied by the ministry" names the speaker after "by"; "it was claimed" none
        k = skip_time_tail(toks, vj)
        if k < len(toks) and toks[k].lower == "by":
            np_ = right_np(toks, k + 1, stops=stops)
            if np_ is not None:
                return np_[0], np_[1], "passive_by"
        return None

    if verb.endswith("ing") and (j < 0 or toks[j].text == "," or toks[j].lower in ("while", "before", "after", "by")):
        # "…, adding that …": the participle shares the speaker of the sentence's previous statement,
        # else the subject of the main clause ("The rebels hit back, saying …")
        if previous is not None:
            return previous[0], previous[1], "participle"
        subject = clause_subject(toks, j if j >= 0 else vi, stops=stops)
        return (subject[0], subject[1], "participle") if subject is not None else None

    if j >= 1 and toks[j].lower in ("and", "or", "but"):
        # a coordinated predicate: "Moallem blamed the rebels for … and denied that …" is Moallem's, not
        # the rebels'; the speaker of the sentence's previous statement, else the main clause's subject
        if previous is not None:
            return previous[0], previous[1], "coordinated"
        subject = clause_subject(toks, j, stops=stops)
        return (subject[0], subject[1], "coordinated") if subject is not None else None

    np_ = left_np(toks, j, stops=stops) if j >= 0 else None
    if np_ is not None:
        before = toks[np_[0] - 1].lower if np_[0] > 0 else ""
        negated = np_[0] > 0 and before != "no" and is_negation(toks[np_[0] - 1])
        if before == "nor" or toks[np_[0]].lower in _NEGATIVE_SUBJECTS or negated:
            # "Neither the army nor the rebels commented"; a phrase right after a negation is no speaker
            # ("his comments did not square with Obama's stated goal")
            return None
        if before == "who":
            # "A rebel commander who survived the siege said": the relative clause belongs to the speaker
            head = relative_antecedent(toks, np_[0] - 1, stops=stops)
            if head is not None and toks[np_[0] - 2].text != ",":
                return head[0], np_[1], "speaker_before"
        return np_[0], np_[1], "speaker_before"
    if j >= 1 and toks[j].lower in ("which", "who"):
        head = relative_antecedent(toks, j, stops=stops)  # "…, the regional bloc, which said …"
        if head is not None:
            return head[0], head[1], "speaker_before"

    if j >= 0 and toks[j].text == ",":
        # "Ilya Marek, a spokesman for the rebels, said …" / "Dr Orsk, who runs the clinic, said …":
        # a name, then an appositive or relative clause between commas
        k = j - 1
        while k >= 0 and toks[k].text not in (",", ";", ":", "(", ")", '"', "“", "”"):
            k -= 1
        middle = toks[k + 1:j]
        # an auxiliary before any relative word makes it a clause, not an appositive ("a monitoring
        # group based in Lisvar", "a group that has documented abuses" are appositives)
        head = next((m for m, t in enumerate(middle) if t.lower in ("who", "which", "that", "whose", "whom")),
                    len(middle))
        # not "Two decades ago, the babies would have perished, says X": a clause, not an appositive
        appositive = not any(t.lower in AUX for t in middle[:head])
        if appositive and k >= 1 and toks[k].text == "," and k < j - 1:
            name = left_np(toks, k - 1, stops=stops)
            if name is not None and (name[0] == 0 or not toks[name[0] - 1].is_word):
                return name[0], j, "speaker_before"
    # Nothing before the verb: an inversion ('"…," said the army.', "…, said a commander.")
    np_ = right_np(toks, vj, stops=stops)
    if np_ is not None:
        end = skip_time_tail(toks, np_[1])
        if at_boundary(toks, end):
            return np_[0], appositive_right(toks, np_[1], stops=stops), "speaker_after"
    return None


def attributions(
    corpus: Any,
    lexicon: Any = "conflict_actors",
    verbs: Any = "attribution",
    *,
    engine: str = "auto",
    max_tokens: int = MAX_TOKENS,
    max_chars: int = MAX_CHARS,
) -> ResultTable:
    """Statements attributed to a speaker, with the speaker's actor family and the reporting verb.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
        Actor lexicon: a speaker belongs to the family of a hit inside the speaker phrase (the head
        of the first run of adjacent hits: in "terrorist regime" the regime).
    verbs : Lexicon or str
        Reporting-verb lexicon whose labels carry ``stance: neutral`` or another stance (built-in
        ``attribution``).
    engine : str
        Lexicon matching engine.
    max_tokens, max_chars : int
        Longer sentences are skipped (counted in ``attrs["framelens"]["skipped"]``).

    Returns
    -------
    ResultTable (a DataFrame)
        One row per attributed statement: ``doc_id, sentence`` (0-based index of the sentence in the
        document), ``speaker`` (the phrase as written), ``family`` (missing when no actor hit is in
        the speaker phrase), ``verb`` (lower case, e.g. ``"according to"``), ``verb_class``
        (``neutral``/``stance``), then ``source, speaker_label, construction`` (``speaker_before``,
        ``speaker_after``, ``according_to``, ``participle``, ``coordinated``, ``passive_by``), the character spans
        ``speaker_start, speaker_end, verb_start, verb_end`` in the document text, and
        ``sentence_text``. ``attrs["framelens"]`` holds the provenance (``kind="attributions"``) and
        ``skipped`` (sentences not analysed, per reason).

    Examples
    --------
    >>> import pandas as pd, framelens
    >>> c = framelens.read_corpus(pd.DataFrame({"text": [
    ...     'The rebels said the town had fallen. "We hold the bridge," the army claimed.'], "source": ["A"]}))
    >>> framelens.actors.attributions(c)[["speaker", "family", "verb", "verb_class"]].values.tolist()
    [['The rebels', 'armed_opposition', 'said', 'neutral'], ['the army', 'government_side', 'claimed', 'stance']]
    """
    from ..scoring import as_corpus, as_lexicon

    corpus, actors, verb_lex = as_corpus(corpus), as_lexicon(lexicon), as_lexicon(verbs)
    if not any(label.stance for _, label in verb_lex.iter_labels()):
        raise ParameterError(f"verbs: lexicon {verb_lex.name!r} has no label with a stance; the verb class comes "
                             "from the labels' stance (neutral or stance_laden)")
    unit_set = units(corpus, max_tokens=max_tokens, max_chars=max_chars)
    v_matcher, v_hits = lexicon_hits(corpus, verb_lex, engine)
    a_matcher, a_hits = lexicon_hits(corpus, actors, engine)
    v_class = [_verb_class(label.stance) for _, label in verb_lex.iter_labels()]  # matcher label order
    a_family = list(a_matcher.family_ids)
    a_label = list(a_matcher.label_ids)
    v_per_doc = hits_per_doc(v_hits, len(corpus))
    a_per_doc = hits_per_doc(a_hits, len(corpus))
    texts, ids, sources = corpus.texts, corpus.doc_ids, corpus.docs["source"].tolist()

    rows = []
    for d, text, u, in_unit in units_with_hits(unit_set, texts, [start for _, start, _ in v_per_doc]):
        v_lab, v_start, v_end = v_per_doc[d]
        sel = [h for h in in_unit if not u.in_quote(int(v_start[h]))]
        if not sel:
            continue
        toks = tokens(text, u.start, u.end)
        starts = [t.start for t in toks]
        spans = [(*token_span(toks, starts, int(v_start[h]), int(v_end[h])), h) for h in sel]
        verb_tokens = {k for vi, vj, _ in spans for k in range(vi, vj)}
        unit_actors = actors_in(u, *a_per_doc[d])
        previous = None
        for vi, vj, h in spans:
            ve = int(v_end[h])
            verb = " ".join(text[int(v_start[h]):ve].lower().split())
            found = _find_speaker(toks, vi, vj, verb, verb_tokens - set(range(vi, vj)), previous)
            if found is None:
                continue
            first, end, construction = found
            s0, s1 = toks[first].start, toks[end - 1].end
            if any(u.in_quote(p) for p in (s0, s1 - 1)):
                continue  # a "speaker" inside a quotation is part of what was said
            previous = (first, end)
            family, label = phrase_actor(unit_actors, text, s0, s1, a_family, a_label)
            rows.append((ids[d], u.sentence, " ".join(text[s0:s1].split()), family, verb,
                         v_class[int(v_lab[h])], sources[d], label, construction,
                         s0, s1, int(v_start[h]), ve, " ".join(text[u.start:u.end].split())))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("sentence", "speaker_start", "speaker_end", "verb_start", "verb_end"):
        out[col] = out[col].astype("int64")
    record = provenance_record(corpus, actors, {"verbs": verb_lex.provenance(), "engine": engine,
                                                "max_tokens": max_tokens, "max_chars": max_chars}, kind="attributions")
    record["skipped"] = skip_summary(unit_set, "attributions")
    record["sentences"] = unit_set.n_units
    record["repaired_quotes"] = unit_set.repaired
    return result_table(out, record)


def attribution_table(rows: pd.DataFrame, by: str | Sequence[str] = "source", *, families: Sequence[str] | None = None,
                      min_statements: int = 1) -> ResultTable:
    """Whose statements does each group report as "claimed" and whose as "said"?

    Parameters
    ----------
    rows : DataFrame
        The output of :func:`attributions`.
    by : str or list of str
        Columns of ``rows`` to group by (default the outlet, ``source``).
    families : list of str, optional
        Speaker families to keep (default every family found; statements without a family are
        left out).
    min_statements : int
        Rows with fewer statements are kept but flagged in ``note``.

    Returns
    -------
    ResultTable (a DataFrame)
        ``[by…], family, statements, neutral, stance, stance_share, majority, note``: counts of
        statements per verb class, the share with a stance verb and the majority class (``neutral``
        on a tie). ``attrs["framelens"]`` is the provenance of ``rows`` with ``kind="attribution_table"``
        and the table's parameters under ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"source": ["A", "A", "A"], "family": ["gov", "gov", "opp"],
    ...                      "verb_class": ["stance", "neutral", "stance"]})
    >>> attribution_table(rows)[["family", "stance_share", "majority"]].values.tolist()
    [['gov', 0.5, 'neutral'], ['opp', 1.0, 'stance']]
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in keys + ["family", "verb_class"] if c not in rows.columns]
    if missing:
        raise ParameterError(f"attribution_table: rows lack column(s) {missing}; pass the output of attributions()")
    data = rows[rows["family"].notna() & rows["verb_class"].notna()]
    if families is not None:
        data = data[data["family"].isin(list(families))]
    counts = (data.groupby(keys + ["family"], sort=True)["verb_class"].value_counts().unstack(fill_value=0)
              .reindex(columns=list(VERB_CLASSES), fill_value=0))
    out = counts.reset_index()
    out.columns.name = None
    out.insert(len(keys) + 1, "statements", out["neutral"] + out["stance"])
    out["stance_share"] = out["stance"] / out["statements"]
    out["majority"] = np.where(out["stance"] > out["neutral"], "stance", "neutral")
    out["note"] = np.where(out["statements"] < min_statements, f"fewer than {min_statements} statements", "")
    return result_table(out, dict(rows.attrs.get("framelens", {}), kind="attribution_table",
                                  table={"by": keys, "kind": "attribution_table"}))


def plot_attribution(table: pd.DataFrame, *, by: str = "source", ax=None):
    """Share of each family's statements reported with a stance verb, per group (a dot plot).

    Parameters
    ----------
    table : DataFrame
        The output of :func:`attribution_table` (``[by], family, statements, stance_share``).
    by : str
        The group column.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"source": ["A", "A", "B", "B"], "family": ["gov", "opp"] * 2,
    ...                   "statements": [10, 8, 9, 12], "stance_share": [0.8, 0.1, 0.2, 0.5]})
    >>> fig = plot_attribution(t)
    >>> fig.axes[0].get_xlabel()
    'Share of statements reported with a stance verb (claimed, denied, insisted …)'
    """
    from .plots import dot_plot

    return dot_plot(table, group=by, family="family", value="stance_share", n="statements", ax=ax,
                    xlabel="Share of statements reported with a stance verb (claimed, denied, insisted …)",
                    title="Stance verbs for each side's statements", xlim=(0.0, 1.0), percent=True)
