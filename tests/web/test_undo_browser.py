"""Two coders in Chromium: deleting an excerpt both coded removes only the coder's own coding (the
owner is asked whether everyone's go, naming who loses what), Undo brings back exactly what was
there with each coding's own coder, each coder writes only their own memo and sees the others' with
their names, a save that changed nothing offers no Undo, and an undo over another coder's later
change is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casecoder.coding import accounts, audit
from casecoder.coding import excerpts as excerpt_ops
from casecoder.models import AuditEvent, Code, Excerpt, User
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page, base, username):
    page.goto(base + "/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def codings(session, excerpt_id):
    session.expire_all()
    excerpt = session.get(Excerpt, excerpt_id)
    return None if excerpt is None else sorted((c.code.key, c.coder.username, c.direction.value)
                                               for c in excerpt.codings)


def memos(session, excerpt_id):
    session.expire_all()
    return {m.user.username: m.text for m in session.get(Excerpt, excerpt_id).memos}


def open_excerpt(page, base, ids):
    page.goto(f"{base}/p/demo/sources/{ids[1]}?excerpt={ids[0]}")
    page.wait_for_selector("#transcript[data-ready='1']")
    page.wait_for_selector("#panel:not([hidden])")


def test_two_coders_delete_undo_and_a_refused_undo(live_server, session, browser):
    base, project = live_server
    admin = accounts.get_user(session, "admin")
    admin.language = "en"
    birte = accounts.create_user(session, "birte", PASSWORD, language="en")
    accounts.add_member(session, project, birte, "coder")
    excerpt = session.scalar(select(Excerpt).where(Excerpt.project_id == project.id).order_by(Excerpt.id))
    st4 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "ST.4"))
    audit.begin_action(session)
    excerpt_ops.add_coding(session, birte, excerpt, st4, "nuances")
    session.commit()
    ids = (excerpt.id, excerpt.source_id)
    excerpt_id = excerpt.id
    both = codings(session, excerpt_id)
    assert {coder for _, coder, _ in both} >= {"admin", "birte"}

    contexts = [browser.new_context(bypass_csp=True) for _ in range(2)]
    as_birte, as_admin = (c.new_page() for c in contexts)
    questions: list[str] = []
    for page in (as_birte, as_admin):
        page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    try:
        # birte deletes: only her coding goes, the excerpt stays for admin; Undo brings hers back
        log_in(as_birte, base, "birte")
        open_excerpt(as_birte, base, ids)
        as_birte.click("#delete")
        as_birte.wait_for_selector("#toast:not([hidden]) #undo:not([hidden])")
        assert "The excerpt stays for admin" in questions[-1]
        assert codings(session, excerpt_id) == [c for c in both if c[1] != "birte"]
        as_birte.click("#undo")
        as_birte.wait_for_function("document.getElementById('toast-text').textContent.startsWith('Undone')")
        assert codings(session, excerpt_id) == both

        # admin is asked whether everyone's codings go (naming birte's), deletes, and undoes: both come back
        log_in(as_admin, base, "admin")
        open_excerpt(as_admin, base, ids)
        as_admin.click("#delete")
        as_admin.wait_for_selector("#toast:not([hidden]) #undo:not([hidden])")
        assert "birte loses ST.4" in questions[-1]
        assert codings(session, excerpt_id) is None
        assert as_admin.locator(f"#excerpt-{excerpt_id}").count() == 0
        as_admin.click("#undo")
        as_admin.wait_for_selector(f"#excerpt-{excerpt_id}")
        assert codings(session, excerpt_id) == both  # the same id, each coding with its own coder

        # per-coder memos: admin saves his (Saved offers Undo); birte sees it with his name, read-only, and
        # writes her own beside it; nobody overwrites anybody
        session.expire_all()
        logged = session.scalar(select(func.max(AuditEvent.id)))
        open_excerpt(as_admin, base, ids)
        as_admin.fill("#memo", "admins note")
        as_admin.click("#save")
        as_admin.wait_for_selector("#toast:not([hidden]) #undo:not([hidden])")
        assert "Saved" in as_admin.inner_text("#toast-text")
        open_excerpt(as_birte, base, ids)
        assert as_birte.input_value("#memo") == ""
        assert as_birte.inner_text("#other-memos") == "Memo by admin: admins note"
        as_birte.fill("#memo", "birtes note")  # the memo alone: none of birte's codes need be ticked again
        as_birte.click("#save")
        as_birte.wait_for_function("document.getElementById('toast-text').textContent === 'Saved'")
        assert memos(session, excerpt_id) == {"admin": "admins note", "birte": "birtes note"}
        as_birte.wait_for_selector(f"#excerpt-{excerpt_id} .memo >> text=admin: admins note")
        open_excerpt(as_admin, base, ids)
        assert as_admin.input_value("#memo") == "admins note"
        assert as_admin.inner_text("#other-memos") == "Memo by birte: birtes note"
        # a save that changes nothing offers no Undo (it would undo something else)
        as_admin.click("#save")
        as_admin.wait_for_function("document.getElementById('toast-text').textContent === 'Nothing changed'")
        assert as_admin.locator("#undo").is_hidden()

        # birte moves the span after admin's memo; admin's undo (key u) is refused, naming her
        audit.begin_action(session)
        moved = session.get(Excerpt, excerpt_id)
        excerpt_ops.update_excerpt(session, birte, moved, start=moved.start_offset + 1)
        session.commit()
        as_admin.keyboard.press("Escape")
        as_admin.keyboard.press("u")
        as_admin.wait_for_function("document.getElementById('toast-text').textContent.includes('birte changed')")
        assert memos(session, excerpt_id) == {"admin": "admins note", "birte": "birtes note"}
        # the audit log shows each step of the memos, each by its own coder
        steps = session.execute(select(AuditEvent.action, User.username).join(User, User.id == AuditEvent.user_id)
                                .where(AuditEvent.entity == "excerpt_memo", AuditEvent.id > logged)
                                .order_by(AuditEvent.id)).all()
        assert [tuple(s) for s in steps] == [("update", "admin"), ("create", "birte")]  # the demo gave admin one
        as_admin.goto(f"{base}/p/demo/audit?kind=excerpt")  # the log page says each step in words
        log = as_admin.inner_text("main")
        for said in ("birte wrote a memo on", "admin changed their memo on", "admin undid their last change",
                     "birte undid their last change"):
            assert said in log, said
    finally:
        for context in contexts:
            context.close()
