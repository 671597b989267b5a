"""Cases (families) with typed attributes, interviewees, and sources (transcripts) linked to both."""
from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.kernel.vocabulary import AttributeType, InterviewMode, Perspective
from casecoder.models.base import Base, Timestamp, str_enum, utcnow

source_cases = Table(
    "source_cases",
    Base.metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True, index=True),
)

source_interviewees = Table(
    "source_interviewees",
    Base.metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("interviewee_id", ForeignKey("interviewees.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    municipality: Mapped[str] = mapped_column(String(100), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    attributes: Mapped[list["CaseAttribute"]] = relationship(back_populates="case", cascade="all, delete-orphan")
    sources: Mapped[list["Source"]] = relationship(secondary=source_cases, back_populates="cases")

    def __repr__(self) -> str:
        return f"<Case {self.key}>"


class AttributeDefinition(Base):
    """A typed case attribute of a project (WHO-5 at entry, number of children, ...)."""

    __tablename__ = "attribute_definitions"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[AttributeType] = mapped_column(str_enum(AttributeType, "attribute_type"))
    position: Mapped[int] = mapped_column(default=0)


class CaseAttribute(Base):
    """One value of one attribute for one case; exactly the column of the definition's type is set."""

    __tablename__ = "case_attributes"
    __table_args__ = (UniqueConstraint("case_id", "definition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("attribute_definitions.id", ondelete="CASCADE"), index=True)
    value_text: Mapped[Optional[str]] = mapped_column(Text)
    value_int: Mapped[Optional[int]]
    value_number: Mapped[Optional[float]] = mapped_column(Numeric(asdecimal=False))
    value_bool: Mapped[Optional[bool]]
    value_date: Mapped[Optional[date]] = mapped_column(Date)

    case: Mapped[Case] = relationship(back_populates="attributes")
    definition: Mapped[AttributeDefinition] = relationship()

    @property
    def value(self) -> object:
        column = {
            AttributeType.TEXT: "value_text",
            AttributeType.INTEGER: "value_int",
            AttributeType.NUMBER: "value_number",
            AttributeType.BOOLEAN: "value_bool",
            AttributeType.DATE: "value_date",
        }[self.definition.type]
        return getattr(self, column)


class Interviewee(Base):
    __tablename__ = "interviewees"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(64))
    perspective: Mapped[Perspective] = mapped_column(str_enum(Perspective, "perspective"))
    municipality: Mapped[str] = mapped_column(String(100), default="")


def new_text_version() -> int:
    return secrets.randbits(62) + 1


class Source(Base):
    """An interview transcript. Excerpt offsets are code points into ``text``."""

    __tablename__ = "sources"
    # A unique index rather than a UniqueConstraint: the same rule (NULL keys allowed many times), but
    # migration 0004 can add it in place; rebuilding ``sources`` on SQLite would cascade-delete excerpts.
    # (project, perspective) covers the tally's denominators and (project, title, id) the transcripts in
    # their order (the excerpt list, the project page): the source rows hold the whole text, and with the id
    # in the index PostgreSQL reads that order from the index alone, no sort (migration 0036)
    __table_args__ = (Index("uq_sources_project_id_key", "project_id", "key", unique=True),
                      Index("ix_sources_project_perspective", "project_id", "perspective"),
                      Index("ix_sources_project_title", "project_id", "title", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # The source's key in project bundles (optional; unique in the project when set, NULL many times).
    key: Mapped[Optional[str]] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    perspective: Mapped[Perspective] = mapped_column(str_enum(Perspective, "perspective"))
    mode: Mapped[Optional[InterviewMode]] = mapped_column(str_enum(InterviewMode, "interview_mode"))
    interview_date: Mapped[Optional[date]] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    # A random number that a trigger replaces whenever ``text`` changes (models/source_text.py): the
    # key under which a process may keep the text (coding/text_cache.py). NULL: never kept.
    text_version: Mapped[Optional[int]] = mapped_column(BigInteger, default=lambda: new_text_version())
    original_filename: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    cases: Mapped[list[Case]] = relationship(secondary=source_cases, back_populates="sources", order_by="Case.key")
    interviewees: Mapped[list[Interviewee]] = relationship(secondary=source_interviewees, order_by="Interviewee.key")
