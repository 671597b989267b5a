"""Double coding: sources assigned to two or more coders (blind until the owner opens the
comparison), and the owner's reconciliation decisions per case and code.

Marking a whole case marks each of its sources. The coding of record is kept on the codings
themselves (``Coding.of_record``): a reconciliation that accepts one coder's version clears the
flag on the other coders' codings of that code in that case's double-coded sources; the
independent codings stay, for the agreement figures.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, ForeignKey, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.models.accounts import User
from casecoder.models.base import Base, Timestamp, str_enum, utcnow
from casecoder.models.cases import Source

double_coding_coders = Table(
    "double_coding_coders",
    Base.metadata,
    Column("assignment_id", ForeignKey("double_codings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class DoubleCoding(Base):
    """One source in double coding, with its coders; ``opened`` once the owner opens the comparison."""

    __tablename__ = "double_codings"
    __table_args__ = (UniqueConstraint("source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    opened: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    source: Mapped[Source] = relationship()
    coders: Mapped[list[User]] = relationship(secondary=double_coding_coders, order_by="User.username")


class Decision(str, enum.Enum):
    ACCEPT = "accept"   # one coder's version becomes the coding of record
    MERGE = "merge"     # every coder's codings are of record (the union)
    NOTE = "note"       # a note only; the coding of record is unchanged


class Reconciliation(Base):
    """The owner's decision on one disagreement (case x code); a new decision replaces the old one."""

    __tablename__ = "reconciliations"
    __table_args__ = (UniqueConstraint("project_id", "case_id", "code_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "decision"))
    chosen_coder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)

    chosen_coder: Mapped[Optional[User]] = relationship(foreign_keys=[chosen_coder_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])


DECISION_NAMES = tuple(d.value for d in Decision)
