"""The project's excerpt list with filters; each row links back to its place in the transcript."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from ..analysis.excerpt_list import ExcerptFilter, filter_choices, list_excerpts
from ..db import get_session
from ..models import Case, Direction, Perspective, Project, Source
from .access import project_route
from .codebook import project_codes, tree_rows

bp = Blueprint("excerpts", __name__)
PER_PAGE = 50


def _enum(cls, value):  # type: ignore[no-untyped-def]
    try:
        return cls(value) if value else None
    except ValueError:
        return None


def parse_filter(args) -> ExcerptFilter:  # type: ignore[no-untyped-def]
    """Read the filter from query arguments; unknown or malformed values are ignored."""
    return ExcerptFilter(
        code_id=args.get("code", type=int), include_subcodes=args.get("sub", "1") == "1",
        case_id=args.get("case", type=int), municipality=args.get("municipality") or None,
        perspective=_enum(Perspective, args.get("perspective")), role=args.get("role") or None,
        coder_id=args.get("coder", type=int), direction=_enum(Direction, args.get("direction")),
        text=args.get("q") or None, source_id=args.get("source", type=int))


@bp.route("/p/<slug>/excerpts")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    f = parse_filter(request.args)
    page = list_excerpts(session, project.id, f, page=request.args.get("page", 1, type=int), per_page=PER_PAGE)
    cases = session.scalars(select(Case).where(Case.project_id == project.id).order_by(Case.key)).all()
    sources = session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.title)).all()
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("excerpts/index.html", project=project, page=page, f=f, args=args, cases=cases,
                           sources=sources, code_rows=tree_rows(project_codes(project)),
                           choices=filter_choices(session, project.id))
