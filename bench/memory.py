"""Benchmark 7 (issue #11): peak memory of the server process: ``python bench/memory.py --size large``.

The parent builds a fresh database (``bench.run.database``), generates the project of ``--size``
and sets up what ``bench/run.py`` measures: the transcript with 1,000 excerpts (``bench_page``,
benchmark 3) and the saved chain (``bench_chains``, benchmark 4; the chain export needs it). Then
each measurement runs in a fresh child process (``python bench/memory.py --child STEP --url URL``)
that builds the app with ``create_app`` and serves the requests in-process through Flask's test
client (the same code a gunicorn worker runs, without the socket), and reports its peak resident
set size from ``VmHWM`` of ``/proc/self/status``: once for start-up, then, reset
(``/proc/self/clear_refs``), for the step alone; the process peak is the larger of the two:

- ``baseline``: the app built, a coder logged in and one small page served (what every worker holds);
- ``page``: the same, then the transcript page with 1,000 excerpts and its excerpt list JSON;
- ``exports``: the same, then benchmark 5's exports (``bench_exports``: the tally bundle, then the
  chain bundle with its figure, each zipped), as the owner.

Peak RSS is per child; the step's increase is its peak over the RSS it started from.

``--server [N ...]`` (issue #25) measures the real production server instead: ``casecoder serve
--production`` with N workers (0 or none: the default count) on the generated project; ``--clients``
(2 × N) log in at once and load the project list, the project page, the busiest transcript's page and excerpt list
and the excerpt list, three rounds each, so every worker has served real pages; then the memory of
the whole gunicorn tree (master and workers) is read from ``/proc/<pid>/smaps_rollup``: the sum of
PSS (proportional set size: a page shared by k processes counts 1/k in each, so the sum is what the
tree really occupies), and each process's RSS and private memory, idle (all workers booted) and busy,
with the time the clients took. ``--no-preload`` measures one app per worker (as before #25),
``--compare`` both.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import CODERS, OWNER, PASSWORD, content_hash, counts, generate  # noqa: E402
from bench.run import bench_app, bench_chains, bench_exports, bench_page, login  # noqa: E402

STEPS = ("baseline", "page", "exports")


def status_kib(field: str) -> int:
    """A ``/proc/self/status`` figure (VmRSS, VmHWM) in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> bool:
    """Set VmHWM back to the current RSS (Linux 4.0+: ``echo 5 > /proc/self/clear_refs``), so that the
    step's own peak shows apart from start-up."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def busiest_source(session: Session, project_id: int) -> int:
    """The transcript with the most excerpts: the 1,000-excerpt one ``bench_page`` made."""
    from casecoder.models import Excerpt
    return int(session.scalar(select(Excerpt.source_id).where(Excerpt.project_id == project_id)
                              .group_by(Excerpt.source_id).order_by(func.count().desc()).limit(1)))


def child(step: str, url: str) -> dict[str, object]:
    """Run in a fresh process: build the app, serve ``step``'s requests, report peak RSS."""
    from casecoder.app import create_app
    from casecoder.models import Project
    from casecoder.models.engine import make_engine
    with tempfile.TemporaryDirectory(prefix="casecoder-bench-mem-") as instance:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex})
        app.instance_path = instance
        engine = make_engine(url)
        client = app.test_client()
        login(client, OWNER if step == "exports" else CODERS[0])
        assert client.get("/").status_code == 200  # the project list: templates, i18n, one query
        before, startup_peak = status_kib("VmRSS"), status_kib("VmHWM")
        reset = reset_peak()
        t0 = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            project = session.scalar(select(Project).where(Project.slug == "bench"))
            if step == "page":
                source_id = busiest_source(session, project.id)
                page = client.get(f"/p/bench/sources/{source_id}")
                listing = client.get(f"/api/p/bench/sources/{source_id}/excerpts")
                assert page.status_code == 200 and listing.status_code == 200
                detail = f"page {len(page.data):,} bytes, {len(listing.get_json()):,} excerpts in the list"
            elif step == "exports":
                rows = bench_exports(session, project, argparse.Namespace(repeat=1))
                detail = ", ".join(f"{r['name'][2:]} {r['samples'][0]:.2f} s" for r in rows)
            else:
                detail = "app, login, project list"
        seconds = time.perf_counter() - t0
        from casecoder.db import dispose
        dispose(app)
        engine.dispose()
    step_peak = status_kib("VmHWM") if reset else None
    # not ru_maxrss: Linux keeps it across fork + exec, so it would show the parent's peak (the generator's)
    return {"step": step, "rss_before_kib": before, "startup_peak_kib": startup_peak, "step_peak_kib": step_peak,
            "peak_kib": max(startup_peak, step_peak) if step_peak else status_kib("VmHWM"), "seconds": seconds,
            "detail": detail}


