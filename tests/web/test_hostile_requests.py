"""Issue #10, "Hostile and broken input": requests (the uploads are in ``test_hostile_uploads.py``, whose
docstring maps every item of the issue to its tests).

Every test runs on SQLite and PostgreSQL, through the real HTTP client with real CSRF tokens; each
refusal is a 4xx answer naming what was wrong, and the database is unchanged afterwards (``snapshot``).

- Offsets out of range / reversed / empty / negative / non-integer / bool / huge, on create and on PATCH ->
  ``test_bad_offsets_on_create``, ``test_bad_offsets_on_patch``, ``test_bad_json_bodies``,
  ``test_invalid_json_and_wrong_shapes_never_give_500`` (also the chains API, ids beyond the database's integers),
  ``test_codes_of_the_wrong_shape_get_a_message``;
  also test_web_access.py::test_bad_json_input_gets_a_clear_message_and_stores_nothing.
- Excerpt on a deleted source -> ``test_excerpt_on_a_deleted_source``.
- Code keys with markup -> test_hostile_markup.py::``test_code_keys_with_markup_are_refused`` (YAML codebook,
  bundle codes.csv and cases.csv; the .qdc import makes a safe key from a name with markup and shows the name
  escaped: ``test_qdc_code_names_with_markup_are_escaped``).
- User text with markup never rendered unescaped (transcripts and their file names, excerpt/case/code memos, code
  labels, project titles, chain titles, interviewee roles; every project page of the url_map, and SVG figures) ->
  test_hostile_markup.py::``test_user_markup_is_escaped_on_every_page``; templates never use ``|safe`` and embed
  JSON with ``|tojson`` (test_security_headers.py::test_no_template_has_inline_script_or_event_handlers).
- 10,000 codes -> ``test_ten_thousand_codes``.
- Another project's object by id: 404 on every route of the url_map (the other project's URL, and its ids under
  the user's own project, in the path, in form fields and in JSON bodies) -> ``test_other_projects_objects_are_404``,
  ``test_out_of_range_ids_are_404``; also test_web_access.py::test_member_of_a_gets_404_for_everything_of_b.
- Missing CSRF token on every state-changing route -> ``test_every_state_changing_route_needs_the_csrf_token``;
  also test_web_access.py::test_csrf_is_required_on_forms_and_json.
"""
from __future__ import annotations

import html

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from bench.hostile import insert_codes
from casecoder.coding import accounts, cases, chains
from casecoder.models import Case, Code, Excerpt, Interviewee
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD
from tests.web.test_hostile_uploads import snapshot


def api_headers(client, page: str = "/") -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"X-CSRFToken": csrf_token(client, page)}


# -- offsets ------------------------------------------------------------------------------------------

BAD_SPANS = [
    ({"start": 0, "end": 10_000}, "is not inside the transcript"),
    ({"start": 20, "end": 10}, "is not inside the transcript"),
    ({"start": 10, "end": 10}, "is not inside the transcript"),
    ({"start": -5, "end": 10}, "is not inside the transcript"),
    ({"start": 0, "end": 2**70}, "is not inside the transcript"),
    ({"start": "0", "end": 10}, "start must be a whole number"),
    ({"start": 0, "end": 10.5}, "end must be a whole number"),
    ({"start": True, "end": 10}, "start must be a whole number"),
    ({"start": 0, "end": None}, "end must be a whole number"),
    ({"start": [0], "end": 10}, "start must be a whole number"),
]


# The cases of one test share its project and login: each refusal is checked to leave the database as it was,
# so the next case starts from the same state; the failing case is named in the assertion.

def test_bad_offsets_on_create(client, factory, engine):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    for span, message in BAD_SPANS:
        response = client.post("/api/p/proj/excerpts", headers=headers,
                               json={"source_id": excerpt.source_id, "codes": ["H1.1"], **span})
        assert response.status_code == 400, (span, response.get_data(as_text=True))
        assert message in response.get_json()["error"], span
        assert snapshot(engine) == before, span


def test_bad_offsets_on_patch(client, factory, engine, session):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    for span, message in BAD_SPANS + [({"start": 100}, "is not inside the transcript"),  # start after end
                                      ({"end": 1}, "is not inside the transcript")]:  # end before start
        response = client.patch(f"/api/p/proj/excerpts/{excerpt.id}", headers=headers, json=span)
        assert response.status_code == 400, (span, response.get_data(as_text=True))
        assert message in response.get_json()["error"], span
        assert snapshot(engine) == before, span
        session.expire_all()
        same = session.get(Excerpt, excerpt.id)
        assert (same.start_offset, same.end_offset, same.text) == (excerpt.start_offset, excerpt.end_offset,
                                                                   excerpt.text), span


