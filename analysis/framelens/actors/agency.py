"""Agency: who is said to have done the harm — or whether anyone is.

:func:`agency` finds the harm predicates of a text (the ``harm`` family of the built-in
``violence_casualties`` lexicon — killed, died, massacred, executed, wounded … — plus "shot dead" and
"gunned down") and classifies how each is built:

``active``
    the agent is the subject: "Air strikes killed 12", "The regime shelled the market, killing 12".
``passive_agent``
    a passive that names the agent with "by": "12 were killed by air strikes"; also when the "by"
    phrase belongs to the passive that describes the attack ("… were killed when the convoy was
    ambushed by militants").
``passive_agentless``
    a passive without an agent: "12 were killed", "Those killed included …", "30 killed in raid".
``intransitive``
    a verb with no agent at all: "12 died", "perished", "lost their lives".

The agent is the noun phrase found as in :mod:`framelens.actors.attribution` (subject to the left,
"by" phrase to the right, the antecedent of "which", the main clause's subject for "…, killing 12"),
and its family is that of the actor lexicon's hit that heads it.

What it cannot see: nominalisations ("the killing of 12", "deaths", "the death toll") are not
predicates and give no row; an agent named only in another sentence, or in an active subordinate
clause ("12 were killed when militants ambushed the convoy") is not the agent of the killing verb
(the row is ``passive_agentless``: the report's own construction hides it, which is what is measured);
pronoun agents ("they killed") are not resolved; ergative verbs outside the harm lexicon ("a bomb
exploded") are not harm predicates; an infinitive or a modal ("an order to kill", "they will kill
the hostages") is an intention, not a report, and gives no row. A negated predicate ("did not kill",
"no one was hurt") gives a row with ``negated = True`` that :func:`agency_table` leaves out by
default. Because a sentence that hides the agent does not say who it is, :func:`agency` can add
``implied_family`` (with ``story=``): the family that the reports of the same story name as agent;
the same document alone is deliberately not used (see :func:`implied_agents`).
"""
from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..results import ResultTable, provenance_record, result_table
from ._sentences import (
    AUX,
    BE,
    DAYS,
    DETERMINERS,
    LEADING_PREPOSITIONS,
    MAX_CHARS,
    MAX_TOKENS,
    Token,
    actors_in,
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
    token_span,
    tokens,
    units,
    units_with_hits,
    verb_like,
)

__all__ = ["agency", "agency_table", "implied_agents", "plot_agency", "CONSTRUCTIONS", "COLUMNS"]

CONSTRUCTIONS = ("active", "passive_agent", "passive_agentless", "intransitive")
HIDDEN = ("passive_agentless", "intransitive")
COLUMNS = ["doc_id", "sentence", "construction", "agent", "agent_family", "verb", "source", "agent_label",
           "quoted", "negated", "verb_start", "verb_end", "agent_start", "agent_end", "sentence_text"]
#: phrasal harm verbs the built-in lexicon lacks
EXTRA_VERBS = ("shot dead", "gunned down")

# Forms of the harm verbs, by what they can be. Anything else in the harm family is a noun or an
# adjective ("killings", "deaths", "the dead", "death toll", "injuries", "murderer") and gives no row.
_INTRANSITIVE = re.compile(r"^(?:die|dies|died|dying|perish|perishes|perished|perishing|"
                           r"(?:lost|lose|loses|losing) (?:their|his|her|its|our) (?:lives|life))$")
_PAST = re.compile(r"^(?:killed|massacred|slaughtered|murdered|executed|wounded|injured|shot dead|gunned down)$")
_ING = re.compile(r"^(?:killing|massacring|slaughtering|murdering|executing|wounding|injuring)$")
_PRESENT = re.compile(r"^(?:kill|kills|massacre|massacres|slaughter|slaughters|murder|murders|execute|executes|"
                      r"wound|wounds|injure|injures)$")
# Words that say a past form is a reduced passive ("were reported killed", "feared killed").
_REPORTED_PASSIVE = frozenset("reported feared believed said confirmed presumed thought known".split())
# "by" followed by one of these is about time or manner, not an agent.
_NOT_AGENT_AFTER_BY = frozenset("""
nightfall then now dawn midnight noon morning evening afternoon night the-time far mistake accident chance
""".split()) | DAYS | frozenset("january february march april may june july august september october november "
                                "december late early mid end".split())
