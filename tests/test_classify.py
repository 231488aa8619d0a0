"""Classifier, evaluation, explanations and the classify CLI on the embedded sample and small frames."""
from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

import framelens
from framelens.classify import Classifier, ClassifierWarning, LexiconFeatures, evaluate, explain, sentence_corpus, top_features
from framelens.errors import InputError, ParameterError


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def lean_model(sample):
    return Classifier(lexicon="conflict_actors").fit(sample, target="lean")


def _frame(texts, labels, **extra):
    return framelens.read_corpus(pd.DataFrame({"text": texts, "label": labels, **extra}))


# ---------------------------------------------------------------------------------------------
# scikit-learn estimator API
# ---------------------------------------------------------------------------------------------
def test_init_only_stores_and_clone_keeps_params():
    clf = Classifier(preset="nonexistent", C=-3)  # no validation in __init__
    assert clf.get_params()["preset"] == "nonexistent" and clf.C == -3
    twin = clone(Classifier(preset="sentence_bias", C=2.0, lexicon=["conflict_actors", "attribution"]))
    assert twin.get_params()["C"] == 2.0 and twin.lexicon == ["conflict_actors", "attribution"]
    assert not any(k.endswith("_") for k in vars(Classifier()))
    with pytest.raises(ParameterError, match="unknown preset 'nonexistent'"):
        clf.fit(["a b", "c d"], ["x", "y"])
    with pytest.raises(ParameterError, match="C must be a positive number"):
        Classifier(C=-3).fit(["a b", "c d"], ["x", "y"])


def test_presets_resolve_and_explicit_parameters_win():
    p = Classifier(preset="sentence_bias").resolved_params()
    assert p["chars"] is True and p["lexicon"] == "bias_cues" and p["words"] is True
    p = Classifier(preset="sentence_bias", chars=False, lexicon=False).resolved_params()
    assert p["chars"] is False and p["lexicon"] is False
    assert Classifier().resolved_params()["estimator"] == "logistic"
    with pytest.raises(ParameterError, match="no features"):
        Classifier(words=False).resolved_params()


def test_fit_returns_self_and_learned_state_ends_in_underscore(sample):
    clf = Classifier()
    assert clf.fit(sample, target="source") is clf
    learned = [k for k in vars(clf) if k not in clf.get_params()]
    assert learned and all(k.endswith("_") for k in learned)
    assert list(clf.classes_) == sorted(sample.docs["source"].unique())


def test_corpus_and_target_equal_texts_and_labels(sample):
    a = Classifier().fit(sample, target="source")
    b = Classifier().fit(sample.texts, sample.docs["source"].tolist())
    c = Classifier().fit(sample, "source")  # the target name as y
    assert (a.predict(sample) == b.predict(sample.texts)).all()
    assert np.allclose(a.predict_proba(sample), c.predict_proba(sample))


