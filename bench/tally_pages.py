"""The tally's pages and calls with the filters a user applies, on a kept project of ``bench/pages.py``.

``python bench/tally_pages.py --keep DIR --db both --repeat 20`` (the databases ``bench/pages.py --keep DIR``
made: ``DIR/pages-<size>.sqlite`` and the PostgreSQL schema ``pages_<size>``; migrated first). Through
Flask's test client as the project's owner: the tally page, its JSON API and a click on a number, each
without a filter, for one coder and for one municipality (a subset of cases, as an attribute filter
is), and the evidence matrix; median and p95 server time, and the median CPU time of this process
(on SQLite all of the work). Then ``compute_tally`` with case keys against a bare ``count(*)``, and the
same with every key read (what the API and an export do).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import CODERS, OWNER  # noqa: E402
from bench.pages import kept_database, ms, p95  # noqa: E402
from bench.run import login  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Median and p95 wall time, median CPU time."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), p95(walls), statistics.median(cpus)


def run_one(kind: str, args: argparse.Namespace) -> list[str]:
    from casecoder.analysis.tally import compute_tally
    from casecoder.app import create_app
    from casecoder.db import dispose
    from casecoder.models import Case, Code, Project, migrate
    from casecoder.models.engine import make_engine
    lines = []
    with kept_database(kind, args.keep, args.size) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine) as session:
            project = session.scalar(select(Project).where(Project.slug == "bench"))
            assert project is not None, "run bench/pages.py --keep first"
            h11 = session.scalar(select(Code.id).where(Code.project_id == project.id, Code.key == "H1.1"))
            town = session.scalar(select(Case.municipality).where(Case.project_id == project.id).limit(1))

            def count() -> None:
                session.execute(text("SELECT count(*) FROM codings")).scalar()

            def every_key() -> None:
                for row in compute_tally(session, project, case_keys=True).rows:
                    for c in row.counts.values():
                        tuple(c.case_keys or ())
            bare = timed(count, max(args.repeat, 15))
            for name, fn in (("tally with case keys (compute_tally)",
                              lambda: compute_tally(session, project, case_keys=True)),
                             ("the same, every key read", every_key)):
                median, high, cpu = timed(fn, max(args.repeat, 15))
                lines.append(f"| {kind} | {name} | {ms(median)} | {ms(high)} | {ms(cpu)} | "
                             f"{median / bare[0]:.1f}x count(*) ({ms(bare[0])} ms; CPU {cpu / bare[2]:.1f}x) |")
                print(lines[-1], flush=True)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-tally"})
        client = app.test_client()
        login(client, OWNER)
        p, api = "/p/bench", "/api/projects/bench/tally"
        for name, path in (("tally page", f"{p}/tally"),
                           (f"tally page, coder {CODERS[0]}", f"{p}/tally?coder={CODERS[0]}"),
                           (f"tally page, municipality {town}", f"{p}/tally?municipality={town}"),
                           ("tally API (case keys)", api),
                           (f"tally API, coder {CODERS[0]}", f"{api}?coder={CODERS[0]}"),
                           (f"tally API, municipality {town}", f"{api}?municipality={town}"),
                           ("tally: click on a number", f"{p}/tally/{h11}/family"),
                           (f"click, coder {CODERS[0]}", f"{p}/tally/{h11}/family?coder={CODERS[0]}"),
                           (f"click, municipality {town}", f"{p}/tally/{h11}/family?municipality={town}"),
                           ("matrix H1", f"{p}/matrix/H1")):
            def get(path: str = path) -> None:
                response = client.get(path)
                response.get_data()
                assert response.status_code in (200, 302), (path, response.status_code)
            get()
            median, high, cpu = timed(get, args.repeat)
            lines.append(f"| {kind} | {name} | {ms(median)} | {ms(high)} | {ms(cpu)} | |")
            print(lines[-1], flush=True)
        dispose(app)
        engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", required=True, help="the folder (and schema pages_<size>) bench/pages.py kept")
    args = parser.parse_args(argv)
    lines = ["| db | page or call | median ms | p95 ms | CPU ms | |", "| --- | --- | --- | --- | --- | --- |"]
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        lines += run_one(kind, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
