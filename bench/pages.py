"""Server time of the pages and JSON calls of issue #25: ``python bench/pages.py --size large --db both``.

For each database: the synthetic project of ``--size`` (``bench/generate.py``; with ``--keep DIR`` kept
in ``DIR/pages-<size>.sqlite`` and the PostgreSQL schema ``pages_<size>`` and reused by the next run,
since generating the large project takes many minutes), a transcript of about 200 pages with 1,000
excerpts and a saved chain of four nodes; then each page or call below ``--repeat`` times through Flask's
test client, logged in as the project's owner (in-process: the code a gunicorn worker runs, without
the socket). Printed as a Markdown table: median and p95 server time, and the bytes of the answer
(uncompressed, and gzipped when the client accepts it). The tally with case keys is also timed as a
function against a bare ``SELECT count(*) FROM codings`` (the ratio the issue sets at 3x or less).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import OWNER, counts, generate  # noqa: E402
from bench.run import CHAIN, DEFAULT_PG, database, login, long_source  # noqa: E402

BIG_TITLE = "Bench 200 pages 1000 excerpts"


@contextlib.contextmanager
def kept_database(kind: str, keep: str | None, size: str) -> Iterator[str]:
    """A database URL: temporary (``bench.run.database``) or kept under ``keep`` for the next run."""
    if not keep:
        with database(kind) as url:
            yield url
        return
    if kind == "sqlite":
        Path(keep).mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{Path(keep) / f'pages-{size}.sqlite'}"
        return
    from casecoder.models.engine import make_engine
    base = os.environ.get("CASECODER_BENCH_DATABASE_URL") or os.environ.get("CASECODER_TEST_DATABASE_URL") or DEFAULT_PG
    schema = f"pages_{size}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def prepare(session: Session, size: str, seed: int) -> tuple[object, int, int]:
    """The project (generated unless there), its 1,000-excerpt transcript and its saved chain."""
    from casecoder.coding import accounts, excerpts
    from casecoder.coding.chains import save_chain
    from casecoder.models import Chain, Code, Project, Source
    project = session.scalar(select(Project).where(Project.slug == "bench"))
    if project is None:
        t0 = time.perf_counter()
        project = generate(session, size, seed, slug="bench")
        print(f"generated {counts(session, project)} in {time.perf_counter() - t0:.0f} s", flush=True)
    source = session.scalar(select(Source).where(Source.project_id == project.id, Source.title == BIG_TITLE))
    if source is None:
        source, spans = long_source(session, project, 500_000, 99, BIG_TITLE)
        coder = accounts.get_user(session, OWNER)
        codes = session.scalars(select(Code).where(Code.project_id == project.id, Code.codable.is_(True))
                                .order_by(Code.key)).all()
        for i in range(1000):
            start, end = spans[(i * 3) % len(spans)]
            excerpts.create_excerpt(session, coder, source, start, end, [(codes[i % len(codes)], "supports")])
        session.commit()
    chain = session.scalar(select(Chain).where(Chain.project_id == project.id, Chain.title == CHAIN[0]))
    if chain is None:
        title, keys, arrows = CHAIN
        chain = save_chain(session, project, accounts.get_user(session, OWNER), title=title, keys=keys,
                           arrows=arrows, scope="family")
        session.commit()
        session.execute(text("ANALYZE"))  # planner statistics after the bulk load, as autovacuum would
        session.commit()
    return project, source.id, chain.id


def pages(slug: str, source_id: int, chain_id: int) -> list[tuple[str, str]]:
    p = f"/p/{slug}"
    return [("excerpt list, first page", f"{p}/excerpts"),
            ("excerpt list, page 20", f"{p}/excerpts?page=20"),
            ("excerpt list, one code (H1.1)", f"{p}/excerpts?code=__H1.1__"),
            ("tally page", f"{p}/tally"),
            ("tally API (case keys)", f"/api/projects/{slug}/tally"),
            ("tally: click on a number", f"{p}/tally/__H1.1__/family"),
            ("matrix H1", f"{p}/matrix/H1"),
            ("chains page (statement graph)", f"{p}/chains"),
            ("saved chain page", f"{p}/chains/{chain_id}"),
            ("search 'koordinator'", f"{p}/search?q=koordinator"),
            ("workbench page, 1,000 excerpts", f"{p}/sources/{source_id}"),
            ("excerpt JSON of that transcript", f"/api/p/{slug}/sources/{source_id}/excerpts")]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def run_one(kind: str, args: argparse.Namespace) -> list[str]:
    from casecoder.analysis.tally import compute_tally
    from casecoder.app import create_app
    from casecoder.db import engine_of
    from casecoder.models import Code, migrate
    from casecoder.models.engine import make_engine
    lines = []
    with kept_database(kind, args.keep, args.size) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            project, source_id, chain_id = prepare(session, args.size, args.seed)
            h11 = session.scalar(select(Code.id).where(Code.project_id == project.id, Code.key == "H1.1"))
            bare, keyed = [], []
            for _ in range(max(args.repeat, 15)):
                t0 = time.perf_counter()
                session.execute(text("SELECT count(*) FROM codings")).scalar()
                t1 = time.perf_counter()
                compute_tally(session, project, case_keys=True)
                bare.append(t1 - t0)
                keyed.append(time.perf_counter() - t1)
            lines.append(f"| {kind} | tally with case keys (compute_tally) | {ms(statistics.median(keyed))} | "
                         f"{ms(p95(keyed))} | {statistics.median(keyed) / statistics.median(bare):.1f}x "
                         f"count(*) ({ms(statistics.median(bare))} ms) |")
            print(lines[-1], flush=True)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-pages"})
        client = app.test_client()
        login(client, OWNER)
        for name, url_ in pages(project.slug, source_id, chain_id):  # type: ignore[attr-defined]
            url_ = url_.replace("__H1.1__", str(h11))
            samples, size, zipped = [], 0, 0
            for i in range(args.repeat + 1):
                t0 = time.perf_counter()
                response = client.get(url_, headers={"Accept-Encoding": "gzip"} if i == 0 else {})
                body = response.get_data()
                if i:
                    samples.append(time.perf_counter() - t0)
                    size = len(body)
                else:
                    zipped = len(body) if response.headers.get("Content-Encoding") == "gzip" else 0
                assert response.status_code in (200, 302), (url_, response.status_code)  # a click redirects
            lines.append(f"| {kind} | {name} | {ms(statistics.median(samples))} | {ms(p95(samples))} | "
                         f"{size / 1024:,.0f} KB" + (f", gzip {zipped / 1024:,.0f} KB" if zipped else "") + " |")
            print(lines[-1], flush=True)
        engine_of(app).dispose()
        engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="keep the databases in this folder / schema pages_<size> for the next run")
    args = parser.parse_args(argv)
    lines = ["| db | page or call | median ms | p95 ms | answer |", "| --- | --- | --- | --- | --- |"]
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        lines += run_one(kind, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
