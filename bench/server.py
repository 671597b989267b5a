"""Benchmark 6 (issue #11): concurrent coders against gunicorn: ``python bench/server.py --clients 20 --seconds 60``.

A fresh database (a private PostgreSQL schema, or a SQLite file with ``--db sqlite``; see
``bench.run.database``), the schema by the migrations, the synthetic project of ``--size`` from
``bench/generate.py`` and ``--clients`` extra users who are coders of it. Then the production
server, ``casecoder serve --production --workers N`` (gunicorn, one engine per worker), on a free
port of 127.0.0.1, and one thread per client, each with its own cookie jar (stdlib ``urllib``):

1. log in through the ``/auth/login`` form with its CSRF token;
2. open a transcript page (its own single-case transcript when there are enough), the CSRF token
   from the page's ``<meta name="csrf-token">``;
3. wait until every client is ready, then for ``--seconds``: ``POST /api/p/<slug>/excerpts`` with
   ``{source_id, start, end, codes: [{code, direction}]}`` and header ``X-CSRFToken``, as
   ``static/workbench.js`` sends it, one request after the other (``--think S``: a random pause of
   0-2S seconds between them, not counted in the latency).

Reported: requests, throughput per second, p50/p95/p99/max latency of the coding requests,
errors by HTTP status (or exception), and a check that the database holds exactly one new excerpt
per successful request. The server is stopped in ``finally``; its log goes to ``--log``.
Needs gunicorn (``pip install gunicorn``). Timing assertions are left to the reader.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import PASSWORD, counts, generate  # noqa: E402
from bench.run import CSRF_RE, database  # noqa: E402

CODE_KEYS = ["H1.1", "H1.4", "ST.3", "ST.5", "H2.1", "B.2", "E.1", "S.3"]
DIRECTIONS = ["supports", "supports", "supports", "contradicts", "nuances"]
TIMEOUT = 60.0  # seconds a client waits for one answer


def prepare(url: str, size: str, clients: int, seed: int) -> dict[str, object]:
    """Schema, project and ``clients`` coder accounts; returns the slug, the users and their sources."""
    from casecoder.coding import accounts
    from casecoder.models import Excerpt, Role, Source, migrate
    from casecoder.models.cases import source_cases
    from casecoder.models.engine import make_engine
    engine = make_engine(url)
    migrate.upgrade(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            project = generate(session, size, seed, slug="bench", bulk=True)  # same data, faster (generate.py)
            users = []
            for n in range(1, clients + 1):
                user = accounts.create_user(session, f"bench-client-{n:02d}", PASSWORD, language="en")
                accounts.add_member(session, project, user, Role.CODER)
                users.append(user.username)
            session.commit()
            if engine.dialect.name == "postgresql":
                session.execute(text("ANALYZE"))  # as bench/run.py: statistics after the bulk load
                session.commit()
            single = (select(source_cases.c.source_id).group_by(source_cases.c.source_id)
                      .having(func.count() == 1))
            sources = [(s.id, len(s.text)) for s in session.scalars(
                select(Source).where(Source.project_id == project.id, Source.id.in_(single)).order_by(Source.id))]
            excerpts = session.scalar(select(func.count()).select_from(Excerpt)) or 0
            return {"slug": project.slug, "users": users, "sources": sources, "excerpts": excerpts,
                    "counts": counts(session, project)}
    finally:
        engine.dispose()


def excerpt_count(url: str) -> int:
    from casecoder.models import Excerpt
    from casecoder.models.engine import make_engine
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Excerpt)) or 0
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int, workers: int) -> list[str]:
    """``casecoder serve --production`` when this checkout has it, else gunicorn on the app factory."""
    exe = Path(sys.executable).with_name("casecoder")
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "flask", "--app", "casecoder"]
    helptext = subprocess.run(cli + ["serve", "--help"], capture_output=True, text=True).stdout
    if "--production" in helptext:
        return cli + ["serve", "--production", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "casecoder:create_app()"]


def start_server(url: str, port: int, workers: int, log) -> subprocess.Popen:  # type: ignore[no-untyped-def]
    env = dict(os.environ, CASECODER_DATABASE_URL=url, CASECODER_SECRET_KEY="bench-" + uuid.uuid4().hex,
               CASECODER_SESSION_COOKIE_SECURE="false")  # plain http on 127.0.0.1
    command = server_command(port, workers)
    print("server:", " ".join(command), flush=True)
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tempfile.gettempdir())
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /healthz within 90 s; see {log.name}")


def stop_server(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Client(threading.Thread):
    """One coder: log in, open a transcript, then create excerpts until the stop time."""

    def __init__(self, base: str, slug: str, username: str, source: tuple[int, int], ready: threading.Barrier,
                 stop_at: list[float], seed: int, think: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.base, self.slug, self.username, self.source = base, slug, username, source
        self.ready, self.stop_at, self.rng, self.think = ready, stop_at, random.Random(seed), think
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.setup_error: str | None = None

    def request(self, path: str, data: bytes | None = None,
                headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        return self.opener.open(req, timeout=TIMEOUT)

    def setup(self) -> str:
        with self.request("/auth/login") as response:
            token = CSRF_RE.search(response.read().decode()).group(1)
        form = urllib.parse.urlencode({"username": self.username, "password": PASSWORD, "csrf_token": token})
        with self.request("/auth/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}) as r:
            if "/auth/login" in r.geturl():
                raise RuntimeError(f"login failed for {self.username}")
        with self.request(f"/p/{self.slug}/sources/{self.source[0]}") as response:
            return CSRF_RE.search(response.read().decode()).group(1)

    def body(self) -> bytes:
        source_id, length = self.source
        start = self.rng.randrange(0, max(1, length - 400))
        end = min(length, start + self.rng.randint(20, 300))
        codes = [{"code": k, "direction": self.rng.choice(DIRECTIONS)}
                 for k in self.rng.sample(CODE_KEYS, 1 if self.rng.random() < 0.7 else 2)]
        return json.dumps({"source_id": source_id, "start": start, "end": end, "codes": codes}).encode()

    def run(self) -> None:
        try:
            token = self.setup()
        except Exception as exc:
            self.setup_error = f"{self.username}: {exc!r}"
            token = ""
        self.ready.wait()
        if self.setup_error:
            return
        headers = {"Content-Type": "application/json", "X-CSRFToken": token}
        while time.perf_counter() < self.stop_at[0]:
            t0 = time.perf_counter()
            try:
                with self.request(f"/api/p/{self.slug}/excerpts", self.body(), headers) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
            except (urllib.error.URLError, OSError) as exc:
                status = type(getattr(exc, "reason", exc)).__name__
            self.latencies.append(time.perf_counter() - t0)
            if status != 201:
                self.errors[str(status)] += 1
            if self.think:  # a coder reading before the next excerpt: uniform in [0, 2 x think]
                time.sleep(min(self.rng.uniform(0, 2 * self.think), max(0.0, self.stop_at[0] - time.perf_counter())))


def percentile(sorted_samples: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted samples."""
    if not sorted_samples:
        return float("nan")
    rank = max(1, min(len(sorted_samples), round(p / 100 * len(sorted_samples) + 0.5)))
    return sorted_samples[rank - 1]


