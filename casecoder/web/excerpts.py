"""The project's excerpt list with filters; each row links back to its place in the transcript."""
from __future__ import annotations

from datetime import date
from typing import Container, Iterable

from flask import Blueprint, g, render_template, request
from flask_login import current_user
from markupsafe import Markup, escape

from casecoder.analysis import lookups
from casecoder.analysis.double_coding import blind_source_ids
from casecoder.analysis.excerpt_list import ExcerptFilter, filter_choices, list_excerpts
from casecoder.db import get_session
from casecoder.kernel import validate
from casecoder.kernel.errors import N_
from casecoder.models import Direction, Perspective, Project
from casecoder.web.access import project_route
from casecoder.web.codebook import tree_rows

bp = Blueprint("excerpts", __name__)
PER_PAGE = 50


def _enums(cls, values):  # type: ignore[no-untyped-def]
    out = []
    for value in values:
        try:
            out.append(cls(value))
        except ValueError:
            continue
    return tuple(out)


def _ints(values, what) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    """Whole numbers from repeated or comma-separated parameters (empty ones skipped); anything else is a 400
    naming the parameter (``isdigit`` would let '²' through to ``int``)."""
    return tuple(validate.whole_number(x, what) for v in values for x in v.split(",") if x.strip())


def _date(value):  # type: ignore[no-untyped-def]
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filter(args) -> ExcerptFilter:  # type: ignore[no-untyped-def]
    """Read the filter from query arguments; unknown or malformed values are ignored."""
    perspective = _enums(Perspective, args.getlist("perspective"))
    return ExcerptFilter(
        code_id=args.get("code", type=int), include_subcodes=args.get("sub", "1") == "1",
        case_ids=_ints(args.getlist("case"), N_("Case")),
        municipalities=tuple(m for m in args.getlist("municipality") if m),
        perspective=perspective[0] if perspective else None, roles=tuple(r for r in args.getlist("role") if r),
        coder_ids=_ints(args.getlist("coder"), N_("Coder")), directions=_enums(Direction, args.getlist("direction")),
        text=args.get("q") or None, source_id=args.get("source", type=int),
        date_from=_date(args.get("from")), date_to=_date(args.get("to")))


@bp.route("/p/<slug>/excerpts")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    f = parse_filter(request.args)
    f.blind_source_ids = blind_source_ids(session, project.id, current_user, getattr(g, "role", None))
    f.viewer_id = current_user.id
    sources = lookups.source_choices(session, project.id)  # no texts; also the list's title order
    page = list_excerpts(session, project.id, f, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                         source_order=sources)
    choices = filter_choices(session, project.id)
    args = {k: request.args.getlist(k) for k in request.args if k != "page"}
    return render_template("excerpts/index.html", project=project, page=page, f=f, args=args,
                           case_options=kept_options("cases", project.id, choices["cases"], f.case_ids),
                           source_options=kept_options("sources", project.id, sources, (f.source_id,)),
                           code_rows=tree_rows(lookups.codes(session, project.id)), choices=choices,
                           blind=f.blind_source_ids)


def options(rows: Iterable[tuple[int, str]], selected: Container[int | None]) -> Markup:
    """``<option>`` elements for (value, text) rows, as the template wrote them: thousands of cases and
    transcripts are one join here instead of a template loop each (a third of the page's time)."""
    return Markup("".join(f'<option value="{value}" {"selected" if value in selected else ""}>{escape(text)}</option>'
                          for value, text in rows))


_KEPT: dict[tuple[str, int], tuple[list[tuple[int, str]], str]] = {}  # (list, project) -> its rows and options


def kept_options(kind: str, project_id: int, rows: Iterable[tuple[int, str]], selected: Iterable[int | None]) -> Markup:
    """``options`` of a project's thousands of cases or transcripts, made once per process while the rows stay
    the same (compared as tuples: a tenth of making them); the selected ones are marked in a copy, as
    ``options`` marks them."""
    plain = [(value, text) for value, text in rows]
    kept = _KEPT.get((kind, project_id))
    if kept is None or kept[0] != plain:
        if len(_KEPT) > 64:  # a process serving many projects keeps the latest
            _KEPT.clear()
        kept = _KEPT[(kind, project_id)] = (plain, str(options(plain, ())))
    html = kept[1]
    for value in set(selected):
        if value is not None:
            html = html.replace(f'<option value="{value}" >', f'<option value="{value}" selected>', 1)
    return Markup(html)