def test_usable_in_pipelines_and_model_selection(sample):
    y = sample.docs["source"].to_numpy()
    scores = cross_val_score(Pipeline([("clf", Classifier())]), np.asarray(sample.texts, dtype=object), y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5  # six outlets: chance is 1/6


def test_recognises_planted_lean(lean_model):
    pred = lean_model.predict([
        "The heroic freedom fighters liberated the village from the cruel regime.",
        "Terrorists attacked the army post; security forces repelled the terrorists.",
    ])
    assert list(pred) == ["pro_opposition", "pro_government"]
    proba = lean_model.predict_proba(["The regime shelled the market."])
    assert proba.shape == (1, 3) and np.isclose(proba.sum(), 1.0)


def test_feature_names_say_their_kind(lean_model):
    kinds = {name.split(":", 1)[0] for name in lean_model.feature_names_}
    assert kinds == {"word", "lexicon"}
    assert "lexicon:armed_opposition__freedom_fighters" in set(lean_model.feature_names_)
    assert len(lean_model.feature_names_) == lean_model.transform_texts(["x y"]).shape[1]


def test_svm_and_naive_bayes(sample):
    svm = Classifier(estimator="svm").fit(sample, target="lean")
    assert not hasattr(svm, "predict_proba")
    table = svm.predict_table(sample)
    assert [c for c in table.columns if c.startswith("score_")] == [f"score_{c}" for c in svm.classes_]
    assert (table["predicted"] == svm.predict(sample)).all()
    nb = Classifier(estimator="nb").fit(sample, target="lean")
    assert nb.coefficients().shape == (len(nb.feature_names_), 3)
    assert (nb.predict(sample) == sample.docs["lean"]).mean() > 0.9


def test_lexicon_features_are_log_counts_over_training_maximum():
    train = ["Rebels, rebels and rebels.", "The army said rebels fled.", "Nothing here."]
    f = LexiconFeatures("conflict_actors").fit(train)
    names = list(f.get_feature_names_out())
    rebels, army = names.index("armed_opposition__rebels"), names.index("government_side__army")
    X = f.transform(["Rebels met rebels.", "The army."]).toarray()
    assert np.isclose(X[0, rebels], np.log(3) / np.log(4))  # 2 hits; training maximum 3 hits
    assert np.isclose(X[1, army], 1.0)  # 1 hit; training maximum 1 hit
    assert X.sum() == pytest.approx(np.log(3) / np.log(4) + 1.0)


def test_nb_features_are_log_count_ratios_of_binary_ngrams_l2_normalised():
    from framelens.classify.model import NBFeatures

    train = ["shocking lie", "shocking shocking claim", "plain report", "report"]
    y = ["bias", "bias", "fact", "fact"]
    f = NBFeatures(ngram_range=(1, 1)).fit(train, y)
    terms = list(f.terms_)
    assert terms == ["claim", "lie", "plain", "report", "shocking"] and list(f.classes_) == ["bias", "fact"]
    # binary counts + 1: "bias" p = [2, 2, 1, 1, 3] (sum 9), "fact" q = [1, 1, 2, 3, 1] (sum 8); r = log(p/9) - log(q/8)
    p, q = np.array([2, 2, 1, 1, 3.0]), np.array([1, 1, 2, 3, 1.0])
    r = np.log(q / q.sum()) - np.log(p / p.sum())  # classes_[1] = "fact" is the positive side
    assert np.allclose(f.ratio_, r)
    row = f.transform(["shocking shocking report"]).toarray()[0]  # binary: "shocking" counts once
    expected = np.zeros(5)
    expected[[3, 4]] = r[[3, 4]]
    assert np.allclose(row, expected / np.linalg.norm(expected))
    with pytest.raises(ParameterError, match="binary target"):
        NBFeatures().fit(train, ["a", "b", "c", "c"])


def test_logit_average_is_the_mean_of_two_block_models():
    from scipy.sparse import random as sparse_random
    from sklearn.linear_model import LogisticRegression

    from framelens.classify.model import LogitAverage

    rng = np.random.default_rng(0)
    X = sparse_random(60, 12, density=0.4, format="csr", random_state=1)
    y = np.where(X[:, 0].toarray().ravel() + rng.normal(0, 0.1, 60) > 0.2, "yes", "no")
    m = LogitAverage(split=5, C=(4.0, 0.5)).fit(X, y)
    a = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000).fit(X[:, :5], y)
    b = LogisticRegression(C=0.5, class_weight="balanced", max_iter=5000).fit(X[:, 5:], y)
    expected = (a.decision_function(X[:, :5]) + b.decision_function(X[:, 5:])) / 2
    assert np.allclose(m.decision_function(X), expected)
    assert np.allclose(m.predict_proba(X)[:, 1], 1 / (1 + np.exp(-expected)))
    assert (m.predict(X) == np.where(expected > 0, "yes", "no")).all()


def test_nb_block_model_explains_exactly_and_refuses_multiclass(sample):
    docs = sample.docs.assign(neutral=np.where(sample.docs["lean"] == "neutral", "yes", "no"))
    clf = Classifier(chars=True, nb=True, nb_C=2.0).fit(docs, target="neutral")
    assert type(clf.estimator_).__name__ == "LogitAverage" and clf.estimator_.C == (1.0, 2.0)
    kinds = {name.split(":", 1)[0] for name in clf.feature_names_}
    assert kinds == {"word", "char", "nb"} and clf.feature_names_[-1].startswith("nb:")
    assert clone(clf).get_params() == clf.get_params()
    first = docs["doc_id"].iloc[0]
    ex = explain(clf, docs, doc=first)
    d = clf.decision_function(docs.iloc[:1])[0]  # log-odds of classes_[1]; explain scores the predicted class
    assert np.isclose(ex.attrs["scores"][first], d if ex["predicted"].iloc[0] == clf.classes_[1] else -d)
    with pytest.raises(ParameterError, match="binary target"):
        Classifier(nb=True).fit(sample, target="lean")
    with pytest.raises(ParameterError, match="logistic"):
        Classifier(nb=True, estimator="svm").fit(docs, target="neutral")


