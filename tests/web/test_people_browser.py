"""People in a real browser (Playwright, Chromium): the site administrator creates a user, reads the password
shown once, adds her to a project as coder (offered first), she logs in with it; the owner changes her role,
is refused demoting himself as the last owner, removes her (asked first), and deactivates her."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _log_in(page, base, username, password):  # type: ignore[no-untyped-def]
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_admin_creates_a_user_and_the_owner_manages_her_membership(live_server, page):
    base, project = live_server
    _log_in(page, base, "admin", PASSWORD)
    page.click("button[value=en]")
    page.wait_for_load_state()
    page.click("header >> text=Users")
    page.wait_for_url(base + "/admin/users")
    # a weak password is refused next to its field, what was typed kept
    page.fill("#username", "maja")
    page.fill("#display_name", "Maja Holm")
    page.fill("#password", "short")
    page.select_option("#language", "en")
    page.click("#new-user button[type=submit]")
    assert "at least 10 characters" in page.locator("#new-user .error").inner_text()
    assert page.input_value("#display_name") == "Maja Holm"
    page.fill("#password", "")
    page.click("#new-user button[type=submit]")
    password = page.locator("#new-password code.password").inner_text()
    assert len(password) == 14
    assert page.locator("#users tr[data-user=maja]").is_visible()

    page.goto(base + "/p/demo/members")
    assert page.input_value("#add-member #role") == "coder"
    page.fill("#add-member #username", "maja")
    page.click("#add-member button[type=submit]")
    row = page.locator("#members tr[data-user=maja]")
    assert row.locator("select").input_value() == "coder"

    # the last owner cannot demote himself: refused next to his row
    admin_row = page.locator("#members tr[data-user=admin]")
    admin_row.locator("select").select_option("reader")
    admin_row.locator("button", has_text="Change role").click()
    page.wait_for_load_state()
    assert "only owner" in page.locator("#members tr[data-user=admin] .error").inner_text()

    # Maja logs in with the password she was given and sees the project
    context = page.context.browser.new_context(bypass_csp=True)
    maja = context.new_page()
    _log_in(maja, base, "maja", password)
    assert "demo" in maja.content().lower() and maja.locator("a[href='/p/demo/']").count() >= 1

    page.goto(base + "/p/demo/members")
    row = page.locator("#members tr[data-user=maja]")
    row.locator("select").select_option("analyst")
    row.locator("button", has_text="Change role").click()
    page.wait_for_load_state()
    assert page.locator("#members tr[data-user=maja] select").input_value() == "analyst"
    page.once("dialog", lambda dialog: dialog.dismiss())  # asked first: "no" keeps her
    page.locator("#members tr[data-user=maja] button", has_text="Remove").click()
    assert page.locator("#members tr[data-user=maja]").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#members tr[data-user=maja] button", has_text="Remove").click()
    page.wait_for_load_state()
    assert page.locator("#members tr[data-user=maja]").count() == 0

    # deactivated: her open session ends and she cannot log in again
    page.goto(base + "/admin/users")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#users tr[data-user=maja] button", has_text="Deactivate").click()
    page.wait_for_load_state()
    assert "deactivated" in page.locator("#users tr[data-user=maja]").inner_text()
    maja.goto(base + "/")
    assert "/auth/login" in maja.url
    maja.fill("#username", "maja")
    maja.fill("#password", password)
    maja.click("button[type=submit]")
    maja.wait_for_load_state()
    assert "/auth/login" in maja.url and maja.locator(".flash.error").is_visible()
    context.close()
