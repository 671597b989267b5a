"""Back up and restore a casecoder database to and from one file. No Flask.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot to a
  self-contained SQLite file while the app keeps running; restore copies it back the same way,
  replacing the database's whole content in one step.
* PostgreSQL: ``pg_dump --format=custom``; restore turns the archive into SQL with ``pg_restore
  --no-owner`` and replays it with ``psql --single-transaction`` after dropping the schema (all or
  nothing). The tools connect with the URL's host, port, user and database, the password in
  PGPASSWORD. A URL with ``options=-csearch_path=<schema>`` is a database in one schema: only that
  schema is dumped and restored; otherwise the ``public`` schema.

Backup files, and a SQLite database a restore creates, are readable by their owner only (0600).

A restore first checks that the file is a casecoder backup of the same kind of database (and, for
PostgreSQL, of the same schema) and changes nothing otherwise; afterwards the schema is upgraded
to the newest migration if the backup is older.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from casecoder.models.engine import create_private_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
MARKER_TABLES = ("projects", "users", "codes")  # tables every casecoder database has
LOCK_TIMEOUT_MS = 60_000  # pg_restore fails instead of waiting forever for a busy table


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and changes nothing."""


@dataclass(frozen=True)
class Target:
    """The database a URL points at."""
    kind: str  # "sqlite" | "postgresql"
    url: URL
    path: Path | None = None  # SQLite file
    schema: str | None = None  # PostgreSQL schema from options=-csearch_path=...

    def describe(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite database {self.path}"
        where = f"{self.url.host or 'localhost'}:{self.url.port or 5432}/{self.url.database}"
        return f"PostgreSQL database {where}" + (f" (schema {self.schema})" if self.schema else "")


def target_of(url: str) -> Target:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise BackupError("An in-memory SQLite database cannot be backed up or restored")
        return Target("sqlite", parsed, path=Path(parsed.database))
    if backend == "postgresql":
        return Target("postgresql", parsed, schema=_schema(parsed))
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}")


def _schema(url: URL) -> str | None:
    options = url.query.get("options")
    for value in ([options] if isinstance(options, str) else list(options or ())):
        match = re.search(r"-c\s*search_path\s*=\s*([^\s,]+)", value)
        if match:
            return match.group(1).strip('"')
    return None


def file_kind(path: Path) -> str | None:
    """"sqlite" or "postgresql" by the file's first bytes, or None for anything else."""
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


# ---- backup ----

def backup(url: str, dest: Path) -> Target:
    """Write a backup of the database at ``url`` to ``dest`` (replaced only when complete)."""
    target = target_of(url)
    dest = Path(dest)
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder; give the name of the backup file")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".casecoder-backup-", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if target.kind == "sqlite":
            _sqlite_backup(target, tmp)
        else:
            _pg_dump(target, tmp)
        os.chmod(tmp, 0o600)  # mkstemp made it so; kept whatever wrote it
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _sqlite_backup(target: Target, tmp: Path) -> None:
    assert target.path is not None
    if not target.path.is_file():
        raise BackupError(f"There is no SQLite database at {target.path}")
    tmp.unlink()
    create_private_file(tmp)  # an empty 0600 file: SQLite writes into it and keeps the mode
    src = sqlite3.connect(_read_only(target.path), uri=True)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _pg_dump(target: Target, tmp: Path) -> None:
    args = [_pg_tool("pg_dump"), "--format=custom", f"--file={tmp}", f"--schema={target.schema or 'public'}",
            *_pg_connection_args(target)]
    _run(args, target, "pg_dump")


# ---- restore ----

