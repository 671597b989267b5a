"""Migration 0015: each shared excerpts.memo becomes its creator's own memo in excerpt_memos (an excerpt
without a creator: the project's first owner's), the column goes, and the downgrade puts one back."""
from __future__ import annotations

from sqlalchemy import inspect, text

from casecoder.models import migrate
from casecoder.models.engine import make_engine

USERS = ("INSERT INTO users (id, username, display_name, password_hash, is_admin, active, language, created_at) "
         "VALUES (:id, :name, :name, 'x', false, true, 'da', CURRENT_TIMESTAMP)")
EXCERPT = ("INSERT INTO excerpts (id, project_id, source_id, start_offset, end_offset, text, memo, created_by_id, "
           "created_at, updated_at, version) VALUES (:id, 1, 1, 0, 3, 'hej', :memo, :by, CURRENT_TIMESTAMP, "
           "CURRENT_TIMESTAMP, 1)")


def test_the_shared_memo_becomes_the_creators_own_and_comes_back_on_downgrade(db_url):
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0014")
        with engine.begin() as conn:
            for id_, name in ((1, "anna"), (2, "olga")):
                conn.execute(text(USERS), {"id": id_, "name": name})
            conn.execute(text("INSERT INTO projects (id, slug, title, description, created_at) "
                              "VALUES (1, 'p', 'P', '', CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO memberships (id, project_id, user_id, role) VALUES (1, 1, 2, 'owner')"))
            conn.execute(text("INSERT INTO sources (id, project_id, title, perspective, text, original_filename, "
                              "sha256, memo, created_at) VALUES (1, 1, 'T', 'family', 'hej med dig', '', 'x', '', "
                              "CURRENT_TIMESTAMP)"))
            for id_, memo, by in ((1, "annas tanke", 1), (2, "", 1), (3, "uden ophav", None)):
                conn.execute(text(EXCERPT), {"id": id_, "memo": memo, "by": by})
        migrate.upgrade(engine, "0015")
        assert "memo" not in {c["name"] for c in inspect(engine).get_columns("excerpts")}
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT excerpt_id, user_id, text FROM excerpt_memos ORDER BY excerpt_id")).all()
        assert [tuple(r) for r in rows] == [(1, 1, "annas tanke"), (3, 2, "uden ophav")]  # no row for an empty memo
        migrate.downgrade(engine, "0014")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT id, memo FROM excerpts ORDER BY id")).all()
        assert [tuple(r) for r in back] == [(1, "annas tanke"), (2, ""), (3, "uden ophav")]
        assert "excerpt_memos" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
