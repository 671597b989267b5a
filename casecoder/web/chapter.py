"""The report chapter of a hypothesis (issue #24): what the chapter will say, the analysis notes, the
quotes marked "use in the report" in the analyst's order, and the Export chapter button (the download
itself is ``/p/<slug>/export/chapter.zip?code=…``, web/exports.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis import lookups
from casecoder.analysis.chapter import build_chapter
from casecoder.analysis.double_coding import NOT_BLIND, Blindness, blindness, visible_excerpt
from casecoder.coding import report_prep
from casecoder.db import get_session
from casecoder.export import chapter_text
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Code, Excerpt, Project
from casecoder.web.access import owned, project_route
from casecoder.web.analysis import _filter
from casecoder.web.forms.chapter import NoteForm, QuoteActionForm, TemplateForm

bp = Blueprint("chapter", __name__)
MOVES = {"up": -1, "down": 1}


def _hypothesis(project: Project, key: str) -> Code:
    code = lookups.code_by_key(get_session(), project.id, key)
    if code is None or code.parent_id is not None:
        abort(404)
    return code


@bp.route("/p/<slug>/chapter/<key>")
@project_route("analyse")
def page(project: Project, key: str):  # type: ignore[no-untyped-def]
    code = _hypothesis(project, key)
    f = _filter()   # a blind coder's filter carries what ``blindness`` gives (``Blindness.count_filter``)
    blind = Blindness(f.viewer_id, frozenset(f.blind_source_ids)) if f.viewer_id is not None else NOT_BLIND
    return _page(project, build_chapter(get_session(), project, code.key, f, blind=blind))


def _page(project: Project, chapter, template_form: TemplateForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template("chapter/page.html", project=project, chapter=chapter, words=chapter_text,
                           lang=str(get_locale()), note_form=NoteForm(), action=QuoteActionForm(),
                           template_form=template_form or TemplateForm()), status


@bp.route("/p/<slug>/chapter/<key>/template", methods=["POST"])
@project_route("analyse")
def export_into_template(project: Project, key: str):  # type: ignore[no-untyped-def]
    """The chapter written into the organisation's Word template (its styles and page size)."""
    from casecoder.coding.pseudonymise import require_export_allowed
    from casecoder.export.chapter import chapter_from_spec
    from casecoder.export.report import ReportSpec
    code = _hypothesis(project, key)
    session = get_session()
    blind = blindness(session, project.id, current_user, g.get("role"))
    form = TemplateForm()
    if not form.validate_on_submit():
        return _page(project, build_chapter(session, project, code.key, blind=blind), form, 400)
    upload = form.template.data
    require_export_allowed(session, project)
    spec = ReportSpec(project.slug, "chapter", {"code": code.key}, {}, str(get_locale()))
    try:
        result = chapter_from_spec(session, spec, upload.read(), upload.filename or "template.docx", blind)
    except InvalidInput as exc:
        session.rollback()
        form.template.errors.append(exc.render(_))
        return _page(project, build_chapter(session, project, code.key, blind=blind), form, 400)
    return Response(result.zip_bytes(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{result.name}.zip"'})


def _back(project: Project) -> str:
    key = request.args.get("back", "")
    code = lookups.code_by_key(get_session(), project.id, key) if key else None
    if code is None or code.parent_id is not None:
        return url_for("projects.overview", slug=project.slug)
    return url_for("chapter.page", slug=project.slug, key=code.key)


@bp.route("/p/<slug>/chapter-notes/<int:code_id>", methods=["POST"])
@project_route("analyse")
def note(project: Project, code_id: int):  # type: ignore[no-untyped-def]
    code = owned(get_session().get(Code, code_id), project)
    form = NoteForm()
    if form.validate_on_submit():
        report_prep.set_analysis_note(get_session(), code, form.note.data or "", current_user.id)
        flash(_("Analysis note saved."), "info")
    if request.args.get("back") == "code":  # the code page's own form
        return redirect(url_for("codebook.code", slug=project.slug, code_id=code.id) + "#analysis-note")
    return redirect(_back(project) + f"#sub-{code.key}")


@bp.route("/p/<slug>/report-quotes/<int:excerpt_id>/<any(mark, remove, up, down):verb>", methods=["POST"])
@project_route("analyse")
def quote(project: Project, excerpt_id: int, verb: str):  # type: ignore[no-untyped-def]
    if not QuoteActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    if verb == "mark":
        excerpt = owned(session.get(Excerpt, excerpt_id), project)
        if visible_excerpt(session, current_user, g.get("role"), excerpt) is None:
            abort(404)
        report_prep.mark_quote(session, excerpt, current_user.id)
        flash(_("Quote marked for the report."), "info")
    elif verb == "remove":
        if not report_prep.unmark_quote(session, project.id, excerpt_id, current_user.id):
            abort(404)
        flash(_("Quote no longer marked for the report."), "info")
    elif not report_prep.move_quote(session, project.id, excerpt_id, MOVES[verb], current_user.id):
        abort(404)
    return redirect(_back(project) + "#quotes")


@bp.route("/api/p/<slug>/excerpts/<int:excerpt_id>/report", methods=["GET", "POST"])
@project_route("analyse")
def report_mark(project: Project, excerpt_id: int):  # type: ignore[no-untyped-def]
    """Whether the excerpt is marked "use in the report" (GET), or mark it / take the mark off (POST
    ``{"marked": true|false}``): the workbench's toggle."""
    session = get_session()
    excerpt = owned(session.get(Excerpt, excerpt_id), project)
    if visible_excerpt(session, current_user, g.get("role"), excerpt) is None:
        abort(404)
    if request.method == "POST":
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("marked"), bool):
            raise InvalidInput("The request body must be {{\"marked\": true}} or {{\"marked\": false}}", "marked")
        if body["marked"]:
            report_prep.mark_quote(session, excerpt, current_user.id)
        else:
            report_prep.unmark_quote(session, project.id, excerpt.id, current_user.id)
    return jsonify(marked=report_prep.is_marked(session, excerpt))
