"""Revocable sessions (#22): a session cookie replayed after logout, a new password (web, admin, CLI) or a
deactivation logs nobody in; a member taken out of a project loses it at the next request; the login
limit counts the user name as the login reads it, and wrong current passwords are limited too."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.coding import accounts, login_limit
from casecoder.models import LoginFailure, User
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

NEW_PASSWORD = "another long password"


def logged_in(app, username: str = "eva"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def replay(app, client):  # type: ignore[no-untyped-def]
    """A second browser holding a copy of ``client``'s session cookie, as a thief would."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def is_logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    response = client.get("/p/proj/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return False


def setup_eva(factory, session) -> None:  # type: ignore[no-untyped-def]
    factory.project("proj", factory.user("eva"))
    session.commit()


def test_a_cookie_replayed_after_logout_logs_nobody_in(app, factory, session):
    setup_eva(factory, session)
    browser = logged_in(app)
    stolen, elsewhere = replay(app, browser), logged_in(app)
    assert is_logged_in(stolen)
    response = browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/p/proj/")})
    assert response.status_code == 302
    assert not is_logged_in(browser) and not is_logged_in(stolen)
    assert not is_logged_in(elsewhere)  # logging out ends every session of the user (the simple rule)
    assert is_logged_in(logged_in(app))  # a new login works


def test_a_new_password_on_the_web_ends_the_other_sessions_and_keeps_this_one(app, factory, session):
    setup_eva(factory, session)
    browser = logged_in(app)
    stolen = replay(app, browser)
    response = browser.post("/auth/password", data={
        "current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD,
        "csrf_token": csrf_token(browser, "/auth/password")})
    assert response.status_code == 302
    assert is_logged_in(browser)  # the cookie was renewed with the new generation
    assert not is_logged_in(stolen)
    assert login(app.test_client(), "eva", NEW_PASSWORD).status_code == 302


def test_set_password_on_the_command_line_ends_the_sessions(app, runner, factory, session):
    setup_eva(factory, session)
    browser = logged_in(app)
    result = runner.invoke(args=["set-password", "eva", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "sessions are ended" in result.output
    assert not is_logged_in(browser)
    session.expire_all()
    audit_actions = [e.action for e in accounts_events(session)]
    assert "password" in audit_actions


def accounts_events(session):  # type: ignore[no-untyped-def]
    from casecoder.models import AuditEvent
    return session.scalars(select(AuditEvent).where(AuditEvent.entity == "user").order_by(AuditEvent.id)).all()


def test_an_administrator_resetting_the_password_ends_the_sessions(app, factory, session):
    setup_eva(factory, session)
    admin = factory.user("root", admin=True)
    session.commit()
    browser = logged_in(app)
    accounts.reset_password(session, admin, session.scalars(select(User).where(User.username == "eva")).one(),
                            NEW_PASSWORD)
    session.commit()
    assert not is_logged_in(browser)


def test_deactivation_ends_the_sessions_and_reactivation_does_not_bring_them_back(app, runner, factory, session):
    setup_eva(factory, session)
    browser = logged_in(app)
    assert runner.invoke(args=["deactivate-user", "eva"]).exit_code == 0
    assert not is_logged_in(browser)
    assert login(app.test_client(), "eva", PASSWORD).status_code == 401
    assert runner.invoke(args=["reactivate-user", "eva"]).exit_code == 0
    assert not is_logged_in(browser)  # the old cookie stays dead
    assert is_logged_in(logged_in(app))


def test_a_removed_member_replaying_their_cookie_gets_404_on_that_project(app, runner, factory, session):
    owner = factory.user("ole")
    project = factory.project("proj", owner)
    accounts.add_member(session, project, factory.user("eva"), "coder", actor=owner)
    factory.project("other", session.scalars(select(User).where(User.username == "eva")).one())
    session.commit()
    browser = logged_in(app)
    stolen = replay(app, browser)
    assert browser.get("/p/proj/").status_code == 200
    result = runner.invoke(args=["remove-member", "proj", "eva"])
    assert result.exit_code == 0, result.output
    for client in (browser, stolen):
        assert client.get("/p/proj/").status_code == 404
        assert client.get("/api/projects/proj/tally").status_code == 404
        assert client.get("/p/other/").status_code == 200  # still logged in, and member elsewhere


def test_a_forged_or_old_style_login_id_logs_nobody_in(app, factory, session):
    setup_eva(factory, session)
    eva = session.scalars(select(User).where(User.username == "eva")).one()
    for login_id in (str(eva.id), f"{eva.id}:", f"{eva.id}:x", f"{eva.id}:{eva.session_generation + 1}",
                     f"99999999999:{eva.session_generation}", "²:0", ":0"):
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["_user_id"] = login_id
        assert not is_logged_in(client), login_id
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = eva.get_id()
    assert is_logged_in(client)


def test_a_leading_space_gets_no_fresh_tries(app, factory, session):
    setup_eva(factory, session)
    client = app.test_client()
    for name in ("eva", " eva", "eva ", "\teva", "  eva  "):
        assert login(client, name, "wrong password").status_code == 401
    assert set(session.scalars(select(LoginFailure.username))) == {"eva"}
    assert login(client, " eva", PASSWORD).status_code == 429
    assert login(client, "eva", PASSWORD).status_code == 429


def test_wrong_current_passwords_are_limited_too(app, factory, session):
    setup_eva(factory, session)
    browser = logged_in(app)
    token = csrf_token(browser, "/auth/password")
    for _ in range(login_limit.PER_USERNAME):
        response = browser.post("/auth/password", data={
            "current": "wrong password", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": token})
        assert response.status_code == 400
    right = browser.post("/auth/password", data={
        "current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD, "csrf_token": token})
    assert right.status_code == 429
    assert "Too many failed logins" in right.get_data(as_text=True) or "For mange" in right.get_data(as_text=True)
    assert login(app.test_client(), "eva", PASSWORD).status_code == 429  # one count for both doors
    session.expire_all()
    eva = session.scalars(select(User).where(User.username == "eva")).one()
    assert accounts.check_password(eva, PASSWORD)  # the password did not change


def test_an_administrator_resetting_their_own_password_stays_logged_in_here_only(app, factory, session):
    setup_eva(factory, session)
    root = factory.user("root", admin=True)
    factory.project("rootproj", root)
    session.commit()
    browser = logged_in(app, "root")
    stolen = replay(app, browser)
    response = browser.post(f"/admin/users/{root.id}/password", data={
        "password": NEW_PASSWORD, "csrf_token": csrf_token(browser, f"/admin/users/{root.id}/password")})
    assert response.status_code == 200
    assert browser.get("/p/rootproj/").status_code == 200
    assert stolen.get("/p/rootproj/").status_code == 302
