"""Blind double coding in a real browser: coder anna sees only her own codings on a source in double
coding, until the owner opens the comparison; then bo's codings show too."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.models import Code, Source
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CODERS = "Array.from(document.querySelectorAll('#excerpt-list .tag')).map((t) => t.title.split(' ').pop())"


def log_in(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_blind_coder_sees_only_her_own_codings_until_the_comparison_opens(live_server, page, session):
    base, project = live_server
    admin, anna, bo = (accounts.get_user(session, n) for n in ("admin", "anna", "bo"))
    for user in (anna, bo):
        accounts.set_password(user, PASSWORD)
        user.language = "en"
    source = session.scalars(select(Source).where(Source.project_id == project.id, Source.perspective == "family")
                             .order_by(Source.id)).first()
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    words = source.text.split()
    case = source.cases[0]
    for user, word in ((bo, words[-1]), (anna, words[-2])):
        start = source.text.rindex(word)
        excerpts.create_excerpt(session, user, source, start, start + len(word), [(code, "supports")], case=case)
    dc.mark_sources(session, admin, project, [source], [anna, bo])
    session.commit()

    log_in(page, base, "anna")
    page.goto(f"{base}/p/demo/sources/{source.id}")
    page.wait_for_selector("#transcript[data-ready='1']")
    assert page.is_visible("#blind-notice")
    coders = page.evaluate(CODERS)
    assert coders and set(coders) == {"anna"}
    api = page.evaluate("fetch(location.pathname.replace('/p/', '/api/p/') + '/excerpts').then((r) => r.json())"
                        ".then((rows) => rows.flatMap((r) => r.codings.map((c) => c.coder)))")
    assert set(api) == {"anna"}

    dc.open_comparison(session, admin, dc.assignment_of(session, source.id))
    session.commit()
    page.reload()
    page.wait_for_selector("#transcript[data-ready='1']")
    assert not page.is_visible("#blind-notice")
    assert {"anna", "bo"} <= set(page.evaluate(CODERS))
