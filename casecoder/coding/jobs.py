"""Background import jobs (issue #25): start one, move its progress, renew its heartbeat, end it done
or failed. Each call flushes; the caller commits in a transaction of its own, apart from the import's."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from casecoder.coding.bulk_excerpts import Progress
from casecoder.models import ImportJob
from casecoder.models.base import utcnow

STATES = ("running", "done", "failed")
Work = Callable[[Session, Progress], tuple[str, "int | None"]]  # an import: (its summary, the project's id)


def create_job(session: Session, user_id: int, kind: str, filename: str, project_id: int | None = None, *,
               pid: int | None = None, host: str | None = None, heartbeat: bool = False) -> ImportJob:
    """A running job; ``pid``/``host``: the process that runs it; ``heartbeat``: it will be renewed."""
    job = ImportJob(user_id=user_id, kind=kind, filename=filename[:255], project_id=project_id, state="running",
                    done=0, total=0, message="", pid=pid, host=host[:255] if host else host,
                    heartbeat_at=utcnow() if heartbeat else None)
    session.add(job)
    session.flush()
    return job


def set_progress(session: Session, job_id: int, done: int, total: int) -> None:
    session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.state == "running")
                    .values(done=done, total=total, heartbeat_at=utcnow()))


def beat(session: Session, job_id: int) -> None:
    """The running job is alive: renew its heartbeat."""
    session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.state == "running")
                    .values(heartbeat_at=utcnow()))


def finish(session: Session, job_id: int, state: str, message: str, project_id: int | None = None,
           progress: tuple[int, int] | None = None) -> None:
    """End the job ``done`` (``message``: the summary) or ``failed`` (``message``: every problem);
    ``progress``: the last (done, total) reported."""
    assert state in STATES[1:]
    values: dict[str, object] = {"state": state, "message": message}
    if progress is not None:
        values["done"], values["total"] = progress
    if project_id is not None:
        values["project_id"] = project_id
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(**values))
