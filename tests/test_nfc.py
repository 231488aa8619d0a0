"""Texts in decomposed Unicode (NFD) are matched and counted as their composed form (NFC), with
offsets in the text as written (framelens._nfc)."""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import framelens
from framelens._nfc import COMPOSING_STARTERS, NfcText, nfc_texts
from framelens.lexicon.model import Family, Label, Lexicon, Pattern
from framelens.matching import available_engines, compile_lexicon
from framelens.text import count_tokens, count_tokens_many

# Characters whose normalisation is hard: combining marks (in and out of canonical order),
# precomposed letters, singletons (Ångström sign, Ohm sign), Hangul jamo that compose with the
# syllable before them, Indic vowel signs that compose with a starter before them, starters that
# NFC expands (U+0F73, U+FB2A), an astral one that decomposes (U+1D15E), and plain text around them.
HARD = ("a", "e", "g", "o", "A", " ", ".", "-", "\u0301", "\u0306", "\u0308", "\u0323", "\u0327", "\u031b",
        "\u00e9", "\u011f", "\u212b", "\u2126", "\u1100", "\u1161", "\u11a8", "\uac00", "\u0b47", "\u0b3e",
        "\u0b57", "\u0cc6", "\u0cc2", "\u0f73", "\ufb2a", "\U0001d15e", "\u0344", "\u1e0b", "x", "\u212a",
        "\uf900", "\u0f71", "\u0f72")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(HARD), max_size=30).map("".join))
def test_pieces_normalised_alone_make_the_nfc_of_the_text(text):
    nfc = NfcText(text)
    assert nfc.text == unicodedata.normalize("NFC", text)
    # every span of the NFC text maps to a span of the original, in order, within bounds
    n = len(nfc.text)
    starts = np.arange(n)
    ends = starts + 1
    a, b = nfc.original_offsets(starts, ends)
    assert np.all((0 <= a) & (a < b) & (b <= len(text)))
    assert np.all(np.diff(a) >= 0) and np.all(np.diff(b) >= 0)
    # the NFC characters mapped to one stretch of the original are exactly its NFC form, and the
    # stretches tile the original: offsets are exact up to a letter and its marks
    groups: dict[tuple[int, int], str] = {}
    for s, oa, ob in zip(starts, a, b):
        groups[(int(oa), int(ob))] = groups.get((int(oa), int(ob)), "") + nfc.text[s]
    assert all(unicodedata.normalize("NFC", text[oa:ob]) == chars for (oa, ob), chars in groups.items())
    spans = sorted(groups)
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:]))


def test_nfc_texts_leaves_nfc_input_as_it_is():
    texts = ["plain ascii", "café (composed)", ""]
    out, maps = nfc_texts(texts)
    assert out is texts and maps == {}


def _lexicon() -> Lexicon:
    return Lexicon("nfc", "1", (Family("people", (
        Label("erdogan", (Pattern("Erdoğan"),)),
        Label("cafe", (Pattern("café"),)),
        Label("ha_seoul", (Pattern("한국"),)),
    )),))


NFC_TEXTS = ["Erdoğan said the café was hit.", "A naïve résumé of Erdoğan's visit to 한국 and a café.",
             "No accent here, Erdogan and cafe."]


@pytest.mark.parametrize("engine", available_engines())
def test_decomposed_text_matches_as_composed_with_offsets_into_the_text_as_written(engine):
    nfd = [unicodedata.normalize("NFD", t) for t in NFC_TEXTS]
    assert nfd[:2] != NFC_TEXTS[:2]  # (the test is about texts that differ)
    matcher = compile_lexicon(_lexicon(), engine)
    composed, decomposed = matcher.find_many(NFC_TEXTS), matcher.find_many(nfd)
    assert decomposed.label.tolist() == composed.label.tolist() and decomposed.doc.tolist() == composed.doc.tolist()
    for d, s, e, label in zip(decomposed.doc, decomposed.start, decomposed.end, decomposed.label):
        written = nfd[d][s:e]
        assert unicodedata.normalize("NFC", written) == {0: "Erdoğan", 1: "café", 2: "한국"}[label]
    # before this, an NFD text had no hit of an accented pattern
    assert len(decomposed.doc) == 5


