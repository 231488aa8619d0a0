"""The fictional Karvia corpus: committed files, structure, variety, and the answer key against the text.

The checks read the text with this file's own regular expressions (an oracle independent of the
generator's templates), the built-in lexicon's matcher and VADER, and compare with what the
generator recorded in ``answer_key.csv``, ``annotations.csv`` and ``mentions.csv``.
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pytest

from framelens.datasets import sample_generator as gen

ROOT = Path(__file__).resolve().parents[1]
KARVIA = ROOT / "corpora" / "karvia"

# Surface forms as the text writes them: (family, label) -> regex. Terms outside the lexicon too.
SURFACE = {
    ("armed_opposition", "moderate_opposition"): r"moderate rebels",
    ("armed_opposition", "rebels"): r"(?<!moderate )rebel(?:s| fighters)",
    ("armed_opposition", "insurgents"): r"insurgents",
    ("armed_opposition", "opposition"): r"opposition fighters|armed opposition",
    ("armed_opposition", "freedom_fighters"): r"freedom fighters",
    ("armed_opposition", "terrorists"): r"terrorists",
    ("armed_opposition", "militants"): r"militants",
    ("armed_opposition", "extremists"): r"extremists",
    ("armed_opposition", "armed_gangs"): r"armed gangs",
    ("armed_opposition", "resistance"): r"resistance",
    ("armed_opposition", "bandits"): r"bandits",
    ("government_side", "army"): r"army(?: units)?",
    ("government_side", "government_forces"): r"government (?:forces|troops)",
    ("government_side", "government"): r"government(?! forces| troops)",
    ("government_side", "regime_forces"): r"regime forces",
    ("government_side", "regime"): r"regime(?! forces)",
    ("government_side", "loyalists"): r"loyalist forces|loyalists",
    ("government_side", "security_forces"): r"security forces",
    ("government_side", "junta"): r"junta",
    ("government_side", "patriots"): r"patriots",
    ("foreign_forces_militias", "militias"): r"militias",
    ("foreign_forces_militias", "mercenaries"): r"mercenaries",
    ("foreign_forces_militias", "foreign_fighters"): r"foreign fighters",
    ("foreign_forces_militias", "death squads"): r"death squads",
    ("jihadist_groups", "islamic_state"): r"Islamic State(?: group)?",
    ("jihadist_groups", "isis"): r"ISIS",
    ("jihadist_groups", "daesh"): r"Daesh",
    ("civilians", "women_and_children"): r"women and children",
    ("civilians", "civilians"): r"civilians",
    ("civilians", "residents"): r"residents",
    ("civilians", "children"): r"(?<!women and )children",
}
TERMS = {"resistance", "bandits", "junta", "patriots", "death squads"}
ORACLE = {key: re.compile(rf"\b(?:{rx})\b", re.IGNORECASE) for key, rx in SURFACE.items()}
NEUTRAL = {"said", "told", "stated", "reported", "according to"}
STANCE = {"claimed", "alleged", "insisted", "admitted", "conceded", "denied"}
SIDES = ("armed_opposition", "government_side")


def family_regex(family: str, lexicon_only: bool = False) -> re.Pattern:
    parts = [rx for (fam, label), rx in SURFACE.items() if fam == family and not (lexicon_only and label in TERMS)]
    return re.compile(rf"\b(?:{'|'.join(parts)})\b", re.IGNORECASE)


def oracle_mentions(text: str) -> list[tuple[int, int, str, str]]:
    return sorted((m.start(), m.end(), fam, label) for (fam, label), rx in ORACLE.items() for m in rx.finditer(text))


# -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fresh():
    start = time.perf_counter()
    sample = gen.generate()
    return sample, time.perf_counter() - start


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    if not (KARVIA / "reports.csv").is_file():
        pytest.skip("corpora/karvia is not in this checkout")
    read = lambda name: pd.read_csv(KARVIA / name, dtype=str, keep_default_na=False)  # noqa: E731
    reports = read("reports.csv")
    ann = read("annotations.csv")
    for col in ("sentence", "start", "end"):
        ann[col] = ann[col].astype(int)
    ment = read("mentions.csv")
    for col in ("sentence", "start", "end"):
        ment[col] = ment[col].astype(int)
    return {"reports": reports, "key": read("answer_key.csv"), "ann": ann, "ment": ment}


@pytest.fixture(scope="module")
def sentences(tables) -> pd.DataFrame:
    """Every sentence with its text and source, from the annotation spans."""
    reports = tables["reports"].set_index("doc_id")
    ann = tables["ann"].copy()
    ann["text"] = [reports.at[d, "text"][s:e] for d, s, e in zip(ann["doc_id"], ann["start"], ann["end"])]
    ann["source"] = ann["doc_id"].map(reports["source"])
    return ann


def key_value(key: pd.DataFrame, source: str, dimension: str, family: str) -> str:
    rows = key[(key["source"] == source) & (key["dimension"] == dimension) & (key["family"] == family)]
    assert len(rows) == 1, (source, dimension, family)
    return rows["planted"].iloc[0]


# -------------------------------------------------------------------------------------------------
def test_committed_files_equal_fresh_generator_output_byte_for_byte(fresh):
    sample, seconds = fresh
    if not (KARVIA / "reports.csv").is_file():
        pytest.skip("corpora/karvia is not in this checkout")
    for name, table in sample.tables().items():
        assert (KARVIA / name).read_bytes() == gen.to_csv_bytes(table), f"{name} differs: rerun the generator"
    assert seconds < 5, f"generation took {seconds:.1f} s"


def test_generation_is_deterministic_and_the_seed_matters(fresh):
    sample, _ = fresh
    again = gen.generate(gen.SEED)
    pd.testing.assert_frame_equal(sample.reports, again.reports)
    other = gen.generate(gen.SEED + 1)
    assert not other.reports["text"].equals(sample.reports["text"])


def test_shape_outlets_events_dates_and_leans(tables):
    r = tables["reports"]
    assert list(r.columns) == ["doc_id", "source", "date", "title", "text", "event", "lean"]
    assert r["doc_id"].is_unique
    per_outlet = r["source"].value_counts()
    assert len(per_outlet) == 6 and per_outlet.between(48, 66).all(), per_outlet
    assert r["event"].nunique() == 16
    assert (r.groupby("source")["event"].nunique() == 16).all()  # all outlets report the same stories
    assert r.groupby("lean")["source"].nunique().to_dict() == {"neutral": 2, "pro_government": 2, "pro_opposition": 2}
    event_day = {e.id: pd.Timestamp(e.day) for e in gen.EVENTS}
    lag = (pd.to_datetime(r["date"]) - r["event"].map(event_day)).dt.days
    assert lag.between(0, 2).all() and set(lag) == {0, 1, 2}
    assert (r["title"].str.len() > 10).all()


def test_reports_are_articles_of_5_to_12_sentences_in_paragraphs(tables, sentences):
    r = tables["reports"].set_index("doc_id")
    n = sentences.groupby("doc_id").size()
    assert n.between(5, 12).all() and n.min() == 5 and n.max() == 12
    assert r["text"].str.contains("\n\n").all()
    # The sentence spans tile each text exactly: sentences joined by a space or a paragraph break.
    for doc_id, group in sentences.groupby("doc_id"):
        text, pos = r.at[doc_id, "text"], 0
        for s, e in zip(group["start"], group["end"]):
            assert text[pos:s] in ("", " ", "\n\n")
            pos = e
        assert pos == len(text)


def test_no_two_reports_alike_after_masking_numbers_names_and_labels(tables, sentences):
    actors = re.compile("|".join(rx.pattern for rx in ORACLE.values()), re.IGNORECASE)

    def mask(s: str) -> str:
        s = actors.sub("<A>", s)
        s = re.sub(r"\d[\d,.]*", "<N>", s)
        return re.sub(r"\b[A-Z][a-z]+\b", "<C>", s)  # names (and sentence-initial words)

    skeletons = sentences.assign(masked=sentences["text"].map(mask)).groupby("doc_id")["masked"].apply(tuple)
    assert skeletons.is_unique
    # A rich grammar: hundreds of distinct sentence shapes, and no shape dominates.
    counts = Counter(m for seq in skeletons for m in seq)
    assert len(counts) > 800
    assert counts.most_common(1)[0][1] < 0.05 * len(sentences)


def test_mentions_file_lists_exactly_what_the_text_says(tables):
    reports = tables["reports"].set_index("doc_id")["text"]
    recorded = defaultdict(list)
    for d, s, e, fam, label in tables["ment"][["doc_id", "start", "end", "family", "label"]].itertuples(index=False):
        recorded[d].append((s, e, fam, label))
    for doc_id, text in reports.items():
        assert sorted(recorded[doc_id]) == oracle_mentions(text), doc_id
    m = tables["ment"]
    assert all(t == s for t, s in zip(m["surface"], [reports[d][a:b] for d, a, b in zip(m["doc_id"], m["start"], m["end"])]))
    assert set(m.loc[m["in_lexicon"] == "false", "label"]) == TERMS


def test_lexicon_mentions_are_exactly_the_builtin_lexicon_hits(tables):
    from framelens.lexicon import load_lexicon
    from framelens.matching import compile_lexicon

    matcher = compile_lexicon(load_lexicon("conflict_actors"))
    m = tables["ment"]
    m = m[m["in_lexicon"] == "true"]
    recorded = set(zip(m["doc_id"], m["start"], m["end"], m["label"]))
    found = {(d, s, e, matcher.label_ids[i])
             for d, text in zip(tables["reports"]["doc_id"], tables["reports"]["text"]) for i, s, e in matcher.find(text)}
    assert found == recorded
    for term in TERMS:  # the discovery terms are unknown to the lexicon
        assert matcher.find(f"The {term} attacked.") == []


def test_label_key_is_the_most_frequent_surface_in_each_outlet(tables):
    r, key = tables["reports"], tables["key"]
    for source, texts in r.groupby("source")["text"]:
        counts = Counter()
        for text in texts:
            counts.update((fam, label) for _, _, fam, label in oracle_mentions(text) if label not in TERMS)
        for family in (*SIDES, "jihadist_groups"):
            fam_counts = {label: n for (fam, label), n in counts.items() if fam == family}
            top = max(fam_counts, key=fam_counts.get)
            assert key_value(key, source, "label", family) == top
            share = fam_counts[top] / sum(fam_counts.values())
            if family in SIDES:  # the house choice, with noise from the other labels
                assert 0.6 <= share <= 0.85, (source, family, share)
    # distinct planted pairs across outlets
    pairs = key[key["dimension"] == "label"].pivot(index="source", columns="family", values="planted")
    assert not pairs[list(SIDES)].duplicated().any()
    assert pairs["armed_opposition"].nunique() == 6


def test_attribution_annotations_match_the_text_and_the_key(tables, sentences):
    att = sentences[(sentences["kind"] == "attribution") & sentences["family"].isin(SIDES)]
    reports = tables["reports"].set_index("doc_id")["text"]
    assert len(att) > 500
    for row in att.itertuples():
        text = reports[row.doc_id]
        verb = text[int(row.verb_start):int(row.verb_end)].lower()
        assert verb == row.verb
        assert row.verb_class == ("neutral" if verb in NEUTRAL else "stance" if verb in STANCE else None)
        speaker = text[int(row.span_start):int(row.span_end)]
        assert int(row.start) <= int(row.span_start) < int(row.span_end) <= int(row.end)
        assert family_regex(row.family, lexicon_only=True).search(speaker), speaker
        assert ORACLE[row.family, row.label].search(speaker)
    assert set(att["verb"]) == NEUTRAL | STANCE
    assert att["construction"].nunique() >= 7
    majority = att.groupby(["source", "family"])["verb_class"].agg(lambda s: s.value_counts().idxmax())
    for (source, family), cls in majority.items():
        assert key_value(tables["key"], source, "attribution", family) == cls
    # The planted contrast: the pro-government outlets doubt the armed opposition, and vice versa.
    assert majority["Karvian National Telegraph", "armed_opposition"] == "stance"
    assert majority["Free Karvia Voice", "government_side"] == "stance"
    assert majority["Orvane Wire", "armed_opposition"] == majority["Orvane Wire", "government_side"] == "neutral"


def classify_voice(sentence: str, family: str) -> str:
    """An independent reading of a casualty sentence's construction."""
    if re.search(r"\b(died|lost their lives|perished)\b", sentence):
        return "intransitive"
    if re.search(r"\bwere (killed|shot dead|massacred|executed)\b", sentence):
        by_agent = re.search(rf"\bby\b[^.]*?(?:{family_regex(family).pattern})", sentence, re.IGNORECASE)
        return "passive_agent" if by_agent else "passive_agentless"
    return "active"


