"""Reproducible reports: run a notebook template headless and write byte-identical HTML and ``.ipynb``.

A *template* is a notebook under ``notebooks/`` whose first code cell is tagged ``parameters`` and
holds the defaults. :func:`run_report` checks the parameters against the corpus and lexicon *before*
anything runs (one clear line on error), replaces that cell with an ``injected-parameters`` cell,
executes the notebook with nbclient and writes ``<out>.html`` and ``<out>.ipynb`` side by side,
atomically (a failing cell leaves no partial report).

Same inputs give the same bytes: fixed cell ids and kernel name, no execution timings, a pinned
kernel environment (hash seed, single-threaded maths, a warmed matplotlib font cache, progress bars
off), figures embedded as PNGs without metadata, and sorted JSON. The HTML references nothing on the
network (a trimmed nbconvert template, ``report_template/``, with no require.js, MathJax or widgets).

The display helpers (:func:`show_figure`, :func:`html_table`, :func:`kwic_html`,
:func:`provenance_html`, :func:`note`) are what the templates use to put corpus text on the page:
they escape everything that comes from data, so a headline reading ``<script>…`` stays text.
"""
from __future__ import annotations

import ast
import copy
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from .errors import FramelensError, InputError, ParameterError

PACKAGE_DIR = Path(__file__).resolve().parent
# Templates live in the repository's notebooks/ folder (analysis/framelens/reports.py → repo root).
TEMPLATE_DIR = Path(os.environ.get("FRAMELENS_TEMPLATES", PACKAGE_DIR.parents[1] / "notebooks"))
HTML_TEMPLATE = "report_template"
TEMPLATES = ("source_comparison", "classifier_report", "lexicon_validation")
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
SAMPLE = "sample"
DATE_BINS = ("day", "week", "month", "quarter", "year")
STORY_AUTO, STORY_FIND = "auto", "find"  # values of the ``story`` parameter that name no column
STORY_COLUMNS = ("story", "event")  # the columns story="auto" looks for, in this order
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


class ReportError(FramelensError):
    """A report could not be produced: a cell failed, the kernel died, or the output is unsafe."""


@dataclass(frozen=True)
class ReportPaths:
    """Where :func:`run_report` wrote the report: the HTML page and the executed notebook beside it."""

    html: Path
    notebook: Path

    def _repr_html_(self) -> str:
        return (f"<div>report <code>{html.escape(str(self.html))}</code>, executed notebook "
                f"<code>{html.escape(str(self.notebook))}</code></div>")


# ============================================================================ templates and parameters
def template_path(template: str | os.PathLike) -> Path:
    """The notebook of a template: a built-in name (``"source_comparison"``) or a path to an ``.ipynb``."""
    text = str(template)
    if text in TEMPLATES or (not text.endswith(".ipynb") and os.sep not in text and "/" not in text):
        path = TEMPLATE_DIR / f"{text}.ipynb"
        if not path.exists():
            known = ", ".join(TEMPLATES)
            raise ParameterError(f"template {text!r} not found (looked for {path}); built-in templates: {known}")
        return path
    path = Path(template)
    if not path.is_file():
        raise ParameterError(f"template {text!r}: no such notebook file")
    return path


def _read_template(template: str | os.PathLike):
    import nbformat

    path = template_path(template)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types on malformed JSON
        raise InputError(f"cannot read the template notebook: {exc}", file=path) from exc
    return path, nb


def _parameters_cell(nb, path: Path) -> int:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return i
    raise InputError("the template has no code cell tagged 'parameters'", file=path)


def _literal_assignments(source: str, where: Path) -> dict[str, Any]:
    """``name = <literal>`` lines of a parameters cell, in order (anything else is an error)."""
    values: dict[str, Any] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise InputError(f"the parameters cell does not parse: {exc.msg}", file=where, row=exc.lineno) from exc
    for node in tree.body:
        if not (isinstance(node, (ast.Assign, ast.AnnAssign))):
            raise InputError("the parameters cell may only hold 'name = literal' lines", file=where, row=node.lineno)
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        if not isinstance(target, ast.Name) or node.value is None:
            raise InputError("the parameters cell may only hold 'name = literal' lines", file=where, row=node.lineno)
        try:
            values[target.id] = ast.literal_eval(node.value)
        except ValueError as exc:
            raise InputError(f"parameter {target.id!r} is not a literal value", file=where, row=node.lineno) from exc
    return values


def template_parameters(template: str | os.PathLike = "source_comparison") -> dict[str, Any]:
    """The parameters a template accepts, with their defaults.

    Examples
    --------
    >>> from framelens.reports import template_parameters
    >>> sorted(template_parameters("source_comparison"))[:3]
    ['by', 'corpus', 'date_bin']
    """
    path, nb = _read_template(template)
    return _literal_assignments(nb.cells[_parameters_cell(nb, path)].source, path)


def list_templates() -> pd.DataFrame:
    """The built-in report templates: ``name, description, parameters, path``.

    Examples
    --------
    >>> from framelens.reports import list_templates
    >>> list_templates()["name"].tolist()
    ['source_comparison', 'classifier_report', 'lexicon_validation']
    """
    rows = []
    for name in TEMPLATES:
        path, nb = _read_template(name)
        rows.append({"name": name, "description": nb.metadata.get("framelens", {}).get("description", ""),
                     "parameters": ", ".join(_literal_assignments(nb.cells[_parameters_cell(nb, path)].source, path)),
                     "path": str(path)})
    return pd.DataFrame(rows, columns=["name", "description", "parameters", "path"])


