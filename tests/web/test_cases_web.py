"""The cases and interviewees pages through HTTP (web/cases.py, issue #20): the list with counts, sort and
filter; create, edit, delete with a confirmation that gives the counts; refusals next to their field with what
was typed kept; who may do what. SQLite and PostgreSQL."""
from __future__ import annotations

import html as html_module
import re

from sqlalchemy import select

from casecoder.coding import accounts, cases
from casecoder.models import AuditEvent, Case, Excerpt, Interviewee, Source
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def setup(session, factory):  # type: ignore[no-untyped-def]
    eva, rita = factory.user("eva"), factory.user("rita")
    project = factory.project("proj", eva)
    accounts.add_member(session, project, rita, "reader")
    other = factory.project("other", factory.user("olga"))
    stranger = factory.case(other, "X01")
    f01, f02 = factory.case(project, "F01"), factory.case(project, "F02", "Sydby")
    children = cases.define_attribute(session, project, "children", "integer")
    cases.set_attribute(session, f01, children, 3)
    source = factory.source(project, [f01, f02], title="Familien F")
    factory.excerpt(eva, source, "Det gav ro.", [(factory.code(project, "H1.4"), "supports")], case=f01)
    person = cases.create_interviewee(session, project, "P01", "Casemanager", "system", "Nordby")
    source.interviewees = [person]
    session.commit()
    return project, (f01, f02, stranger), children, source


