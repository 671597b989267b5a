"""Codes visible on the text, in Chromium: coding stripes in the margin (a bar per excerpt and code, in the
code's colour, with its key), the keys on a highlight, the chooser over overlapping excerpts, Delete hidden
on a new selection, and the question before leaving with unsaved work (issue #21)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import cases, excerpts
from casecoder.models import Case, Code, User
from tests.web.test_browser_coding import drag_select, log_in, open_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = ("Interviewer: Hvordan var forløbet?\n\n"
        "Mor: Koordinatoren ringede altid tilbage samme dag. Vi fik en fast kontaktperson i kommunen, "
        "og det gav ro i hele familien.\n\n"
        "Interviewer: Og skolen?\n\n"
        "Mor: Skolen var sværere at få fat i.\n")
FIRST = "Koordinatoren ringede altid tilbage samme dag. Vi fik en fast kontaktperson i kommunen"
SECOND = "Vi fik en fast kontaktperson i kommunen, og det gav ro i hele familien."


@pytest.fixture
def coded(live_server, session):
    """A transcript with two overlapping excerpts: the first carries two codes, the second one."""
    base, project = live_server
    admin = session.scalar(select(User).where(User.username == "admin"))
    admin.language = "en"
    code = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    f01 = session.scalar(select(Case).where(Case.project_id == project.id, Case.key == "F01"))
    source = cases.create_source(session, project, title="Stripes", text=TEXT, perspective="family", cases=[f01])
    first = excerpts.create_excerpt(session, admin, source, TEXT.index(FIRST), TEXT.index(FIRST) + len(FIRST),
                                    codes=[(code["H1.1"], "supports"), (code["ST.3"], "contradicts")])
    second = excerpts.create_excerpt(session, admin, source, TEXT.index(SECOND), TEXT.index(SECOND) + len(SECOND),
                                     codes=[(code["H1.4"], "supports")])
    colors = {k: code[k].color for k in ("H1.1", "ST.3", "H1.4")}
    session.commit()
    return base, source.id, first.id, second.id, colors


def test_stripes_keys_overlap_chooser_hidden_delete_and_leave_warning(coded, page):
    base, source_id, first, second, colors = coded
    log_in(page, base)
    open_source(page, base, source_id)
    page.wait_for_selector("#transcript .stripes[data-ready='1']")

    # a bar per (excerpt, code): its key, its colour, spanning the excerpt's lines
    bars = page.eval_on_selector_all("#transcript .stripe", """bars => bars.map(b => ({ex: +b.dataset.ex,
        key: b.textContent, color: getComputedStyle(b).borderLeftColor, top: b.offsetTop, h: b.offsetHeight}))""")
    assert sorted((b["ex"], b["key"]) for b in bars) == [(first, "H1.1"), (first, "ST.3"), (second, "H1.4")]
    rgb = page.evaluate("""hex => { const d = document.createElement('i'); d.style.color = hex;
        document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c; }""", colors["ST.3"])
    assert next(b for b in bars if b["key"] == "ST.3")["color"] == rgb
    two = [b for b in bars if b["ex"] == first]
    assert two[0]["top"] == two[1]["top"] and two[0]["h"] == two[1]["h"] > 0

    # the keys of a highlight on hover/focus; the highlight takes keyboard focus
    shared = page.locator("#transcript .seg.overlap").first
    assert f"#{first}: H1.1, ST.3" in shared.get_attribute("title")
    assert f"#{second}: H1.4" in shared.get_attribute("title")
    assert shared.get_attribute("tabindex") == "0"

    # a click on the overlap offers both excerpts; choosing the second opens it, not the first
    shared.click()
    page.wait_for_selector(".chooser")
    items = page.locator(".chooser button")
    assert items.count() == 2
    texts = sorted(items.all_inner_texts())
    assert texts[0].startswith(f"#{first} H1.1, ST.3 Koordinatoren ringede")
    assert texts[1].startswith(f"#{second} H1.4 Vi fik en fast")
    items.filter(has_text=f"#{second}").click()
    page.wait_for_selector("#panel:not([hidden])")
    assert page.inner_text("#panel-title").endswith(f"#{second}")
    assert page.locator(".chooser").count() == 0
    assert page.is_visible("#delete")
    assert page.inner_text("#code-summary") == "Your codes: H1.4"

    # a click on a stripe opens its excerpt
    page.click(f"#transcript .stripe[data-ex='{first}'][data-code='ST.3']")
    page.wait_for_function(f"document.getElementById('panel-title').textContent.endsWith('#{first}')")
    # a drag from the first letter of a highlight selects text like anywhere else (the focusable highlight
    # does not swallow it), and becomes the open excerpt's new span
    drag_select(page, "Koordinatoren ringede")
    page.click("#use-selection")
    assert page.inner_text("#panel-snippet") == "Koordinatoren ringede"
    page.keyboard.press("Escape")

    # a new selection: Delete is hidden (the hidden attribute beats button's display)
    drag_select(page, "Skolen var sværere")
    assert page.is_hidden("#delete")

    # the panel: the ticked codes summed up at the top, the code just used first next time
    assert page.is_hidden("#code-summary")
    page.fill("#code-filter", "H1.4")
    page.press("#code-filter", "Enter")
    page.select_option("li[data-key='H1.4'] select.dir", "nuances")
    assert page.inner_text("#code-summary") == "Your codes: H1.4 (nuances)"
    assert page.is_checked("#recent-code-H1\\.4")  # the filter is cleared: recently used codes come first
    page.uncheck("#recent-code-H1\\.4")
    assert not page.is_checked("#code-H1\\.4") and page.is_hidden("#code-summary")

    # leaving with the unsaved selection asks first; staying keeps the panel
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()
    page.on("dialog", answer)
    page.evaluate("() => { setTimeout(() => location.reload(), 0); }")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.is_visible("#panel")
    # after Esc (nothing unsaved) the page leaves without asking
    page.keyboard.press("Escape")
    page.reload()
    page.wait_for_selector("#transcript[data-ready='1']")
    assert asked == ["beforeunload"]
