"""Double coding and agreement pages: the owner's double-coding management (mark sources or cases,
assign coders, open the comparison), the agreement results, and the disagreement list with the
reconcile actions. The reads are analysis/double_coding.py, agreement.py and disagreements.py; the
writes coding/double_coding.py."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis import double_coding as reads
from casecoder.analysis.agreement import LEVELS, UNITS, WARNINGS, compute_agreement, hypotheses
from casecoder.analysis.disagreements import add_excerpts, find_disagreements
from casecoder.analysis.filters import parse_filter, to_params
from casecoder.analysis.lookups import Page, page_count
from casecoder.coding import double_coding as dc
from casecoder.coding.permissions import CODE, can
from casecoder.db import get_session
from casecoder.models import Case, Code, Decision, DoubleCoding, Project, Role, Source, User
from casecoder.web.access import owned, project_route
from casecoder.web.forms.agreement import MarkForm, OpenForm, ReconcileForm

bp = Blueprint("agreement", __name__)
FILTERS = ("municipality", "direction", "sub")
DISAGREEMENTS_PAGE = 50  # disagreements per page, each with its excerpts


def agreement_target(args: Any) -> dict[str, object]:
    """The agreement's target from query arguments (also the Export button's)."""
    coders = [c for v in args.getlist("coders") for c in v.replace(" ", ",").split(",") if c]
    target: dict[str, object] = {"coders": coders, "level": args.get("level") or "case"}
    if target["level"] == "segment":
        target["unit"] = args.get("unit") or "character"
    codes = [c for v in args.getlist("code") for c in v.replace(" ", ",").split(",") if c]
    if codes:
        target["codes"] = codes
    if args.get("hypothesis"):
        target["hypothesis"] = args["hypothesis"]
    return target


CODER_ROLES = tuple(r for r in Role if can(r, CODE))


def _coders(project: Project) -> list[User]:
    return reads.project_coders(get_session(), project.id, CODER_ROLES)


def _warning(key: str, n: int) -> str:
    return _(str(WARNINGS[key])).format(n=n)


@bp.route("/p/<slug>/double-coding")
@project_route("manage")
def manage(project: Project):  # type: ignore[no-untyped-def]
    page = reads.overview(get_session(), project.id, CODER_ROLES, request.args.get("page", 1, type=int) or 1,
                          request.args.get("assigned_page", 1, type=int) or 1)
    return render_template("agreement/manage.html", project=project, sources=page.sources,
                           assignments=page.assignments, assigned=page.assigned, cases=page.cases,
                           coders=page.coders, per_page=reads.PAGE)


@bp.route("/p/<slug>/double-coding/mark", methods=["POST"])
@project_route("manage")
def mark(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = MarkForm()
    coders = [user for user in (session.get(User, i) for i in form.coder.data) if user]
    sources = [owned(session.get(Source, i), project) for i in form.source.data]
    cases = (owned(session.get(Case, i), project) for i in form.case.data)  # each checked as dc.mark reaches it
    marked = dc.mark(session, current_user, project, sources, cases, coders)
    flash(_("%(n)s transcripts are in double coding.", n=len(marked)), "ok")
    return redirect(url_for("agreement.manage", slug=project.slug))


def _assignment(project: Project, source_id: int) -> DoubleCoding:
    """The double coding of a source (one per source), addressed by the source's id."""
    return owned(reads.assignment_of(get_session(), source_id), project)


@bp.route("/p/<slug>/double-coding/<int:source_id>/open", methods=["POST"])
@project_route("manage")
def open_comparison(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    dc.open_comparison(get_session(), current_user, _assignment(project, source_id), OpenForm().opened.data == "1")
    return redirect(url_for("agreement.manage", slug=project.slug))


@bp.route("/p/<slug>/double-coding/<int:source_id>/unmark", methods=["POST"])
@project_route("manage")
def unmark(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    dc.unmark(get_session(), current_user, _assignment(project, source_id))
    return redirect(url_for("agreement.manage", slug=project.slug))


def _form_state(project: Project) -> dict[str, Any]:
    session = get_session()
    args = request.args
    f = parse_filter(session, {k: args.getlist(k) for k in FILTERS})
    return {"target": agreement_target(args), "f": f, "params": to_params(session, f),
            "coders": _coders(project), "hypotheses": hypotheses(session, project.id), "levels": LEVELS, "units": UNITS}


@bp.route("/p/<slug>/agreement")
@project_route("analyse")
def results(project: Project):  # type: ignore[no-untyped-def]
    state = _form_state(project)
    target, result = state["target"], None
    if len(target["coders"]) >= 2:  # a blind coder's blind transcripts are left out (analysis/agreement.py)
        session = get_session()
        result = compute_agreement(session, project, target["coders"], target.get("codes", ()),
                                   target.get("hypothesis"), target["level"], target.get("unit", "character"),
                                   state["f"], reads.blind_source_ids(session, project.id, current_user, g.get("role")))
    query = [(k, v) for k in ("level", "unit", "hypothesis") if k in target for v in [target[k]]]
    query += [("coders", c) for c in target["coders"]] + [("code", c) for c in target.get("codes", ())]
    return render_template("agreement/results.html", project=project, result=result, warning=_warning,
                           export_params=query + state["params"], **state)


@bp.route("/p/<slug>/agreement/disagreements")
@project_route("manage")
def disagreement_list(project: Project):  # type: ignore[no-untyped-def]
    state = _form_state(project)
    target, found = state["target"], None
    if len(target["coders"]) >= 2:  # a page of them with their excerpts (thousands on a large project)
        session = get_session()
        items = find_disagreements(session, project, target["coders"], target.get("codes", ()),
                                   target.get("hypothesis"), state["f"])
        pages = page_count(len(items), DISAGREEMENTS_PAGE)
        page = min(max(1, request.args.get("page", 1, type=int)), pages)
        found = Page(items[(page - 1) * DISAGREEMENTS_PAGE:page * DISAGREEMENTS_PAGE], page, pages, len(items))
        add_excerpts(session, project.id, found.rows, target["coders"])
    args = {k: request.args.getlist(k) for k in request.args if k != "page"}
    return render_template("agreement/disagreements.html", project=project, found=found, args=args,
                           items=found.rows if found else None, first=(found.page - 1) * DISAGREEMENTS_PAGE + 1 if found else 1,
                           decisions=[d.value for d in Decision], **state)


@bp.route("/p/<slug>/agreement/reconcile", methods=["POST"])
@project_route("manage")
def reconcile(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = ReconcileForm()
    case_id, code_id = form.case_id.data, form.code_id.data
    case = owned(session.get(Case, case_id) if case_id else None, project)
    code = owned(session.get(Code, code_id) if code_id else None, project)
    coder = reads.user_named(session, form.coder.data) if form.coder.data else None
    dc.reconcile(session, current_user, project, case, code, form.decision.data, coder, form.note.data)
    flash(_("Decision saved for %(case)s / %(code)s.", case=case.key, code=code.key), "ok")
    back = form.next.data
    if not back.startswith(f"/p/{project.slug}/"):
        back = url_for("agreement.disagreement_list", slug=project.slug)
    return redirect(back)
