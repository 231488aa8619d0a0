"""One kind of result table across the package: framelens.results.ResultTable."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import mini_lexicon

import framelens
from framelens import actors
from framelens.actors.tone import TONE_COLUMNS
from framelens.cli.main import main
from framelens.io_utils import write_table
from framelens.lexicon import Lexicon
from framelens.results import ResultTable, provenance_record, result_table

ROLES = {"text": "body", "source": "outlet", "id": "id", "date": "published", "title": "headline"}
HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def corpus(news_frame):
    return framelens.read_corpus(news_frame, **ROLES)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", actors.SkippedSentencesWarning)
        yield


def check(table, kind: str, corpus, lexicon) -> dict:
    """A ResultTable of ``kind`` whose provenance names this corpus and lexicon by fingerprint."""
    assert type(table) is ResultTable
    record = table.attrs["framelens"]
    assert record["kind"] == kind
    assert record["corpus"]["sha256"] == corpus.fingerprint and record["corpus"]["n_docs"] == len(corpus)
    assert record["lexicon"]["sha256"] == lexicon.fingerprint and record["lexicon"]["name"] == lexicon.name
    html = table._repr_html_()
    assert f"framelens {kind}</b>" in html and "<table" in html
    assert corpus.fingerprint[:12] in html and lexicon.fingerprint[:12] in html
    return record


# ---------------------------------------------------------------------------------------------
def test_scoring_functions_return_result_tables(corpus):
    lex = mini_lexicon()
    hits = framelens.match(corpus, lex)
    assert check(hits, "match", corpus, lex)["params"] == {"engine": "auto"}
    assert list(hits.columns) == ["doc_id", "sentence", "start", "end", "family", "label", "matched"]
    assert hits["start"].dtype == "int64" and len(hits) == 16  # counted by hand in the six reports

    per_doc = framelens.score(corpus, lex)
    assert check(per_doc, "score", corpus, lex)["params"] == {"by": None, "unit": "document", "shape": "wide", "engine": "auto"}
    by_source = framelens.score(corpus, lex, by="source", shape="long")
    check(by_source, "score", corpus, lex)
    assert by_source.loc[(by_source["source"] == "Post") & (by_source["label"] == "terrorists"), "count"].item() == 2
    html = by_source._repr_html_()
    assert "one row per (source, label)" in html and "lexicon mini v1" in html and "Flagged" not in html
    assert "one row per document" in per_doc._repr_html_()

    lines = framelens.kwic(corpus, "army", window=3, lexicon=lex)
    check(lines, "kwic", corpus, lex)
    assert lines["keyword"].str.lower().eq("army").all() and len(lines) == 4
    single = framelens.kwic(corpus, "insurgen*")  # a pattern: provenance names the one-pattern lexicon
    assert type(single) is ResultTable and single.attrs["framelens"]["params"]["pattern"] == "insurgen*"


def test_private_score_table_is_the_same_table_without_provenance(corpus):
    from framelens.scoring import _score_table

    table = _score_table(corpus, mini_lexicon(), "source")
    assert type(table) is ResultTable and table.attrs == {}
    assert "framelens score" not in table._repr_html_()  # no record, no summary


def test_actor_functions_return_result_tables(corpus):
    actor_lex = framelens.load_lexicon("conflict_actors")
    statements = actors.attributions(corpus)
    record = check(statements, "attributions", corpus, actor_lex)
    assert record["params"]["verbs"]["sha256"] == framelens.load_lexicon("attribution").fingerprint
    assert set(statements["verb"]) >= {"said", "claimed", "denied"}
    table = actors.attribution_table(statements, min_statements=2)
    record = check(table, "attribution_table", corpus, actor_lex)
    assert record["table"] == {"by": ["source"], "kind": "attribution_table"} and "skipped" in record
    # the flagged rows are named by their group and family (the note alone does not say which)
    flagged = table[table["note"] != ""]
    assert len(flagged) and all(f"{s} / {f}: fewer than 2 statements" in table._repr_html_()
                                for s, f in zip(flagged["source"], flagged["family"]))

    harm = actors.agency(corpus)
    check(harm, "agency", corpus, actor_lex)
    assert sorted(harm["construction"]) == ["active", "intransitive", "passive_agentless"]  # killing 9; died; were killed
    check(actors.agency_table(harm), "agency_table", corpus, actor_lex)

    tone = actors.tone(corpus, n_boot=20)
    check(tone, "tone", corpus, actor_lex)
    assert list(tone.columns) == TONE_COLUMNS
    assert "Flagged (kept, interpret with care)" in tone._repr_html_()  # six reports: every row is thin
    check(actors.descriptors(corpus, min_count=1), "descriptors", corpus, actor_lex)


def test_suggest_patterns_returns_a_result_table():
    sample = framelens.datasets.load_sample()
    lex = framelens.load_lexicon("conflict_actors")
    s = actors.suggest_patterns(sample, lex, "armed_opposition", top=3, n_examples=1)
    check(s, "suggest_patterns", sample, lex)
    assert len(s) == 3 and s.attrs["framelens"]["params"]["family"] == "armed_opposition"


def test_compare_tables_are_the_same_class(corpus):
    from framelens.compare import ResultTable as CompareResultTable
    from framelens.compare._tables import ResultTable as TablesResultTable

    assert CompareResultTable is ResultTable and TablesResultTable is ResultTable and framelens.ResultTable is ResultTable


# ---------------------------------------------------------------------------------------------
def test_repr_html_escapes_hostile_text(news_frame):
    frame = news_frame.copy()
    frame.loc[0, "id"] = HOSTILE
    frame.loc[1, "outlet"] = "<b onmouseover=alert(1)>Wire</b>"
    hostile_corpus = framelens.read_corpus(frame, **ROLES)
    hostile_corpus.meta["name"] = "<img src=x onerror=alert(1)>"
    base = mini_lexicon()
    lex = Lexicon(name=HOSTILE, version="<i>1</i>", families=base.families)
    for table in (framelens.match(hostile_corpus, lex), framelens.score(hostile_corpus, lex, by="source"),
                  framelens.kwic(hostile_corpus, "rebel*")):
        html = table._repr_html_()
        assert "<script" not in html and "<img" not in html and "<b onmouseover" not in html and "<i>" not in html
        assert "&lt;script&gt;" in html or "&lt;b onmouseover" in html
    assert "lexicon &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; v&lt;i&gt;1&lt;/i&gt;" in framelens.score(
        hostile_corpus, lex)._repr_html_()
    noted = result_table(pd.DataFrame({"group": [HOSTILE], "note": ["<img src=x onerror=alert(1)>"]}),
                         provenance_record(params={"by": HOSTILE}, kind="<script>k"))
    html = noted._repr_html_()
    assert "<script" not in html and "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_summary_of_a_handmade_table():
    t = result_table(pd.DataFrame({"group": ["A", "A", "B"], "family": ["f", "g", "f"], "n": [1, 2, 30],
                                   "note": ["few", "few", ""]}),
                     provenance_record(params={"by": ["source"], "families": list("abcdefgh"), "seed": None},
                                       kind="tone"))
    html = t._repr_html_()
    assert "per source" in html and "A / f: few" in html and "A / g: few" in html and "B /" not in html
    assert "families=[a, b, c, d, e, … 3 more]" in html and "seed=" not in html  # None parameters left out


# ---------------------------------------------------------------------------------------------
def test_pandas_operations_keep_the_table(corpus, tmp_path):
    lex = mini_lexicon()
    s = framelens.score(corpus, lex, by="source")
    record = s.attrs["framelens"]
    both = pd.concat([s, s], ignore_index=True)
    assert type(both) is ResultTable and both.attrs["framelens"] == record and len(both) == 2 * len(s)
    summed = both.groupby("source").sum(numeric_only=True)
    assert type(summed) is ResultTable and (summed["hits"] == 2 * s.set_index("source")["hits"]).all()
    hits = framelens.match(corpus, lex)
    merged = hits.merge(corpus.docs[["doc_id", "source"]], on="doc_id")
    assert type(merged) is ResultTable and merged["source"].notna().all() and len(merged) == len(hits)
    assert merged._repr_html_().startswith(("<p>", "<div"))  # with or without a record, it renders
    assert type(s[["source", "hits"]]) is ResultTable and type(s["hits"]) is pd.Series
    assert s.sort_values("hits").attrs["framelens"] == record

    s.to_parquet(tmp_path / "direct.parquet")
    back = pd.read_parquet(tmp_path / "direct.parquet")
    pd.testing.assert_frame_equal(back, pd.DataFrame(s))
    assert back.attrs["framelens"]["kind"] == "score"
    for name in ("w.csv", "w.parquet", "w.jsonl"):
        write_table(s, tmp_path / name)
    assert pq.read_schema(tmp_path / "w.parquet").metadata[b"framelens"].startswith(b"{")
    assert json.loads((tmp_path / "w.csv.provenance.json").read_text())["kind"] == "score"


def test_cli_score_outputs(news_frame, tmp_path):
    src = tmp_path / "news.csv"
    news_frame.to_csv(src, index=False)
    corpus = framelens.read_corpus(news_frame, **ROLES)
    expected = framelens.score(corpus, "conflict_actors", by="source").set_index("source")
    args = ["score", str(src), "--text-column", "body", "--source-column", "outlet", "--id-column", "id",
            "--date-column", "published", "--title-column", "headline", "--lexicon", "conflict_actors",
            "--by", "source", "--out"]
    readers = {"csv": pd.read_csv, "parquet": pd.read_parquet, "jsonl": lambda p: pd.read_json(p, lines=True)}
    for ext, read in readers.items():
        out = tmp_path / f"scores.{ext}"
        assert main(args + [str(out)]) == 0
        got = read(out).set_index("source")
        assert list(got.columns) == list(expected.columns)
        pd.testing.assert_series_equal(got["count_terrorists"], expected["count_terrorists"], check_dtype=False)
        meta = (json.loads(pq.read_schema(out).metadata[b"framelens"]) if ext == "parquet"
                else json.loads(out.with_name(out.name + ".provenance.json").read_text()))
        assert meta["kind"] == "score" and meta["corpus"]["sha256"] == corpus.fingerprint
