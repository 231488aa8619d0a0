"""Report templates and their parameters: where a template is, what it accepts, and ``--param`` parsing.

A *template* is a notebook under ``notebooks/`` whose first code cell is tagged ``parameters`` and
holds the defaults as ``name = literal`` lines. This module finds templates (:func:`template_path`,
:func:`list_templates`), reads those defaults (:func:`template_parameters`) and turns the CLI's
``key=value`` strings into values of the defaults' types (:func:`parse_param_strings`,
:func:`coerce_parameter`). Nothing here runs a kernel.
"""
from __future__ import annotations

import ast
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..errors import InputError, ParameterError


def _package_dir() -> Path:
    """The folder of the installed ``framelens`` package (which holds the ``report_template/`` data).

    Looked up through :mod:`importlib.resources` so that it names the package, wherever this module
    sits inside it and whether the install is editable or not.
    """
    return Path(str(resources.files("framelens"))).resolve()


PACKAGE_DIR = _package_dir()
# Templates live in the repository's notebooks/ folder (analysis/framelens → the repository root).
TEMPLATE_DIR = Path(os.environ.get("FRAMELENS_TEMPLATES", PACKAGE_DIR.parents[1] / "notebooks"))
TEMPLATES = ("source_comparison", "classifier_report", "lexicon_validation", "batch_comparison")
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


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
    ['source_comparison', 'classifier_report', 'lexicon_validation', 'batch_comparison']
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
