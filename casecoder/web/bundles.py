"""Project bundles on the web: import a .zip of spreadsheets and transcripts (owners), download the export."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casecoder.analysis.double_coding import blindness
from casecoder.coding.pseudonymise import require_export_allowed
from casecoder.db import get_session
from casecoder.exchange.bundle_export import bundle_files, zip_bytes
from casecoder.exchange.bundle_import import import_bundle
from casecoder.exchange.bundle_read import MB, BundleProblems, zip_bundle
from casecoder.models import Project
from casecoder.web.access import project_route
from casecoder.web.forms.bundles import BundleForm

bp = Blueprint("bundles", __name__)
ZIP_FACTOR = 10  # a .zip may unpack to at most this many times the request size limit


@bp.route("/p/<slug>/import-bundle", methods=["GET", "POST"])
@project_route("manage")
def import_(project: Project):  # type: ignore[no-untyped-def]
    form = BundleForm()
    problems: list[str] = []
    if form.validate_on_submit():
        session = get_session()
        upload = form.file.data
        try:
            bundle = zip_bundle(upload.read(), ZIP_FACTOR * current_app.config["MAX_CONTENT_LENGTH"],
                                upload.filename or "bundle.zip")
            summary = import_bundle(session, project, bundle, user=current_user,
                                    max_bytes=current_app.config["MAX_UPLOAD_MB"] * MB,
                                    add_coders=bool(form.add_coders.data))
        except BundleProblems as exc:
            session.rollback()  # nothing was written; this makes sure of it
            problems = [p.render(_) for p in exc.problems]
        else:
            flash(_("Bundle imported: %(codes_added)s codes added, %(codes_updated)s updated, %(cases)s cases, "
                    "%(interviewees)s interviewees, %(sources)s sources, %(excerpts)s excerpts, "
                    "%(codings)s codings.", **vars(summary)), "info")
            if summary.members:
                flash(_("%(members)s coders were added as members of the project (role coder).",
                        members=summary.members), "info")
            return redirect(url_for("projects.overview", slug=project.slug))
    status = 400 if (problems or form.errors) else 200
    return render_template("projects/import_bundle.html", project=project, form=form, problems=problems), status


@bp.route("/p/<slug>/export-bundle.zip")
@project_route("analyse")
def export(project: Project):  # type: ignore[no-untyped-def]
    require_export_allowed(get_session(), project)  # "pseudonymised only": refused while hits await review
    session = get_session()  # a blind double coder gets only their own work on their blind transcripts
    data = zip_bytes(bundle_files(session, project, blindness(session, project.id, current_user, g.get("role"))))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{project.slug}-bundle.zip"'})