def test_casualty_annotations_match_the_text_and_the_voice_key(sentences, tables):
    cas = sentences[(sentences["kind"] == "casualty") & sentences["family"].isin(SIDES)]
    assert len(cas) > 250
    read = [classify_voice(t, f) for t, f in zip(cas["text"], cas["family"])]
    assert read == cas["construction"].tolist()
    for text, family, construction in zip(cas["text"], cas["family"], cas["construction"]):
        named = bool(family_regex(family).search(text))
        assert named == (construction in ("active", "passive_agent")), text  # agency hidden = side unnamed
    majority = cas.groupby(["source", "family"])["construction"].agg(lambda s: s.value_counts().idxmax())
    for (source, family), construction in majority.items():
        assert key_value(tables["key"], source, "voice", family) == construction
    assert majority["Karvian National Telegraph", "government_side"] == "intransitive"
    assert majority["Karvian National Telegraph", "armed_opposition"] == "active"
    assert majority["Free Karvia Voice", "government_side"] == "active"


def test_tone_key_is_the_sign_of_vader_over_sentences_mentioning_each_side(sentences, tables):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    key = tables["key"]
    leans = tables["reports"].drop_duplicates("source").set_index("source")["lean"]
    for family in SIDES:
        rx = family_regex(family)
        mentioning = sentences[sentences["text"].map(lambda s: bool(rx.search(s)))]
        means = mentioning.groupby("source")["text"].agg(
            lambda texts: sum(vader.polarity_scores(t)["compound"] for t in texts) / len(texts))
        for source, mean in means.items():
            planted = key_value(key, source, "tone", family)
            assert planted == ("positive" if mean > 0 else "negative")
            note = key.query("source == @source and dimension == 'tone' and family == @family")["note"].iloc[0]
            assert f"{mean:+.3f}" in note
            favoured = {"pro_opposition": "armed_opposition", "pro_government": "government_side"}.get(leans[source])
            if favoured:  # partisan outlets: clearly positive toward their side, negative toward the other
                assert (mean > 0.1) if family == favoured else (mean < -0.1), (source, family, mean)


