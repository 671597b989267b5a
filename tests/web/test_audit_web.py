"""The audit log page: events in words, filtered by user, kind and date (the filter keeps what was typed
and says what is wrong next to the field), pages that keep the filter, the stored data on demand; and a
browser walk through it."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, User
from tests.conftest import login
from tests.factories import PASSWORD


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def sentences(page: str) -> list[str]:
    return re.findall(r'<span class="sentence">(.*?)</span>', page)


def test_the_log_reads_in_words_and_filters(client, demo, session):
    total = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.project_id == demo.id))
    page = text_of(client.get("/p/demo/audit"))
    assert f"({total})" in page and 'id="audit-filters"' in page
    said = sentences(page)
    assert len(said) == min(total, 50)
    assert not any("#" in s and "{" in s for s in said) and "\\u00" not in page
    coder = session.scalar(select(User).join(AuditEvent, AuditEvent.user_id == User.id)
                           .where(AuditEvent.project_id == demo.id, AuditEvent.entity == "coding").limit(1))
    codings = text_of(client.get(f"/p/demo/audit?kind=coding&user={coder.id}"))
    rows = re.findall(r'data-kind="([a-z_]+)"', codings)
    assert rows and set(rows) == {"coding"}
    assert all(s.startswith(f"{coder.username} coded '") or s.startswith(coder.username) for s in sentences(codings))
    assert re.search(rf"{re.escape(coder.username)} coded '[^']+' with [A-Z][\w.]* \((supports|contradicts|nuances)\)",
                     codings)
    n = session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.project_id == demo.id, AuditEvent.entity == "coding", AuditEvent.user_id == coder.id))
    assert f"Events matching the filter: {n}<" in codings
    assert '<details class="stored">' in codings and "direction: " in codings
    every_coding = text_of(client.get("/p/demo/audit?kind=coding"))
    pager = re.search(r'<nav class="pager">(.*?)</nav>', every_coding, re.S).group(1)
    assert "/p/demo/audit?page=2&kind=coding" in pager  # the next page keeps the filter
    second = text_of(client.get("/p/demo/audit?page=2&kind=coding&slug=other&page=x"))
    assert set(re.findall(r'data-kind="([a-z_]+)"', second)) == {"coding"}
    assert not set(sentences(second)) & set(sentences(every_coding))
    tomorrow = (datetime.now(timezone.utc).date() + timedelta(days=1)).isoformat()
    empty = text_of(client.get(f"/p/demo/audit?date_from={tomorrow}"))
    assert sentences(empty) == [] and "No events." in empty
    today = datetime.now(timezone.utc).date().isoformat()
    assert len(sentences(text_of(client.get(f"/p/demo/audit?date_from={today}&date_to={today}")))) == min(total, 50)


def test_a_wrong_filter_is_answered_next_to_the_field(client, demo):
    today, yesterday = datetime.now(timezone.utc).date(), datetime.now(timezone.utc).date() - timedelta(days=1)
    response = client.get(f"/p/demo/audit?date_from={today.isoformat()}&date_to={yesterday.isoformat()}&kind=coding")
    page = text_of(response)
    assert response.status_code == 400
    assert re.search(r'id="date_to"[^>]*value="' + yesterday.isoformat(), page)
    assert "The end date is before the start date." in page
    assert re.search(r'<option selected value="coding">|<option value="coding" selected>', page)
    assert set(re.findall(r'data-kind="([a-z_]+)"', page)) == {"coding"}  # the valid part still filters
    bad = client.get("/p/demo/audit?user=99999&date_from=morgen")
    assert bad.status_code == 400
    assert "Not a valid choice" in text_of(bad) and 'value="morgen"' in text_of(bad)


def test_only_owners_see_the_log(app, demo, factory, session):
    reader = factory.user("laeser")
    accounts.add_member(session, demo, reader, "reader")
    session.commit()
    other = app.test_client()
    login(other, "laeser", PASSWORD)
    assert other.get("/p/demo/audit").status_code == 403


def test_browser_filters_the_log_and_opens_the_stored_data(live_server, page, session):
    base, _project = live_server
    admin = accounts.get_user(session, "admin")
    accounts.set_password(admin, PASSWORD)
    admin.language = "en"
    session.commit()
    page.goto(f"{base}/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.goto(f"{base}/p/demo/audit")
    page.select_option("#kind", "coding")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url(re.compile(r"kind=coding"))
    kinds = page.locator("tr.audit-event").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds and set(kinds) == {"coding"}
    first = page.locator("tr.audit-event").first
    assert re.search(r" (coded|removed|changed|moved|made|took) ", first.locator(".sentence").inner_text())
    assert not first.locator("pre").first.is_visible()
    first.locator("summary").click()
    assert first.locator("pre").first.is_visible()
    assert "\\u" not in first.locator("pre").first.inner_text()


def test_the_sentences_follow_the_interface_language(client, demo, session):
    accounts.get_user(session, "admin").language = "da"
    session.commit()
    page = text_of(client.get("/p/demo/audit?kind=coding"))
    assert any("(understøtter)" in s for s in sentences(page))  # the direction in Danish
