"""Login required on every route, membership enforced by id, CSRF on every form and JSON call."""
from __future__ import annotations

from casecoder.web import PUBLIC_ENDPOINTS
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

DUMMY = {"slug": "proj", "case_id": 1, "source_id": 1, "code_id": 1, "excerpt_id": 1, "filename": "x.css",
         "key": "H1", "fmt": "svg", "chain_id": 1, "kind": "tally", "measure": "family",
         "user_id": 1, "person_id": 1, "verb": "mark", "job_id": 1}


def all_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_but_login_and_healthz_needs_a_user(app, client, factory):
    factory.coded_project("proj")
    checked = 0
    for rule, method in all_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule.build(DUMMY, append_unknown=False)[1]
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code in (401, 400), (method, url, response.status_code)
            if response.status_code == 400:  # a state-changing call is refused even before login: no CSRF token
                assert method != "GET"
        else:
            assert response.status_code in (302, 400), (method, url, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"], url
            else:
                assert method == "POST"  # refused for the missing CSRF token before anything else
        checked += 1
    assert checked >= 12
    assert PUBLIC_ENDPOINTS == {"auth.login", "health.healthz", "i18n.set_language", "static"}


def test_healthz_and_login_are_public(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/auth/login").status_code == 200


def test_login_logout_and_wrong_password(client, factory):
    factory.coded_project("proj")
    bad = login(client, "owner-proj", "wrong password!")
    assert bad.status_code == 401
    assert client.get("/").status_code == 302
    good = login(client, "owner-proj", PASSWORD)
    assert good.status_code == 302 and good.headers["Location"] == "/"
    assert "Project proj" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_login_does_not_redirect_off_site(client, factory):
    factory.coded_project("proj")
    token = csrf_token(client)
    response = client.post("/auth/login", data={"username": "owner-proj", "password": PASSWORD,
                                                "csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_change_password(client, factory):
    factory.coded_project("proj")
    login(client, "owner-proj", PASSWORD)
    token = csrf_token(client, "/auth/password")
    wrong = client.post("/auth/password", data={"csrf_token": token, "current": "nope nope nope",
                                                "new": "a new long password", "repeat": "a new long password"})
    assert wrong.status_code == 400
    ok = client.post("/auth/password", data={"csrf_token": token, "current": PASSWORD,
                                             "new": "a new long password", "repeat": "a new long password"})
    assert ok.status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, "owner-proj", PASSWORD).status_code == 401
    assert login(client, "owner-proj", "a new long password").status_code == 302


def two_projects(factory, session):
    project_a, owner_a, excerpt_a = factory.coded_project("alpha")
    project_b, owner_b, excerpt_b = factory.coded_project("beta")
    session.commit()
    return (project_a, owner_a, excerpt_a), (project_b, owner_b, excerpt_b)


def test_member_of_a_gets_404_for_everything_of_b(client, factory, session):
    (pa, ua, ea), (pb, ub, eb) = two_projects(factory, session)
    login(client, ua.username, PASSWORD)
    b_code = factory.code(pb, "H1.4")
    # B's own URLs
    for url in ["/p/beta/", "/p/beta/codebook", f"/p/beta/cases/{eb.case_id}", f"/p/beta/sources/{eb.source_id}",
                f"/p/beta/codes/{b_code.id}", "/p/beta/members", "/p/beta/audit", "/api/p/beta/codes",
                f"/api/p/beta/excerpts/{eb.id}"]:
        assert client.get(url).status_code == 404, url
    # B's ids under A's slug
    for url in [f"/p/alpha/cases/{eb.case_id}", f"/p/alpha/sources/{eb.source_id}", f"/p/alpha/codes/{b_code.id}",
                f"/api/p/alpha/excerpts/{eb.id}"]:
        assert client.get(url).status_code == 404, url
    # ... and A's own objects are there
    for url in [f"/p/alpha/cases/{ea.case_id}", f"/p/alpha/sources/{ea.source_id}", f"/api/p/alpha/excerpts/{ea.id}"]:
        assert client.get(url).status_code == 200, url
    token = csrf_token(client, "/")
    headers = {"X-CSRFToken": token}
    assert client.delete(f"/api/p/alpha/excerpts/{eb.id}", headers=headers).status_code == 404
    assert client.delete(f"/api/p/beta/excerpts/{eb.id}", headers=headers).status_code == 404
    created = client.post("/api/p/alpha/excerpts", headers=headers,
                          json={"source_id": eb.source_id, "start": 0, "end": 5, "codes": ["H1.1"]})
    assert created.status_code == 404
    assert client.get(f"/api/p/beta/excerpts/{eb.id}").status_code == 404
    assert "beta" not in client.get("/").get_data(as_text=True)


def test_roles_limit_what_members_may_do(client, factory, session):
    from casecoder.coding import accounts
    project, owner, excerpt = factory.coded_project("proj")
    reader = factory.user("rita")
    accounts.add_member(session, project, reader, "reader")
    session.commit()
    login(client, "rita", PASSWORD)
    assert client.get("/p/proj/").status_code == 200
    assert client.get("/p/proj/members").status_code == 403
    headers = {"X-CSRFToken": csrf_token(client, "/p/proj/")}
    response = client.post("/api/p/proj/excerpts", headers=headers,
                           json={"source_id": excerpt.source_id, "start": 0, "end": 5, "codes": ["H1.1"]})
    assert response.status_code == 403


def test_csrf_is_required_on_forms_and_json(client, factory):
    project, owner, excerpt = factory.coded_project("proj")
    # form without token
    response = client.post("/auth/login", data={"username": owner.username, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in
    login(client, owner.username, PASSWORD)
    body = {"source_id": excerpt.source_id, "start": 0, "end": 11, "codes": [{"code": "H1.1"}]}
    assert client.post("/api/p/proj/excerpts", json=body).status_code == 400
    assert client.post("/api/p/proj/excerpts", json=body, headers={"X-CSRFToken": "forged"}).status_code == 400
    good = client.post("/api/p/proj/excerpts", json=body, headers={"X-CSRFToken": csrf_token(client, "/")})
    assert good.status_code == 201, good.get_data(as_text=True)
    assert good.get_json()["text"] == "Interviewer"
    assert client.delete(f"/api/p/proj/excerpts/{good.get_json()['id']}").status_code == 400
    assert client.post("/language", data={"language": "en"}).status_code == 400


def test_bad_json_input_gets_a_clear_message_and_stores_nothing(client, factory):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    response = client.post("/api/p/proj/excerpts", headers=headers,
                           json={"source_id": excerpt.source_id, "start": 0, "end": 10_000, "codes": ["H1.1"]})
    assert response.status_code == 400
    assert "is not inside the transcript" in response.get_json()["error"]
    response = client.post("/api/p/proj/excerpts", headers=headers,
                           json={"source_id": excerpt.source_id, "start": 0, "end": 5, "codes": ["H1.1", "NOPE"]})
    assert response.status_code == 400 and "NOPE" in response.get_json()["error"]
    listing = client.get(f"/api/p/proj/sources/{excerpt.source_id}/excerpts").get_json()
    assert [e["id"] for e in listing] == [excerpt.id]
