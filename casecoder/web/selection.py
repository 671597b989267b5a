"""The register and the two method tables: import the register (owners), select success cases from it
(report Table 2; save criteria and create cases: owners), and the interviewee overview (Table 3)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis import lookups
from casecoder.analysis.filters import describe, parse_filter, to_params
from casecoder.analysis.interviewees import interviewee_overview, relevant
from casecoder.analysis.selection import (
    CRITERIA_FIELDS,
    Criteria,
    parse_criteria,
    saved_criteria,
    saved_row,
    select_families,
)
from casecoder.coding.registrations import (
    COLUMNS,
    create_cases_from_selection,
    import_registrations,
    register_counts,
    save_criteria,
)
from casecoder.db import get_session
from casecoder.files.csv_tables import BundleProblems
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Project, User
from casecoder.web.access import project_route
from casecoder.web.forms.selection import CriteriaForm, RegistrationsForm

bp = Blueprint("selection", __name__)


@bp.route("/p/<slug>/registrations", methods=["GET", "POST"])
@project_route("manage")
def registrations(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = RegistrationsForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            summary = import_registrations(session, project, upload.read(), upload.filename or "registrations.csv",
                                           current_user.id)
        except BundleProblems as exc:
            session.rollback()  # nothing was written; this makes sure of it
            problems = [p.render(_) for p in exc.problems]
        else:
            flash(_("Register imported: %(adults)s adults in %(families)s families in %(municipalities)s "
                    "municipalities.", adults=summary.adults, families=summary.families,
                    municipalities=summary.municipalities), "info")
            return redirect(url_for("selection.selection", slug=project.slug))
    status = 400 if (problems or form.errors) else 200
    return render_template("selection/registrations.html", project=project, form=form, problems=problems,
                           counts=register_counts(session, project), columns=COLUMNS), status


def _page(project: Project, criteria: Criteria, error: str | None = None,  # type: ignore[no-untyped-def]
          status: int = 200):
    session = get_session()
    show_empty = request.args.get("show_empty") == "1"
    result = select_families(session, project, criteria)
    row = saved_row(session, project.id)
    saved_by = session.get(User, row.updated_by_id) if row and row.updated_by_id else None
    existing = set(lookups.case_ids(session, project.id))
    params = criteria.as_params()
    target = {**params, **({"show_empty": "1"} if show_empty else {})}  # the Export button's
    return render_template("selection/selection.html", project=project, criteria=criteria, selection=result,
                           rows=result.visible_rows(show_empty), show_empty=show_empty, criteria_params=params,
                           target=target, saved=saved_criteria(session, project), saved_row=row,
                           saved_by=saved_by, existing=existing, error=error,
                           form=CriteriaForm(formdata=None, data=params)), status


@bp.route("/p/<slug>/selection")
@project_route("analyse")
def selection(project: Project):  # type: ignore[no-untyped-def]
    saved = saved_criteria(get_session(), project)
    try:
        criteria = parse_criteria({k: request.args[k] for k in CRITERIA_FIELDS if k in request.args}, saved)
    except InvalidInput as exc:
        return _page(project, saved, exc.render(_), 400)
    return _page(project, criteria)


def _posted(form: CriteriaForm) -> dict[str, object]:
    return {name: getattr(form, name).data for name in CRITERIA_FIELDS}


@bp.route("/p/<slug>/selection/criteria", methods=["POST"])
@project_route("manage")
def save(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = CriteriaForm()
    if form.validate_on_submit():
        try:
            save_criteria(session, project, current_user, **_posted(form))
        except InvalidInput as exc:
            session.rollback()
            return _page(project, saved_criteria(session, project), exc.render(_), 400)
        flash(_("Selection criteria saved."), "info")
    return redirect(url_for("selection.selection", slug=project.slug))


@bp.route("/p/<slug>/selection/cases", methods=["POST"])
@project_route("manage")
def create_cases(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = CriteriaForm()
    if not form.validate_on_submit():
        return redirect(url_for("selection.selection", slug=project.slug))
    try:
        criteria = parse_criteria(_posted(form), saved_criteria(session, project))
        created, skipped = create_cases_from_selection(session, project, current_user,
                                                       select_families(session, project, criteria))
    except InvalidInput as exc:
        session.rollback()
        return _page(project, saved_criteria(session, project), exc.render(_), 400)
    flash(_("%(created)s cases created; %(skipped)s skipped because they already exist.", created=len(created),
            skipped=len(skipped)), "info")
    params: dict[str, Any] = criteria.as_params()
    return redirect(url_for("selection.selection", slug=project.slug, **params))


@bp.route("/p/<slug>/interviewees")
@project_route("analyse")
def interviewees(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    f = parse_filter(session, request.args.to_dict(flat=False))
    municipalities = lookups.municipalities(session, project.id)
    return render_template("selection/interviewees.html", project=project, overview=interviewee_overview(
        session, project, f), f=f, filters=relevant(describe(session, f)), params=relevant(to_params(session, f)),
        municipalities=municipalities)