def run(args: argparse.Namespace) -> dict[str, object]:
    with database(args.db) as url, open(args.log, "w", encoding="utf-8") as log:
        t0 = time.perf_counter()
        setup = prepare(url, args.size, args.clients, args.seed)
        print(f"prepared in {time.perf_counter() - t0:.1f} s: {setup['counts']}, {args.clients} coders", flush=True)
        sources: list[tuple[int, int]] = setup["sources"]  # type: ignore[assignment]
        port = free_port()
        t0 = time.perf_counter()
        server = start_server(url, port, args.workers, log)
        print(f"server up in {time.perf_counter() - t0:.1f} s", flush=True)
        try:
            stop_at = [float("inf")]
            ready = threading.Barrier(args.clients + 1)
            clients = [Client(f"http://127.0.0.1:{port}", str(setup["slug"]), user, sources[i % len(sources)],
                              ready, stop_at, args.seed * 1000 + i, args.think)
                       for i, user in enumerate(setup["users"])]  # type: ignore[arg-type]
            for client in clients:
                client.start()
            ready.wait()
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            stop_at[0] = started + args.seconds
            for client in clients:
                client.join(args.seconds + TIMEOUT + 30)
            elapsed = time.perf_counter() - started
            load_after = os.getloadavg()[0]
        finally:
            stop_server(server)
        created = excerpt_count(url) - int(setup["excerpts"])  # type: ignore[call-overload]
    latencies = sorted(x for c in clients for x in c.latencies)
    errors: Counter[str] = sum((c.errors for c in clients), Counter())
    setup_errors = [c.setup_error for c in clients if c.setup_error]
    ok = len(latencies) - sum(errors.values())
    return {
        "db": args.db, "size": args.size, "clients": args.clients, "think": args.think, "workers": args.workers,
        "seconds": args.seconds,
        "elapsed": elapsed, "requests": len(latencies), "ok": ok, "throughput": len(latencies) / elapsed,
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
        "max": latencies[-1] if latencies else float("nan"),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "errors": dict(errors), "setup_errors": setup_errors, "created": created,
        "load": [round(load_before, 2), round(load_after, 2)],
    }


def summary(r: dict[str, object]) -> str:
    ms = lambda key: f"{r[key] * 1000:.0f} ms"  # type: ignore[operator]  # noqa: E731
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors"].items())) or "none"  # type: ignore[attr-defined]
    return "\n".join([
        f"benchmark 6: {r['clients']} clients x {r['seconds']} s against {r['workers']} gunicorn workers, "
        + (f"think time {r['think']} s, " if r["think"] else "") +
        f"{r['db']} {r['size']} ({os.cpu_count()} CPUs, {platform.platform()})",
        f"requests: {r['requests']} ({r['ok']} created) in {r['elapsed']:.1f} s, "
        f"throughput {r['throughput']:.1f}/s",
        f"latency: p50 {ms('p50')}, p95 {ms('p95')}, p99 {ms('p99')}, max {ms('max')}, mean {ms('mean')}",
        f"errors: {errors}" + (f"; setup failed: {r['setup_errors']}" if r["setup_errors"] else ""),
        f"1-minute load average of the machine: {r['load'][0]} before, {r['load'][1]} after",  # type: ignore[index]
        f"excerpts stored: {r['created']} (one per created answer: {'yes' if r['created'] == r['ok'] else 'NO'})",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
                        help="gunicorn workers (default 2 x CPUs + 1)")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--size", choices=("tiny", "small", "medium", "large"), default="small")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause in seconds between a client's requests (default 0: back to back)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "casecoder-bench-server.log"),
                        help="the server's log (access log included)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.workers < 1:
        parser.error("--clients, --seconds and --workers must be positive")
    result = run(args)
    print(summary(result), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if not result["errors"] and not result["setup_errors"] and result["created"] == result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
