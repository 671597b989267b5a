"""The search page in a real browser, as a coder uses it: a phrase in quotation marks with the
perspective filter, the coded mark leading to the excerpt, the "not coded" filter, and an unclosed
quotation mark answered next to the field with the query kept."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import Code, Excerpt
from tests.factories import Factory
from tests.web.test_agreement_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BODY = ("Interviewer: Hvordan gik det?\n\nMor: Skolekoordinatoren ringede tilbage samme dag.\n\n"
        "Far: Og en anden gang skolekoordinatoren ringede tilbage om aftenen.\n")


def test_search_a_phrase_filter_and_follow_a_coded_hit(live_server, page, session):
    base, project = live_server
    admin = accounts.get_user(session, "admin")
    admin.language = "en"
    factory = Factory(session)
    case = factory.case(project, "F99")
    family = factory.source(project, [case], BODY, title="Søgeinterview")
    factory.source(project, [case], BODY, perspective="system", title="Systeminterview")
    h14 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    excerpt = factory.excerpt(admin, family, "Skolekoordinatoren ringede tilbage samme dag.", [(h14, "supports")],
                              case=case)
    session.commit()
    log_in(page, base, "admin")
    page.goto(base + "/p/demo/search")
    page.fill("#q", '"ringede tilbage" skolekoordinator')
    page.select_option("#perspective", "family")
    page.select_option("#case", label="F99")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#hits")
    rows = page.locator("#hits tr.hit")
    assert rows.count() == 4
    assert page.locator("#hits tr.hit .match").all_inner_texts() == [
        "Skolekoordinatoren", "ringede tilbage", "skolekoordinatoren", "ringede tilbage"]
    assert page.locator("#hits tr.hit.coded").count() == 2
    assert page.locator("#hits .coded-mark").first.inner_text() == "coded: H1.4"
    # the form keeps the choices
    assert page.input_value("#q") == '"ringede tilbage" skolekoordinator'
    assert page.input_value("#perspective") == "family"
    # not coded: only the second turn's hits are left
    page.select_option("#coded", "uncoded")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#hits")
    assert page.locator("#hits tr.hit .match").all_inner_texts() == ["skolekoordinatoren", "ringede tilbage"]
    assert page.locator("#hits .coded-mark").count() == 0
    # coded: the mark opens the excerpt in the workbench
    page.select_option("#coded", "coded")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#hits .coded-mark")
    page.locator("#hits .coded-mark").first.click()
    page.wait_for_url(f"**/sources/{family.id}?excerpt={excerpt.id}")
    # an unclosed quotation mark: a message at the field, the query kept
    page.goto(base + "/p/demo/search")
    page.fill("#q", '"ringede tilbage')
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#q-error")
    assert "quotation mark is not closed" in page.inner_text("#q-error")
    assert page.input_value("#q") == '"ringede tilbage'
    assert page.locator("#hits").count() == 0
    assert session.get(Excerpt, excerpt.id) is not None
