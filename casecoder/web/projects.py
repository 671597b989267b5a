"""Projects: the list, a new project, the overview, cases, sources, members and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import lookups
from casecoder.analysis.overview import excerpts_per_source, project_summary
from casecoder.coding import accounts, cases, projects
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.paths import resource_dir
from casecoder.models import Case, Project
from casecoder.web.access import owned, project_route
from casecoder.web.forms import MemoForm
from casecoder.web.forms.projects import MemberForm, ProjectForm
from casecoder.web.labels import ROLE_LABELS

bp = Blueprint("projects", __name__)
AUDIT_PAGE = 50


def _codebook_choices() -> list[SelectChoice]:
    return [SelectChoice(p.name, p.name) for p in sorted(resource_dir("codebook").glob("*.yaml"))]


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    return render_template("projects/index.html", rows=lookups.user_projects(get_session(), current_user.id))


@bp.route("/projects/new", methods=["GET", "POST"])
def new():  # type: ignore[no-untyped-def]
    if not current_user.is_admin:
        abort(403)
    form = ProjectForm()
    form.codebook.choices = [SelectChoice("", _("(empty codebook)")), *_codebook_choices()]
    if form.validate_on_submit():
        try:
            spec = load_codebook_file(resource_dir("codebook") / form.codebook.data) if form.codebook.data else None
            project = projects.create_project(get_session(), form.title.data, form.slug.data, spec, current_user,
                                              form.description.data or "")
        except InvalidInput as exc:
            get_session().rollback()
            (getattr(form, exc.field, None) or form.title).errors.append(exc.render(_))
            return render_template("projects/new.html", form=form), 400
        return redirect(url_for("projects.overview", slug=project.slug))
    return render_template("projects/new.html", form=form), 400 if form.errors else 200


@bp.route("/p/<slug>/")
@project_route()
def overview(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    return render_template("projects/overview.html", project=project,
                           cases=lookups.cases_with_sources(session, project.id),
                           sources=lookups.sources_with_links(session, project.id),
                           summary=project_summary(session, project.id),
                           excerpt_counts=excerpts_per_source(session, project.id))


@bp.route("/p/<slug>/cases/<int:case_id>")
@project_route()
def case(project: Project, case_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    case = owned(session.get(Case, case_id), project)
    return render_template("projects/case.html", project=project, case=case,
                           attributes=lookups.case_attributes(session, case.id),
                           form=MemoForm(memo=case.memo))


@bp.route("/p/<slug>/cases/<int:case_id>/memo", methods=["POST"])
@project_route("code")
def case_memo(project: Project, case_id: int):  # type: ignore[no-untyped-def]
    case = owned(get_session().get(Case, case_id), project)
    form = MemoForm()
    if form.validate_on_submit():
        cases.set_case_memo(case, form.memo.data or "")
        flash(_("Memo saved."), "info")
    return redirect(url_for("projects.case", slug=project.slug, case_id=case.id))


@bp.route("/p/<slug>/members", methods=["GET", "POST"])
@project_route("manage")
def members(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = MemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.get_user(session, form.username.data.strip())
            accounts.add_member(session, project, user, form.role.data)
            flash(_("%(user)s is now %(role)s.", user=user.username, role=ROLE_LABELS[form.role.data]), "info")
            return redirect(url_for("projects.members", slug=project.slug))
        except InvalidInput as exc:
            session.rollback()
            form.username.errors.append(exc.render(_))
            status = 400
    return render_template("projects/members.html", project=project, rows=lookups.members(session, project.id),
                           form=form), status


@bp.route("/p/<slug>/audit")
@project_route("manage")
def audit(project: Project):  # type: ignore[no-untyped-def]
    found = lookups.audit_page(get_session(), project.id, max(1, request.args.get("page", 1, type=int)), AUDIT_PAGE)
    return render_template("projects/audit.html", project=project, rows=found.rows, page=found.page,
                           pages=found.pages, total=found.total)
