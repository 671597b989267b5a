"""Typed SQLAlchemy models; no Flask. Importing this package registers every table on ``Base.metadata``."""
from .accounts import LoginFailure, Membership, Project, User
from .audit import AuditEvent
from .base import AttributeType, Base, CodeKind, Direction, InterviewMode, Perspective, RelationType, Role
from .chains import Arrow, Chain, ChainNode, ChainScope
from .cases import AttributeDefinition, Case, CaseAttribute, Interviewee, Source, source_cases, source_interviewees
from .codebook import Code, CodeRelation
from .coding import Coding, Excerpt
from .double_coding import Decision, DoubleCoding, Reconciliation, double_coding_coders
from .registrations import Registration, SelectionCriteria
from .pseudonyms import HitKind, HitStatus, KeyKind, PseudonymHit, PseudonymKey
from . import search as _search  # noqa: F401,E402 - full-text index DDL on sources (FTS5 / GIN)
from .summary import EvidenceSummary  # noqa: E402 - evidence_summary and its triggers
from .tally_cells import CaseCodeEvidence, CodeAncestry, TallyCell, TallyDefault  # noqa: E402 - after summary: triggers on it
from .case_sources import CaseSources  # noqa: E402
from . import source_text as _source_text  # noqa: F401,E402 - the text_version trigger

__all__ = [
    "Arrow", "AttributeDefinition", "AttributeType", "Chain", "ChainNode", "ChainScope", "AuditEvent", "Base", "Case", "CaseAttribute", "Code", "CodeKind",
    "CodeRelation", "Coding", "Direction", "Excerpt", "InterviewMode", "Interviewee", "Membership", "Perspective",
    "Project", "Registration", "RelationType", "Role", "SelectionCriteria", "Source", "User", "source_cases",
    "source_interviewees",
    "Decision", "DoubleCoding", "Reconciliation", "double_coding_coders", "LoginFailure",
    "HitKind", "HitStatus", "KeyKind", "PseudonymHit", "PseudonymKey",
    "EvidenceSummary", "CaseCodeEvidence", "CodeAncestry", "TallyCell", "TallyDefault", "CaseSources",
]
