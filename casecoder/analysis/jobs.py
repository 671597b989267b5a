"""A background import job as its page sees it (issue #25): only the user who started it; a running
job whose process is gone, or whose heartbeat is older than ``STALE_AFTER``, has stopped."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.models import ImportJob, Project

STALE_AFTER = timedelta(seconds=60)  # a running job renews its heartbeat far more often (web/jobs.py)


def job_of(session: Session, job_id: int, user_id: int) -> ImportJob | None:
    return session.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == user_id))


def project_slug(session: Session, project_id: int | None) -> str | None:
    return session.scalar(select(Project.slug).where(Project.id == project_id)) if project_id else None


def has_stopped(job: ImportJob, now: datetime, host: str, runs: Callable[[ImportJob], bool]) -> bool:
    """Whether ``job``, stored as running, has stopped without finishing: its process on this ``host``
    no longer ``runs`` it, or its heartbeat (kept where the database allows it) is older than
    ``STALE_AFTER``. Its import's transaction was never committed: nothing of it was stored."""
    if job.state != "running":
        return False
    if job.pid is not None and job.host == host and not runs(job):
        return True
    beat = job.heartbeat_at
    if beat is not None and beat.tzinfo is None:  # SQLite gives naive UTC
        beat = beat.replace(tzinfo=timezone.utc)
    return beat is not None and now - beat > STALE_AFTER
