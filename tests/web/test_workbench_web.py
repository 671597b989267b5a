"""Import, excerpt editing, excerpt list, search and memos through the real HTTP client."""
from __future__ import annotations

import io
import re

import docx
import pytest
from sqlalchemy import func, select

from casecoder.models import AuditEvent, Case, Code, Coding, Excerpt, Source
from tests.conftest import csrf_token


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(client, files, token, **meta):
    data = {"csrf_token": token, "perspective": "family", **meta,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/p/demo/transcripts", data=data, headers={"X-CSRFToken": token},
                       content_type="multipart/form-data")


def test_upload_one_file_per_request_with_metadata(client, demo, session):
    token = csrf_token(client, "/p/demo/transcripts/new")
    case_id = session.scalar(select(Case.id).where(Case.key == "F01"))
    response = upload(client, [("mor F10.docx", docx_bytes("Interviewer: Hej", "Interviewperson: Hej 😀 med dig"))],
                      token, title="Interview med mor", cases=str(case_id), mode="visit",
                      interview_date="2026-05-01")
    assert response.status_code == 201, response.get_data(as_text=True)
    source = session.get(Source, response.get_json()["id"])
    assert source.title == "Interview med mor" and source.original_filename == "mor F10.docx"
    assert source.text == "Interviewer: Hej\nInterviewperson: Hej 😀 med dig"
    assert [c.key for c in source.cases] == ["F01"] and source.mode.value == "visit"
    assert str(source.interview_date) == "2026-05-01"
    again = upload(client, [("mor F10.docx", docx_bytes("Interviewer: Hej", "Interviewperson: Hej 😀 med dig"))],
                   token)
    # python-docx writes a new zip each time, so equal text is not the same file: the sha256 decides
    assert again.status_code in (201, 400)


@pytest.mark.parametrize("name,content,message", [
    ("tom.txt", b"", "'tom.txt' is empty"),
    ("gammel.doc", b"\xd0\xcf\x11\xe0 old word", "'gammel.doc' is not a supported file type"),
    ("skadet.docx", b"PK\x03\x04 not really a zip", "'skadet.docx' is not a valid Word document"),
    ("skadet.pdf", b"%PDF-1.4\n% truncated", "'skadet.pdf'"),
    ("binær.txt", b"\x00\x01\x81\x02binary", "'binær.txt' could not be decoded"),
])
def test_bad_files_get_a_clear_message_and_store_nothing(client, demo, session, name, content, message):
    before = session.scalar(select(func.count(Source.id)))
    response = upload(client, [(name, content)], csrf_token(client, "/p/demo/transcripts/new"))
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert session.scalar(select(func.count(Source.id))) == before


def test_the_same_file_twice_is_flagged(client, demo, session):
    token = csrf_token(client, "/p/demo/transcripts/new")
    content = "Interviewer: Hvordan går det?\nInterviewperson: Godt.\n".encode("cp1252")
    assert upload(client, [("a.txt", content)], token).status_code == 201
    second = upload(client, [("b.txt", content)], token)
    assert second.status_code == 400 and "'b.txt' was already imported as 'a'" in second.get_json()["error"]
    third = upload(client, [("b.txt", content)], token, allow_duplicate="y")
    assert third.status_code == 201


