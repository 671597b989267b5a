"""Project bundles on the web: import a .zip of spreadsheets and transcripts (owners), download the export."""
from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user

from casecoder.analysis.double_coding import blindness
from casecoder.coding.bulk_excerpts import Progress
from casecoder.coding.pseudonymise import require_export_allowed
from casecoder.db import get_session
from casecoder.exchange.bundle_export import bundle_files, zip_bytes
from casecoder.exchange.bundle_import import import_bundle
from casecoder.exchange.bundle_read import MB, zip_bundle
from casecoder.kernel.errors import N_
from casecoder.kernel.translate import gettext
from casecoder.models import Project, User
from casecoder.web import jobs as background
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
        upload = form.file.data
        data, filename = upload.read(), upload.filename or "bundle.zip"
        config, project_id, user_id = current_app.config, project.id, current_user.id
        add_coders, lang = bool(form.add_coders.data), str(get_locale() or config["LANGUAGE"])

        def work(session: Any, progress: Progress) -> tuple[str, int | None]:
            bundle = zip_bundle(data, ZIP_FACTOR * config["MAX_CONTENT_LENGTH"], filename)
            summary = import_bundle(session, cast(Project, session.get(Project, project_id)), bundle,
                                    user=session.get(User, user_id), max_bytes=config["MAX_UPLOAD_MB"] * MB,
                                    add_coders=add_coders, progress=progress)
            text = gettext(lang, N_("Bundle imported: %(codes_added)s codes added, %(codes_updated)s updated, "
                                    "%(cases)s cases, %(interviewees)s interviewees, %(sources)s sources, "
                                    "%(excerpts)s excerpts, %(codings)s codings.")) % vars(summary)
            if summary.members:
                text += "\n" + gettext(lang, N_("%(members)s coders were added as members of the project (role "
                                                 "coder).")) % {"members": summary.members}
            return text, project_id

        started = background.start("bundle", filename, project_id, lang, work)
        if not started.wait():  # a long import: the job page follows it
            return redirect(url_for("jobs.page", job_id=started.job_id))
        job = background.status(started.job_id, fresh=True)
        if job["state"] == "done":
            for line in str(job["message"]).splitlines():
                flash(line, "info")
            return redirect(url_for("projects.overview", slug=project.slug))
        problems = str(job["message"]).splitlines()
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