def test_story_selection_is_planted_in_one_outlet_only(tables):
    r, key = tables["reports"], tables["key"]
    kind = {e.id: e.kind for e in gen.EVENTS}
    counts = r.assign(kind=r["event"].map(kind)).groupby(["source", "kind"]).size().unstack(fill_value=0)
    ratio = counts["opp_atrocity"] / counts["gov_atrocity"]
    sel = key[key["dimension"] == "selection"]
    assert sel[["source", "family", "planted"]].values.tolist() == [["Karvia Sentinel", "armed_opposition", "overcovered"]]
    assert ratio["Karvia Sentinel"] >= 3 and ratio.drop("Karvia Sentinel").max() < 3


def test_discovery_terms_are_frequent_distinctive_and_listed(tables):
    r, key = tables["reports"], tables["key"]
    disc = key[key["dimension"] == "discovery"]
    assert set(disc["planted"]) == TERMS
    n_reports = r["source"].value_counts()
    for row in disc.itertuples():
        rx = ORACLE[row.family, row.planted]
        uses = r.groupby("source")["text"].agg(lambda texts: sum(len(rx.findall(t)) for t in texts))
        assert uses[row.source] >= 20
        rate = uses / n_reports
        assert rate[row.source] >= 5 * rate.drop(row.source).max()


