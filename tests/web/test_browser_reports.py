"""The report pages in a real browser: export buttons download bundles, the quote-bank form, and the
register upload -> selection (Table 2) with its toggle -> interviewee overview (Table 3)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.analysis.test_selection import csv_of
from tests.factories import PASSWORD
from tests.web.test_selection_web import DEMO_REGISTER

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.click("button[value=en]")
    page.wait_for_load_state()


def download(page, selector: str) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.click(selector)
    with open(info.value.path(), "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_export_buttons_and_quote_bank_download_bundles(live_server, page):
    base, project = live_server
    log_in(page, base)
    page.goto(base + "/p/demo/tally?municipality=Nordby")
    bundle = download(page, "#exports a.export:text-is('H1')")
    spec = json.loads(bundle.read("demo-tally-H1/spec.json"))
    assert spec["filters"]["municipality"] == ["Nordby"] and spec["target"] == {"code": "H1"}
    assert "demo-tally-H1/figure.svg" in bundle.namelist()
    page.select_option("#quote-form select[name=code]", "H1.1")
    page.select_option("#quote-form select[name=perspective]", "family")
    page.check("#quote-form input[name=memo]")
    quotes = download(page, "#quote-form button[type=submit]")
    markdown = quotes.read("demo-quotes-H1.1/quotes.md").decode("utf-8")
    assert "Example 1" in markdown and "Interviewee: “" in markdown and "Memo: " in markdown
    page.goto(base + "/p/demo/matrix/H1")
    matrix = download(page, "a.export[data-kind=matrix]")
    assert "demo-matrix-H1/table.docx" in matrix.namelist()


def test_register_upload_selection_toggle_and_interviewees(live_server, page, tmp_path):
    base, project = live_server
    log_in(page, base)
    page.goto(base + "/p/demo/")
    page.click("text=Import the register")
    register = tmp_path / "register.csv"
    register.write_bytes(csv_of(DEMO_REGISTER))
    page.set_input_files("input[type=file]", str(register))
    page.click("form[enctype] button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + "/p/demo/selection")
    table = page.locator("table").first
    assert "Vestkær" not in table.inner_text(), "a municipality without selected families is hidden by default"
    page.click("#toggle-empty")
    page.wait_for_load_state()
    assert "Vestkær" in page.locator("table").first.inner_text()
    page.goto(base + "/p/demo/interviewees")
    overview = page.locator("table").first.inner_text()
    assert "Nordby" in overview and "Total" in overview


def test_pages_run_under_the_content_security_policy(live_server, strict_page):
    """No page is blocked by the CSP: its scripts are files, its data JSON blocks."""
    base, project = live_server
    page = strict_page
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, base)
    page.goto(base + "/p/demo/excerpts")
    workbench = page.locator("a[href*='/sources/']").first.get_attribute("href")
    for url in ("/p/demo/", "/p/demo/tally", "/p/demo/chains/new?keys=H2.1,ST.6,E.1", "/p/demo/cooccurrence",
                "/p/demo/matrix/H1", workbench):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    assert page.locator("[data-s]").count() > 0, "the workbench script drew the transcript"
    assert refused == [], refused
