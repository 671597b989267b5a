"""The project's codebook: a tree of codes with bilingual labels, and typed relations between codes."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casecoder.kernel.vocabulary import CodeKind, RelationType
from casecoder.models.base import Base, Timestamp, str_enum, utcnow


class Code(Base):
    __tablename__ = "codes"
    # The GUID rule is a unique index (NULL many times), added in place by migration 0006: rebuilding
    # ``codes`` on SQLite would cascade-delete its dependants.
    __table_args__ = (UniqueConstraint("project_id", "key"),
                      Index("uq_codes_project_id_guid", "project_id", "guid", unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    # REFI-QDA GUID (lower-case canonical UUID): kept from imported files, else given at the first export.
    guid: Mapped[Optional[str]] = mapped_column(String(36))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("codes.id"), index=True)
    kind: Mapped[CodeKind] = mapped_column(str_enum(CodeKind, "code_kind"))
    label_da: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    description_da: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    include_da: Mapped[str] = mapped_column(Text, default="")
    include_en: Mapped[str] = mapped_column(Text, default="")
    exclude_da: Mapped[str] = mapped_column(Text, default="")
    exclude_en: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[str] = mapped_column(String(100), default="")
    color: Mapped[str] = mapped_column(String(7), default="#888888")
    position: Mapped[int] = mapped_column(default=0)
    codable: Mapped[bool] = mapped_column(default=True)
    archived: Mapped[bool] = mapped_column(default=False)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp(), default=utcnow)

    parent: Mapped[Optional["Code"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Code"]] = relationship(back_populates="parent", order_by="Code.position")

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_da

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_da

    def __repr__(self) -> str:
        return f"<Code {self.key}>"


class CodeRelation(Base):
    __tablename__ = "code_relations"
    __table_args__ = (
        UniqueConstraint("source_code_id", "target_code_id", "type"),
        CheckConstraint("source_code_id <> target_code_id", name="no_self_loop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    source_code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    target_code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"), index=True)
    type: Mapped[RelationType] = mapped_column(str_enum(RelationType, "relation_type"))

    source_code: Mapped[Code] = relationship(foreign_keys=[source_code_id])
    target_code: Mapped[Code] = relationship(foreign_keys=[target_code_id])
