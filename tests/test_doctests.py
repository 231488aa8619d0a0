"""Every docstring example of the package runs and prints what it shows.

Modules are found by reading the source for ``>>>``, so a module that gains examples is tested
without being listed here. ``matching`` and ``text`` run their doctests in their own test files;
any other module left out must be listed in ``SKIPPED`` with the reason, and the test fails when a
listed module has no examples left (so the list cannot go stale). Examples marked ``+SKIP``
because they read the third-party corpora run in ``test_shared_data_examples`` when ../shared is
present.
"""
from __future__ import annotations

import doctest
import importlib
import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # plots' examples draw figures; never open a window

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "analysis" / "framelens"
SHARED = Path(os.environ.get("FRAMELENS_SHARED", ROOT.parent / "shared"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# module -> why its examples are not run here (each must still have examples)
SKIPPED = {
    "framelens.matching": "run by tests/test_matching.py (doctest.testmod)",
    "framelens.text": "run by tests/test_text.py (doctest.testmod)",
}

# module -> why its examples are expected to fail until the module's owner fixes them (not strict:
# once fixed the test passes as XPASS; then delete the entry)
XFAIL: dict[str, str] = {}

# examples marked +SKIP because they need ../shared: (module, object names)
SHARED_EXAMPLES = {
    "framelens.classify.model": ("bias_cues",),
    "framelens.datasets.shared": ("load_abp", "load_babe", "load_allsides"),
    "framelens.lexicon.importers": ("read_liwc", "import_lexicon"),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules_with_examples() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            found.append(module_name(path))
    return found


MODULES = modules_with_examples()


def run_doctests(module, names=None, unskip=False) -> tuple[doctest.TestResults, str]:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    tests = doctest.DocTestFinder().find(module, module.__name__)
    for test in tests:
        if names is not None and test.name.rsplit(".", 1)[-1] not in names:
            continue
        if unskip:
            for example in test.examples:
                example.options.pop(doctest.SKIP, None)
        runner.run(test, out=report.append)
    return runner.summarize(verbose=False), "".join(report)


def test_module_discovery_finds_the_package():
    assert len(MODULES) >= 30
    assert "framelens.compare.keyness" in MODULES and "framelens.plots" in MODULES
    for name, reason in SKIPPED.items():
        assert name in MODULES, f"{name} is skipped ({reason}) but has no examples any more"


@pytest.mark.parametrize("name", [
    pytest.param(m, marks=pytest.mark.xfail(reason=f"{m}: {XFAIL[m]}", strict=False)) if m in XFAIL else m
    for m in MODULES if m not in SKIPPED])
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(name)
    results, report = run_doctests(module)
    assert results.attempted > 0, f"{name} has '>>>' in its source but doctest collects no example"
    assert results.failed == 0, f"{name}: {results.failed} of {results.attempted} examples failed\n{report}"


@pytest.mark.parametrize("name", sorted(SHARED_EXAMPLES))
def test_shared_data_examples(name, monkeypatch):
    """The loaders' examples are +SKIP in a plain doctest run; with ../shared they must hold."""
    if not (SHARED / "corpora").is_dir():
        pytest.skip(f"third-party data not present: {SHARED / 'corpora'} (../shared is not beside this checkout)")
    if name == "framelens.lexicon.importers" and SHARED.resolve() != (ROOT.parent / "shared").resolve():
        # the importers' examples name ../shared/corpora/... relative to the repository
        pytest.skip(f"FRAMELENS_SHARED={SHARED} is not ../shared: the importers' example paths do not apply")
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    results, report = run_doctests(module, names=SHARED_EXAMPLES[name], unskip=True)
    assert results.attempted >= 2 * len(SHARED_EXAMPLES[name])
    assert results.failed == 0, f"{name}: {results.failed} of {results.attempted} examples failed\n{report}"
