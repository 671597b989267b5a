"""The codebook pages: the tree with labels in the UI language, a code's page; add, edit, move, reorder,
archive, delete or merge codes. Coders may add codes (they do so while coding, too: web/api_codes.py);
changing or removing codes is the owners'."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import lookups
from casecoder.analysis.overview import codings_per_code
from casecoder.coding import codebook_edit as edit_ops
from casecoder.coding import codes as code_ops
from casecoder.db import get_session
from casecoder.kernel import tree
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.vocabulary import CodeKind
from casecoder.models import Code, Project
from casecoder.web.access import owned, project_route
from casecoder.web.forms import MemoForm
from casecoder.web.forms.chapter import NoteForm
from casecoder.web.forms.codebook import ActionForm, CodeForm, DeleteCodeForm
from casecoder.web.labels import label

bp = Blueprint("codebook", __name__)


def tree_rows(codes: list[Code]) -> list[tuple[Code, int]]:
    """Depth-first (code, depth) rows of the code tree, siblings in position order."""
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    return [(code, depth) for code, depth, _parent in tree.preorder(children, lambda c: c.id)]  # no recursion


def merge_choices(project: Project, code: Code) -> list[SelectChoice]:
    lang = str(get_locale())
    return [SelectChoice("", "—")] + [SelectChoice(str(c.id), f"{c.key} {c.label(lang)}")
                                      for c in lookups.codes(get_session(), project.id) if c.id != code.id and c.codable]


@bp.route("/p/<slug>/codebook")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    rows = tree_rows(lookups.codes(get_session(), project.id))
    siblings: dict[int | None, list[int]] = {}
    for code, _depth in rows:
        siblings.setdefault(code.parent_id, []).append(code.id)
    return render_template("codebook/index.html", project=project, rows=rows, action=ActionForm(),
                           first={ids[0] for ids in siblings.values()}, last={ids[-1] for ids in siblings.values()},
                           focus=request.args.get("focus", ""), counts=codings_per_code(get_session(), project.id))


def parent_choices(project: Project, code: Code | None = None) -> list[SelectChoice]:
    """"(top level)" and every code in tree order, indented; without ``code`` and its sub-codes."""
    choices, skip_below = [SelectChoice("", _("(top level: a new hypothesis)"))], None
    for c, depth in tree_rows(lookups.codes(get_session(), project.id)):
        if skip_below is not None and depth > skip_below:
            continue
        skip_below = None
        if code is not None and c.id == code.id:
            skip_below = depth
            continue
        choices.append(SelectChoice(str(c.id), "\u00a0\u00a0" * depth + f"{c.key} {c.label(str(get_locale()))}"))
    return choices


def code_form(project: Project, code: Code | None = None) -> CodeForm:
    form = CodeForm(obj=code) if code is not None and request.method == "GET" else CodeForm()
    if code is not None and request.method == "GET":
        form.parent.data, form.kind.data = str(code.parent_id or ""), code.kind.value
    form.parent.choices = parent_choices(project, code)
    form.kind.choices = [SelectChoice(k.value, label(k)) for k in CodeKind]
    return form


def _fields(form: CodeForm) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in ("key", "label_da", "label_en", "kind", "color",
                                                               *edit_ops.TEXTS)}


def _refused(form: CodeForm, exc: InvalidInput) -> None:
    get_session().rollback()
    (getattr(form, exc.field or "", None) or form.key).errors.append(exc.render(_))


@bp.route("/p/<slug>/codes/new", methods=["GET", "POST"])
@project_route("code")
def new(project: Project):  # type: ignore[no-untyped-def]
    form = code_form(project)
    if request.method == "GET":
        form.parent.data = request.args.get("parent", "")
        form.kind.data = "mechanism" if form.parent.data else "hypothesis"
    if form.validate_on_submit():
        try:
            code = edit_ops.create_code(get_session(), project, current_user.id,
                                        parent_id=int(form.parent.data) if form.parent.data else None, **_fields(form))
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Code %(key)s added.", key=code.key), "info")
            return redirect(url_for("codebook.index", slug=project.slug, focus=code.id) + f"#code-{code.id}")
    return render_template("codebook/edit.html", project=project, form=form, code=None), 400 if form.errors else 200


@bp.route("/p/<slug>/codes/<int:code_id>/edit", methods=["GET", "POST"])
@project_route("manage")
def edit(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    form = code_form(project, code)
    if form.validate_on_submit():
        try:
            edit_ops.edit_code(get_session(), code, current_user.id,
                               parent_id=int(form.parent.data) if form.parent.data else None, **_fields(form))
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            flash(_("Code %(key)s saved.", key=code.key), "info")
            return redirect(url_for("codebook.code", slug=project.slug, code_id=code.id))
    return render_template("codebook/edit.html", project=project, form=form, code=code), 400 if form.errors else 200


@bp.route("/p/<slug>/codes/<int:code_id>/up", methods=["POST"])
@project_route("manage")
def move_up(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    return _shift(project, code_id, "up")


@bp.route("/p/<slug>/codes/<int:code_id>/down", methods=["POST"])
@project_route("manage")
def move_down(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    return _shift(project, code_id, "down")


def _shift(project: Project, code_id: int, direction: str):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    if ActionForm().validate_on_submit():
        edit_ops.shift_code(get_session(), code, current_user.id, -1 if direction == "up" else 1)
    # no #fragment: Chromium skips autofocus on a page opened at a fragment
    return redirect(url_for("codebook.index", slug=project.slug, focus=f"{direction}-{code.id}"))


@bp.route("/p/<slug>/codes/<int:code_id>/archive", methods=["POST"])
@project_route("manage")
def archive(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    if ActionForm().validate_on_submit():
        edit_ops.set_archived(get_session(), code, current_user.id, not code.archived)
        flash(_("Code %(key)s archived: it can no longer be applied; its codings still count.", key=code.key)
              if code.archived else _("Code %(key)s is back in use.", key=code.key), "info")
    return redirect(url_for("codebook.code", slug=project.slug, code_id=code.id))


@bp.route("/p/<slug>/codes/<int:code_id>", methods=["GET", "POST"])
@project_route()
def code(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    form = DeleteCodeForm()
    form.merge_into.choices = merge_choices(project, code)
    return _code_page(project, code, form)


def _code_page(project: Project, code: Code, form: DeleteCodeForm) -> str:
    session = get_session()
    return render_template("codebook/code.html", project=project, code=code, used=code_ops.coding_count(session, code),
                           relations=lookups.code_relations(session, code.id), form=form,
                           memo=MemoForm(memo=code.memo), action=ActionForm(),
                           note=lookups.analysis_note(session, code.id), note_form=NoteForm())


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
        return _code_page(project, code, form), 400
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
        form.merge_into.errors = [exc.render(_)]
        return _code_page(project, owned(session.get(Code, code_id), project), form), 400
    return redirect(url_for("codebook.index", slug=project.slug))
