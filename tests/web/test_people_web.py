"""People through the real HTTP client: the site administrator's users pages (create, reset a password,
deactivate) and a project owner's members page (add with coder offered first, change a role, remove, the
last owner kept), each mistake answered next to its field with what was typed kept."""
from __future__ import annotations

import re

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Role, User
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

PASSWORD_RE = re.compile(r'<code class="password">([^<]+)</code>')


def _admin(client, factory, session):  # type: ignore[no-untyped-def]
    admin = factory.user("root", admin=True)
    session.commit()
    login(client, "root", PASSWORD)
    return admin


def test_only_site_administrators_reach_the_users_pages(client, factory, session):
    plain = factory.user("plain")
    session.commit()
    assert client.get("/admin/users").status_code == 302  # not logged in: to the login page
    login(client, "plain", PASSWORD)
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{plain.id}/password").status_code == 403
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/admin/users", data={"csrf_token": token, "username": "sneaky", "language": "en"}
                       ).status_code == 403
    assert session.scalar(select(User).where(User.username == "sneaky")) is None


def test_admin_creates_a_user_whose_password_is_shown_once(client, factory, session):
    _admin(client, factory, session)
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)  # the nav link
    token = csrf_token(client, "/admin/users")
    made = client.post("/admin/users", data={"csrf_token": token, "username": "maja", "display_name": "Maja Holm",
                                             "password": "", "language": "en"})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    password = PASSWORD_RE.search(page).group(1)
    assert "shown only this once" in page and 'data-user="maja"' in page
    assert password not in client.get("/admin/users").get_data(as_text=True)
    session.expire_all()
    maja = accounts.get_user(session, "maja")
    assert maja.display_name == "Maja Holm" and maja.language == "en" and not maja.is_admin
    chosen = client.post("/admin/users", data={"csrf_token": token, "username": "bo", "password": "bo's own password",
                                               "language": "da", "is_admin": "y"})
    assert PASSWORD_RE.search(chosen.get_data(as_text=True)).group(1) == "bo&#39;s own password"
    client.post("/auth/logout", data={"csrf_token": token})
    assert login(client, "maja", password).status_code == 302
    assert login(client, "bo", "bo's own password").status_code == 302
    assert session.scalar(select(User.is_admin).where(User.username == "bo")) is True


def test_bad_new_users_are_answered_next_to_the_field_keeping_what_was_typed(client, factory, session):
    _admin(client, factory, session)
    token = csrf_token(client, "/admin/users")
    for data, field, message in [
        ({"username": "root", "display_name": "Twice"}, "username", "A user named &#39;root&#39; already exists"),
        ({"username": "ny bruger", "display_name": "Ny"}, "username", "must be 2-64 characters"),
        ({"username": "weak", "display_name": "Weak One", "password": "short"}, "password", "at least 10 characters"),
    ]:
        answer = client.post("/admin/users", data={"csrf_token": token, "language": "en", **data})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400
        assert re.search(rf'id="{field}"[^>]*>\s*<span class="error">[^<]*{re.escape(message)}', page), message
        assert f'value="{data["display_name"]}"' in page and f'value="{data["username"]}"' in page
        assert '<option selected value="en">' in page
    assert session.scalar(select(User).where(User.username.in_(["weak", "ny bruger"]))) is None


