"""Load the fictional demo project shipped in ``casecoder/demo/`` through the ordinary write functions.

Idempotent: when the demo project exists nothing is changed. New demo users get random
passwords, returned to the caller to print once.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.coding import accounts, cases, excerpts, projects
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.paths import demo_dir, resource_dir
from casecoder.models import Code, Project, User


@dataclass
class DemoResult:
    project: Project
    created: bool
    passwords: dict[str, str] = field(default_factory=dict)
    excerpts: int = 0


def load_demo(session: Session, folder: Path | None = None) -> DemoResult:
    folder = folder or demo_dir()
    manifest = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
    existing = session.scalar(select(Project).where(Project.slug == manifest["slug"]))
    if existing is not None:
        return DemoResult(existing, created=False)
    result = DemoResult(project=None, created=True)  # type: ignore[arg-type]
    users: dict[str, User] = {}
    for spec in manifest["users"]:
        user = session.scalar(select(User).where(User.username == spec["username"]))
        if user is None:
            password = secrets.token_urlsafe(12)
            user = accounts.create_user(session, spec["username"], password,
                                        display_name=spec.get("display_name", ""),
                                        is_admin=spec.get("is_admin", False))
            result.passwords[user.username] = password
        users[user.username] = user
    codebook = load_codebook_file(resource_dir("codebook") / manifest["codebook"])
    project = projects.create_project(session, manifest["title"], manifest["slug"], codebook,
                                      owner=users[manifest["users"][0]["username"]],
                                      description=manifest.get("description", ""))
    for spec in manifest["users"][1:]:
        accounts.add_member(session, project, users[spec["username"]], spec["role"])
    result.project = project
    codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    for part in manifest["parts"]:
        result.excerpts += _load_part(session, project, folder, part, users, codes)
    return result


def _load_part(session: Session, project: Project, folder: Path, part: str,
               users: dict[str, User], codes: dict[str, Code]) -> int:
    data = yaml.safe_load((folder / part).read_text(encoding="utf-8"))
    municipality = data["municipality"]
    case_by_key = {}
    for spec in data["cases"]:
        case = cases.create_case(session, project, spec["key"], municipality, spec.get("memo", ""))
        for name, value in (spec.get("attributes") or {}).items():
            definition = cases.define_attribute(session, project, name, cases.infer_attribute_type(value))
            cases.set_attribute(session, case, definition, value)
        case_by_key[case.key] = case
    people = {}
    for spec in data["interviewees"]:
        people[spec["key"]] = cases.create_interviewee(session, project, spec["key"], spec["role"],
                                                       spec["perspective"], municipality)
    count = 0
    for spec in data["sources"]:
        path = folder / spec["file"]
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        source = cases.create_source(
            session, project, title=spec["title"], text=text, perspective=spec["perspective"],
            cases=[case_by_key[k] for k in spec["cases"]], interviewees=[people[k] for k in spec["interviewees"]],
            mode=spec.get("mode"), interview_date=spec.get("date"), original_filename=path.name, raw=raw,
            created_by=users["admin"])
        for ex in spec.get("excerpts") or []:
            start = text.find(ex["quote"])
            if start < 0 or text.find(ex["quote"], start + 1) >= 0:
                raise InvalidInput("{part}: quote not found exactly once in {file}: {quote}", part=part,
                                   file=spec["file"], quote=ex["quote"][:60])
            coder = users[ex.get("coder", "admin")]
            excerpts.create_excerpt(
                session, coder, source, start, start + len(ex["quote"]),
                codes=[(codes[k], ex.get("direction", "supports")) for k in ex["codes"]],
                case=case_by_key[ex["case"]] if ex.get("case") else None, memo=ex.get("memo", ""))
            count += 1
    return count
