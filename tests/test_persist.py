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
