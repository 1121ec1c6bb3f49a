"""Shared fixtures; the helpers tests import live in helpers.py."""

import os
import shutil

import pytest

from helpers import REAL_APPENDIX

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def real_text() -> str:
    return REAL_APPENDIX.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_tables(real_text):
    from pipeline.ingest.parse import parse_appendix

    return parse_appendix(real_text)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (make venv)"
    for program in ("chromium", "chromedriver"):
        if shutil.which(program) is None:
            return f"{program} is not installed: run `make chromium` (Debian's chromium and chromium-driver)"
    return None


def new_browser(tmp_path_factory):
    """Return a headless Chromium with a profile of its own (a second one is a second editor); skip, or fail with
    REQUIRE_BROWSER, when Chromium or its driver is missing."""
    why = _missing()
    if why:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(why)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1300,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('profile')}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = new_browser(tmp_path_factory)
    yield driver
    driver.quit()