_NUMBER_WORDS = frozenset("""
one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand thousands
dozen dozens scores score least more than some about nearly almost around over up to several many few
""".split())
_OBJECT_START = _NUMBER_WORDS | DETERMINERS | frozenset("him her them us me people civilians".split())
_CLAUSE_BREAK = frozenset([";", "—", "–", '"', "“", "”"])
# Words that end an agent phrase after "by": "by militants near Halvic on Tuesday"
_AFTER_AGENT = frozenset("in on at near outside inside during after before across around along into since "
                         "late early overnight".split())


def _agent_by(toks: Sequence[Token], k: int, stops: frozenset) -> tuple[int, int] | None:
    """The agent of a passive: the first "by" phrase after token ``k`` in the same clause, skipping
    "by nightfall"-type phrases; subordinate "when/as/after" clauses are crossed."""
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.text in _CLAUSE_BREAK:
            return None
        if t.text == "," and k + 1 < n and toks[k + 1].lower in ("which", "who", "where", "but", "while", "although"):
            return None
        if t.lower == "but":
            return None
        if t.lower == "by" and k + 1 < n:
            nxt = toks[k + 1].lower
            after = toks[k + 2].lower if k + 2 < n else ""
            if nxt in _NOT_AGENT_AFTER_BY or (nxt == "the" and after in ("time", "end", "evening", "morning")) \
                    or toks[k + 1].text[:1].isdigit():
                k += 1
                continue
            np_ = right_np(toks, k + 1, stops=stops | _AFTER_AGENT)
            if np_ is not None:
                return np_
        k += 1
    return None


def _is_object_next(toks: Sequence[Token], vj: int) -> bool:
    """Whether what follows a verb looks like its object ("killed 12 people", "killed the …")."""
    if vj >= len(toks):
        return False
    t = toks[vj]
    low = t.lower
    if t.text[:1].isdigit() or low in _OBJECT_START:
        return True
    if low == "at" and vj + 1 < len(toks) and toks[vj + 1].lower in ("least", "most"):
        return True  # "killed at least 12"
    if low in LEADING_PREPOSITIONS or low in ("and", "or", "when", "as", "while", "near", "outside", "inside",
                                              "during", "overnight", "today", "yesterday", "since", "including",
                                              "last", "this", "earlier", "later", "early", "late"):
        return False
    return t.is_word and low not in AUX and not low.endswith("ly") and not verb_like(toks, vj)


def _classify(toks: Sequence[Token], vi: int, vj: int, form: str, stops: frozenset,
              previous: dict | None) -> tuple[str, tuple[int, int] | None] | None:
    """``(construction, agent tokens)`` for the harm verb at tokens ``vi..vj-1``, or None (not a predicate)."""
    prev = toks[vi - 1].lower if vi > 0 else ""
    if _INTRANSITIVE.match(form):
        if form == "dying" and prev not in BE:
            return None  # "the dying"
        if prev in DETERMINERS:
            return None
        return "intransitive", None
    if (prev in DETERMINERS and prev != "those") or prev in ("of", "'s"):
        return None  # "the wounded", "the massacre" (but "those killed" is a passive)

    j, skipped = skip_auxiliaries(toks, vi - 1)
    while j >= 0 and toks[j].lower in _REPORTED_PASSIVE and j > 0 and (toks[j - 1].lower in AUX or toks[j - 1].lower in ("are", "were")):
        skipped.append(toks[j].lower)  # "were reported killed", "are feared killed"
        j, more = skip_auxiliaries(toks, j - 1)
        skipped += more
    coordinated = j >= 0 and toks[j].lower in ("and", "or") and previous is not None \
        and not any(w in BE for w in skipped)

    if _ING.match(form):
        if any(w in BE for w in skipped) or (skipped and not coordinated):
            agent = left_np(toks, j, stops=stops) if j >= 0 else None  # "were killing", progressive
            return "active", agent
        if coordinated:
            return previous["construction"], previous["agent_tokens"]
        if j < 0 or toks[j].text == "," or toks[j].lower in ("after", "before", "while", "by", "thereby"):
            return "active", clause_subject(toks, max(j, 0), stops=stops)  # "…, killing 12"
        return None  # a gerund or a noun: "the killing", "stopped killing"

    if _PAST.match(form):
        if coordinated:
            return previous["construction"], previous["agent_tokens"]
        if not skipped and (prev.endswith("ing") or (vi >= 2 and (toks[vi - 1].text[:1].isdigit() or prev in _NUMBER_WORDS)
                                                  and verb_like(toks, vi - 2))):
            return None  # a noun: "was treating wounded", "had treated 65 wounded"
        if any(w in BE for w in skipped) or any(w in ("get", "gets", "got") for w in skipped):
            agent = _agent_by(toks, vj, stops)
            return ("passive_agent", agent) if agent else ("passive_agentless", None)
        if _is_object_next(toks, vj):
            agent = _active_agent(toks, j, stops)
            return ("active", agent) if agent is not None else None  # else an adjective: "16 wounded fighters"
        if skipped and any(w in ("has", "have", "had", "having") for w in skipped):
            return "active", _active_agent(toks, j, stops)  # "the army has killed"
        agent = _agent_by(toks, vj, stops)  # a reduced passive: "civilians killed by …", "30 killed in raid"
        return ("passive_agent", agent) if agent else ("passive_agentless", None)

    if _PRESENT.match(form):
        if coordinated:
            return previous["construction"], previous["agent_tokens"]
        if j >= 0 and (toks[j].lower == "to" or any(w in _MODALS for w in skipped)):
            return None  # "an order to kill", "the rebels will kill the hostages": intended, not done
        agent = _active_agent(toks, j, stops)
        if agent is None or not _is_object_next(toks, vj):
            return None  # a noun: "a massacre in Tarsk"
        return "active", agent
    return None