def coerce_parameter(name: str, value: Any, default: Any) -> Any:
    """Turn a ``--param key=value`` string into the type of the template's default.

    Lists take comma-separated items (an empty string is the empty list); booleans take
    ``true/false/yes/no/1/0``; a ``None`` default takes the text as given (``""``/``none`` → None).
    Non-string values are checked against the default's type.

    Examples
    --------
    >>> from framelens.reports import coerce_parameter
    >>> coerce_parameter("families", "armed_opposition, state_forces", [])
    ['armed_opposition', 'state_forces']
    >>> coerce_parameter("n_boot", "200", 1000)
    200
    """
    def bad(kind: str) -> ParameterError:
        return ParameterError(f"parameter {name}={value!r}: expected {kind} (the template's default is {default!r})")

    if not isinstance(value, str):
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise bad("true or false")
        elif isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
            raise bad("an integer")
        elif isinstance(default, float) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise bad("a number")
        elif isinstance(default, (list, tuple)):
            if not isinstance(value, (list, tuple)):
                raise bad("a list")
            return list(value)
        elif isinstance(default, dict) and not isinstance(value, Mapping):
            raise bad("a mapping")
        elif isinstance(default, str) and value is not None and not isinstance(value, (str, os.PathLike)):
            raise bad("text")
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        return float(value) if isinstance(default, float) else (dict(value) if isinstance(value, Mapping) else value)
    text = value.strip()
    if isinstance(default, bool):
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise bad("true or false")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise bad("an integer") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise bad("a number") from None
    if isinstance(default, (list, tuple)):
        return [item.strip() for item in text.split(",") if item.strip()]
    if isinstance(default, dict):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise bad('a JSON object such as {"text": "body"}') from None
        if not isinstance(parsed, dict):
            raise bad('a JSON object such as {"text": "body"}')
        return parsed
    if default is None:
        return None if text.lower() in ("", "none") else value
    return value


def parse_param_strings(items: Sequence[str]) -> dict[str, str]:
    """``["key=value", ...]`` (the CLI's ``--param``) → dict; a later key wins."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {item!r}: expected key=value")
        out[key.strip()] = value
    return out


# ============================================================================ corpus and validation
def load_corpus(corpus: Any = SAMPLE, read_options: Mapping[str, Any] | None = None):
    """The corpus a report runs on: ``"sample"`` (the embedded corpus), a path, a Corpus or a DataFrame.

    ``read_options`` are keyword arguments of :func:`framelens.read_corpus` (``text``, ``source``,
    ``date`` …). Reading issues stay in ``Corpus.issues``; the report shows them.
    """
    import warnings

    from .corpus import Corpus, CorpusWarning, read_corpus

    if isinstance(corpus, Corpus):
        return corpus
    if isinstance(corpus, str) and corpus == SAMPLE:
        from .datasets import load_sample

        return load_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorpusWarning)  # a report lists the issues in its overview
        return read_corpus(corpus, **dict(read_options or {}))


def _group_sizes(corpus, by: Any) -> pd.DataFrame:
    """Documents and non-empty documents per group (validates ``by``)."""
    keys = corpus.groups(by)
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
                             f"there is nothing to compare within stories; give another column, {STORY_FIND!r}, "
                             "or an empty value to leave the section out")


def validate_parameters(template: str, params: dict[str, Any], corpus, lexicon) -> None:
    """Check that parameters can apply to this corpus and lexicon; raise :class:`ParameterError` if not.

    Covers what the templates share (``by`` names a column or date bin whose groups all have text,
    at least two of them for a comparison; ``groups`` exist; ``families`` are in the lexicon;
    ``date_bin``; ``seed`` ≥ 0; positive sizes; files that must exist; a ``story`` column exists and
    holds a story two groups covered, see :func:`story_column`) and each template's own parameters.
    Runs before any kernel starts, so a mistake costs one line, not a failed report.
    """
    by = params.get("by")
    if "by" in params:
        if not by:
            raise ParameterError("by: give a column name (e.g. source) or a date bin")
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
            raise ParameterError(f"by={by!r} gives {len(chosen)} group{'' if len(chosen) == 1 else 's'}{only}; "
                                 "a comparison needs at least two")
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
    from .classify.model import PRESETS

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
    if params.get("model"):
        try:
            from .classify import load_model  # noqa: F401
        except ImportError:
            raise ParameterError("model: this build of framelens cannot load saved models "
                                 "(framelens.classify.load_model is missing)") from None


# ============================================================================ execution
def _mpl_config_dir() -> Path:
    """A matplotlib config/cache folder whose font cache is built before any report runs.

    A cold cache makes matplotlib print "building the font cache" into the first report's output,
    so that report would differ from the next one.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "framelens" / "matplotlib"
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError:
        base = Path(tempfile.gettempdir()) / f"framelens-matplotlib-{os.getuid() if hasattr(os, 'getuid') else 0}"
        base.mkdir(parents=True, exist_ok=True)
    if not any(base.glob("fontlist-*.json")):
        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"],
                       env={**os.environ, "MPLCONFIGDIR": str(base)}, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return base


def kernel_environment() -> dict[str, str]:
    """The environment report kernels run in: everything that could make two runs differ is pinned."""
    env = dict(os.environ)
    env.update({
        "PYTHONHASHSEED": "0",  # set/dict-of-str order
        "MPLBACKEND": "Agg",  # figures are shown explicitly (show_figure), never by a GUI/inline backend
        "MPLCONFIGDIR": str(_mpl_config_dir()),
        "TQDM_DISABLE": "1",  # progress bars print timings
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",  # summation order
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger note ipykernel may print
        "JUPYTER_PLATFORM_DIRS": "1",  # no jupyter_core migration notice
        "FRAMELENS_REPORT": "1",
        # library deprecation notices would print version-dependent text into the report
        "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore::FutureWarning,ignore::PendingDeprecationWarning",
    })
    env.pop("PYTHONSTARTUP", None)
    return env