def row_cells(html: str, key: str) -> list[str]:
    row = re.search(rf'<tr data-(?:case|person)="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert row, f"no row {key}"
    return [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="{name}"[^>]*>\s*(?:</select>)?\s*<span class="error">([^<]*)</span>', html, re.S)
    if not found:   # a select's options sit between the input and its message
        found = re.search(rf'id="{name}".*?</select>\s*<span class="error">([^<]*)</span>', html, re.S)
    assert found, f"no message next to {name}"
    return html_module.unescape(found.group(1))


def test_list_sort_filter_and_who_may(client, session, factory):
    project, (f01, f02, stranger), children, _source = setup(session, factory)
    login(client, "eva", PASSWORD)
    html = client.get("/p/proj/cases").get_data(as_text=True)
    assert row_cells(html, "F01")[:6] == ["F01", "Nordby", "3", "1", "0", "1"]
    assert row_cells(html, "F02")[:6] == ["F02", "Sydby", "—", "1", "0", "0"]
    assert f'href="/p/proj/cases/{f01.id}"' in html and f'/p/proj/cases/{f01.id}/edit' in html
    filtered = client.get("/p/proj/cases?municipality=Sydby").get_data(as_text=True)
    assert 'data-case="F02"' in filtered and 'data-case="F01"' not in filtered and "1 of 2 cases" in filtered
    assert 'data-case="F01"' not in client.get("/p/proj/cases?q=2").get_data(as_text=True)
    desc = client.get(f"/p/proj/cases?sort=attr-{children.id}&desc=1").get_data(as_text=True)
    assert desc.index('data-case="F01"') < desc.index('data-case="F02"')
    assert client.get(f"/p/proj/cases/{stranger.id}/edit").status_code == 404   # another project's case
    assert client.get("/p/other/cases").status_code == 404                      # not a member

    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/p/proj/cases")})
    login(client, "rita", PASSWORD)
    html = client.get("/p/proj/cases").get_data(as_text=True)
    assert 'data-case="F01"' in html and "/edit" not in html and "New case" not in html
    people = client.get("/p/proj/people").get_data(as_text=True)
    assert row_cells(people, "P01")[:5] == ["P01", "Casemanager", "system", "Nordby", "Familien F"]
    token = csrf_token(client, "/p/proj/cases")
    for url in ("/p/proj/cases/new", f"/p/proj/cases/{f01.id}/edit", f"/p/proj/cases/{f01.id}/delete",
                "/p/proj/people/new"):
        assert client.get(url).status_code == 403
        assert client.post(url, data={"csrf_token": token, "key": "Z"}).status_code == 403
    assert session.scalar(select(Case.id).where(Case.id == f01.id)) is not None


def test_create_and_edit_with_refusals_next_to_the_field(client, session, factory):
    project, (f01, f02, _stranger), children, _source = setup(session, factory)
    login(client, "eva", PASSWORD)
    form = client.get("/p/proj/cases/new").get_data(as_text=True)
    assert f'name="attr_{children.id}"' in form and 'inputmode="numeric"' in form
    token = csrf_token(client, "/p/proj/cases/new")
    typed = {"csrf_token": token, "key": "F01", "municipality": "Østby", f"attr_{children.id}": "2",
             "new_name": "who5", "new_type": "number", "new_value": "41,5"}
    refused = client.post("/p/proj/cases/new", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert field_error(html, "key") == "Case 'F01' already exists in this project"
    assert 'value="Østby"' in html and 'value="41,5"' in html and 'value="who5"' in html   # kept
    bad = client.post("/p/proj/cases/new", data={**typed, "key": "F03", f"attr_{children.id}": "to"})
    assert bad.status_code == 400 and "is not a valid integer" in field_error(bad.get_data(as_text=True),
                                                                              f"attr_{children.id}")
    assert client.post("/p/proj/cases/new", data={**typed, "key": "F03"}).status_code == 302
    session.expire_all()
    f03 = session.scalars(select(Case).where(Case.key == "F03")).one()
    assert cases.case_snapshot(session, f03)["attributes"] == {"children": 2, "who5": 41.5}

    edit = client.get(f"/p/proj/cases/{f03.id}/edit").get_data(as_text=True)
    assert 'value="F03"' in edit and 'value="41.5"' in edit
    moved = client.post(f"/p/proj/cases/{f03.id}/edit", data={
        "csrf_token": token, "key": "F02", "municipality": "Vestby"})
    assert moved.status_code == 400
    assert field_error(moved.get_data(as_text=True), "key") == "Case 'F02' already exists in this project"
    saved = client.post(f"/p/proj/cases/{f03.id}/edit", data={
        "csrf_token": token, "key": "F04", "municipality": "Vestby", f"attr_{children.id}": "",
        "new_name": "single", "new_type": "boolean", "new_value": "ja"})
    assert saved.status_code == 302
    session.expire_all()
    assert cases.case_snapshot(session, session.get(Case, f03.id)) == {
        "key": "F04", "municipality": "Vestby", "attributes": {"who5": 41.5, "single": True}}
    listing = client.get("/p/proj/cases?sort=key").get_data(as_text=True)
    assert "Case F04 saved." in listing and row_cells(listing, "F04")[2:5] == ["—", "41.5", "yes"]
    assert [a for (a,) in session.execute(select(AuditEvent.action).where(AuditEvent.entity == "case"))] == [
        "create", "update"]


def test_delete_asks_with_the_counts(client, session, factory):
    project, (f01, f02, _stranger), _children, source = setup(session, factory)
    login(client, "eva", PASSWORD)
    f01_id = f01.id
    page = client.get(f"/p/proj/cases/{f01.id}/delete").get_data(as_text=True)
    assert "1 excerpt about this case is deleted with its codings (1)." in page
    assert "1 transcript stays but no longer names this case" in page and "Familien F" in page
    assert "will have no case left" not in page   # the transcript keeps F02
    empty = client.get(f"/p/proj/cases/{f02.id}/delete").get_data(as_text=True)
    assert "excerpts about this case" not in empty
    token = csrf_token(client, f"/p/proj/cases/{f01.id}/delete")
    assert client.post(f"/p/proj/cases/{f01.id}/delete", data={}).status_code == 400   # no token: nothing
    done = client.post(f"/p/proj/cases/{f01.id}/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "Case F01 deleted. 1 excerpt about it was deleted with its codings (1). 1 transcript no longer names it." in \
        done.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Case.key).where(Case.project_id == project.id)).all() == ["F02"]
    assert [c.key for c in session.get(Source, source.id).cases] == ["F02"]
    assert session.scalars(select(Excerpt.id)).all() == []
    assert session.scalar(select(AuditEvent.entity).where(AuditEvent.action == "delete")
                          .order_by(AuditEvent.id.desc()).limit(1)) == "case"
    assert client.get(f"/p/proj/cases/{f01_id}/delete").status_code == 404


def test_interviewees_create_edit_delete(client, session, factory):
    project, _cases, _children, source = setup(session, factory)
    login(client, "eva", PASSWORD)
    form = client.get("/p/proj/people/new").get_data(as_text=True)
    assert '<datalist id="roles"><option value="Casemanager">' in form and 'list="roles"' in form
    token = csrf_token(client, "/p/proj/people/new")
    typed = {"csrf_token": token, "key": "P01", "role": "Mor", "perspective": "family", "municipality": "Sydby"}
    refused = client.post("/p/proj/people/new", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and field_error(html, "key") == "Interviewee 'P01' already exists in this project"
    assert 'value="Mor"' in html and 'value="Sydby"' in html and '<option selected value="family">' in html
    no_role = client.post("/p/proj/people/new", data={**typed, "key": "M01", "role": " "})
    assert no_role.status_code == 400 and field_error(no_role.get_data(as_text=True), "role") == \
        "Role must not be empty"
    assert client.post("/p/proj/people/new", data={**typed, "key": "M01"}).status_code == 302
    session.expire_all()
    mor = session.scalars(select(Interviewee).where(Interviewee.key == "M01")).one()
    assert (mor.role, mor.perspective.value, mor.municipality) == ("Mor", "family", "Sydby")
    anna = session.scalars(select(Interviewee).where(Interviewee.key == "P01")).one()
    assert client.post(f"/p/proj/people/{anna.id}/edit", data={**typed, "key": "P02", "role": "Jobrådgiver",
                                                               "perspective": "system"}).status_code == 302
    people = client.get("/p/proj/people").get_data(as_text=True)
    assert row_cells(people, "P02")[:5] == ["P02", "Jobrådgiver", "system", "Sydby", "Familien F"]
    ask = client.get(f"/p/proj/people/{anna.id}/delete").get_data(as_text=True)
    assert "1 transcript stays but no longer names this interviewee" in ask and "Familien F" in ask
    assert client.post(f"/p/proj/people/{anna.id}/delete", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert session.scalars(select(Interviewee.key)).all() == ["M01"]
    assert session.get(Source, source.id).interviewees == []
    assert [a for (a,) in session.execute(select(AuditEvent.action).where(AuditEvent.entity == "interviewee")
                                          .order_by(AuditEvent.id))] == ["create", "update", "delete"]
