"""Every report bundle from one spec: what kind, which project, target and filters, which language.

``build_report`` makes the bundle; a saved ``spec.json`` parses back with ``ReportSpec.from_json``
and ``rerun`` rebuilds it and says whether the data hash still matches. The web export buttons,
the ``casecoder export`` commands and ``export --spec`` all come through here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis.chains import count_saved_chain, hypothesis_overview, load_chain
from casecoder.analysis.cooccurrence import SCOPES, cooccurrence
from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.analysis.evidence import CountFilter, collect
from casecoder.analysis.filters import parse_filter, to_params
from casecoder.analysis.matrix import evidence_matrix
from casecoder.analysis.tally import compute_tally
from casecoder.coding.projects import get_project
from casecoder.export.bundle import Bundle
from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.models import Chain, Code, Perspective, Project

KINDS = ("tally", "matrix", "cooccurrence", "chain", "overview", "quotes", "selection", "interviewees",
         "agreement", "chapter")
LANGUAGES = ("da", "en")
SEES_CODERS = ("quotes", "agreement", "chapter")  # built as the viewer may see them (blind double coding)


@dataclass(frozen=True)
class ReportSpec:
    project: str
    kind: str
    target: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    language: str = "da"

    @classmethod
    def from_json(cls, data: object) -> "ReportSpec":
        """A saved spec.json (or the same fields) -> ReportSpec; a bad field raises InvalidInput."""
        if not isinstance(data, dict):
            raise InvalidInput("The spec must be a JSON object", "spec")
        for name in ("project", "kind"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise InvalidInput("The spec has no '{name}'", "spec", name=name)
        if data["kind"] not in KINDS:
            raise InvalidInput("{what} '{value}' is not one of: {allowed}", "kind", what=N_("Kind"),
                               value=data["kind"], allowed=", ".join(KINDS))
        target, filters = data.get("target") or {}, data.get("filters") or {}
        if not isinstance(target, dict) or not isinstance(filters, dict) or not all(
                isinstance(v, list) for v in filters.values()):
            raise InvalidInput("The spec's target must be an object and its filters an object of lists", "spec")
        language = data.get("language") or "da"
        if language not in LANGUAGES:
            raise InvalidInput("{what} '{value}' is not one of: {allowed}", "language", what=N_("Language"),
                               value=language, allowed=", ".join(LANGUAGES))
        return cls(data["project"], data["kind"], target, {str(k): [str(x) for x in v] for k, v in filters.items()},
                   language)


Params = list[tuple[str, str]]   # the filter parameters, as written into spec.json
Target = dict[str, Any]          # what a kind exports (a code, a chain, a scope …)


def build_report(session: Session, spec: ReportSpec, blind: Blindness = NOT_BLIND) -> Bundle:
    """``blind``: what the viewer may not see (blind double coding); the kinds that show excerpts or
    compare coders (``SEES_CODERS``) honour it, the counts count the codings of record."""
    project = get_project(session, spec.project)
    f = blind.count_filter(parse_filter(session, spec.filters))
    extra = {"blind": blind} if spec.kind in SEES_CODERS else {}
    return BUILDERS[spec.kind](session, project, f, to_params(session, f), spec.target, spec.language, **extra)


def rerun(session: Session, saved: dict[str, Any]) -> tuple[Bundle, bool]:
    """Rebuild the bundle ``saved`` (a spec.json) describes; True when its data hash still matches."""
    bundle = build_report(session, ReportSpec.from_json(saved))
    return bundle, bundle.data_sha256 == saved.get("data_sha256")


def _code(session: Session, project: Project, key: object) -> Code:
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == str(key or "")))
    if code is None:
        raise InvalidInput("There is no code '{key}' in this project", "code", key=key or "")
    return code


def _tally(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str) -> Bundle:
    from casecoder.export.tally import tally_bundle
    code = _code(session, project, target["code"]).key if target.get("code") else None
    return tally_bundle(project, compute_tally(session, project, f, case_keys=True), params, lang, code)


def _matrix(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str) -> Bundle:
    from casecoder.export.matrix import matrix_bundle
    return matrix_bundle(project, evidence_matrix(session, project, _code(session, project, target.get("code")).key,
                                                  f), params, lang)


def _cooccurrence(session: Session, project: Project, f: CountFilter, params: Params, target: Target,
                  lang: str) -> Bundle:
    from casecoder.export.cooccurrence import cooccurrence_bundle
    keys = [str(k) for k in target.get("codes") or []]
    if len(keys) < 2:
        raise InvalidInput("Choose at least two codes for a co-occurrence", "codes")
    for key in keys:
        _code(session, project, key)
    scope = str(target.get("scope") or "either")
    if scope not in SCOPES:
        raise InvalidInput("{what} '{value}' is not one of: {allowed}", "scope", what=N_("Scope"), value=scope,
                           allowed=", ".join(SCOPES))
    return cooccurrence_bundle(project, cooccurrence(session, project, keys, f), params, lang, scope)


def _chain(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str) -> Bundle:
    from casecoder.export.chain import chain_bundle
    title = str(target.get("chain") or "")
    chain_id = session.scalar(select(Chain.id).where(Chain.project_id == project.id, Chain.title == title))
    chain = load_chain(session, chain_id) if chain_id else None
    if chain is None:
        raise InvalidInput("There is no chain titled '{title}' in this project", "chain", title=title)
    result = count_saved_chain(session, project, chain, f)
    return chain_bundle(project, chain, result, params, lang, result.coders)


def _overview(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str) -> Bundle:
    from casecoder.export.overview import overview_bundle
    key = _code(session, project, target.get("code")).key
    nodes, edges = hypothesis_overview(session, project, key, f)
    coders = collect(session, project.id, f, occurs=False).coders   # who counted: the occurrences are not needed
    return overview_bundle(project, key, nodes, edges, params, lang, coders)


def _quotes(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str,
            blind: Blindness = NOT_BLIND) -> Bundle:
    from casecoder.analysis.quotes import quote_bank
    from casecoder.export.bundle import base_spec, tidy_files
    from casecoder.export.quotes import CSV_HEADER, quote_json, quote_readme, quote_rows, quotes_docx, quotes_markdown

    keys = [str(k) for k in target.get("codes") or []]
    perspective = target.get("perspective") or None
    if perspective is not None:
        perspective = validate.choice(Perspective, perspective, N_("Perspective")).value
    memo = bool(target.get("memo"))
    bank = quote_bank(session, project, keys, f, perspective, blind)
    files = tidy_files(CSV_HEADER, quote_rows(bank, lang, memo), quote_json(bank, memo), "quotes")
    files["quotes.docx"] = quotes_docx(bank, lang, memo)
    files["quotes.md"] = quotes_markdown(bank, lang, memo).encode("utf-8")
    spec = base_spec(project, "quotes", {"codes": keys, "perspective": perspective, "memo": memo}, params, lang,
                     {}, bank.coders)
    name = f"{project.slug}-quotes" + (f"-{keys[0]}" if len(keys) == 1 else "")
    return Bundle(name=name, files=files, spec=spec, readme=quote_readme(bank, lang),
                  summary=f"{bank.n_quotes} quotes in {len(bank.sections)} sections")


def _selection(session: Session, project: Project, f: CountFilter, params: Params, target: Target,
               lang: str) -> Bundle:
    """Table 2; the target is the criteria (default: the project's saved ones, else the report's); no filters."""
    from casecoder.analysis.selection import parse_criteria, saved_criteria, select_families
    from casecoder.export.selection import selection_bundle
    criteria = parse_criteria(target, saved_criteria(session, project))
    show_empty = str(target.get("show_empty", "")).lower() in ("1", "true", "yes")
    return selection_bundle(project, select_families(session, project, criteria), lang, show_empty)


def _interviewees(session: Session, project: Project, f: CountFilter, params: Params, target: Target,
                  lang: str) -> Bundle:
    """Table 3 for the filtered cases."""
    from casecoder.analysis.interviewees import interviewee_overview, relevant
    from casecoder.export.interviewees import interviewees_bundle
    return interviewees_bundle(project, interviewee_overview(session, project, f), relevant(params), lang)


BUILDERS: dict[str, Callable[..., Bundle]] = {"tally": _tally, "matrix": _matrix, "cooccurrence": _cooccurrence,
                                               "chain": _chain, "overview": _overview, "quotes": _quotes,
                                               "selection": _selection, "interviewees": _interviewees}


def _agreement(session: Session, project: Project, f: CountFilter, params: Params, target: Target,
               lang: str, blind: Blindness = NOT_BLIND) -> Bundle:
    """Inter-coder agreement; target: coders (two or more), level case|segment, unit, codes or hypothesis."""
    from casecoder.analysis.agreement import compute_agreement
    from casecoder.export.agreement import agreement_bundle
    level, unit = str(target.get("level") or "case"), str(target.get("unit") or "character")
    result = compute_agreement(session, project, [str(c) for c in target.get("coders") or []],
                               [str(c) for c in target.get("codes") or []], target.get("hypothesis") or None,
                               level, unit, f, hidden=blind.source_ids)
    return agreement_bundle(project, result, params, lang, target)


BUILDERS["agreement"] = _agreement


def _chapter(session: Session, project: Project, f: CountFilter, params: Params, target: Target, lang: str,
             blind: Blindness = NOT_BLIND) -> Bundle:
    """A hypothesis's report chapter (export/chapter.py); the target is {"code": the hypothesis key}."""
    from casecoder.analysis.chapter import build_chapter
    from casecoder.export.chapter import chapter_bundle
    chapter = build_chapter(session, project, str(target.get("code") or ""), f, blind)
    return chapter_bundle(chapter, lang)


BUILDERS["chapter"] = _chapter
