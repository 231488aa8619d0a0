"""framelens.datasets: the sample loaders, the dataset list and dispatch, and the ../shared loaders.

The shared-corpus tests read the real files in ../shared/corpora and check them against the counts
their PROVENANCE.md files state, or against a direct read of the raw file. They skip, with the
reason, when that folder is absent.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import framelens.datasets as ds
from framelens.corpus import Corpus, read_corpus
from framelens.datasets import sample_generator as gen
from framelens.datasets import shared as shared_mod
from framelens.errors import InputError, ParameterError

ROOT = Path(__file__).resolve().parents[1]


def need_shared() -> Path:
    path = ds.shared_dir(required=False)
    if path is None:
        pytest.skip("third-party corpora not present: no ../shared/corpora beside this checkout "
                    "and FRAMELENS_SHARED not set")
    return path


@pytest.fixture
def no_source_tree(monkeypatch):
    """Pretend framelens is installed without the repository's corpora/ folder."""
    monkeypatch.setattr(ds, "sample_dir", lambda: None)


# -- the sample --------------------------------------------------------------------------------
def test_load_sample_is_the_fictional_corpus_with_story_and_lean_columns():
    corpus = ds.load_sample()
    assert isinstance(corpus, Corpus)
    assert corpus.meta["name"] == "karvia" and corpus.meta["fictional"] is True
    assert "fictional" in corpus.meta["description"].lower() and corpus.meta["seed"] == gen.SEED
    docs = corpus.docs
    assert list(docs.columns) == ["doc_id", "source", "date", "title", "text", "event", "lean"]
    assert pd.api.types.is_datetime64_any_dtype(docs["date"]) and docs["date"].notna().all()
    assert len(corpus) == len(pd.read_csv(ROOT / "corpora" / "karvia" / "reports.csv"))
    assert set(docs["lean"]) == {"pro_opposition", "neutral", "pro_government"}
    assert corpus.issues.empty


def test_load_sample_regenerates_the_same_corpus_without_the_source_tree(no_source_tree):
    if not (ROOT / "corpora" / "karvia" / "reports.csv").is_file():
        pytest.skip("corpora/karvia is not in this checkout")
    from_memory = ds.load_sample()
    assert ds.sample_dir() is None and from_memory.meta.get("path") is None
    from_file = read_corpus(ROOT / "corpora" / "karvia" / "reports.csv")
    pd.testing.assert_frame_equal(from_memory.docs, from_file.docs)
    assert from_memory.fingerprint == from_file.fingerprint


@pytest.mark.parametrize("loader", ["sample_answer_key", "sample_annotations", "sample_mentions"])
def test_sample_tables_are_the_same_from_file_and_from_memory(loader, monkeypatch):
    if ds.sample_dir() is None:
        pytest.skip("corpora/karvia is not in this checkout")
    from_file = getattr(ds, loader)()
    monkeypatch.setattr(ds, "sample_dir", lambda: None)
    pd.testing.assert_frame_equal(getattr(ds, loader)(), from_file)


def test_sample_answer_key_columns_and_dimensions():
    key = ds.sample_answer_key()
    assert list(key.columns) == ["source", "dimension", "family", "planted", "note"]
    assert set(key["dimension"]) == {"label", "attribution", "voice", "tone", "selection", "discovery", "slant"}
    sources = set(ds.load_sample().docs["source"])
    assert set(key["source"]) == sources
    # every outlet has a label, attribution, voice and tone answer for both sides, and one slant rank
    per = key[key["family"].isin(["armed_opposition", "government_side"])].groupby(["source", "dimension"]).size()
    assert (per.unstack()[["label", "attribution", "voice", "tone"]] == 2).all().all()
    assert key.loc[key["dimension"] == "slant", "source"].value_counts().eq(1).all()
    assert set(key.loc[key["dimension"] == "attribution", "planted"]) == {"neutral", "stance"}
    assert set(key.loc[key["dimension"] == "tone", "planted"]) == {"positive", "negative"}


def test_sample_annotations_and_mentions_have_typed_columns_and_valid_spans():
    corpus = ds.load_sample()
    texts = dict(zip(corpus.docs["doc_id"], corpus.docs["text"]))
    ann = ds.sample_annotations()
    assert str(ann["start"].dtype) == "Int64" and ann["span_start"].isna().any()
    cas = ann[ann["kind"] == "casualty"]
    assert cas["number"].notna().all() and (cas["number"] >= 3).all()
    row = ann[(ann["kind"] == "attribution") & (ann["verb"] == "denied")].iloc[0]
    assert texts[row["doc_id"]][row["verb_start"]:row["verb_end"]] == "denied"
    m = ds.sample_mentions()
    assert m["in_lexicon"].dtype == bool
    assert all(texts[d][s:e] == surface for d, s, e, surface in zip(m["doc_id"], m["start"], m["end"], m["surface"]))


