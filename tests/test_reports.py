"""Reports: byte-identical re-runs, offline HTML, provenance, escaping, parameter checks, atomic failure.

The reports run real kernels on the embedded corpus; the module fixture runs the ones it needs two at a
time to keep the file fast.
"""
from __future__ import annotations

import base64
import json
import math
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import framelens
from framelens import reports
from framelens.errors import InputError, ParameterError
from framelens.reports import ReportError, precision_from_judgements, run_report

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FAST = {"n_boot": 100, "n_perm": 19, "top_n": 8, "kwic_n": 3}


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags_of(page: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def hostile_corpus(path: Path) -> Path:
    """Ten reports per outlet of the sample, with markup in outlet names, titles and texts."""
    docs = framelens.datasets.load_sample().docs.groupby("source").head(10).reset_index(drop=True)
    first, second = sorted(docs["source"].unique())[:2]
    docs["source"] = docs["source"].replace({first: f"Outlet {SCRIPT}", second: f"{IMG} News"})
    docs["title"] = docs["title"] + " " + SCRIPT
    docs["text"] = [f"{IMG} " + t.replace("rebels", f"rebels {SCRIPT}", 1).replace("army", f"army {IMG}", 1)
                    for t in docs["text"]]
    docs[["doc_id", "source", "date", "title", "text"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same report twice (separate folders) and one on hostile text, run two at a time."""
    base = tmp_path_factory.mktemp("reports")
    corpus = hostile_corpus(base / "hostile.csv")
    jobs = {
        "a": ("sample", base / "a" / "report.html"),
        "b": ("sample", base / "b" / "report.html"),
        "hostile": (str(corpus), base / "hostile" / "report.html"),
    }
    with ThreadPoolExecutor(2) as pool:
        futures = {k: pool.submit(run_report, src, "conflict_actors", "source", out, params=FAST)
                   for k, (src, out) in jobs.items()}
        return {k: f.result() for k, f in futures.items()}


# ------------------------------------------------------------------------------ reproducibility
def test_rerun_gives_byte_identical_html_and_notebook(runs):
    a, b = runs["a"], runs["b"]
    assert a.html.read_bytes() == b.html.read_bytes()
    assert a.notebook.read_bytes() == b.notebook.read_bytes()
    assert a.notebook == a.html.with_suffix(".ipynb")


def test_executed_notebook_is_normalised(runs):
    text = runs["a"].notebook.read_text(encoding="utf-8")
    nb = json.loads(text)
    assert text == json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # sorted JSON
    assert [c["id"] for c in nb["cells"]] == [f"cell-{i:04d}" for i in range(1, len(nb["cells"]) + 1)]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert "execution" not in cell["metadata"]
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error"
            assert "font cache" not in out.get("text", "").lower()
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert first_code["metadata"]["tags"] == ["injected-parameters"]
    assert "n_boot = 100" in "".join(first_code["source"])
    record = nb["metadata"]["framelens"]["provenance"]
    sample = framelens.datasets.load_sample()
    assert record["corpus"]["sha256"] == sample.fingerprint
    assert record["lexicon"]["sha256"] == framelens.load_lexicon("conflict_actors").fingerprint
    assert record["params"]["seed"] == 0 and record["params"]["n_boot"] == 100


def test_html_is_offline_with_embedded_figures(runs):
    page = runs["a"].html.read_text(encoding="utf-8")
    tags = tags_of(page)
    assert not [t for t, _ in tags if t == "script"], "a report needs no script at all"
    for tag, attrs in tags:
        if tag in ("script", "link", "iframe", "img", "source", "embed", "object"):
            for key in ("src", "href", "data"):
                assert "http" not in (attrs.get(key) or ""), (tag, attrs)
    images = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert len(images) >= 8  # heatmaps, point-ranges, Fightin' Words, divergence, slant
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "require.js" not in page and "mathjax" not in page.lower()


def test_provenance_block_comes_first_and_names_everything(runs):
    page = runs["a"].html.read_text(encoding="utf-8")
    start = page.index("Provenance: what produced this report")
    assert start < page.index("1. Corpus overview")
    block = page[start:page.index("</details>", start)]
    sample = framelens.datasets.load_sample()
    lex = framelens.load_lexicon("conflict_actors")
    assert sample.fingerprint in block and lex.fingerprint in block and lex.version in block
    for key in reports.template_parameters("source_comparison"):
        assert f"param · {key}" in block
    import numpy

    assert f"numpy {numpy.__version__}" in block and f"framelens</th><td><code>{framelens.__version__}" in block


def test_every_section_is_in_the_report(runs):
    page = runs["a"].html.read_text(encoding="utf-8")
    headings = ("1. Corpus overview", "2. Label shares per source", "3. Keyness", "4. Divergence and slant",
                "5. Evidence", "6. Terms beyond the lexicon", "7. Who speaks, who acts, and how each side is described",
                "8. Same story, different words: framing or selection?", "9. Limitations")
    positions = [page.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert page.count('class="fl-table fl-kwic"') >= 3  # KWIC evidence per group


def test_hostile_corpus_text_is_escaped_everywhere(runs):
    page = runs["hostile"].html.read_text(encoding="utf-8")
    assert SCRIPT not in page and IMG not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt; News" in page  # the outlet name, escaped
    for tag, attrs in tags_of(page):
        assert tag != "script"
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")


def test_actor_and_story_sections_show_the_library_results(runs):
    """Sections 7 and 8 print what framelens.actors and the story comparisons compute, escaped, in slant order."""
    from framelens import actors

    page = runs["a"].html.read_text(encoding="utf-8")
    sample = framelens.datasets.load_sample()
    section7 = page[page.index("7. Who speaks"):page.index("8. Same story")]
    section8 = page[page.index("8. Same story"):page.index("9. Limitations")]
    # attribution: the Free Karvia Voice doubts the government's words (docs/actors.md: 40 of 53 with a stance verb)
    said = actors.attribution_table(actors.attributions(sample)).set_index(["source", "family"])
    row = said.loc[("Free Karvia Voice", "government_side")]
    assert (row["stance"], row["statements"]) == (40, 53)
    assert "<td>Free Karvia Voice</td><td>8 of 56 (14%)</td><td>40 of 53 (75%)</td>" in section7
    assert "<td>Karvian National Telegraph</td><td>47 of 53 (89%)</td><td>1 of 59 (2%)</td>" in section7
    assert "jihadist_groups in 6 groups" in section7  # the thin cells are named, not silently dropped
    # agency: the hidden agents come from the event column (story="auto" picks it on the sample)
    assert "126 hide the agent: 94 were given a side by their story, 32 could not be" in section7
    assert "<td>The Marn Courier</td><td>84% of 19</td>" in section7  # the Courier hides the opposition's harm
    # descriptors: what each outlet puts before each side's names
    assert "courageous (23), brave (21), heroic (16)" in section7
    # stories and the decomposition: the Sentinel's 'militants' is +71.8 points = +4.5 selection + 67.3 framing
    # (docs/stories.md), and the report says where the stories came from and what was left out
    assert "Stories from the corpus column 'event': 16 stories, 16 covered by at least two groups" in section8
    assert "Every story was covered by at least two groups" in section8
    d = framelens.decompose(sample, "conflict_actors", "armed_opposition", story="event").set_index(["group", "label"])
    sentinel = d.loc[("Karvia Sentinel", "militants")]
    assert (round(100 * sentinel["pooled_diff"], 1), round(100 * sentinel["selection"], 1),
            round(100 * sentinel["framing"], 1)) == (71.8, 4.5, 67.3)
    assert ("<td>Karvia Sentinel</td><td>armed_opposition</td><td>militants</td><td>80%</td><td>8%</td>"
            "<td>+71.8</td><td>+4.5</td><td>+67.3</td><td>+0.0</td>") in section8
    # groups follow the slant axis of section 4 everywhere: the pro-government outlets first
    order = [section7.index(f"<td>{g}</td>") for g in ("Karvia Sentinel", "Karvian National Telegraph", "Continental Observer",
                                                       "Orvane Wire", "The Marn Courier", "Free Karvia Voice")]
    assert order == sorted(order)
    figures = [attrs for tag, attrs in tags_of(section7 + section8) if tag == "img"]
    assert len(figures) == 3 + 2 * 5  # attribution, agency, tone; side by side and decomposition per family
    assert all(attrs.get("alt") for attrs in figures)


def test_story_section_finds_stories_when_the_corpus_has_none(runs):
    page = runs["hostile"].html.read_text(encoding="utf-8")
    section8 = page[page.index("8. Same story"):page.index("9. Limitations")]
    assert "Stories from framelens.stories() (articles at most 3 days apart" in section8
    assert "The compared stories, most widely covered first" in section8
    assert "Statements reported with a stance verb" in page  # section 7 ran on the hostile text too


# ------------------------------------------------------------------------------ bad input
@pytest.fixture
def no_kernel(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the notebook must not run when parameters are bad")

    monkeypatch.setattr(reports.run, "_execute", refuse)


def empty_group_corpus(path: Path) -> Path:
    pd.DataFrame({"source": ["Wire", "Wire", "Herald"], "text": ["Rebels advanced.", "The army said.", "   "]}
                 ).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("kwargs, message", [
    ({"by": "outlet_region"}, "no column 'outlet_region'"),
    ({"params": {"families": ["armed_opposition", "no_such_family"]}}, "'no_such_family' not in lexicon"),
    ({"params": {"colour": "red"}}, "has no parameter 'colour'"),
    ({"params": {"n_boot": "many"}}, "n_boot='many': expected an integer"),
    ({"params": {"date_bin": "fortnight"}}, "date_bin='fortnight'"),
    ({"params": {"groups": ["Orvane Wire", "Daily Nowhere"]}}, "'Daily Nowhere' not found"),
    ({"lexicon": "no_such_lexicon"}, "no_such_lexicon"),
    ({"params": {"story": "storyline"}}, "story: no column 'storyline' in the corpus"),
    ({"params": {"story": "doc_id"}}, "story='doc_id': none of its 348 stories is covered by two groups of by='source'"),
    ({"by": "month", "params": {"story": "event"}}, "story='event': none of its 16 stories is covered by two groups"),
])
def test_bad_parameters_fail_before_execution_with_one_line(tmp_path, no_kernel, kwargs, message):
    out = tmp_path / "report.html"
    args = {"lexicon": "conflict_actors", "by": "source", **kwargs}
    with pytest.raises(framelens.FramelensError) as err:
        run_report("sample", args.pop("lexicon"), args.pop("by"), out, **args)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_story_parameter_names_a_column_or_lets_the_report_decide():
    docs = framelens.datasets.load_sample().docs
    sample = framelens.Corpus(docs)
    both = framelens.Corpus(docs.assign(story=docs["event"].str[:3]))
    bare = framelens.Corpus(docs.drop(columns=["event"]))
    assert reports.story_column(sample) == "event"
    assert reports.story_column(both) == "story"  # 'story' comes before 'event'
    assert reports.story_column(bare) is None  # the report finds stories in the texts
    assert reports.story_column(both, "find") is None and reports.story_column(both, "event") == "event"
    with pytest.raises(ParameterError, match="no column 'events'") as err:
        reports.story_column(sample, "events")
    assert "\n" not in str(err.value) and "'find'" in str(err.value)
    lex = framelens.load_lexicon("conflict_actors")
    for story in ("auto", "find", ""):  # the default never stops a report, even when no story spans two months
        reports.validate_parameters("source_comparison", {"by": "month", "story": story}, sample, lex)
    # a named column is checked against the compared groups only
    reports.validate_parameters("source_comparison", {"by": "lean", "story": "event"}, sample, lex)
    with pytest.raises(ParameterError, match="story='lean': none of its 2 stories is covered by two groups"):
        reports.validate_parameters("source_comparison", {"by": "lean", "groups": ["neutral", "pro_government"],
                                                          "story": "lean"}, sample, lex)


def test_folds_without_enough_groups_and_undated_date_bins_fail_before_execution():
    """The classifier report's grouped folds need as many groups as folds (the kernel used to fail with
    a message about 'cv', a parameter the user never set); a date bin over a corpus without dates
    says so."""
    sample = framelens.datasets.load_sample()
    lex = framelens.load_lexicon("conflict_actors")
    reports.validate_parameters("classifier_report", {"by": "source", "group_column": "auto", "n_splits": 5}, sample, lex)
    with pytest.raises(ParameterError, match=r"group_column='lean' has 3 distinct value\(s\), fewer than the 5 folds"):
        reports.validate_parameters("classifier_report", {"by": "source", "group_column": "lean", "n_splits": 5},
                                    sample, lex)
    reports.validate_parameters("classifier_report", {"by": "source", "group_column": "lean", "n_splits": 3}, sample, lex)
    undated = framelens.Corpus(sample.docs.assign(date=pd.NaT))
    with pytest.raises(ParameterError, match=r"gives 1 group \(only '\(missing\)'\) \(the corpus has no dates\)"), \
            warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, in the error (not also as score's warning)
        reports.validate_parameters("source_comparison", {"by": "month"}, undated, lex)


def test_group_without_text_fails_before_execution(tmp_path, no_kernel):
    corpus = empty_group_corpus(tmp_path / "c.csv")
    with pytest.raises(ParameterError, match="'Herald' have no document with text"):
        run_report(str(corpus), "conflict_actors", "source", tmp_path / "out" / "r.html")
    assert not (tmp_path / "out").exists()


def test_judgements_without_the_judgement_column_are_refused(tmp_path, no_kernel):
    pd.DataFrame({"label": ["rebels"], "verdict": [1]}).to_csv(tmp_path / "j.csv", index=False)
    with pytest.raises(ParameterError, match="has no column 'judgement'"):
        run_report("sample", "conflict_actors", "source", tmp_path / "r.html", template="lexicon_validation",
                   params={"judgements": str(tmp_path / "j.csv")})


def test_single_group_and_missing_judgements_file_are_refused(tmp_path, no_kernel):
    with pytest.raises(ParameterError, match="at least two"):
        run_report("sample", "conflict_actors", "lean", tmp_path / "r.html", params={"groups": ["neutral"]})
    with pytest.raises(ParameterError, match="judgements: no such file"):
        run_report("sample", "conflict_actors", "source", tmp_path / "r.html", template="lexicon_validation",
                   params={"judgements": str(tmp_path / "missing.csv")})


def failing_template(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A report\n\n## Doomed section"),
                nbformat.v4.new_code_cell("corpus = 'sample'\nlexicon = 'conflict_actors'\nby = 'source'",
                                          metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print('working')"),
                nbformat.v4.new_code_cell("raise ValueError('planted failure in ' + by)")]
    nbformat.write(nb, path)
    return path


def test_failing_cell_fails_the_report_and_leaves_nothing(tmp_path):
    template = failing_template(tmp_path / "doomed.ipynb")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(ReportError) as err:
        run_report("sample", "conflict_actors", "source", out_dir / "r.html", template=template)
    message = str(err.value)
    assert "cell-0004" in message and "Doomed section" in message
    assert "ValueError: planted failure in source" in message
    assert list(out_dir.iterdir()) == []  # neither file, nor a temporary one


def test_out_must_be_html(tmp_path, no_kernel):
    with pytest.raises(ParameterError, match="ending in .html"):
        run_report("sample", "conflict_actors", "source", tmp_path / "report.pdf")


# ------------------------------------------------------------------------------ CLI
def run_cli(argv, monkeypatch):
    from framelens.cli import main as cli_main

    if "report" not in cli_main.VERB_MODULES:  # until the lead registers the verb
        monkeypatch.setattr(cli_main, "VERB_MODULES", (*cli_main.VERB_MODULES, "report"))
    return cli_main.main(argv)


def test_cli_writes_the_lexicon_validation_report_from_judgements(tmp_path, monkeypatch, capsys):
    families = ["armed_opposition", "government_side"]
    judged = reports.sample_hits(framelens.datasets.load_sample(), "conflict_actors", per_label=3, seed=0,
                                 families=families)
    judged["judgement"] = [0] + [1] * (len(judged) - 1)  # one line judged wrong
    judged.to_csv(tmp_path / "judged.csv", index=False)
    out = tmp_path / "validation.html"
    code = run_cli(["report", "sample", "--lexicon", "conflict_actors", "--by", "source", "--out", str(out),
                    "--template", "lexicon_validation", "--param", "per_label=3",
                    "--param", f"families={','.join(families)}",
                    "--param", f"judgements={tmp_path / 'judged.csv'}"], monkeypatch)
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "Estimated precision" in page and f"Judgements read from {tmp_path / 'judged.csv'}" in page
    n = len(judged)
    overall = precision_from_judgements(judged, by=["family", "label"]).iloc[-1]
    assert overall["n_judged"] == n and overall["n_correct"] == n - 1
    assert f"<td>(all)</td><td>(all)</td><td class=\"num\">{n}</td><td class=\"num\">{n - 1}</td>" in page
    nb = json.loads(out.with_suffix(".ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["framelens"]["provenance"]["params"]["families"] == ["armed_opposition", "government_side"]
    assert f"wrote {out}" in capsys.readouterr().err


def test_cli_bad_parameter_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    code = run_cli(["report", "sample", "--lexicon", "conflict_actors", "--by", "nowhere",
                    "--out", str(tmp_path / "r.html")], monkeypatch)
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("framelens: error: by: no column 'nowhere'") and "\n" not in err
    assert not (tmp_path / "r.html").exists()


def test_cli_lists_template_parameters(monkeypatch, capsys):
    assert run_cli(["report", "sample", "--template", "lexicon_validation", "--list-parameters"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "per_label = 6" in out and "judgements = ''" in out


# ------------------------------------------------------------------------------ precision
def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval, written out from its formula (independent of statsmodels)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_precision_from_judgements_matches_wilson_by_hand():
    df = pd.DataFrame({
        "label": ["rebels"] * 9 + ["regime"] * 6 + ["army"] * 2,
        "judgement": [1, 1, "yes", "Y", True, 1, 1, 0, "no"] + [1] * 6 + [None, ""],
    })
    out = precision_from_judgements(df).set_index("label")
    assert list(out.index) == ["rebels", "regime", "army", "(all)"]
    assert out.loc["rebels", ["n_judged", "n_correct", "n_unjudged"]].tolist() == [9, 7, 0]
    assert out.loc["rebels", "precision"] == pytest.approx(7 / 9)
    assert (out.loc["rebels", "lower"], out.loc["rebels", "upper"]) == pytest.approx(wilson(7, 9))
    assert (out.loc["regime", "lower"], out.loc["regime", "upper"]) == pytest.approx(wilson(6, 6))
    assert out.loc["regime", "lower"] == pytest.approx(0.6097, abs=1e-4)  # 6 of 6 still reaches down to 61 %
    assert out.loc["army", "n_judged"] == 0 and math.isnan(out.loc["army", "precision"])
    assert out.loc["army", "n_unjudged"] == 2
    assert out.loc["(all)", ["n_judged", "n_correct"]].tolist() == [15, 13]
    assert (out.loc["(all)", "lower"], out.loc["(all)", "upper"]) == pytest.approx(wilson(13, 15))


def test_precision_rejects_unreadable_judgements_naming_the_row():
    df = pd.DataFrame({"label": ["a", "a"], "judgement": [1, "maybe"]}, index=[10, 11])
    with pytest.raises(InputError, match=r"row 11, field 'judgement': judgement 'maybe' not understood"):
        precision_from_judgements(df)
    with pytest.raises(InputError, match="no column 'judgement'"):
        precision_from_judgements(pd.DataFrame({"label": ["a"]}))


def test_sample_hits_is_seeded_and_capped_per_label():
    corpus = framelens.datasets.load_sample()
    a = reports.sample_hits(corpus, "conflict_actors", per_label=4, seed=3, families=["armed_opposition"])
    b = reports.sample_hits(corpus, "conflict_actors", per_label=4, seed=3, families=["armed_opposition"])
    c = reports.sample_hits(corpus, "conflict_actors", per_label=4, seed=4, families=["armed_opposition"])
    pd.testing.assert_frame_equal(a, b)
    assert not a[["doc_id", "start"]].equals(c[["doc_id", "start"]])
    assert a.groupby("label").size().max() == 4 and set(a["family"]) == {"armed_opposition"}
    assert a["judgement"].isna().all()
    lex = framelens.load_lexicon("conflict_actors")
    order = [lab for lab in lex.family("armed_opposition").label_ids() if lab in set(a["label"])]
    assert list(dict.fromkeys(a["label"])) == order
    # every sampled line is a real hit: the keyword is the text at its offsets
    texts = dict(zip(corpus.docs["doc_id"], corpus.docs["text"]))
    assert all(" ".join(texts[d][s:e].split()) == k for d, s, e, k in zip(a["doc_id"], a["start"], a["end"], a["keyword"]))


def test_label_coverage_of_a_lexicon_that_matches_nothing():
    """With no hit at all, match's empty table does not type 'matched' as text: coverage used to fail on it
    (and with it the lexicon_validation report of such a lexicon)."""
    from framelens.lexicon import parse_lexicon

    lex = parse_lexicon('name: none\nversion: "1"\nfamilies:\n  fruit:\n    labels:\n'
                        '      apples: {patterns: [pomegranate juice]}\n      pears: {patterns: [quincunx]}\n')
    cov = reports.label_coverage(framelens.datasets.load_sample(), lex, by="source")
    assert cov[["label", "hits", "documents", "groups", "forms"]].to_dict("records") == [
        {"label": "apples", "hits": 0, "documents": 0, "groups": 0, "forms": ""},
        {"label": "pears", "hits": 0, "documents": 0, "groups": 0, "forms": ""}]
    found = reports.label_coverage(framelens.datasets.load_sample(), "conflict_actors", families=["armed_opposition"])
    assert found.set_index("label").loc["insurgents", "forms"] == "insurgents (101)"


# ------------------------------------------------------------------------------ helpers
def test_html_helpers_escape_data():
    df = pd.DataFrame({SCRIPT: [IMG, 1.23456]})
    table = reports.html_table(df, caption=SCRIPT).data
    assert SCRIPT not in table and IMG not in table and "&lt;img src=x onerror=alert(1)&gt;" in table
    assert "1.23" in table
    lines = pd.DataFrame({"doc_id": ["d1"], "source": [IMG], "left": [SCRIPT], "keyword": ["<b>"], "right": ["&"]})
    page = reports.kwic_html(lines).data
    assert SCRIPT not in page and IMG not in page and "&lt;b&gt;" in page and "&amp;" in page
    assert SCRIPT not in reports.note(SCRIPT).data
    assert SCRIPT not in reports.provenance_html({"params": {"groups": [SCRIPT]}}).data


@pytest.mark.parametrize("value, default, expected", [
    ("armed_opposition, government_side", [], ["armed_opposition", "government_side"]),
    ("", [], []),
    ("250", 1000, 250),
    ("0.9", 0.95, 0.9),
    ("yes", False, True),
    ('{"text": "body"}', {}, {"text": "body"}),
    ("none", None, None),
    (7, 1000, 7),
])
def test_parameter_strings_take_the_type_of_the_default(value, default, expected):
    assert reports.coerce_parameter("p", value, default) == expected


@pytest.mark.parametrize("value, default", [("many", 1000), ("maybe", True), (True, 3), ("x", 0.5), ([1], "text")])
def test_parameter_of_the_wrong_type_is_refused(value, default):
    with pytest.raises(ParameterError, match="expected"):
        reports.coerce_parameter("p", value, default)


def test_templates_are_listed_with_their_parameters():
    table = reports.list_templates()
    assert table["name"].tolist() == list(reports.TEMPLATES)
    assert all(Path(p).exists() for p in table["path"])
    for name in reports.TEMPLATES:
        params = reports.template_parameters(name)
        assert {"corpus", "lexicon", "by", "seed", "read_options"} <= set(params), name
        assert params["corpus"] == "sample"


def test_parse_param_strings():
    assert reports.parse_param_strings(["a=1", "b=x=y", "a=2"]) == {"a": "2", "b": "x=y"}
    with pytest.raises(ParameterError, match="expected key=value"):
        reports.parse_param_strings(["novalue"])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_report_figures_are_figures_with_deterministic_png():
    from matplotlib.figure import Figure

    judged = pd.DataFrame({"label": ["a"] * 5 + ["b"] * 3, "judgement": [1, 1, 1, 0, 1, 1, 0, None]})
    precision = precision_from_judgements(judged)
    confusion = pd.DataFrame([[8, 2], [1, 9]], index=["x", "y"], columns=["x", "y"])
    coverage = pd.DataFrame({"family": ["f", "f", "g"], "label": ["a", "b$", "c"], "hits": [10, 0, 4]})
    for make in (lambda: reports.plot_precision(precision), lambda: reports.plot_confusion(confusion),
                 lambda: reports.plot_coverage(coverage)):
        first, second = make(), make()
        assert isinstance(first, Figure)
        png = reports.figure_png(first)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png == reports.figure_png(second)
        assert b"Software" not in png and b"tIME" not in png  # no software or date chunks
    with pytest.raises(InputError, match="precision_from_judgements"):
        reports.plot_precision(pd.DataFrame({"label": ["a"]}))
    with pytest.raises(InputError, match="square"):
        reports.plot_confusion(confusion.iloc[:, :1])
    with pytest.raises(InputError, match="framelens.classify.evaluate"):
        reports.plot_cv_scores({"x": object()})


def shares_table(rows):
    """A shares table from (group, label, share) triples: one family, intervals ±0.05, 40 hits per group."""
    df = pd.DataFrame(rows, columns=["group", "label", "share"]).assign(family="f", family_hits=40)
    return df.assign(lower=(df["share"] - 0.05).clip(lower=0), upper=(df["share"] + 0.05).clip(upper=1))


def test_pooled_and_within_story_shares_side_by_side():
    from matplotlib.figure import Figure

    pooled = shares_table([("A", "x", 0.7), ("A", "y", 0.3), ("A", "z", 0.0), ("A", "w", 0.0),
                           ("B", "x", 0.2), ("B", "y", 0.8), ("B", "z", 0.0), ("B", "w", 0.0)])
    within = shares_table([("A", "x", 0.4), ("A", "y", 0.5), ("A", "z", 0.1), ("A", "w", 0.0),
                           ("B", "x", 0.3), ("B", "y", 0.7), ("B", "z", 0.0), ("B", "w", 0.0)])
    fig = reports.plot_pooled_within(pooled, within, "f", order=["B", "A"])
    assert isinstance(fig, Figure)
    left, right = fig.axes
    # the same labels in the same order on both sides: by pooled share (y 0.55 > x 0.45), then z, used only
    # within stories; w, used nowhere, is left out and counted in the title
    assert [t.get_text() for t in left.get_yticklabels()] == ["y", "x", "z"]
    assert right.get_shared_y_axes().joined(left, right)
    assert left.get_xlim() == right.get_xlim() == (0.0, 0.9)  # room for the widest interval, 0.85, in both
    assert "1 unused label not shown" in fig.get_suptitle()

    def points(ax):  # (share, row + group offset): B is drawn above A in each label's band (order=["B", "A"])
        return sorted((round(float(x), 3), round(float(y), 2)) for line in ax.lines for x, y in line.get_xydata())

    assert points(left) == sorted([(0.8, -0.34), (0.3, 0.34), (0.2, 0.66), (0.7, 1.34), (0.0, 1.66), (0.0, 2.34)])
    assert points(right) == sorted([(0.7, -0.34), (0.5, 0.34), (0.3, 0.66), (0.4, 1.34), (0.0, 1.66), (0.1, 2.34)])
    assert reports.figure_png(fig) == reports.figure_png(reports.plot_pooled_within(pooled, within, "f", order=["B", "A"]))
    with pytest.raises(ParameterError, match="family 'g' is not in the pooled shares table"):
        reports.plot_pooled_within(pooled, within, "g")


def test_kernel_environment_pins_what_varies_and_warms_the_font_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cold-cache"))  # as on a fresh machine
    env = reports.kernel_environment()
    cache = Path(env["MPLCONFIGDIR"])
    assert cache.is_relative_to(tmp_path / "cold-cache")
    assert list(cache.glob("fontlist-*.json")), "the font cache must be built before a kernel starts"
    assert env["PYTHONHASHSEED"] == "0" and env["MPLBACKEND"] == "Agg" and env["TQDM_DISABLE"] == "1"
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "1"


def test_cli_column_options_reach_the_kernel_as_read_options(tmp_path, monkeypatch):
    pd.DataFrame({"body": ["Rebels advanced on the town.", "The army said it repelled them.", "Insurgents fled."],
                  "outlet": ["Wire", "Herald", "Herald"]}).to_csv(tmp_path / "news.csv", index=False)
    seen = {}

    def fake_execute(nb, cwd, timeout, progress):  # stands in for the kernel: records what it was given
        seen["source"] = next(c for c in nb.cells if c.cell_type == "code").source
        seen["provenance"] = nb.metadata["framelens"]["provenance"]
        return nb

    monkeypatch.setattr(reports.run, "_execute", fake_execute)
    code = run_cli(["report", str(tmp_path / "news.csv"), "--text-column", "body", "--source-column", "outlet",
                    "--lexicon", "conflict_actors", "--out", str(tmp_path / "r.html")], monkeypatch)
    assert code == 0
    assert "read_options = {'text': 'body', 'source': 'outlet'}" in seen["source"]
    assert f"corpus = {str(tmp_path / 'news.csv')!r}" in seen["source"]
    assert seen["provenance"]["corpus"]["n_docs"] == 3
    assert (tmp_path / "r.html").exists() and (tmp_path / "r.ipynb").exists()


def test_a_cell_that_runs_too_long_is_named_with_what_to_change(tmp_path):
    """A timeout says which cell and section ran over, and how to give it more time or less work."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from framelens.reports import ReportError, run_report

    params = new_code_cell('corpus = "sample"\nseconds = 30')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# A report"), params, new_markdown_cell("## 2. The slow part"),
                             new_code_cell("import time\ntime.sleep(seconds)")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nbformat.write(nb, tmp_path / "slow.ipynb")
    with pytest.raises(ReportError, match=r"timed out in cell cell-\d+ \(section '2\. The slow part'\): a cell ran "
                                          r"longer than 2 s; allow more with --timeout SECONDS"):
        run_report("sample", out=tmp_path / "slow.html", template=tmp_path / "slow.ipynb", timeout=2, progress=False)
    assert not (tmp_path / "slow.html").exists()