def test_a_model_needs_the_column_it_was_trained_on(sample):
    clf = Classifier(text="title").fit(sample, target="source")
    with pytest.raises(InputError, match="trained on the column 'title'"):
        clf.predict(pd.DataFrame({"text": ["Rebels advance"]}))
    assert len(clf.predict(pd.DataFrame({"title": ["Rebels advance"]}))) == 1
    # a file read without headlines still has a (blank) title column: refused, not predicted from the priors
    untitled = framelens.read_corpus(pd.DataFrame({"text": ["Rebels advance on the town.", "The army held."]}))
    with pytest.raises(InputError, match="every text the model reads is empty.*column 'title'"):
        clf.predict_table(untitled)
    with pytest.warns(ClassifierWarning, match="1 empty text"):  # some blank titles: predicted, with a warning
        assert len(clf.predict(pd.DataFrame({"title": ["Rebels advance", ""]}))) == 2


# ---------------------------------------------------------------------------------------------
# bad input: errors (or warnings) before any fitting
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def no_fitting(monkeypatch):
    calls = []

    def refuse(self, *args, **kwargs):
        calls.append(1)
        raise AssertionError("fit was called")

    monkeypatch.setattr("sklearn.linear_model.LogisticRegression.fit", refuse)
    return calls


def test_texts_without_any_feature_are_an_input_error():
    one_letter = _frame(["a b c", "d e f"] * 3, ["x", "y"] * 3)  # word n-grams need tokens of 2+ characters
    with pytest.raises(InputError, match="field 'text': no word features in the 6 training texts"):
        Classifier().fit(one_letter, target="label")
    with pytest.raises(InputError, match="no word features.*min_df=50"):
        Classifier(min_df=50).fit(_frame(["ab cd", "de fg"] * 3, ["x", "y"] * 3), target="label")


def test_one_class_is_an_error(no_fitting):
    corpus = _frame(["a report", "another report", "a third"], ["x", "x", "x"])
    with pytest.raises(InputError, match="one class only"):
        evaluate(Classifier(), corpus, target="label", cv=2)
    with pytest.raises(InputError, match="one class only"):
        Classifier().fit(corpus, target="label")
    assert not no_fitting


def test_class_with_fewer_documents_than_folds_is_an_error(sample, no_fitting):
    docs = sample.docs.copy()
    docs["label"] = np.where(np.arange(len(docs)) < 3, "rare", "common")
    with pytest.raises(InputError, match=r"fewer documents than the 5 folds: 'rare' \(3\)"):
        evaluate(Classifier(), framelens.read_corpus(docs), target="label", cv=5)
    assert not no_fitting


def test_grouping_that_holds_a_class_in_one_group_is_an_error(sample, no_fitting):
    with pytest.raises(InputError, match="puts every document of a class in one group"):
        evaluate(Classifier(), sample, target="source", groups="source", cv=3)
    docs = sample.docs.copy()
    docs["story"] = np.where(docs["source"] == "Orvane Wire", "S0", docs["event"])
    with pytest.raises(InputError, match=r"'Orvane Wire' \(all in 'S0'\)"):
        evaluate(Classifier(), framelens.read_corpus(docs), target="source", groups="story", cv=3)
    assert not no_fitting


def test_unknown_columns_are_errors(sample, no_fitting):
    with pytest.raises(InputError, match="no target column 'stance'"):
        evaluate(Classifier(), sample, target="stance")
    with pytest.raises(InputError, match="no grouping column 'story'"):
        evaluate(Classifier(), sample, target="lean", groups="story")
    with pytest.raises(InputError, match="no column 'headline'"):
        evaluate(Classifier(text="headline"), sample, target="lean")
    assert not no_fitting


def test_too_few_outlets_for_an_unseen_outlet_split(sample, no_fitting):
    with pytest.raises(InputError, match=r"at least 3 outlets per class.*use cv ≤ 2"):
        evaluate(Classifier(), sample, target="lean", cv=3)
    assert not no_fitting


