"""A real browser (Playwright driving Debian's Chromium) against a live server on each database."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
def test_log_in_switch_language_and_browse(live_server, page):
    base, project = live_server
    page.goto(base + "/p/demo/")
    assert "/auth/login" in page.url
    assert page.locator("h1").inner_text() == "Log ind"  # Danish by default
    page.fill("#username", "admin")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").is_visible()
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/p/demo/")
    assert page.locator("#cases tbody tr").count() == 9
    assert "9 sager i 3 kommuner" in page.content()
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert "9 cases in 3 municipalities" in page.content()
    page.click("text=Codebook")
    page.wait_for_url("**/codebook")
    assert page.locator("#codebook tbody tr").count() > 50
    # the choice of language is stored on the user: a new login keeps English
    page.click("text=Log out")
    page.wait_for_url("**/auth/login")
    page.context.clear_cookies()
    page.goto(base + "/auth/login")
    assert page.locator("h1").inner_text() == "Log ind"
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").first.inner_text() == "Your projects"


def test_tally_page_toggles_percentages_sorts_and_drills_down(live_server, page):
    base, project = live_server
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(base + "/p/demo/tally")
    cell = page.locator("tr[data-key='H1.1'] td[data-measure='either']")
    before = cell.inner_text()
    assert "/" in before and "%" not in before
    page.check("#show-percent")
    assert "%" in cell.inner_text() and before.split()[0] in cell.inner_text()  # n/N stays visible
    # sorting by a column keeps each hypothesis row on top of its group
    page.click("#tally thead th:nth-child(6)")
    first_rows = page.locator("#tally tbody.group:first-of-type tr").all_inner_texts()
    assert first_rows[0].startswith("OUT") or first_rows[0].split()[0] in ("H1", "OUT")
    cell.locator("a").click()
    page.wait_for_url("**/excerpts?**")
    assert int(page.inner_text("#excerpt-total").split()[0]) >= 1
