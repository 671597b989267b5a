"""Where a page waits (issue #25): each SQL statement of some routes with its median time, on a project kept by
``bench/pages.py --keep DIR``: ``python bench/statements.py --db postgresql --keep DIR --only '^/p/<slug>/$'``.

The routes and their ids are ``bench/pages.py --all``'s (``--only`` a regular expression on their labels), each
requested ``--repeat`` times as the owner and as a coder after one unmeasured request; printed per route: the
median wall and thread CPU time of a request and of the time its statements took (SQLAlchemy cursor events,
the driver's fetch included), then every statement over ``--min`` ms by its place in the request, shortened to
``--width`` characters. A statement's time under load includes waiting for the CPU: compare within a run."""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.pages import CODERS, OWNER, all_routes, kept_database, login, prepare, prepare_all  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--keep", required=True, help="the folder / schema bench/pages.py --keep made")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--only", required=True, help="the routes whose label matches this regular expression")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min", type=float, default=0.5, help="list the statements over this many ms")
    parser.add_argument("--width", type=int, default=160)
    args = parser.parse_args(argv)
    from casecoder.app import create_app
    from casecoder.cli import serve
    from casecoder.db import dispose
    from casecoder.models import migrate
    from casecoder.models.engine import make_engine
    with kept_database(args.db, args.keep, args.size) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            project, source_id, chain_id = prepare(session, args.size, 1)
            ids = prepare_all(session, project, source_id, chain_id)
        engine.dispose()
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-pages"})
        serve.warm_up(app)
        log: list[tuple[str, float]] = []

        def before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["statement_t0"] = time.perf_counter()

        def after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            log.append((statement, time.perf_counter() - conn.info["statement_t0"]))
        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        clients = []
        for who, name in (("owner", OWNER), ("coder", CODERS[0])):
            client = app.test_client()
            login(client, name)
            clients.append((who, client))
        for _endpoint, label, url_, is_download in all_routes(app, ids):
            if is_download or not re.search(args.only, label):
                continue
            for who, client in clients:
                per: dict[tuple[int, str], list[float]] = defaultdict(list)
                walls, cpus, waits, status = [], [], [], 0
                for i in range(args.repeat + 1):
                    log.clear()
                    t0, c0 = time.perf_counter(), time.thread_time()
                    response = client.get(url_)
                    response.get_data()
                    status = response.status_code
                    if i:
                        walls.append(time.perf_counter() - t0)
                        cpus.append(time.thread_time() - c0)
                        waits.append(sum(t for _, t in log))
                        for n, (statement, t) in enumerate(log):
                            per[(n, statement)].append(t)
                print(f"\n{who} {label} ({url_}, {status}): wall {statistics.median(walls) * 1e3:.1f} ms, "
                      f"CPU {statistics.median(cpus) * 1e3:.1f}, statements {statistics.median(waits) * 1e3:.1f} "
                      f"({len(per)})")
                for (n, statement), times in sorted(per.items()):
                    if statistics.median(times) * 1e3 >= args.min:
                        print(f"  [{n}] {statistics.median(times) * 1e3:6.2f} ms  {' '.join(statement.split())[:args.width]}")
        dispose(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