_MODALS = frozenset("will would shall should can could may might must 'll 'd".split())
_NO_SUBJECT = frozenset("no nobody none neither nothing".split())


def _negated(toks: Sequence[Token], vi: int) -> bool:
    """Whether the harm verb at token ``vi`` is negated: "not", "never", "n't" among the auxiliaries
    before it ("did not kill", "has never killed"; not "not only"), or a subject such as "no one",
    "nobody", "no civilians" right before them."""
    j, _ = skip_auxiliaries(toks, vi - 1)
    for k in range(j + 1, vi):
        if is_negation(toks[k]) and toks[k].lower != "no" and not (k + 1 < vi and toks[k + 1].lower == "only"):
            return True
    np_ = left_np(toks, j, stops=frozenset(["and", "or"])) if j >= 0 else None
    return np_ is not None and toks[np_[0]].lower in _NO_SUBJECT


def _active_agent(toks: Sequence[Token], j: int, stops: frozenset) -> tuple[int, int] | None:
    """The subject of an active harm verb whose preceding token (auxiliaries skipped) is ``j``."""
    if j < 0:
        return None
    if toks[j].lower in ("which", "that", "who"):
        return relative_antecedent(toks, j, stops=stops)  # "the bombing, which killed nine"
    if toks[j].text == ",":
        # "The explosion, which officials blamed on the insurgents, killed nine": skip the insert
        k = j - 1
        while k >= 0 and toks[k].text not in (",", ";", ":", '"', "“", "”"):
            k -= 1
        if k >= 1 and toks[k].text == "," and toks[k + 1].lower in ("which", "who", "whose", "a", "an", "the", "now"):
            j = k - 1
        else:
            return None
    np_ = left_np(toks, j, stops=stops | frozenset(["and", "or"]), strict=True)
    if np_ is not None and all(t.lower in _NUMBER_WORDS or t.text[:1].isdigit() for t in toks[np_[0]:np_[1]] if t.is_word):
        return None
    return np_


