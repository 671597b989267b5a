"""Excerpts (spans of a source about one case), codings (excerpt x code x coder x direction) and each
coder's own memo on an excerpt."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.kernel.vocabulary import Direction
from casecoder.models.accounts import User
from casecoder.models.base import Base, Timestamp, str_enum, utcnow
from casecoder.models.cases import Case, Source
from casecoder.models.codebook import Code


class Excerpt(Base):
    """A span [start, end) of a source's text, in Unicode code points, end exclusive."""

    __tablename__ = "excerpts"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span"),
        # an excerpt's place without its text: the chapter page's quotes by the index only (migration 0030)
        Index("ix_excerpts_id_place", "id", "project_id", "case_id", "source_id", "start_offset"),
        # a transcript's excerpts by their maker: a blind coder's own on the transcripts they code blind, from the
        # index alone (the excerpt list's counts, analysis/excerpt_list.kept_counts; migration 0031)
        Index("ix_excerpts_source_creator", "source_id", "created_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cases.id"), index=True)
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)
    # Counts saves; the ORM adds "AND version = n" to every UPDATE, so a save based on an older read
    # fails instead of overwriting (coding/excerpts.py turns that into a conflict message).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    source: Mapped[Source] = relationship()
    case: Mapped[Optional[Case]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    codings: Mapped[list["Coding"]] = relationship(back_populates="excerpt", cascade="all, delete-orphan")
    memos: Mapped[list["ExcerptMemo"]] = relationship(back_populates="excerpt", cascade="all, delete-orphan",
                                                      order_by="ExcerptMemo.user_id")


class Coding(Base):
    __tablename__ = "codings"
    # (code, excerpt, coder): a code's excerpts, and a coder's of them, from the index alone (the excerpt
    # list by code, migration 0026)
    __table_args__ = (UniqueConstraint("excerpt_id", "code_id", "coder_id"),
                      Index("ix_codings_code_excerpt", "code_id", "excerpt_id", "coder_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    excerpt_id: Mapped[int] = mapped_column(ForeignKey("excerpts.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"))
    coder_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, "direction"), default=Direction.SUPPORTS)
    # Part of the project's coding of record (what the counts use). True unless a reconciliation of double
    # coding accepted another coder's version (models/double_coding.py); agreement figures ignore it.
    of_record: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    excerpt: Mapped[Excerpt] = relationship(back_populates="codings")
    code: Mapped[Code] = relationship()
    coder: Mapped[User] = relationship()


class ExcerptMemo(Base):
    """One coder's memo on an excerpt: each coder writes only their own (an empty memo is no row)."""

    __tablename__ = "excerpt_memos"
    __table_args__ = (UniqueConstraint("excerpt_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    excerpt_id: Mapped[int] = mapped_column(ForeignKey("excerpts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)

    excerpt: Mapped[Excerpt] = relationship(back_populates="memos")
    user: Mapped[User] = relationship()