def test_empty_texts_are_left_out_with_a_warning(sample):
    docs = sample.docs.copy()
    docs.loc[[0, 5], "text"] = ["", "   "]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = framelens.read_corpus(docs)
    with pytest.warns(ClassifierWarning, match=r"2 document\(s\) with an empty text left out \('kv0001', 'kv0006'\)"):
        result = evaluate(Classifier(), corpus, target="source", groups="event", cv=3, k=0)
    assert result.params["n_docs"] == len(docs) - 2 and "kv0001" not in set(result.predictions["doc_id"])
    with pytest.warns(ClassifierWarning, match="empty text"):
        clf = Classifier().fit(corpus, target="source")
    assert clf.training_["n_docs_used"] == len(docs) - 2
    with pytest.raises(InputError, match="no document has both"), pytest.warns(ClassifierWarning):
        Classifier().fit(["", " "], ["a", "b"])


# ---------------------------------------------------------------------------------------------
# evaluation
# ---------------------------------------------------------------------------------------------
def _macro_f1(true, pred):
    """Independent oracle: macro-F1 over the classes present in true or predicted labels."""
    scores = []
    for c in sorted(set(true) | set(pred)):
        tp = sum(t == c and p == c for t, p in zip(true, pred))
        fp = sum(t != c and p == c for t, p in zip(true, pred))
        fn = sum(t == c and p != c for t, p in zip(true, pred))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores)


@pytest.fixture(scope="module")
def source_eval(sample):
    return evaluate(Classifier(), sample, target="source", groups="event", cv=4, seed=0, lexicon="conflict_actors")


def test_evaluation_summary_shape_and_ordering(source_eval):
    s = source_eval.summary
    assert list(s.index) == ["model", "dummy", "lexicon_only"]
    assert {"macro_f1", "macro_f1_std", "accuracy", "balanced_accuracy"} <= set(s.columns)
    assert s.loc["model", "macro_f1"] > 0.8 > 0.2 > s.loc["dummy", "macro_f1"]
    assert s.loc["lexicon_only", "macro_f1"] > s.loc["dummy", "macro_f1"]
    assert source_eval.split == "group" and (s["n_folds"] == 4).all()


def test_evaluation_metrics_match_an_independent_computation(source_eval):
    pred = source_eval.predictions
    for name in ("model", "dummy", "lexicon_only"):
        per_fold = [_macro_f1(list(part["true"]), list(part[name])) for _, part in pred.groupby("fold")]
        assert source_eval.summary.loc[name, "macro_f1"] == pytest.approx(np.mean(per_fold))
        assert source_eval.summary.loc[name, "macro_f1_std"] == pytest.approx(np.std(per_fold))
        acc = [(part["true"] == part[name]).mean() for _, part in pred.groupby("fold")]
        assert source_eval.summary.loc[name, "accuracy"] == pytest.approx(np.mean(acc))
    cm = source_eval.confusion
    assert cm.to_numpy().sum() == len(pred)
    assert np.trace(cm.to_numpy()) == (pred["true"] == pred["model"]).sum()
    recall = source_eval.per_class.query("model == 'model'").set_index("class")["support"]
    assert recall.sum() == len(pred)


def test_group_split_keeps_each_event_in_one_fold(sample, source_eval):
    events = sample.docs.set_index("doc_id")["event"]
    per_event = source_eval.predictions.assign(event=lambda d: d["doc_id"].map(events)).groupby("event")["fold"].nunique()
    assert (per_event == 1).all()


def test_dummy_predicts_the_training_majority(source_eval, sample):
    pred = source_eval.predictions
    for f, part in pred.groupby("fold"):
        train = pred.loc[pred["fold"] != f, "true"].value_counts()
        majority = sorted(train[train == train.max()].index)[0]
        assert (part["dummy"] == majority).all()


def test_stance_target_is_tested_on_unseen_outlets(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClassifierWarning)  # auto split: no warning needed
        result = evaluate(Classifier(), sample, target="lean", cv=2, k=5)
    assert result.split == "outlet" and any("unseen outlets" in n for n in result.notes)
    sources = sample.docs.set_index("doc_id")["source"]
    folds = result.predictions.assign(source=lambda d: d["doc_id"].map(sources)).groupby("source")["fold"].nunique()
    assert (folds == 1).all()  # each outlet is tested in exactly one fold, never trained on there
    per_fold = result.predictions.groupby("fold")["true"].nunique()
    assert (per_fold == 3).all()  # every fold tests every class
    with pytest.warns(ClassifierWarning, match="constant within each outlet"):
        evaluate(Classifier(), sample, target="lean", groups="event", cv=3, k=0)


