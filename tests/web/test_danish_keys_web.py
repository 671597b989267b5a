"""Danish in (#23) through the web and the command line: forms take keys with æ, ø, å (a decomposed one is
stored NFC), the URL routes that carry a key work with it percent-encoded, downloads are named in ASCII
keeping the letters' meaning, a new project without a slug gets one from its title, and the CLI imports
a register and a bundle written in Danish. SQLite and PostgreSQL."""
from __future__ import annotations

import html
import io
import unicodedata
import zipfile
from urllib.parse import quote

from sqlalchemy import select

from casecoder.coding import codebook_edit
from casecoder.models import Case, Project, Registration, Source
from tests.conftest import csrf_token, login
from tests.exchange.test_danish_in import DANISH, REGISTER
from tests.factories import PASSWORD


def owner_project(session, factory):  # type: ignore[no-untyped-def]
    eva = factory.user("eva", admin=True)
    project = factory.project("proj", eva)
    session.commit()
    return project, eva


def test_the_case_form_takes_danish_keys_and_names_the_rule_when_refused(client, session, factory):
    owner_project(session, factory)
    login(client, "eva", PASSWORD)
    for key in ("ÆR0", unicodedata.normalize("NFD", "FÅB-12")):
        token = csrf_token(client, "/p/proj/cases/new")
        response = client.post("/p/proj/cases/new", data={"csrf_token": token, "key": key, "municipality": "Ærø"})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert set(session.scalars(select(Case.key))) == {"ÆR0", "FÅB-12"}
    token = csrf_token(client, "/p/proj/cases/new")
    refused = client.post("/p/proj/cases/new", data={"csrf_token": token, "key": "ÆR 0", "municipality": "Ærø"})
    assert refused.status_code == 400
    assert ("Case key 'ÆR 0' must be 1-32 characters: letters (also æ, ø, å and other accented letters), digits, "
            "'.', '_' or '-', starting with a letter or digit") in html.unescape(refused.get_data(as_text=True))
    page = client.get("/p/proj/cases").get_data(as_text=True)
    assert 'data-case="ÆR0"' in page and 'data-case="FÅB-12"' in page


