"""Pre-flight checks: the corpus a report runs on, and whether its parameters can apply to it.

:func:`validate_parameters` runs before any kernel starts, so that a wrong column, a family not in
the lexicon or a group without text costs one clear line rather than a failed report.
:func:`story_column` says which column the within-story section compares within.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..corpus import CorpusWarning
from ..errors import ParameterError

SAMPLE = "sample"
DATE_BINS = ("day", "week", "month", "quarter", "year")
# the columns the classifier_report template groups its folds by with group_column="auto", in order
CLASSIFIER_GROUP_COLUMNS = ("event", "story", "story_id", "topic")
STORY_AUTO, STORY_FIND = "auto", "find"  # values of the ``story`` parameter that name no column
STORY_COLUMNS = ("story", "event")  # the columns story="auto" looks for, in this order


def load_corpus(corpus: Any = SAMPLE, read_options: Mapping[str, Any] | None = None):
    """The corpus a report runs on: ``"sample"`` (the embedded corpus), a path, a Corpus or a DataFrame;
    or, for a path that :func:`~framelens.batch.score_files` wrote, its :class:`~framelens.batch.BatchScores`
    (label counts without texts, what the ``batch_comparison`` template reads).

    ``read_options`` are keyword arguments of :func:`framelens.read_corpus` (``text``, ``source``,
    ``date`` …). Reading issues stay in ``Corpus.issues``; the report shows them.
    """
    import warnings

    from ..batch.scores import is_batch_output, load_scores
    from ..corpus import Corpus, CorpusWarning, read_corpus

    if isinstance(corpus, Corpus) or hasattr(corpus, "counts_for"):
        return corpus
    if isinstance(corpus, str) and corpus == SAMPLE:
        from ..datasets import load_sample

        return load_sample()
    if isinstance(corpus, (str, Path)) and is_batch_output(corpus):
        if read_options:
            raise ParameterError(f"read_options {dict(read_options)} do not apply to {corpus}: a batch output "
                                 "is read as it was written")
        return load_scores(corpus)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # a report lists the issues in its overview
        return read_corpus(corpus, **dict(read_options or {}))


def _group_sizes(corpus, by: Any) -> pd.DataFrame:
    """Documents and non-empty documents per group (validates ``by``)."""
    keys = corpus.groups(by)
    if hasattr(corpus, "counts_for"):  # batch scores: a document with text has word tokens
        nonempty = pd.Series(corpus.tokens > 0, index=keys.index)
    else:
        nonempty = corpus.docs["text"].str.strip().ne("")
    return pd.DataFrame({"docs": keys.value_counts(sort=False), "nonempty": keys[nonempty].value_counts(sort=False)}).fillna(0)


def _check_families(families: Sequence[str], lexicon) -> None:
    unknown = [f for f in families if f not in lexicon.family_ids()]
    if unknown:
        raise ParameterError(f"families: {', '.join(map(repr, unknown))} not in lexicon {lexicon.name!r}; "
                             f"its families: {', '.join(lexicon.family_ids())}")


def story_column(corpus, story: str = "auto") -> str | None:
    """The corpus column a report compares within (its ``story`` parameter); ``None``: find stories.

    ``"auto"`` takes the first of :data:`STORY_COLUMNS` (``story``, then ``event``) the corpus has, and
    ``None`` when it has neither, so that the report finds stories with :func:`framelens.stories`;
    ``"find"`` always gives ``None``; any other text must name a column of the corpus.

    Examples
    --------
    >>> import framelens
    >>> from framelens.reports import story_column
    >>> sample = framelens.datasets.load_sample()
    >>> story_column(sample), story_column(sample, "find"), story_column(sample, "lean")
    ('event', None, 'lean')
    """
    columns = corpus.docs.columns
    if story == STORY_AUTO:
        return next((c for c in STORY_COLUMNS if c in columns), None)
    if story == STORY_FIND:
        return None
    if not isinstance(story, str) or not story:
        raise ParameterError(f"story={story!r}: give a column name, {STORY_AUTO!r}, {STORY_FIND!r} "
                             "or an empty value to leave the story section out")
    if story not in columns:
        if hasattr(corpus, "counts_for"):  # a batch output: no text to find stories in
            raise ParameterError(f"story: no column {story!r} in the batch output; columns: "
                                 f"{', '.join(map(str, columns))}; keep a story column when scoring "
                                 "(framelens score … --keep-column event), or give an empty value to leave the "
                                 "story section out")
        raise ParameterError(f"story: no column {story!r} in the corpus; columns: {', '.join(map(str, columns))} "
                             f"(or {STORY_AUTO!r}: 'story', else 'event', else find stories; or {STORY_FIND!r})")
    return story


def _check_story(story: Any, corpus, by: Any, groups: Sequence[str]) -> None:
    """A story column must exist and hold at least one story that two compared groups both covered.

    Only a column the user named is checked here: with ``"auto"`` or ``"find"`` the report itself says
    when no story can be compared (finding stories can take a while, and the default must not stop
    a report grouped by month, say, whose groups share no story).
    """
    column = story_column(corpus, story)
    if column is None or story in (STORY_AUTO, STORY_FIND) or not by:
        return
    keys = corpus.groups(by)
    labels = corpus.docs[column].astype("string").str.strip()
    frame = pd.DataFrame({"story": labels.where(labels.ne("")), "group": keys})
    if groups:
        frame = frame[frame["group"].isin(list(groups))]
    per_story = frame.dropna().groupby("story")["group"].nunique()
    if not (per_story >= 2).any():
        raise ParameterError(f"story={column!r}: none of its {len(per_story)} stories is covered by two groups of by={by!r}: "
                             "there is nothing to compare within stories; give another column, "
                             + ("" if hasattr(corpus, "counts_for") else f"{STORY_FIND!r}, ")
                             + "or an empty value to leave the section out")


def validate_parameters(template: str, params: dict[str, Any], corpus, lexicon) -> None:
    """Check that parameters can apply to this corpus and lexicon; raise :class:`ParameterError` if not.

    Covers what the templates share (``by`` names a column or date bin whose groups all have text,
    at least two of them for a comparison; ``groups`` exist; ``families`` are in the lexicon;
    ``date_bin``; ``seed`` ≥ 0; positive sizes; files that must exist; a ``story`` column exists and
    holds a story two groups covered, see :func:`story_column`) and each template's own parameters.
    Runs before any kernel starts, so a mistake costs one line, not a failed report.
    """
    if hasattr(corpus, "counts_for") and template != "batch_comparison":
        raise ParameterError(f"{corpus.output} is batch output (label counts, no texts): the {template} report "
                             "needs the documents; use the batch_comparison template (--template batch_comparison), "
                             "or give the inputs themselves")
    by = params.get("by")
    if "by" in params:
        if not by:
            raise ParameterError("by: give a column name (e.g. source) or a date bin")
        with warnings.catch_warnings():  # an undated date bin: said below, in the error, once
            warnings.simplefilter("ignore", CorpusWarning)
            sizes = _group_sizes(corpus, by)
        groups = params.get("groups") or []
        missing = [g for g in groups if g not in sizes.index]
        if missing:
            raise ParameterError(f"groups: {', '.join(map(repr, missing))} not found in by={by!r}; "
                                 f"groups: {', '.join(map(str, sizes.index[:20]))}")
        if groups and len(groups) < 2:
            raise ParameterError("groups: list at least two groups to compare (or none for all)")
        chosen = sizes.loc[groups] if groups else sizes
        empty = chosen.index[chosen["nonempty"] == 0].tolist()
        if empty:
            raise ParameterError(f"by={by!r}: group(s) {', '.join(map(repr, empty[:5]))} have no document with text")
        if len(chosen) < 2 and template != "lexicon_validation":  # coverage needs no second group
            only = f" (only {chosen.index[0]!r})" if len(chosen) else ""
            undated = (" (the corpus has no dates)" if set(DATE_BINS).intersection([by] if isinstance(by, str) else by)
                       and corpus.docs["date"].isna().all() else "")
            raise ParameterError(f"by={by!r} gives {len(chosen)} group{'' if len(chosen) == 1 else 's'}{only}"
                                 f"{undated}; a comparison needs at least two")
    if params.get("families"):
        _check_families(params["families"], lexicon)
    date_bin = params.get("date_bin")
    if date_bin:
        if date_bin not in DATE_BINS:
            raise ParameterError(f"date_bin={date_bin!r}: use one of {', '.join(DATE_BINS)} (or leave it empty)")
        if corpus.docs["date"].notna().sum() == 0:
            raise ParameterError(f"date_bin={date_bin!r}: the corpus has no dates")
    if "seed" in params and (not isinstance(params["seed"], int) or params["seed"] < 0):
        raise ParameterError(f"seed={params['seed']!r}: use a non-negative integer")
    for key in ("n_boot", "n_perm", "top_n", "kwic_n", "per_label", "n_splits", "n_examples", "top_k", "window"):
        least = 0 if key in ("window", "n_perm") else 1
        if key in params and params[key] is not None and params[key] < least:
            raise ParameterError(f"{key}={params[key]!r}: must be at least {least}")
    column = params.get("group_column")
    if column and column != "auto" and column not in corpus.docs.columns:
        raise ParameterError(f"group_column: no column {column!r} in the corpus; columns: "
                             f"{', '.join(map(str, corpus.docs.columns))} (or 'auto', or empty for none)")
    if params.get("story"):  # empty: the template leaves its story section out
        _check_story(params["story"], corpus, by, params.get("groups") or [])
    if template == "classifier_report":
        _validate_classifier(params, corpus)
    judgements = params.get("judgements")
    if judgements:
        if not Path(judgements).is_file():
            raise ParameterError(f"judgements: no such file {judgements!r}")
        try:
            header = pd.read_csv(judgements, nrows=0).columns
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise ParameterError(f"judgements: {judgements} is not a readable CSV file ({exc})") from None
        lacking = [c for c in ("label", "judgement") if c not in header]
        if lacking:
            raise ParameterError(f"judgements: {judgements} has no column {', '.join(map(repr, lacking))}; "
                                 "fill in the table framelens.reports.sample_hits makes")
    model = params.get("model")
    if model and not Path(model).exists():
        raise ParameterError(f"model: no such file or folder {model!r}")


def _validate_classifier(params: dict[str, Any], corpus) -> None:
    from ..classify.model import PRESETS

    preset = params.get("preset")
    if preset and preset not in PRESETS:
        raise ParameterError(f"preset={preset!r}: use one of {', '.join(PRESETS)}")
    n_splits = params.get("n_splits", 5)
    if not isinstance(n_splits, int) or n_splits < 2:
        raise ParameterError(f"n_splits={n_splits!r}: cross-validation needs at least 2 folds")
    sizes = corpus.groups(params["by"]).value_counts()
    small = sizes[sizes < n_splits]
    if len(small):
        raise ParameterError(f"by={params['by']!r}: class(es) {', '.join(map(repr, small.index[:5]))} have fewer "
                             f"documents than the {n_splits} folds; lower n_splits or merge classes")
    group_column = params.get("group_column", "auto")
    if group_column == "auto":  # the template's own choice, in its order
        group_column = next((c for c in CLASSIFIER_GROUP_COLUMNS if c in corpus.docs.columns), None)
    if group_column:  # (a column, checked to exist above)
        n_groups = corpus.docs[group_column].nunique()
        if n_groups < n_splits:
            raise ParameterError(f"group_column={group_column!r} has {n_groups} distinct value(s), fewer than the "
                                 f"{n_splits} folds (n_splits): each fold needs groups of its own; lower n_splits "
                                 "or give another group_column")
    if params.get("model"):
        try:
            from ..classify import load_model  # noqa: F401
        except ImportError:
            raise ParameterError("model: this build of framelens cannot load saved models "
                                 "(framelens.classify.load_model is missing)") from None