BAD_BODIES = [
    ([1, 2], "must be a JSON object"),
    ("just a string", "must be a JSON object"),
    ({"source_id": "1", "start": 0, "end": 5, "codes": ["H1.1"]}, "source_id must be a whole number"),
    ({"source_id": None, "start": 0, "end": 5, "codes": ["H1.1"]}, "source_id must be a whole number"),
    ({"start": 0, "end": 5, "codes": []}, "Choose at least one code"),
    ({"start": 0, "end": 5, "codes": "H1.1"}, "Choose at least one code"),
    ({"start": 0, "end": 5, "codes": ["NOPE"]}, "There is no code 'NOPE'"),
    ({"start": 0, "end": 5, "codes": ["H1.1", "H1.4"] + [f"X{i}" for i in range(200)]}, "There is no code 'X0'"),
    ({"start": 0, "end": 5, "codes": [{"direction": "nuances"}]}, "Each code must be a code key"),
    ({"start": 0, "end": 5, "codes": ["H1.1", 7]}, "Each code must be a code key"),
    ({"start": 0, "end": 5, "codes": [{"code": "H1.1", "direction": "sideways"}]}, "'sideways' is not one of"),
    ({"start": 0, "end": 5, "codes": ["H1.1"], "case_id": "x"}, "case_id must be a whole number"),
    ({"start": 0, "end": 1, "codes": ["H1.1"]}, None),  # one char: fine (the sanity check of this list; last)
]


def test_bad_json_bodies(client, factory, engine):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    for body, message in BAD_BODIES:
        if isinstance(body, dict) and "source_id" not in body:
            body = {"source_id": excerpt.source_id, **body}
        response = client.post("/api/p/proj/excerpts", headers=headers, json=body)
        if message is None:
            assert response.status_code == 201, response.get_data(as_text=True)
            continue
        assert response.status_code == 400, (body, response.get_data(as_text=True))
        assert message in response.get_json()["error"], body
        assert snapshot(engine) == before, body


def test_invalid_json_and_wrong_shapes_never_give_500(client, factory, engine):
    """Bodies a script would never send: each is a 4xx with a message, and nothing changes."""
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    base = {"source_id": excerpt.source_id, "start": 0, "end": 5}
    attempts = [
        ("post", "/api/p/proj/excerpts", {"data": b"{not json", "content_type": "application/json"}),
        ("post", "/api/p/proj/excerpts", {"json": {**base, "source_id": 2**70, "codes": ["H1.1"]}}),
        ("post", "/api/p/proj/excerpts", {"json": {**base, "source_id": 2**40, "codes": ["H1.1"]}}),
        ("post", "/api/p/proj/excerpts", {"json": {**base, "case_id": 2**40, "codes": ["H1.1"]}}),
        ("patch", f"/api/p/proj/excerpts/{excerpt.id}", {"json": {"case_id": 2**40}}),
        ("post", "/api/p/proj/chains", {"json": [1, 2]}),
        ("post", "/api/p/proj/chains", {"json": {"title": "x", "keys": "H1.1", "arrows": 7}}),
        ("post", "/api/p/proj/chains/preview", {"json": [1, 2]}),
        ("post", "/api/p/proj/chains/preview.svg", {"json": "x"}),
        ("put", "/api/p/proj/chains/1", {"json": [1]}),
    ]
    failures = [failure for method, url, kwargs in attempts
                if (failure := _not_a_clear_4xx(client, method, url, headers, kwargs))]
    assert not failures, "\n".join(map(str, failures))
    assert snapshot(engine) == before


def _not_a_clear_4xx(client, method, url, headers, kwargs):  # type: ignore[no-untyped-def]
    """None when the answer is a 4xx JSON with an error message; else what it was (the test client raises a 500)."""
    try:
        response = getattr(client, method)(url, headers=headers, **kwargs)
    except Exception as exc:
        return (method, url, kwargs, f"500: {exc!r}")
    if 400 <= response.status_code < 500 and response.is_json and response.get_json().get("error"):
        return None
    return (method, url, kwargs, response.status_code, response.get_data(as_text=True)[:200])


