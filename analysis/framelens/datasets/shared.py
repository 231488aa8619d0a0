"""Loaders for the third-party corpora kept beside the repository in ``../shared/corpora``.

The files are read where they lie and never copied into the project. Each loader returns a
:class:`framelens.Corpus` whose ``meta`` names the dataset, its licence, upstream repository and
citation, and counts anything the loader left out (nothing is dropped silently).

Where the folder is: the environment variable ``FRAMELENS_SHARED`` (the ``shared`` folder or its
``corpora`` folder), otherwise the first folder named ``shared`` holding ``corpora`` found beside the
package or the working directory or any of their parents.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..corpus import Corpus, read_corpus
from ..errors import InputError, ParameterError
from ..readers import json_error

ENV_VAR = "FRAMELENS_SHARED"


@dataclass(frozen=True)
class SharedDataset:
    """Where a third-party corpus lies under ``shared/corpora`` and where it came from."""

    name: str
    folder: str
    files: tuple[str, ...]
    description: str
    licence: str
    url: str
    commit: str
    citation: str


SHARED_DATASETS: dict[str, SharedDataset] = {
    "abp": SharedDataset(
        "abp", "article_bias_prediction", ("abp_conflict_subset.jsonl",),
        "Article-Bias-Prediction: 4,078 conflict and foreign-policy news articles (full text) from 133 US "
        "outlets, with the outlet's AllSides bias label (left/center/right)",
        "Apache-2.0 (release); article texts belong to the outlets, research use",
        "https://github.com/ramybaly/Article-Bias-Prediction", "ced8111a720948e6a410e52031ace99c4e53f096",
        "Baly, Da San Martino, Glass, Nakov (2020). We Can Detect Your Bias: Predicting the Political "
        "Ideology of News Articles. EMNLP 2020.",
    ),
    "babe": SharedDataset(
        "babe", "babe_mbic", ("final_labels_SG1.csv", "final_labels_SG2.csv", "final_labels_MBIC.csv"),
        "BABE (SG1, SG2) and MBIC: news sentences with expert labels biased / non-biased, opinion "
        "labels, biased words and the outlet",
        "AGPL-3.0 (repository); sentences are excerpts from the outlets",
        "https://github.com/Media-Bias-Group/Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE",
        "fb79f646dcabf1746f5ebedc06ed8dd61ba78188",
        "Spinde, Plank, Krieger, Ruas, Gipp, Aizawa (2021). Neural Media Bias Detection Using Distant "
        "Supervision With BABE. Findings of EMNLP 2021.",
    ),
    "allsides": SharedDataset(
        "allsides", "allsides_neus", ("headline_11_2021-10-19_crawled_all.jsonl",),
        "AllSides story triplets (NeuS): headline and first paragraphs of 505 stories as a left, a "
        "center and a right outlet told them (469 by all three, 36 by two; one story of the file has none)",
        "MIT badge on the repository (no LICENSE file); texts belong to the outlets, research use",
        "https://github.com/HLTCHKUST/framing-bias-metric", "1586f55a9011853224ca4d0cee164c46f6137557",
        "Lee, Bang, Yu, Madotto, Fung (2022). NeuS: Neutral Multi-News Summarization for Mitigating "
        "Framing Bias. NAACL 2022.",
    ),
}


def shared_dir(required: bool = True) -> Path | None:
    """The ``shared/corpora`` folder that holds the third-party corpora.

    Parameters
    ----------
    required : bool
        Raise :class:`~framelens.errors.InputError` when the folder is not found (default); with
        ``False`` return None instead.

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> path = shared_dir(required=False)
    >>> path is None or path.name == "corpora"
    True
    """
    env = os.environ.get(ENV_VAR)
    if env:
        given = Path(env).expanduser()
        for candidate in (given / "corpora", given):
            if candidate.is_dir():
                return candidate
        if required:
            raise InputError(f"{ENV_VAR} names a folder that does not exist", file=given)
        return None
    starts = [Path(__file__).resolve().parent, Path.cwd().resolve()]
    for start in starts:
        for folder in (start, *start.parents):
            if folder.name == "shared" and (folder / "corpora").is_dir():
                return folder / "corpora"
            if (folder / "shared" / "corpora").is_dir():
                return folder / "shared" / "corpora"
    if required:
        raise InputError(
            "the third-party corpora were not found: no folder 'shared/corpora' beside or above "
            f"{' or '.join(map(str, starts))}; set {ENV_VAR} to the folder that holds 'corpora'"
        )
    return None


def dataset_path(name: str, file: str | None = None, *, required: bool = True) -> Path | None:
    """Path of a shared dataset's folder (or of one of its files)."""
    info = SHARED_DATASETS[name]
    root = shared_dir(required=required)
    if root is None:
        return None
    path = root / info.folder / (file or "")
    if not path.exists():
        if required:
            raise InputError(f"dataset {name!r} is not in the shared folder", file=path)
        return None
    return path


