"""Statement chains: an ordered list of codes joined by both-and or and/or arrows (report figs. 36-52)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.models.base import Base, Timestamp, str_enum, utcnow
from casecoder.models.codebook import Code


class ChainScope(str, enum.Enum):
    FAMILY = "family"
    SYSTEM = "system"
    POOLED = "pooled"


class Arrow(str, enum.Enum):
    BOTH_AND = "both-and"   # drawn dashed; AND
    AND_OR = "and-or"       # drawn solid; OR


class Chain(Base):
    __tablename__ = "chains"
    __table_args__ = (UniqueConstraint("project_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    caption: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[ChainScope] = mapped_column(str_enum(ChainScope, "chain_scope"), default=ChainScope.FAMILY)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow, onupdate=utcnow)

    nodes: Mapped[list["ChainNode"]] = relationship(back_populates="chain", cascade="all, delete-orphan",
                                                    order_by="ChainNode.position")


class ChainNode(Base):
    """One box of a chain; ``arrow`` joins it to the next node (None on the last)."""

    __tablename__ = "chain_nodes"
    __table_args__ = (UniqueConstraint("chain_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    arrow: Mapped[Optional[Arrow]] = mapped_column(str_enum(Arrow, "arrow"))

    chain: Mapped[Chain] = relationship(back_populates="nodes")
    code: Mapped[Code] = relationship()
