"""Every report page, opened offline in headless Chromium: complete, nothing fetched from the network, one navigation.

The screenshots are written next to the pages (`screenshots/`), for a person to look at.
"""

from html.parser import HTMLParser

import pytest

from helpers import REAL_APPENDIX

pytestmark = pytest.mark.browser
PAGES = (
    "duplicates.html",
    "tag_audit.html",
    "quality.html",
    "coverage.html",
    "external_coverage.html",
    "changes.html",
    "history.html",
)


def build(source, folder):
    """Build `source` through every stage but changes (the runner, embeddings auto, no verdicts) into the work area of
    `folder`; return its (warehouse, reports)."""
    from helpers import ROOT, build_stages

    banks = ROOT / "raw" / "external_banks.csv"  # the vendored bank, as the published build reads it
    return build_stages(source, folder, {"report", "check", "overlap"}, embeddings="auto", EXTERNAL_BANKS=banks)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The frozen appendix built through every stage, compared with a base where one question read otherwise, and with
    that base as the history's earlier point."""
    import json

    from pipeline.changes import stage as changes
    from pipeline.flow.history import measures

    folder = tmp_path_factory.mktemp("pages")
    text = REAL_APPENDIX.read_text(encoding="utf-8")
    older = folder / "older.txt"
    older.write_text(
        text.replace("- What is Multi-head Latent Attention", "- (removed) What is Multi-head Latent Attention", 1),
        encoding="utf-8",
    )
    base_warehouse, base_reports = build(older, folder / "base")
    changes.run(base_warehouse, base_reports, None, None)
    warehouse, reports = build(REAL_APPENDIX, folder)
    stamp, points = folder / "base.json", folder / "points.json"
    record = {"ref": "origin/main", "commit": "a" * 40, "warehouse": str(base_warehouse), "reports": str(base_reports)}
    stamp.write_text(json.dumps(record), encoding="utf-8")
    point = {
        "commit": "a" * 40,
        "date": "2026-11-30T10:00:00+00:00",
        "subject": "<b>older</b> bank",
        "metrics": measures(base_warehouse),
    }
    points.write_text(json.dumps({"points": [point]}), encoding="utf-8")
    changes.run(warehouse, reports, stamp, points)
    return reports


class Fetches(HTMLParser):
    """Collect every address a page would load: scripts, stylesheets, images, frames, media."""

    def __init__(self):
        super().__init__()
        self.addresses = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "audio", "video", "source") and attrs.get("src"):
            self.addresses.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.addresses.append(attrs["href"])


@pytest.mark.parametrize("name", PAGES)
def test_the_page_loads_nothing_from_the_network(reports, name):
    page = Fetches()
    page.feed((reports / name).read_text(encoding="utf-8"))
    remote = [a for a in page.addresses if a.startswith(("http:", "https:", "//", "ftp:"))]
    assert remote == []


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_complete_offline(browser, reports, name):
    browser.get((reports / name).as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], errors
    text = browser.find_element("tag name", "body").text
    assert len(text) > 300, text
    links = [a.get_attribute("href").rsplit("/", 1)[-1] for a in browser.find_elements("css selector", "nav.site a")]
    assert links == list(PAGES)  # one navigation on every page
    (reports / "screenshots").mkdir(exist_ok=True)
    browser.save_screenshot(str(reports / "screenshots" / name.replace(".html", ".png")))
    assert (reports / "screenshots" / name.replace(".html", ".png")).stat().st_size > 10_000


def test_long_tables_fold_and_sort(browser, reports):
    browser.get((reports / "coverage.html").as_uri())
    folded = browser.find_elements("css selector", "details > summary")
    assert folded, "a long table should start folded"
    folded[0].click()
    table = browser.find_elements("css selector", "details table.sortable")[0]
    header = table.find_elements("css selector", "th")[0]
    header.click()
    first = table.find_elements("css selector", "tbody tr td")[0].text
    header.click()
    assert table.find_elements("css selector", "tbody tr td")[0].text != first  # the order reversed


def test_the_changes_and_history_pages_show_the_comparison_and_the_charts(browser, reports):
    browser.get((reports / "changes.html").as_uri())
    text = browser.find_element("tag name", "body").text
    assert "Against origin/main (commit aaaaaaaaaa): 0 added, 0 removed, 1 reworded, 0 re-tagged, 0 moved, 367 unchanged" in text
    assert "Multi-head Latent Attention" in text
    browser.get((reports / "history.html").as_uri())
    assert browser.find_element("tag name", "body").text.startswith("Duplicate review")  # the navigation first
    assert "2 points" in browser.find_element("css selector", "p.lede").text
    charts = browser.find_elements("css selector", "figure svg polyline")
    assert len(charts) >= 15 and all(c.size["width"] > 0 for c in charts)  # drawn, not empty
    assert "<b>older</b> bank" in browser.find_element("tag name", "table").text  # the subject escaped, shown as text


def test_page_defects_fixed_names_whole_no_sideways_scroll_and_an_uncovered_filter(browser, reports):
    from pipeline.report.coverage import chapter_label

    assert chapter_label(4, "Post-Training").replace("\n", " ") == "4 Post-Training"  # whole (was cut to "4 Post-Trainin")
    assert chapter_label(5, "Common Models & Benchmarks").split("\n")[0] == "5"  # the number on a line of its own
    assert chapter_label(3, "Mid-Training / Continued Pretraining and Long-Context Extension").endswith("…")
    browser.set_window_size(800, 900)
    try:
        browser.get((reports / "tag_audit.html").as_uri())
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 800  # no sideways scroll at 800 px
        browser.get((reports / "external_coverage.html").as_uri())
        covered = "tr.covered"
        assert any(row.is_displayed() for row in browser.find_elements("css selector", covered))
        browser.find_element("id", "uncovered-only").click()
        assert not any(row.is_displayed() for row in browser.find_elements("css selector", covered))
        assert any(row.is_displayed() for row in browser.find_elements("css selector", "tr.missing"))
        colour = browser.find_element("css selector", "tr.missing td:nth-child(2)").value_of_css_property("color")
        assert colour in ("rgba(34, 34, 34, 1)", "rgb(34, 34, 34)")  # the text stays the page's colour: only the mark is grey
    finally:
        browser.set_window_size(1300, 1000)