def test_codes_of_the_wrong_shape_get_a_message(client, factory, engine):
    project, owner, excerpt = factory.coded_project("proj")
    login(client, owner.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    failures = [failure for codes in ([["H1.1"]], [{"code": ["H1.1"]}], [{"code": {"x": 1}}])
                for method, url, body in [
        ("post", "/api/p/proj/excerpts", {"source_id": excerpt.source_id, "start": 0, "end": 5, "codes": codes}),
        ("patch", f"/api/p/proj/excerpts/{excerpt.id}", {"codes": codes})]
        if (failure := _not_a_clear_4xx(client, method, url, headers, {"json": body}))]
    assert snapshot(engine) == before
    assert not failures, failures


# -- an excerpt on a deleted source ---------------------------------------------------------------------

def test_excerpt_on_a_deleted_source(client, factory, engine, session):
    project, owner, excerpt = factory.coded_project("proj")
    case = session.get(Case, excerpt.case_id)
    doomed = factory.source(project, [case], title="Doomed")
    doomed_excerpt = factory.excerpt(owner, doomed, "Min koordinator", [(factory.code(project, "H1.1"), "supports")])
    session.commit()
    source_id, excerpt_id = doomed.id, doomed_excerpt.id
    login(client, owner.username, PASSWORD)
    headers = api_headers(client, f"/p/proj/sources/{source_id}")  # the page was open when the source went
    session.delete(doomed)
    session.commit()
    before = snapshot(engine)
    created = client.post("/api/p/proj/excerpts", headers=headers,
                          json={"source_id": source_id, "start": 0, "end": 5, "codes": ["H1.1"]})
    assert created.status_code == 404 and "There is nothing here" in created.get_json()["error"]
    patched = client.patch(f"/api/p/proj/excerpts/{excerpt_id}", headers=headers, json={"start": 0, "end": 3})
    assert patched.status_code == 404 and "There is nothing here" in patched.get_json()["error"]
    for url in (f"/p/proj/sources/{source_id}", f"/api/p/proj/sources/{source_id}/excerpts",
                f"/api/p/proj/excerpts/{excerpt_id}"):
        assert client.get(url).status_code == 404, url
    assert client.delete(f"/api/p/proj/excerpts/{excerpt_id}", headers=headers).status_code == 404
    assert snapshot(engine) == before


# -- 10,000 codes ------------------------------------------------------------------------------------------

def test_ten_thousand_codes(client, factory, session):
    owner = factory.user("owner")
    project = factory.project("many", owner, codebook=False)
    case = factory.case(project)
    source = factory.source(project, [case])
    session.flush()
    insert_codes(session, project.id)
    session.commit()
    assert session.scalar(select(func.count(Code.id)).where(Code.project_id == project.id)) == 10_000
    login(client, owner.username, PASSWORD)
    for url in ("/p/many/codebook", "/p/many/tally", f"/p/many/sources/{source.id}", "/api/p/many/codes"):
        with client.get(url) as response:
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
        assert response.is_json or "<i>x</i>" not in body, url
        if url.startswith(("/p/many/sources", "/api/")):
            assert "C09899" in body and body.count('"key"') >= 10_000, url
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "C09899"))
    created = client.post("/api/p/many/excerpts", headers=api_headers(client),
                          json={"source_id": source.id, "start": 0, "end": 11, "codes": [code.key]})
    assert created.status_code == 201  # how long these pages take: bench/hostile.py


# -- another project's objects -------------------------------------------------------------------------------

def two_projects(factory, session):  # type: ignore[no-untyped-def]
    """Project A (the user's) and B (not), each with a case, source, excerpt, code and chain."""
    out = []
    for slug in ("alpha", "beta"):
        project, owner, excerpt = factory.coded_project(slug)
        chain = chains.save_chain(session, project, owner, title="Kæde", keys=["H1.1", "H1.2"], arrows=["both-and"])
        cases.create_interviewee(session, project, "P01", "Casemanager", "system")  # person_id (web/cases.py)
        session.commit()
        out.append((project, owner, excerpt, chain))
    return out


def object_params(excerpt: Excerpt, chain, code: Code) -> dict[str, object]:  # type: ignore[no-untyped-def]
    person = select(Interviewee.id).where(Interviewee.project_id == excerpt.project_id)
    return {"case_id": excerpt.case_id, "source_id": excerpt.source_id, "excerpt_id": excerpt.id,
            "code_id": code.id, "chain_id": chain.id, "person_id": object_session(excerpt).scalar(person),
            "user_id": excerpt.created_by_id}  # the project's owner: a member there, and of no other project


OTHER_PARAMS = {"key": "H1", "fmt": "svg", "kind": "tally", "filename": "x.css", "measure": "family", "verb": "mark"}