def test_generator_cli_writes_the_four_files(tmp_path, capsys):
    assert gen.main(["--out", str(tmp_path / "k")]) == 0
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == sorted(gen.FILES)
    assert "seed 20240917" in capsys.readouterr().out
    committed = ROOT / "corpora" / "karvia" / "answer_key.csv"
    if committed.is_file():
        assert (tmp_path / "k" / "answer_key.csv").read_bytes() == committed.read_bytes()
    with open(tmp_path / "k" / "reports.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["doc_id", "source", "date", "title", "text", "event", "lean"] and len(rows) > 300


# -- listing and dispatch ----------------------------------------------------------------------
def test_list_datasets_names_presence_and_upstream_sources():
    table = ds.list_datasets()
    assert table["name"].tolist() == ["sample", "abp", "babe", "allsides"]
    assert list(table.columns) == ["name", "present", "path", "description", "licence", "url", "commit", "loader"]
    assert bool(table.loc[0, "present"]) is True
    upstream = table.set_index("name")
    assert upstream.at["abp", "url"] == "https://github.com/ramybaly/Article-Bias-Prediction"
    assert upstream.at["allsides", "url"] == "https://github.com/HLTCHKUST/framing-bias-metric"
    assert upstream.at["babe", "url"].startswith("https://github.com/Media-Bias-Group/")
    assert (upstream.loc[["abp", "babe", "allsides"], "commit"].str.len() == 40).all()
    shared = ds.shared_dir(required=False)
    assert upstream.loc[["abp", "babe", "allsides"], "present"].tolist() == [shared is not None] * 3


def test_list_datasets_when_shared_is_empty(tmp_path, monkeypatch):
    (tmp_path / "corpora").mkdir()
    monkeypatch.setenv("FRAMELENS_SHARED", str(tmp_path))
    table = ds.list_datasets().set_index("name")
    assert table.loc[["abp", "babe", "allsides"], "present"].tolist() == [False] * 3
    assert bool(table.at["sample", "present"]) is True
    with pytest.raises(InputError, match="article_bias_prediction"):
        ds.load_abp()


def test_load_dataset_dispatches_and_rejects_unknown_names():
    assert ds.load_dataset("sample").meta["name"] == "karvia"
    assert ds.load_dataset("SAMPLE").meta["fictional"] is True
    with pytest.raises(ParameterError, match="known: sample, abp, babe, allsides"):
        ds.load_dataset("reuters")


# -- finding ../shared ---------------------------------------------------------------------------
def test_shared_dir_env_var_names_the_shared_folder_or_its_corpora(tmp_path, monkeypatch):
    (tmp_path / "shared" / "corpora").mkdir(parents=True)
    monkeypatch.setenv("FRAMELENS_SHARED", str(tmp_path / "shared"))
    assert ds.shared_dir() == tmp_path / "shared" / "corpora"
    monkeypatch.setenv("FRAMELENS_SHARED", str(tmp_path / "shared" / "corpora"))
    assert ds.shared_dir() == tmp_path / "shared" / "corpora"
    monkeypatch.setenv("FRAMELENS_SHARED", str(tmp_path / "nowhere"))
    assert ds.shared_dir(required=False) is None
    with pytest.raises(InputError, match="FRAMELENS_SHARED"):
        ds.shared_dir()


def test_shared_dir_searches_upward_from_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("FRAMELENS_SHARED", raising=False)
    (tmp_path / "shared" / "corpora").mkdir(parents=True)
    deep = tmp_path / "repo" / "notebooks" / "week1"
    deep.mkdir(parents=True)
    monkeypatch.setattr(shared_mod, "__file__", str(tmp_path / "elsewhere" / "pkg" / "shared.py"))
    monkeypatch.chdir(deep)
    assert ds.shared_dir() == tmp_path / "shared" / "corpora"
    monkeypatch.chdir(tmp_path / "shared")  # from inside the shared folder itself
    assert ds.shared_dir() == tmp_path / "shared" / "corpora"


def test_shared_dir_missing_is_an_input_error_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.delenv("FRAMELENS_SHARED", raising=False)
    isolated = tmp_path / "a" / "b"
    isolated.mkdir(parents=True)
    monkeypatch.setattr(shared_mod, "__file__", str(isolated / "shared.py"))
    monkeypatch.chdir(isolated)
    if any((p / "shared" / "corpora").is_dir() for p in isolated.parents):
        pytest.skip("a shared/corpora folder exists above the temporary directory")
    assert ds.shared_dir(required=False) is None
    with pytest.raises(InputError, match="set FRAMELENS_SHARED"):
        ds.shared_dir()


# -- the third-party loaders ---------------------------------------------------------------------
@pytest.mark.shared
def test_load_abp_conflict_subset_matches_its_provenance():
    root = need_shared()
    corpus = ds.load_abp()
    docs = corpus.docs
    # PROVENANCE.md: 4,078 articles from 133 outlets (right 1,491 / center 1,343 / left 1,244)
    assert len(corpus) == 4078 and docs["source"].nunique() == 133
    assert docs["bias_text"].value_counts().to_dict() == {"right": 1491, "center": 1343, "left": 1244}
    assert (docs["lean"] == docs["bias_text"]).all()
    assert docs.groupby("bias_text")["bias"].unique().map(list).to_dict() == {"left": [0], "center": [1], "right": [2]}
    assert docs["doc_id"].is_unique and (docs["text"].str.len() > 0).all()
    with open(root / "article_bias_prediction" / "abp_conflict_subset.jsonl", encoding="utf-8") as fh:
        raw = [json.loads(line) for line in fh]
    assert docs["date"].isna().sum() == sum(1 for r in raw if not r["date"])
    first = raw[0]
    row = docs.set_index("doc_id").loc[first["ID"]]
    assert row["text"] == first["content_original"] and row["source"] == first["source"]
    assert row["topic"] == first["topic"] and row["title"] == first["title"]
    assert corpus.meta["name"] == "abp" and corpus.meta["fictional"] is False
    assert "Apache-2.0" in corpus.meta["licence"] and "Baly" in corpus.meta["citation"]


@pytest.mark.shared
def test_load_babe_reports_no_agreement_rows_instead_of_dropping_them_silently():
    need_shared()
    kept = ds.load_babe("SG2")
    everything = ds.load_babe("SG2", drop_no_agreement=False)
    # PROVENANCE.md: SG2 has 3,674 sentences from 11 outlets
    assert len(everything) == 3674 and everything.docs["source"].nunique() == 11
    n_no = int((everything.docs["label_bias"] == "No agreement").sum())
    assert n_no >= 1
    assert len(kept) == 3674 - n_no and kept.meta["dropped_no_agreement"] == n_no
    assert everything.meta["dropped_no_agreement"] == 0 and everything.meta["no_agreement"] == n_no
    assert set(kept.docs["label_bias"]) == {"Biased", "Non-biased"}
    # ids name the record in the file, so they do not shift when rows are dropped
    same = everything.docs.set_index("doc_id").loc[kept.docs["doc_id"], "text"]
    assert same.tolist() == kept.docs["text"].tolist()
    assert kept.docs["doc_id"].iloc[0] == "babe-sg2-00001"
    assert {"topic", "type", "lean", "label_opinion", "biased_words", "news_link"} <= set(kept.docs.columns)


@pytest.mark.shared
def test_load_babe_sg1_and_mbic_share_1700_sentences_and_subset_is_checked():
    need_shared()
    sg1 = ds.load_babe("sg1", drop_no_agreement=False)
    mbic = ds.load_babe("MBIC", drop_no_agreement=False)
    assert len(sg1) == len(mbic) == 1700  # PROVENANCE.md
    assert sg1.docs["source"].nunique() == 8 and "article" in mbic.docs.columns
    assert ds.load_babe("SG1").meta["dropped_no_agreement"] == (sg1.docs["label_bias"] == "No agreement").sum() > 0
    with pytest.raises(ParameterError, match="SG1"):
        ds.load_babe("SG3")


@pytest.mark.shared
def test_load_allsides_one_document_per_story_and_side():
    root = need_shared()
    corpus = ds.load_allsides()
    docs = corpus.docs
    with open(root / "allsides_neus" / "headline_11_2021-10-19_crawled_all.jsonl", encoding="utf-8") as fh:
        stories = [json.loads(line) for line in fh]
    assert len(stories) == corpus.meta["stories"] == 506  # PROVENANCE.md: 506 stories
    assert len(corpus) == sum(len(s["news"]) for s in stories)
    sides_per_story = docs.groupby("story")["lean"].nunique()
    assert (sides_per_story == 3).sum() == 469  # PROVENANCE.md: 469 stories have all three sides
    assert corpus.meta["stories_without_articles"] == sum(1 for s in stories if not s["news"])
    assert set(docs["lean"]) == {"left", "center", "right"} and docs["doc_id"].is_unique
    story = stories[0]
    row = docs.set_index("doc_id").loc[f"allsides-{story['id']}-right"]
    right = story["news"]["right"]
    assert row["source"] == right["newsSource"] and row["title"] == right["newsTitle"]
    assert row["text"].split("\n\n") == [p.strip() for p in right["newBody"]]
    assert str(row["date"].date()) == story["date"][:10] and row["story"] == str(story["id"])
    assert corpus.meta["url"] == "https://github.com/HLTCHKUST/framing-bias-metric"
