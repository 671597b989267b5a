"""Typed SQLAlchemy models; no Flask. Importing this package registers every table on ``Base.metadata``."""
from casecoder.kernel.vocabulary import (
    AttributeType,
    CodeKind,
    Direction,
    InterviewMode,
    Perspective,
    RelationType,
    Role,
)
from casecoder.models.accounts import LoginFailure, Membership, Project, User
from casecoder.models.audit import AuditEvent
from casecoder.models.base import Base
from casecoder.models.cases import (
    AttributeDefinition,
    Case,
    CaseAttribute,
    Interviewee,
    Source,
    source_cases,
    source_interviewees,
)
from casecoder.models.chains import Arrow, Chain, ChainNode, ChainScope
from casecoder.models.codebook import Code, CodeRelation
from casecoder.models.coding import Coding, Excerpt, ExcerptMemo
from casecoder.models.derived import DERIVED as _DERIVED  # noqa: F401 - attaches every trigger's DDL to create_all
from casecoder.models.derived.case_sources import CaseSources
from casecoder.models.derived.summary import EvidenceSummary
from casecoder.models.derived.tally_cells import CaseCodeEvidence, CodeAncestry, TallyCell, TallyDefault
from casecoder.models.derived.tally_keys import TallyKeys
from casecoder.models.double_coding import Decision, DoubleCoding, Reconciliation, double_coding_coders
from casecoder.models.jobs import ImportJob
from casecoder.models.pseudonyms import HitKind, HitStatus, KeyKind, PseudonymHit, PseudonymKey
from casecoder.models.registrations import Registration, SelectionCriteria
from casecoder.models.report import AnalysisNote, ReportQuote

__all__ = [
    "Arrow", "AttributeDefinition", "AttributeType", "Chain", "ChainNode", "ChainScope", "AuditEvent", "Base", "Case", "CaseAttribute", "Code", "CodeKind",
    "CodeRelation", "Coding", "Direction", "Excerpt", "ExcerptMemo", "ImportJob", "InterviewMode", "Interviewee", "Membership", "Perspective",
    "Project", "Registration", "RelationType", "Role", "SelectionCriteria", "Source", "User", "source_cases",
    "source_interviewees",
    "Decision", "DoubleCoding", "Reconciliation", "double_coding_coders", "LoginFailure",
    "HitKind", "HitStatus", "KeyKind", "PseudonymHit", "PseudonymKey",
    "AnalysisNote", "ReportQuote",
    "EvidenceSummary", "CaseCodeEvidence", "CodeAncestry", "TallyCell", "TallyDefault", "TallyKeys", "CaseSources",
]