def project_rules(app):  # type: ignore[no-untyped-def]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "slug" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_other_projects_objects_are_404(app, client, factory, session, engine):
    (pa, ua, ea, ca), (pb, ub, eb, cb) = two_projects(factory, session)
    theirs = object_params(eb, cb, factory.code(pb, "H1.4"))
    login(client, ua.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    checked, failures = 0, []
    for rule, method in project_rules(app):
        unknown = rule.arguments - {"slug"} - set(theirs) - set(OTHER_PARAMS)
        assert not unknown, f"{rule.rule}: add an object of the other project for {unknown} to this test"
        targets = [{"slug": "beta"}]  # the other project's own URL
        if rule.arguments & set(theirs):
            targets.append({"slug": "alpha"})  # the other project's ids under the user's own project
        for target in targets:
            url = rule.build({**OTHER_PARAMS, **theirs, **target}, append_unknown=False)[1]
            response = client.open(url, method=method, headers=headers,
                                   data={"csrf_token": headers["X-CSRFToken"], "memo": "x", "confirm": "y"}
                                   if method == "POST" and not url.startswith("/api/") else None,
                                   json={"title": "x", "keys": ["H1.1"], "arrows": [], "start": 0, "end": 3,
                                         "codes": ["H1.1"], "source_id": theirs["source_id"]}
                                   if url.startswith("/api/") and method != "GET" else None)
            with response:
                if response.status_code != 404:
                    failures.append((method, url, response.status_code))
                elif url.startswith("/api/"):
                    assert response.get_json()["error"], url
                else:
                    assert "There is nothing here" in response.get_data(as_text=True), url
            checked += 1
    assert not failures, failures
    assert checked >= 60
    # ids of the other project inside form fields and JSON bodies of the user's own project
    for url, kwargs in [
        ("/api/p/alpha/excerpts", {"json": {"source_id": ea.source_id, "start": 0, "end": 3, "codes": ["H1.1"],
                                            "case_id": eb.case_id}}),
        (f"/api/p/alpha/excerpts/{ea.id}", {"json": {"case_id": eb.case_id}, "method": "PATCH"}),
        ("/p/alpha/agreement/reconcile", {"data": {"csrf_token": headers["X-CSRFToken"], "case_id": eb.case_id,
                                                   "code_id": theirs["code_id"], "decision": "note"}}),
        ("/p/alpha/double-coding/mark", {"data": {"csrf_token": headers["X-CSRFToken"],
                                                  "source": str(eb.source_id)}}),
    ]:
        method = kwargs.pop("method", "POST")
        response = client.open(url, method=method, headers=headers, **kwargs)
        assert response.status_code == 404, (url, response.status_code)
    assert snapshot(engine) == before


def test_out_of_range_ids_are_404(app, client, factory, session, engine):
    """Ids beyond the INTEGER id columns (2**31 - 1) are "not found" on both databases, not a 400 or a 500."""
    (pa, ua, ea, ca), _ = two_projects(factory, session)
    login(client, ua.username, PASSWORD)
    headers = api_headers(client)
    before = snapshot(engine)
    failures = []
    for huge in (2**31, 2**63, 10**30):
        for rule, method in project_rules(app):
            ids = rule.arguments & {"case_id", "source_id", "excerpt_id", "code_id", "chain_id", "person_id", "user_id"}
            if not ids:
                continue
            url = rule.build({**OTHER_PARAMS, "slug": "alpha", **{i: huge for i in ids}}, append_unknown=False)[1]
            with client.open(url, method=method, headers=headers,
                             data={"csrf_token": headers["X-CSRFToken"]} if method == "POST" else None) as response:
                if response.status_code != 404:
                    failures.append((method, url, response.status_code))
    assert not failures, failures
    assert snapshot(engine) == before


# -- CSRF --------------------------------------------------------------------------------------------------

def test_every_state_changing_route_needs_the_csrf_token(app, client, factory, session, engine):
    (pa, ua, ea, ca), _ = two_projects(factory, session)
    accounts.get_user(session, ua.username).is_admin = True
    session.commit()
    login(client, ua.username, PASSWORD)
    mine = object_params(ea, ca, factory.code(pa, "H1.4"))
    before = snapshot(engine)
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            if rule.endpoint == "auth.login":
                continue  # needs no user; test_web_access checks its token
            url = rule.build({**OTHER_PARAMS, **mine, "slug": "alpha"}, append_unknown=False)[1]
            for kwargs in ({"data": {"memo": "x", "title": "x", "slug": "new-one", "username": "x"}},
                           {"json": {"title": "x", "keys": ["H1.1"], "arrows": [], "start": 0, "end": 3,
                                     "codes": ["H1.1"], "source_id": mine["source_id"]}},
                           {"json": {}, "headers": {"X-CSRFToken": "forged"}}):
                response = client.open(url, method=method, **kwargs)
                text = response.get_json()["error"] if response.is_json else html.unescape(response.get_data(as_text=True))
                assert response.status_code == 400, (method, url, kwargs, response.status_code)
                assert "security token was missing or expired" in text, (method, url)
            checked += 1
    assert checked >= 20
    assert snapshot(engine) == before
    assert client.get("/p/alpha/").status_code == 200  # still logged in: the refusals changed nothing
