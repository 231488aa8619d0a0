"""The conda environment, the README and CI agree with pyproject.toml (conda itself cannot run here)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def conda_name(spec: str) -> str:
    return canonical(re.split(r"[<>=!~ ;\[]", spec.strip(), maxsplit=1)[0])


def load_env() -> tuple[set[str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.extend(dep["pip"])
        else:
            conda.add(conda_name(dep))
    return conda, pip


def test_environment_yml_names_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonical(Requirement(r).name) for r in project["dependencies"]}
    conda, pip = load_env()
    pip_names = {canonical(Requirement(p).name) for p in pip if not p.startswith("-")}
    missing = runtime - conda - pip_names
    assert not missing, f"environment.yml lacks runtime dependencies of pyproject.toml: {sorted(missing)}"
    extra_scale = {canonical(Requirement(r).name) for r in project["optional-dependencies"]["scale"]}
    assert extra_scale <= conda | pip_names, "environment.yml should install the 'scale' extra too"


def test_environment_yml_installs_the_package_itself_and_right_python():
    conda, pip = load_env()
    assert any(p.strip() in ("-e .", ".", "-e ./") for p in pip), "environment.yml must pip-install the package itself"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires.replace(" ", "") in python.replace(" ", ""), (python, requires)


def test_version_floors_agree():
    """Where both name a minimum version, it is the same one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floors = {}
    for r in project["dependencies"]:
        req = Requirement(r)
        for spec in req.specifier:
            if spec.operator == ">=":
                floors[canonical(req.name)] = spec.version
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs = [d for d in env["dependencies"] if isinstance(d, str)]
    specs += [p for d in env["dependencies"] if isinstance(d, dict) for p in d["pip"] if not p.startswith("-")]
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9_.\-\[\]]+?)(\[[^\]]*\])?\s*>=\s*([0-9.]+)", spec.strip('"'))
        if m and canonical(m.group(1)) in floors:
            assert floors[canonical(m.group(1))] == m.group(3), f"{spec}: pyproject says >={floors[canonical(m.group(1))]}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    first_screen = "\n".join(readme.splitlines()[:40])
    assert "make test" in first_screen and "make demo" in first_screen
    assert "make test" in ci


def test_installed_version_is_the_package_version():
    """pyproject.toml takes the version from framelens/_version.py: what pip installed says the same."""
    from importlib.metadata import version

    import framelens

    assert "version" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dynamic"]
    assert version("framelens") == framelens.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", framelens.__version__)