def measure(url: str, step: str) -> dict[str, object]:
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", step, "--url", url],
                            capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"child {step} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    with bench_app(args.db) as (url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            t0 = time.perf_counter()
            project = generate(session, args.size, args.seed, slug="bench")
            print(f"[{args.db} {args.size}] generated in {time.perf_counter() - t0:.0f} s: "
                  f"{counts(session, project)}; hash {content_hash(session, project)[:12]}", flush=True)
            session.execute(text("ANALYZE"))
            session.commit()
            setup = argparse.Namespace(quick=False, repeat=1)
            bench_page(app, session, project, setup)  # the transcript with 1,000 excerpts
            bench_chains(session, project, setup)  # the saved chain the chain export draws
        results = []
        for step in STEPS:
            results.append(measure(url, step))
            print(f"[{args.db} {args.size}] {line(results[-1])}", flush=True)
    return results


def rollup_kib(pid: int) -> dict[str, int]:
    """``/proc/<pid>/smaps_rollup`` (Linux 4.14+): Rss, Pss, Shared_Clean, ... in KiB."""
    found = {}
    for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = row.split(":", 1)
        found[name] = int(value.split()[0])
    return found


def tree_memory(master: int) -> dict[str, Any]:
    """PSS summed over the gunicorn master and its workers, and each one's RSS and PSS (KiB)."""
    workers = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    rows = {pid: rollup_kib(pid) for pid in [master, *workers]}
    return {"workers": len(workers), "pss_total_kib": sum(r["Pss"] for r in rows.values()),
            "master_rss_kib": rows[master]["Rss"], "master_pss_kib": rows[master]["Pss"],
            "worker_rss_kib": [rows[pid]["Rss"] for pid in workers],
            "worker_pss_kib": [rows[pid]["Pss"] for pid in workers],
            "worker_private_kib": [rows[pid]["Private_Clean"] + rows[pid]["Private_Dirty"] for pid in workers]}


def settled_memory(master: int, workers: int) -> dict[str, Any]:
    """``tree_memory`` once all ``workers`` run and their RSS has stopped growing (booted, app built)."""
    deadline = time.monotonic() + 120
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        now = tree_memory(master)
        if (now["workers"] == workers and last.get("workers") == workers
                and all(abs(a - b) < 1024 for a, b in zip(now["worker_rss_kib"], last["worker_rss_kib"]))):
            return now
        last = now
        time.sleep(1)
    raise RuntimeError(f"the workers did not settle: {last}")