def test_groups_that_a_split_does_not_use_are_reported_not_recorded(sample):
    events = sample.docs.set_index("doc_id")["event"]
    for split in ("outlet", "stratified"):
        with pytest.warns(ClassifierWarning) as caught:
            result = evaluate(Classifier(), sample, target="lean", groups="event", split=split, cv=2, k=0)
        assert any(f"groups='event' is not used by the {split} split" in str(w.message) for w in caught)
        assert result.params["groups"] is None and result.metrics()["groups"] is None
        spread = result.predictions.assign(event=lambda d: d["doc_id"].map(events)).groupby("event")["fold"].nunique()
        assert (spread == 2).any()  # what the note says: reports of one event in both folds


def test_outlet_split_tolerates_a_few_off_label_documents():
    from framelens.classify.evaluate import _is_outlet_level, make_folds

    rng = np.random.default_rng(1)
    sources = np.repeat([f"outlet{i}" for i in range(12)], 20)
    y = np.array(["left", "center", "right"] * 4)[np.repeat(np.arange(12), 20)]
    y[5] = "right"  # one article of outlet0 ("left") rated otherwise, as in ABP's "Scientific American"
    assert _is_outlet_level(y, sources)
    folds = make_folds(y, split="outlet", cv=4, seed=0, sources=sources)
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(len(y)))
    for train, test in folds:
        assert not set(sources[train]) & set(sources[test])
        assert set(y[test]) == {"left", "center", "right"} and len(set(sources[test])) == 3
    shuffled = rng.permutation(y)  # labels unrelated to outlets: not a stance group
    assert not _is_outlet_level(shuffled, sources)


def test_numeric_and_boolean_labels():
    texts = ["rebels attack", "army wins", "rebels flee", "army shells"]
    clf = Classifier().fit(texts, [0, 1, 0, 1])
    assert list(clf.classes_) == [0, 1] and clf.predict(["rebels"])[0] == 0 and clf.score(texts, [0, 1, 0, 1]) == 1.0


def test_top_feature_stability_finds_terms_outside_the_lexicon(source_eval):
    top = source_eval.top_features
    assert set(top.columns) >= {"class", "feature", "is_lexicon", "stability"}
    assert top["stability"].between(0.25, 1.0).all()
    planted = {"Free Karvia Voice": {"word:junta", "word:resistance"},
               "Karvian National Telegraph": {"word:bandits", "word:patriots"},
               "The Marn Courier": {"word:death squads"}}
    for source, terms in planted.items():
        stable = set(top[(top["class"] == source) & (top["stability"] == 1.0)]["feature"])
        assert terms <= stable, (source, sorted(stable)[:20])
    assert "<table" in source_eval._repr_html_() and "macro_f1" in repr(source_eval)


# ---------------------------------------------------------------------------------------------
# interpretation
# ---------------------------------------------------------------------------------------------
def test_contributions_add_up_to_the_decision_score(lean_model, sample):
    why = explain(lean_model, sample, doc=["kv0001", "kv0002"], k=None)
    scores = lean_model.decision_function(sample.docs.iloc[:2])
    classes = list(lean_model.classes_)
    for i, doc_id in enumerate(["kv0001", "kv0002"]):
        part = why[why["doc_id"] == doc_id]
        cls = part["class"].iloc[0]
        assert cls == part["predicted"].iloc[0] == lean_model.predict(sample.docs.iloc[[i]])[0]
        total = why.attrs["intercepts"][cls] + part["contribution"].sum()
        assert total == pytest.approx(scores[i, classes.index(cls)])
        assert np.allclose(part["contribution"], part["weight"] * part["value"])


