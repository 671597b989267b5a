"""``casecoder serve``: the development server, or gunicorn with several workers (``--production``).

The production server runs gunicorn in this process (its programmatic API). The app is built once
here first, so a configuration error (a missing CASECODER_SECRET_KEY) stops the command with its
message before any worker starts. With preloading (the default) the master keeps that app, imports
the heavy libraries (``PRELOAD_MODULES``), freezes its objects out of the garbage collector's reach
(``gc.freeze``) and forks the workers from it, so their pages stay shared; each worker drops the
inherited connection pool (``Engine.dispose(close=False)``) and opens its own connections before its first
request (``db.open_connections``).
After a costly request (and every 64th) a worker hands the heap memory it freed back to the system
(glibc's ``malloc_trim``). Before each fork the master fills its heap's holes, so a worker's allocations do not
copy the master's pages (``_fill_heap_holes``), and a stopping worker ends without the interpreter's
teardown, which would copy them all (``_exit_now``). ``--no-preload`` builds one app per worker instead.
A worker whose master dies (``kill -9``) stops by itself within a second (``watch_master``), so the port
is free for a restart. docs/deploy.md
describes a team installation and the default worker count.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import importlib
import logging
import os
import signal
import sys
import threading
import time
from typing import Any, Callable

import click
from flask import Flask
from flask.cli import ScriptInfo

from casecoder.config import LANGUAGES, ConfigError

MAX_DEFAULT_WORKERS = 8
WORKER_BUDGET_MIB = 256  # memory one worker may come to need (a large export), counted for the default
PRELOAD_MODULES = (  # imported in the master before the fork, so every worker shares their pages
    "casecoder.figures.charts", "casecoder.figures.chains", "casecoder.figures.overview",
    "casecoder.analysis.chains", "casecoder.exchange.refi.qdc", "casecoder.exchange.refi.qdpx_write",
    "matplotlib.backends.backend_agg", "matplotlib.backends.backend_pdf", "matplotlib.backends.backend_svg",
    "docx", "docx.oxml.parser", "openpyxl", "openpyxl.styles", "networkx", "lxml.etree",
    # imported on a worker's first export or import otherwise (~4 MiB a worker; export.agreement is left
    # to the agreement page)
    "casecoder.export.quotes", "casecoder.export.chapter", "casecoder.export.cooccurrence",
    "casecoder.export.interviewees", "casecoder.export.matrix", "casecoder.export.overview",
    "casecoder.export.selection", "casecoder.coding.bulk_sqlite", "casecoder.coding.bulk_copy",
    "openpyxl.packaging.extended", "encodings.cp437",
)
ORPHAN_POLL_SECONDS = 0.5  # how often a worker looks whether its master still lives
ORPHAN_GRACE_SECONDS = 10  # an orphaned worker's request may finish this long, then the worker exits anyway
HEAP_HOLE_SLACK = 64 * 1024  # free heap bytes below which the master's holes count as filled
HEAP_HOLE_ROUNDS = 1000  # at most 1000 x 1000 allocations of 24 bytes (32 MiB of holes) before a fork
APP_IMPORT_PATH = "casecoder.app:create_app"  # found as `flask --app` finds an app: no import of the factory here


def total_memory_mib() -> int | None:
    """The machine's memory (MemTotal of /proc/meminfo), or None where there is no /proc."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_workers(cpus: int | None = None, memory_mib: int | None = None) -> int:
    """CPUs + 1, at most MAX_DEFAULT_WORKERS, and no more than half the machine's memory allows at
    WORKER_BUDGET_MIB a worker (at least one). A request is CPU work in Python (the database answers in
    well under a millisecond), so more sync workers than CPUs add little but memory; the one extra
    keeps the server answering while every CPU is busy with a long export (docs/deploy.md)."""
    cpus = cpus or os.cpu_count() or 1
    memory_mib = memory_mib if memory_mib is not None else total_memory_mib()
    count = min(cpus + 1, MAX_DEFAULT_WORKERS)
    if memory_mib is not None:
        count = min(count, max(1, memory_mib // 2 // WORKER_BUDGET_MIB))
    return count


def warm_up(app: Flask) -> None:
    """In the master, before the fork: import PRELOAD_MODULES and do what every worker would do on its first
    requests (configure the ORM's mappers, compile every template, read both languages' catalogues), so
    that the result is shared instead of built again in each worker. Touches no database."""
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers
    for name in PRELOAD_MODULES:
        importlib.import_module(name)
    configure_mappers()
    for template in app.jinja_env.list_templates():
        app.jinja_env.get_template(template)
    with app.test_request_context():
        for language in LANGUAGES:
            with force_locale(language):
                get_translations()


def _load_app(ctx: click.Context) -> Flask:
    try:
        return ctx.ensure_object(ScriptInfo).load_app()
    except ConfigError as exc:
        raise click.ClickException(f"casecoder cannot start: {exc}") from exc


def watch_master(master_pid: int) -> None:
    """In a worker: once the master is gone (the worker's parent changes), stop like on SIGTERM (the request
    under way is answered, the listening socket closed), and exit for good after ORPHAN_GRACE_SECONDS.
    Gunicorn's own check only runs between requests and up to its timeout apart."""
    while os.getppid() == master_pid:
        time.sleep(ORPHAN_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS)
    os._exit(1)


def _post_fork(server: Any, worker: Any) -> None:
    """Gunicorn's post_fork hook, run in each new worker: watch the master from a daemon thread."""
    threading.Thread(target=watch_master, args=(worker.ppid,), name="watch-master", daemon=True).start()


@functools.cache  # find_library runs ldconfig in a subprocess (3 ms, and a child of the master that a
def _libc() -> Any:  # watcher could take for a worker): once per process, before the first fork
    """The C library (None where it cannot be found or loaded)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None elsewhere: musl, macOS)."""
    return getattr(_libc(), "malloc_trim", None)


TRIM_AFTER_CPU_SECONDS = 0.005  # a request that used this much CPU may have grown the heap: trim after it
TRIM_EVERY = 64  # and after every 64th request whatever it cost
_seen = {"cpu": 0.0, "requests": 0}  # this process's thread time at its last request's end, and its requests


def _trim_heap(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """Gunicorn's post_request hook: hand the heap memory a request freed back to the system (0.05-0.3 ms).
    Without it a worker keeps the high-water mark of the largest page it built, as private memory. Only after
    a request that used ``TRIM_AFTER_CPU_SECONDS`` of CPU (the CPU time of the worker's one thread since the
    last request ended), and after every ``TRIM_EVERY``-th: a create (~1 ms) frees a few hundred KiB that the
    next one takes again, and a trim after each gave them back only to fault them in again (#25)."""
    cpu = time.thread_time()
    used, _seen["cpu"] = cpu - _seen["cpu"], cpu
    _seen["requests"] += 1
    if 0 <= used < TRIM_AFTER_CPU_SECONDS and _seen["requests"] % TRIM_EVERY:
        return
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
        _seen["cpu"] = time.thread_time()


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _fill_heap_holes() -> None:
    """In the master, before a fork: take the free chunks scattered through glibc's heap (freed start-up
    objects) with small allocations that are never freed, so that a worker's own allocations come from fresh
    pages at the heap's top instead of from holes between the master's shared objects, each of which would
    copy its page. A worker's first SQLite connection alone (its schema) copied ~7 MiB of the master's heap
    this way. The holes are resident in the master already; a second call finds none left."""
    libc = _libc()
    mallinfo2, malloc, trim = (getattr(libc, name, None) for name in ("mallinfo2", "malloc", "malloc_trim"))
    if mallinfo2 is None or malloc is None or trim is None:  # not glibc 2.33+
        return
    mallinfo2.restype, malloc.restype = _MallInfo2, ctypes.c_void_p
    trim(0)  # merges the fast bins' chunks (which malloc(24) would not take) and returns free whole pages

    def holes() -> int:  # free bytes outside the heap's top (of every arena: other threads' too)
        info = mallinfo2()
        return int(info.fordblks - info.keepcost)

    left = holes()
    for _ in range(HEAP_HOLE_ROUNDS):
        if left < HEAP_HOLE_SLACK:
            return
        for _ in range(1000):
            malloc(24)  # a 32-byte chunk
        left, before = holes(), left
        if before - left < 16_000:  # the round came from the top: what is left is no hole of this thread's arena
            return


GC_THRESHOLD = (20_000, 20, 100)  # the cycle collector's generations (Python's default: 700, 10, 10)


def _pre_fork(server: Any, worker: Any) -> None:
    """In the master, before each fork: move every object into the garbage collector's permanent
    generation, so the collector in a worker does not write to (and so copy) the shared pages, and fill
    the heap's holes (``_fill_heap_holes``; only before a real fork: ``worker`` is None for the development
    server). The collector then runs less often (``GC_THRESHOLD``): a large page allocates hundreds of
    thousands of objects, freed by their reference counts, and Python's default made it look for cycles
    among them every 700 (in-process A/B on the large project: 0-8 % of the CPU of the heaviest pages)."""
    gc.collect()
    if worker is not None:
        _fill_heap_holes()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _exit_now(server: Any, worker: Any) -> None:
    """Gunicorn's worker_exit hook, the last thing a stopping worker runs (its requests answered, its
    sockets closed): close its pooled database connections, flush the logs and end the process with the
    exit code it was leaving with, without the interpreter's teardown. That teardown drops every module
    and object the worker inherited from the master, writing each one's reference count, and so copies
    nearly every page still shared: each of 3 workers grew by ~40 MiB (the server's peak memory) and
    took 2-3 s to exit (docs/benchmarks.md, "gunicorn memory with SQLite")."""
    leaving = sys.exc_info()[1]  # the SystemExit under way: gunicorn calls this hook from a finally clause
    code = leaving.code if isinstance(leaving, SystemExit) else 0
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        from casecoder.db import dispose
        dispose(app)  # a clean close: PostgreSQL sees a goodbye, SQLite's last close checkpoints
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def gunicorn_options(host: str, port: int, workers: int, timeout: int, app: Flask | None) -> dict[str, Any]:
    """Gunicorn's settings: preloaded (``app`` built in the master and shared by the forked workers) or not."""
    from casecoder.cli.serve_worker import worker_class  # gunicorn's modules: only when serving with it

    def post_fork(server: Any, worker: Any) -> None:
        if app is not None:  # the pool's connections belong to the master: forget them, never close them here
            from casecoder.db import dispose
            dispose(app, close=False)
        _post_fork(server, worker)

    def post_worker_init(worker: Any) -> None:  # the worker's app is loaded (preloaded or its own)
        from casecoder.db import open_connections
        open_connections(app if app is not None else worker.wsgi)

    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": "-",
        "logger_class": "casecoder.cli.request_log.AccessLogger",  # the same log, a lighter line (request_log.py)
        "errorlog": "-",
        "proc_name": "casecoder",
        "worker_class": worker_class(),  # one worker woken per new connection (serve_worker.py)
        "control_socket_disable": True,  # gunicorn 25+: no shared ~/.gunicorn socket between instances
        "preload_app": app is not None,
        "post_fork": post_fork,  # a fresh connection pool; workers end when their master dies
        "post_worker_init": post_worker_init,  # its connections opened before the first request
        "worker_exit": _exit_now,  # no interpreter teardown copying the shared pages
        **({"pre_fork": _pre_fork} if app is not None else {}),
        **({"post_request": _trim_heap} if _malloc_trim() else {}),
    }


def run_gunicorn(host: str, port: int, workers: int, timeout: int, app: Flask | None = None) -> None:
    """Run gunicorn's arbiter until it is stopped (SIGTERM/SIGINT): on ``app`` built in this process and
    shared by the forked workers (preload), or, without ``app``, on ``casecoder.app:create_app()`` built
    in each worker."""
    from gunicorn.app.base import BaseApplication

    class CasecoderApplication(BaseApplication):
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # settings newer than gunicorn 23 are skipped there
                    self.cfg.set(key, value)

        def load(self) -> Flask:  # preload: once, in the master; otherwise in each worker
            if app is not None:
                return app
            return ScriptInfo(app_import_path=APP_IMPORT_PATH, set_debug_flag=False).load_app()

    CasecoderApplication(gunicorn_options(host, port, workers, timeout, app)).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--production", is_flag=True,
              help="Serve with gunicorn and several worker processes (for a team; see docs/deploy.md).")
@click.option("--workers", type=click.IntRange(min=1),
              help=f"Worker processes with --production [default: CPUs + 1, at most {MAX_DEFAULT_WORKERS} "
                   f"and one per {2 * WORKER_BUDGET_MIB} MiB of memory].")
@click.option("--preload/--no-preload", default=True, show_default=True,
              help="With --production: build the app once and fork the workers from it (shared memory).")
@click.option("--timeout", default=120, show_default=True, type=click.IntRange(min=1),
              help="With --production: seconds a request may take before its worker is restarted.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, production: bool, workers: int | None,
                  preload: bool, timeout: int) -> None:
    """Serve the app: the development server, or gunicorn with --production."""
    if not production and workers is not None:
        raise click.UsageError("--workers needs --production (the development server is one process)")
    if production:
        # session cookies only over HTTPS unless the environment says otherwise (set before the app is built)
        os.environ.setdefault("CASECODER_SESSION_COOKIE_SECURE", "true")
    app = _load_app(ctx)
    if not production:
        click.echo(f"casecoder on http://{host}:{port}/  (development server; Ctrl+C stops)")
        warm_up(app)
        _pre_fork(None, None)  # the start-up objects out of the collector's reach, as in a gunicorn worker
        from casecoder.db import open_connections
        open_connections(app)
        from casecoder.cli.dev_server import run_development_server
        from casecoder.cli.request_log import RequestHandler
        run_development_server(host, port, app, RequestHandler)  # threads reused, lighter request lines
        return
    count = workers or default_workers()
    if str(app.config["DATABASE_URL"]).startswith("sqlite"):
        click.echo("Warning: the database is SQLite. Several workers writing at once wait for each other; "
                   "for a team use PostgreSQL (CASECODER_DATABASE_URL, see docs/deploy.md).", err=True)
    from casecoder.db import dispose
    dispose(app)  # no connection of the master's survives into a worker
    if preload:
        warm_up(app)
    click.echo(f"casecoder (gunicorn, {count} worker{'s' if count > 1 else ''}) on http://{host}:{port}/  "
               "(SIGTERM or Ctrl+C stops)")
    run_gunicorn(host, port, count, timeout, app if preload else None)
