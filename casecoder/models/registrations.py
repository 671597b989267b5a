"""The project's register (one row per adult, imported from the registration tool) and the saved
criteria that select success cases from it (report section 4.1, Table 2)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casecoder.kernel.selection_criteria import DEFAULT_MIN_WEEKS, DEFAULT_WINDOW
from casecoder.models.base import Base, Timestamp, utcnow


class Registration(Base):
    """One adult of one family as the register knows them. ``line`` is the row's line in the imported file."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("project_id", "adult_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32))
    adult_id: Mapped[str] = mapped_column(String(64))
    municipality: Mapped[str] = mapped_column(String(100))
    employed_at_entry: Mapped[bool]
    employment_weeks: Mapped[int]
    last_registration: Mapped[date] = mapped_column(Date)
    attributes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # the file's extra columns, as text
    line: Mapped[int]


class SelectionCriteria(Base):
    """The success-case criteria saved for a project (at most one row per project)."""

    __tablename__ = "selection_criteria"
    __table_args__ = (UniqueConstraint("project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    min_weeks: Mapped[int] = mapped_column(default=DEFAULT_MIN_WEEKS)
    require_not_employed: Mapped[bool] = mapped_column(default=True)
    window_from: Mapped[date] = mapped_column(Date, default=DEFAULT_WINDOW[0])
    window_to: Mapped[date] = mapped_column(Date, default=DEFAULT_WINDOW[1])
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
