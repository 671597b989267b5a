"""Issue #10, "Hostile and broken input": markup in code keys and in user text (the map of the issue's
items to tests is in test_hostile_requests.py). Every test on SQLite and PostgreSQL, through the real
HTTP client with real CSRF tokens."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, cases, chains
from casecoder.coding import codes as code_ops
from casecoder.coding import excerpts as excerpt_ops
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Code, Project, Source
from tests.conftest import csrf_token
from tests.web import test_hostile_uploads
from tests.web.test_hostile_uploads import post_file, snapshot, zip_of

small = test_hostile_uploads.small  # the fixture: a small project "demo", its admin logged in

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
MARKUP = SCRIPT + IMG
RAW_MARKERS = ("<script>alert", "<img src=x")  # escaped, "onerror=alert" is harmless text


def assert_escaped(text: str, where: str, mimetype: str = "text/html") -> None:
    """No raw markup in an HTML (or SVG) answer. JSON is data, not markup: served as application/json with
    ``nosniff``, and the pages embed it with ``|tojson`` (which escapes ``<``), so it is not checked here."""
    if mimetype == "application/json":
        return
    for marker in RAW_MARKERS:
        assert marker not in text, f"{where}: {marker!r} is rendered unescaped"



# -- markup ------------------------------------------------------------------------------------------------

def test_code_keys_with_markup_are_refused(client, small, engine, tmp_path):
    codebook = tmp_path / "ond.yaml"
    codebook.write_text(f'name: ond\ncodes:\n  - key: "{SCRIPT}"\n    kind: theme\n    label_da: x\n    label_en: x\n',
                        encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_codebook_file(codebook)
    assert "<script>" in str(caught.value) and "Code key" in str(caught.value)
    for csv_name, csv_text in [
        ("codes.csv", f'code_key,kind,label_da,label_en\n"{SCRIPT}",theme,x,x\n'),
        ("cases.csv", f'case_key,municipality\n"{IMG}",Nordby\n'),
    ]:
        before = snapshot(engine)
        response = post_file(client, "bundle", "b.zip", zip_of({csv_name: csv_text}))
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "must be 1-32 characters" in html.unescape(page)
        assert_escaped(page, csv_name)
        assert snapshot(engine) == before


def test_qdc_code_names_with_markup_are_escaped(client, small, engine, session):
    qdc = ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
           '<Code guid="12345678-1234-1234-1234-123456789abc" name="{0}" isCodable="true">'
           "<Description>{0}</Description></Code></Codes></CodeBook>").format(html.escape(MARKUP, quote=True))
    preview = post_file(client, "qdc", "ond.qdc", qdc.encode())
    assert preview.status_code == 200, preview.get_data(as_text=True)[:2000]
    assert_escaped(preview.get_data(as_text=True), "qdc preview")
    fields = dict(re.findall(r'name="(confirm-[a-z]+)"[^>]*value="([^"]*)"', preview.get_data(as_text=True)))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    assert set(fields) >= {"confirm-data", "confirm-filename"}, fields
    merged = client.post("/p/demo/import-qdc", data={"csrf_token": csrf_token(client, "/p/demo/import-qdc"),
                                                     **fields})
    assert merged.status_code == 302, merged.get_data(as_text=True)[:2000]
    code = session.scalar(select(Code).where(Code.guid == "12345678-1234-1234-1234-123456789abc"))
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}", code.key) and MARKUP in (code.label_en + code.label_da)
    for url in ("/p/demo/codebook", f"/p/demo/codes/{code.id}", "/p/demo/tally"):
        with client.get(url) as page:
            assert page.status_code == 200
            assert_escaped(page.get_data(as_text=True), url)


PAGES = ["/", "/p/demo/", "/p/demo/codebook", "/p/demo/codes/{code}", "/p/demo/cases/{case}",
         "/p/demo/sources/{source}", "/p/demo/sources/{source}/edit", "/p/demo/excerpts",
         "/p/demo/excerpts?q=alert", "/p/demo/search?q=alert", "/p/demo/search?q=%3Cscript%3Ealert",
         "/p/demo/tally", "/p/demo/matrix/H1", "/p/demo/cooccurrence", "/p/demo/chains", "/p/demo/chains/{chain}",
         "/p/demo/chains/{chain}/edit", "/p/demo/members", "/p/demo/audit", "/p/demo/interviewees",
         "/p/demo/selection", "/p/demo/agreement", "/p/demo/agreement/disagreements", "/p/demo/double-coding",
         "/api/p/demo/codes", "/api/p/demo/sources/{source}/excerpts", "/api/p/demo/excerpts/{excerpt}",
         "/api/projects/demo/tally", "/p/demo/figures/tally-H1.svg", "/p/demo/figures/cooccurrence.svg",
         "/p/demo/figures/chain-{chain}.svg", "/p/demo/figures/overview-H1.svg",
         "/p/demo/transcripts/new", "/p/demo/import-bundle", "/p/demo/import-qdc", "/p/demo/registrations",
         "/p/demo/sources/{source}?select=0-5", "/p/demo/excerpts?code={code_key}", "/p/demo/sources/{named}"]


def test_user_markup_is_escaped_on_every_page(app, client, demo, session):
    """Markup typed by users into every free-text field is shown as text on every page that shows it."""
    admin = accounts.get_user(session, "admin")
    project = session.get(Project, demo.id)
    project.title = "Demo " + MARKUP
    project.description = MARKUP
    case = session.scalar(select(Case).where(Case.project_id == project.id, Case.key == "F01"))
    cases.set_case_memo(case, MARKUP)
    case.municipality = "Nordby" + SCRIPT
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.1"))
    code_ops.update_code(session, code, admin.id, label_en="Label " + MARKUP, label_da="Etiket " + MARKUP,
                         description_en=MARKUP, description_da=MARKUP, memo=MARKUP)
    source = case.sources[0]
    source.title = "Interview " + MARKUP
    source.text = source.text + "\n\nInterviewperson: " + MARKUP + " alert\n"
    start = source.text.index(SCRIPT)
    excerpt = excerpt_ops.create_excerpt(session, admin, source, start, start + len(MARKUP), [(code, "supports")],
                                         case=case, memo="Memo " + MARKUP)
    chain = chains.save_chain(session, project, admin, title="Kæde " + MARKUP, keys=["H1.1", "H1.2"],
                              arrows=["both-and"], caption=MARKUP)
    person = cases.create_interviewee(session, project, "P99", "Rådgiver " + MARKUP, "system", "Nordby")
    source.interviewees.append(person)
    cases.set_attribute(session, case, cases.define_attribute(session, project, "note", "text"), MARKUP)  # cases page
    session.commit()
    # a file whose name is markup: the batch result page and the new transcript (titled by the file name)
    uploaded = post_file(client, "transcript-form", SCRIPT + ".txt", b"Interviewer: hej\nInterviewperson: hej\n")
    assert uploaded.status_code == 200 and "alert" in uploaded.get_data(as_text=True)
    assert_escaped(uploaded.get_data(as_text=True), "upload results")
    named = session.scalar(select(Source).where(Source.original_filename == SCRIPT + ".txt"))
    assert named is not None and SCRIPT in named.title
    values = {"code": code.id, "case": case.id, "source": source.id, "chain": chain.id, "excerpt": excerpt.id,
              "code_key": code.key, "named": named.id}
    seen = 0
    for template in PAGES:
        url = template.format(**values)
        with client.get(url) as response:
            assert response.status_code == 200, (url, response.status_code)
            body = response.get_data(as_text=True)
            assert response.mimetype in ("text/html", "image/svg+xml", "application/json"), (url, response.mimetype)
            assert_escaped(body, url, response.mimetype)
        seen += "alert" in body
    assert seen >= 15, "the markup should be shown (escaped) on most of these pages"
    # ... and every GET route of a project, so a new page is checked without being added to PAGES
    params = {"slug": "demo", "case_id": case.id, "source_id": source.id, "code_id": code.id,
              "excerpt_id": excerpt.id, "chain_id": chain.id, "person_id": person.id, "key": "H1", "fmt": "svg", "kind": "tally", "measure": "family"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or "slug" not in rule.arguments:
            continue
        url = rule.build(params, append_unknown=False)[1]
        with client.get(url) as response:
            assert response.status_code < 500, url
            if response.mimetype in ("text/html", "image/svg+xml"):
                assert_escaped(response.get_data(as_text=True), url, response.mimetype)
                checked += 1
    assert checked >= 25