def test_slant_ranks_follow_the_outlets_lean(tables):
    key, r = tables["key"], tables["reports"]
    slant = key[key["dimension"] == "slant"].set_index("source")["planted"].astype(int)
    assert sorted(slant) == [1, 2, 3, 4, 5, 6]
    assert (key.loc[key["dimension"] == "slant", "family"] == "").all()
    lean = r.drop_duplicates("source").set_index("source")["lean"]
    by_lean = slant.groupby(lean).apply(sorted).to_dict()
    assert by_lean == {"pro_opposition": [1, 2], "neutral": [3, 4], "pro_government": [5, 6]}


def test_key_realises_every_intended_house_choice(tables):
    assert gen.design_deviations(tables["key"]) == []


def test_key_derivation_reads_the_records_it_is_given(fresh):
    """Changing what was 'written' changes the key: the key is derived, not restated."""
    sample, _ = fresh
    ann = sample.annotations.copy()
    telegraph = set(sample.reports.loc[sample.reports["source"] == "Karvian National Telegraph", "doc_id"])
    flip = ann["doc_id"].isin(telegraph) & (ann["kind"] == "attribution") & (ann["family"] == "armed_opposition")
    ann.loc[flip, "verb_class"] = "neutral"
    key = gen.derive_answer_key(sample.reports, ann, sample.mentions)
    assert key_value(key, "Karvian National Telegraph", "attribution", "armed_opposition") == "neutral"
    assert key_value(sample.answer_key, "Karvian National Telegraph", "attribution", "armed_opposition") == "stance"


