"""``casecoder serve``: the development server, or gunicorn with several workers (``--production``).

The production server runs gunicorn in this process (its programmatic API): the master forks
``--workers`` sync workers and each worker builds its own app with ``casecoder.app.create_app()``
from the same CASECODER_* environment, so every worker has its own database engine. The app is
built once here first, so a configuration error (a missing CASECODER_SECRET_KEY) stops the command
with its message before any worker starts. A worker whose master dies (``kill -9``) stops by itself
within a second (``watch_master``), so the port is free for a restart. docs/deploy.md describes a team
installation.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import click
from flask import Flask
from flask.cli import ScriptInfo

from casecoder.config import ConfigError

MAX_DEFAULT_WORKERS = 8
ORPHAN_POLL_SECONDS = 0.5  # how often a worker looks whether its master still lives
ORPHAN_GRACE_SECONDS = 10  # an orphaned worker's request may finish this long, then the worker exits anyway
APP_IMPORT_PATH = "casecoder.app:create_app"  # found as `flask --app` finds an app: no import of the factory here


def default_workers() -> int:
    """2 × CPUs + 1 (gunicorn's rule of thumb), at most MAX_DEFAULT_WORKERS."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


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


def run_gunicorn(host: str, port: int, workers: int, timeout: int) -> None:
    """Run gunicorn's arbiter on ``casecoder.app:create_app()`` until it is stopped (SIGTERM/SIGINT)."""
    from gunicorn.app.base import BaseApplication

    class CasecoderApplication(BaseApplication):  # type: ignore[misc]
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # settings newer than gunicorn 23 are skipped there
                    self.cfg.set(key, value)

        def load(self) -> Flask:  # called in each worker (no preload): one engine per process
            return ScriptInfo(app_import_path=APP_IMPORT_PATH, set_debug_flag=False).load_app()

    CasecoderApplication({
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "timeout": timeout,
        "graceful_timeout": 30,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "casecoder",
        "control_socket_disable": True,  # gunicorn 25+: no shared ~/.gunicorn socket between instances
        "post_fork": _post_fork,  # workers end when their master dies
    }).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--production", is_flag=True,
              help="Serve with gunicorn and several worker processes (for a team; see docs/deploy.md).")
@click.option("--workers", type=click.IntRange(min=1),
              help=f"Worker processes with --production [default: 2 x CPUs + 1, at most {MAX_DEFAULT_WORKERS}].")
@click.option("--timeout", default=120, show_default=True, type=click.IntRange(min=1),
              help="With --production: seconds a request may take before its worker is restarted.")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, production: bool, workers: int | None,
                  timeout: int) -> None:
    """Serve the app: the development server, or gunicorn with --production."""
    if not production and workers is not None:
        raise click.UsageError("--workers needs --production (the development server is one process)")
    if production:
        # session cookies only over HTTPS unless the environment says otherwise (set before the app is built)
        os.environ.setdefault("CASECODER_SESSION_COOKIE_SECURE", "true")
    app = _load_app(ctx)
    if not production:
        from werkzeug.serving import run_simple
        click.echo(f"casecoder on http://{host}:{port}/  (development server; Ctrl+C stops)")
        run_simple(host, port, app, threaded=True)
        return
    count = workers or default_workers()
    if str(app.config["DATABASE_URL"]).startswith("sqlite"):
        click.echo("Warning: the database is SQLite. Several workers writing at once wait for each other; "
                   "for a team use PostgreSQL (CASECODER_DATABASE_URL, see docs/deploy.md).", err=True)
    from casecoder.db import engine_of
    engine_of(app).dispose()  # the workers build their own app and engine
    click.echo(f"casecoder (gunicorn, {count} worker{'s' if count > 1 else ''}) on http://{host}:{port}/  "
               "(SIGTERM or Ctrl+C stops)")
    run_gunicorn(host, port, count, timeout)