def test_decomposed_text_in_match_score_and_kwic():
    nfd = [unicodedata.normalize("NFD", t) for t in NFC_TEXTS]
    corpus = framelens.read_corpus(pd.DataFrame({"text": nfd, "source": ["A", "B", "C"]}))
    hits = framelens.match(corpus, _lexicon())
    assert [unicodedata.normalize("NFC", m) for m in hits["matched"]] == ["Erdoğan", "café", "Erdoğan", "한국", "café"]
    assert all(corpus.texts[int(d) - 1][s:e] == m for d, s, e, m in
               zip(hits["doc_id"], hits["start"], hits["end"], hits["matched"]))
    composed = framelens.score(framelens.read_corpus(pd.DataFrame({"text": NFC_TEXTS, "source": ["A", "B", "C"]})),
                               _lexicon())
    scored = framelens.score(corpus, _lexicon())
    pd.testing.assert_frame_equal(pd.DataFrame(scored).drop(columns="doc_id"),
                                  pd.DataFrame(composed).drop(columns="doc_id"))
    k = framelens.kwic(corpus, "café", window=2)
    assert len(k) == 2 and unicodedata.normalize("NFC", k["keyword"].iloc[0]) == "café"


def test_tokens_of_a_decomposed_text_are_those_of_the_composed_one():
    for text in NFC_TEXTS + ["résumé " * 200]:  # (long texts take the vectorised path)
        nfd = unicodedata.normalize("NFD", text)
        assert count_tokens(nfd) == count_tokens(text)
    nfd = [unicodedata.normalize("NFD", t) for t in NFC_TEXTS]
    assert count_tokens_many(nfd).tolist() == count_tokens_many(NFC_TEXTS).tolist() == [6, 12, 6]


def test_batch_scoring_reads_decomposed_text_as_composed(tmp_path):
    import json

    from framelens.batch import load_scores, score_files

    nfd = [unicodedata.normalize("NFD", t) for t in NFC_TEXTS]
    src = tmp_path / "nfd.jsonl"
    src.write_text("".join(json.dumps({"doc_id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(nfd)),
                   encoding="utf-8")
    score_files(src, _lexicon(), tmp_path / "out", jobs=1, progress=False)
    batch = load_scores(tmp_path / "out")
    order = np.argsort(batch.docs["doc_id"].to_numpy())
    composed = framelens.score(framelens.read_corpus(pd.DataFrame({"text": NFC_TEXTS})), _lexicon())
    assert batch.tokens[order].tolist() == composed["tokens"].tolist() == [6, 12, 6]
    counts = batch.counts.toarray()[order]
    for label in ("erdogan", "cafe", "ha_seoul"):
        assert counts[:, batch.label_ids.index(label)].tolist() == composed[f"count_{label}"].tolist()


def test_unicode_constants_hold_for_this_python():
    computed = set()
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2 and unicodedata.combining(chr(int(parts[1], 16))) == 0:
                computed.add(int(parts[1], 16))
    assert computed == set(COMPOSING_STARTERS)
    # nothing below U+0300 is unstable (any_unstable looks at nothing below it)
    assert not any(unicodedata.combining(chr(cp)) or unicodedata.normalize("NFC", chr(cp)) != chr(cp)
                   for cp in range(0x300))


def _accented_sample(form: str) -> framelens.Corpus:
    """The sample corpus with accented words planted in one source's texts, in Unicode ``form``."""
    docs = framelens.datasets.load_sample().docs
    planted = np.where(docs["source"] == docs["source"].iloc[0],
                       " Erdoğan's café Görlitz naïve Erdoğan café résumé.", " The café opened.")
    texts = [unicodedata.normalize(form, t + extra) for t, extra in zip(docs["text"], planted)]
    return framelens.read_corpus(docs.assign(text=texts))


def test_term_discovery_and_keyness_read_decomposed_text_as_composed():
    nfc, nfd = _accented_sample("NFC"), _accented_sample("NFD")
    assert nfd.texts != nfc.texts
    key_nfc, key_nfd = framelens.keyness(nfc, by="source"), framelens.keyness(nfd, by="source")
    assert {"erdoğan", "café", "naïve", "résumé"} <= set(key_nfc["term"])
    assert not {"nai", "ve", "caf"} & set(key_nfd["term"])
    pd.testing.assert_frame_equal(pd.DataFrame(key_nfd), pd.DataFrame(key_nfc))
    sug_nfc = framelens.suggest_terms(nfc, "conflict_actors", top=10)
    sug_nfd = framelens.suggest_terms(nfd, "conflict_actors", top=10)
    assert "erdoğan" in set(sug_nfc["term"])
    pd.testing.assert_frame_equal(pd.DataFrame(sug_nfd).drop(columns="examples"),
                                  pd.DataFrame(sug_nfc).drop(columns="examples"))
    # the examples are found in the NFD texts too (shown composed)
    assert sug_nfd["examples"].map(len).tolist() == sug_nfc["examples"].map(len).tolist()
    erdogan = sug_nfd.loc[sug_nfd["term"] == "erdoğan", "examples"].iloc[0]
    assert erdogan and all("[Erdoğan" in line for line in erdogan)
