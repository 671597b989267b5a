"""A login that ends mid-coding loses nothing: the open excerpt comes back after logging in again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import Excerpt, Source
from tests.factories import PASSWORD
from tests.web.test_browser_coding import drag_select, log_in, open_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_selection_codes_and_memo_survive_an_expired_session(live_server, strict_page, session):
    base, project = live_server
    page = strict_page
    accounts.get_user(session, "admin").language = "en"
    session.commit()
    source = next(s for s in session.scalars(select(Source).where(Source.project_id == project.id)
                                             .order_by(Source.id)) if len(s.cases) == 1)
    before = set(session.scalars(select(Excerpt.id).where(Excerpt.source_id == source.id)))
    log_in(page, base)
    open_source(page, base, source.id)
    words = " ".join(max(source.text.split("\n"), key=len).split()[2:7])
    drag_select(page, words)
    page.fill("#code-filter", "H1.1")
    page.press("#code-filter", "Enter")
    page.fill("#memo", "Memo skrevet før udløb")

    page.context.clear_cookies()  # the login ends while the coder is typing
    page.click("#save")
    page.wait_for_url("**/auth/login?expired=1*")
    assert "Din session er udløbet" in page.inner_text("body")  # logged out: the default language, Danish
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/p/demo/sources/{source.id}")
    page.wait_for_selector("#transcript[data-ready='1']")
    page.wait_for_selector("#panel:not([hidden])")
    assert page.input_value("#memo") == "Memo skrevet før udløb"
    assert "Your unsaved excerpt is back" in page.inner_text("#panel-error")
    assert page.is_checked("#code-H1\\.1")
    session.expire_all()
    assert set(session.scalars(select(Excerpt.id).where(Excerpt.source_id == source.id))) == before  # not saved yet

    page.click("#save")
    page.wait_for_selector("#toast:not([hidden])")
    session.expire_all()
    new = session.scalars(select(Excerpt).where(Excerpt.source_id == source.id, Excerpt.id.not_in(before))).all()
    assert len(new) == 1 and [(m.user.username, m.text) for m in new[0].memos] == [("admin", "Memo skrevet før udløb")]
    assert words in new[0].text and [c.code.key for c in new[0].codings] == ["H1.1"]