def serve_and_measure(url: str, workers: int, preload: bool, source_id: int,
                      clients: int | None = None) -> dict[str, Any]:
    """Start ``casecoder serve --production``, let ``clients`` (2 × workers) load pages, read the tree's memory."""
    from tests.server_helpers import Client, casecoder_args, free_port, server_env
    with tempfile.TemporaryDirectory(prefix="casecoder-bench-serve-") as tmp:
        port = free_port()
        args = ["serve", "--production", "--port", str(port)] + (["--workers", str(workers)] if workers else [])
        log = Path(tmp) / "server.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(casecoder_args(*args, *([] if preload else ["--no-preload"])),
                                    env=server_env(url, Path(tmp)), stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the server did not start:\n" + log.read_text()) from None
                    time.sleep(0.1)
            from casecoder.cli.serve import default_workers
            idle = settled_memory(proc.pid, workers or default_workers())
            paths = ["/", "/p/bench/", f"/p/bench/sources/{source_id}", f"/api/p/bench/sources/{source_id}/excerpts",
                     "/p/bench/excerpts"]
            errors: list[str] = []
            clients = clients or 2 * idle["workers"]
            barrier = threading.Barrier(clients)

            def user(i: int) -> None:
                client = Client(base)
                client.login((OWNER, *CODERS)[i % 3], PASSWORD)
                barrier.wait()
                for _round in range(3):
                    for path in paths:
                        status, _ = client.call("GET", path)
                        if status != 200:
                            errors.append(f"{path}: {status}")

            threads = [threading.Thread(target=user, args=(i,)) for i in range(clients)]
            t0 = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - t0
            if errors:
                raise RuntimeError(f"{errors[:5]}\n{log.read_text()[-3000:]}")
            return {"preload": preload, "idle": idle, "busy": settled_memory(proc.pid, idle["workers"]),
                    "requests": clients * 3 * len(paths), "seconds": seconds}
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)


def server_line(r: dict[str, Any]) -> str:
    out = []
    for when in ("idle", "busy"):
        m = r[when]
        out.append(f"{when}: PSS total {mib(m['pss_total_kib'])} (master {mib(m['master_pss_kib'])}, workers "
                   + "/".join(f"{k / 1024:.0f}" for k in m["worker_pss_kib"]) + " MiB; worker RSS "
                   + "/".join(f"{k / 1024:.0f}" for k in m["worker_rss_kib"]) + " MiB, private "
                   + "/".join(f"{k / 1024:.0f}" for k in m["worker_private_kib"]) + " MiB)")
    return (f"{r['idle']['workers']} workers, {'preload' if r['preload'] else 'no preload'}: " + "; ".join(out)
            + f"; {r['requests']} requests from {r['requests'] // 15} clients in {r['seconds']:.1f} s")


def run_server(args: argparse.Namespace) -> list[dict[str, Any]]:
    with bench_app(args.db) as (url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            project = generate(session, args.size, args.seed, slug="bench")
            session.execute(text("ANALYZE"))
            session.commit()
            bench_page(app, session, project, argparse.Namespace(quick=False, repeat=1))
            source_id = busiest_source(session, project.id)
        results = []
        for workers in args.server or [0]:
            for preload in ((True, False) if args.compare else (args.preload,)):
                results.append(serve_and_measure(url, workers, preload, source_id, args.clients))
                print(f"[{args.db} {args.size}] {server_line(results[-1])}", flush=True)
    return results


def mib(kib: object) -> str:
    return f"{int(kib) / 1024:,.0f} MiB"  # type: ignore[call-overload]


def line(r: dict[str, Any]) -> str:
    step = (f"step peak {mib(r['step_peak_kib'])} ({(r['step_peak_kib'] - r['rss_before_kib']) / 1024:+,.0f} MiB "
            f"over the {mib(r['rss_before_kib'])} before it)" if r["step_peak_kib"] else "step peak not separable")
    return (f"{r['step']}: process peak RSS {mib(r['peak_kib'])} (start-up peak {mib(r['startup_peak_kib'])}); "
            f"{step}; {r['seconds']:.1f} s; {r['detail']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--size", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server", type=int, nargs="*", metavar="WORKERS",
                        help="measure the PSS of casecoder serve --production with each worker count "
                             "(0 or none: the default count)")
    parser.add_argument("--clients", type=int, help="with --server: clients at once [default: 2 x workers]")
    parser.add_argument("--no-preload", dest="preload", action="store_false", help="with --server: one app per worker")
    parser.add_argument("--compare", action="store_true", help="with --server: with and without preload")
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.url)))
        return 0
    if args.server is not None:
        rows = run_server(args)
        print(f"benchmark 7b: gunicorn memory, {args.db} {args.size} ({os.cpu_count()} CPUs, {platform.platform()}, "
              f"Python {platform.python_version()})")
        for row in rows:
            print("  " + server_line(row))
        return 0
    results = run(args)
    print(f"benchmark 7: peak memory, {args.db} {args.size} ({os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()})")
    for r in results:
        print("  " + line(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
