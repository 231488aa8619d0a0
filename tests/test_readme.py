"""The README and the guides in docs/ say what the package does.

* The Python examples run as written (on the embedded corpus and a user-style CSV).
* Every ``framelens VERB [SUBVERB] --option`` they show exists in the parser, with a valid choice.
* The quick commands on ``sample`` / ``articles.csv`` run, and a date bin is never all ``(missing)``
  (the README once grouped a CSV by month without naming its date column).
* Every ``framelens.name`` and ``from framelens... import name`` resolves; every link and
  ``python -m`` module exists; every CLI verb and every top-level public name is documented.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import re
import shlex
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

import framelens
from framelens.cli.main import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GUIDES = sorted((ROOT / "docs").glob("*.md"))
DOCS = [README, ROOT / "DEVELOPERS.md", *GUIDES]
# docs/batch.md runs its own examples (tests/test_docs_batch.py); its commands are still parsed here
OWN_EXAMPLES = [p for p in DOCS if p.name != "batch.md"]
NEEDS_SHARED = ("load_babe", "load_abp", "load_allsides")
DATE_BINS = ("day", "week", "month", "quarter", "year")


def python_blocks(path: Path = README) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def command_lines(path: Path) -> list[str]:
    """``framelens ...`` commands in shell blocks (continuations joined) and in inline code."""
    text = path.read_text(encoding="utf-8")
    commands = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S):
        if lang not in ("", "bash", "sh", "console"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = line.strip()
            if re.match(r"framelens [a-z]+(\s|$)", line):  # not output such as 'framelens conflict_actors: 100%'
                commands.append(line)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    commands += [span for span in re.findall(r"`([^`\n]+)`", prose) if span.startswith("framelens ")]
    return commands


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_parser(words: list[str]) -> tuple[argparse.ArgumentParser | None, list[str], str]:
    """The parser of ``framelens VERB [SUBVERB]`` and the words after it."""
    verbs = subparsers(build_parser())
    if not words or words[0] not in verbs:
        return None, words, f"unknown verb {words[:1]}"
    parser, rest = verbs[words[0]], words[1:]
    subs = subparsers(parser)
    if subs:
        if not rest or rest[0] not in subs:
            return (parser, rest, "") if not rest or rest[0].startswith("-") else (None, rest, f"unknown sub-verb {rest[:1]} of {words[0]}")
        parser, rest = subs[rest[0]], rest[1:]
    return parser, rest, ""


def placeholder(word: str) -> bool:
    return word[:1] in "[<…" or word.isupper() or "..." in word or word.startswith("-")


def test_readme_python_tour_runs(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 2
    # the user's CSV of the tour: the sample under other column names
    sample = framelens.datasets.load_sample().docs
    sample.rename(columns={"text": "body", "source": "outlet", "date": "published"}).to_csv(tmp_path / "articles.csv", index=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert len(namespace["mine"]) == len(sample)
    assert namespace["mine"].docs["date"].notna().all()
    summary = namespace["result"].summary
    assert summary.loc["model", "macro_f1"] > summary.loc["dummy", "macro_f1"]
    assert summary.loc["lexicon_only", "macro_f1"] > summary.loc["dummy", "macro_f1"]  # the comment promises it
    assert list(namespace["hits"].columns) == ["doc_id", "sentence", "start", "end", "family", "label", "matched"]
    assert (tmp_path / "models" / "my_model" / "model_card.md").exists()


@pytest.mark.parametrize("path", [p for p in OWN_EXAMPLES if p != README and python_blocks(p)], ids=lambda p: p.name)
def test_guide_python_examples_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = 0
    for block in python_blocks(path):
        if any(name in block for name in NEEDS_SHARED):
            continue  # third-party corpora and minutes of CPU: the guide's benchmark commands cover it
        exec(compile(block, str(path), "exec"), {})  # noqa: S102 - our own guide
        ran += 1
    assert ran >= 1


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_documented_commands_exist(path):
    problems = []
    for line in command_lines(path):
        words = shlex.split(line, comments=True)[1:]
        parser, rest, error = command_parser(words)
        if parser is None:
            problems.append(f"{line}: {error}")
            continue
        actions = parser._option_string_actions
        for i, word in enumerate(rest):
            option = word.strip("[]").split("=")[0]
            if not option.startswith("--"):
                continue
            if option not in actions:
                problems.append(f"{line}: no option {option}")
                continue
            choices = actions[option].choices
            value = word.split("=", 1)[1] if "=" in word else (rest[i + 1] if i + 1 < len(rest) else "")
            value = value.rstrip("]")
            if choices and value and not placeholder(value) and value not in choices:
                problems.append(f"{line}: {option} {value!r} is not one of {sorted(choices)}")
    assert not problems, "\n".join(problems)


def test_every_verb_is_documented():
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    missing = []
    for verb, parser in subparsers(build_parser()).items():
        if not re.search(rf"framelens {verb}\b", text):
            missing.append(verb)
        for sub in subparsers(parser):
            if not re.search(rf"framelens {verb} {sub}\b", text):
                missing.append(f"{verb} {sub}")
    assert not missing, f"CLI verbs no document shows: {missing}"


def test_public_names_are_documented():
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    missing = [n for n in framelens.__all__ if n != "__version__" and not re.search(rf"\b{re.escape(n)}\b", text)]
    assert not missing, f"public names of framelens no document mentions: {missing}"


def resolve(dotted: str):
    parts = dotted.split(".")
    # the longest importable module first: framelens.compare.shares is both a module and a function
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("path", OWN_EXAMPLES, ids=lambda p: p.name)
def test_documented_names_resolve(path):
    text = path.read_text(encoding="utf-8")
    problems = []
    for name in sorted(set(re.findall(r"(?<![\w/.-])framelens(?:\.[A-Za-z_]\w*)+(?![\w…])", text))):
        if re.search(rf"{re.escape(name)}[…]", text) and name.endswith("_"):
            continue  # framelens.exercises.check_… names a family of functions
        try:
            resolve(name)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{name}: {exc}")
    for module, names in re.findall(r"from (framelens[\w.]*) import (\([^)]*\)|[\w, ]+)", text):
        for name in re.split(r"[,\s()]+", names.split("#")[0]):
            if name and not hasattr(importlib.import_module(module), name):
                problems.append(f"from {module} import {name}: no such name")
    for module in re.findall(r"python -m (framelens[\w.]*)", text):
        if importlib.util.find_spec(module) is None:
            problems.append(f"python -m {module}: no such module")
    for script in re.findall(r"python (benchmarks/[\w./-]+\.py)", text):
        if not (ROOT / script).exists():
            problems.append(f"{script}: no such file")
    for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        if not (path.parent / link).exists():
            problems.append(f"link {link}: no such file")
    assert not problems, "\n".join(problems)


QUICK_VERBS = {"score", "kwic", "corpus", "datasets", "compare", "stories", "attributions", "agency", "tone",
               "descriptors", "lexicon"}


def test_quick_commands_run(tmp_path, monkeypatch):
    """The commands on the sample and the tour's CSV that take a second or two run, and grouping by a
    date bin finds the dates (a CSV whose date column is not named gives only '(missing)')."""
    sample = framelens.datasets.load_sample().docs
    sample.rename(columns={"text": "body", "source": "outlet", "date": "published"}).to_csv(tmp_path / "articles.csv", index=False)
    monkeypatch.chdir(tmp_path)
    ran, problems = 0, []
    for path in (README, ROOT / "docs" / "comparisons.md", ROOT / "docs" / "actors.md", ROOT / "docs" / "stories.md"):
        for line in command_lines(path):
            words = shlex.split(line, comments=True)[1:]
            if not words or words[0] not in QUICK_VERBS or any(placeholder(w) and w.isupper() for w in words):
                continue
            if words[0] == "lexicon" and words[1:2] not in (["list"], ["show"], ["suggest"]):
                continue  # validate / import name the user's own files
            standalone = words[:2] in (["datasets", "list"], ["lexicon", "list"]) or (words[:2] == ["lexicon", "show"] and len(words) > 2)
            if not standalone and not any(w in ("sample", "articles.csv") for w in words):
                continue  # an archive, a model or a file of the reader's own
            stdout = io.StringIO()
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
                    code = main(words)
            except SystemExit as exc:  # argparse refused the command line
                code = f"{exc.code} (usage error)"
            ran += 1
            if code != 0:
                problems.append(f"{line}: exit {code}")
                continue
            bins = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--by" and words[i + 1] in DATE_BINS]
            if bins and "--out" in words:
                out = words[words.index("--out") + 1]
                table = pd.read_parquet(out) if out.endswith(".parquet") else pd.read_csv(out)
                for b in bins:
                    if (table[b].astype(str) == "(missing)").all():
                        problems.append(f"{line}: every '{b}' is (missing): the dates were not read")
    assert ran >= 20
    assert not problems, "\n".join(problems)
