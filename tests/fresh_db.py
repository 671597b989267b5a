"""Fresh databases for the fixtures in conftest.py, built once per test process and reset per test.

Every test still starts on a database exactly as a new one would be; building it is what is cheaper:

- SQLite: the empty schema (``create_all``) and the demo project are built once per process into
  template files; a test gets a file copy of one of them.
- PostgreSQL: a process keeps one schema holding the tables. Before each test it checks that the
  schema's definition (tables, columns, constraints, indexes, triggers, functions, sequences) is the
  one ``create_all`` made (``FINGERPRINT``, ~35 ms; skipped while the catalog rows' ``STAMP`` is the one
  last found right), else it builds a new schema; then it empties the tables that hold rows and
  restarts the sequences that were used: ``DELETE`` with ``session_replication_role = replica`` (no row
  trigger fires, nor a foreign key's), a millisecond for a test's few rows where TRUNCATE's new files cost
  ~0.1–0.4 s a test; every ``TRUNCATE_EVERY``-th dirty reset (and without the right to switch triggers
  off, every one) is a ``TRUNCATE … RESTART IDENTITY`` instead, so dead rows never pile up (autovacuum
  may be off). A test that depends on the planner's choice asks for a schema of its own (``db_url``).
  The demo is copied in from a second schema built once, with triggers off
  (``session_replication_role``; without that right the demo is loaded again per test).
- The demo's transcripts get new random ``text_version`` numbers per copy, as a new load gives them, and so
  do its (source, coder) pairs in ``source_coder_span_versions``.
"""
from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import Connection, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from casecoder.models import Base, Project
from casecoder.models.derived.source_coder_spans import RENEW_VERSIONS
from casecoder.models.derived.source_text import FILL
from casecoder.models.engine import make_engine
from tests.factories import PASSWORD

DEMO_SLUG = "demo"


def build_demo(session: Session) -> Project:
    """The demo project with ``admin``'s password set to the tests' PASSWORD, committed."""
    from casecoder.coding import accounts
    from casecoder.coding.demo import load_demo
    result = load_demo(session)
    accounts.set_password(accounts.get_user(session, "admin"), PASSWORD)
    session.commit()
    return result.project


def demo_project(session: Session) -> Project:
    """The demo project of a database made by ``copy_to(..., "demo")`` or ``schema_url(demo=True)``; else loaded now."""
    project = session.scalar(select(Project).where(Project.slug == DEMO_SLUG))
    return project if project is not None else build_demo(session)