def test_sentence_splitter_agrees_with_the_annotated_sentences(tables, sentences):
    text_mod = pytest.importorskip("framelens.text")
    reports = tables["reports"].set_index("doc_id")["text"]
    agree = total = 0
    for doc_id, group in sentences.groupby("doc_id"):
        spans = {(s, e) for s, e in text_mod.sentence_spans(reports[doc_id])}
        truth = set(zip(group["start"], group["end"]))
        agree += len(spans & truth)
        total += len(truth)
    assert agree / total > 0.95


def test_readme_declares_the_corpus_fictional_and_names_seed_outlets_and_events(tables):
    readme = (KARVIA / "README.md").read_text(encoding="utf-8")
    assert "fictional" in readme.lower() and str(gen.SEED) in readme
    assert "python -m framelens.datasets.sample_generator --out corpora/karvia" in readme
    for source in tables["reports"]["source"].unique():
        assert source in readme
    for event in tables["reports"]["event"].unique():
        assert event in readme
    assert f"{len(tables['reports'])} reports" in readme
    # the outlet table quotes the realised house-label shares of the answer key
    key = tables["key"]
    for source in tables["reports"]["source"].unique():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {source} |"))
        quoted = [int(x) for x in re.findall(r"\((\d+) %", row)][:2]
        notes = key[(key["source"] == source) & (key["dimension"] == "label")].set_index("family")["note"]
        shares = [int(re.search(r"\((\d+)%\)", notes[fam]).group(1)) for fam in SIDES]
        assert quoted == shares, source
