"""Imports as background jobs (issue #25): the form's POST starts the import in a thread of this
process (its own session, one transaction: all or nothing as before) and waits up to
``IMPORT_WAIT_SECONDS``; an import that finishes by then answers as it always did, a longer one
sends the browser to the job page, which polls ``/api/jobs/<id>`` (static/progress.js) and shows a
progress bar. The job's state lives in ``import_jobs`` so every worker can answer the poll; its
progress is written there in a transaction of its own (on PostgreSQL; SQLite has one writer, the
import, so there this process's live figure is shown and the row says running until the end).
The worker timeout never hits the import: the request that started it has long been answered.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, url_for
from flask_login import current_user

from casecoder.analysis.jobs import job_of, project_slug
from casecoder.coding import jobs
from casecoder.coding.jobs import Work
from casecoder.db import engine_of, get_session, new_session
from casecoder.kernel import translate
from casecoder.kernel.errors import N_, InvalidInput

bp = Blueprint("jobs", __name__)
_LIVE: dict[int, tuple[int, int]] = {}  # job id -> (done, total) of the imports running in this process
_LOCK = threading.Lock()


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
        job_id = jobs.create_job(session, current_user.id, kind, filename, project_id).id
        session.commit()
    thread = threading.Thread(target=_run, args=(app, job_id, lang, work), name=f"import-job-{job_id}", daemon=True)
    thread.start()
    return Started(job_id, thread)


def _run(app: Flask, job_id: int, lang: str, work: Work) -> None:
    live_in_db = engine_of(app).dialect.name != "sqlite"

    def progress(done: int, total: int) -> None:
        with _LOCK:
            _LIVE[job_id] = (done, total)
        if live_in_db:
            with new_session(app) as status:
                jobs.set_progress(status, job_id, done, total)
                status.commit()

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
            last = _LIVE.get(job_id)
        with new_session(app) as status:
            jobs.finish(status, job_id, state, message, project_id, last)
            status.commit()
        with _LOCK:
            _LIVE.pop(job_id, None)


def status(job_id: int, fresh: bool = False) -> dict[str, object]:
    """The job's state for its page: 404 unless it is the current user's. ``fresh``: read in a new
    session (the request's may hold a SQLite snapshot from before the job ended)."""
    if fresh:
        with new_session(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
            return _status(session, job_id)
    return _status(get_session(), job_id)


def _status(session: Any, job_id: int) -> dict[str, object]:
    job = job_of(session, job_id, current_user.id)
    if job is None:
        abort(404)
    done, total = job.done, job.total
    with _LOCK:
        done, total = _LIVE.get(job_id, (done, total))
    slug = project_slug(session, job.project_id) if job.state == "done" else None
    return {"id": job.id, "kind": job.kind, "filename": job.filename, "state": job.state, "done": done,
            "total": total, "message": job.message, "project_slug": slug,
            "project_url": url_for("projects.overview", slug=slug) if slug else None}


@bp.route("/jobs/<int:job_id>")
def page(job_id: int):  # type: ignore[no-untyped-def]
    return render_template("jobs/job.html", job=status(job_id))


@bp.route("/api/jobs/<int:job_id>")
def api(job_id: int):  # type: ignore[no-untyped-def]
    response = jsonify(status(job_id))
    response.headers["Cache-Control"] = "no-store"
    return response
