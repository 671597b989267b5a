"""Pseudonymisation (owners only): the key list, "detect now", the review of hits, applying the accepted
replacements, the "pseudonymised only" setting and the key list's CSV download. Also the page an
export gets when that setting refuses it (``ExportBlocked``)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from casecoder.analysis.lookups import hit_page
from casecoder.coding import pseudonym_keys, pseudonymise
from casecoder.coding.pseudonym_detect import context
from casecoder.db import get_session
from casecoder.kernel.errors import ExportBlocked, InvalidInput
from casecoder.models import HitStatus, Project, PseudonymHit, PseudonymKey
from casecoder.web.access import owned, project_route
from casecoder.web.forms.pseudonyms import ActionForm, DecideForm, DeleteKeyForm, KeyForm, SettingForm
from casecoder.web.labels import KIND_LABELS

bp = Blueprint("pseudonyms", __name__)
PAGE = 100
HIT_LABELS = {"cpr": _l("CPR number"), "phone": _l("Phone number"), "email": _l("E-mail address"),
              "key": _l("Key list")}
STATUS_LABELS = {"pending": _l("Pending"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
                 "applied": _l("Applied")}


def _id(value: str | None) -> int | None:
    """A row id from a form or query value: ASCII digits that fit the database, else None."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def _page(value: str | None) -> int:
    """The page number posted back (the review's ``page``): 1 when missing or not a number."""
    try:
        return int(value) if value is not None else 1
    except ValueError:
        return 1


def _keys_page(project: Project, form: KeyForm, status: int = 200):  # type: ignore[no-untyped-def]
    session = get_session()
    return render_template("pseudonyms/keys.html", project=project, form=form, entries=pseudonym_keys.entries(
        session, project), counts=pseudonymise.counts(session, project), kinds=KIND_LABELS,
        setting=SettingForm(pseudonymised_only=project.pseudonymised_only), action=ActionForm()), status


@bp.route("/p/<slug>/pseudonyms", methods=["GET", "POST"])
@project_route("manage")
def keys(project: Project):  # type: ignore[no-untyped-def]
    """The key list; GET ?edit=<id> fills the form with an entry, POST adds or saves one."""
    session = get_session()
    form = KeyForm()
    if request.method == "GET":
        edit = _id(request.args.get("edit"))
        if edit is not None:
            entry = owned(session.get(PseudonymKey, edit), project)
            form = KeyForm(entry_id=str(entry.id), real=entry.real, pseudonym=entry.pseudonym, kind=entry.kind.value)
        return _keys_page(project, form)
    if not form.validate_on_submit():
        return _keys_page(project, form, 400)
    try:
        if form.entry_id.data:
            entry_id = _id(form.entry_id.data)
            entry = owned(session.get(PseudonymKey, entry_id) if entry_id is not None else None, project)
            pseudonym_keys.update_key(session, current_user, project, entry, form.real.data, form.pseudonym.data,
                                      form.kind.data)
            flash(_("Key list entry saved; the transcripts were searched again."), "info")
        else:
            pseudonym_keys.add_key(session, current_user, project, form.real.data, form.pseudonym.data,
                                   form.kind.data)
            flash(_("Key list entry added; the transcripts were searched again."), "info")
    except InvalidInput as exc:
        session.rollback()
        (getattr(form, exc.field or "", None) or form.real).errors.append(exc.render(_))
        return _keys_page(project, form, 400)
    return redirect(url_for("pseudonyms.keys", slug=project.slug))