class SqliteTemplates:
    """Template files of one test process: ``tables`` (the empty schema) and ``demo``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files: dict[str, Path] = {}

    def copy_to(self, content: str, dest: Path) -> None:
        if content not in self.files:
            self.files[content] = self._build(content)
        shutil.copyfile(self.files[content], dest)
        if content == "demo":
            with sqlite3.connect(dest) as conn:  # new versions, as a new load draws them (no trigger fires)
                conn.execute(FILL["sqlite"])
                conn.execute(RENEW_VERSIONS["sqlite"])
            conn.close()

    def _build(self, content: str) -> Path:
        path = self.folder / f"{content}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        try:
            Base.metadata.create_all(engine)
            if content == "demo":
                with Session(engine, expire_on_commit=False) as session:
                    build_demo(session)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"
        return path


# The definition of a schema (its own name left out), as one hash: what a test could change with DDL shows up here.
FINGERPRINT = text("""
SELECT md5(coalesce(string_agg(y, '|' ORDER BY y), '')) FROM (SELECT replace(x, :name, '<schema>') AS y FROM (
  SELECT 'c:' || c.relname || ':' || c.relkind::text || ':' || c.relowner::text || ':'
         || coalesce(c.relacl::text, '') || ':' || coalesce(c.reloptions::text, '') AS x
    FROM pg_class c WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'a:' || c.relname || ':' || a.attnum::text || ':' || a.attname || ':'
         || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull::text || ':' || a.attgenerated::text
         || ':' || a.attidentity::text || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = :ns AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT CASE WHEN t.tgisinternal  -- the constraints' own triggers: named by number
              THEN 'T:' || c.relname || ':' || t.tgenabled::text || ':' || t.tgfoid::regproc::text
              ELSE 't:' || c.relname || ':' || t.tgname || ':' || t.tgenabled::text || ':' || pg_get_triggerdef(t.oid)
         END
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'k:' || conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = :ns
  UNION ALL
  SELECT 'i:' || c.relname || ':' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'p:' || proname || ':' || md5(prosrc) FROM pg_proc WHERE pronamespace = :ns
  UNION ALL
  SELECT 's:' || s.seqrelid::regclass::text || ':' || s.seqstart::text || ':' || s.seqincrement::text
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = :ns
) parts) named
""")
TRUNCATE_EVERY = 40  # dirty resets between two TRUNCATEs (the others DELETE)
# Which catalog rows define the schema, each with the transaction that wrote it (xmin): any DDL writes new
# rows, so an unchanged stamp means an unchanged definition, checked without FINGERPRINT's pg_get_*def calls.
# A sequence's own rows are left out (RESTART writes them; its start and increment are in the stamp).
STAMP = text("""
SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
  SELECT 'c' || c.oid::text || ':' || CASE WHEN c.relkind = 'S' THEN '' ELSE c.xmin::text END AS x
    FROM pg_class c WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'a' || a.attrelid::text || ':' || a.attnum::text || ':' || a.xmin::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = :ns AND c.relkind <> 'S'
  UNION ALL
  SELECT 'd' || d.oid::text || ':' || d.xmin::text FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
   WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 't' || t.oid::text || ':' || t.xmin::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'k' || oid::text || ':' || xmin::text FROM pg_constraint WHERE connamespace = :ns
  UNION ALL
  SELECT 'i' || i.indexrelid::text || ':' || i.xmin::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
   WHERE c.relnamespace = :ns
  UNION ALL
  SELECT 'p' || oid::text || ':' || xmin::text FROM pg_proc WHERE pronamespace = :ns
  UNION ALL
  SELECT 's' || s.seqrelid::text || ':' || s.seqstart::text || ':' || s.seqincrement::text
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.relnamespace = :ns
) parts
""")
NAMESPACE = text("SELECT oid FROM pg_namespace WHERE nspname = :name")
TABLES = text("SELECT relname FROM pg_class WHERE relnamespace = :ns AND relkind IN ('r', 'p') ORDER BY relname")
# Sequences that handed out a number, with the table owning them (NULL: a sequence of its own).
USED_SEQUENCES = text("""
SELECT s.relname, t.relname FROM pg_class s
  LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LEFT JOIN pg_class t ON t.oid = d.refobjid
 WHERE s.relnamespace = :ns AND s.relkind = 'S'
   AND CASE WHEN s.relkind = 'S' THEN pg_sequence_last_value(s.oid) END IS NOT NULL