def test_binary_explanations_match_decision_function():
    texts = ["the regime shelled", "heroic fighters", "the regime lied", "fighters liberated", "regime forces", "fighters won"]
    clf = Classifier().fit(texts, ["gov", "opp"] * 3)
    why = explain(clf, ["the regime shelled fighters"], k=None, towards="opp")
    assert why.attrs["scores"]["0"] == pytest.approx(clf.decision_function(["the regime shelled fighters"])[0])
    top = top_features(clf, k=2).set_index(["class", "rank"])["feature"]
    assert top[("gov", 1)] == "word:regime" and top[("opp", 1)] == "word:fighters"  # in every document of the class
    weights = clf.coefficients()
    assert np.allclose(weights["gov"], -weights["opp"])  # one weight vector, shown with both signs


def test_naive_bayes_explanations_add_up_to_its_decision_function(sample):
    nb = Classifier(estimator="nb").fit(sample, target="lean")
    docs = sample.docs.iloc[:3]
    scores = nb.decision_function(docs)
    joint = nb.estimator_.predict_joint_log_proba(nb.transform_texts(docs))  # sklearn's own scores
    assert np.allclose(scores, joint - joint.mean(axis=1, keepdims=True))
    assert (nb.classes_[scores.argmax(axis=1)] == nb.predict(docs)).all()
    why = explain(nb, docs, k=None)
    for i, doc_id in enumerate(docs["doc_id"]):
        part = why[why["doc_id"] == doc_id]
        cls = part["class"].iloc[0]
        assert why.attrs["scores"][doc_id] == pytest.approx(scores[i, list(nb.classes_).index(cls)])


def test_prediction_and_explanation_tables_carry_provenance(lean_model, sample):
    import hashlib

    lexicon = framelens.load_lexicon("conflict_actors")
    tables = ((lean_model.predict_table(sample), "predict"), (explain(lean_model, sample, doc="kv0001"), "explain"))
    for table, kind in tables:
        record = table.attrs["framelens"]
        assert record["kind"] == kind and record["corpus"]["sha256"] == sample.fingerprint
        assert record["lexicon"]["sha256"] == lexicon.fingerprint
        model = record["params"]["model"]
        assert model["training"]["data_sha256"] == lean_model.training_["data_sha256"]
        assert model["training"]["target"] == "lean" and model["params"]["C"] == 1.0
        assert record["framelens_version"] == framelens.__version__
    texts = ["Rebels advance.", "The army said so."]
    record = lean_model.predict_table(texts).attrs["framelens"]
    digest = hashlib.sha256("".join(f"{t}\x1f\x1e" for t in texts).encode()).hexdigest()
    assert "corpus" not in record and record["params"]["input"] == {"n_docs": 2, "text_column": None, "sha256": digest}


def test_evaluation_tables_carry_provenance(source_eval, sample):
    tables = [source_eval.summary, source_eval.folds, source_eval.per_class, source_eval.confusion,
              source_eval.predictions, source_eval.top_features, *source_eval.confusions.values()]
    for table in tables:
        record = table.attrs["framelens"]
        assert record["corpus"]["sha256"] == sample.fingerprint and record["params"]["seed"] == 0
        assert record["params"]["groups"] == "event" and record["kind"].startswith("evaluate_")
    assert source_eval.confusion.reset_index().attrs["framelens"]["kind"] == "evaluate_confusion_model"


def test_top_features_of_lean_model_name_planted_labels(lean_model):
    top = top_features(lean_model, k=10)
    opp = set(top.loc[top["class"] == "pro_opposition", "feature"])
    assert "lexicon:armed_opposition__freedom_fighters" in opp and top["is_lexicon"].any()
    with pytest.raises(InputError, match="no document with id 'nope'"):
        explain(lean_model, framelens.datasets.load_sample(), doc="nope")
    for bad in (0, -1):  # -1 used to drop the last feature silently, 0 to return nothing
        with pytest.raises(ParameterError, match="k must be an integer ≥ 1"):
            explain(lean_model, ["The regime shelled the town."], k=bad)


