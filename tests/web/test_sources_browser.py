"""A transcript in a real browser: imported with a new interviewee and without a case, coded, the warning on
the workbench and the tally, fixed on the properties page (the tally changes), then deleted by the owner."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casecoder.analysis.tally import compute_tally
from casecoder.coding import accounts, excerpts
from casecoder.models import Case, Code, Source
from tests.web.test_browser_reports import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = "Interviewer: Hvordan gik det?\nInterviewperson: Koordinatoren ringede altid tilbage.\n"


def _family(page, base: str) -> str:
    page.goto(base + "/p/demo/tally")
    cell = page.locator('#tally tr[data-key="H1.4"] td[data-measure="family"]')
    return re.sub(r"\s*\(.*\)", "", cell.inner_text()).strip()


def test_import_code_warn_fix_and_delete(live_server, strict_page, session):
    base, project = live_server
    page = strict_page
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, base)
    page.goto(base + "/p/demo/transcripts/new")
    page.set_input_files("#files", files=[{"name": "mor F99.txt", "mimeType": "text/plain",
                                            "buffer": TEXT.encode()}])
    page.select_option("#perspective", "family")
    page.fill("#new_interviewee_key", "Mor-F99")
    page.fill("#new_interviewee_role", "mor")
    page.click("button[type=submit]")
    page.wait_for_selector("#results li")
    assert "Done: 1 imported, 0 failed." in page.inner_text("#progress-text"), page.inner_text("#results")
    source = session.scalars(select(Source).where(Source.original_filename == "mor F99.txt")).one()
    assert [p.key for p in source.interviewees] == ["Mor-F99"] and source.cases == []
    admin = accounts.get_user(session, "admin")
    code = session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H1.4")).one()
    start = TEXT.index("Koordinatoren")
    excerpts.create_excerpt(session, admin, source, start, start + len("Koordinatoren ringede altid tilbage."),
                            [(code, "supports")])
    session.commit()
    # a case that has a family interview but no H1.4 family evidence yet: giving it the transcript adds 1
    row = next(r for r in compute_tally(session, project, case_keys=True).rows if r.key == "H1.4")
    case = session.scalars(select(Case).where(Case.project_id == project.id, Case.key.not_in(
        row.counts["family"].case_keys or ())).order_by(Case.key)).first()
    n, big_n = row.counts["family"].n, row.counts["family"].N

    page.goto(f"{base}/p/demo/sources/{source.id}")
    warning = page.locator("#uncounted")
    assert "1 coded excerpt in 1 transcript without a case is not counted." in warning.inner_text()
    assert _family(page, base) == f"{n}/{big_n}"
    assert "1 coded excerpt" in page.inner_text("#uncounted")
    page.click("#uncounted a:has-text('set its cases')")
    page.wait_for_selector("#properties-form")
    page.select_option("#cases", str(case.id))
    page.fill("#interview_date", "2025-04-01")
    page.click("#properties-form button[type=submit]")
    page.wait_for_load_state()
    assert "Transcript saved. 1 excerpt now has another case." in page.inner_text(".flash")
    assert page.locator("#uncounted").count() == 0
    session.expire_all()
    after = next(r for r in compute_tally(session, project).rows if r.key == "H1.4").counts["family"]
    assert after.n == n + 1 and _family(page, base) == f"{after.n}/{after.N}"
    assert page.locator("#uncounted").count() == 0

    page.goto(f"{base}/p/demo/sources/{source.id}/properties")
    page.click("#delete-link")
    assert "1 excerpt and 1 coding go with it" in page.inner_text("#delete-what")
    page.click("#delete-source")
    page.wait_for_load_state()
    assert "deleted with 1 excerpt and 1 coding" in page.inner_text(".flash")
    assert _family(page, base) == f"{n}/{big_n}"
    assert refused == [], refused
