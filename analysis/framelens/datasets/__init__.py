"""Datasets: the embedded fictional sample corpus and its answer key; loaders for ../shared corpora.

The sample corpus ("Karvia") is fictional: six invented outlets report on sixteen invented events of
an invented war, each outlet with planted framing choices that :func:`sample_answer_key` lists. It is
committed as ``corpora/karvia/*.csv`` and, where the source tree is absent (an installed wheel), the
same tables are regenerated in memory by :mod:`framelens.datasets.sample_generator`, byte for byte.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..corpus import Corpus, read_corpus
from ..errors import ParameterError
from .shared import SHARED_DATASETS, dataset_path, load_abp, load_allsides, load_babe, shared_dir

__all__ = [
    "load_sample", "sample_answer_key", "sample_annotations", "sample_mentions", "sample_dir",
    "shared_dir", "list_datasets", "load_dataset", "load_abp", "load_babe", "load_allsides",
]

_INT_COLUMNS = {
    "annotations.csv": ("sentence", "paragraph", "start", "end", "span_start", "span_end", "verb_start",
                        "verb_end", "number"),
    "mentions.csv": ("sentence", "start", "end"),
}


def _generator():
    # Imported on use: `python -m framelens.datasets.sample_generator` must find it not yet imported.
    from . import sample_generator

    return sample_generator


def sample_dir() -> Path | None:
    """The committed ``corpora/karvia`` folder of the source tree, or None when it is not there."""
    gen = _generator()
    path = Path(__file__).resolve().parents[3] / "corpora" / gen.NAME
    return path if all((path / f).is_file() for f in gen.FILES) else None


@lru_cache(maxsize=1)
def _generated():
    gen = _generator()
    return gen.generate(gen.SEED)


def _table(name: str) -> pd.DataFrame:
    """One of the sample's tables, from the committed file or regenerated (identical either way)."""
    folder = sample_dir()
    if folder is not None:
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False, na_filter=False)
    else:
        df = _generated().tables()[name].copy()
    for column in _INT_COLUMNS.get(name, ()):
        df[column] = pd.to_numeric(df[column].replace("", None)).astype("Int64")
    if name == "mentions.csv":
        df["in_lexicon"] = df["in_lexicon"].eq("true")
    return df


def load_sample() -> Corpus:
    """The fictional Karvia corpus: 6 outlets × ~56 reports on 16 events of an invented war.

    Returns
    -------
    Corpus
        Columns ``doc_id, source, date, title, text`` plus ``event`` (the story the report covers)
        and ``lean`` (``pro_opposition``, ``neutral``, ``pro_government``); ``meta["fictional"]`` is
        True.

    Examples
    --------
    >>> corpus = load_sample()
    >>> corpus.meta["fictional"], corpus.docs["source"].nunique(), corpus.docs["event"].nunique()
    (True, 6, 16)
    """
    gen = _generator()
    meta = {"name": gen.NAME, "fictional": True, "description": gen.DESCRIPTION, "seed": gen.SEED,
            "generator": "framelens.datasets.sample_generator"}
    folder = sample_dir()
    if folder is not None:
        return read_corpus(folder / "reports.csv", meta=meta)
    return read_corpus(_generated().reports.copy(), meta=meta)


def sample_answer_key() -> pd.DataFrame:
    """The planted choices of the sample corpus, derived from its text.

    Returns
    -------
    DataFrame
        ``source, dimension, family, planted, note``. Dimensions: ``label`` (lexicon label id per
        family), ``attribution`` (neutral / stance verbs for statements by a family), ``voice`` (the
        majority construction of casualty sentences with a family as agent), ``tone`` (positive /
        negative), ``selection`` (``overcovered``: the side whose atrocities the outlet over-covers),
        ``discovery`` (a term outside the built-in lexicon, per family) and ``slant`` (rank "1" =
        most pro-opposition … "6", family empty).

    Examples
    --------
    >>> key = sample_answer_key()
    >>> key.query("dimension == 'slant'").set_index("source")["planted"].sort_values().index[0]
    'Free Karvia Voice'
    """
    return _table("answer_key.csv")


def sample_annotations() -> pd.DataFrame:
    """Sentence-level truth of the sample corpus: roles, attributions and casualty constructions.

    One row per sentence with its character span in ``text`` (``start``, ``end``); for
    ``kind == "attribution"`` the speaker's ``family`` and ``label``, the ``verb``, its ``verb_class``
    (neutral / stance), the ``construction`` and the speaker and verb spans; for ``kind ==
    "casualty"`` the agent's family, the ``construction`` (active, passive_agent, passive_agentless,
    intransitive), the agent's span when it is named and the reported ``number`` of dead.

    Examples
    --------
    >>> ann = sample_annotations()
    >>> sorted(ann.loc[ann["kind"] == "casualty", "construction"].unique())
    ['active', 'intransitive', 'passive_agent', 'passive_agentless']
    """
    return _table("annotations.csv")


def sample_mentions() -> pd.DataFrame:
    """Every actor mention in the sample corpus with its span, family, label and role.

    ``in_lexicon`` is False for the planted terms that a built-in lexicon does not know.

    Examples
    --------
    >>> m = sample_mentions()
    >>> sorted(m.loc[~m["in_lexicon"], "label"].unique())
    ['bandits', 'death squads', 'junta', 'patriots', 'resistance']
    """
    return _table("mentions.csv")


_SAMPLE_DESCRIPTION = ("Karvia: fictional reports by 6 invented outlets on 16 invented events of an invented "
                       "war, with planted framing choices and an answer key (written by framelens)")


def list_datasets() -> pd.DataFrame:
    """The datasets framelens can load, whether each is present here, and where to get it.

    Returns
    -------
    DataFrame
        ``name, present, path, description, licence, url, commit, loader``.

    Examples
    --------
    >>> list_datasets()["name"].tolist()
    ['sample', 'abp', 'babe', 'allsides']
    """
    folder = sample_dir()
    rows = [{"name": "sample", "present": True, "path": str(folder) if folder else "(generated in memory)",
             "description": _SAMPLE_DESCRIPTION, "licence": "MIT (part of framelens)", "url": "", "commit": "",
             "loader": "framelens.datasets.load_sample()"}]
    for name, info in SHARED_DATASETS.items():
        path = dataset_path(name, required=False)
        present = path is not None and all((path / f).is_file() for f in info.files)
        rows.append({"name": name, "present": present, "path": str(path) if path else "",
                     "description": info.description, "licence": info.licence, "url": info.url,
                     "commit": info.commit, "loader": f"framelens.datasets.load_{name}()"})
    return pd.DataFrame(rows)


_LOADERS = {"sample": load_sample, "abp": load_abp, "babe": load_babe, "allsides": load_allsides}


def load_dataset(name: str, **kwargs) -> Corpus:
    """Load a dataset by name: ``"sample"``, ``"abp"``, ``"babe"`` or ``"allsides"``.

    Keyword arguments go to the loader (``load_dataset("babe", subset="SG1")``).

    Examples
    --------
    >>> load_dataset("sample").meta["name"]
    'karvia'
    """
    try:
        loader = _LOADERS[str(name).lower()]
    except KeyError:
        raise ParameterError(f"unknown dataset {name!r}; known: {', '.join(_LOADERS)}") from None
    return loader(**kwargs)
