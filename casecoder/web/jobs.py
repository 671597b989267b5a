"""Imports as background jobs (issue #25): the form's POST starts the import in a thread of this
process (its own session, one transaction: all or nothing as before) and waits up to
``IMPORT_WAIT_SECONDS``; an import that finishes by then answers as it always did, a longer one
sends the browser to the job page, which polls ``/api/jobs/<id>`` (static/progress.js) and shows a
progress bar. The job's state lives in ``import_jobs`` so every worker can answer the poll; its
progress is written there in a transaction of its own (on PostgreSQL; SQLite has one writer, the
import, so there this process's live figure is shown and the row says running until the end).
The worker timeout never hits the import: the request that started it has long been answered.
A job records its process (pid, host) and, on PostgreSQL, renews a heartbeat every
``IMPORT_HEARTBEAT_SECONDS``; a running job whose process is gone or no longer runs it (a killed or
restarted worker), or whose heartbeat is stale, is shown as stopped: its transaction never committed.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis.jobs import has_stopped, job_of, project_slug
from casecoder.coding import jobs
from casecoder.coding.jobs import Work
from casecoder.db import engine_of, get_session, new_session
from casecoder.kernel import translate
from casecoder.kernel.errors import N_, InvalidInput

bp = Blueprint("jobs", __name__)
# keyed by (id of the app, job id): a process may hold several apps (tests do), each numbering its jobs from 1
_LIVE: dict[tuple[int, int], tuple[int, int]] = {}  # -> (done, total) of the imports running in this process
_RUNNING: set[tuple[int, int]] = set()  # the imports running in this process
_LOCK = threading.Lock()
HOST = socket.gethostname()


@dataclass
class Started:
    job_id: int
    thread: threading.Thread

    def wait(self) -> bool:
        """Wait ``IMPORT_WAIT_SECONDS`` at most; whether the import has ended."""
        self.thread.join(current_app.config.get("IMPORT_WAIT_SECONDS", 5))
        return not self.thread.is_alive()


def start(kind: str, filename: str, project_id: int | None, lang: str, work: Work) -> Started:
    """Record a job for the current user and run ``work(session, progress)`` in a thread."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    with new_session(app) as session:
        job_id = jobs.create_job(session, current_user.id, kind, filename, project_id, pid=os.getpid(), host=HOST,
                                 heartbeat=engine_of(app).dialect.name != "sqlite").id
        session.commit()
    with _LOCK:
        _RUNNING.add((id(app), job_id))
    thread = threading.Thread(target=_run, args=(app, job_id, lang, work), name=f"import-job-{job_id}", daemon=True)
    thread.start()
    return Started(job_id, thread)


def _run(app: Flask, job_id: int, lang: str, work: Work) -> None:
    live_in_db = engine_of(app).dialect.name != "sqlite"

    def progress(done: int, total: int) -> None:
        with _LOCK:
            _LIVE[(id(app), job_id)] = (done, total)
        if live_in_db:
            with new_session(app) as status:
                jobs.set_progress(status, job_id, done, total)
                status.commit()

    stop = threading.Event()
    if live_in_db:  # SQLite: the import holds the only write lock, so no heartbeat (the pid tells)
        threading.Thread(target=_heartbeat, args=(app, job_id, stop), name=f"import-job-{job_id}-heartbeat",
                         daemon=True).start()
    try:
        _work(app, job_id, lang, work, progress)
    finally:
        stop.set()
        with _LOCK:
            _RUNNING.discard((id(app), job_id))


def _heartbeat(app: Flask, job_id: int, stop: threading.Event) -> None:
    while not stop.wait(app.config.get("IMPORT_HEARTBEAT_SECONDS", 10)):
        try:
            with new_session(app) as status:
                jobs.beat(status, job_id)
                status.commit()
        except Exception:  # a missed beat is no failure of the import; the next one may pass
            app.logger.warning("import job %s: heartbeat not stored", job_id, exc_info=True)


def _work(app: Flask, job_id: int, lang: str, work: Work, progress: Any) -> None:
    with app.app_context():
        session, project_id = new_session(app), None
        try:
            message, project_id = work(session, progress)
            session.commit()
            state = "done"
        except InvalidInput as exc:  # BundleProblems too: each problem on its own line
            session.rollback()
            state = "failed"
            problems = getattr(exc, "problems", None)
            message = ("\n".join(p.render(lambda m: translate.gettext(lang, m)) for p in problems) if problems
                       else exc.render(lambda m: translate.gettext(lang, m)))
        except Exception:  # the job must end; the log has the details
            session.rollback()
            app.logger.exception("import job %s failed", job_id)
            state, message = "failed", translate.gettext(lang, N_("The import failed; nothing was stored."))
        finally:
            session.close()
        with _LOCK:
            last = _LIVE.get((id(app), job_id))
        with new_session(app) as status:
            jobs.finish(status, job_id, state, message, project_id, last)
            status.commit()
        with _LOCK:
            _LIVE.pop((id(app), job_id), None)


def status(job_id: int, fresh: bool = False) -> dict[str, object]:
    """The job's state for its page: 404 unless it is the current user's. ``fresh``: read in a new
    session (the request's may hold a SQLite snapshot from before the job ended)."""
    if fresh:
        with new_session(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
            return _status(session, job_id, fresh=True)
    return _status(get_session(), job_id)


def _status(session: Any, job_id: int, fresh: bool = False) -> dict[str, object]:
    job = job_of(session, job_id, current_user.id)
    if job is None:
        abort(404)
    done, total = job.done, job.total
    with _LOCK:
        done, total = _LIVE.get((id(current_app._get_current_object()), job_id), (done, total))  # type: ignore[attr-defined]
    slug = project_slug(session, job.project_id) if job.state == "done" else None
    state, message = job.state, job.message
    if has_stopped(job, datetime.now(timezone.utc), HOST, _runs):
        # it may have ended after its row was read: its thread commits the end before it leaves _RUNNING, so
        # a row read now shows the end if it came
        if not fresh:
            return status(job_id, fresh=True)
        state = "stopped"
        message = _("The import stopped without finishing (its server process ended); nothing was stored. "
                    "Start it again.")
    return {"id": job.id, "kind": job.kind, "filename": job.filename, "state": state, "done": done,
            "total": total, "message": message, "project_slug": slug,
            "project_url": url_for("projects.overview", slug=slug) if slug else None}


def _runs(job: Any) -> bool:
    """Whether the process ``job.pid`` of this host still runs the job: this process if its thread
    does; another if it exists and started before the job (else the pid was reused)."""
    if job.pid == os.getpid():
        with _LOCK:
            return (id(current_app._get_current_object()), job.id) in _RUNNING  # type: ignore[attr-defined]
    try:
        os.kill(job.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    started = _process_start(job.pid)
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=timezone.utc)
    return started is None or started <= created + timedelta(seconds=2)


def _process_start(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return datetime.fromtimestamp(boot + int(fields[19]) / os.sysconf("SC_CLK_TCK"), timezone.utc)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


@bp.route("/jobs/<int:job_id>")
def page(job_id: int):  # type: ignore[no-untyped-def]
    return render_template("jobs/job.html", job=status(job_id))


@bp.route("/api/jobs/<int:job_id>")
def api(job_id: int):  # type: ignore[no-untyped-def]
    response = jsonify(status(job_id))
    response.headers["Cache-Control"] = "no-store"
    return response
