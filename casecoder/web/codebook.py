"""The codebook pages: the tree with labels in the UI language, a code's page, delete or merge."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import lookups
from casecoder.analysis.overview import codings_per_code
from casecoder.coding import codes as code_ops
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Code, Project
from casecoder.web.access import owned, project_route
from casecoder.web.forms import MemoForm
from casecoder.web.forms.codebook import DeleteCodeForm

bp = Blueprint("codebook", __name__)


def tree_rows(codes: list[Code]) -> list[tuple[Code, int]]:
    """Depth-first (code, depth) rows of the code tree, siblings in position order."""
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    rows: list[tuple[Code, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for code in children.get(parent, []):
            rows.append((code, depth))
            walk(code.id, depth + 1)

    walk(None, 0)
    return rows


def merge_choices(project: Project, code: Code) -> list[SelectChoice]:
    lang = str(get_locale())
    return [SelectChoice("", "—")] + [SelectChoice(str(c.id), f"{c.key} {c.label(lang)}")
                                      for c in lookups.codes(get_session(), project.id) if c.id != code.id and c.codable]


@bp.route("/p/<slug>/codebook")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    return render_template("codebook/index.html", project=project, rows=tree_rows(lookups.codes(get_session(), project.id)),
                           counts=codings_per_code(get_session(), project.id))


@bp.route("/p/<slug>/codes/<int:code_id>", methods=["GET", "POST"])
@project_route()
def code(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    code = owned(session.get(Code, code_id), project)
    used = code_ops.coding_count(session, code)
    relations = lookups.code_relations(session, code.id)
    form = DeleteCodeForm()
    form.merge_into.choices = merge_choices(project, code)
    return render_template("codebook/code.html", project=project, code=code, used=used, relations=relations,
                           form=form, memo=MemoForm(memo=code.memo))


@bp.route("/p/<slug>/codes/<int:code_id>/memo", methods=["POST"])
@project_route("code")
def memo(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    form = MemoForm()
    if form.validate_on_submit():
        code_ops.update_code(get_session(), code, current_user.id, memo=(form.memo.data or "").strip())
        flash(_("Memo saved."), "info")
    return redirect(url_for("codebook.code", slug=project.slug, code_id=code.id))


@bp.route("/p/<slug>/codes/<int:code_id>/delete", methods=["POST"])
@project_route("manage")
def delete(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    code = owned(session.get(Code, code_id), project)
    form = DeleteCodeForm()
    form.merge_into.choices = merge_choices(project, code)
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for("codebook.code", slug=project.slug, code_id=code.id))
    key = code.key
    try:
        if form.merge_into.data:
            into = owned(session.get(Code, int(form.merge_into.data)), project)
            moved = code_ops.merge_code(session, code, into, current_user.id)
            flash(_("Code %(key)s merged into %(into)s; %(n)s codings moved.", key=key, into=into.key, n=moved),
                  "info")
        else:
            code_ops.delete_code(session, code, current_user.id)
            flash(_("Code %(key)s deleted.", key=key), "info")
    except InvalidInput as exc:
        session.rollback()
        flash(exc.render(_), "error")
        return redirect(url_for("codebook.code", slug=project.slug, code_id=code_id))
    return redirect(url_for("codebook.index", slug=project.slug))
