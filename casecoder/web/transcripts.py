"""Importing transcripts (one or many files, with a new case or interviewee made on the way), editing a
transcript's text safely, changing its properties, deleting it."""
from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import FileStorage
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import lookups
from casecoder.analysis.uncounted import deletion_counts, uncounted
from casecoder.coding import transcripts
from casecoder.db import get_session
from casecoder.files.extract import extract_text
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Interviewee, Project, Source
from casecoder.web.access import owned, project_route
from casecoder.web.forms.transcripts import (
    DeleteSourceForm,
    SourceFieldsForm,
    SourcePropertiesForm,
    TranscriptForm,
    TranscriptTextForm,
    TranscriptUploadForm,
)
from casecoder.web.labels import label

bp = Blueprint("transcripts", __name__)
F = TypeVar("F", bound=SourceFieldsForm)
T = TypeVar("T")


def _form(project: Project, form: F) -> F:
    """``form`` with the choices of the project's cases and interviewees."""
    session = get_session()
    form.perspective.choices = [SelectChoice("family", label("family")), SelectChoice("system", label("system"))]
    form.mode.choices = [SelectChoice("", "—"), SelectChoice("visit", label("visit")),
                         SelectChoice("phone", label("phone"))]
    form.cases.choices = [SelectChoice(c.id, f"{c.key} ({c.municipality})")
                          for c in lookups.cases(session, project.id)]
    form.interviewees.choices = [SelectChoice(p.id, f"{p.key} ({p.role})")
                                 for p in lookups.interviewees(session, project.id)]
    if isinstance(form, TranscriptForm):
        form.new_interviewee_perspective.choices = [SelectChoice("", _("as the transcript")),
                                                    *form.perspective.choices]
    return form


def _project_rows(found: dict[int, T], ids: list[int]) -> list[T]:
    """The rows of ``ids`` in their order; 404 when one is not the project's."""
    if any(i not in found for i in ids):
        abort(404)
    return [found[i] for i in ids]


def _links(project: Project, form: SourceFieldsForm) -> tuple[list[Case], list[Interviewee]]:
    """The cases and interviewees chosen in ``form``, in the form's order; 404 when one is not the project's."""
    session = get_session()
    case_ids, person_ids = form.cases.data or [], form.interviewees.data or []
    return (_project_rows(lookups.cases_by_id(session, project.id, case_ids), case_ids),
            _project_rows(lookups.interviewees_by_id(session, project.id, person_ids), person_ids))


def _import_one(project: Project, form: TranscriptForm, upload: FileStorage, batch: bool,
                links: tuple[list[Case], list[Interviewee]]) -> Source:
    """Extract and store one file; raises InvalidInput naming the file."""
    name = upload.filename or "?"
    data = upload.read()
    extracted = extract_text(name, data, current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024)
    return transcripts.import_transcript(
        get_session(), project, extracted, user=current_user, title=None if batch else form.title.data,
        perspective=form.perspective.data, cases_=links[0], interviewees=links[1], mode=form.mode.data or None,
        interview_date=form.interview_date.data, allow_duplicate=form.allow_duplicate.data)


def _with_new(project: Project, form: TranscriptForm, links: tuple[list[Case], list[Interviewee]],
              reuse: bool) -> tuple[list[Case], list[Interviewee]]:
    """``links`` with the new case and interviewee of ``form`` (when a field of theirs is filled) created and
    added; raises InvalidInput naming the field. ``reuse``: the same case sent again by the page's script."""
    session = get_session()
    cases, people = list(links[0]), list(links[1])
    if (form.new_case_key.data or "").strip() or (form.new_case_municipality.data or "").strip():
        case = transcripts.new_case(session, current_user, project, form.new_case_key.data or "",
                                    form.new_case_municipality.data or "", reuse=reuse)
        cases += [case] if case not in cases else []
    if (form.new_interviewee_key.data or "").strip() or (form.new_interviewee_role.data or "").strip():
        person = transcripts.new_interviewee(
            session, current_user, project, form.new_interviewee_key.data or "", form.new_interviewee_role.data or "",
            form.new_interviewee_perspective.data or form.perspective.data, reuse=reuse)
        people += [person] if person not in people else []
    return cases, people


def _field_error(form: SourceFieldsForm, exc: InvalidInput, default: str) -> None:
    """Put ``exc``'s message next to its field (or ``default`` when the form has no such field)."""
    name = exc.field if exc.field in form else default
    form[name].errors = [*form[name].errors, exc.render(_)]