def test_batch_without_script_keeps_the_good_files_and_names_the_bad(client, demo, session):
    token = csrf_token(client, "/p/demo/transcripts/new")
    before = session.scalar(select(func.count(Source.id)))
    response = client.post("/p/demo/transcripts/new", content_type="multipart/form-data", data={
        "csrf_token": token, "perspective": "system",
        "files": [(io.BytesIO("Interviewer: En\n".encode()), "en.txt"), (io.BytesIO(b""), "tom.txt"),
                  (io.BytesIO("Interviewer: To\n".encode("utf-16")), "to.txt")]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Done: 2 imported, 1 failed." in page and "&#39;tom.txt&#39; is empty" in page
    assert session.scalar(select(func.count(Source.id))) == before + 2
    titles = set(session.scalars(select(Source.title).where(Source.perspective == "system")))
    assert {"en", "to"} <= titles


def test_workbench_page_carries_text_turns_excerpts_and_codes(client, demo, session):
    source = session.scalar(select(Source).where(Source.title.contains("F08")))
    page = client.get(f"/p/demo/sources/{source.id}").get_data(as_text=True)
    data = re.search(r'<script type="application/json" id="workbench-data">(.*?)</script>', page, re.S).group(1)
    import json
    data = json.loads(data)
    assert data["source"]["text"] == source.text
    assert data["turns"][0]["start"] == 0 and data["turns"][-1]["end"] == len(source.text)
    assert any(t["speaker"] == "Interviewer" for t in data["turns"])
    assert len(data["excerpts"]) == session.scalar(select(func.count(Excerpt.id)).where(Excerpt.source_id == source.id))
    assert any(c["key"] == "H1.1" and c["codable"] for c in data["codes"])
    assert data["can_code"] is True


def test_patch_excerpt_changes_codes_direction_memo_and_span(client, demo, session):
    # The first by id, not "any": a reused PostgreSQL schema returns rows in another physical order,
    # and other coders' memos on the excerpt must stay as they were.
    excerpt = session.scalar(select(Excerpt).join(Source).where(Source.title.contains("F08"))
                             .order_by(Excerpt.id).limit(1))
    others = sorted((m.user.username, m.text) for m in excerpt.memos if m.user.username != "admin")
    token = csrf_token(client, "/p/demo/")
    h11 = "H1.1"
    body = {"codes": [{"code": h11, "direction": "nuances"}, {"code": "ST.3"}], "memo": "ny note",
            "start": excerpt.start_offset + 1, "end": excerpt.end_offset}
    response = client.patch(f"/api/p/demo/excerpts/{excerpt.id}", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    json = response.get_json()
    mine = {c["code"]: c["direction"] for c in json["codings"] if c["coder"] == "admin"}
    assert mine == {"H1.1": "nuances", "ST.3": "supports"}
    assert [m for m in json["memos"] if m["user"] == "admin"] == [{"user": "admin", "text": "ny note"}]
    assert sorted((m["user"], m["text"]) for m in json["memos"] if m["user"] != "admin") == others
    assert json["start"] == excerpt.start_offset + 1
    session.expire_all()
    refreshed = session.get(Excerpt, excerpt.id)
    assert refreshed.source.text[refreshed.start_offset:refreshed.end_offset] == refreshed.text
    actions = session.execute(select(AuditEvent.action, AuditEvent.entity).where(
        AuditEvent.at >= refreshed.updated_at).order_by(AuditEvent.id)).all()
    assert ("update", "excerpt") in actions
    empty = client.patch(f"/api/p/demo/excerpts/{excerpt.id}", json={"codes": []}, headers={"X-CSRFToken": token})
    assert empty.status_code == 400 and "at least one code" in empty.get_json()["error"]


def test_multi_case_transcript_needs_a_case_over_http(client, demo, session):
    source = next(s for s in session.scalars(select(Source)) if len(s.cases) > 1)
    token = csrf_token(client, "/p/demo/")
    body = {"source_id": source.id, "start": 0, "end": 10, "codes": ["H1.1"]}
    missing = client.post("/api/p/demo/excerpts", json=body, headers={"X-CSRFToken": token})
    assert missing.status_code == 400 and "several cases" in missing.get_json()["error"]
    body["case_id"] = source.cases[1].id
    ok = client.post("/api/p/demo/excerpts", json=body, headers={"X-CSRFToken": token})
    assert ok.status_code == 201 and ok.get_json()["case"] == source.cases[1].key


def rows(client, query: str) -> int:
    page = client.get("/p/demo/excerpts" + query).get_data(as_text=True)
    return int(re.search(r'id="excerpt-total">(\d+) excerpt', page).group(1))


def test_excerpt_list_filters(client, demo, session):
    total = session.scalar(select(func.count(Excerpt.id)))
    assert rows(client, "") == total
    h1 = session.scalar(select(Code.id).where(Code.key == "H1"))
    with_sub = rows(client, f"?code={h1}&sub=1")
    without = rows(client, f"?code={h1}&sub=0")
    assert with_sub > without
    f01 = session.scalar(select(Case.id).where(Case.key == "F01"))
    assert rows(client, f"?case={f01}") == session.scalar(select(func.count(Excerpt.id)).where(Excerpt.case_id == f01))
    family = rows(client, "?perspective=family")
    assert 0 < family < total and family + rows(client, "?perspective=system") == total
    assert rows(client, "?municipality=Vestkær") > 0
    assert rows(client, "?role=familiekoordinator") > 0
    anna = session.scalar(select(Coding.coder_id).join(Coding.coder).where(Coding.coder.has(username="anna")).limit(1))
    assert 0 < rows(client, f"?coder={anna}") < total
    assert 0 < rows(client, "?direction=contradicts") < total
    word = session.scalar(select(Excerpt.text).limit(1)).split()[2]
    assert rows(client, "?q=" + word) >= 1
    assert rows(client, "?direction=bogus&code=abc") == total  # malformed filters are ignored
    assert "Page 1 of" in client.get("/p/demo/excerpts").get_data(as_text=True)


def test_search_shows_keyword_in_context_and_links_to_code_the_sentence(client, demo, session):
    page = client.get("/p/demo/search?q=koordinator").get_data(as_text=True)
    assert 'class="match"' in page
    links = re.findall(r'class="button small code-hit" href="/p/demo/sources/(\d+)\?select=(\d+)-(\d+)"', page)
    assert links
    source_id, start, end = (int(x) for x in links[0])
    text = session.get(Source, source_id).text
    assert "koordinator" in text[start:end].lower()
    bad = client.get("/p/demo/search?q=%22")
    assert bad.status_code == 400


def test_memos_on_cases_and_codes(client, demo, session):
    case = session.scalar(select(Case).where(Case.key == "F02"))
    token = csrf_token(client, f"/p/demo/cases/{case.id}")
    client.post(f"/p/demo/cases/{case.id}/memo", data={"csrf_token": token, "memo": "Far er motiveret af børnene"})
    session.expire_all()
    assert session.get(Case, case.id).memo == "Far er motiveret af børnene"
    code = session.scalar(select(Code).where(Code.key == "H2.3"))
    client.post(f"/p/demo/codes/{code.id}/memo", data={"csrf_token": token, "memo": "Tjek mod SDQ"})
    session.expire_all()
    assert session.get(Code, code.id).memo == "Tjek mod SDQ"
    assert session.scalars(select(AuditEvent).where(AuditEvent.entity == "code", AuditEvent.action == "update")
                           .order_by(AuditEvent.id)).all()[-1].after is not None


def test_text_edit_page_refuses_a_change_inside_an_excerpt(client, demo, session):
    excerpt = session.scalar(select(Excerpt).order_by(Excerpt.id).limit(1))
    source = excerpt.source
    token = csrf_token(client, f"/p/demo/sources/{source.id}/edit")
    inside = source.text[:excerpt.start_offset + 2] + "XX" + source.text[excerpt.start_offset + 2:]
    refused = client.post(f"/p/demo/sources/{source.id}/edit", data={"csrf_token": token, "text": inside})
    assert refused.status_code == 400 and f"#{excerpt.id}" in refused.get_data(as_text=True)
    session.expire_all()
    assert "XX" not in session.get(Source, source.id).text
    ok = client.post(f"/p/demo/sources/{source.id}/edit", data={"csrf_token": token, "text": "Ny indledning.\n" + source.text})
    assert ok.status_code == 302
    session.expire_all()
    moved = session.get(Excerpt, excerpt.id)
    assert moved.source.text[moved.start_offset:moved.end_offset] == moved.text


def test_creating_an_excerpt_loads_no_code_or_coding_twice(app, client, demo, session):
    """The answer is built from what the request already holds: no statement after the excerpt's
    INSERT reads the codes again or loads the new excerpt's codings back."""
    from tests.conftest import on_statements
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    start = source.text.index("Interviewperson")
    token = csrf_token(client, f"/p/demo/sources/{source.id}")
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))
    with on_statements(app, seen):
        response = client.post("/api/p/demo/excerpts", headers={"X-CSRFToken": token}, json={
            "source_id": source.id, "start": start, "end": start + 15,
            "codes": ["H1.1", {"code": "H1.4", "direction": "nuances"}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    colors = dict(session.execute(select(Code.key, Code.color).where(Code.project_id == demo.id)).all())
    assert [(c["code"], c["direction"], c["color"]) for c in response.get_json()["codings"]] == sorted(
        [("H1.1", "supports", colors["H1.1"]), ("H1.4", "nuances", colors["H1.4"])])
    after = statements[next(i for i, s in enumerate(statements) if "INSERT INTO excerpts" in s):]
    assert not [s for s in after if "FROM codes" in s or s.startswith("SELECT codings.id, codings.excerpt_id")]
    # a new excerpt has no codings to check against: its codes are inserted, with no SELECT on codings
    touching = [s.split(" (")[0] for s in statements if "codings" in s.split("(")[0]]
    one_statement = [s for s in statements if s.startswith("WITH e AS (INSERT INTO excerpts")]  # PostgreSQL
    assert (touching and set(touching) == {"INSERT INTO codings"}) or (one_statement and not touching)