def test_routes_that_carry_a_key_work_with_danish_letters(client, session, factory):
    project, eva = owner_project(session, factory)
    h1 = factory.code(project, "H1")
    codebook_edit.edit_code(session, h1, eva.id, key="HØ1")
    session.commit()
    login(client, "eva", PASSWORD)
    encoded = quote("HØ1")
    assert encoded == "H%C3%981"
    tally = client.get("/p/proj/tally").get_data(as_text=True)
    assert f"/p/proj/matrix/{encoded}" in tally and f"/p/proj/figures/tally-{encoded}.svg" in tally  # url_for encodes
    matrix = client.get(f"/p/proj/matrix/{encoded}")
    assert matrix.status_code == 200 and "HØ1" in matrix.get_data(as_text=True)
    assert f"/p/proj/figures/overview-{encoded}.svg" in matrix.get_data(as_text=True)
    for figure in (f"/p/proj/figures/tally-{encoded}.svg", f"/p/proj/figures/overview-{encoded}.svg"):
        response = client.get(figure)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", figure
    assert client.get(f"/p/proj/matrix/{quote('HØ9')}").status_code in (400, 404)

    download = client.get(f"/p/proj/export/tally.zip?code={encoded}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="proj-tally-HOe1.zip"'
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert names and all(n.startswith("proj-tally-HOe1/") for n in names)
    other = client.get(f"/p/proj/export/matrix.zip?code={encoded}")
    assert other.headers["Content-Disposition"] == 'attachment; filename="proj-matrix-HOe1.zip"'


def test_a_decomposed_key_in_the_address_finds_the_stored_code(client, session, factory):
    """A Mac types å as a + combining ring (NFD); keys are stored NFC, so the path and the query are read NFC."""
    project, eva = owner_project(session, factory)
    codebook_edit.edit_code(session, factory.code(project, "H1"), eva.id, key="HÅ1")
    session.commit()
    login(client, "eva", PASSWORD)
    decomposed = quote(unicodedata.normalize("NFD", "HÅ1"))
    assert decomposed != quote("HÅ1")
    matrix = client.get(f"/p/proj/matrix/{decomposed}")
    assert matrix.status_code == 200 and "HÅ1" in matrix.get_data(as_text=True)
    download = client.get(f"/p/proj/export/tally.zip?code={decomposed}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="proj-tally-HAa1.zip"'


def test_a_new_project_without_a_slug_gets_one_from_its_title(client, session, factory):
    owner_project(session, factory)
    login(client, "eva", PASSWORD)
    token = csrf_token(client, "/projects/new")
    response = client.post("/projects/new", data={"csrf_token": token, "title": "Familier på Ærø", "slug": "",
                                                  "codebook": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/familier-paa-aeroe/")
    token = csrf_token(client, "/projects/new")
    again = client.post("/projects/new", data={"csrf_token": token, "title": "Familier på Ærø", "codebook": ""})
    assert again.headers["Location"].endswith("/p/familier-paa-aeroe-2/")
    assert session.scalar(select(Project.title).where(Project.slug == "familier-paa-aeroe-2")) == "Familier på Ærø"


def test_the_cli_imports_a_danish_register_and_bundle(runner, session, factory, tmp_path):
    owner_project(session, factory)
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    result = runner.invoke(args=["import-registrations", "proj", str(register), "--user", "eva"])
    assert result.exit_code == 0, result.output
    assert {r.family_id for r in session.scalars(select(Registration))} == {"ÆR0", "FÅB-12", "øst.3"}
    folder = tmp_path / "bundle"
    for name, text in DANISH.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import-bundle", "proj", str(folder), "--user", "eva"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert {(s.key, s.mode.value) for s in session.scalars(select(Source))} == {("BESØG-1", "visit"), ("TLF-Å", "phone")}


def test_the_cli_makes_a_slug_from_the_title(runner, session, factory):
    owner_project(session, factory)
    created = runner.invoke(args=["create-project", "Helhed på Ærø", "--empty", "--owner", "eva"])
    assert created.exit_code == 0, created.output
    assert "Created project helhed-paa-aeroe" in created.output
    session.expire_all()
    project = session.scalar(select(Project).where(Project.slug == "helhed-paa-aeroe"))
    assert project is not None and project.title == "Helhed på Ærø"


def _upload(client, url: str, data: bytes, name: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_upload_forms_take_a_danish_register_and_bundle(client, session, factory):
    owner_project(session, factory)
    login(client, "eva", PASSWORD)
    register = _upload(client, "/p/proj/registrations", REGISTER.encode(), "register.csv")
    assert register.status_code == 302, register.get_data(as_text=True)
    selection = client.get("/p/proj/selection").get_data(as_text=True)
    assert "ÆR0" in selection and "FÅB-12" in selection
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in DANISH.items():
            zf.writestr(f"dansk/{name}", text)
    imported = _upload(client, "/p/proj/import-bundle", archive.getvalue(), "dansk.zip")
    assert imported.status_code == 302, imported.get_data(as_text=True)
    session.expire_all()
    assert {(s.key, s.mode.value) for s in session.scalars(select(Source))} == {("BESØG-1", "visit"), ("TLF-Å", "phone")}
    people = client.get("/p/proj/people").get_data(as_text=True)
    assert 'data-person="MOR-Ø"' in people and 'data-person="KOORD-Å"' in people
    download = client.get("/p/proj/export-bundle.zip")
    with zipfile.ZipFile(io.BytesIO(download.data)) as zf:
        assert "sources/BESØG-1.txt" in zf.namelist()
        assert "besøg" not in zf.read("sources.csv").decode("utf-8-sig")  # written as "visit"
