"""First drawing of the figures the pages show and download (issue #25): ``python bench/figures.py --keep DIR``.

The project of ``bench/pages.py`` (kept with ``--keep``, as there), the app prepared as a gunicorn worker is
(``serve.warm_up``, ``gc.freeze``), logged in as the owner. Each figure URL (the saved chain, the H1 overview,
the H1 tally chart, the co-occurrence of H1.1-H1.5; SVG, PNG and PDF) is asked for ``--repeat`` times, each
time with the figure memo emptied (``figures.memo.clear``): every request draws its figure, as the first
request for it does. ``--cold`` also empties the text measurements the chain and overview figures remember
(a worker's very first figure). Printed: median and p95 wall time, median CPU time of this process, bytes.
``--profile URL-REGEX`` prints a cProfile of the matching figures' requests instead.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import OWNER  # noqa: E402
from bench.pages import kept_database, ms, p95, prepare  # noqa: E402
from bench.run import login  # noqa: E402


def urls(slug: str, chain_id: int) -> list[tuple[str, str]]:
    p = f"/p/{slug}/figures"
    out = []
    for fmt in ("svg", "png", "pdf"):
        out += [(f"chain {fmt}", f"{p}/chain-{chain_id}.{fmt}"), (f"overview H1 {fmt}", f"{p}/overview-H1.{fmt}"),
                (f"tally H1 {fmt}", f"{p}/tally-H1.{fmt}"),
                (f"cooccurrence H1.1-5 {fmt}", f"{p}/cooccurrence.{fmt}?codes=H1.1,H1.2,H1.3,H1.4,H1.5")]
    return out


def forget(cold: bool) -> None:
    from casecoder.figures import chains, memo, metrics
    memo.clear()
    if cold:
        chains._MEASURED.clear()
        metrics.clear()


def run(kind: str, args: argparse.Namespace) -> list[str]:
    from casecoder.app import create_app
    from casecoder.cli import serve
    from casecoder.db import dispose
    from casecoder.models import migrate
    from casecoder.models.engine import make_engine
    with kept_database(kind, args.keep, args.size) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            project, _, chain_id = prepare(session, args.size, args.seed)
            slug = project.slug  # type: ignore[attr-defined]
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-figures"})
        serve.warm_up(app)
        serve._pre_fork(None, None)  # frozen and the collector tuned, as in a worker
        client = app.test_client()
        login(client, OWNER)
        lines = []
        for label, url_ in urls(slug, chain_id):
            if args.only and not re.search(args.only, label):
                continue
            client.get(url_)                       # the data's queries warmed up once
            if args.profile:
                profiler = cProfile.Profile()
                for _ in range(args.repeat):
                    forget(args.cold)
                    profiler.enable()
                    client.get(url_)
                    profiler.disable()
                print(f"== {kind} {label}")
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)
                continue
            wall, cpu, size = [], [], 0
            for _ in range(args.repeat):
                forget(args.cold)
                t0, c0 = time.perf_counter(), time.process_time()
                response = client.get(url_)
                body = response.get_data()
                wall.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                assert response.status_code == 200, (url_, response.status_code)
                size = len(body)
            lines.append(f"| {kind} | {label} | {ms(statistics.median(wall))} | {ms(p95(wall))} | "
                         f"{ms(statistics.median(cpu))} | {size / 1024:,.0f} KB |")
            print(lines[-1], flush=True)
        dispose(app)
        engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="the folder / schema of bench/pages.py --keep")
    parser.add_argument("--only", help="only the figures whose label matches this regular expression")
    parser.add_argument("--cold", action="store_true", help="also forget the remembered text measurements")
    parser.add_argument("--profile", action="store_true", help="a cProfile of the requests instead of times")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args(argv)
    lines = ["| db | figure (first drawing, owner) | median ms | p95 ms | CPU median ms | bytes |",
             "| --- | --- | --- | --- | --- | --- |"]
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        lines += run(kind, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
