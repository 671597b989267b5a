"""A background import job as its page sees it (issue #25): only the user who started it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.models import ImportJob, Project


def job_of(session: Session, job_id: int, user_id: int) -> ImportJob | None:
    return session.scalar(select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == user_id))


def project_slug(session: Session, project_id: int | None) -> str | None:
    return session.scalar(select(Project.slug).where(Project.id == project_id)) if project_id else None