def agency(
    corpus: Any,
    lexicon: Any = "conflict_actors",
    harm: Any = "violence_casualties",
    *,
    harm_family: str = "harm",
    extra_verbs: Sequence[str] = EXTRA_VERBS,
    story: str | None = None,
    engine: str = "auto",
    max_tokens: int = MAX_TOKENS,
    max_chars: int = MAX_CHARS,
) -> ResultTable:
    """How each report of harm is built, and who (if anyone) is named as the agent.

    Parameters
    ----------
    corpus : Corpus or DataFrame
    lexicon : Lexicon or str
        Actor lexicon (the agent's family is that of the hit heading the agent phrase).
    harm : Lexicon or str
        Lexicon holding the harm verbs (built-in ``violence_casualties``).
    harm_family : str
        The family of ``harm`` whose hits are harm predicates.
    extra_verbs : sequence of str
        Phrasal harm verbs matched in addition (default "shot dead", "gunned down"); ``()`` for none.
    story : str, optional
        A corpus column that groups reports of the same story (an event id); used to fill
        ``implied_family`` of hidden-agent rows from the story's reports (see
        :func:`implied_agents`). Without it, hidden-agent rows get no implied family.
    engine, max_tokens, max_chars
        As in :func:`framelens.actors.attributions`.

    Returns
    -------
    ResultTable (a DataFrame)
        One row per harm predicate: ``doc_id, sentence, construction, agent, agent_family, verb,
        source, agent_label, quoted`` (inside quotation marks), ``negated`` ("did not kill", "no one
        was killed"), ``verb_start, verb_end,
        agent_start, agent_end`` (-1 without an agent), ``sentence_text``, ``implied_family`` and
        ``implied_by`` (``"named"``, ``"story"`` or missing).
        ``attrs["framelens"]`` holds the provenance (``kind="agency"``); its ``skipped`` counts the
        sentences not analysed.

    Examples
    --------
    >>> import pandas as pd, framelens
    >>> c = framelens.read_corpus(pd.DataFrame({"text": [
    ...     "Rebels killed 12 soldiers. Four civilians were killed by the army. Two children died."]}))
    >>> framelens.actors.agency(c)[["construction", "agent", "agent_family"]].fillna("").values.tolist()
    [['active', 'Rebels', 'armed_opposition'], ['passive_agent', 'the army', 'government_side'], ['intransitive', '', '']]
    """
    from ..scoring import as_corpus, as_lexicon

    corpus, actors, harm_lex = as_corpus(corpus), as_lexicon(lexicon), as_lexicon(harm)
    harm_lex.family(harm_family)  # a ParameterError naming the families when absent
    if story is not None and story not in corpus.docs.columns:
        raise ParameterError(f"story: no column {story!r} in the corpus; columns: {', '.join(map(str, corpus.docs.columns))}")
    unit_set = units(corpus, max_tokens=max_tokens, max_chars=max_chars)
    h_matcher, h_hits = lexicon_hits(corpus, harm_lex, engine)
    a_matcher, a_hits = lexicon_hits(corpus, actors, engine)
    harm_labels = {i for i, f in enumerate(h_matcher.family_ids) if f == harm_family}
    extra = re.compile(r"(?<!\w)(?:" + "|".join(r"[\s\-]+".join(map(re.escape, v.split())) for v in extra_verbs) + r")(?!\w)",
                       re.IGNORECASE) if extra_verbs else None
    a_family, a_label = list(a_matcher.family_ids), list(a_matcher.label_ids)
    h_per_doc = hits_per_doc(h_hits, len(corpus))
    a_per_doc = hits_per_doc(a_hits, len(corpus))
    texts, ids, sources = corpus.texts, corpus.doc_ids, corpus.docs["source"].tolist()

    # the harm predicates of each document: (start, end), sorted, without repeats
    cands = []
    for text, (h_lab, h_start, h_end) in zip(texts, h_per_doc):
        cand = [(int(s), int(e)) for lab, s, e in zip(h_lab, h_start, h_end) if int(lab) in harm_labels]
        if extra is not None:
            cand += [m.span() for m in extra.finditer(text)]
        cands.append(sorted(set(cand)))
    cand_starts = [np.asarray([s for s, _ in cand], dtype=np.int64) for cand in cands]

    rows = []
    for d, text, u, in_unit in units_with_hits(unit_set, texts, cand_starts):
        cand = cands[d]
        toks = tokens(text, u.start, u.end)
        starts = [t.start for t in toks]
        unit_actors = actors_in(u, *a_per_doc[d])
        previous = None
        for ci in in_unit:
            s, e = cand[ci]
            if any(s < pe and e > ps for ps, pe in cand[:ci] if ps != s):
                continue  # inside a longer candidate ("shot dead" vs "dead")
            vi, vj = token_span(toks, starts, s, e)
            form = " ".join(text[s:e].lower().replace("-", " ").split())
            found = _classify(toks, vi, vj, form, frozenset(), previous)
            if found is None:
                continue
            construction, agent_toks = found
            # "had not killed or injured": a verb coordinated with a negated one is negated too
            negated = _negated(toks, vi) or (previous is not None and previous["negated"] and vi > 0
                                             and toks[vi - 1].lower in ("and", "or"))
            previous = {"construction": construction, "agent_tokens": agent_toks, "negated": negated}
            if agent_toks is not None:
                g0, g1 = toks[agent_toks[0]].start, toks[agent_toks[1] - 1].end
                agent = " ".join(text[g0:g1].split())
                fam, lab = phrase_actor(unit_actors, text, g0, g1, a_family, a_label)
            else:
                g0 = g1 = -1
                agent, fam, lab = None, None, None
            rows.append((ids[d], u.sentence, construction, agent, fam, " ".join(text[s:e].lower().split()),
                         sources[d], lab, u.in_quote(s), negated, s, e, g0, g1,
                         " ".join(text[u.start:u.end].split())))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("sentence", "verb_start", "verb_end", "agent_start", "agent_end"):
        out[col] = out[col].astype("int64")
    out["quoted"] = out["quoted"].astype(bool)
    out["negated"] = out["negated"].astype(bool)
    out = implied_agents(out, corpus, story=story)
    record = provenance_record(corpus, actors, {"harm": harm_lex.provenance(), "harm_family": harm_family,
                                                "extra_verbs": list(extra_verbs), "story": story, "engine": engine,
                                                "max_tokens": max_tokens, "max_chars": max_chars}, kind="agency")
    record["skipped"] = skip_summary(unit_set, "agency")
    record["sentences"] = unit_set.n_units
    record["repaired_quotes"] = unit_set.repaired
    return result_table(out, record)


