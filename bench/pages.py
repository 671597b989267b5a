"""Server time of the pages and JSON calls of issue #25: ``python bench/pages.py --size large --db both``.

For each database: the synthetic project of ``--size`` (``bench/generate.py``; with ``--keep DIR`` kept
in ``DIR/pages-<size>.sqlite`` and the PostgreSQL schema ``pages_<size>`` and reused by the next run,
since generating the large project takes many minutes), a transcript of about 200 pages with 1,000
excerpts and a saved chain of four nodes; then each page or call below ``--repeat`` times through Flask's
test client, logged in as the project's owner (in-process: the code a gunicorn worker runs, without
the socket). Printed as a Markdown table: median and p95 server time, and the bytes of the answer
(uncompressed, and gzipped when the client accepts it). The tally with case keys is also timed as a
function against a bare ``SELECT count(*) FROM codings`` (the ratio the issue sets at 3x or less).

``--all`` then walks ``app.url_map``: every GET route (pages, JSON calls, the GET side of forms), its ids
filled from the project (the case of the 1,000-excerpt transcript, the most-used code, that transcript,
a double-coded one, the chain, an import job...) and, where a page does its work only with arguments, a few
variants (``VARIANTS``), each as the owner and as a coder (a blind double coder: other queries), the
/admin pages as a site administrator; the downloads (exports, figures, .docx, .csv: no 100 ms target)
once each as the owner in a table of their own; then every route over 100 ms p95. The routes' table also gives the
median CPU time of this process per request (on SQLite all of the work: steadier than wall time on a busy machine). ``--only REGEX``
measures just the routes whose label matches (and skips the issue's table). ``--downloads`` times only the
downloads, each ``--download-repeat`` times after a first request whose time is shown too (a figure's cache
is cold then), with the median CPU time: ``python bench/pages.py --size large --db sqlite --downloads
--download-repeat 3 --keep DIR``.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import re
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

from bench.generate import CODERS, OWNER, PASSWORD, counts, generate  # noqa: E402
from bench.run import CHAIN, DEFAULT_PG, database, login, long_source  # noqa: E402

BIG_TITLE = "Bench 200 pages 1000 excerpts"
ADMIN = "bench-admin"  # a site administrator, for --all's /admin pages


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
        maintain(session.get_bind())  # planner statistics after the bulk load, as autovacuum would
    return project, source.id, chain.id


def maintain(engine: object) -> None:
    """What a running installation's maintenance does after a bulk load or a migration: planner statistics
    (SQLite ``ANALYZE``; PostgreSQL ``VACUUM ANALYZE``, autovacuum's work: this machine's server runs with
    autovacuum off, and without a vacuum there are no index-only scans)."""
    from sqlalchemy.engine import Engine
    assert isinstance(engine, Engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


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


DOWNLOADS = {"bundles.export", "refi.export_qdc", "refi.export_qdpx", "exports.bundle", "chains.figure",
             "analysis.cooccurrence_figure", "chains.overview_figure", "analysis.tally_figure",
             "coded_export.coded_docx", "pseudonyms.key_export"}
SKIPPED = {"static"}
AGREE = "coders=bench-anna&coders=bench-bo"
# Endpoints whose page does its work only with arguments: (label, query, path values changed)
VARIANTS: dict[str, list[tuple[str, str, dict[str, object]]]] = {
    "excerpts.index": [("", "", {}), ("page 20", "page=20", {}), ("one code", "code={code_id}", {})],
    "search.index": [("", "", {}), ("'koordinator'", "q=koordinator", {})],
    "agreement.results": [("", "", {}), ("anna/bo, cases", AGREE, {}),
                          ("anna/bo, segments", AGREE + "&level=segment", {}),
                          ("anna/bo, H1", AGREE + "&hypothesis=H1", {})],
    "agreement.disagreement_list": [("", "", {}), ("anna/bo", AGREE, {})],
    "projects.audit": [("", "", {}), ("page 1,000", "page=1000", {}), ("one user", "user={coder_id}", {}),
                       ("one user, page 500", "user={coder_id}&page=500", {})],
    "cases.index": [("", "", {}), ("sorted by key, descending", "sort=key&desc=1", {}),
                    ("key contains 9", "q=9", {})],
    "coding.source": [("1,000 excerpts", "", {}), ("double-coded", "", {"source_id": "{double_source_id}"}),
                      ("select", "select=100-200", {})],
    "api.source_excerpts": [("1,000 excerpts", "", {}), ("double-coded", "", {"source_id": "{double_source_id}"})],
    "chains.index": [("", "", {}), ("family", "scope=family", {})],
    "analysis.tally_cases": [(m, "", {"measure": m}) for m in ("family", "both", "either")],
    "pseudonyms.review": [("", "", {}), ("all", "status=all", {})],
    "exports.bundle": [(k, {"chain": "chain={chain_id}", "agreement": AGREE, "matrix": "code=H1", "overview": "code=H1",
                            "chapter": "code=H1", "quotes": "code=H1",
                            "cooccurrence": "codes=H1.1,H1.2,H1.3,H1.4,H1.5"}.get(k, ""),
                        {"kind": k})
                       for k in ("tally", "matrix", "cooccurrence", "chain", "overview", "quotes", "selection",
                                 "interviewees", "agreement", "chapter")],
}
for _figure in ("chains.figure", "analysis.cooccurrence_figure", "chains.overview_figure", "analysis.tally_figure"):
    VARIANTS[_figure] = [(fmt, "", {"fmt": fmt}) for fmt in ("svg", "png", "pdf")]
PATH_VALUES = {"key": "H1", "measure": "family", "fmt": "svg", "user_id": "{coder_id}"}


def prepare_all(session: Session, project: object, source_id: int, chain_id: int) -> dict[str, object]:
    """The ids ``--all`` fills the routes with (the heaviest of each kind), adding an admin and a job."""
    from sqlalchemy import func

    from casecoder.analysis.double_coding import double_coded_source_ids
    from casecoder.coding import accounts
    from casecoder.models import Case, Coding, Excerpt, ImportJob, Interviewee, User
    pid = project.id  # type: ignore[attr-defined]
    if session.scalar(select(User.id).where(User.username == ADMIN)) is None:
        accounts.create_user(session, ADMIN, PASSWORD, is_admin=True, language="en")
    owner = accounts.get_user(session, OWNER)
    if session.scalar(select(ImportJob.id).where(ImportJob.user_id == owner.id)) is None:
        session.add(ImportJob(user_id=owner.id, project_id=pid, kind="bundle", filename="bench.zip", state="done",
                              done=9000, total=9000, message="Imported."))
    session.commit()
    top_code = session.execute(select(Coding.code_id, func.count()).join(Excerpt, Excerpt.id == Coding.excerpt_id)
                               .where(Excerpt.project_id == pid).group_by(Coding.code_id)
                               .order_by(func.count().desc(), Coding.code_id).limit(1)).first()
    return {
        "slug": project.slug,  # type: ignore[attr-defined]
        "source_id": source_id, "chain_id": chain_id,
        "case_id": session.scalar(select(Case.id).where(Case.project_id == pid, Case.key == "F0001")),
        "person_id": session.scalar(select(Interviewee.id).where(Interviewee.project_id == pid)
                                    .order_by(Interviewee.id).limit(1)),
        "code_id": top_code[0] if top_code else None,
        "excerpt_id": session.scalar(select(func.min(Excerpt.id)).where(Excerpt.source_id == source_id)),
        "double_source_id": min(double_coded_source_ids(session, pid)),
        "job_id": session.scalar(select(ImportJob.id).where(ImportJob.user_id == owner.id).limit(1)),
        "coder_id": accounts.get_user(session, CODERS[1]).id,
    }


def all_routes(app: object, ids: dict[str, object]) -> list[tuple[str, str, str, bool]]:
    """(endpoint, label, URL, is a download) for every GET rule of the app, filled from ``ids``."""
    rows = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):  # type: ignore[attr-defined]
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED:
            continue
        for label, query, changed in VARIANTS.get(rule.endpoint, [("", "", {})]):
            values = {a: changed.get(a, PATH_VALUES.get(a, ids.get(a, f"{{{a}}}"))) for a in rule.arguments}
            values = {a: str(v).format(**ids) for a, v in values.items()}
            path = rule.rule
            for a, v in values.items():
                path = re.sub(rf"<(?:[^<>:]+:)?{a}>", v, path)
            url = path + ("?" + query.format(**ids) if query else "")
            rows.append((rule.endpoint, f"{rule.rule} {label}".strip(), url, rule.endpoint in DOWNLOADS))
    return rows


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def answer(size: int, zipped: int) -> str:
    return f"{size / 1024:,.0f} KB" + (f", gzip {zipped / 1024:,.0f} KB" if zipped else "")


CPU: list[float] = []  # the process's CPU time of each request ``measure`` timed last (``--all``'s CPU column)
FIRST: list[float] = []  # the server time of ``measure``'s first, unmeasured request (a download's cold cache)


def measure(client, url: str, repeat: int) -> tuple[int, list[float], int, int]:  # type: ignore[no-untyped-def]
    """Status, ``repeat`` server times, answer size and gzipped size (of a first, unmeasured request); the CPU
    time of each timed request in ``CPU`` (on SQLite all of the work; a steadier figure on a busy machine)."""
    samples, size, zipped, status = [], 0, 0, 0
    CPU.clear()
    FIRST.clear()
    for i in range(repeat + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url, headers={"Accept-Encoding": "gzip"} if i == 0 else {})
        body = response.get_data()
        status = response.status_code
        if i:
            samples.append(time.perf_counter() - t0)
            CPU.append(time.process_time() - c0)
            size = len(body)
        else:
            FIRST.append(time.perf_counter() - t0)
            zipped = len(body) if response.headers.get("Content-Encoding") == "gzip" else 0
            if status not in (200, 302):  # refused (a coder on an owner's page): once is enough
                return status, [time.perf_counter() - t0], len(body), 0
    return status, samples, size, zipped


def run_all(kind: str, app, owner_client, ids: dict[str, object], args: argparse.Namespace) -> list[str]:  # type: ignore[no-untyped-def]
    """Every GET route as the owner and as a coder (admin pages as a site administrator); downloads apart."""
    coder, admin = app.test_client(), app.test_client()
    login(coder, CODERS[0])
    login(admin, ADMIN)
    lines, slow = ["", "| db | who | page or call | status | median ms | p95 ms | answer | app CPU median ms |",
                   "| --- | --- | --- | --- | --- | --- | --- | --- |"], []
    downloads = ["", "| db | download (owner) | status | first ms | median ms | max ms | answer | app CPU median ms |",
                 "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for endpoint, label, url, is_download in all_routes(app, ids):
        if args.only and not re.search(args.only, label):
            continue
        if is_download:
            if args.download_repeat:
                status, samples, size, _ = measure(owner_client, url, args.download_repeat)
                downloads.append(f"| {kind} | {label} | {status} | {ms(FIRST[0])} | {ms(statistics.median(samples))} | "
                                 f"{ms(max(samples))} | {answer(size, 0)} | {ms(statistics.median(CPU or [0.0]))} |")
                print(downloads[-1], flush=True)
            continue
        if args.downloads:
            continue
        who = [("admin", admin)] if endpoint.startswith("admin.") else [("owner", owner_client), ("coder", coder)]
        for name, client in who:
            status, samples, size, zipped = measure(client, url, args.repeat)
            lines.append(f"| {kind} | {name} | {label} | {status} | {ms(statistics.median(samples))} | "
                         f"{ms(p95(samples))} | {answer(size, zipped)} | {ms(statistics.median(CPU or [0.0]))} |")
            print(lines[-1], flush=True)
            if status in (200, 302) and p95(samples) > 0.1:
                slow.append(f"{kind} {name} {label}: p95 {ms(p95(samples))} ms ({url})")
    if args.downloads:
        return downloads
    lines += downloads + ["", f"Over 100 ms p95 ({kind}): {len(slow)}"] + [f"- {s}" for s in slow]
    return lines


def run_one(kind: str, args: argparse.Namespace) -> list[str]:
    from casecoder.analysis.tally import compute_tally
    from casecoder.app import create_app
    from casecoder.cli import serve
    from casecoder.db import dispose
    from casecoder.models import Code, migrate
    from casecoder.models.engine import make_engine
    lines = []
    with kept_database(kind, args.keep, args.size) as url:
        engine = make_engine(url)
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        if before is not None and before != migrate.current_revision(engine):
            maintain(engine)  # a kept database the migrations changed (new indexes) gets its statistics again
        with Session(engine, expire_on_commit=False) as session:
            project, source_id, chain_id = prepare(session, args.size, args.seed)
            h11 = session.scalar(select(Code.id).where(Code.project_id == project.id, Code.key == "H1.1"))
            bare, keyed = [], []
            for _ in range(0 if args.only else max(args.repeat, 15)):
                t0 = time.perf_counter()
                session.execute(text("SELECT count(*) FROM codings")).scalar()
                t1 = time.perf_counter()
                compute_tally(session, project, case_keys=True)
                bare.append(t1 - t0)
                keyed.append(time.perf_counter() - t1)
            if keyed:
                lines.append(f"| {kind} | tally with case keys (compute_tally) | {ms(statistics.median(keyed))} | "
                             f"{ms(p95(keyed))} | {statistics.median(keyed) / statistics.median(bare):.1f}x "
                             f"count(*) ({ms(statistics.median(bare))} ms) |")
                print(lines[-1], flush=True)
            ids = prepare_all(session, project, source_id, chain_id) if args.all else {}
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-pages"})
        serve.warm_up(app)  # as a production worker is: built, warmed up, its objects frozen and the collector
        serve._pre_fork(None, None)  # tuned (cli/serve.py)
        client = app.test_client()
        login(client, OWNER)
        for name, url_ in [] if args.only else pages(project.slug, source_id, chain_id):  # type: ignore[attr-defined]
            status, samples, size, zipped = measure(client, url_.replace("__H1.1__", str(h11)), args.repeat)
            assert status in (200, 302), (url_, status)  # a click redirects
            lines.append(f"| {kind} | {name} | {ms(statistics.median(samples))} | {ms(p95(samples))} | "
                         f"{answer(size, zipped)} |")
            print(lines[-1], flush=True)
        if args.all:
            lines += run_all(kind, app, client, ids, args)
        dispose(app)
        engine.dispose()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--all", action="store_true",
                        help="also every GET route of the app, as the owner and as a coder, and the downloads")
    parser.add_argument("--only", help="with --all: only the routes whose label matches this regular expression "
                                       "(skips the issue's table)")
    parser.add_argument("--download-repeat", type=int, default=1, help="with --all: times each download (0: none)")
    parser.add_argument("--downloads", action="store_true",
                        help="only the downloads' table (--all's downloads, each --download-repeat times)")
    parser.add_argument("--keep", help="keep the databases in this folder / schema pages_<size> for the next run")
    args = parser.parse_args(argv)
    args.all = args.all or bool(args.only) or args.downloads
    if args.downloads and not args.only:
        args.only = "."  # skips the table
    from bench.machine_speed import line
    pg_url = (os.environ.get("CASECODER_BENCH_DATABASE_URL") or os.environ.get("CASECODER_TEST_DATABASE_URL")
              or DEFAULT_PG) if args.db != "sqlite" else None
    print(line(pg_url), flush=True)  # the machine's state beside the figures (its speed drifts)
    lines = ["| db | page or call | median ms | p95 ms | answer |", "| --- | --- | --- | --- | --- |"]
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        lines += run_one(kind, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
