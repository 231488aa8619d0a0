"""Saving and loading classifiers: skops round trip, model cards, and refusal of untrusted files."""
from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

import framelens
from framelens.classify import Classifier, evaluate, load_model, read_model_card, save_model
from framelens.classify.persist import ALLOWED_TYPES, audit_model_file
from framelens.classify.train_defaults import train_default_models
from framelens.errors import InputError



class SideEffect:
    """An object whose construction by a loader writes a file: what a malicious model would do."""

    def __init__(self, path: str):
        self.path = path

    def __setstate__(self, state):
        Path(state["path"]).write_text("pwned")
        self.__dict__.update(state)


class PicklePayload:
    """A pickle whose loading writes a file (through __reduce__)."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.write_text, (Path(self.path), "pwned"))


@pytest.fixture(scope="module")
def sample():
    return framelens.datasets.load_sample()


@pytest.fixture(scope="module")
def saved(tmp_path_factory, sample):
    model = Classifier(lexicon="conflict_actors").fit(sample, target="lean")
    evaluation = evaluate(Classifier(lexicon="conflict_actors"), sample, target="lean", cv=2, k=5)
    folder = save_model(model, tmp_path_factory.mktemp("models") / "lean", evaluation=evaluation)
    return model, evaluation, folder


def test_round_trip_predicts_identically(saved, sample):
    model, _, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == ["model.skops", "model_card.json", "model_card.md"]
    loaded = load_model(folder)
    assert isinstance(loaded, Classifier)
    assert (loaded.predict(sample) == model.predict(sample)).all()
    assert np.array_equal(loaded.predict_proba(sample), model.predict_proba(sample))
    assert loaded.get_params() == model.get_params() and list(loaded.feature_names_) == list(model.feature_names_)
    assert load_model(folder / "model.skops").training_ == model.training_
    with zipfile.ZipFile(folder / "model.skops") as zf:  # skops format: JSON schema + .npy arrays, no pickle
        assert "schema.json" in zf.namelist() and all(n.endswith((".json", ".npy")) for n in zf.namelist())


def test_nb_block_model_round_trips_with_its_new_types(tmp_path, sample):
    docs = sample.docs.assign(neutral=np.where(sample.docs["lean"] == "neutral", "yes", "no"))
    model = Classifier(nb=True, lexicon="conflict_actors").fit(docs, target="neutral")
    folder = save_model(model, tmp_path / "nb")
    assert audit_model_file(folder) == set()
    named = set(sio.get_untrusted_types(file=folder / "model.skops"))
    assert {"framelens.classify.model.NBFeatures", "framelens.classify.model.LogitAverage"} <= named <= ALLOWED_TYPES
    loaded = load_model(folder)
    assert type(loaded.estimator_).__name__ == "LogitAverage"
    assert np.array_equal(loaded.predict_proba(docs), model.predict_proba(docs))
    assert list(loaded.feature_names_) == list(model.feature_names_)


def test_model_card_records_data_lexicon_parameters_and_metrics(saved, sample):
    model, evaluation, folder = saved
    card = read_model_card(folder)
    assert card["training_data"]["corpus"]["sha256"] == sample.fingerprint
    lexicon = framelens.lexicon.load_lexicon("conflict_actors")
    assert card["lexicon"] == {"name": "conflict_actors", "version": lexicon.version, "sha256": lexicon.fingerprint}
    assert card["model"]["params"]["C"] == 1.0 and card["model"]["classes"] == list(model.classes_)
    ev = card["evaluation"]
    assert ev["split"] == "outlet" and ev["cv"] == 2
    for name in ("model", "dummy", "lexicon_only"):
        assert ev["summary"][name]["macro_f1"] == pytest.approx(evaluation.summary.loc[name, "macro_f1"], abs=1e-6)
    assert card["versions"]["scikit-learn"] and card["versions"]["skops"] and card["versions"]["framelens"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", card["created"])
    assert card["intended_use"] and card["limitations"]
    md = (folder / "model_card.md").read_text()
    assert sample.fingerprint in md and "## Limitations" in md and "| lexicon_only |" in md


def test_card_metrics_name_the_data_and_model_they_describe(saved, sample):
    model, _, folder = saved
    ev = read_model_card(folder)["evaluation"]
    assert "mismatch" not in ev and "Warning" not in (folder / "model_card.md").read_text()
    assert ev["data_sha256"] == model.training_["data_sha256"] and ev["corpus"]["sha256"] == sample.fingerprint
    assert ev["model"]["lexicon"] == "conflict_actors" and ev["model"]["C"] == 1.0


def test_an_evaluation_of_another_model_is_flagged_in_the_card(tmp_path, sample):
    from framelens.classify import ClassifierWarning

    # the baseline's lexicon is not the model's: Classifier() has none
    other = evaluate(Classifier(C=4.0), sample, target="source", groups="event", cv=2, k=0, lexicon="conflict_actors")
    assert other.params["model"]["lexicon"] is False and other.params["baseline_lexicon"] == "conflict_actors"
    model = Classifier(lexicon="conflict_actors").fit(sample, target="lean")
    with pytest.warns(ClassifierWarning, match="does not describe this model"):
        folder = save_model(model, tmp_path / "m", evaluation=other)
    mismatch = read_model_card(folder)["evaluation"]["mismatch"]
    assert any("other texts or labels" in m for m in mismatch) and any("predicts 'source'" in m for m in mismatch)
    assert any('C=4.0 (this model: 1.0)' in m and 'lexicon=false (this model: "conflict_actors")' in m
               for m in mismatch)
    assert "**Warning: these metrics do not describe this model:**" in (folder / "model_card.md").read_text()


def test_cards_are_identical_on_rerun_except_the_date(tmp_path):
    first = train_default_models(tmp_path / "a", ["sample_lean"])[0]
    second = train_default_models(tmp_path / "b", ["sample_lean"])[0]
    for name in ("model_card.json", "model_card.md"):
        a, b = (re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "DATE", (f / name).read_text()) for f in (first, second))
        assert a == b
    assert "DATE" in a


def test_committed_models_load_and_match_their_cards(sample):
    models = Path(__file__).resolve().parents[1] / "models"
    folders = sorted(p.parent for p in models.glob("*/model.skops"))
    if not folders:
        pytest.skip("no trained models committed under models/")
    for folder in folders:
        card = read_model_card(folder)
        model = load_model(folder)
        assert card["training_data"]["corpus"]["sha256"] == sample.fingerprint
        assert [str(c) for c in model.classes_] == card["model"]["classes"]


# ---------------------------------------------------------------------------------------------
# refusing untrusted files, without running anything from them
# ---------------------------------------------------------------------------------------------
def test_untrusted_type_is_refused_and_never_constructed(tmp_path):
    marker = tmp_path / "pwned.txt"
    evil = tmp_path / "evil.skops"
    sio.dump({"model": SideEffect(str(marker))}, evil)
    assert not marker.exists()
    with pytest.raises(InputError, match=r"refusing to load.*SideEffect"):
        load_model(evil)
    assert not marker.exists()


def test_untrusted_object_hidden_inside_a_real_model_is_refused(tmp_path, sample):
    marker = tmp_path / "pwned.txt"
    model = Classifier().fit(sample, target="source")
    model.training_ = {**model.training_, "extra": SideEffect(str(marker))}
    folder = save_model(model, tmp_path / "m")
    assert not marker.exists()
    with pytest.raises(InputError, match="SideEffect"):
        load_model(folder)
    assert not marker.exists()


def test_a_function_reference_in_the_schema_is_refused(tmp_path, sample):
    """A hand-edited schema naming os.system (the kind of edit skops' FunctionNode would load)."""
    folder = save_model(Classifier().fit(sample, target="source"), tmp_path / "m")
    file = folder / "model.skops"
    with zipfile.ZipFile(file) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    schema = json.loads(members["schema.json"])
    schema["content"]["content"]["preset"] = {"__class__": "system", "__module__": "os", "__loader__": "FunctionNode",
                                              "content": {"module_path": "os", "function": "system"}, "__id__": 1}
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(file, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(InputError, match=r"os\.system"):
        load_model(folder)


def test_a_pickle_renamed_skops_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned.txt"
    fake = tmp_path / "model.skops"
    fake.write_bytes(pickle.dumps(PicklePayload(str(marker))))
    assert not marker.exists()
    with pytest.raises(InputError, match="pickle"):
        load_model(fake)
    with pytest.raises(InputError, match="pickle"):
        load_model(tmp_path)  # the folder form finds model.skops
    assert not marker.exists()
    pickle.loads(fake.read_bytes())  # the payload is real: unpickling does write the file
    assert marker.read_text() == "pwned"


def test_other_bad_files(tmp_path):
    with pytest.raises(InputError, match="no such model file"):
        load_model(tmp_path / "missing")
    junk = tmp_path / "junk.skops"
    junk.write_text("hello")
    with pytest.raises(InputError, match="not a skops model file"):
        load_model(junk)
    from sklearn.linear_model import LogisticRegression

    plain = tmp_path / "plain.skops"
    sio.dump(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), plain)
    assert audit_model_file(plain) == set()
    with pytest.raises(InputError, match="not a framelens Classifier"):
        load_model(plain)


def test_allow_list_is_explicit():
    assert "framelens.classify.model.Classifier" in ALLOWED_TYPES
    assert not any(t.startswith(("os.", "posix.", "subprocess.", "builtins.eval", "builtins.exec")) for t in ALLOWED_TYPES)


# ---------------------------------------------------------------------------------------------
# damaged or edited files: a located InputError at load time, never a traceback at predict time
# ---------------------------------------------------------------------------------------------
def _rewrite(file: Path, edit) -> None:
    """Rewrite a skops zip, ``edit(members, schema)`` changing its members in place."""
    with zipfile.ZipFile(file) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    schema = json.loads(members["schema.json"])
    edit(members, schema)
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(file, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.fixture()
def source_model_file(tmp_path, sample):
    folder = save_model(Classifier().fit(sample, target="source"), tmp_path / "m")
    return folder / "model.skops"


def test_a_damaged_card_is_a_located_input_error(source_model_file):
    card = source_model_file.with_name("model_card.json")
    card.write_text(card.read_text()[:200])
    with pytest.raises(InputError, match=r"model_card\.json: damaged model card"):
        read_model_card(source_model_file.parent)


def test_a_damaged_array_is_a_located_input_error(source_model_file):
    def garble(members, schema):
        coef = schema["content"]["content"]["estimator_"]["content"]["content"]["coef_"]["file"]
        members[coef] = b"not an array"

    _rewrite(source_model_file, garble)
    with pytest.raises(InputError, match=r"model\.skops: damaged model file"):
        load_model(source_model_file)


def test_a_model_stripped_of_its_fitted_estimator_is_refused_at_load(source_model_file, sample):
    _rewrite(source_model_file, lambda members, schema: schema["content"]["content"].pop("estimator_"))
    with pytest.raises(InputError, match="damaged model file: the classifier lacks its fitted estimator_"):
        load_model(source_model_file)


def test_weights_that_do_not_fit_the_features_are_refused_at_load(source_model_file):
    def shorten(members, schema):
        node = schema["content"]["content"]["estimator_"]["content"]["content"]["coef_"]
        coef = np.load(__import__("io").BytesIO(members[node["file"]]))
        members[node["file"]] = _npy(coef[:, :-3])

    _rewrite(source_model_file, shorten)
    with pytest.raises(InputError, match=r"damaged model file: its weights have shape \(6, \d+\)"):
        load_model(source_model_file)


def test_lexicon_scales_that_do_not_fit_the_labels_are_refused_at_load(tmp_path, sample):
    folder = save_model(Classifier(lexicon="conflict_actors").fit(sample, target="lean"), tmp_path / "m")
    n_labels = sum(1 for _ in framelens.load_lexicon("conflict_actors").iter_labels())

    def shorten(members, schema):
        block = schema["content"]["content"]["features_"]["content"][1]["content"]["transformer"]
        node = block["content"]["content"]["scale_"]
        members[node["file"]] = _npy(np.load(__import__("io").BytesIO(members[node["file"]]))[:-1])

    _rewrite(folder / "model.skops", shorten)
    with pytest.raises(InputError, match=f"its lexicon block has {n_labels - 1} scales for {n_labels} features"):
        load_model(folder)
