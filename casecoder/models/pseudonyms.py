"""Pseudonymisation: a project's key list (real name -> pseudonym) and the hits found in its texts.

The key list holds the real names, so it is shown to owners only and never written into a bundle,
report or REFI-QDA export (only the owner's explicit key export). A hit is one finding in a source's
text — a CPR number, a phone number, an e-mail address or a key-list entry — with its proposed
replacement and the owner's decision: pending, accepted or rejected; ``applied`` once the
replacement was written into the text (offsets of applied hits refer to the text as it was then).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.models.base import Base, Timestamp, str_enum, utcnow
from casecoder.models.cases import Source


class KeyKind(str, enum.Enum):
    NAME = "name"
    PLACE = "place"
    INSTITUTION = "institution"
    OTHER = "other"


class HitKind(str, enum.Enum):
    CPR = "cpr"
    PHONE = "phone"
    EMAIL = "email"
    KEY = "key"


class HitStatus(str, enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    APPLIED = "applied"


class PseudonymKey(Base):
    """One key-list entry: a real name, place or institution and the pseudonym that replaces it."""

    __tablename__ = "pseudonym_keys"
    __table_args__ = (UniqueConstraint("project_id", "real"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    real: Mapped[str] = mapped_column(String(200))
    pseudonym: Mapped[str] = mapped_column(String(200))
    kind: Mapped[KeyKind] = mapped_column(str_enum(KeyKind, "key_kind"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)


class PseudonymHit(Base):
    """One detected span [start, end) of a source's text (code points) and what to do with it."""

    __tablename__ = "pseudonym_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    found: Mapped[str] = mapped_column(Text)
    kind: Mapped[HitKind] = mapped_column(str_enum(HitKind, "hit_kind"))
    replacement: Mapped[str] = mapped_column(Text)
    status: Mapped[HitStatus] = mapped_column(str_enum(HitStatus, "hit_status"), default=HitStatus.PENDING)
    key_entry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("pseudonym_keys.id", ondelete="SET NULL"),
                                                        index=True)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(Timestamp())
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    source: Mapped[Source] = relationship()