def _meta(name: str, path: Path, **extra) -> dict:
    info = SHARED_DATASETS[name]
    return {"name": name, "fictional": False, "description": info.description, "licence": info.licence,
            "url": info.url, "commit": info.commit, "citation": info.citation, "source_file": str(path), **extra}


# -------------------------------------------------------------------------------------------------
def load_abp(path: str | os.PathLike | None = None) -> Corpus:
    """Article-Bias-Prediction, conflict and foreign-policy subset (4,078 articles).

    Parameters
    ----------
    path : path, optional
        The ``abp_conflict_subset.jsonl`` file; found under :func:`shared_dir` when not given.

    Returns
    -------
    Corpus
        ``doc_id`` = the ABP ``ID``, ``source`` = the outlet as ABP spells it (not normalised: "Fox
        News" and "Fox Online News" are separate), ``text`` = ``content_original``; metadata
        ``topic, source_url, url, authors, bias_text, bias`` as upstream, plus ``lean`` (= ``bias_text``,
        AllSides' rating of the outlet, not of the article). Articles without a date get NaT.

    Examples
    --------
    >>> corpus = load_abp()  # doctest: +SKIP
    >>> corpus.docs["lean"].value_counts().to_dict()  # doctest: +SKIP
    {'right': 1491, 'center': 1343, 'left': 1244}
    """
    file = Path(path) if path is not None else dataset_path("abp", "abp_conflict_subset.jsonl")
    corpus = read_corpus(file, text="content_original", id="ID", source="source", date="date", title="title",
                         meta=_meta("abp", file))
    corpus.docs["lean"] = corpus.docs["bias_text"]
    return corpus


