"""What the analyst prepares for the report's chapter (issue #24): the excerpts marked "use in the
report", in the analyst's order, and a free-text analysis note per code (a sub-mechanism's own words).

A mark names its excerpt by id without a foreign key, with the sha256 and the start of the text it
was made on: a mark outlives its excerpt, so the chapter can say that a marked quote was deleted
(or its text changed) since, and an undo that brings the excerpt back with its id brings the mark back.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casecoder.models.base import Base, Timestamp, utcnow


class ReportQuote(Base):
    """An excerpt marked "use in the report"; ``position`` orders the marks of a project."""

    __tablename__ = "report_quotes"
    __table_args__ = (UniqueConstraint("project_id", "excerpt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    excerpt_id: Mapped[int]                        # no foreign key: the mark outlives a deleted excerpt
    text_sha256: Mapped[str] = mapped_column(String(64))
    preview: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    marked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    @staticmethod
    def digest(text: str) -> str:
        """The sha256 a mark keeps of its excerpt's text."""
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def marks(self, text: str | None) -> bool:
        """Whether this mark still stands for an excerpt with ``text`` (None: the excerpt is gone)."""
        return text is not None and self.digest(text) == self.text_sha256


class AnalysisNote(Base):
    """The analyst's own words under a code's heading in the chapter (one note per code)."""

    __tablename__ = "analysis_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)
