"""Cases and interviewees in the browser: the cases list (sort, filter), a case created, edited (key,
municipality, typed attributes, a new attribute) or deleted after a confirmation that says what goes with it;
the interviewees list with the transcripts each appears in, created, edited, deleted. Everyone who sees the
project sees the lists; owners change them. (The case page with its memo is projects.case.)"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from casecoder.analysis.case_list import PAGE as CASES_PAGE
from casecoder.analysis.case_list import attribute_values, case_impact, case_list, definitions
from casecoder.analysis.interviewee_list import PAGE as PEOPLE_PAGE
from casecoder.analysis.interviewee_list import interviewee_list, interviewee_sources, roles_in_use
from casecoder.coding import cases as case_ops
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Interviewee, Project
from casecoder.web.access import owned, project_route
from casecoder.web.forms.cases import INPUT, CaseFilterForm, ConfirmForm, IntervieweeForm, case_form

bp = Blueprint("cases", __name__)


def _refused(form: FlaskForm, exc: InvalidInput) -> None:
    """Roll back and show the message next to the field it is about (the form keeps what was typed)."""
    get_session().rollback()
    field = form._fields.get(exc.field or "") or next(iter(f for f in form if f.name != "csrf_token"))
    field.errors = [*field.errors, exc.render(_)]


@bp.route("/p/<slug>/cases")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    flt = CaseFilterForm(request.args)
    listing = case_list(get_session(), project.id, municipality=flt.municipality.data or "", text=flt.q.data or "",
                        sort=flt.sort.data or "key", descending=flt.desc.data == "1",
                        page=request.args.get("page", 1, type=int) or 1)
    flt.municipality.choices = [SelectChoice("", _("All")), *(SelectChoice(m, m) for m in listing.municipalities)]
    params = {"municipality": flt.municipality.data or None, "q": flt.q.data or None}
    return render_template("cases/index.html", project=project, listing=listing, filter=flt, params=params,
                           per_page=CASES_PAGE)


def _case_page(project: Project, form: Any, case: Case | None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("cases/edit.html", project=project, form=form, case=case, inputs=INPUT), status


@bp.route("/p/<slug>/cases/new", methods=["GET", "POST"])
@project_route("manage")
def new(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = case_form(definitions(session, project.id))
    if form.validate_on_submit():
        try:
            case = case_ops.add_case(session, current_user.id, project, form.key.data or "",
                                     form.municipality.data or "", form.attribute_values(), form.new_attribute())
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Case %(key)s created.", key=case.key), "info")
            return redirect(url_for("cases.index", slug=project.slug))
    return _case_page(project, form, None, 400 if form.errors else 200)


@bp.route("/p/<slug>/cases/<int:case_id>/edit", methods=["GET", "POST"])
@project_route("manage")
def edit(project: Project, case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = owned(session.get(Case, case_id), project)
    form = case_form(definitions(session, project.id), attribute_values(session, [case.id], project.id).get(case.id),
                     key=case.key, municipality=case.municipality)
    if form.validate_on_submit():
        try:
            case_ops.update_case(session, current_user.id, case, key=form.key.data or "",
                                 municipality=form.municipality.data or "", values=form.attribute_values(),
                                 new_attribute=form.new_attribute())
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Case %(key)s saved.", key=case.key), "info")
            return redirect(url_for("cases.index", slug=project.slug))
    return _case_page(project, form, case, 400 if form.errors else 200)


@bp.route("/p/<slug>/cases/<int:case_id>/delete", methods=["GET", "POST"])
@project_route("manage")
def delete(project: Project, case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = owned(session.get(Case, case_id), project)
    form = ConfirmForm()
    if form.validate_on_submit():
        done = case_ops.delete_case(session, current_user, case)
        said = [_("Case %(key)s deleted.", key=done.key)]
        if done.excerpts:
            said.append(ngettext("%(num)s excerpt about it was deleted with its codings (%(codings)s).",
                                 "%(num)s excerpts about it were deleted with their codings (%(codings)s).",
                                 done.excerpts, codings=done.codings))
        if done.sources_unlinked:
            said.append(ngettext("%(num)s transcript no longer names it.", "%(num)s transcripts no longer name it.",
                                 done.sources_unlinked))
        flash(" ".join(said), "info")
        return redirect(url_for("cases.index", slug=project.slug))
    return render_template("cases/delete.html", project=project, case=case, impact=case_impact(session, case),
                           form=form)


# ---- interviewees (``/p/<slug>/interviewees`` is the overview table of the method: selection.interviewees) ----

@bp.route("/p/<slug>/people")
@project_route()
def people(project: Project):  # type: ignore[no-untyped-def]
    found = interviewee_list(get_session(), project.id, request.args.get("page", 1, type=int) or 1)
    return render_template("cases/people.html", project=project, rows=found.rows, found=found, per_page=PEOPLE_PAGE)


def _person_page(project: Project, form: IntervieweeForm, person: Interviewee | None,  # type: ignore[no-untyped-def]
                 status: int = 200):
    return render_template("cases/person.html", project=project, form=form, person=person,
                           roles=roles_in_use(get_session(), project.id)), status


@bp.route("/p/<slug>/people/new", methods=["GET", "POST"])
@project_route("manage")
def new_person(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = IntervieweeForm()
    if form.validate_on_submit():
        try:
            person = case_ops.add_interviewee(session, current_user.id, project, form.key.data or "",
                                              form.role.data or "", form.perspective.data or "",
                                              form.municipality.data or "")
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Interviewee %(key)s created.", key=person.key), "info")
            return redirect(url_for("cases.people", slug=project.slug))
    return _person_page(project, form, None, 400 if form.errors else 200)


@bp.route("/p/<slug>/people/<int:person_id>/edit", methods=["GET", "POST"])
@project_route("manage")
def edit_person(project: Project, person_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    person = owned(session.get(Interviewee, person_id), project)
    form = IntervieweeForm(data={"key": person.key, "role": person.role, "perspective": person.perspective.value,
                                 "municipality": person.municipality})
    if form.validate_on_submit():
        try:
            case_ops.update_interviewee(session, current_user.id, person, key=form.key.data or "",
                                        role=form.role.data or "", perspective=form.perspective.data or "",
                                        municipality=form.municipality.data or "")
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Interviewee %(key)s saved.", key=person.key), "info")
            return redirect(url_for("cases.people", slug=project.slug))
    return _person_page(project, form, person, 400 if form.errors else 200)


@bp.route("/p/<slug>/people/<int:person_id>/delete", methods=["GET", "POST"])
@project_route("manage")
def delete_person(project: Project, person_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    person = owned(session.get(Interviewee, person_id), project)
    form = ConfirmForm()
    if form.validate_on_submit():
        key = person.key
        n = case_ops.delete_interviewee(session, current_user.id, person)
        said = [_("Interviewee %(key)s deleted.", key=key)]
        if n:
            said.append(ngettext("%(num)s transcript no longer names them.", "%(num)s transcripts no longer name them.",
                                 n))
        flash(" ".join(said), "info")
        return redirect(url_for("cases.people", slug=project.slug))
    return render_template("cases/person_delete.html", project=project, person=person,
                           sources=interviewee_sources(session, person.id), form=form)
