"""Pseudonymisation in a real browser under the enforced CSP: add a key, review a hit, apply it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.models import HitStatus, PseudonymHit, Source
from tests.web.test_browser_reports import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_add_key_review_and_apply_under_the_csp(live_server, strict_page, session):
    base, project = live_server
    page = strict_page
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("dialog", lambda dialog: dialog.accept())   # forms.js asks before applying
    log_in(page, base)
    page.goto(base + "/p/demo/")
    page.click("#pseudonyms-link")
    page.fill("#real", "Nordby")
    page.fill("#pseudonym", "Kommune A")
    page.select_option("#kind", "place")
    page.click("#key-form button[type=submit]")
    page.wait_for_load_state()
    assert "Kommune A" in page.locator("#key-list").inner_text()
    page.goto(base + "/p/demo/pseudonyms/review")
    first = page.locator("#hits tr.hit").first
    hit_id = int(first.get_attribute("id").removeprefix("hit-"))
    assert "Nordby" in first.locator("mark").inner_text()
    first.locator("button[name=accept]").click()
    page.wait_for_load_state()
    page.click("#apply-form button[type=submit]")
    page.wait_for_load_state()
    assert "1 replacement applied" in page.locator(".flash").inner_text()
    session.expire_all()
    hit = session.get(PseudonymHit, hit_id)
    assert hit.status is HitStatus.APPLIED
    text = session.scalar(select(Source.text).where(Source.id == hit.source_id))
    assert text[hit.start_offset:hit.start_offset + len("Kommune A")] == "Kommune A"
    assert refused == [], refused
