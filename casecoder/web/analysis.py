"""Counting screens: the tally table, the evidence matrix, co-occurrence, the charts, the tally API.

Parse the filter, call ``analysis``, render. Every page states the unit, denominators, filters,
codebook and coders (``templates/analysis/_provenance.html``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from casecoder.analysis import lookups
from casecoder.analysis.cooccurrence import SCOPES, cooccurrence
from casecoder.analysis.double_coding import blindness
from casecoder.analysis.filters import describe, parse_filter, to_params
from casecoder.analysis.matrix import Cell, Matrix, evidence_matrix
from casecoder.analysis.tally import MEASURES, compute_tally, number_keys
from casecoder.analysis.uncounted import uncounted
from casecoder.db import get_session
from casecoder.export.tally import tally_json
from casecoder.figures.report import cooccurrence_bytes, tally_chart_bytes
from casecoder.models import Project
from casecoder.web.access import project_route

bp = Blueprint("analysis", __name__)
_SLOT = 987654321   # an id no case has, replaced by each row's own
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}  # the routes' <any(...):fmt>


def _filter():  # type: ignore[no-untyped-def]
    """The count filter of the request; a blind double coder counts only their own codings on the
    transcripts they code blind."""
    session = get_session()
    f = parse_filter(session, request.args.to_dict(flat=False))
    return blindness(session, g.project.id, current_user, g.get("role")).count_filter(f)


def _context(project: Project, f, **extra):  # type: ignore[no-untyped-def]
    session = get_session()
    return dict(project=project, f=f, filters=describe(session, f), params=to_params(session, f),
                municipalities=lookups.municipalities(session, project.id), **extra)


def excerpt_link(project: Project, f, code_id: int, measure: str, keys: Sequence[str], case_ids: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    """The excerpt list behind one number: same code, cases (``keys``), perspective, directions and filters."""
    args: dict[str, Any] = {"code": code_id, "sub": "1" if f.include_subcodes else "0",
                               "case": ",".join(str(case_ids[k]) for k in keys) or "0",
                               "coder": list(f.coder_ids), "role": list(f.roles)}
    if measure in ("family", "system"):
        args["perspective"] = measure
    args["direction"] = [measure] if measure in ("contradicts", "nuances") else sorted(f.directions)
    if f.date_from:
        args["from"] = f.date_from.isoformat()
    if f.date_to:
        args["to"] = f.date_to.isoformat()
    return url_for("excerpts.index", slug=project.slug, **args)


@bp.route("/p/<slug>/tally")
@project_route("analyse")
def tally(project: Project):  # type: ignore[no-untyped-def]
    f = _filter()
    result = compute_tally(get_session(), project, f)  # counts only: the cases behind a number on a click
    params = to_params(get_session(), f)
    # one url_for: every number's link is the same but for its code id and measure (a few hundred numbers)
    start, end = url_for("analysis.tally_cases", slug=project.slug, code_id=_SLOT, measure="family",
                         **_multi(params)).split(f"/{_SLOT}/family")
    links = {(r.code_id, m): f"{start}/{r.code_id}/{m}{end}" for r in result.rows for m in MEASURES if r.counts[m].n}
    groups: list[tuple[object, list[object]]] = []
    for row in result.rows:
        if row.depth == 0:
            groups.append((row, []))
        groups[-1][1].append(row)
    return render_template("analysis/tally.html", **_context(project, f, tally=result, groups=groups, links=links,
                                                              measures=MEASURES),
                           uncounted=uncounted(get_session(), project.id))


def _multi(params: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, list[str]] = {}
    for name, value in params:
        out.setdefault(name, []).append(value)
    return out


@bp.route("/p/<slug>/tally/<int:code_id>/<any(family, system, both, either, contradicts, nuances):measure>")
@project_route("analyse")
def tally_cases(project: Project, code_id: int, measure: str):  # type: ignore[no-untyped-def]
    """One number of the tally: its cases are found now and the excerpt list behind it opened."""
    f = _filter()
    keys = number_keys(get_session(), project, f, code_id, measure)
    if keys is None:
        abort(404)
    return redirect(excerpt_link(project, f, code_id, measure, keys, lookups.case_ids(get_session(), project.id)))


@bp.route("/api/projects/<slug>/tally")
@project_route("analyse")
def tally_api(project: Project):  # type: ignore[no-untyped-def]
    f = _filter()
    return jsonify(tally_json(compute_tally(get_session(), project, f, case_keys=True),
                                to_params(get_session(), f)))


@bp.route("/p/<slug>/matrix/<key>")
@project_route("analyse")
def matrix(project: Project, key: str):  # type: ignore[no-untyped-def]
    f = _filter()
    result = evidence_matrix(get_session(), project, key, f)
    hypotheses = lookups.top_codes(get_session(), project.id)
    # a case's link around its id, built once: the table has a row per case
    case_link = url_for("projects.case", slug=project.slug, case_id=_SLOT).split(str(_SLOT))
    return render_template("analysis/matrix.html", **_context(
        project, f, matrix=result, hypotheses=hypotheses, case_link=case_link,
        grid=_matrix_grid(result, url_for("excerpts.index", slug=project.slug), "1" if f.include_subcodes else "0")))


def _cell_html(cell: Cell) -> tuple[str, str]:
    """A matrix cell's HTML before and after its link's address ("" after: no evidence, no link). Only
    fixed words and marks: nothing here comes from the user."""
    mark = cell.mark
    css = (f"cell mark-{mark.replace('+', '') or 'none'}" + (" contra" if cell.contradicts else "")
           + ("" if cell.has_family_source else " no-family"))
    start = f'\n    <td class="{css}" data-mark="{mark}">\n      '
    if not (mark or cell.contradicts or cell.nuances):
        return start + "\n    </td>", ""
    text = mark + (" !" if cell.contradicts else "") + (" ~" if cell.nuances else "")
    return start + '<a href="', f'">{text}</a>\n    </td>'


def _matrix_grid(matrix: Matrix, excerpts_link: str, sub: str) -> list[tuple[str, int, str, Markup, int]]:
    """The matrix's rows as the template writes them: (municipality on its group's first row, else empty,
    case id, case key, the row's cells as HTML, row total). The cells hold only ids, fixed words and
    marks, and are written here (15,000 cells for H1 of a large project: a template loop per cell
    cost most of the page); a cell's HTML is made once per kind of cell, a link's start once per column."""
    looks: dict[Cell, tuple[str, str]] = {}
    starts = [(code.id, escape(f"{excerpts_link}?code={code.id}&case=")) for code in matrix.columns]
    end = escape(f"&sub={sub}")
    grid, previous = [], None
    for municipality, case_id, case_key in matrix.rows:
        parts = []
        for code_id, start in starts:
            cell = matrix.cells[(case_id, code_id)]
            look = looks.get(cell)
            if look is None:
                look = looks[cell] = _cell_html(cell)
            before, after = look
            parts.append(f"{before}{start}{case_id}{end}{after}" if after else before)
        grid.append(("" if municipality == previous else municipality, case_id, case_key, Markup("".join(parts)),
                     matrix.row_totals[case_id]))
        previous = municipality
    return grid


def _codes_param(project: Project) -> list[str]:
    keys = [k for v in request.args.getlist("codes") for k in v.replace(" ", ",").split(",") if k]
    if not keys:
        top = lookups.code_by_key(get_session(), project.id, "H1")
        if top is not None:
            keys = [c.key for c in top.children]
    return keys


@bp.route("/p/<slug>/cooccurrence")
@project_route("analyse")
def cooccurrence_page(project: Project):  # type: ignore[no-untyped-def]
    f = _filter()
    keys = _codes_param(project)
    result = cooccurrence(get_session(), project, keys, f)
    all_codes = lookups.codable_codes(get_session(), project.id)
    return render_template("analysis/cooccurrence.html", **_context(
        project, f, result=result, keys=keys, scopes=list(SCOPES), all_codes=all_codes))


@bp.route("/p/<slug>/figures/tally-<key>.<any(svg, png, pdf):fmt>")
@project_route("analyse")
def tally_figure(project: Project, key: str, fmt: str):  # type: ignore[no-untyped-def]
    data = tally_chart_bytes(compute_tally(get_session(), project, _filter()), key, str(get_locale()), fmt)
    if data is None:
        abort(404)
    return Response(data, mimetype=FORMATS[fmt])


@bp.route("/p/<slug>/figures/cooccurrence.<any(svg, png, pdf):fmt>")
@project_route("analyse")
def cooccurrence_figure(project: Project, fmt: str):  # type: ignore[no-untyped-def]
    scope = request.args.get("scope", "either")
    if scope not in SCOPES:
        abort(404)
    f = _filter()
    result = cooccurrence(get_session(), project, _codes_param(project), f)
    return Response(cooccurrence_bytes(result, scope, str(get_locale()), fmt, f.directions), mimetype=FORMATS[fmt])
