"""Project bundles in and out: safe zip reading, attribute types, migration 0004, the command line and
the web form. Every database test runs on SQLite and PostgreSQL (the rest: test_project_bundle.py)."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from casecoder.coding import accounts
from casecoder.exchange.bundle_export import zip_bytes
from casecoder.exchange.bundle_import import import_bundle
from casecoder.exchange.bundle_read import zip_bundle
from casecoder.files.csv_tables import BundleProblems, infer_type
from casecoder.models import AttributeType, Source, migrate
from casecoder.models.engine import make_engine
from tests.bundle_helpers import BASE, MB, TRANSCRIPT, counts, with_
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_reading_is_safe():
    with pytest.raises(BundleProblems) as info:
        zip_bundle(_zip({"cases.csv": b"x", "../evil.txt": b"x", "/etc/passwd": b"x"}), MB, "b.zip")
    assert [p.render() for p in info.value.problems] == [
        "b.zip: The entry '../evil.txt' has an absolute path or '..'; it is refused",
        "b.zip: The entry '/etc/passwd' has an absolute path or '..'; it is refused"]
    with pytest.raises(BundleProblems, match="unpacks to more than 1 MB"):
        zip_bundle(_zip({"cases.csv": b"0" * (MB + 1)}), MB)
    with pytest.raises(BundleProblems, match="'b.zip' is not a valid .zip file"):
        zip_bundle(b"not a zip", MB, "b.zip")
    inner = zip_bundle(_zip({"proj/cases.csv": b"a", "proj/sources/x.txt": b"b"}), MB)
    assert sorted(inner.files) == ["cases.csv", "sources/x.txt"] and inner.read("sources/x.txt") == b"b"


def test_a_damaged_transcript_is_read_when_the_import_needs_it_and_refuses_the_bundle(session, target):
    """Entries are unpacked on request: the .zip opens, and the damaged transcript that sources.csv names
    refuses the whole bundle with one problem naming the .zip (not a problem of the sources.csv cell)."""
    project, eva = target
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in BASE.items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        start = archive.getinfo("texts/a.txt").header_offset + 30 + len("texts/a.txt")
    data[start] ^= 0xFF
    opened = zip_bundle(bytes(data), MB, "b.zip")
    before = counts(session)
    with pytest.raises(BundleProblems) as info:
        import_bundle(session, project, opened, user=eva, max_bytes=MB)
    assert [p.render() for p in info.value.problems] == [
        "b.zip: The entry 'texts/a.txt' cannot be read (Bad CRC-32 for file 'texts/a.txt')"]
    session.rollback()
    assert counts(session) == before


def test_attribute_types_are_inferred_from_the_whole_column():
    assert infer_type(["1", "-2", "0"]) is AttributeType.INTEGER
    assert infer_type(["1", "2,5"]) is AttributeType.NUMBER
    assert infer_type(["007"]) is AttributeType.TEXT  # a leading zero is not a number's
    assert infer_type(["Ja", "nej", "true"]) is AttributeType.BOOLEAN
    assert infer_type(["2024-01-31", "2025-02-28"]) is AttributeType.DATE
    assert infer_type(["2024-02-31"]) is AttributeType.TEXT
    assert infer_type([]) is AttributeType.TEXT


@pytest.fixture
def empty_engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def test_migration_0004_keeps_sources_excerpts_and_search(empty_engine):
    engine = empty_engine
    migrate.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, slug, title, description, created_at) "
                          "VALUES (1, 'p', 'P', '', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO cases (id, project_id, key, municipality, memo, created_at) "
                          "VALUES (1, 1, 'F01', 'N', '', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO sources (id, project_id, title, perspective, text, original_filename, sha256, "
                          "memo, created_at) VALUES (1, 1, 'T', 'family', 'hej koordinator', '', 'x', '', "
                          "CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO source_cases (source_id, case_id) VALUES (1, 1)"))
        conn.execute(text("INSERT INTO excerpts (id, project_id, source_id, case_id, start_offset, end_offset, text, "
                          "memo, created_at, updated_at) VALUES (1, 1, 1, 1, 0, 3, 'hej', '', CURRENT_TIMESTAMP, "
                          "CURRENT_TIMESTAMP)"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in
                ("sources", "source_cases", "excerpts")] == [1, 1, 1]
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("SELECT rowid FROM sources_fts WHERE sources_fts MATCH 'koordinator'")).all()
    assert "key" in {c["name"] for c in inspect(engine).get_columns("sources")}
    with engine.begin() as conn:  # NULL keys many times, a key once per project
        conn.execute(text("INSERT INTO sources (id, project_id, title, perspective, text, original_filename, sha256, "
                          "memo, created_at) VALUES (2, 1, 'U', 'family', 'x', '', 'y', '', CURRENT_TIMESTAMP)"))
        conn.execute(text("UPDATE sources SET key = 'A' WHERE id = 1"))
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(text("UPDATE sources SET key = 'A' WHERE id = 2"))
    migrate.downgrade(engine, "0003")
    assert "key" not in {c["name"] for c in inspect(engine).get_columns("sources")}


# -- the command line ------------------------------------------------------------------------------

def test_cli_import_and_export(runner, session, target, tmp_path):
    project, eva = target
    folder = tmp_path / "in"
    for name, content in BASE.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    bad = runner.invoke(args=["import-bundle", "proj", str(folder / "texts")])  # no CSV file there
    assert bad.exit_code != 0 and "bundle: The bundle holds none of codes.csv" in bad.output
    result = runner.invoke(args=["import-bundle", "proj", str(folder), "--user", "eva", "--add-coders"])
    assert result.exit_code == 0, result.output
    assert ("2 codes added, 1 updated, 2 cases, 2 interviewees, 2 sources, 2 excerpts, 4 codings, "
            "1 coders created as users without login, 1 coders added as members") in result.output
    again = runner.invoke(args=["import-bundle", "proj", str(folder)])
    assert again.exit_code != 0
    assert "cases.csv, line 2, column 1 (case_key): Case key 'F01' already exists in this project" in again.output
    assert "sources.csv, line 3, column 1 (source_key): Source key 'B' already exists in this project" in again.output
    out = runner.invoke(args=["export-bundle", "proj", str(tmp_path / "out.zip")])
    assert out.exit_code == 0 and "5 CSV files and 2 source texts" in out.output, out.output
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        assert "sources/A.txt" in archive.namelist()
    folder_out = runner.invoke(args=["export-bundle", "proj", str(tmp_path / "out")])
    assert folder_out.exit_code == 0 and (tmp_path / "out" / "excerpts.csv").exists()
    missing = runner.invoke(args=["export-bundle", "nope", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "There is no project with the slug 'nope'" in missing.output


# -- the web form ----------------------------------------------------------------------------------

def _post(client, slug: str, data: bytes, name: str = "bundle.zip", add_coders: bool = True):
    token = csrf_token(client, f"/p/{slug}/import-bundle")
    form = {"csrf_token": token, "file": (io.BytesIO(data), name), **({"add_coders": "y"} if add_coders else {})}
    return client.post(f"/p/{slug}/import-bundle", data=form, content_type="multipart/form-data")


def test_web_import_and_export(client, session, target, factory):
    project, eva = target
    login(client, "eva", PASSWORD)
    overview = client.get("/p/proj/").get_data(as_text=True)
    assert "/p/proj/import-bundle" in overview and "/p/proj/export-bundle.zip" in overview
    assert client.get("/p/proj/import-bundle").status_code == 200
    ok = _post(client, "proj", zip_bytes({k: v.encode() for k, v in BASE.items()}))
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/p/proj/")
    page = client.get(ok.headers["Location"]).get_data(as_text=True)
    assert "Bundle imported: 2 codes added, 1 updated, 2 cases" in page
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Source).where(Source.project_id == project.id)) == 2
    download = client.get("/p/proj/export-bundle.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert 'filename="proj-bundle.zip"' in download.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert archive.read("sources/A.txt").decode() == TRANSCRIPT.rstrip()


def test_web_import_with_problems_stores_nothing(client, session, target):
    project, eva = target
    login(client, "eva", PASSWORD)
    before = counts(session)
    files = with_(excerpts=BASE["excerpts.csv"].replace("supports", "maybe"),
                  sources=BASE["sources.csv"].replace("texts/b.txt", "texts/c.txt"))
    response = _post(client, "proj", zip_bytes({k: v.encode() for k, v in files.items()}))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "sources.csv, line 3, column 2 (file): The file &#39;texts/c.txt&#39; is not in the bundle" in page
    assert "excerpts.csv, line 2, column 7 (direction): Direction &#39;maybe&#39;" in page
    assert counts(session) == before
    not_zip = _post(client, "proj", b"plain", "bundle.txt")
    assert not_zip.status_code == 400 and "The bundle must be a .zip file." in not_zip.get_data(as_text=True)
    evil = _post(client, "proj", _zip({"../cases.csv": b"case_key,municipality\n"}))
    assert evil.status_code == 400 and "has an absolute path or &#39;..&#39;" in evil.get_data(as_text=True)
    assert counts(session) == before


def test_web_import_needs_manage_and_export_needs_analyse(client, session, target, factory):
    project, eva = target
    for name, role in (("cora", "coder"), ("rita", "reader")):
        accounts.add_member(session, project, factory.user(name), role)
    session.commit()
    login(client, "cora", PASSWORD)
    assert "/p/proj/import-bundle" not in client.get("/p/proj/").get_data(as_text=True)
    assert client.get("/p/proj/import-bundle").status_code == 403
    assert client.get("/p/proj/export-bundle.zip").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "rita", PASSWORD)
    assert "/p/proj/export-bundle.zip" not in client.get("/p/proj/").get_data(as_text=True)
    assert client.get("/p/proj/export-bundle.zip").status_code == 403
