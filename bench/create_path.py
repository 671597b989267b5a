"""The create path of issue #25: ``python bench/create_path.py [--db sqlite|postgresql|both] [--posts N] [--show] [--pre-ping]``.

Per database: a fresh database with the small synthetic project (bench/generate.py) and a 50-page
transcript (150,000 characters); logged in as a coder, ``--posts`` excerpts are created through
``POST /api/p/<slug>/excerpts`` as the workbench sends them (JSON body, X-CSRFToken header; one or two
codes, as ../shared/bench/casecoder_workload.py) twice: through Flask's test client and over HTTP to
a real werkzeug server on 127.0.0.1 in this process. The SQL statements each create runs are counted
with SQLAlchemy's ``before_cursor_execute`` event (``executemany`` counts once: one round trip), plus
BEGIN/COMMIT; printed: statements and ms per create (median, min-max) and the CPU time per create of this
process (client and server; all of SQLite's work; mean). ``--show`` lists one create's
statements. gunicorn is measured by ../shared/bench/side_by_side.py (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import CODERS, PASSWORD, generate  # noqa: E402
from bench.run import CSRF_RE, bench_app, long_source  # noqa: E402

KEYS = ["H1.1", "H1.4", "ST.3", "ST.5", "H2.1", "B.2", "E.1", "S.3"]


class Counter:
    """The statements run on ``engine`` while ``on`` (executemany once), and the transaction ends."""

    def __init__(self, engines) -> None:  # type: ignore[no-untyped-def]
        self.on, self.statements = False, []  # type: ignore[var-annotated]
        self.started = 0.0
        for engine in engines:  # on PostgreSQL the create's own autocommit engine too (casecoder/db.py)
            event.listen(engine, "before_cursor_execute", self._stmt)
            event.listen(engine, "after_cursor_execute", self._done)
            event.listen(engine, "commit", lambda conn: self._note("COMMIT"))
            event.listen(engine, "rollback", lambda conn: self._note("ROLLBACK"))

    def _stmt(self, conn, cursor, statement, params, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self._note(("(many) " if executemany else "") + " ".join(statement.split()))
        self.started = time.perf_counter()

    def _done(self, *args) -> None:  # type: ignore[no-untyped-def]
        if self.on and self.statements:  # the statement's own time, database round trip included
            self.statements[-1] = f"[{(time.perf_counter() - self.started) * 1000:5.2f} ms] " + self.statements[-1]

    def _note(self, what: str) -> None:
        if self.on:
            self.statements.append(what)


def body(source_id: int, spans: list[tuple[int, int]], i: int) -> dict[str, object]:
    start, end = spans[(i * 7) % len(spans)]
    codes: list[object] = [{"code": KEYS[i % len(KEYS)], "direction": "supports"}]
    if i % 3 == 0:
        codes.append({"code": KEYS[(i + 3) % len(KEYS)], "direction": "nuances"})
    return {"source_id": source_id, "start": start, "end": end, "codes": codes, "memo": ""}


def via_test_client(app, slug: str, source_id: int, spans, posts: int, counter: Counter, offset: int):  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post("/auth/login", data={"username": CODERS[0], "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/p/{slug}/sources/{source_id}").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]

    def post(i: int) -> None:
        response = client.post(f"/api/p/{slug}/excerpts", json=body(source_id, spans, offset + i),
                               headers={"X-CSRFToken": token})
        assert response.status_code == 201, response.get_data(as_text=True)
    return measure(post, posts, counter)


def via_http(app, slug: str, source_id: int, spans, posts: int, counter: Counter, offset: int):  # type: ignore[no-untyped-def]
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            pass
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        page = opener.open(base + "/auth/login").read().decode()
        token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode({"username": CODERS[0], "password": PASSWORD, "csrf_token": token}).encode()
        opener.open(base + "/auth/login", form).read()
        page = opener.open(f"{base}/p/{slug}/sources/{source_id}").read().decode()
        token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]

        def post(i: int) -> None:
            request = urllib.request.Request(
                f"{base}/api/p/{slug}/excerpts", json.dumps(body(source_id, spans, offset + i)).encode(),
                {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token})
            with opener.open(request) as response:
                assert response.status == 201
                response.read()
        return measure(post, posts, counter)
    finally:
        server.shutdown()
        server.server_close()


CPU: list[float] = []  # the CPU time of each create (this process: client and server; SQLite runs in it)


def measure(post, posts: int, counter: Counter) -> tuple[list[float], list[list[str]]]:  # type: ignore[no-untyped-def]
    post(-1)  # warm-up: caches, prepared statements
    times, statements = [], []
    CPU.clear()
    for i in range(posts):
        counter.statements = []
        counter.on = True
        t0, c0 = time.perf_counter(), time.process_time()
        post(i)
        times.append((time.perf_counter() - t0) * 1000)
        CPU.append((time.process_time() - c0) * 1000)
        counter.on = False
        statements.append(counter.statements)
    return times, statements


def run(kind: str, posts: int, show: bool, pre_ping: bool = False) -> None:
    from casecoder.db import engines_of
    with bench_app(kind) as (_url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            project = generate(session, "small", 1, slug="bench", bulk=True)
            source, spans = long_source(session, project, 150_000, 7, "Bench 50 pages")
            slug, source_id = project.slug, source.id
        counter = Counter(engines_of(app))
        if pre_ping:  # what a ping on every checkout would cost (models/engine.py has none): one round trip
            for engine in engines_of(app):
                engine.pool._pre_ping = True
        for label, fn, offset in (("test client", via_test_client, 0), ("werkzeug HTTP", via_http, 10_000)):
            times, statements = fn(app, slug, source_id, spans, posts, counter, offset)
            counts = sorted(len(s) for s in statements)
            print(f"{kind:10} {label:14} statements/create {statistics.median(counts):5.1f} "
                  f"({counts[0]}-{counts[-1]})   ms/create {statistics.median(times):6.2f} "
                  f"({min(times):.2f}-{max(times):.2f})   CPU ms/create {statistics.mean(CPU):5.2f}", flush=True)
            if show and label == "test client":
                one = statements[len(statements) // 2]
                for n, statement in enumerate(one, 1):
                    print(f"   {n:2}. {statement[:220]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--show", action="store_true", help="list one create's statements")
    parser.add_argument("--pre-ping", action="store_true", help="PostgreSQL: ping when a request takes a "
                        "connection from the pool (SQLAlchemy's pool_pre_ping; to measure what it costs)")
    args = parser.parse_args(argv)
    from bench.machine_speed import line
    from bench.run import DEFAULT_PG
    pg_url = (os.environ.get("CASECODER_BENCH_DATABASE_URL") or os.environ.get("CASECODER_TEST_DATABASE_URL")
              or DEFAULT_PG) if args.db != "sqlite" else None
    print(line(pg_url), flush=True)  # the machine's state beside the figures (its speed drifts)
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        run(kind, args.posts, args.show, args.pre_ping)
    return 0


if __name__ == "__main__":
    sys.exit(main())
