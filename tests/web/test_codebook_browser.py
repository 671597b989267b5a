"""The codebook in a real browser: a coder adds a code from the workbench panel and applies it, then the
owner moves it to another hypothesis and reorders it with the keyboard; the tally follows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.analysis.tally import compute_tally
from casecoder.models import Code, Excerpt
from tests.web.test_browser_coding import drag_select, english_admin, log_in, open_source  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = "Interviewer: Hvordan gik det?\n\nInterviewperson: Min koordinator ringede altid tilbage samme dag.\n"


def family(session, project, key):
    session.expire_all()
    return next(r for r in compute_tally(session, project).rows if r.key == key).counts["family"].n


def test_new_code_from_the_panel_then_move_it_and_the_tally_follows(english_admin, page, session,  # noqa: F811
                                                                     factory):
    base, project = english_admin
    source = factory.source(project, [factory.case(project, "F99", "Nordby")], text=TEXT, title="Ny samtale")
    session.commit()
    h1_before, h2_before = family(session, project, "H1"), family(session, project, "H2")
    h1 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1"))
    log_in(page, base)
    open_source(page, base, source.id)
    drag_select(page, "Min koordinator ringede altid tilbage samme dag.")

    page.click("#new-code summary")
    page.fill("#new-code-key", "H1.1")  # taken: refused next to the field, what was typed kept
    page.fill("#new-code-label", "Ringer tilbage")
    page.select_option("#new-code-parent", str(h1.id))
    page.click("#new-code-add")
    page.wait_for_function("document.getElementById('new-code-error').textContent.includes('already used')")
    assert page.input_value("#new-code-label") == "Ringer tilbage"
    page.fill("#new-code-key", "H1.9")
    page.press("#new-code-label", "Enter")
    page.wait_for_selector("#code-H1\\.9:checked")
    assert page.input_value("#new-code-key") == ""
    page.click("#save")
    page.wait_for_selector("#toast-text:text('Saved')")
    session.expire_all()
    excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == source.id))
    assert [c.code.key for c in excerpt.codings] == ["H1.9"]
    assert family(session, project, "H1") == h1_before + 1

    # the owner moves H1.9 under H2 on the codebook page
    page.goto(f"{base}/p/demo/codebook")
    page.click("a[aria-label='Edit: H1.9']")
    page.select_option("#parent", label=page.locator("#parent option", has_text="H2 ").first.inner_text())
    page.fill("#label_en", "Calls back")
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#code-parent:has-text('H2')")
    assert (family(session, project, "H1"), family(session, project, "H2")) == (h1_before, h2_before + 1)

    # reorder with the keyboard: focus stays on the button after the page comes back
    page.goto(f"{base}/p/demo/codebook")
    keys = page.locator("#codebook tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert keys[keys.index("H1.9") - 1] != "H2"
    page.focus("button[aria-label='Move up: H1.9']")
    for _ in range(2):
        with page.expect_navigation():
            page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement && "
                               "document.activeElement.getAttribute('aria-label') === 'Move up: H1.9'")
    moved = page.locator("#codebook tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert moved.index("H1.9") == keys.index("H1.9") - 2
    assert family(session, project, "H2") == h2_before + 1  # reordering does not change a count
