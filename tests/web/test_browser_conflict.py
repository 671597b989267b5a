"""Two coders in two browsers edit the same excerpt: the later save is refused with a message, not lost."""
from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import Excerpt
from tests.factories import PASSWORD
from tests.web.test_agreement_browser import log_in
from tests.web.test_browser_coding import drag_select, open_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def memos(excerpt):
    return {m.user.username: m.text for m in excerpt.memos}


def test_the_second_save_gets_a_conflict_message_and_can_save_again(live_server, browser, session):
    base, project = live_server
    accounts.get_user(session, "admin").language = "en"
    coder = accounts.create_user(session, "coder2", PASSWORD, language="en")
    accounts.add_member(session, project, coder, "coder")
    session.commit()
    excerpt = session.scalar(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id))
    uncoded = next(w for w in excerpt.source.text[excerpt.end_offset:].split("\n")
                   if len(w) > 30 and w.strip() == w and excerpt.source.text.count(w) == 1 and not any(
                       e.start_offset < excerpt.source.text.index(w) + len(w) and e.end_offset > excerpt.source.text.index(w)
                       for e in session.scalars(select(Excerpt).where(Excerpt.source_id == excerpt.source_id))))
    uncoded = " ".join(uncoded.split()[:4])  # a few words of a line no excerpt covers
    contexts = [browser.new_context(), browser.new_context()]  # the app's CSP is enforced
    try:
        admin, other = (c.new_page() for c in contexts)
        log_in(admin, base, "admin")
        log_in(other, base, "coder2")
        for page in (admin, other):
            open_source(page, base, excerpt.source_id)
            page.click(f"#excerpt-{excerpt.id}")
            page.wait_for_selector("#panel:not([hidden])")
        # admin moves the span to other text (a versioned change of the excerpt itself) and saves
        for attempt in range(3):  # the panel opening may still move the text under a first drag, as a person
            drag_select(admin, uncoded)  # sees, who then drags again: the snippet shows the span taken
            admin.click("#use-selection")
            try:
                admin.locator("#panel-snippet").filter(has_text=uncoded).wait_for(timeout=3000)
                break
            except PlaywrightTimeout:
                assert attempt < 2, "the selection never became the excerpt's new span"
        admin.fill("#memo", "Admins memo")
        admin.click("#save")
        admin.wait_for_selector("#toast:not([hidden])")

        other.fill("#code-filter", "H1.1")  # a second coder codes with codes of their own
        other.press("#code-filter", "Enter")
        other.fill("#memo", "Coder2s memo")
        other.click("#save")
        other.wait_for_selector("#panel-error:has-text('Someone else saved this excerpt')")
        session.expire_all()
        narrowed = session.get(Excerpt, excerpt.id)
        assert narrowed.text == uncoded and memos(narrowed) == {"admin": "Admins memo"}
        assert other.input_value("#memo") == "Coder2s memo"  # what was typed stays in the form

        other.click("#save")  # having seen the message, the coder saves over the newer version
        other.wait_for_selector("#toast:not([hidden])")
        session.expire_all()
        stored = session.get(Excerpt, excerpt.id)
        assert stored.text == excerpt.text and stored.version == 3  # the coder's span, saved knowingly
        assert memos(stored) == {"admin": "Admins memo", "coder2": "Coder2s memo"}  # each memo its writer's
    finally:
        for context in contexts:
            context.close()
