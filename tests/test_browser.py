"""A real browser (Playwright driving Debian's Chromium) against a live server on each database."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from casecoder.coding import accounts
from casecoder.coding.demo import load_demo

from .conftest import IN_CI
from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = os.environ.get("CASECODER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}; the test command installs it (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, session):
    result = load_demo(session)
    accounts.set_password(accounts.get_user(session, "admin"), PASSWORD)
    session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", result.project
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


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
