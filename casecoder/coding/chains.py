"""Save, change and delete statement chains (audited), and read or write them as YAML files.

A chains file is a list of chains, each
``{title, caption, scope: family|system|pooled, nodes: [code keys], arrows: [both-and|and-or]}``
with one arrow fewer than nodes. Loading is all-or-nothing: every problem is reported, nothing
is stored unless the whole file is valid.
"""
from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.coding import audit
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Arrow, Chain, ChainNode, ChainScope, Code, Project, User

MIN_NODES, MAX_NODES = 2, 8


def _snapshot(chain: Chain) -> dict[str, Any]:
    return {"title": chain.title, "caption": chain.caption, "scope": chain.scope.value,
            "nodes": [n.code.key for n in chain.nodes], "arrows": [n.arrow.value for n in chain.nodes[:-1]]}  # type: ignore[union-attr]


def _codes(session: Session, project: Project, keys: list[str]) -> list[Code]:
    by_key = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id,
                                                                   Code.key.in_(keys)))}
    missing = [k for k in keys if k not in by_key]
    if missing:
        raise InvalidInput("There is no code '{key}' in this project", "nodes", key=", ".join(missing))
    return [by_key[k] for k in keys]


def _check(title: str, scope: str, keys: list[str], arrows: list[str]) -> tuple[str, ChainScope, list[Arrow]]:
    title = validate.title(title)
    scope_ = validate.choice(ChainScope, scope, N_("Scope"))
    if not MIN_NODES <= len(keys) <= MAX_NODES:
        raise InvalidInput("A chain has {min} to {max} nodes, not {n}", "nodes", min=MIN_NODES, max=MAX_NODES,
                           n=len(keys))
    if len(arrows) != len(keys) - 1:
        raise InvalidInput("A chain of {n} nodes needs {m} arrows, not {k}", "arrows", n=len(keys), m=len(keys) - 1,
                           k=len(arrows))
    return title, scope_, [validate.choice(Arrow, a, N_("Arrow")) for a in arrows]


def save_chain(session: Session, project: Project, user: User | None, *, title: str, keys: list[str],
               arrows: list[str], scope: str = "family", caption: str = "", chain: Chain | None = None) -> Chain:
    """Create a chain, or replace the content of ``chain``."""
    title, scope_, arrows_ = _check(title, scope, keys, arrows)
    codes = _codes(session, project, keys)
    clash = session.scalar(select(Chain.id).where(Chain.project_id == project.id, Chain.title == title))
    if clash is not None and (chain is None or clash != chain.id):
        raise InvalidInput("A chain titled '{title}' already exists", "title", title=title)
    before = _snapshot(chain) if chain is not None else None
    if chain is None:
        chain = Chain(project_id=project.id, created_by_id=user.id if user else None)
        session.add(chain)
    else:
        chain.nodes.clear()
        session.flush()
    chain.title, chain.caption, chain.scope = title, caption.strip(), scope_
    for i, code in enumerate(codes):
        chain.nodes.append(ChainNode(position=i, code=code, arrow=arrows_[i] if i < len(arrows_) else None))
    session.flush()
    audit.log(session, user, "update" if before else "create", "chain", chain.id, project_id=chain.project_id,
              before=before, after=_snapshot(chain))
    return chain


def delete_chain(session: Session, user: User | None, chain: Chain) -> None:
    audit.log(session, user, "delete", "chain", chain.id, project_id=chain.project_id, before=_snapshot(chain))
    session.delete(chain)
    session.flush()


def project_chains(session: Session, project: Project) -> list[Chain]:
    return list(session.scalars(select(Chain).where(Chain.project_id == project.id).order_by(Chain.title)
                                .options(selectinload(Chain.nodes).selectinload(ChainNode.code))))


def dump_chains(session: Session, project: Project) -> str:
    data = [{"title": c.title, "caption": c.caption, "scope": c.scope.value, "nodes": _snapshot(c)["nodes"],
             "arrows": _snapshot(c)["arrows"]} for c in project_chains(session, project)]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def load_chains(session: Session, project: Project, user: User | None, text: str) -> list[Chain]:
    """Create or replace (by title) every chain in the file; all or nothing."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput("The chains file is not valid YAML: {detail}", "file", detail=str(exc)) from exc
    if not isinstance(data, list):
        raise InvalidInput("A chains file is a list of chains", "file")
    problems, specs = [], []
    for i, item in enumerate(data, start=1):
        try:
            if not isinstance(item, dict) or set(item) - {"title", "caption", "scope", "nodes", "arrows"}:
                raise InvalidInput("each chain has only title, caption, scope, nodes and arrows")
            keys, arrows = list(item.get("nodes") or []), list(item.get("arrows") or [])
            _check(str(item.get("title") or ""), str(item.get("scope") or "family"), keys, arrows)
            _codes(session, project, [str(k) for k in keys])
            specs.append(item)
        except InvalidInput as exc:
            problems.append(f"chain {i}: {exc.message}")
    if problems:
        raise InvalidInput("The chains file was not loaded: {problems}", "file", problems="; ".join(problems))
    existing = {c.title: c for c in project_chains(session, project)}
    return [save_chain(session, project, user, title=str(s["title"]), keys=[str(k) for k in s["nodes"]],
                       arrows=[str(a) for a in s.get("arrows") or []], scope=str(s.get("scope") or "family"),
                       caption=str(s.get("caption") or ""), chain=existing.get(str(s["title"]).strip()))
            for s in specs]