""")


def quoted(*names: str) -> str:
    return ".".join('"' + name.replace('"', '""') + '"' for name in names)


class PostgresSchemas:
    """The schemas of one test process on the server of ``base_url``; all are dropped by ``close()``."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.admin = make_engine(base_url)
        self.made: list[str] = []
        self.reused: str | None = None
        self.fingerprint: str | None = None
        self.demo_source: str | None = None
        self.demo_copy: list[str] | None = None  # the statements that copy the demo in; None: load it
        self.may_switch_triggers: bool | None = None  # session_replication_role allowed (None: not tried)
        self.dirty_resets = 0
        self.stamps: dict[str, str] = {}  # schema -> its STAMP when its FINGERPRINT was last found right

    def url(self, schema: str) -> str:
        url = make_url(self.base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def new_schema(self) -> str:
        """A new empty schema (named t_…, as backup tests expect)."""
        schema = "t_" + uuid.uuid4().hex[:16]
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {quoted(schema)}"))
        self.made.append(schema)
        return schema

    def drop(self, schema: str) -> None:
        """Drop the schema; one still locked after 20 s is left for ``close()`` to try again."""
        try:
            with self.admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                conn.execute(text(f"DROP SCHEMA IF EXISTS {quoted(schema)} CASCADE"))
        except DBAPIError:
            return
        self.made.remove(schema)

    def close(self) -> None:
        for schema in list(self.made):
            self.drop(schema)
        self.admin.dispose()

    def schema_url(self, demo: bool) -> str:
        """The URL of this process's schema with the tables, emptied (and holding the demo if asked)."""
        if self.reused is None or not self._reset(self.reused):
            if self.reused is not None:
                self.drop(self.reused)
            self.reused = self._schema_with_tables()
        if demo:
            self._copy_demo(self.reused)
        return self.url(self.reused)

    def _schema_with_tables(self) -> str:
        schema = self.new_schema()
        engine = make_engine(self.url(schema))
        try:
            Base.metadata.create_all(engine)
        finally:
            engine.dispose()
        with self.admin.connect() as conn:
            found = self._fingerprint(conn, schema)
        if self.fingerprint is None:
            self.fingerprint = found
        assert found == self.fingerprint, "create_all made two different schemas"
        return schema

    def _fingerprint(self, conn: Connection, schema: str) -> str | None:
        ns = conn.execute(NAMESPACE, {"name": schema}).scalar()
        return None if ns is None else conn.execute(FINGERPRINT, {"ns": ns, "name": schema}).scalar_one()

    def _reset(self, schema: str) -> bool:
        """Empty the schema as a new one is; False when its definition changed or it is locked."""
        try:
            with self.admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                conn.execute(text("SET LOCAL synchronous_commit = off"))  # test data: no wait for the disk
                ns = conn.execute(NAMESPACE, {"name": schema}).scalar()
                if ns is None:
                    return False
                stamp = conn.execute(STAMP, {"ns": ns}).scalar_one()
                if self.stamps.get(schema) != stamp:
                    if self._fingerprint(conn, schema) != self.fingerprint:
                        return False
                    self.stamps[schema] = stamp
                tables = list(conn.execute(TABLES, {"ns": ns}).scalars())
                probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {quoted(schema, t)})"
                                           for t in tables)
                dirty = set(conn.execute(text(probe)).scalars()) if tables else set()
                used = conn.execute(USED_SEQUENCES, {"ns": ns}).all()
                dirty |= {owner for _sequence, owner in used if owner is not None}
                if dirty:
                    self.dirty_resets += 1
                    self._empty(conn, schema, sorted(dirty))
                for sequence, _owner in used:
                    conn.execute(text(f"ALTER SEQUENCE {quoted(schema, sequence)} RESTART"))
            return True
        except DBAPIError:
            return False

    def _empty(self, conn: Connection, schema: str, tables: list[str]) -> None:
        """Delete every row of ``tables`` with no trigger firing; every TRUNCATE_EVERY-th time, TRUNCATE."""
        if self.may_switch_triggers is None:
            self.may_switch_triggers = self._try_replica(conn)
        if self.may_switch_triggers and self.dirty_resets % TRUNCATE_EVERY:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                conn.execute(text(f"DELETE FROM {quoted(schema, table)}"))
        else:
            conn.execute(text(f"TRUNCATE TABLE {', '.join(quoted(schema, t) for t in tables)} CASCADE"))

    @staticmethod
    def _try_replica(conn: Connection) -> bool:
        try:
            with conn.begin_nested():
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text("SET LOCAL session_replication_role = origin"))
            return True
        except DBAPIError:
            return False

    def _copy_demo(self, schema: str) -> None:
        if self.demo_source is None:
            self._build_demo_source()
        if self.demo_copy is None:
            engine = make_engine(self.url(schema))
            try:
                with Session(engine, expire_on_commit=False) as session:
                    build_demo(session)
            finally:
                engine.dispose()
            return
        with self.admin.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # no trigger fires
            conn.execute(text("SET LOCAL synchronous_commit = off"))
            conn.execute(text(f"SET LOCAL search_path = {quoted(schema)}"))
            for statement in self.demo_copy:
                conn.execute(text(statement.replace("{target}", quoted(schema))))
            conn.execute(text(FILL["postgresql"]))
            conn.execute(text(RENEW_VERSIONS["postgresql"]))

    def _build_demo_source(self) -> None:
        schema = self.demo_source = self._schema_with_tables()
        engine = make_engine(self.url(schema))
        try:
            with Session(engine, expire_on_commit=False) as session:
                build_demo(session)
        finally:
            engine.dispose()
        with self.admin.connect() as conn:
            try:
                with conn.begin():
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
            except DBAPIError:
                return  # not allowed to switch triggers off: the demo is loaded per test
            ns = conn.execute(NAMESPACE, {"name": schema}).scalar_one()
            statements = []
            for table in conn.execute(TABLES, {"ns": ns}).scalars():
                if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {quoted(schema, table)})")).scalar_one():
                    columns = ", ".join(quoted(c) for c in conn.execute(text(
                        "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
                        "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum"),
                        {"t": quoted(schema, table)}).scalars())
                    statements.append(f"INSERT INTO {{target}}.{quoted(table)} ({columns}) OVERRIDING SYSTEM VALUE "
                                      f"SELECT {columns} FROM {quoted(schema, table)}")
            for sequence, _owner in conn.execute(USED_SEQUENCES, {"ns": ns}).all():
                last, called = conn.execute(text(f"SELECT last_value, is_called FROM {quoted(schema, sequence)}")).one()
                statements.append(f"SELECT setval('{{target}}.{quoted(sequence)}', {int(last)}, {bool(called)})")
            conn.rollback()
        self.demo_copy = statements