def _parameters_source(params: Mapping[str, Any]) -> str:
    lines = ["# Parameters injected by framelens.reports.run_report (the template's defaults are in its 'parameters' cell)"]
    lines += [f"{k} = {v!r}" for k, v in params.items()]
    return "\n".join(lines) + "\n"


def _prepare(nb, params: Mapping[str, Any], param_index: int, provenance_record: dict, template: str):
    """Fixed ids, no outputs, the injected parameters, a fixed kernel and the provenance in metadata."""
    import nbformat

    nb = copy.deepcopy(nb)
    injected = nbformat.v4.new_code_cell(_parameters_source(params), metadata={"tags": ["injected-parameters"]})
    nb.cells[param_index] = injected
    for i, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{i:04d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    meta = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    title = nb.metadata.get("title")
    if title:
        meta["title"] = title
    meta["framelens"] = {"template": template, "provenance": provenance_record,
                         "description": nb.metadata.get("framelens", {}).get("description", "")}
    nb.metadata = nbformat.NotebookNode(meta)
    return nb


def _normalise_executed(nb):
    """Drop what varies between runs of the same notebook (timings, widget state)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            output.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    return nb


def _first_error(nb) -> tuple[str, str, str]:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return cell.id, output.get("ename", "Error"), output.get("evalue", "")
    return "?", "Error", ""


def _cell_section(nb, cell_id: str) -> str:
    """The last markdown heading before a cell, to say where a failure happened."""
    heading = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    heading = line.lstrip("#").strip()
        if cell.id == cell_id:
            break
    return heading


def _execute(nb, cwd: Path, timeout: int, progress: bool) -> Any:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(c.cell_type == "code" for c in nb.cells), desc="report cells", unit="cell", leave=False)

    def advance(**_: Any) -> None:
        if bar is not None:
            bar.update(1)

    client = NotebookClient(
        nb, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}}, on_cell_executed=advance,
        extra_arguments=["--HistoryManager.enabled=False"],  # no sqlite history: parallel runs do not lock
    )
    # The kernel's own stderr (ipykernel start-up notes) goes to a file, shown only if the kernel dies.
    log = tempfile.TemporaryFile(mode="w+b")
    try:
        client.execute(env=kernel_environment(), stderr=log)
    except CellExecutionError as exc:
        cell_id, ename, evalue = _first_error(nb)
        section = _cell_section(nb, cell_id)
        where = f"cell {cell_id}" + (f" (section '{section}')" if section else "")
        raise ReportError(f"the report failed in {where}: {ename}: {evalue}".rstrip(": ")) from exc
    except CellTimeoutError as exc:
        raise ReportError(f"the report timed out: a cell ran longer than {timeout} s") from exc
    except DeadKernelError as exc:
        log.seek(0)
        tail = " | ".join(log.read().decode("utf-8", "replace").strip().splitlines()[-3:])
        raise ReportError(f"the report's kernel died: {exc}" + (f" (kernel said: {tail})" if tail else "")) from exc
    finally:
        log.close()
        if bar is not None:
            bar.close()
    return nb


# ============================================================================ HTML
_NETWORK_REF = re.compile(r"<(?:script|link|iframe|img|embed|object|source)\b[^>]*?\b(?:src|href|data)\s*=\s*[\"']?\s*(?:https?:)?//",
                          re.IGNORECASE)
_CSS_NETWORK_REF = re.compile(r"(?:url\(\s*[\"']?\s*(?:https?:)?//|@import)", re.IGNORECASE)


def to_html(nb, *, show_code: bool = False) -> str:
    """Render an executed notebook with the offline template: no script or stylesheet from the network."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=HTML_TEMPLATE, extra_template_basedirs=[str(PACKAGE_DIR)],
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": nb.metadata.get("title", "framelens report")}})
    found = _NETWORK_REF.search(body) or _CSS_NETWORK_REF.search(body)
    if found:  # the template or an output pulled in a remote resource: refuse to write an online-only page
        raise ReportError(f"the report would fetch from the network: {found.group(0)[:120]}")
    return body if body.endswith("\n") else body + "\n"


# ============================================================================ run_report
def run_report(
    input: Any = SAMPLE,  # noqa: A002 - mirrors the CLI's INPUT
    lexicon: Any = None,
    by: str | None = None,
    out: str | os.PathLike = "report.html",
    *,
    template: str | os.PathLike = "source_comparison",
    params: Mapping[str, Any] | None = None,
    read_options: Mapping[str, Any] | None = None,
    show_code: bool = False,
    timeout: int = 600,
    progress: bool = False,
) -> ReportPaths:
    """Run a report template headless and write ``out`` (HTML) and the executed notebook beside it.

    Parameters
    ----------
    input : str or path
        ``"sample"`` (the embedded corpus) or a corpus file/folder (anything :func:`read_corpus` reads).
    lexicon : str or path, optional
        Built-in lexicon name or YAML file; ``None`` keeps the template's default.
    by : str, optional
        Grouping column or date bin (the template's default when ``None``).
    out : path
        The HTML file; the executed notebook goes to the same name with ``.ipynb``.
    template : str or path
        ``"source_comparison"``, ``"classifier_report"``, ``"lexicon_validation"`` or a notebook path.
    params : mapping, optional
        Other template parameters; strings are converted to the default's type (see
        :func:`coerce_parameter`), unknown names are an error.
    read_options : mapping, optional
        Column mapping and reading options for :func:`framelens.read_corpus` (``text="body"`` …).
    show_code : bool
        Show the code cells in the HTML (the ``.ipynb`` always has them).
    timeout : int
        Seconds any one cell may run.
    progress : bool
        A progress bar over the cells (stderr).

    Returns
    -------
    ReportPaths
        ``html`` and ``notebook`` paths.

    Raises
    ------
    ParameterError
        Before anything runs, when a parameter cannot apply (unknown column, family not in the
        lexicon, a group without text, a value of the wrong type).
    ReportError
        When a cell fails; no file is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from framelens.reports import run_report
    >>> paths = run_report("sample", "conflict_actors", by="source",
    ...                    out=pathlib.Path(tempfile.mkdtemp()) / "report.html",
    ...                    params={"n_boot": 200})  # doctest: +SKIP
    """
    import nbformat

    from .provenance import provenance

    name = str(template)
    path, nb = _read_template(template)
    param_index = _parameters_cell(nb, path)
    defaults = _literal_assignments(nb.cells[param_index].source, path)

    given: dict[str, Any] = dict(params or {})
    for key, value in (("corpus", input), ("lexicon", lexicon), ("by", by)):
        if value is not None:
            given[key] = os.fspath(value) if isinstance(value, os.PathLike) else value
    if read_options:
        given["read_options"] = dict(read_options)
    unknown = [k for k in given if k not in defaults]
    if unknown:
        raise ParameterError(f"template {path.stem!r} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters: {', '.join(defaults)}")
    values = {k: coerce_parameter(k, given[k], d) if k in given else d for k, d in defaults.items()}
    if not isinstance(values.get("corpus", SAMPLE), str):
        raise ParameterError("input: give 'sample' or a path (a report re-reads its corpus in the kernel)")

    corpus = load_corpus(values.get("corpus", SAMPLE), values.get("read_options"))
    lex = None
    if values.get("lexicon"):
        from .scoring import as_lexicon

        lex = as_lexicon(values["lexicon"])
    validate_parameters(path.stem, values, corpus, lex)
    record = provenance(corpus, lex, values)

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ParameterError(f"--out {out}: the report is an HTML file; give a name ending in .html")
    notebook_path = out.with_suffix(".ipynb")
    prepared = _prepare(nb, values, param_index, record, path.stem if name in TEMPLATES else name)
    executed = _normalise_executed(_execute(prepared, Path.cwd(), timeout, progress))
    page = to_html(executed, show_code=show_code)
    notebook_text = nbformat.writes(executed)  # sorted keys, indent 1
    notebook_text = notebook_text if notebook_text.endswith("\n") else notebook_text + "\n"

    from .io_utils import atomic_path

    with atomic_path(out) as tmp_html, atomic_path(notebook_path) as tmp_nb:
        for tmp, data in ((tmp_html, page), (tmp_nb, notebook_text)):
            tmp.write_bytes(data.encode("utf-8"))
            os.chmod(tmp, 0o644)  # mkstemp makes private files; a report is meant to be shared
    return ReportPaths(out, notebook_path)


def execute_notebook(notebook: Any, *, cwd: str | os.PathLike | None = None, timeout: int = 600):
    """Execute a notebook (a path or a NotebookNode) in the pinned report kernel and return it.

    The same environment as :func:`run_report` (fixed hash seed, single-threaded maths, warmed font
    cache, no progress bars), without parameters or HTML. Cell errors raise :class:`ReportError`.

    Examples
    --------
    >>> from framelens.reports import execute_notebook
    >>> nb = execute_notebook("notebooks/exercises/02_compare_outlets.ipynb")  # doctest: +SKIP
    """
    import nbformat

    if isinstance(notebook, (str, os.PathLike)):
        path = Path(notebook)
        nb = nbformat.read(path, as_version=4)
        cwd = cwd if cwd is not None else path.parent
    else:
        nb = copy.deepcopy(notebook)
    return _normalise_executed(_execute(nb, Path(cwd if cwd is not None else Path.cwd()), timeout, False))


# ============================================================================ display helpers
def figure_png(fig) -> bytes:
    """PNG bytes of a matplotlib Figure, deterministic (no software/date metadata)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def show_figure(fig, *, alt: str = "") -> None:
    """Display a Figure as an embedded PNG (alt text for screen readers), then close it.

    Reports call this rather than relying on Jupyter's matplotlib backend so the PNG bytes are the
    same in every run and every front end.
    """
    from IPython.display import Image, display

    data = figure_png(fig)
    display(Image(data=data, format="png", metadata={"alt": alt} if alt else None))
    try:  # a figure made with pyplot stays registered until closed
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # noqa: BLE001 - closing is a courtesy
        pass


def _cell(value: Any, float_format: str) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        return format(value, float_format)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    return str(value)


def html_table(df: pd.DataFrame, *, max_rows: int = 50, index: bool = False, float_format: str = ".3g",
               caption: str | None = None):
    """An HTML table whose every cell, header and caption is escaped (whatever the pandas version).

    Returns an ``IPython.display.HTML`` object; more than ``max_rows`` rows are cut with a note.
    """
    from IPython.display import HTML

    frame = df.reset_index() if index else df
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value in row:
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(_cell(value, float_format))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    more = (f'<p class="fl-note">… {len(frame) - max_rows} more rows (see the executed notebook)</p>'
            if len(frame) > max_rows else "")
    return HTML(f'<table class="fl-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}')


def kwic_html(kwic: pd.DataFrame, *, max_rows: int = 20, extra: Sequence[str] = ()):
    """Keyword-in-context lines (``left, keyword, right`` columns) as an escaped, aligned table."""
    from IPython.display import HTML

    if len(kwic) == 0:
        return HTML('<p class="fl-note">(no matches)</p>')
    rows = []
    for _, r in kwic.head(max_rows).iterrows():
        meta = "".join(f"<td>{html.escape(_cell(r[c], '.3g'))}</td>" for c in ("doc_id", "source", *extra) if c in r.index)
        rows.append(f'<tr>{meta}<td class="fl-left">{html.escape(str(r["left"]))}</td>'
                    f'<td class="fl-kw"><b>{html.escape(str(r["keyword"]))}</b></td>'
                    f'<td class="fl-right">{html.escape(str(r["right"]))}</td></tr>')
    heads = "".join(f"<th>{html.escape(c)}</th>" for c in ("doc_id", "source", *extra) if c in kwic.columns)
    more = f'<p class="fl-note">… {len(kwic) - max_rows} more</p>' if len(kwic) > max_rows else ""
    return HTML(f'<table class="fl-table fl-kwic"><thead><tr>{heads}<th></th><th>keyword</th><th></th></tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>{more}')


def note(text: str, *, kind: str = "note"):
    """A short escaped paragraph (``kind`` = note, warning or finding) for computed statements."""
    from IPython.display import HTML

    if kind not in ("note", "warning", "finding"):
        raise ParameterError(f"kind must be note, warning or finding, not {kind!r}")
    return HTML(f'<p class="fl-{kind}">{html.escape(text)}</p>')


def provenance_html(record: Mapping[str, Any]):
    """The provenance block of a report: corpus, lexicon, parameters, versions, all escaped."""
    from IPython.display import HTML

    def row(key: str, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
        return f"<tr><th>{html.escape(key)}</th><td><code>{html.escape(text)}</code></td></tr>"

    rows = []
    corpus = record.get("corpus") or {}
    if corpus:
        rows.append(row("corpus", f"{corpus.get('name') or '—'} · {corpus.get('n_docs')} documents · sha256 {corpus.get('sha256')}"))
    lexicon = record.get("lexicon") or {}
    if lexicon:
        rows.append(row("lexicon", f"{lexicon.get('name')} {lexicon.get('version')} · sha256 {lexicon.get('sha256')}"))
    params = record.get("params") or {}
    for key in sorted(params):
        rows.append(row(f"param · {key}", params[key]))
    if "framelens_version" in record:
        rows.append(row("framelens", record["framelens_version"]))
        rows.append(row("python", record.get("python", "")))
        libs = record.get("libraries", {})
        rows.append(row("libraries", " · ".join(f"{k} {v}" for k, v in sorted(libs.items()))))
    return HTML('<details class="fl-provenance" open><summary>Provenance: what produced this report</summary>'
                f'<table class="fl-table">{"".join(rows)}</table></details>')


# ============================================================================ lexicon validation
_JUDGED_TRUE = {"1", "y", "yes", "true", "t", "correct", "ok", "right", "relevant", "+"}
_JUDGED_FALSE = {"0", "n", "no", "false", "f", "wrong", "incorrect", "irrelevant", "-", "x"}


def sample_hits(corpus, lexicon, *, per_label: int = 10, seed: int = 0, families: Sequence[str] | None = None,
                window: int = 8) -> pd.DataFrame:
    """A seeded random sample of each label's hits in KWIC form, with an empty ``judgement`` column.

    Fill ``judgement`` with 1 (the hit means what the label says) or 0 (it does not), leave it empty
    to skip a line, then pass the table to :func:`precision_from_judgements`.

    Returns
    -------
    DataFrame
        ``family, label, doc_id, source, left, keyword, right, start, end, judgement``, labels in
        lexicon order, lines in corpus order within a label.
    """
    import numpy as np

    from .scoring import as_corpus, as_lexicon, kwic

    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    if families:
        _check_families(families, lexicon)
    if per_label < 1:
        raise ParameterError(f"per_label must be positive, not {per_label}")
    lines = kwic(corpus, lexicon, window=window)
    family_of = lexicon.label_family()
    lines.insert(0, "family", lines["label"].map(family_of))
    if families:
        lines = lines[lines["family"].isin(list(families))]
    rng = np.random.default_rng(seed)
    parts = []
    for label in lexicon.label_ids():  # lexicon order, each label drawn from the same generator in turn
        rows = lines[lines["label"] == label]
        if len(rows) > per_label:
            rows = rows.iloc[np.sort(rng.choice(len(rows), size=per_label, replace=False))]
        parts.append(rows)
    cols = ["family", "label", "doc_id", "source", "left", "keyword", "right", "start", "end"]
    out = pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)
    out["judgement"] = pd.Series([pd.NA] * len(out), dtype="object")
    out.attrs = dict(lines.attrs)
    out.attrs.setdefault("framelens", {})
    return out


def _judgement(value: Any, row: Any) -> float:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return float("nan")
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return float(value)
    text = str(value).strip().lower()
    if text == "":
        return float("nan")
    if text in _JUDGED_TRUE:
        return 1.0
    if text in _JUDGED_FALSE:
        return 0.0
    raise InputError(f"judgement {value!r} not understood; use 1/0, yes/no, correct/wrong or leave empty",
                     row=row, field="judgement")


def precision_from_judgements(df: pd.DataFrame, *, by: str | Sequence[str] = "label", alpha: float = 0.05,
                              column: str = "judgement") -> pd.DataFrame:
    """Estimated precision per label from manual judgements, with Wilson confidence intervals.

    Parameters
    ----------
    df : DataFrame
        A table like :func:`sample_hits` returns, with ``column`` filled in: 1/0, yes/no,
        true/false, correct/wrong (case-insensitive); empty cells are not counted.
    by : str or list of str
        Grouping columns (``"label"``, ``["family", "label"]`` …).
    alpha : float
        1 − confidence level of the interval (0.05 → 95 %).

    Returns
    -------
    DataFrame
        One row per group and a final ``(all)`` row: ``n_judged, n_correct, precision, lower,
        upper, n_unjudged``. ``precision`` is NaN where nothing was judged. The interval is
        Wilson's (``statsmodels.stats.proportion.proportion_confint(method="wilson")``).

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.reports import precision_from_judgements
    >>> j = pd.DataFrame({"label": ["rebels"] * 4, "judgement": [1, 1, 0, "yes"]})
    >>> row = precision_from_judgements(j).iloc[0]
    >>> row["label"], int(row["n_judged"]), int(row["n_correct"]), float(row["precision"])
    ('rebels', 4, 3, 0.75)
    """
    from statsmodels.stats.proportion import proportion_confint

    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*keys, column] if c not in df.columns]
    if missing:
        raise InputError(f"the judgements table has no column {', '.join(map(repr, missing))}; "
                         f"columns: {', '.join(map(str, df.columns))}", field=missing[0])
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, not {alpha}")
    judged = pd.Series([_judgement(v, r) for r, v in zip(df.index, df[column])], index=df.index, dtype=float)
    frame = df[keys].copy()
    frame["_j"] = judged

    def summarise(values: pd.Series) -> dict[str, Any]:
        done = values.dropna()
        n, k = int(len(done)), int(done.sum())
        if n:
            lo, hi = proportion_confint(k, n, alpha=alpha, method="wilson")
            prec = k / n
        else:
            lo = hi = prec = float("nan")
        return {"n_judged": n, "n_correct": k, "precision": prec, "lower": float(lo), "upper": float(hi),
                "n_unjudged": int(values.isna().sum())}

    rows = []
    for key, part in frame.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key)), **summarise(part["_j"])})
    rows.append({**{k: "(all)" for k in keys}, **summarise(frame["_j"])})
    out = pd.DataFrame(rows, columns=[*keys, "n_judged", "n_correct", "precision", "lower", "upper", "n_unjudged"])
    out.attrs["framelens"] = {"params": {"by": keys, "alpha": alpha, "interval": "wilson"}}
    return out


def label_coverage(corpus, lexicon, *, by: str | Sequence[str] | None = None,
                   families: Sequence[str] | None = None, n_forms: int = 4) -> pd.DataFrame:
    """How much of a corpus each label of a lexicon matches, and in which words.

    Returns
    -------
    DataFrame
        One row per label, in lexicon order: ``family, label, hits, documents, doc_share`` (share of
        all documents with at least one hit), ``groups`` (how many groups of ``by`` use it, when
        ``by`` is given) and ``forms`` (the most frequent matched forms, lower-cased, with counts).

    Examples
    --------
    >>> import framelens
    >>> from framelens.reports import label_coverage
    >>> cov = label_coverage(framelens.datasets.load_sample(), "conflict_actors", families=["armed_opposition"])
    >>> cov.columns.tolist()
    ['family', 'label', 'hits', 'documents', 'doc_share', 'forms']
    """
    from .scoring import as_corpus, as_lexicon, match

    corpus, lexicon = as_corpus(corpus), as_lexicon(lexicon)
    if families:
        _check_families(families, lexicon)
    hits = match(corpus, lexicon)
    group_of = dict(zip(corpus.docs["doc_id"], corpus.groups(by))) if by is not None else None
    rows = []
    for fam, lab in lexicon.iter_labels():
        if families and fam.id not in families:
            continue
        mine = hits[hits["label"] == lab.id]
        forms = mine["matched"].str.lower().str.split().str.join(" ").value_counts()
        forms = forms.sort_index(kind="stable").sort_values(ascending=False, kind="stable").head(n_forms)
        row = {"family": fam.id, "label": lab.id, "hits": len(mine), "documents": mine["doc_id"].nunique(),
               "doc_share": mine["doc_id"].nunique() / max(len(corpus), 1)}
        if group_of is not None:
            row["groups"] = len({group_of[d] for d in mine["doc_id"].unique()})
        row["forms"] = ", ".join(f"{form} ({n})" for form, n in forms.items())
        rows.append(row)
    columns = ["family", "label", "hits", "documents", "doc_share", *(["groups"] if by is not None else []), "forms"]
    return pd.DataFrame(rows, columns=columns)


def answer_key_judgements(sample: pd.DataFrame) -> pd.DataFrame:
    """Fill the ``judgement`` column of a :func:`sample_hits` table of the *embedded sample corpus*
    from its annotations: 1 when the generator wrote an actor mention with that label on that span.

    This stands in for a human coder, to show what the precision section reports; on any other
    corpus, judge the lines yourself.
    """
    from .datasets import sample_mentions

    mentions = sample_mentions()
    by_doc: dict[str, list[tuple[int, int, str]]] = {}
    for doc, start, end, label in zip(mentions["doc_id"], mentions["start"], mentions["end"], mentions["label"]):
        by_doc.setdefault(doc, []).append((int(start), int(end), label))
    judged = []
    for doc, start, end, label in zip(sample["doc_id"], sample["start"], sample["end"], sample["label"]):
        spans = by_doc.get(doc, [])
        judged.append(int(any(s < end and start < e and lab == label for s, e, lab in spans)))
    out = sample.copy()
    out["judgement"] = judged
    return out


# ============================================================================ figures
def plot_precision(precision: pd.DataFrame, *, title: str = "Estimated precision per label"):
    """Point-ranges of precision with their intervals (a :func:`precision_from_judgements` table).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    needed = ["precision", "lower", "upper", "n_judged"]
    missing = [c for c in needed if c not in precision.columns]
    if missing:
        raise InputError(f"precision table lacks column(s) {', '.join(missing)}; use precision_from_judgements")
    key = [c for c in precision.columns if c not in (*needed, "n_correct", "n_unjudged")]
    rows = precision[precision["n_judged"] > 0]
    names = ["all judged lines" if all(v == "(all)" for v in r) else " / ".join(str(v) for v in r)
             for r in rows[key].itertuples(index=False, name=None)]
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False, "svg.hashsalt": "framelens"}):
        fig = Figure(figsize=(7.0, 0.8 + 0.28 * max(len(rows), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        y = list(range(len(rows)))
        p, lo, hi = rows["precision"].to_numpy(), rows["lower"].to_numpy(), rows["upper"].to_numpy()
        overall = [n == "all judged lines" for n in names]
        colors = ["#d55e00" if o else "#0173b2" for o in overall]
        ax.hlines(y, lo, hi, colors=colors, lw=1.6)
        ax.scatter(p, y, color=colors, s=22, zorder=3)
        for yi, (pi, n) in enumerate(zip(p, rows["n_judged"])):
            ax.text(1.02, yi, f"{pi:.0%} of {n}", va="center", fontsize=8, transform=ax.get_yaxis_transform())
        ax.set_yticks(y, [n.replace("$", r"\$") for n in names])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(-0.02, 1.02)  # a little room so that points at 0 % and 100 % are drawn whole
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("Share of judged hits that mean what the label says (95% Wilson interval)")
        ax.set_title(title, loc="left", fontweight="bold")
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
    return fig


def plot_coverage(coverage: pd.DataFrame, *, title: str = "Hits per label"):
    """Horizontal bars of hits per label, coloured by family (a :func:`label_coverage` table)."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    for column in ("family", "label", "hits"):
        if column not in coverage.columns:
            raise InputError(f"coverage table lacks column {column!r}; use label_coverage")
    palette = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#949494", "#56b4e9"]
    families = list(dict.fromkeys(coverage["family"]))
    color = {f: palette[i % len(palette)] for i, f in enumerate(families)}
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig = Figure(figsize=(7.0, 0.8 + 0.2 * max(len(coverage), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        y = list(range(len(coverage)))
        ax.barh(y, coverage["hits"], color=[color[f] for f in coverage["family"]], height=0.7)
        ax.set_yticks(y, [str(v).replace("$", r"\$") for v in coverage["label"]], fontsize=8)
        ax.set_ylim(len(coverage) - 0.5, -0.5)
        ax.set_xlabel("Hits in the corpus")
        ax.set_title(title, loc="left", fontweight="bold")
        handles = [Patch(color=color[f], label=str(f).replace("$", r"\$")) for f in families]
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=8)
    return fig


def plot_cv_scores(evaluations: Mapping[str, Any], *, metric: str = "macro_f1",
                   title: str = "Cross-validated scores per fold"):
    """Per-fold scores of the model and its baselines, one row per (evaluation, model).

    Parameters
    ----------
    evaluations : mapping of str to Evaluation
        Results of :func:`framelens.classify.evaluate` (e.g. ``{"leakage-aware": a, "random split": b}``).
    metric : str
        A column of ``Evaluation.folds`` (``macro_f1``, ``accuracy``, ``balanced_accuracy``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = []
    for name, ev in evaluations.items():
        folds = getattr(ev, "folds", None)
        if not isinstance(folds, pd.DataFrame) or metric not in folds.columns:
            raise InputError(f"evaluation {name!r} has no per-fold {metric!r}; pass framelens.classify.evaluate results")
        for model in ("model", "lexicon_only", "dummy"):
            values = folds.loc[folds["model"] == model, metric].astype(float).dropna().to_numpy()
            if len(values):
                rows.append((f"{model.replace('_', ' ')} · {name}", values, model))
    colors = {"model": "#0173b2", "lexicon_only": "#029e73", "dummy": "#949494"}
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False}):
        fig = Figure(figsize=(7.0, 0.9 + 0.34 * max(len(rows), 1)), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        for y, (label, values, model) in enumerate(rows):
            ax.scatter(values, [y] * len(values), s=16, color=colors[model], alpha=0.55, zorder=2)
            ax.scatter([values.mean()], [y], marker="|", s=260, color=colors[model], zorder=3, linewidths=2.2)
            ax.text(1.02, y, f"{values.mean():.2f}", va="center", fontsize=8, transform=ax.get_yaxis_transform())
        ax.set_yticks(range(len(rows)), [label.replace("$", r"\$") for label, _, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(-0.02, 1.02)
        ax.grid(axis="x", color="#e5e5e5", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"{metric.replace('_', ' ')} per test fold (dots) and mean (bar)")
        ax.set_title(title, loc="left", fontweight="bold")
    return fig


def plot_confusion(confusion: pd.DataFrame, *, title: str = "Confusion matrix (all test folds)"):
    """Heatmap of a confusion matrix (rows true, columns predicted): counts, shaded by row share."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(confusion, pd.DataFrame) or confusion.shape[0] != confusion.shape[1]:
        raise InputError("confusion must be a square DataFrame (rows true class, columns predicted)")
    counts = confusion.to_numpy(dtype=float)
    share = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    n = len(confusion)
    with mpl.rc_context({"font.family": ["DejaVu Sans"], "font.size": 9}):
        fig = Figure(figsize=(2.2 + 0.75 * n, 1.6 + 0.6 * n), dpi=120, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.6 else "#1b1b1b")
        labels = [str(v).replace("$", r"\$") for v in confusion.index]
        ax.set_xticks(range(n), [str(v).replace("$", r"\$") for v in confusion.columns], rotation=35, ha="right")
        ax.set_yticks(range(n), labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(title, loc="left", fontweight="bold")
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("share of the true class")
        bar.outline.set_visible(False)
    return fig


def plot_pooled_within(pooled: pd.DataFrame, within: pd.DataFrame, family: str, *, order: Any = None,
                       title: str | None = None):
    """Two panels side by side: a family's label shares over all articles, and within stories.

    Parameters
    ----------
    pooled, within : DataFrame
        Shares tables (``group, family, label, share, lower, upper``, and ``family_hits``): the output
        of ``framelens.shares(...)`` and of ``framelens.shares(..., within=STORY)``.
    family : str
        The family drawn.
    order : sequence of group names, Series of slant positions or divergence result, optional
        Group order (first on top of each label), as in :func:`framelens.plots.plot_shares`.

    Returns
    -------
    matplotlib.figure.Figure
        Labels down the shared y axis in the same order in both panels (by pooled share, largest
        first; labels no group uses in either table are left out), one point-range per group in the
        colours of ``plot_shares``, the same x scale in both panels.

    Examples
    --------
    >>> import pandas as pd
    >>> from framelens.reports import plot_pooled_within
    >>> t = pd.DataFrame({"group": ["A", "A", "B", "B"], "family": "f", "label": ["x", "y"] * 2,
    ...                   "share": [.7, .3, .4, .6], "lower": [.6, .2, .3, .5], "upper": [.8, .4, .5, .7],
    ...                   "family_hits": [50, 50, 40, 40]})
    >>> fig = plot_pooled_within(t, t.assign(share=[.6, .4, .5, .5], lower=.1, upper=.9), "f")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()], len(fig.axes)
    (['x', 'y'], 2)
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter

    from . import plots as P

    tables = []
    for name, table in (("pooled", pooled), ("within", within)):
        checked = P._check_shares(table)
        if family not in set(checked["family"]):
            raise ParameterError(f"family {family!r} is not in the {name} shares table")
        tables.append(checked[checked["family"] == family])
    pool, strat = tables
    groups = P._group_order(pd.unique(pool["group"]), order)
    used = set(pool.loc[pool["share"].fillna(0) > 0, "label"]) | set(strat.loc[strat["share"].fillna(0) > 0, "label"])
    labels = [lab for lab in P._label_order(pool) if lab in used] or P._label_order(pool)[:1]
    dropped = pool["label"].nunique() - len(labels)
    position = {lab: i for i, lab in enumerate(labels)}
    colors = P._group_colors(len(groups))
    values = np.concatenate([t.loc[t["label"].isin(labels), ["share", "upper"]].to_numpy(float).ravel() for t in tables])
    values = values[np.isfinite(values)]
    xmax = min(1.0, max(0.05, np.ceil(values.max() * 1.05 * 20) / 20)) if values.size else 1.0
    offsets = np.linspace(-0.34, 0.34, len(groups)) if len(groups) > 1 else np.zeros(1)
    band = 0.09 * len(groups) + 0.14

    with mpl.rc_context(P._RC):
        fig = P._new_figure(9.0, band * len(labels) + 1.7)
        axes = fig.subplots(1, 2, sharey=True)
        heads = ("Pooled: all articles", "Within stories: every source at the same story mix")
        for ax, rows, head in zip(axes, (pool, strat), heads):
            for i in range(0, len(labels), 2):  # zebra bands tie each label to its points
                ax.axhspan(i - 0.5, i + 0.5, color="0.95", lw=0, zorder=0)
            for g, (group, color) in enumerate(zip(groups, colors)):
                mine = rows[(rows["group"] == group) & rows["label"].isin(labels) & rows["share"].notna()]
                if mine.empty:
                    continue
                x = mine["share"].to_numpy(float)
                err = np.vstack([x - mine["lower"].to_numpy(float), mine["upper"].to_numpy(float) - x])
                ax.errorbar(x, mine["label"].map(position).to_numpy(float) + offsets[g], xerr=np.nan_to_num(err),
                            fmt="o", ms=3.8, color=color, ecolor=color, elinewidth=1.3, capsize=0, zorder=3)
            ax.set_xlim(0, xmax)
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            ax.grid(axis="x", color="0.85", lw=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="y", length=0)
            ax.set_title(head, loc="left", fontsize=9, parse_math=False)
        axes[0].set_yticks(range(len(labels)), [P._literal(lab) for lab in labels])
        axes[0].set_ylim(len(labels) - 0.5, -0.5)
        axes[0].set_xlabel("Share of the family's hits (bar: 95% interval over documents)")
        axes[1].set_xlabel("Story-standardised share (bar: 95% interval over stories)")
        note = f"  ({dropped} unused label{'s' if dropped != 1 else ''} not shown)" if dropped else ""
        fig.suptitle(title or f"{family}: pooled and within-story shares{note}", x=0.01, ha="left",
                     fontweight="bold", fontsize=10)
        ncols = min(len(groups), 3)
        handles = [Line2D([], [], marker="o", ms=4.5, lw=1.3, color=c, label=P._literal(g)) for g, c in zip(groups, colors)]
        handles = [h for c in range(ncols) for h in handles[c::ncols]]  # read row by row in `order`
        fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)
        P._freeze_layout(fig)
    return fig
