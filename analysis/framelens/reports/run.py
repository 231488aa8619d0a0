"""Running a report: a template executed headless (nbclient) into byte-identical HTML and ``.ipynb``.

:func:`run_report` checks the parameters against the corpus and lexicon *before* anything runs
(:mod:`.checks`), replaces the template's ``parameters`` cell with an ``injected-parameters`` cell,
executes the notebook and writes ``<out>.html`` and ``<out>.ipynb`` side by side, atomically (a
failing cell leaves no partial report). :func:`execute_notebook` runs any notebook in the same
pinned kernel environment.

Same inputs give the same bytes: fixed cell ids and kernel name, no execution timings, a pinned
kernel environment (hash seed, single-threaded maths, a warmed matplotlib font cache, progress bars
off), and sorted JSON. The HTML references nothing on the network (a trimmed nbconvert template,
``framelens/report_template/``, with no require.js, MathJax or widgets).
"""
from __future__ import annotations

import copy
import html
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import FramelensError, ParameterError
from ..io_utils import shows_progress
from .checks import SAMPLE, load_corpus, validate_parameters
from .templates import (
    PACKAGE_DIR,
    TEMPLATES,
    _literal_assignments,
    _parameters_cell,
    _read_template,
    coerce_parameter,
)

HTML_TEMPLATE = "report_template"  # a folder of the framelens package (package data)
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}


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

    running = {}  # the cell being executed: a timeout names it

    def started(cell: Any = None, **_: Any) -> None:
        running["id"] = getattr(cell, "id", None)

    client = NotebookClient(
        nb, timeout=timeout, kernel_name=KERNEL_NAME, record_timing=False, allow_errors=False,
        resources={"metadata": {"path": str(cwd)}}, on_cell_executed=advance, on_cell_start=started,
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
        cell_id = running.get("id")
        section = _cell_section(nb, cell_id) if cell_id else ""
        where = f" in cell {cell_id}" + (f" (section '{section}')" if section else "") if cell_id else ""
        raise ReportError(f"the report timed out{where}: a cell ran longer than {timeout} s; allow more with "
                          "--timeout SECONDS (timeout= in Python), or lower what costs most there (n_boot, "
                          "n_perm)") from exc
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
    progress: bool | None = None,
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
    progress : bool, optional
        A progress bar over the cells; default: on a terminal's stderr or in a Jupyter notebook.

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

    from ..provenance import provenance

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
        from ..scoring import as_lexicon

        lex = as_lexicon(values["lexicon"])
    validate_parameters(path.stem, values, corpus, lex)
    record = provenance(corpus, lex, values)

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ParameterError(f"--out {out}: the report is an HTML file; give a name ending in .html")
    notebook_path = out.with_suffix(".ipynb")
    prepared = _prepare(nb, values, param_index, record, path.stem if name in TEMPLATES else name)
    executed = _normalise_executed(_execute(prepared, Path.cwd(), timeout, shows_progress() if progress is None else progress))
    page = to_html(executed, show_code=show_code)
    notebook_text = nbformat.writes(executed)  # sorted keys, indent 1
    notebook_text = notebook_text if notebook_text.endswith("\n") else notebook_text + "\n"

    from ..io_utils import atomic_path

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
