"""A small project bundle (``BASE``) and helpers shared by the project-bundle tests."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casecoder.exchange.bundle_import import import_bundle
from casecoder.files.csv_tables import Bundle, BundleProblems
from casecoder.models import (
    AttributeDefinition,
    AuditEvent,
    Case,
    CaseAttribute,
    Code,
    Coding,
    Excerpt,
    Interviewee,
    Source,
    User,
    source_cases,
)

MB = 1024 * 1024
TRANSCRIPT = ("Interviewer: Hvordan gik det?\n"
              "Mor: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n"
              "Mor: Bagefter gik det bedre. Det gav ro.\n")
SYSTEM_TEXT = "Koordinator: Familien F02 er godt i gang.\n"
BASE = {
    "codes.csv": "code_key,parent_key,kind,label_da,label_en,description\n"
                 "NY.1,NY,mechanism,Nyt barn,New child,Beskrivelse\n"  # a child before its parent
                 "NY,,theme,Ny gruppe,New group,\n"
                 "H1.4,H1,mechanism,Hurtig reaktion (ny),Quick response (new),Ny beskrivelse\n",
    "cases.csv": "case_key,municipality,children,who5,placed,entry,note\n"
                 "F01,Nordby,2,32,nej,2024-09-02,første\n"
                 "F02,Nordby,3,\"40,5\",ja,,\n",
    "interviewees.csv": "interviewee_key,role,perspective,municipality\n"
                        "IP-MOR,mor,family,Nordby\n"
                        "FK,koordinator,system,Nordby\n",
    "sources.csv": "source_key,file,title,perspective,case_keys,interviewee_keys,mode,date\n"
                   "A,texts/a.txt,Mor F01,family,F01,IP-MOR,visit,2025-01-02\n"
                   "B,texts/b.txt,Koordinator,system,F01; F02,FK,phone,\n",
    "excerpts.csv": "source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n"
                    "A,,,,Min koordinator ringede altid tilbage samme dag.,H1.4;NY.1,supports,eva,Et memo\n"
                    "A,,,,Min koordinator ringede altid tilbage samme dag.,H1.1,contradicts,nyco,\n"
                    "B,F02,0,12,,H1.2,,eva,\n",
    "texts/a.txt": TRANSCRIPT,
    "texts/b.txt": SYSTEM_TEXT,
}
TABLES = [Code, Case, CaseAttribute, AttributeDefinition, Interviewee, Source, Excerpt, Coding, User, AuditEvent]


def bundle(files: dict[str, str | bytes | None]) -> Bundle:
    data = {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items() if v is not None}
    return Bundle({k: (lambda v=v: v) for k, v in data.items()})


def with_(**changes: str | None) -> dict[str, str | bytes | None]:
    """BASE with some files replaced (``codes=`` stands for codes.csv)."""
    return {**BASE, **{f"{name}.csv": value for name, value in changes.items()}}


def counts(session) -> dict[str, int]:
    found = {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in TABLES}
    found["source_cases"] = session.scalar(select(func.count()).select_from(source_cases))
    return found


def problems(session, project, files, user=None, add_coders=True) -> list[str]:
    """The problems of importing ``files``; coders who are not members are added unless ``add_coders``
    is False (tests/exchange/test_bundle_coders.py checks that refusal)."""
    with pytest.raises(BundleProblems) as info:
        import_bundle(session, project, bundle(files), user=user, max_bytes=MB, add_coders=add_coders)
    return [p.render() for p in info.value.problems]