def load_babe(subset: str = "SG2", drop_no_agreement: bool = True, path: str | os.PathLike | None = None) -> Corpus:
    """BABE / MBIC sentences with expert bias labels, one document per sentence.

    Parameters
    ----------
    subset : {"SG2", "SG1", "MBIC"}
        SG2: 3,674 sentences from 11 outlets; SG1 and MBIC: the same 1,700 sentences from 8 outlets
        (MBIC also carries the whole ``article``).
    drop_no_agreement : bool
        Drop the sentences whose ``label_bias`` is "No agreement" (the annotators disagreed); how many
        were dropped is in ``corpus.meta["dropped_no_agreement"]``.
    path : path, optional
        The CSV file itself; found under :func:`shared_dir` when not given.

    Returns
    -------
    Corpus
        ``doc_id`` = ``babe-<subset>-<record number>`` (1-based, as in the file, so ids are stable
        whatever is dropped), ``source`` = ``outlet``; the other columns as upstream (``biased_words``
        stays the Python-style list string of the file), plus ``lean`` (= ``type``, the outlet's
        leaning; empty where upstream has none).

    Examples
    --------
    >>> corpus = load_babe("SG2")  # doctest: +SKIP
    >>> len(corpus), corpus.meta["dropped_no_agreement"]  # doctest: +SKIP
    (3673, 1)
    """
    key = str(subset).upper()
    if key not in ("SG1", "SG2", "MBIC"):
        raise ParameterError(f"subset must be 'SG1', 'SG2' or 'MBIC', not {subset!r}")
    file = Path(path) if path is not None else dataset_path("babe", f"final_labels_{key}.csv")
    try:
        raw = pd.read_csv(file, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the BABE file: {exc}", file=file) from None
    for column in ("text", "outlet", "label_bias"):
        if column not in raw.columns:
            raise InputError(f"no column {column!r}; the columns are: {', '.join(raw.columns)}",
                             file=file, field=column)
    raw.insert(0, "doc_id", [f"babe-{key.lower()}-{i:05d}" for i in range(1, len(raw) + 1)])
    raw["lean"] = raw["type"] if "type" in raw.columns else ""
    no_agreement = raw["label_bias"].eq("No agreement")
    dropped = int(no_agreement.sum()) if drop_no_agreement else 0
    if drop_no_agreement:
        raw = raw.loc[~no_agreement].reset_index(drop=True)
    meta = _meta("babe", file, subset=key, no_agreement=int(no_agreement.sum()), dropped_no_agreement=dropped)
    return read_corpus(raw, text="text", source="outlet", id="doc_id", meta=meta)


def load_allsides(path: str | os.PathLike | None = None) -> Corpus:
    """AllSides story triplets: one document per (story, side) with headline and first paragraphs.

    Parameters
    ----------
    path : path, optional
        The ``headline_11_2021-10-19_crawled_all.jsonl`` file; found under :func:`shared_dir` when
        not given.

    Returns
    -------
    Corpus
        ``doc_id`` = ``allsides-<story>-<side>``, ``source`` = the outlet (``newsSource``), ``title``
        = its headline, ``text`` = its paragraphs joined by blank lines, ``date`` = the story's date
        as AllSides dated it (local calendar day); metadata ``story`` (AllSides story id: the story
        grouping), ``issue``, ``topic``, ``lean`` (the side: left / center / right),
        ``outlet_rating`` (AllSides' finer rating of the outlet: lean left, mixed …), ``opinion_tag``,
        ``link``. ``meta["stories_without_articles"]`` counts stories with no side at all.

    Examples
    --------
    >>> corpus = load_allsides()  # doctest: +SKIP
    >>> corpus.docs.groupby("lean").size().to_dict()  # doctest: +SKIP
    {'center': 475, 'left': 501, 'right': 503}
    """
    file = Path(path) if path is not None else dataset_path("allsides", "headline_11_2021-10-19_crawled_all.jsonl")
    rows, n_stories, empty_stories = [], 0, 0
    with open(file, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                story = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"malformed JSON ({json_error(exc)})", file=file, row=lineno) from None
            n_stories += 1
            news = story.get("news") or {}
            if not news:
                empty_stories += 1
            for side in ("left", "center", "right"):
                item = news.get(side)
                if not item:
                    continue
                rows.append({
                    "doc_id": f"allsides-{story['id']}-{side}",
                    "source": item.get("newsSource") or "",
                    "date": str(story.get("date") or "")[:10],
                    "title": item.get("newsTitle") or "",
                    "text": "\n\n".join(p.strip() for p in (item.get("newBody") or []) if p and p.strip()),
                    "story": str(story["id"]),
                    "issue": story.get("issue") or "",
                    "topic": story.get("topic") or "",
                    "lean": side,
                    "outlet_rating": item.get("stance_specific") or "",
                    "opinion_tag": item.get("opinionTag") or "",
                    "link": item.get("newsLink") or "",
                })
    meta = _meta("allsides", file, stories=n_stories, stories_without_articles=empty_stories)
    return read_corpus(pd.DataFrame(rows), meta=meta)