def check_backup_file(url: str, path: Path) -> Target:
    """Raise BackupError unless ``path`` is a casecoder backup that fits the database at ``url``."""
    target = target_of(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no file {path}")
    kind = file_kind(path)
    if kind is None:
        raise BackupError(f"{path} is not a casecoder backup (neither a SQLite database nor a pg_dump "
                          "custom-format archive); nothing was changed")
    if kind != target.kind:
        raise BackupError(f"{path} is a backup of a {_name(kind)} database, but this database is "
                          f"{_name(target.kind)}; nothing was changed")
    if kind == "sqlite":
        _check_sqlite_file(path)
    else:
        _check_pg_archive(target, path)
    return target


def restore(url: str, path: Path) -> str | None:
    """Replace the database's content with the backup at ``path``; return the schema revision after it."""
    target = check_backup_file(url, path)
    if target.kind == "sqlite":
        _sqlite_restore(target, Path(path))
    else:
        _pg_restore(target, Path(path))
    return _upgrade(url)


def _name(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[kind]


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


def _check_sqlite_file(path: Path) -> None:
    try:
        conn = sqlite3.connect(_read_only(path), uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}); nothing was changed") from exc
    if not ok or ok[0] != "ok":
        raise BackupError(f"{path} is damaged (SQLite quick_check: {ok[0] if ok else '?'}); nothing was changed")
    if not set(MARKER_TABLES) <= tables:
        raise BackupError(f"{path} is a SQLite database but not a casecoder backup; nothing was changed")


def _check_pg_archive(target: Target, path: Path) -> bool:
    """Raise BackupError unless the archive holds casecoder's tables in the target's schema, and nothing
    else; return whether it creates the schema itself."""
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], target, "pg_restore --list")
    tables: dict[str, set[str]] = {}
    for line in listing.splitlines():
        match = re.match(r"^\d+;\s+\d+\s+\d+\s+TABLE\s+(?!DATA\s)(\S+)\s+(\S+)\s", line)
        if match:
            tables.setdefault(match.group(1), set()).add(match.group(2))
    schema = target.schema or "public"
    if not tables or not any(set(MARKER_TABLES) <= names for names in tables.values()):
        raise BackupError(f"{path} is a pg_dump archive but not a casecoder backup; nothing was changed")
    if set(tables) != {schema} or not set(MARKER_TABLES) <= tables[schema]:
        found = ", ".join(sorted(tables))
        raise BackupError(f"{path} is a backup of schema {found}, but this database uses schema {schema}; "
                          "nothing was changed")
    return re.search(rf"^\d+;\s+\d+\s+\d+\s+SCHEMA\s+-\s+{re.escape(schema)}\s", listing, re.M) is not None


def _sqlite_restore(target: Target, path: Path) -> None:
    assert target.path is not None
    target.path.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(target.path)
    src = sqlite3.connect(_read_only(path), uri=True)
    dst = sqlite3.connect(target.path, timeout=30)
    try:
        src.backup(dst)  # replaces every page of the destination in one step
        dst.execute("PRAGMA journal_mode=WAL")  # the app's journaling (models/engine.py)
    finally:
        dst.close()
        src.close()


def _pg_restore(target: Target, path: Path) -> None:
    """Drop the schema and replay the archive's SQL in one psql transaction: all of it, or nothing changes.

    (``pg_restore --clean`` alone would leave, or stumble over, objects a newer schema added since the backup.)
    """
    schema = _quote_ident(target.schema or "public")
    creates_schema = _check_pg_archive(target, path)
    prelude = f"DROP SCHEMA IF EXISTS {schema} CASCADE;" + ("" if creates_schema else f" CREATE SCHEMA {schema};")
    dump = subprocess.Popen([_pg_tool("pg_restore"), "--no-owner", "--file=-", str(path)], env=_pg_env(target),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert dump.stdout is not None and dump.stderr is not None
    try:
        apply = subprocess.run([_pg_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                "--single-transaction", f"--command={prelude}", "--file=-",
                                *_pg_connection_args(target)],
                               env=_pg_env(target), stdin=dump.stdout, capture_output=True, text=True, check=False)
    finally:
        dump.stdout.close()
        dump_errors = dump.stderr.read().decode(errors="replace").strip()
        dump.stderr.close()
        dump.wait()
    if dump.returncode != 0:
        raise BackupError(f"pg_restore failed for the {target.describe()}, nothing was changed: {dump_errors}")
    if apply.returncode != 0:
        detail = (apply.stderr or apply.stdout).strip()
        raise BackupError(f"Restoring into the {target.describe()} failed, nothing was changed: {detail}")


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _upgrade(url: str) -> str | None:
    """Bring a restored database up to the newest migration; None if it records no revision."""
    from casecoder.models import migrate
    from casecoder.models.engine import make_engine

    engine = make_engine(url)
    try:
        current = migrate.current_revision(engine)
        if current is not None and current != migrate.head_revision(engine):
            migrate.upgrade(engine)
            current = migrate.current_revision(engine)
        return current
    finally:
        engine.dispose()


# ---- PostgreSQL client tools ----

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL client tools of the server's "
                          "major version or newer (Debian: apt-get install postgresql-client) and try again")
    return found


def _pg_connection_args(target: Target) -> list[str]:
    url = target.url
    args = [f"--dbname={url.database}"] if url.database else []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    return args + ["--no-password"]


def _pg_env(target: Target) -> dict[str, str]:
    env = dict(os.environ)
    if target.url.password is not None:
        env["PGPASSWORD"] = str(target.url.password)
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        value = target.url.query.get(key)
        if isinstance(value, str):
            env[var] = value
    env["PGOPTIONS"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
    return env


def _run(args: list[str], target: Target, what: str) -> str:
    result = subprocess.run(args, env=_pg_env(target), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed for the {target.describe()}: {detail}")
    return result.stdout
