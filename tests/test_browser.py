"""A real browser opens a report offline: every figure loads, and a screenshot shows them.

Needs Chromium (Debian's ``chromium`` package, at /usr/bin/chromium); skipped with the reason when absent.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from framelens.reports import run_report

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (/usr/bin/chromium absent); "
                                                        "apt-get install chromium to run the browser test")

# Injected into a copy of the report: once the page has loaded, the title says how many images decoded.
PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; });
  document.title = "IMAGES " + ok.length + "/" + imgs.length +
                   " SIZE " + ok.map(function (i) { return i.naturalWidth + "x" + i.naturalHeight; }).join(",");
});
</script>"""


def chromium(*args: str, user_data: Path, timeout: int = 90) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--mute-audio",
           f"--user-data-dir={user_data}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "report.html"
    return run_report("sample", "conflict_actors", "source", out, params={"n_boot": 100, "n_perm": 19, "top_n": 8})


def test_every_figure_loads_in_chromium(report, tmp_path):
    page = report.html.read_text(encoding="utf-8")
    n_images = page.count("<img ")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", PROBE + "\n</body>"), encoding="utf-8")
    result = chromium("--virtual-time-budget=10000", "--dump-dom", probe.as_uri(), user_data=tmp_path / "profile")
    title = re.search(r"<title>(.*?)</title>", result.stdout, re.S)
    assert title, f"no DOM from Chromium: {result.stderr[-500:]}"
    found = re.match(r"IMAGES (\d+)/(\d+) SIZE (.*)", title.group(1))
    assert found, f"the probe did not run: title is {title.group(1)!r}"
    loaded, total = int(found.group(1)), int(found.group(2))
    assert total == n_images >= 8
    assert loaded == total, f"only {loaded} of {total} figures decoded"
    sizes = [tuple(map(int, s.split("x"))) for s in found.group(3).split(",")]
    assert all(w >= 300 and h >= 150 for w, h in sizes), sizes


def test_screenshot_shows_the_figures(report, tmp_path):
    import numpy as np
    from PIL import Image

    shot = tmp_path / "report.png"
    result = chromium(f"--screenshot={shot}", "--window-size=1200,3200", "--hide-scrollbars",
                      "--virtual-time-budget=10000", report.html.as_uri(), user_data=tmp_path / "profile")
    assert shot.exists(), result.stderr[-500:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 3200)
    # Text and tables are grey; the heatmap and point-range figures are the only strongly coloured pixels.
    pixels = np.asarray(image.resize((300, 800)), dtype=np.int16)
    coloured = int(((pixels.max(axis=2) - pixels.min(axis=2)) > 60).sum())
    assert coloured > 2000, f"only {coloured} coloured pixels: the figures did not render"
