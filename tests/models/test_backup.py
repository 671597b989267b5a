"""``casecoder backup`` / ``restore`` (#10) on SQLite and PostgreSQL: a round trip gives the same tally
export byte for byte; a wrong file is refused and changes nothing; an older backup is upgraded."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from casecoder.coding import accounts
from casecoder.coding import excerpts as excerpt_ops
from casecoder.db import engine_of
from casecoder.models import Excerpt, migrate
from casecoder.models import backup as core
from tests.conftest import IN_CI


@pytest.fixture(autouse=True)
def pg_tools(request: pytest.FixtureRequest) -> None:
    """PostgreSQL backups need pg_dump, pg_restore and psql (Debian: postgresql-client); CI must have them."""
    if "db_url" in request.fixturenames and request.getfixturevalue("db_url").startswith("postgresql"):
        missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if not shutil.which(tool)]
        if missing:
            message = f"{', '.join(missing)} not on PATH (apt-get install postgresql-client)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)


def tally_files(runner, out: Path) -> dict[str, bytes]:
    """The tally export of the demo, every file but spec.json (it carries the time it was made)."""
    result = runner.invoke(args=["export", "tally", "demo", "--out", str(out), "--language", "en"])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "spec.json"}


def row_counts(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    engine = engine_of(app)
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names
                if not name.startswith("sources_fts")}


def invoke(runner, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(args=list(args), input=input)


def test_backup_change_restore_gives_the_same_tally_export(app, demo, session, runner, tmp_path):
    before = tally_files(runner, tmp_path / "before")
    counts = row_counts(app)
    file = tmp_path / "casecoder.models.backup"
    made = invoke(runner, "backup", str(file))
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.output and file.stat().st_size > 0
    assert core.file_kind(file) == ("sqlite" if app.config["DATABASE_URL"].startswith("sqlite") else "postgresql")

    admin = accounts.get_user(session, "admin")
    for excerpt in session.scalars(select(Excerpt).order_by(Excerpt.id).limit(15)).all():
        excerpt_ops.delete_excerpt(session, admin, excerpt)
    session.commit()
    session.close()
    assert tally_files(runner, tmp_path / "changed") != before, "deleting excerpts changes the tally"

    refused = invoke(runner, "restore", str(file), input="n\n")
    assert refused.exit_code != 0 and "Replace everything" in refused.output
    assert row_counts(app)["excerpts"] == counts["excerpts"] - 15, "answering no changes nothing"

    restored = invoke(runner, "restore", str(file), input="y\n")
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output
    assert tally_files(runner, tmp_path / "after") == before
    assert row_counts(app) == counts
    assert session.scalar(select(func.count(Excerpt.id))) == counts["excerpts"]


def _other_kind_file(app, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "other-kind.backup"
    if app.config["DATABASE_URL"].startswith("sqlite"):
        path.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE projects (id INTEGER)")
        conn.commit()
        conn.close()
    return path


def test_restore_refuses_what_is_not_a_backup_of_this_database(app, demo, session, runner, tmp_path):
    session.close()
    counts = row_counts(app)
    before = tally_files(runner, tmp_path / "before")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n", encoding="utf-8")
    result = invoke(runner, "restore", str(junk), "--yes")
    assert result.exit_code != 0 and "is not a casecoder backup" in result.output, result.output
    assert "nothing was changed" in result.output

    other = invoke(runner, "restore", str(_other_kind_file(app, tmp_path)), "--yes")
    assert other.exit_code != 0 and "but this database is" in other.output, other.output

    plain = tmp_path / "plain.sqlite"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    if app.config["DATABASE_URL"].startswith("sqlite"):
        foreign = invoke(runner, "restore", str(plain), "--yes")
        assert foreign.exit_code != 0 and "not a casecoder backup" in foreign.output, foreign.output

    missing = invoke(runner, "restore", str(tmp_path / "nope.backup"), "--yes")
    assert missing.exit_code != 0 and "There is no file" in missing.output
    assert row_counts(app) == counts and tally_files(runner, tmp_path / "after") == before


def test_backup_does_not_overwrite_without_force(app, runner, tmp_path):
    file = tmp_path / "b.backup"
    file.write_bytes(b"keep me")
    result = invoke(runner, "backup", str(file))
    assert result.exit_code != 0 and "--force" in result.output and file.read_bytes() == b"keep me"
    assert invoke(runner, "backup", str(file), "--force").exit_code == 0
    assert core.file_kind(file) is not None


def test_restore_upgrades_an_older_backup(bare_app, tmp_path):
    engine = engine_of(bare_app)
    migrate.upgrade(engine, "0008")
    runner = bare_app.test_cli_runner()
    file = tmp_path / "old.backup"
    assert invoke(runner, "backup", str(file)).exit_code == 0
    migrate.upgrade(engine)
    result = invoke(runner, "restore", str(file), "--yes")
    assert result.exit_code == 0, result.output
    head = migrate.head_revision(engine)
    assert f"schema revision {head}" in result.output
    assert migrate.current_revision(engine) == head


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_tools_missing_and_another_schema(app, runner, tmp_path, monkeypatch):
    url = app.config["DATABASE_URL"]
    file = tmp_path / "pg.backup"
    assert invoke(runner, "backup", str(file)).exit_code == 0
    other = url.replace("search_path%3D", "search_path%3Dother_").replace("search_path=", "search_path=other_")
    assert other != url
    with pytest.raises(core.BackupError, match=r"is a backup of schema t_\w+, but this database uses schema other_"):
        core.check_backup_file(other, file)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = invoke(runner, "backup", str(tmp_path / "again.backup"))
    assert result.exit_code != 0 and "pg_dump was not found on PATH" in result.output, result.output
