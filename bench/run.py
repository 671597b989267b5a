"""Benchmarks at evaluation scale (issue #11): ``python bench/run.py --size small --db both``.

For each database and size: a fresh database (a SQLite file in a temporary folder, or a private
PostgreSQL schema dropped afterwards), the schema by ``casecoder.models.migrate.upgrade``, the synthetic
project from ``bench/generate.py``, then

1. coding over HTTP (Flask test client, logged in as a coder): open a long transcript page, create
   excerpts with one or two codes each through ``POST /api/p/<slug>/excerpts`` (CSRF token from the
   page, header X-CSRFToken), list them; the same on a transcript 4x longer, the two taking turns post by post;
2. the tally of the whole codebook (``compute_tally``, its numbers and with the case keys) against a bare
   ``SELECT count(*) FROM codings``;
3. the transcript page with 1,000 excerpts (server time of GET /p/<slug>/sources/<id>);
4. a saved chain's counts (``count_saved_chain``) and the statement graph (``statement_graph``);
5. the tally bundle and a chain bundle with its figure (``build_report`` + zip); 9. full-text search.

Each benchmark runs ``--repeat`` times; the table gives the median and min-max, printed and written
to ``--out`` (default docs/benchmarks.md: only its marked section is replaced, the hand-written text
around it stays). Concurrency, peak memory and the large inputs of issue #10 are measured by
``bench/server.py``, ``bench/memory.py`` and ``bench/hostile.py``.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import CODERS, OWNER, PASSWORD, content_hash, counts, generate, transcript  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
CHAIN = ("Bench H1", ["H1.1", "ST.5", "ST.4", "OUT"], ["both-and", "and-or", "both-and"])
Row = dict  # {"db", "size", "name", "samples", "unit", "note"}


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """The URL of an empty database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="casecoder-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        return
    from casecoder.models.engine import make_engine
    base = os.environ.get("CASECODER_BENCH_DATABASE_URL") or os.environ.get("CASECODER_TEST_DATABASE_URL") or DEFAULT_PG
    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def long_source(session: Session, project, chars: int, seed: int, title: str):  # type: ignore[no-untyped-def]
    """A family transcript of about ``chars`` characters on the first case; returns it and its sentence spans."""
    from casecoder.coding import cases
    from casecoder.models import Case
    body, spans = transcript(random.Random(seed), "family", max(10, chars // 88))
    body, spans = transcript(random.Random(seed), "family", max(10, round(chars // 88 * chars / len(body))))
    case = session.query(Case).filter_by(project_id=project.id, key="F0001").one()
    source = cases.create_source(session, project, title=title, text=body, perspective="family", cases=[case])
    session.commit()
    return source, spans


def login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), f"login failed: {response.status_code}"


def bench_coding(app, session, project, args, transcripts: list[tuple[str, int, int]]) -> list[Row]:  # type: ignore[no-untyped-def]
    """For each transcript (label, characters, seed), per repeat: open its page, create ``args.excerpts``
    excerpts through the JSON API, list them. The transcripts take turns post by post, so a busy
    machine's changing speed falls on both alike and a longer one is not measured on a project that
    already holds the shorter one's excerpts. A sample is a repeat's mean time per post; the note
    compares the medians of all single posts."""
    keys = ["H1.1", "H1.4", "ST.3", "ST.5", "H2.1", "B.2", "E.1", "S.3"]
    client = app.test_client()
    login(client, CODERS[0])
    sources = [long_source(session, project, chars, seed, f"Bench {label}") for label, chars, seed in transcripts]
    samples: list[dict[str, list[float]]] = [{"page": [], "create": [], "list": [], "posts": []} for _ in transcripts]
    csrf: dict[str, str] = {}

    def open_page(source) -> None:  # type: ignore[no-untyped-def]
        response = client.get(f"/p/{project.slug}/sources/{source.id}")
        assert response.status_code == 200, response.status_code
        csrf["token"] = CSRF_RE.search(response.get_data(as_text=True)).group(1)

    def post(source, spans, i: int, r: int) -> float:  # type: ignore[no-untyped-def]
        step = max(1, len(spans) // (args.excerpts * args.repeat))
        start, end = spans[((r * args.excerpts + i) * step) % len(spans)]
        codes = [keys[i % len(keys)]] + ([{"code": keys[(i + 3) % len(keys)], "direction": "nuances"}]
                                         if i % 3 == 0 else [])
        body = {"source_id": source.id, "start": start, "end": end, "codes": codes}
        t0 = time.perf_counter()
        response = client.post(f"/api/p/{project.slug}/excerpts", json=body, headers={"X-CSRFToken": csrf["token"]})
        elapsed = time.perf_counter() - t0
        assert response.status_code == 201, response.get_data(as_text=True)
        return elapsed

    def list_them(source) -> None:  # type: ignore[no-untyped-def]
        response = client.get(f"/api/p/{project.slug}/sources/{source.id}/excerpts")
        assert response.status_code == 200 and len(response.get_json()) >= args.excerpts

    for r in range(args.repeat):
        order = list(range(len(transcripts))) if r % 2 == 0 else list(range(len(transcripts)))[::-1]
        for k in order:
            samples[k]["page"].append(timed(lambda k=k: open_page(sources[k][0])))
        posts: list[list[float]] = [[] for _ in transcripts]
        for i in range(args.excerpts):
            for k in order:
                posts[k].append(post(*sources[k], i, r))
        for k in order:
            samples[k]["create"].append(statistics.mean(posts[k]))
            samples[k]["posts"] += posts[k]
            samples[k]["list"].append(timed(lambda k=k: list_them(sources[k][0])))
    rows: list[Row] = []
    first = statistics.median(samples[0]["posts"])
    for (source, _spans), out in zip(sources, samples):
        n = f"{len(source.text):,} chars"
        single = statistics.median(out["posts"])
        rows += [{"name": f"1 open transcript page ({n})", "samples": out["page"]},
                 {"name": f"1 create excerpt via API, per excerpt ({n}, {args.excerpts}/run)", "samples": out["create"],
                  "note": f"median single post {fmt(single)}, {single / first:.2f}x the first transcript's"},
                 {"name": f"1 list the transcript's excerpts ({n})", "samples": out["list"]}]
    return rows


def bench_tally(session, project, args) -> list[Row]:  # type: ignore[no-untyped-def]
    """The tally (its numbers: what the tally page, the charts and the API without case keys read), the
    tally with the case keys behind every number (exports and the API), a bare count and a one-pass
    scan of the codings, in turn, at least 15 times; also the CPU time of this process for the tally
    (all of SQLite's work, only the client's share for PostgreSQL), which a busy machine disturbs
    less than wall time. Every statement of the tally is Core (no ORM identity map to warm up)."""
    from casecoder.analysis.tally import compute_tally
    bare, scan, tally, keyed, cpu = [], [], [], [], []
    # no expire_all() before a tally: its refresh of the Project row was timed as part of the tally,
    # while a web request has that row from its access check before the tally starts
    for _ in range(max(args.repeat, 15)):  # cheap enough for more samples: steadier medians
        bare.append(timed(lambda: session.execute(text("SELECT count(*) FROM codings")).scalar()))
        scan.append(timed(lambda: session.execute(text("SELECT sum(code_id) FROM codings")).scalar()))
        start = time.process_time()
        tally.append(timed(lambda: compute_tally(session, project)))
        cpu.append(time.process_time() - start)
        keyed.append(timed(lambda: compute_tally(session, project, case_keys=True)))
    count = statistics.median(bare)

    def ratio(samples: list[float]) -> str:
        return f"{statistics.median(samples) / count:,.1f}x the bare count (medians)"
    return [{"name": "2 SELECT count(*) FROM codings", "samples": bare},
            {"name": "2 SELECT sum(code_id) FROM codings (reads every row)", "samples": scan, "note": ratio(scan)},
            {"name": "2 tally of the whole codebook", "samples": tally,
             "note": f"{ratio(tally)}; CPU of this process {fmt(statistics.median(cpu))}"},
            {"name": "2 tally with the case keys of every number", "samples": keyed, "note": ratio(keyed)}]


def bench_page(app, session, project, args) -> list[Row]:  # type: ignore[no-untyped-def]
    """The transcript page and its excerpt list with 1,000 excerpts (250 with --quick)."""
    from casecoder.coding import accounts, excerpts
    from casecoder.models import Code
    n = 250 if args.quick else 1000
    source, spans = long_source(session, project, 60_000 if args.quick else 150_000, 99, "Bench 1000 excerpts")
    coder = accounts.get_user(session, CODERS[0])
    codes = session.query(Code).filter(Code.project_id == project.id, Code.codable.is_(True)).order_by(Code.key).all()
    for i in range(n):
        start, end = spans[i % len(spans)]
        end = end if i < len(spans) else max(start + 1, end - 5 * (i // len(spans)))
        excerpts.create_excerpt(session, coder, source, start, end, [(codes[i % len(codes)], "supports")])
    session.commit()
    client = app.test_client()
    login(client, CODERS[0])
    pages, lists = [], []
    for _ in range(args.repeat):
        pages.append(timed(lambda: client.get(f"/p/{project.slug}/sources/{source.id}").close()))
        lists.append(timed(lambda: client.get(f"/api/p/{project.slug}/sources/{source.id}/excerpts").close()))
    return [{"name": f"3 transcript page with {n:,} excerpts ({len(source.text):,} chars)", "samples": pages},
            {"name": f"3 excerpt list JSON of that transcript ({n:,})", "samples": lists}]


def bench_search(session, project, args) -> list[Row]:  # type: ignore[no-untyped-def]
    """Full-text search (``analysis.search``, what the search page runs): a word in every family
    transcript and two words together; the first 200 hits with their context."""
    from casecoder.analysis.search import search
    rows: list[Row] = []
    for query in ("koordinator", "kommune skole"):
        samples, found = [], {}
        for _ in range(args.repeat):
            samples.append(timed(lambda found=found, query=query: found.update(result=search(session, project.id, query))))
        result = found["result"]
        rows.append({"name": f"9 search '{query}'", "samples": samples,
                     "note": f"{result.sources_matched:,} transcripts matched, {len(result.hits)} hits shown"})
    return rows


def bench_chains(session, project, args) -> list[Row]:  # type: ignore[no-untyped-def]
    from casecoder.analysis.chains import count_saved_chain, load_chain, statement_graph
    from casecoder.coding import accounts
    from casecoder.coding.chains import save_chain
    title, keys, arrows = CHAIN
    chain_id = save_chain(session, project, accounts.get_user(session, OWNER), title=title, keys=keys,
                          arrows=arrows, scope="family").id
    session.commit()
    counts_, graph = [], []
    for _ in range(args.repeat):
        session.expire_all()
        counts_.append(timed(lambda: count_saved_chain(session, project, load_chain(session, chain_id))))
        session.expire_all()
        graph.append(timed(lambda: statement_graph(session, project)))
    return [{"name": "4 chain count (4 nodes, family)", "samples": counts_},
            {"name": "4 statement graph (all statement/event codes)", "samples": graph}]


def bench_exports(session, project, args) -> list[Row]:  # type: ignore[no-untyped-def]
    from casecoder.export.report import ReportSpec, build_report
    tally, chain = [], []
    for _ in range(args.repeat):
        session.expire_all()
        tally.append(timed(lambda: build_report(session, ReportSpec(project.slug, "tally", {}, {}, "da"))
                           .zip_bytes("2026-01-01T00:00:00+00:00")))
        session.expire_all()
        chain.append(timed(lambda: build_report(session, ReportSpec(project.slug, "chain", {"chain": CHAIN[0]},
                                                                    {}, "da")).zip_bytes("2026-01-01T00:00:00+00:00")))
    return [{"name": "5 export: tally bundle (zip)", "samples": tally},
            {"name": "5 export: chain bundle with figure (zip)", "samples": chain}]


@contextlib.contextmanager
def bench_app(kind: str) -> Iterator[tuple[str, Engine, Flask]]:
    """A fresh database of ``kind`` at the newest schema, and an app on it; both disposed afterwards."""
    from casecoder.app import create_app
    from casecoder.db import dispose
    from casecoder.models import migrate
    from casecoder.models.engine import make_engine
    with database(kind) as url, tempfile.TemporaryDirectory(prefix="casecoder-bench-app-") as instance:
        engine = make_engine(url)
        migrate.upgrade(engine)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex})
        app.instance_path = instance
        try:
            yield url, engine, app
        finally:
            dispose(app)
            engine.dispose()


def run_one(kind: str, size: str, args) -> list[Row]:  # type: ignore[no-untyped-def]
    rows: list[Row] = []
    with bench_app(kind) as (_url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            t0 = time.perf_counter()
            project = generate(session, size, args.seed, slug="bench")
            made = counts(session, project)
            rows.append({"name": "0 generate the project", "samples": [time.perf_counter() - t0],
                         "note": ", ".join(f"{v:,} {k}" for k, v in made.items())
                         + f"; hash {content_hash(session, project)[:12]}"})
            print(f"[{kind} {size}] generated: {rows[-1]['note']}", flush=True)
            # fresh planner statistics after the bulk load, as autovacuum would gather them soon after;
            # without them PostgreSQL plans the evidence query as nested loops (4x slower on medium)
            session.execute(text("ANALYZE"))
            session.commit()
            chars = 15_000 if args.quick else 150_000
            rows += bench_coding(app, session, project, args, [("short", chars, 11), ("long", 4 * chars, 12)])
            rows += bench_tally(session, project, args)
            rows += bench_page(app, session, project, args)
            rows += bench_chains(session, project, args)
            rows += bench_search(session, project, args)
            rows += bench_exports(session, project, args)
    for row in rows:
        row.update(db=kind, size=size)
        print(f"[{kind} {size}] {row['name']}: {fmt(statistics.median(row['samples']))} "
              f"({spread(row['samples'])}) {row.get('note', '')}", flush=True)
    return rows


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def spread(samples: list[float]) -> str:
    return f"{fmt(min(samples))}–{fmt(max(samples))}"


def database_version(kind: str) -> str:
    if kind == "sqlite":
        import sqlite3
        return f"SQLite {sqlite3.sqlite_version}"
    try:
        from casecoder.models.engine import make_engine
        engine = make_engine(os.environ.get("CASECODER_BENCH_DATABASE_URL")
                             or os.environ.get("CASECODER_TEST_DATABASE_URL") or DEFAULT_PG)
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return f"PostgreSQL {version}"
    except Exception:
        return "PostgreSQL"


BEGIN = "<!-- bench/run.py writes from here to its end mark; the rest of the file is kept -->"
END = "<!-- end of what bench/run.py writes -->"


def markdown(rows: list[Row], args, kinds: list[str]) -> str:  # type: ignore[no-untyped-def]
    """The run as a Markdown section, between the marks ``write_out`` looks for."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN, "## The latest run of `bench/run.py`", "",
        "Measured by `bench/run.py` (see `bench/README.md`) on a synthetic project from `bench/generate.py`.", "",
        f"- date: {now}",
        f"- machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        f"- databases: {', '.join(database_version(k) for k in kinds)}",
        f"- command: `python bench/run.py {' '.join(args.argv)}`",
        f"- repeats per benchmark: {args.repeat}; median and min–max over the repeats"
        + (" (one repeat: min = max = the value)" if args.repeat == 1 else ""),
        "- times are wall-clock in one process; HTTP through Flask's test client (server time, no network)", "",
        "| database | size | benchmark | median | min–max | runs | note |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['db']} | {r['size']} | {r['name']} | {fmt(statistics.median(r['samples']))} | "
                     f"{spread(r['samples'])} | {len(r['samples'])} | {r.get('note', '')} |")
    lines += ["", "Measured by other scripts (`bench/README.md`): 6. concurrent coders (`bench/server.py`), "
              "7. peak memory of the server (`bench/memory.py`), 8. the large inputs of issue #10 "
              "(`bench/hostile.py`).", END]
    return "\n".join(lines)


def write_out(path: Path, section: str) -> None:
    """Replace the marked section of ``path`` (hand-written text around it stays), or write a new file."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if BEGIN in old and END in old.split(BEGIN, 1)[1]:
        before, rest = old.split(BEGIN, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = "# Benchmarks\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--size", default="small", help="tiny, small, medium, large, or several joined by commas")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="shorter transcripts, fewer excerpts (CI smoke test)")
    parser.add_argument("--excerpts", type=int, default=None, help="excerpts created per run in benchmark 1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    args.excerpts = args.excerpts or (5 if args.quick else 100)
    sizes = [s.strip() for s in args.size.split(",")]
    from bench.generate import SIZES
    if any(s not in SIZES for s in sizes) or args.repeat < 1:
        parser.error(f"--size takes {', '.join(SIZES)}; --repeat at least 1")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    rows: list[Row] = []
    for size in sizes:
        for kind in kinds:
            rows += run_one(kind, size, args)
    write_out(Path(args.out), markdown(rows, args, kinds))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
