"""The cases and interviewees pages in a real browser (Playwright, Chromium) on each database: an owner
filters and sorts the cases, creates a case with a typed attribute after a refused duplicate key, edits it,
reads what deleting a coded case would take, deletes the new one; creates and deletes an interviewee."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in_english(page, base):  # type: ignore[no-untyped-def]
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.click("button[value=en]")
    page.wait_for_load_state()


def case_keys(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#case-list tbody tr[data-case]").evaluate_all("rows => rows.map(r => r.dataset.case)")


def test_an_owner_keeps_the_cases_and_interviewees(live_server, page):
    base, _project = live_server
    log_in_english(page, base)
    page.goto(base + "/p/demo/")
    page.click("header nav >> text=Cases")
    page.wait_for_url("**/p/demo/cases")
    assert len(case_keys(page)) == 9
    assert page.locator("#case-list thead").inner_text().count("who5_entry") == 1
    page.select_option("#municipality", "Nordby")
    page.click("#case-filter button[type=submit]")
    page.wait_for_load_state()
    assert case_keys(page) == ["F01", "F02", "F03"]
    page.click("#case-list thead >> text=children")          # sort by an attribute, then the other way
    page.wait_for_load_state()
    assert case_keys(page) == ["F01", "F02", "F03"]
    page.click("#case-list thead >> text=children")
    page.wait_for_load_state()
    assert case_keys(page) == ["F03", "F02", "F01"]          # the filter is kept while sorting

    page.click("#new-case")
    page.fill("#key", "F01")
    page.fill("#municipality", "Østby")
    page.fill("#new_name", "pets")
    page.select_option("#new_type", "boolean")
    page.fill("#new_value", "ja")
    page.click("#case-form button[type=submit]")
    error = page.locator("#key + .error")
    assert error.inner_text() == "Case 'F01' already exists in this project"
    assert page.input_value("#municipality") == "Østby" and page.input_value("#new_name") == "pets"
    page.fill("#key", "F10")
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/p/demo/cases")
    assert "Case F10 created." in page.locator(".flash").inner_text()
    row = page.locator("tr[data-case='F10']")
    assert "Østby" in row.inner_text() and "yes" in row.inner_text()

    row.locator("text=Edit").click()
    page.fill("#municipality", "Vestkær")
    page.locator("label", has_text="children").locator("xpath=..").locator("input").fill("to")
    page.click("#case-form button[type=submit]")
    assert "is not a valid integer" in page.locator(".error").inner_text()
    page.locator("label", has_text="children").locator("xpath=..").locator("input").fill("5")
    page.click("#case-form button[type=submit]")
    page.wait_for_url("**/p/demo/cases")
    assert "Vestkær" in page.locator("tr[data-case='F10']").inner_text()

    page.locator("tr[data-case='F01']").locator("text=Edit").click()
    page.click("#delete-case")
    impact = page.locator("#impact").inner_text()
    assert "excerpts about this case are deleted with their codings" in impact
    assert "no longer name this case" in impact
    page.click("#confirm-delete >> text=Cancel")             # nothing happens
    page.goto(base + "/p/demo/cases")
    assert "F01" in case_keys(page)
    page.locator("tr[data-case='F10']").locator("text=Edit").click()
    page.click("#delete-case")
    assert "only the case and its attribute values are deleted" in page.locator("#impact").inner_text()
    page.click("#confirm-delete button[type=submit]")
    page.wait_for_url("**/p/demo/cases")
    assert "Case F10 deleted." in page.locator(".flash").inner_text() and "F10" not in case_keys(page)

    page.click("header nav >> text=Interviewees")
    page.wait_for_url("**/p/demo/people")
    assert page.locator("tr[data-person='IP-F01-MOR'] a").count() >= 1   # the transcripts it appears in
    page.click("#new-person")
    assert "familiekoordinator" in page.locator("#roles").inner_html()   # the roles in use are offered
    page.fill("#key", "FK-NORDBY")
    page.fill("#role", "familiekoordinator")
    page.click("#person-form button[type=submit]")
    assert "already exists" in page.locator("#key + .error").inner_text()
    assert page.input_value("#role") == "familiekoordinator"
    page.fill("#key", "FK2-NORDBY")
    page.fill("#municipality", "Nordby")
    page.click("#person-form button[type=submit]")
    page.wait_for_url("**/p/demo/people")
    assert "Nordby" in page.locator("tr[data-person='FK2-NORDBY']").inner_text()
    page.locator("tr[data-person='FK2-NORDBY']").locator("text=Edit").click()
    page.click("#delete-person")
    assert "No transcript names this interviewee." in page.locator("#impact").inner_text()
    page.click("#confirm-delete button[type=submit]")
    page.wait_for_url("**/p/demo/people")
    assert page.locator("tr[data-person='FK2-NORDBY']").count() == 0
