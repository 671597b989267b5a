"""REFI-QDA on the web: download a project's .qdc and .qdpx, merge a .qdc (preview, then confirm),
import a .qdpx as a new project (site admins, like creating a project)."""
from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis.double_coding import blindness
from casecoder.coding.bulk_excerpts import Progress
from casecoder.coding.projects import get_project
from casecoder.coding.pseudonymise import require_export_allowed
from casecoder.db import get_session, new_session
from casecoder.exchange.refi.qdc import import_qdc, write_qdc
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.exchange.refi.qdpx_write import write_qdpx
from casecoder.exchange.refi.report import ImportReport
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Project, User
from casecoder.web import jobs as background
from casecoder.web.access import project_route
from casecoder.web.forms.refi import QdcConfirmForm, QdcForm, QdpxForm

bp = Blueprint("refi", __name__)
ZIP_FACTOR = 10  # a .qdpx may unpack to at most this many times the request size limit


def _lang() -> str:
    return str(get_locale() or current_app.config["LANGUAGE"])


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/p/<slug>/export.qdc")
@project_route("analyse")
def export_qdc(project: Project):  # type: ignore[no-untyped-def]
    return _download(write_qdc(get_session(), project, _lang()), f"{project.slug}.qdc", "application/xml")


@bp.route("/p/<slug>/export.qdpx")
@project_route("analyse")
def export_qdpx(project: Project):  # type: ignore[no-untyped-def]
    require_export_allowed(get_session(), project)  # "pseudonymised only": refused while hits await review
    session = get_session()  # a blind double coder gets only their own work on their blind transcripts
    blind = blindness(session, project.id, current_user, g.get("role"))
    return _download(write_qdpx(session, project, _lang(), blind), f"{project.slug}.qdpx", "application/zip")


@bp.route("/p/<slug>/import-qdc", methods=["GET", "POST"])
@project_route("manage")
def import_qdc_page(project: Project):  # type: ignore[no-untyped-def]
    """First POST (a file): show what would be added and renamed. Confirm POST (the same bytes): apply."""
    session, form, confirm = get_session(), QdcForm(), QdcConfirmForm(prefix="confirm")
    error = None
    try:
        if confirm.validate_on_submit():
            data = base64.b64decode(confirm.data.data, validate=True)
            plan, report = import_qdc(session, project, data, confirm.filename.data, user_id=current_user.id,
                                      lang=_lang())
            flash(_("Codebook merged: %(added)s code(s) added, %(renamed)s renamed.", added=len(plan.added),
                    renamed=len(plan.renamed)), "info")
            return redirect(url_for("codebook.index", slug=project.slug))
        if form.validate_on_submit():
            upload = form.file.data
            data, filename = upload.read(), upload.filename or "codebook.qdc"
            plan, report = import_qdc(session, project, data, filename, user_id=current_user.id, lang=_lang(),
                                      apply=False)
            confirm.data.data, confirm.filename.data = base64.b64encode(data).decode("ascii"), filename
            return render_template("refi/import_qdc.html", project=project, form=form, confirm=confirm, plan=plan,
                                   report=report)
    except (InvalidInput, binascii.Error) as exc:
        session.rollback()
        error = exc.render(_) if isinstance(exc, InvalidInput) else _("The upload was damaged; choose the file again.")
    status = 400 if (error or form.errors) else 200
    return render_template("refi/import_qdc.html", project=project, form=form, confirm=None, plan=None,
                           report=None, error=error), status


@bp.route("/projects/import-qdpx", methods=["GET", "POST"])
def import_qdpx_page():  # type: ignore[no-untyped-def]
    if not current_user.is_admin:
        abort(403)
    form, error = QdpxForm(), None
    if form.validate_on_submit():
        upload, config, user_id, lang, title = form.file.data, current_app.config, current_user.id, _lang(), form.title.data
        data, filename = upload.read(), upload.filename or "project.qdpx"
        result: list[ImportReport] = []

        def work(session: Any, progress: Progress) -> tuple[str, int | None]:
            project, report = import_qdpx(
                session, data, filename, user=session.get(User, user_id), title=title, lang=lang,
                max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024, max_unpacked=ZIP_FACTOR * config["MAX_CONTENT_LENGTH"],
                progress=progress)
            result.append(report)
            return "\n".join(report.lines()), project.id

        started = background.start("qdpx", filename, None, lang, work)
        if not started.wait():  # a long import: the job page follows it
            return redirect(url_for("jobs.page", job_id=started.job_id))
        job = background.status(started.job_id, fresh=True)
        if job["state"] == "done":
            with new_session(current_app._get_current_object()) as fresh:  # type: ignore[attr-defined]
                project = get_project(fresh, str(job["project_slug"]))
                return render_template("refi/import_qdpx.html", form=None, project=None, new_project=project,
                                       report=result[0])
        error = str(job["message"])
    status = 400 if (error or form.errors) else 200
    return render_template("refi/import_qdpx.html", form=form, project=None, new_project=None, report=None,
                           error=error), status
