"""Projects: the list, a new project, the overview, cases, sources, members and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import audit_log, lookups, project_page
from casecoder.analysis.overview import project_summary
from casecoder.analysis.people import member_candidates
from casecoder.coding import accounts, cases, projects
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.paths import resource_dir
from casecoder.models import Case, Project, User
from casecoder.web.access import owned, project_route
from casecoder.web.forms import MemoForm
from casecoder.web.forms.audit import AuditFilterForm
from casecoder.web.forms.projects import MemberForm, MemberRoleForm, ProjectForm, RemoveMemberForm
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
            (getattr(form, exc.field or "", None) or form.title).errors.append(exc.render(_))
            return render_template("projects/new.html", form=form), 400
        return redirect(url_for("projects.overview", slug=project.slug))
    return render_template("projects/new.html", form=form), 400 if form.errors else 200


def _page_arg(name: str) -> int:
    """A page number from the query string (1 when absent or not a number; the read clamps it)."""
    return request.args.get(name, 1, type=int) or 1


@bp.route("/p/<slug>/")
@project_route()
def overview(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    return render_template("projects/overview.html", project=project,
                           cases=project_page.overview_cases(session, project.id, _page_arg("case_page")),
                           sources=project_page.overview_sources(session, project.id, _page_arg("transcript_page")),
                           per_page=project_page.PAGE,
                           summary=project_summary(session, project.id))


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
    """The members and their roles; add a member (the role offered first is coder)."""
    session = get_session()
    form = MemberForm()
    if form.validate_on_submit():
        try:
            user = accounts.get_user(session, form.username.data.strip())
            accounts.add_member(session, project, user, form.role.data, actor=current_user)
            flash(_("%(user)s is now %(role)s.", user=user.username, role=ROLE_LABELS[form.role.data]), "info")
            return redirect(url_for("projects.members", slug=project.slug))
        except InvalidInput as exc:
            session.rollback()
            (form.role if exc.field == "role" else form.username).errors.append(exc.render(_))
    return _members_page(project, form, status=400 if form.errors else 200)


def _members_page(project: Project, form: MemberForm, *, status: int = 200, row_errors: dict[int, str] | None = None):  # type: ignore[no-untyped-def]
    """The members page; ``row_errors`` holds a refusal next to the member (by user id) it concerns."""
    session = get_session()
    return render_template("projects/members.html", project=project, rows=lookups.members(session, project.id),
                           form=form, role_form=MemberRoleForm(formdata=None),
                           candidates=member_candidates(session, project.id), row_errors=row_errors or {}), status


@bp.route("/p/<slug>/members/<int:user_id>/role", methods=["POST"])
@project_route("manage")
def member_role(project: Project, user_id: int):  # type: ignore[no-untyped-def]
    """A member's new role; the last owner keeps theirs (refused next to the row)."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    if accounts.membership_of(session, project.id, user.id) is None:
        abort(404)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        return _members_page(project, MemberForm(formdata=None), status=400,
                             row_errors={user.id: " ".join(form.role.errors) or _("Choose a role.")})
    try:
        accounts.change_role(session, project, user, form.role.data, actor=current_user)
    except InvalidInput as exc:
        session.rollback()
        return _members_page(project, MemberForm(formdata=None), status=400, row_errors={user_id: exc.render(_)})
    flash(_("%(user)s is now %(role)s.", user=user.username, role=ROLE_LABELS[form.role.data]), "info")
    if user.id == current_user.id and form.role.data != "owner":
        return redirect(url_for("projects.overview", slug=project.slug))  # no longer manages the project
    return redirect(url_for("projects.members", slug=project.slug))


@bp.route("/p/<slug>/members/<int:user_id>/remove", methods=["POST"])
@project_route("manage")
def member_remove(project: Project, user_id: int):  # type: ignore[no-untyped-def]
    """Take a member out of the project (their codings stay theirs); the last owner stays."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    if accounts.membership_of(session, project.id, user.id) is None:
        abort(404)
    if RemoveMemberForm().validate_on_submit():
        try:
            accounts.remove_member(session, project, user, actor=current_user)
        except InvalidInput as exc:
            session.rollback()
            return _members_page(project, MemberForm(formdata=None), status=400, row_errors={user_id: exc.render(_)})
        flash(_("%(user)s is no longer a member of this project.", user=user.username), "info")
        if user.id == current_user.id:
            return redirect(url_for("projects.index"))
    return redirect(url_for("projects.members", slug=project.slug))


@bp.route("/p/<slug>/audit")
@project_route("manage")
def audit(project: Project):  # type: ignore[no-untyped-def]
    """The audit log in words, filtered by user, kind and date; the stored data on demand."""
    session = get_session()
    offered = audit_log.choices(session, project.id)
    form = AuditFilterForm(request.args)
    form.user.choices = [SelectChoice("", _("(anyone)")), *(SelectChoice(str(i), n) for i, n in offered.users)]
    form.kind.choices = [SelectChoice("", _("(any)")),
                         *(SelectChoice(k, audit_log.kind_label(k, _)) for k in offered.kinds)]
    form.validate()
    flt = audit_log.AuditFilter(
        user_id=int(form.user.data) if form.user.data and not form.user.errors else None,
        kind=None if form.kind.errors else form.kind.data or None,
        date_from=None if form.date_from.errors else form.date_from.data,
        date_to=None if form.date_to.errors else form.date_to.data)
    found = audit_log.audit_page(session, project.id, flt, max(1, request.args.get("page", 1, type=int)),
                                 AUDIT_PAGE, _, str(get_locale()))
    args = {name: request.args[name] for name in ("user", "kind", "date_from", "date_to") if request.args.get(name)}
    return render_template("projects/audit.html", project=project, form=form, found=found, args=args,
                           filtered=bool(args)), 400 if form.errors else 200