def implied_agents(rows: pd.DataFrame, corpus: Any = None, *, story: str | None = None,
                   min_named: int = 3, majority: float = 0.6) -> pd.DataFrame:
    """Fill ``implied_family``: who the reports of a story name as the agent of harm.

    A row with a named agent implies its own family (``implied_by = "named"``). A row that hides the
    agent (``passive_agentless``, ``intransitive``) gets the family that the reports of the same story
    name as agent, when ``story`` names a corpus column grouping reports by story (an
    event id), at least ``min_named`` harm rows of the story name an agent with a family, and one
    family holds at least ``majority`` of them (``implied_by = "story"``). Otherwise it stays missing:
    in a battle where both sides kill, nobody can tell from the text whom the hiding report spares.
    Negated rows (``negated``: "the army did not kill anyone", "no one died") report no harm: they do
    not count toward a story's agent, and a negated hidden row gets no implied family.

    The same document is deliberately not used on its own: a report that names one side's killings
    and hides the other's ("Rebels killed 12 soldiers. Five civilians died in the shelling.") would
    otherwise lend its hidden deaths to the side it named.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "construction": ["active", "active", "active", "intransitive"],
    ...                      "agent_family": ["gov", "gov", "gov", pd.NA]})
    >>> docs = pd.DataFrame({"doc_id": list("abcd"), "event": "E1"})
    >>> implied_agents(rows, docs, story="event")[["implied_family", "implied_by"]].values.tolist()
    [['gov', 'named'], ['gov', 'named'], ['gov', 'named'], ['gov', 'story']]
    """
    out = rows.copy()
    named = out["agent_family"].notna()
    negated = out["negated"].astype(bool) if "negated" in out.columns else pd.Series(False, index=out.index)
    out["implied_family"] = [f if ok else None for f, ok in zip(out["agent_family"], named)]
    out["implied_by"] = ["named" if ok else None for ok in named]
    if story is not None and len(out):
        docs = corpus.docs if hasattr(corpus, "docs") else corpus
        # an empty value is no story (as in framelens.compare.stories): documents without one must not
        # be pooled into a story of their own
        values = docs[story].astype("string").str.strip()
        values = values.where(values.notna() & values.ne(""))
        story_of = pd.Series(values.to_numpy(dtype=object, na_value=None), index=docs["doc_id"].astype(str).to_numpy())
        stories = out["doc_id"].astype(str).map(story_of)
        doing = named & ~negated  # "the army did not kill anyone" names nobody as doing harm
        counts = pd.crosstab(stories[doing], out.loc[doing, "agent_family"])
        fam = {}
        for key, row in counts.iterrows():
            total = row.sum()
            if total >= min_named and row.max() >= majority * total:
                fam[key] = row.idxmax()
        hidden = out["construction"].isin(HIDDEN) & ~named & ~negated
        implied = stories.map(fam)
        take = hidden & implied.notna()
        out.loc[take, "implied_family"] = implied[take]
        out.loc[take, "implied_by"] = "story"
    return out


