"""The in-memory core as a researcher meets it in a notebook: defects found in review, each pinned.

Corpus built directly from a DataFrame, ids that pandas turned into floats, date bins on undated
corpora, column labels that are not strings, kwic arguments, and what a result table's notebook
summary claims after the table has been regrouped.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import framelens
from framelens.corpus import CorpusWarning
from framelens.errors import InputError, ParameterError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ABP = SHARED / "corpora" / "article_bias_prediction" / "abp_all_metadata.csv"


def _canonical(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "doc_id": ["w1", "w2", "p1"],
        "source": ["Wire", "Wire", "Post"],
        "date": pd.to_datetime(["2024-05-01", "2024-06-03", "2024-06-04"]),
        "title": ["", "", ""],
        "text": ["The rebels shelled the town.", "The army denied it.", "Insurgents and rebels withdrew."],
    })
    return frame.assign(**overrides)


# -- Corpus(docs) checks its table at construction -----------------------------------------------
def test_corpus_with_dates_as_text_fails_at_construction_naming_the_field_and_read_corpus():
    docs = _canonical(date=["2024-05-01", "2024-06-03", "2024-06-04"])
    # it used to be built, then fail inside match() with "Can only use .dt accessor with datetimelike values"
    with pytest.raises(InputError) as err:
        framelens.Corpus(docs)
    assert err.value.field == "date" and "read_corpus" in str(err.value)
    # what the message points to works, and gives the same dates
    corpus = framelens.read_corpus(docs)
    assert corpus.docs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-05-01", "2024-06-03", "2024-06-04"]
    assert len(framelens.match(corpus, "conflict_actors")) == 4


def test_corpus_with_zoned_dates_says_how_to_convert():
    docs = _canonical(date=pd.to_datetime(["2024-05-01", "2024-06-03", "2024-06-04"]).tz_localize("Europe/Berlin"))
    with pytest.raises(InputError, match="tz_convert") as err:
        framelens.Corpus(docs)
    assert err.value.field == "date"


def test_corpus_accepts_naive_dates_at_any_unit_and_all_missing():
    for dates in (pd.to_datetime(["2024-05-01"] * 3).as_unit("s"), pd.Series([pd.NaT] * 3, dtype="datetime64[ns]")):
        corpus = framelens.Corpus(_canonical(date=dates))
        assert len(corpus.fingerprint) == 64


def test_corpus_with_a_missing_text_or_duplicate_ids_fails_at_construction_with_the_row():
    docs = _canonical(text=["The rebels shelled the town.", None, "Insurgents withdrew."])
    with pytest.raises(InputError) as err:
        framelens.Corpus(docs)
    assert (err.value.field, err.value.row) == ("text", 1)
    docs = _canonical(doc_id=["w1", "w2", "w1"])
    with pytest.raises(InputError, match="duplicate ids: 'w1'.*on_duplicate='first'") as err:
        framelens.Corpus(docs)
    assert (err.value.field, err.value.row) == ("doc_id", 2)
    with pytest.raises(InputError) as err:
        framelens.Corpus(_canonical(source=["Wire", np.nan, "Post"]))
    assert (err.value.field, err.value.row) == ("source", 1)


def test_corpus_keeps_its_own_table_with_positions_as_index():
    docs = _canonical()
    corpus = framelens.Corpus(docs)
    before = corpus.fingerprint
    docs.loc[0, "text"] = "Changed after the corpus was built."  # the caller edits their own table
    assert corpus.docs.loc[0, "text"] == "The rebels shelled the town."
    assert framelens.Corpus(corpus.docs).fingerprint == before  # the cached fingerprint still fits the rows
    gapped = framelens.Corpus(_canonical().iloc[[0, 2]])
    assert gapped.docs.index.tolist() == [0, 1]
    assert gapped.subset([1]).docs["doc_id"].tolist() == ["p1"]


@pytest.mark.skipif(not ABP.exists(), reason=f"third-party corpus not present: {ABP}")
def test_corpus_from_a_pandas_read_of_real_metadata_fails_early_and_read_corpus_reads_it():
    raw = pd.read_csv(ABP, nrows=200, keep_default_na=False)
    docs = raw.rename(columns={"ID": "doc_id", "title": "text"}).assign(title="")
    with pytest.raises(InputError) as err:
        framelens.Corpus(docs)
    assert err.value.field == "date"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # ABP has articles without a date
        corpus = framelens.read_corpus(raw, id="ID", text="title")
    by_year = framelens.score(corpus, "conflict_actors", by="year")
    assert by_year["n_docs"].sum() == 200


# -- ids and sources that pandas turned into floats ----------------------------------------------
def test_whole_number_float_ids_and_sources_of_a_dataframe_read_as_integers():
    df = pd.DataFrame({"id": [101, 102, np.nan], "outlet": [7, np.nan, 9], "text": ["a", "b", "c"]})
    assert df["id"].dtype == "float64"  # what pandas makes of integers with a blank
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)
        corpus = framelens.read_corpus(df, id="id", source="outlet")
    assert corpus.docs["doc_id"].tolist() == ["101", "102", "3"]  # not "101.0"; the blank id: its row
    assert corpus.docs["source"].tolist() == ["7", "(missing)", "9"]
    assert df["id"].dtype == "float64" and np.isnan(df.loc[2, "id"])  # the caller's table is untouched
    fractional = framelens.read_corpus(pd.DataFrame({"source": [1.5, 2.0], "text": ["a", "b"]}))
    assert fractional.docs["source"].tolist() == ["1.5", "2.0"]  # real fractions stay as written


# -- grouping ------------------------------------------------------------------------------------
def test_a_date_bin_on_a_corpus_without_dates_warns():
    df = pd.DataFrame({"published": ["2024-05-01", "2024-06-01"], "text": ["The rebels.", "The army."]})
    undated = framelens.read_corpus(df)  # the date column was not named
    with pytest.warns(CorpusWarning, match="by='month': no document has a date.*date="):
        table = framelens.score(undated, "conflict_actors", by="month")
    assert table["month"].tolist() == ["(missing)"]
    dated = framelens.read_corpus(df, date="published")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorpusWarning)
        assert framelens.score(dated, "conflict_actors", by="month")["month"].tolist() == ["2024-05", "2024-06"]


def test_by_accepts_a_column_label_that_is_not_a_string():
    df = pd.read_csv(pd.io.common.StringIO("Wire,The rebels attacked.\nPost,The army said.\nWire,Rebels fled.\n"),
                     header=None)  # columns 0 and 1
    corpus = framelens.read_corpus(df, text=1)
    table = framelens.score(corpus, "conflict_actors", by=0)
    assert table[0].tolist() == ["Post", "Wire"] and table["count_rebels"].tolist() == [0, 2]
    assert "one row per 0" in table._repr_html_()


# -- kwic ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("window", [2.5, "3", True])
def test_kwic_refuses_a_window_that_is_not_a_whole_number(window):
    with pytest.raises(ParameterError, match="window"):
        framelens.kwic(framelens.datasets.load_sample(), "rebel*", window=window)


def test_kwic_warns_when_a_name_given_with_a_lexicon_is_neither_its_label_nor_found():
    sample = framelens.datasets.load_sample()
    with pytest.warns(UserWarning, match="'rebelz' is no label or family of lexicon 'conflict_actors'.*rebels"):
        assert framelens.kwic(sample, "rebelz", lexicon="conflict_actors").empty
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(framelens.kwic(sample, "rebels", lexicon="conflict_actors")) > 0
        assert len(framelens.kwic(sample, "rebel fighters", lexicon="conflict_actors")) > 0  # a pattern with hits


# -- result tables -------------------------------------------------------------------------------
def test_a_regrouped_score_table_no_longer_claims_its_original_rows():
    table = framelens.score(framelens.datasets.load_sample(), "conflict_actors", by=["source", "month"])
    claim = "one row per source × month"
    assert claim in table._repr_html_()
    assert claim in table[table["hits"] > 0].head()._repr_html_()  # the same rows, fewer of them
    per_source = table.groupby("source")[["hits"]].sum()
    html = per_source._repr_html_()
    assert claim not in html and "derived from a <b>framelens score</b>" in html
    assert "sha256" in html  # the record is still shown
    assert claim not in pd.concat([table, table])._repr_html_()
    assert claim not in per_source.head(2)._repr_html_()  # and stays derived
    rewrapped = framelens.results.result_table(per_source, {**table.attrs["framelens"], "params": {"by": "source"}})
    assert "one row per source" in rewrapped._repr_html_()


# -- LexiconVectorizer ---------------------------------------------------------------------------
def test_vectorizer_names_a_missing_text_as_missing():
    from framelens import LexiconVectorizer

    texts = pd.read_csv(pd.io.common.StringIO("text\nThe rebels attacked.\n\nThe army said.\n"),
                        skip_blank_lines=False)["text"]  # a blank row: NaN
    vec = LexiconVectorizer()
    with pytest.raises(ParameterError, match=r"item 1 is missing \(nan\).*fillna\(''\)"):
        vec.fit(texts)
    assert vec.fit_transform(texts.fillna("")).toarray().sum() == 2
    with pytest.raises(ParameterError, match="item 0 is int"):
        vec.transform([3])


# -- the command line ----------------------------------------------------------------------------
def test_cli_score_without_any_hit_says_so_rather_than_no_rows(tmp_path, capsys):
    from framelens.cli.main import main

    path = tmp_path / "quiet.csv"
    path.write_text("doc_id,text\n1,The weather was mild.\n2,Markets rose.\n", encoding="utf-8")
    assert main(["score", str(path), "-l", "conflict_actors"]) == 0
    err = capsys.readouterr().err
    assert "no label of lexicon 'conflict_actors' has a hit in the 2 document(s)" in err
    assert "no score rows" not in err
    assert main(["score", str(path), "-l", "conflict_actors", "--out", str(tmp_path / "s.csv")]) == 0
    assert pd.read_csv(tmp_path / "s.csv")["hits"].tolist() == [0, 0]


# -- a canonical-named column that another column replaces ---------------------------------------
def test_a_column_replaced_in_its_role_is_kept_under_another_name_and_reported():
    df = pd.DataFrame({"source": ["Herald", "Wire", "Herald"], "lean": ["left", "right", "left"],
                       "text": ["The rebels advanced.", "Terrorists attacked.", "Rebels fled."]})
    with pytest.warns(CorpusWarning, match="column renamed original_source"):
        corpus = framelens.read_corpus(df, source="lean")
    assert corpus.docs["source"].tolist() == ["left", "right", "left"]
    assert corpus.docs["original_source"].tolist() == ["Herald", "Wire", "Herald"]  # it used to vanish
    assert corpus.issues["field"].tolist() == ["source"]
    by_outlet = framelens.score(corpus, "conflict_actors", by="original_source")
    assert by_outlet.set_index("original_source")["count_rebels"].to_dict() == {"Herald": 2, "Wire": 0}


# -- a DataFrame whose index repeats labels ------------------------------------------------------
def test_read_corpus_of_a_concat_with_repeated_index_labels():
    first = pd.DataFrame({"text": ["The rebels advanced.", "Markets rose."], "date": ["2024-05-01", "2024-05-02"]})
    second = pd.DataFrame({"text": ["", "The army withdrew."], "date": ["2024-05-03", "not a date"]})
    df = pd.concat([first, second])  # index 0, 1, 0, 1: it used to fail with "truth value of a Series is ambiguous"
    with pytest.warns(CorpusWarning):
        corpus = framelens.read_corpus(df)
    assert corpus.docs["doc_id"].tolist() == ["1", "2", "3", "4"]
    assert corpus.docs["text"].tolist() == ["The rebels advanced.", "Markets rose.", "", "The army withdrew."]
    assert corpus.docs["date"].dt.strftime("%m-%d").fillna("-").tolist() == ["05-01", "05-02", "05-03", "-"]
    # issues name rows by the DataFrame's index labels, as before
    assert sorted(corpus.issues[["row", "field"]].itertuples(index=False, name=None)) == [(0, "text"), (1, "date")]
    with pytest.warns(CorpusWarning):
        labelled = framelens.read_corpus(df.set_axis(["a", "b", "c", "d"]))
        with_ids = framelens.read_corpus(df.assign(doc_id=["x1", None, "x3", "x4"]))
    assert sorted(labelled.issues["row"].tolist()) == ["c", "d"]
    assert with_ids.docs["doc_id"].tolist() == ["x1", "2", "x3", "x4"]


# -- JSON that is not JSON Lines, and nested values ----------------------------------------------
def test_pandas_default_to_json_layout_is_refused_not_read_as_one_document(tmp_path):
    df = pd.DataFrame({"text": ["The rebels advanced.", "The army withdrew."], "source": ["Wire", "Post"]})
    df.to_json(tmp_path / "columns.json")  # pandas' default layout: {"text": {"0": ..., "1": ...}, ...}
    # it used to give one document whose text was "{'0': 'The rebels advanced.', '1': ...}"
    with pytest.raises(InputError, match="holds a JSON object, not text.*orient='records', lines=True") as err:
        framelens.read_corpus(tmp_path / "columns.json")
    assert (err.value.row, err.value.field) == (1, "text")
    df.to_json(tmp_path / "array.json", orient="records")  # one JSON array
    with pytest.raises(InputError, match="found list; the file looks like one JSON array, not JSON Lines"):
        framelens.read_corpus(tmp_path / "array.json")
    df.to_json(tmp_path / "lines.json", orient="records", lines=True)
    assert framelens.read_corpus(tmp_path / "lines.json").docs["source"].tolist() == ["Wire", "Post"]


def test_a_nested_text_is_an_error_and_a_nested_source_is_its_json_text(tmp_path):
    path = tmp_path / "nested.jsonl"
    path.write_text('{"text": "The rebels advanced.", "source": {"name": "Wire", "id": 3}}\n'
                    '{"text": ["The army", "withdrew."], "source": "Post"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="text field 'text' holds a JSON array, not text") as err:
        framelens.read_corpus(path)
    assert err.value.row == 2
    path.write_text('{"text": "The rebels advanced.", "source": {"name": "Wire", "id": 3}}\n', encoding="utf-8")
    # as batch scoring writes it (JSON, keys sorted), not Python's repr "{'name': 'Wire', 'id': 3}"
    assert framelens.read_corpus(path).docs["source"].tolist() == ['{"id": 3, "name": "Wire"}']
    with pytest.raises(InputError) as err:
        framelens.read_corpus(pd.DataFrame({"text": ["ok", {"a": 1}]}, index=[10, 11]))
    assert (err.value.row, err.value.field) == (11, "text")


def test_read_corpus_leaves_the_callers_dataframe_as_it_was():
    df = pd.DataFrame({"id": [1.0, 2.0, np.nan], "text": ["The rebels.", None, "The army."],
                       "date": ["2024-05-01", "bad", None], "source": ["Wire", "Post", "Wire"]})
    before = df.copy(deep=True)
    with pytest.warns(CorpusWarning):
        corpus = framelens.read_corpus(df, id="id")
    framelens.score(corpus, "conflict_actors", by="month")
    pd.testing.assert_frame_equal(df, before)


def test_read_corpus_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "news.csv").write_text("text\nThe rebels advanced.\n", encoding="utf-8")
    assert len(framelens.read_corpus("~/news.csv")) == 1


def test_a_pickled_pipeline_loads_where_hyperscan_is_missing(monkeypatch):
    import pickle
    from collections import OrderedDict

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    import framelens.matching as matching

    if matching._hs is None:
        pytest.skip("hyperscan is not installed here: the fitted vectorizer already uses the python engine")
    sample = framelens.datasets.load_sample()
    X, y = sample.docs["text"], sample.docs["source"]
    pipe = make_pipeline(framelens.LexiconVectorizer("conflict_actors"), LogisticRegression(max_iter=300)).fit(X, y)
    assert pipe[0].matcher_.engine == "hyperscan"  # "auto" resolved here
    blob = pickle.dumps(pipe)
    # the machine that loads it has no hyperscan (e.g. an ARM Mac): it used to fail with
    # "engine 'hyperscan' is not available here" while unpickling
    monkeypatch.setattr(matching, "_hs", None)
    monkeypatch.setattr(matching, "_CACHE", OrderedDict())
    loaded = pickle.loads(blob)
    assert loaded[0].matcher_.engine == "python"
    assert (loaded.predict(X) == pipe.predict(X)).all()
    assert (loaded[0].transform(X) != pipe[0].transform(X)).nnz == 0
    assert list(loaded[:-1].get_feature_names_out()) == list(pipe[:-1].get_feature_names_out())


def test_assigning_corpus_docs_forgets_what_was_cached_from_the_former_rows():
    corpus = framelens.datasets.load_sample()
    assert framelens.score(corpus, "conflict_actors", by="source")["n_docs"].sum() == 348  # caches hits, texts
    old_fingerprint = corpus.fingerprint
    wire = corpus.docs["source"] == "Orvane Wire"
    corpus.docs = corpus.docs[wire]  # a notebook filter; it used to fail: "cannot reshape array of size …"
    fresh = framelens.datasets.load_sample().subset(wire)
    pd.testing.assert_frame_equal(framelens.score(corpus, "conflict_actors"), framelens.score(fresh, "conflict_actors"),
                                  check_like=False)
    assert len(framelens.match(corpus, "conflict_actors")) == len(framelens.match(fresh, "conflict_actors"))
    assert corpus.fingerprint == fresh.fingerprint != old_fingerprint
    with pytest.raises(InputError, match="date"):
        corpus.docs = corpus.docs.assign(date=corpus.docs["date"].dt.strftime("%Y-%m-%d"))


def _fresh_copy(corpus):
    """The same documents read anew: nothing cached from before."""
    return framelens.Corpus(corpus.docs.copy(deep=True))


@pytest.mark.parametrize("edit", ["text", "text_column", "date", "source", "delete"])
def test_editing_corpus_docs_in_place_forgets_what_was_cached(edit):
    corpus = framelens.datasets.load_sample()
    first = corpus.texts[0]
    before = framelens.match(corpus, "conflict_actors")  # caches texts, hits, sentences
    framelens.score(corpus, "conflict_actors", unit="sentence")
    old_fingerprint = corpus.fingerprint
    if edit == "text":  # a notebook fixing one text: more rebels, in a sentence of their own
        corpus.docs.loc[0, "text"] = first + " Rebels shelled the town. The rebels withdrew."
    elif edit == "text_column":
        corpus.docs["text"] = corpus.docs["text"].str.replace("rebels", "insurgents", regex=False)
    elif edit == "date":
        corpus.docs.loc[0, "date"] = pd.Timestamp("1999-01-01")
    elif edit == "source":
        corpus.docs.loc[corpus.docs["source"] == "Orvane Wire", "source"] = "Orvane"
    else:
        del corpus.docs["title"]
        with pytest.raises(InputError, match="title"):
            framelens.match(corpus, "conflict_actors")
        return
    fresh = _fresh_copy(corpus)
    assert corpus.fingerprint == fresh.fingerprint != old_fingerprint
    after = framelens.match(corpus, "conflict_actors")
    pd.testing.assert_frame_equal(after, framelens.match(fresh, "conflict_actors"))
    pd.testing.assert_frame_equal(framelens.score(corpus, "conflict_actors", unit="sentence"),
                                  framelens.score(fresh, "conflict_actors", unit="sentence"))
    pd.testing.assert_frame_equal(framelens.score(corpus, "conflict_actors", by="source"),
                                  framelens.score(fresh, "conflict_actors", by="source"))
    if edit.startswith("text"):
        assert not after.equals(before)


def test_adding_a_metadata_column_keeps_what_was_cached_and_groups_by_it():
    corpus = framelens.datasets.load_sample()
    framelens.match(corpus, "conflict_actors")
    cached = dict(corpus._cache)
    assert any(key.startswith("hits:") for key in cached) and "texts" in cached
    corpus.docs["wire"] = corpus.docs["source"].str.endswith("Wire")
    assert corpus._cache.keys() == cached.keys() and all(corpus._cache[k] is v for k, v in cached.items())
    by_wire = framelens.score(corpus, "conflict_actors", by="wire")
    assert set(by_wire["wire"]) == {"True", "False"} and by_wire["n_docs"].sum() == len(corpus)


def test_a_cached_corpus_stays_cached_whatever_the_dtypes_of_its_columns():
    docs = framelens.datasets.load_sample().docs
    for variant in (docs, docs.assign(doc_id=np.arange(len(docs))), docs.assign(source=docs["source"].astype("category")),
                    docs.assign(title=docs["title"].astype(object)), docs.assign(text=docs["text"].astype(object))):
        corpus = framelens.Corpus(variant)
        bounds = corpus.sentence_bounds()
        assert corpus.sentence_bounds() is bounds and corpus.texts is corpus.texts


@pytest.mark.parametrize("column, shape", [("label", "long"), ("tokens", "wide"), ("hits", "wide"),
                                           ("count_rebels", "wide"), ("n_docs", "long")])
def test_by_a_column_named_like_a_score_column_is_refused_clearly(column, shape):
    df = pd.DataFrame({"text": ["The rebels attacked.", "The army said.", "Rebels fled."],
                       column: ["biased", "neutral", "biased"]})
    corpus = framelens.read_corpus(df)
    # it used to fail inside pandas (melt, "Grouper … not 1-dimensional") or give two "hits" columns
    with pytest.raises(ParameterError, match=f"by='{column}': the {shape} score table has a column '{column}'"):
        framelens.score(corpus, "conflict_actors", by=column, shape=shape)
    renamed = framelens.read_corpus(df.rename(columns={column: "group"}))
    table = framelens.score(renamed, "conflict_actors", by="group", shape=shape)
    assert table.columns.is_unique


def test_by_label_in_wide_shape_is_fine():
    df = pd.DataFrame({"text": ["The rebels attacked.", "The army said.", "Rebels fled."],
                       "label": ["biased", "neutral", "biased"]})
    table = framelens.score(framelens.read_corpus(df), "conflict_actors", by="label")
    assert table.set_index("label")["count_rebels"].to_dict() == {"biased": 2, "neutral": 0}


def test_cli_score_by_a_column_named_label_prints_without_an_error(tmp_path, capsys):
    from framelens.cli.main import main

    path = tmp_path / "labelled.csv"
    path.write_text("text,label\nThe rebels attacked.,biased\nThe army said.,neutral\n", encoding="utf-8")
    assert main(["score", str(path), "-l", "conflict_actors", "--by", "label"]) == 0  # printed: not long form
    out = capsys.readouterr().out
    assert "biased" in out and "count_rebels" in out
    assert main(["score", str(path), "-l", "conflict_actors", "--by", "label", "--shape", "long"]) == 2
    assert "the long score table has a column 'label'" in capsys.readouterr().err


def test_vectorizer_fit_transform_reads_a_generator_once():
    from framelens import LexiconVectorizer

    texts = ["The rebels attacked.", "The army said so.", "Markets rose."]
    # it used to return a 0 × labels matrix: fit consumed the generator, transform found it empty
    X = LexiconVectorizer().fit_transform(t for t in texts)
    assert X.shape[0] == 3
    assert (X != LexiconVectorizer().fit(texts).transform(texts)).nnz == 0


def test_parquet_saved_with_doc_id_as_index_keeps_its_ids_as_batch_scoring_does(tmp_path):
    from framelens.batch import score_files

    df = pd.DataFrame({"doc_id": ["a7", "b9"], "source": ["Wire", "Post"],
                       "text": ["The rebels attacked.", "The army said so."]}).set_index("doc_id")
    df.to_parquet(tmp_path / "indexed.parquet")  # doc_id is a column of the file, pandas' index on reading
    corpus = framelens.read_corpus(tmp_path / "indexed.parquet")
    assert corpus.docs["doc_id"].tolist() == ["a7", "b9"]  # it used to be "1", "2"
    score_files(tmp_path / "indexed.parquet", "conflict_actors", tmp_path / "out", jobs=1, progress=False)
    assert pd.read_parquet(tmp_path / "out")["doc_id"].tolist() == ["a7", "b9"]
    # an unnamed index that pandas stored is no field of the documents
    pd.DataFrame({"text": ["a", "b", "c"]}).iloc[[0, 2]].to_parquet(tmp_path / "filtered.parquet")
    assert list(framelens.read_corpus(tmp_path / "filtered.parquet").docs.columns) == list(framelens.corpus.CANONICAL)


def test_a_pickled_corpus_carries_its_documents_not_its_caches():
    import pickle

    corpus = framelens.datasets.load_sample()
    framelens.match(corpus, "conflict_actors")
    loaded = pickle.loads(pickle.dumps(corpus))
    assert loaded._cache == {} and len(pickle.dumps(corpus)) < 2 * sum(map(len, corpus.texts))
    pd.testing.assert_frame_equal(loaded.docs, corpus.docs)
    assert loaded.fingerprint == corpus.fingerprint
    pd.testing.assert_frame_equal(framelens.match(loaded, "conflict_actors"), framelens.match(corpus, "conflict_actors"))


def test_numeric_group_keys_are_listed_in_numeric_order():
    corpus = framelens.datasets.load_sample()
    corpus.docs["page"] = np.arange(len(corpus)) % 12 + 1  # an int column: 1 … 12
    pages = [str(p) for p in range(1, 13)]
    assert framelens.score(corpus, "conflict_actors", by="page")["page"].tolist() == pages
    by_two = framelens.score(corpus, "conflict_actors", by=["page", "source"])
    assert by_two["page"].drop_duplicates().tolist() == pages
    first_page = by_two[by_two["page"] == "1"]["source"].tolist()
    assert first_page == sorted(first_page)  # then the next key, as text
    shares = framelens.shares(corpus, "conflict_actors", by="page", n_boot=0)
    assert list(dict.fromkeys(shares["group"].astype(str))) == pages
    key = framelens.keyness(corpus, by="page", lexicon="conflict_actors")
    assert list(dict.fromkeys(key["group"].astype(str))) == pages