def test_admin_resets_a_password_shown_once_or_chosen(client, factory, session):
    _admin(client, factory, session)
    eva = factory.user("eva")
    session.commit()
    url = f"/admin/users/{eva.id}/password"
    token = csrf_token(client, url)
    generated = PASSWORD_RE.search(client.post(url, data={"csrf_token": token}).get_data(as_text=True)).group(1)
    weak = client.post(url, data={"csrf_token": token, "password": "short"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.get_data(as_text=True)
    assert 'value="short"' in weak.get_data(as_text=True)
    assert client.get("/admin/users/999999/password").status_code == 404
    client.post("/auth/logout", data={"csrf_token": token})
    assert login(client, "eva", PASSWORD).status_code == 401
    assert login(client, "eva", generated).status_code == 302


def test_a_deactivated_user_is_logged_out_and_cannot_log_in(client, app, factory, session):
    project, owner, excerpt = factory.coded_project()
    admin = factory.user("root", admin=True)
    session.commit()
    other = app.test_client()
    login(other, owner.username, PASSWORD)
    assert other.get("/p/proj/").status_code == 200
    login(client, "root", PASSWORD)
    token = csrf_token(client, "/admin/users")
    assert client.post(f"/admin/users/{admin.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 302
    assert "cannot deactivate yourself" in client.get("/admin/users").get_data(as_text=True)
    client.post(f"/admin/users/{owner.id}/active", data={"csrf_token": token, "active": "0"})
    assert "is deactivated" in client.get("/admin/users").get_data(as_text=True)
    assert other.get("/p/proj/").status_code == 302  # the open session ends at once
    refused = login(app.test_client(), owner.username, PASSWORD)
    wrong = login(app.test_client(), "root", "not the password")  # the same answer: nothing tells it exists
    flash = re.compile(r'<p class="flash error"[^>]*>([^<]+)</p>')
    assert refused.status_code == wrong.status_code == 401
    assert flash.search(refused.get_data(as_text=True)).group(1) == flash.search(wrong.get_data(as_text=True)).group(1)
    session.expire_all()
    assert session.scalar(select(User.active).where(User.id == owner.id)) is False
    assert excerpt.codings[0].coder_id == owner.id
    client.post(f"/admin/users/{owner.id}/active", data={"csrf_token": token, "active": "1"})
    assert login(app.test_client(), owner.username, PASSWORD).status_code == 302


def test_owner_adds_changes_and_removes_members(client, demo, session, factory):
    factory.user("maja")
    session.commit()
    page = client.get("/p/demo/members").get_data(as_text=True)
    assert '<option selected value="coder">' in page  # coder is offered, not owner
    assert '<option value="maja">' in page  # the user names to pick from
    token = csrf_token(client, "/p/demo/members")
    unknown = client.post("/p/demo/members", data={"csrf_token": token, "username": "nobdy", "role": "reader"})
    text = unknown.get_data(as_text=True)
    assert unknown.status_code == 400 and "There is no user named" in text
    assert 'value="nobdy"' in text and '<option selected value="reader">' in text
    assert client.post("/p/demo/members", data={"csrf_token": token, "username": "maja", "role": "coder"}
                       ).status_code == 302
    maja = accounts.get_user(session, "maja")
    assert client.post(f"/p/demo/members/{maja.id}/role", data={"csrf_token": token, "role": "analyst"}
                       ).status_code == 302
    session.expire_all()
    assert accounts.membership_of(session, demo.id, maja.id).role is Role.ANALYST
    assert client.post(f"/p/demo/members/{maja.id}/remove", data={"csrf_token": token}).status_code == 302
    assert accounts.membership_of(session, demo.id, maja.id) is None
    assert client.post(f"/p/demo/members/{maja.id}/remove", data={"csrf_token": token}).status_code == 404
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "membership",
                                                      AuditEvent.project_id == demo.id,
                                                      AuditEvent.user_id.is_not(None)).order_by(AuditEvent.id)).all()
    majas = [e for e in events if "maja" in ((e.before or {}).get("username"), (e.after or {}).get("username"))]
    assert [(e.action, (e.before or {}).get("role"), (e.after or {}).get("role")) for e in majas] == [
        ("create", None, "coder"), ("update", "coder", "analyst"), ("delete", "analyst", None)]
    assert all(e.user_id == demo_admin_id(session) for e in majas)


def test_the_last_owner_is_refused_next_to_their_row(client, demo, session):
    admin = accounts.get_user(session, "admin")
    token = csrf_token(client, "/p/demo/members")
    for url, data in [(f"/p/demo/members/{admin.id}/role", {"role": "coder"}),
                      (f"/p/demo/members/{admin.id}/remove", {})]:
        answer = client.post(url, data={"csrf_token": token, **data})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400
        row = page[page.index('data-user="admin"'):page.index("</tr>", page.index('data-user="admin"'))]
        assert "only owner and cannot be removed or demoted" in row
    session.expire_all()
    assert accounts.membership_of(session, demo.id, admin.id).role is Role.OWNER


def test_a_coder_cannot_manage_members(client, demo, session):
    anna = accounts.get_user(session, "anna")
    anna.language = "en"
    accounts.set_password(anna, PASSWORD)
    session.commit()
    token = csrf_token(client, "/p/demo/members")
    client.post("/auth/logout", data={"csrf_token": token})
    login(client, "anna", PASSWORD)
    token = csrf_token(client, "/")
    assert client.get("/p/demo/members").status_code == 403
    assert client.post(f"/p/demo/members/{anna.id}/role", data={"csrf_token": token, "role": "owner"}
                       ).status_code == 403
    assert client.post(f"/p/demo/members/{anna.id}/remove", data={"csrf_token": token}).status_code == 403


def demo_admin_id(session) -> int:  # type: ignore[no-untyped-def]
    return accounts.get_user(session, "admin").id