@bp.route("/p/<slug>/pseudonyms/delete", methods=["POST"])
@project_route("manage")
def delete(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = DeleteKeyForm()
    if not form.validate_on_submit():
        abort(400)
    entry_id = _id(form.entry_id.data)
    entry = owned(session.get(PseudonymKey, entry_id) if entry_id is not None else None, project)
    pseudonym_keys.delete_key(session, current_user, project, entry)
    flash(_("Key list entry deleted."), "info")
    return redirect(url_for("pseudonyms.keys", slug=project.slug))


@bp.route("/p/<slug>/pseudonyms/setting", methods=["POST"])
@project_route("manage")
def setting(project: Project):  # type: ignore[no-untyped-def]
    form = SettingForm()
    if not form.validate_on_submit():
        abort(400)
    pseudonymise.set_pseudonymised_only(get_session(), current_user, project, form.pseudonymised_only.data)
    flash(_("Exports are now refused while hits await review.") if project.pseudonymised_only
          else _("Exports are no longer checked for pseudonymisation."), "info")
    return redirect(url_for("pseudonyms.keys", slug=project.slug))


@bp.route("/p/<slug>/pseudonyms/detect", methods=["POST"])
@project_route("manage")
def detect(project: Project):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    summary = pseudonymise.detect_project(get_session(), project, current_user)
    flash(_("%(sources)s transcripts searched: %(new)s hits await review, %(kept)s decisions kept.",
            sources=summary.sources, new=summary.new, kept=summary.kept), "info")
    return redirect(url_for("pseudonyms.review", slug=project.slug))


def _status_arg(value: str | None) -> str:
    return value if value in (*STATUS_LABELS, "all") else "pending"


@bp.route("/p/<slug>/pseudonyms/review")
@project_route("manage")
def review(project: Project):  # type: ignore[no-untyped-def]
    """The hits with their context, newest decisions aside: ?status=pending|accepted|rejected|applied|all."""
    session = get_session()
    status = _status_arg(request.args.get("status"))
    found = hit_page(session, project.id, None if status == "all" else HitStatus(status),
                     request.args.get("page", 1, type=int), PAGE)
    hits = [{"hit": hit, "source": source,
             "context": None if hit.status is HitStatus.APPLIED else context(source.text, hit.start_offset,
                                                                              hit.end_offset)}
            for hit, source in found.rows]
    return render_template("pseudonyms/review.html", project=project, hits=hits, status=status, page=found.page,
                           pages=found.pages, total=found.total, counts=pseudonymise.counts(session, project),
                           statuses=STATUS_LABELS, kinds=HIT_LABELS, action=ActionForm())


@bp.route("/p/<slug>/pseudonyms/review", methods=["POST"])
@project_route("manage")
def decide(project: Project):  # type: ignore[no-untyped-def]
    """One button per hit (accept=<id>, reject=<id>, undo=<id>) or for all pending hits (all=accepted|rejected)."""
    session = get_session()
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("pseudonyms.review", slug=project.slug, status=_status_arg(form.status.data),
                   page=_page(form.page.data))
    if form.all.data in ("accepted", "rejected"):
        n = pseudonymise.decide_all(session, current_user, project, form.all.data)
        flash(_("%(n)s hits accepted.", n=n) if form.all.data == "accepted" else _("%(n)s hits rejected.", n=n),
              "info")
        return redirect(back)
    for button, status in ((form.accept, HitStatus.ACCEPTED), (form.reject, HitStatus.REJECTED),
                           (form.undo, HitStatus.PENDING)):
        hit_id = _id(button.data)
        if hit_id is not None:
            hit = owned(session.get(PseudonymHit, hit_id), project)
            pseudonymise.decide(session, current_user, project, hit, status)
            return redirect(back + f"#hit-{hit.id}")
    abort(400)


@bp.route("/p/<slug>/pseudonyms/apply", methods=["POST"])
@project_route("manage")
def apply(project: Project):  # type: ignore[no-untyped-def]
    if not ActionForm().validate_on_submit():
        abort(400)
    summary = pseudonymise.apply_accepted(get_session(), current_user, project)
    flash(ngettext("%(num)s replacement applied", "%(num)s replacements applied", summary.hits) + " " +
          _("(transcripts: %(sources)s, excerpts moved: %(excerpts)s).", sources=summary.sources,
            excerpts=summary.excerpts), "info")
    return redirect(url_for("pseudonyms.review", slug=project.slug))


@bp.route("/p/<slug>/pseudonyms/keys.csv")
@project_route("manage")
def key_export(project: Project):  # type: ignore[no-untyped-def]
    """The owner-only key export: the one file that holds the real names."""
    data = pseudonym_keys.key_csv(get_session(), current_user, project)
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{project.slug}-key-list.csv"',
        "Cache-Control": "no-store"})


@bp.app_errorhandler(ExportBlocked)
def export_blocked(exc: ExportBlocked):  # type: ignore[no-untyped-def]
    """An export refused by "pseudonymised only": the message, and the review link for owners."""
    get_session().rollback()
    return render_template("pseudonyms/blocked.html", project=exc.project, message=exc.render(_)), exc.status
