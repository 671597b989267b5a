"""The SQLite database, its WAL and shared-memory files, and backup files are created readable by their
owner only (0600), whatever the umask (#22)."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text

from casecoder.models import backup
from casecoder.models.engine import make_engine


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask, which would leave new files readable by everyone (0644)."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_sqlite_database_its_wal_and_shm_are_private(tmp_path, open_umask):
    path = tmp_path / "casecoder.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:  # an open connection keeps the -wal and -shm files
            conn.execute(text("SELECT * FROM t")).all()
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: oct(mode(f)) for f in files} == {f.name: "0o600" for f in files}
    finally:
        engine.dispose()


def test_an_existing_database_keeps_its_mode(tmp_path, open_umask):
    path = tmp_path / "shared.sqlite"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert mode(path) == 0o640


def test_backup_files_and_a_restored_sqlite_database_are_private(db_url, engine, tmp_path, open_umask):
    if not db_url.startswith("sqlite"):
        pytest.importorskip("shutil").which("pg_dump") or pytest.skip("pg_dump is not installed")
    file = tmp_path / "backup.file"
    backup.backup(db_url, file)
    assert mode(file) == 0o600
    if db_url.startswith("sqlite"):
        fresh = tmp_path / "restored" / "new.sqlite"
        backup.restore(f"sqlite:///{fresh}", file)
        assert mode(fresh) == 0o600