@bp.route("/p/<slug>/transcripts/new", methods=["GET", "POST"])
@project_route("code")
def new(project: Project):  # type: ignore[no-untyped-def]
    """The upload page. Its script sends files one by one to ``upload``; without script, all at once."""
    form = _form(project, TranscriptForm())
    if not form.validate_on_submit():
        return render_template("transcripts/new.html", project=project, form=form,
                               limit=current_app.config["MAX_UPLOAD_MB"]), 400 if form.errors else 200
    files = [f for f in request.files.getlist(form.files.name) if f and f.filename]
    results = []
    session = get_session()
    if not files:
        form.files.errors.append(_("Choose at least one file."))
        return render_template("transcripts/new.html", project=project, form=form,
                               limit=current_app.config["MAX_UPLOAD_MB"]), 400
    try:
        links = _with_new(project, form, _links(project, form), reuse=False)
    except InvalidInput as exc:
        _field_error(form, exc, "new_case_key")
        return render_template("transcripts/new.html", project=project, form=form,
                               limit=current_app.config["MAX_UPLOAD_MB"]), 400
    for upload in files:
        try:
            with session.begin_nested():  # a bad file undoes only itself
                source = _import_one(project, form, upload, len(files) > 1, links)
            results.append({"name": upload.filename, "ok": True, "source": source})
        except InvalidInput as exc:
            results.append({"name": upload.filename, "ok": False, "error": exc.render(_)})
    # 400 when no file could be imported: the page names each file's problem, and nothing was stored
    return render_template("transcripts/results.html", project=project, results=results), \
        200 if any(r["ok"] for r in results) else 400


@bp.route("/api/p/<slug>/transcripts", methods=["POST"])
@project_route("code")
def upload(project: Project):  # type: ignore[no-untyped-def]
    """Import one file with the batch's metadata; JSON answer for the page's progress list."""
    form = _form(project, TranscriptUploadForm())
    if not form.validate_on_submit():
        errors = "; ".join(f"{form[name].label.text}: {', '.join(map(str, errs))}" for name, errs in form.errors.items())
        raise InvalidInput("The form has errors: {errors}", "form", errors=errors)
    upload = request.files.get(form.files.name)
    if upload is None or not upload.filename:
        raise InvalidInput("Choose at least one file.", "file")
    # the page keeps its fields after a file is sent: the same new case again is the one made before
    links = _with_new(project, form, _links(project, form), reuse=True)
    source = _import_one(project, form, upload, form.batch.data == "1", links)
    return jsonify(id=source.id, title=source.title, chars=len(source.text),
                   url=url_for("coding.source", slug=project.slug, source_id=source.id)), 201


@bp.route("/p/<slug>/sources/<int:source_id>/edit", methods=["GET", "POST"])
@project_route("code")
def edit(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    source = owned(session.get(Source, source_id), project)
    form = TranscriptTextForm(text=source.text) if request.method == "GET" else TranscriptTextForm()
    error = None
    if form.validate_on_submit():
        try:
            transcripts.edit_text(session, current_user, source, form.text.data)
            return redirect(url_for("coding.source", slug=project.slug, source_id=source.id))
        except InvalidInput as exc:
            session.rollback()
            error = exc.render(_)
    status = 400 if (error or form.errors) else 200
    return render_template("transcripts/edit.html", project=project, source=source, form=form, error=error), status


@bp.route("/p/<slug>/sources/<int:source_id>/properties", methods=["GET", "POST"])
@project_route("code")
def properties(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    """Title, date, mode, perspective, cases and interviewees of a transcript; the counts follow at once."""
    session = get_session()
    source: Source = owned(session.get(Source, source_id), project)
    if request.method == "GET":
        form = _form(project, SourcePropertiesForm(
            title=source.title, perspective=source.perspective.value, mode=source.mode.value if source.mode else "",
            interview_date=source.interview_date, cases=[c.id for c in source.cases],
            interviewees=[p.id for p in source.interviewees]))
    else:
        form = _form(project, SourcePropertiesForm())
    if form.validate_on_submit():
        cases, people = _links(project, form)
        try:
            with session.begin_nested():
                moved = transcripts.set_properties(
                    session, current_user, source, title=form.title.data or "", perspective=form.perspective.data,
                    mode=form.mode.data or None, interview_date=form.interview_date.data, cases_=cases,
                    interviewees=people)
        except InvalidInput as exc:
            _field_error(form, exc, "title")
        else:
            flash(_("Transcript saved.") + (" " + ngettext(
                "%(num)s excerpt now has another case.", "%(num)s excerpts now have another case.", moved)
                if moved else ""), "ok")
            return redirect(url_for("coding.source", slug=project.slug, source_id=source.id))
    status = 400 if request.method == "POST" else 200
    return render_template("transcripts/properties.html", project=project, source=source, form=form,
                           uncounted=uncounted(session, project.id, source.id)), status


@bp.route("/p/<slug>/sources/<int:source_id>/delete", methods=["GET", "POST"])
@project_route("manage")
def delete(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    """Asks first, with the excerpts and codings that go with the transcript; then deletes it (audited)."""
    session = get_session()
    source: Source = owned(session.get(Source, source_id), project)
    form = DeleteSourceForm()
    if form.validate_on_submit():
        title = source.title
        n_excerpts, n_codings = transcripts.delete_transcript(session, current_user, source)
        flash(_("Transcript '%(title)s' deleted with %(excerpts)s and %(codings)s.", title=title,
                excerpts=ngettext("%(num)s excerpt", "%(num)s excerpts", n_excerpts),
                codings=ngettext("%(num)s coding", "%(num)s codings", n_codings)), "ok")
        return redirect(url_for("projects.overview", slug=project.slug))
    n_excerpts, n_codings = deletion_counts(session, source.id)
    return render_template("transcripts/delete.html", project=project, source=source, form=form,
                           excerpts=n_excerpts, codings=n_codings), 400 if form.errors else 200
