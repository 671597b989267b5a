"""The real server (#10): ``casecoder serve --production`` (gunicorn, several workers) under concurrent
HTTP clients, and the production server's configuration. ``kill -9`` mid-import: test_server_kill.py.
"""
from __future__ import annotations

import subprocess
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from casecoder import config
from casecoder.coding import accounts
from casecoder.models import Code, Coding, Excerpt, ExcerptMemo
from tests.factories import PASSWORD, Factory
from tests.server_helpers import POSTGRES, Client, casecoder_args, free_port, server_env

pytestmark = pytest.mark.server


# ---- a. concurrency ----

TEXT = "Interviewer: Hvordan gik det?\n\nInterviewperson: " + " ".join(
    f"Sætning {n:03d} om koordinatoren og hverdagen." for n in range(200)) + "\n"
USERS, PER_USER, PATCHES = 6, 8, 4


@POSTGRES
def test_concurrent_coders_on_one_source_lose_nothing(engine, session, start_server):
    f = Factory(session)
    owner = f.user("owner")
    project = f.project("conc", owner)
    source = f.source(project, [f.case(project)], text=TEXT)
    coders = [f.user(f"coder{i}") for i in range(USERS)]
    for coder in coders:
        accounts.add_member(session, project, coder, "coder")
    keys = list(session.scalars(select(Code.key).where(Code.project_id == project.id, Code.codable.is_(True),
                                                       Code.archived.is_(False)).order_by(Code.key)))[:USERS + 1]
    shared = f.excerpt(owner, source, "Sætning 199 om koordinatoren", [(f.code(project, keys[0]), "supports")])
    session.commit()
    session.close()
    server = start_server(engine.url.render_as_string(hide_password=False), workers=3)

    results: dict[int, list[tuple[str, int, Any]]] = {i: [] for i in range(USERS)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(USERS, timeout=60)

    def work(i: int) -> None:
        try:
            client = Client(server.base)
            client.login(f"coder{i}", PASSWORD)
            client.page_token("/p/conc/")
            barrier.wait()
            for j in range(PER_USER):
                start = (i * PER_USER + j) * 40 + 60
                status, body = client.json("POST", "/api/p/conc/excerpts", {
                    "source_id": source.id, "start": start, "end": start + 30,
                    "codes": [keys[i], {"code": keys[i + 1], "direction": "nuances"}]})
                results[i].append(("create", status, body))
                if j % (PER_USER // PATCHES) == 0:
                    status, body = client.json("PATCH", f"/api/p/conc/excerpts/{shared.id}",
                                               {"memo": f"coder{i} {j}", "codes": [keys[i + 1]]})
                    results[i].append(("patch", status, body))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a client hung"

    statuses = [(kind, status) for rows in results.values() for kind, status, _ in rows]
    failures = [s for s in statuses if s[1] >= 500]
    log = server.output()
    assert not failures, (f"{len(failures)} of {len(statuses)} calls answered 500; the server's first traceback:\n"
                          + log[log.find("Traceback"):][:4000])
    assert all(status == 201 for kind, status in statuses if kind == "create"), statuses
    assert all(status in (200, 409) for kind, status in statuses if kind == "patch"), statuses
    assert "Traceback" not in log and "WORKER TIMEOUT" not in log

    session.expire_all()
    created = {body["id"]: i for i, rows in results.items() for kind, status, body in rows if kind == "create"}
    assert len(created) == USERS * PER_USER
    rows = session.execute(select(Excerpt.id, Code.key, Coding.direction, Coding.coder_id)
                           .join(Coding, Coding.excerpt_id == Excerpt.id).join(Code, Code.id == Coding.code_id)
                           .where(Excerpt.id.in_(created))).all()
    by_excerpt: dict[int, set[tuple[str, str, int]]] = {}
    for excerpt_id, key, direction, coder_id in rows:
        by_excerpt.setdefault(excerpt_id, set()).add((key, direction.value, coder_id))
    for excerpt_id, i in created.items():
        assert by_excerpt.get(excerpt_id) == {(keys[i], "supports", coders[i].id),
                                              (keys[i + 1], "nuances", coders[i].id)}, excerpt_id
    assert session.scalar(select(func.count(Excerpt.id)).where(Excerpt.source_id == source.id)) == len(created) + 1
    shared_codings = set(session.execute(select(Coding.coder_id, Code.key).join(Code)
                                         .where(Coding.excerpt_id == shared.id)).all())
    patched = {i for i, rows in results.items() if any(k == "patch" and s == 200 for k, s, _ in rows)}
    assert shared_codings == {(owner.id, keys[0])} | {(coders[i].id, keys[i + 1]) for i in patched}
    memos = {u: t for u, t in session.execute(select(ExcerptMemo.user_id, ExcerptMemo.text)
                                               .where(ExcerptMemo.excerpt_id == shared.id))}
    for i, rows in results.items():  # each coder's memo is the one of their last save that went through
        saved = [body for k, s, body in rows if k == "patch" and s == 200]
        if saved:
            assert memos[coders[i].id] == next(m["text"] for m in saved[-1]["memos"] if m["user"] == coders[i].username)


# ---- configuration of the production server ----

def test_production_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = server_env(f"sqlite:///{tmp_path / 'x.sqlite'}", tmp_path)
    del env["CASECODER_SECRET_KEY"]
    result = subprocess.run(casecoder_args("serve", "--production", "--port", str(free_port())), env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "CASECODER_SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_proxy_fix_is_switched_on_by_the_environment(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from casecoder.app import create_app
    assert config.env_overrides({"CASECODER_PROXY_FIX": "1"}) == {"PROXY_FIX": True}
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}", "PROXY_FIX": True})
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 1)