def agency_table(rows: pd.DataFrame, by: str | Sequence[str] = "source", *, family_column: str = "implied_family",
                 include_quoted: bool = False, include_negated: bool = False) -> ResultTable:
    """Per group and actor family: how harm done by that family is reported.

    Parameters
    ----------
    rows : DataFrame
        The output of :func:`agency`.
    by : str or list of str
        Columns of ``rows`` to group by (default ``source``).
    family_column : str
        ``"implied_family"`` (default: named agents plus hidden ones implied by the story) or
        ``"agent_family"`` (named agents only).
    include_quoted : bool
        Count harm predicates inside quotation marks (a witness's "they killed my father") too.
    include_negated : bool
        Count negated harm predicates ("the army did not kill anyone", "no one was hurt") too: by
        default they are left out, since they report harm that did not happen.

    Returns
    -------
    ResultTable (a DataFrame)
        ``[by…], family, active, passive_agent, passive_agentless, intransitive, reports, named,
        named_share, hidden_share, majority``: ``named`` counts the reports that name the family as
        agent, ``named_share`` is that over all the group's reports naming any agent family (how often
        this side is the one named as doing harm), ``hidden_share`` the share of the family's reports
        that hide the agent, ``majority`` the most frequent construction (earlier in
        :data:`CONSTRUCTIONS` on a tie). ``attrs["framelens"]`` is the provenance of ``rows`` with
        ``kind="agency_table"`` and the table's parameters under ``table``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"source": "A", "construction": ["active", "active", "intransitive"],
    ...                      "implied_family": ["gov", "opp", "opp"], "agent_family": ["gov", "opp", pd.NA],
    ...                      "quoted": False})
    >>> agency_table(rows)[["family", "named", "named_share", "hidden_share", "majority"]].values.tolist()
    [['gov', 1, 0.5, 0.0, 'active'], ['opp', 1, 0.5, 0.5, 'active']]
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in keys + ["construction", family_column, "agent_family"] if c not in rows.columns]
    if missing:
        raise ParameterError(f"agency_table: rows lack column(s) {missing}; pass the output of agency()")
    data = rows if include_quoted or "quoted" not in rows.columns else rows[~rows["quoted"].astype(bool)]
    if not include_negated and "negated" in data.columns:
        data = data[~data["negated"].astype(bool)]
    data = data[data[family_column].notna()]
    counts = (data.groupby(keys + [family_column], sort=True)["construction"].value_counts().unstack(fill_value=0)
              .reindex(columns=list(CONSTRUCTIONS), fill_value=0))
    out = counts.reset_index().rename(columns={family_column: "family"})
    out.columns.name = None
    out["reports"] = out[list(CONSTRUCTIONS)].sum(axis=1)
    out["named"] = out["active"] + out["passive_agent"]
    total_named = out.groupby(keys)["named"].transform("sum")
    out["named_share"] = out["named"] / total_named.where(total_named > 0)
    out["hidden_share"] = (out["passive_agentless"] + out["intransitive"]) / out["reports"]
    out["majority"] = out[list(CONSTRUCTIONS)].idxmax(axis=1)
    return result_table(out, dict(rows.attrs.get("framelens", {}), kind="agency_table",
                                  table={"by": keys, "family_column": family_column, "include_quoted": include_quoted,
                                         "include_negated": include_negated}))


def plot_agency(table: pd.DataFrame, *, by: str = "source", ax=None):
    """Stacked bars: for each group and family, the shares of the four constructions.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`agency_table`.
    by : str
        The group column.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"source": ["A", "A"], "family": ["gov", "opp"], "active": [8, 1], "passive_agent": [1, 1],
    ...                   "passive_agentless": [1, 5], "intransitive": [0, 3]})
    >>> len(plot_agency(t).axes[0].patches)
    8
    """
    from .plots import stacked_constructions

    return stacked_constructions(table, group=by, columns=CONSTRUCTIONS,
                                 title="How each side's harm is reported",
                                 xlabel="Share of casualty reports with this side as (named or implied) agent")