def test_sentence_corpus(sample):
    sents = sentence_corpus(sample)
    spans = sample.sentence_spans()
    assert len(sents) == sum(len(s) for s in spans)
    first = sents.docs.iloc[0]
    assert first["doc_id"] == "kv0001#s0" and first["parent_id"] == "kv0001"
    text = sample.texts[0]
    for _, row in sents.docs[sents.docs["parent_id"] == "kv0001"].iterrows():
        assert row["text"] == text[row["start"]:row["end"]]
    assert (sents.docs["lean"].groupby(sents.docs["parent_id"]).nunique() == 1).all()
    clf = Classifier().fit(sents, target="lean")
    assert clf.training_["n_docs_used"] == len(sents)


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
def _cli(argv):
    from framelens.cli import classify

    parser = argparse.ArgumentParser(prog="framelens")
    classify.register(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_train_predict_explain_evaluate(tmp_path, capsys):
    out = tmp_path / "models" / "lean"
    assert _cli(["train", "sample", "--target", "lean", "--lexicon", "conflict_actors", "--cv", "2",
                 "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["model.skops", "model_card.json", "model_card.md"]
    assert _cli(["predict", str(out), "sample", "--out", str(tmp_path / "pred.csv")]) == 0
    pred = pd.read_csv(tmp_path / "pred.csv")
    assert list(pred.columns) == ["doc_id", "predicted", "proba_neutral", "proba_pro_government", "proba_pro_opposition"]
    assert np.allclose(pred.filter(like="proba_").sum(axis=1), 1.0)
    assert _cli(["explain", str(out), "sample", "--doc", "kv0001", "--top", "5"]) == 0
    shown = capsys.readouterr().out
    assert "kv0001: predicted" in shown and "contribution" in shown
    assert _cli(["evaluate", "sample", "--target", "source", "--groups", "event", "--cv", "3",
                 "--baseline-lexicon", "conflict_actors", "--out", str(tmp_path / "eval.csv")]) == 0
    summary = pd.read_csv(tmp_path / "eval.csv")
    assert list(summary["model"]) == ["model", "dummy", "lexicon_only"] and summary["macro_f1"].notna().all()
    assert "confusion matrix" in capsys.readouterr().err
    with pytest.raises(ParameterError, match="unknown preset"):
        _cli(["train", "sample", "--target", "lean", "--preset", "nope", "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()


def test_cli_outputs_carry_provenance_and_errors_name_the_file(tmp_path, sample):
    import hashlib
    import json

    out = tmp_path / "lean"
    assert _cli(["train", "sample", "--target", "lean", "--no-evaluate", "--out", str(out)]) == 0
    digest = hashlib.sha256((out / "model.skops").read_bytes()).hexdigest()
    for verb, extra in (("predict", []), ("explain", ["--doc", "kv0001"])):
        assert _cli([verb, str(out), "sample", *extra, "--out", str(tmp_path / f"{verb}.csv")]) == 0
        record = json.loads((tmp_path / f"{verb}.csv.provenance.json").read_text())
        assert record["kind"] == verb and record["corpus"]["sha256"] == sample.fingerprint
        assert record["params"]["model_file"]["sha256"] == digest
    assert _cli(["evaluate", "sample", "--target", "source", "--groups", "event", "--cv", "2",
                 "--details", str(tmp_path / "d")]) == 0
    for part in ("per_class", "confusion", "features", "predictions"):
        record = json.loads((tmp_path / f"d_{part}.csv.provenance.json").read_text())
        assert record["corpus"]["sha256"] == sample.fingerprint and record["params"]["cv"] == 2
    csv = tmp_path / "articles.csv"
    sample.docs.drop(columns="lean").to_csv(csv, index=False)
    with pytest.raises(InputError, match=r"articles\.csv, field 'lean': no target column 'lean'"):
        _cli(["train", str(csv), "--target", "lean", "--out", str(tmp_path / "x")])
    with pytest.raises(InputError, match=r"articles\.csv, field 'lean': no target column 'lean'"):
        _cli(["evaluate", str(csv), "--target", "lean"])
    (tmp_path / "taken.csv").write_text("x")
    with pytest.raises(InputError, match=r"taken\.csv: --out must be a folder"):
        _cli(["train", "sample", "--target", "lean", "--out", str(tmp_path / "taken.csv")])
    titles = tmp_path / "titles"
    assert _cli(["train", "sample", "--target", "lean", "--text-field", "title", "--no-evaluate",
                 "--out", str(titles)]) == 0
    pd.DataFrame({"text": ["Rebels advance."]}).to_csv(tmp_path / "new.csv", index=False)
    with pytest.raises(InputError, match=r"new\.csv, field 'title': every text the model reads is empty"):
        _cli(["predict", str(titles), str(tmp_path / "new.csv")])
