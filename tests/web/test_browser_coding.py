"""The coding workbench in a real browser: import a .docx, select with the mouse, code, edit, delete.

Offsets are checked against the database: the browser works in UTF-16 code units, the server
in code points, so an emoji or a combining character before the selection must not shift it.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, cases
from casecoder.models import Excerpt, Source
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOCATE = """(needle) => {
  const segs = Array.from(document.querySelectorAll('#transcript .seg'));
  let full = ''; const map = [];
  for (const seg of segs) { const node = seg.firstChild; if (!node) continue; map.push([full.length, node]); full += node.data; }
  const i = full.indexOf(needle);
  if (i < 0) return null;
  const locate = (pos) => { for (let k = map.length - 1; k >= 0; k--) if (map[k][0] <= pos) return [map[k][1], pos - map[k][0]]; };
  const [n1, o1] = locate(i); const [n2, o2] = locate(i + needle.length - 1);
  n1.parentElement.scrollIntoView({block: 'center'});
  const r1 = document.createRange(); r1.setStart(n1, o1); r1.setEnd(n1, o1 + 1);
  const r2 = document.createRange(); r2.setStart(n2, o2); r2.setEnd(n2, o2 + 1);
  const a = r1.getClientRects()[0], b = r2.getClientRects()[0];
  return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
}"""


def log_in(page, base):
    page.goto(base + "/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def drag_select(page, needle: str) -> None:
    """Select ``needle`` in the transcript with the mouse, as a person does."""
    box = page.evaluate(LOCATE, needle)
    assert box, f"{needle!r} is not in the transcript"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=8)
    page.mouse.up()
    page.wait_for_selector("#panel:not([hidden])")


def open_source(page, base, source_id):
    page.goto(f"{base}/p/demo/sources/{source_id}")
    page.wait_for_selector("#transcript[data-ready='1']")


@pytest.fixture
def english_admin(live_server, session):
    admin = accounts.get_user(session, "admin")
    admin.language = "en"
    session.commit()
    return live_server


def test_import_docx_code_reload_edit_delete(english_admin, page, session, shared_dir):
    base, project = english_admin
    log_in(page, base)
    page.goto(base + "/p/demo/transcripts/new")
    page.set_input_files("#files", str(shared_dir / "transcripts" / "qualcoder_ID1.docx"))
    page.select_option("#perspective", "family")
    page.select_option("#cases", label="F01 (Nordby)")
    page.click("button[type=submit]")
    page.wait_for_selector("#results li.ok")
    assert "Done: 1 imported, 0 failed." in page.inner_text("#progress-text")
    page.click("#results li.ok a")
    page.wait_for_selector("#transcript[data-ready='1']")
    source = session.scalar(select(Source).where(Source.original_filename == "qualcoder_ID1.docx"))
    assert source is not None and "€" in source.text
    sentence = source.text.strip().split(".")[0].strip() + "."
    assert sentence.startswith("I really like")
    drag_select(page, sentence[2:-3])  # a sloppy drag ending inside a word: snapping completes "things"
    page.fill("#code-filter", "H1.1")
    page.press("#code-filter", "Enter")
    page.fill("#code-filter", "tillid")  # Danish label of ST.3 contains "tillid"
    page.check("#code-ST\\.3")
    page.click("#save")
    page.wait_for_selector("#toast:not([hidden])")
    session.expire_all()
    excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == source.id))
    assert excerpt is not None
    assert excerpt.text == source.text[excerpt.start_offset:excerpt.end_offset]
    assert excerpt.text == sentence[2:-1]
    excerpt_id, excerpt_text = excerpt.id, excerpt.text
    assert sorted(c.code.key for c in excerpt.codings) == ["H1.1", "ST.3"]
    assert excerpt.case.key == "F01"

    page.reload()
    page.wait_for_selector("#transcript[data-ready='1']")
    highlighted = "".join(page.locator("#transcript .seg.hl").all_inner_texts())
    assert highlighted == excerpt_text
    assert page.locator("#excerpt-list li").count() == 1

    # edit: change one direction and the memo
    page.click(f"#excerpt-{excerpt_id}")
    page.wait_for_selector("#panel:not([hidden])")
    page.select_option("li[data-key='ST.3'] select.dir", "contradicts")
    page.fill("#memo", "Siger det modsatte")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#toast:not([hidden])")
    session.expire_all()
    edited = session.get(Excerpt, excerpt_id)
    assert {c.code.key: c.direction.value for c in edited.codings} == {"H1.1": "supports", "ST.3": "contradicts"}
    assert [(m.user.username, m.text) for m in edited.memos] == [("admin", "Siger det modsatte")]

    # delete with the keyboard, confirm, then undo, then delete with the button
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f"#excerpt-{excerpt_id}")
    page.click("#transcript")  # move focus out of the panel's fields
    page.keyboard.press("Delete")
    page.wait_for_function("document.getElementById('toast-text').textContent === 'Excerpt deleted'")
    session.expire_all()
    assert session.scalar(select(Excerpt).where(Excerpt.source_id == source.id)) is None
    page.click("#undo")
    page.wait_for_function("document.querySelectorAll('#excerpt-list li[data-id]').length === 1")
    # not the message of a draft kept over a login
    assert page.inner_text("#toast-text") == "Undone: the excerpt is back with its codings."
    session.expire_all()
    restored = session.scalar(select(Excerpt).where(Excerpt.source_id == source.id))
    assert restored is not None and restored.text == excerpt_text and restored.id == excerpt_id  # the same excerpt
    assert {c.code.key: c.direction.value for c in restored.codings} == {"H1.1": "supports", "ST.3": "contradicts"}
    page.click(f"#excerpt-{restored.id}")
    page.click("#delete")
    page.wait_for_function("document.querySelectorAll('#excerpt-list li[data-id]').length === 0")
    session.expire_all()
    assert session.scalar(select(Excerpt).where(Excerpt.source_id == source.id)) is None


def test_offsets_stay_code_points_after_emoji_and_combining_marks(english_admin, page, session):
    base, project = english_admin
    text = ("Interviewer: Hvordan gik det? 👍🏽 Godt 🎉!\n\n"
            "Interviewperson: Rene\u0301 sagde ok. Koordinatoren ringede altid tilbage samme dag.\n")
    f01 = next(c for c in project_cases(session, project) if c.key == "F01")
    source = cases.create_source(session, project, title="Emoji", text=text, perspective="family", cases=[f01])
    session.commit()
    log_in(page, base)
    open_source(page, base, source.id)
    target = "Koordinatoren ringede altid tilbage samme dag."
    drag_select(page, target)
    page.fill("#code-filter", "H1.4")
    page.press("#code-filter", "Enter")
    page.click("#save")
    page.wait_for_selector("#toast:not([hidden])")
    session.expire_all()
    excerpt = session.scalar(select(Excerpt).where(Excerpt.source_id == source.id))
    assert excerpt.start_offset == text.index(target)  # code points, not UTF-16 units
    assert excerpt.end_offset == text.index(target) + len(target)
    assert excerpt.text == target
    assert len(text[:excerpt.start_offset].encode("utf-16-le")) // 2 == excerpt.start_offset + 3  # 👍, 🏽 and 🎉 are astral


def project_cases(session, project):
    from casecoder.models import Case
    return session.scalars(select(Case).where(Case.project_id == project.id)).all()


def test_code_a_search_hit_and_step_through_excerpts_with_keys(english_admin, page, session):
    base, project = english_admin
    log_in(page, base)
    page.goto(base + "/p/demo/search?q=tandl%C3%A6ge")  # "tandlæge": dentist
    page.wait_for_selector("#hits")
    link = page.locator("a.code-hit").first
    href = link.get_attribute("href")
    source_id = int(href.split("/sources/")[1].split("?")[0])
    start, end = (int(x) for x in href.split("select=")[1].split("-"))
    link.click()
    page.wait_for_selector("#panel:not([hidden])")
    assert page.locator("#transcript .seg.pending").count() >= 1
    page.fill("#code-filter", "B.5")
    page.press("#code-filter", "Enter")
    if page.locator("#case").count():
        page.select_option("#case", index=1)
    page.click("#save")
    page.wait_for_selector("#toast:not([hidden])")
    session.expire_all()
    created = session.scalars(select(Excerpt).where(Excerpt.source_id == source_id, Excerpt.start_offset == start,
                                                    Excerpt.end_offset == end)).one()
    assert "tandl" in created.text.lower() and [c.code.key for c in created.codings] == ["B.5"]
    # n / p walk the excerpts of the transcript in text order, starting from the one just saved
    ordered = [e.id for e in session.scalars(select(Excerpt).where(Excerpt.source_id == source_id)
                                             .order_by(Excerpt.start_offset, Excerpt.end_offset, Excerpt.id))]
    here = ordered.index(created.id)

    def current_after(key: str) -> str:
        page.keyboard.press("Escape")
        page.keyboard.press(key)
        return page.locator("#excerpt-list li.current").get_attribute("data-id")

    assert current_after("n") == str(ordered[(here + 1) % len(ordered)])
    assert current_after("n") == str(ordered[(here + 2) % len(ordered)])
    assert current_after("p") == str(ordered[(here + 1) % len(ordered)])


def test_chain_editor_flip_an_arrow_and_the_combination_changes(english_admin, page, session):
    from casecoder.analysis.chains import count_chain
    from casecoder.analysis.evidence import CountFilter, collect
    from casecoder.models import Chain, Code

    base, project = english_admin
    log_in(page, base)
    page.goto(base + "/p/demo/chains/new")
    page.wait_for_selector("#node-1")
    page.fill("#chain-title", "Koordination og job")
    page.select_option("#chain-scope", "pooled")
    page.select_option("#node-0", "H1.1")
    page.select_option("#node-1", "ST.5")
    page.click("#add-node")
    page.select_option("#node-2", "E.1")
    codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    ev = collect(session, project.id, CountFilter())
    trio = [codes["H1.1"], codes["ST.5"], codes["E.1"]]
    all_and = count_chain(ev, trio, ["both-and", "both-and"], "pooled")
    first_or = count_chain(ev, trio, ["and-or", "both-and"], "pooled")
    assert all_and.combination_n != first_or.combination_n
    page.wait_for_function(f"document.getElementById('chain-combination').textContent === '{all_and.combination_n}/9'")
    assert page.inner_text("#chain-formula") == "H1.1 ∧ ST.5 ∧ E.1"
    assert page.get_attribute("#arrow-0", "data-kind") == "both-and"
    page.click("#arrow-0")
    page.wait_for_function(
        f"document.getElementById('chain-combination').textContent === '{first_or.combination_n}/9'")
    assert page.inner_text("#chain-formula") == "H1.1 ∨ (ST.5 ∧ E.1)"
    assert page.get_attribute("#arrow-0", "data-kind") == "and-or"
    page.wait_for_function("document.getElementById('chain-preview').naturalWidth > 0")
    page.click("#save-chain")
    page.wait_for_url("**/chains/*")
    assert page.inner_text("#combination") == f"{first_or.combination_n}/9"
    session.expire_all()
    saved = session.scalars(select(Chain).where(Chain.title == "Koordination og job")).one()
    assert [n.code.key for n in saved.nodes] == ["H1.1", "ST.5", "E.1"]
    assert [n.arrow.value if n.arrow else None for n in saved.nodes] == ["and-or", "both-and", None]
