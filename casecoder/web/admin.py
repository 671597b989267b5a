"""Site administration: the users list, a new user, a password reset, deactivate and reactivate a user.
Only site administrators (``User.is_admin``) reach these pages (403 otherwise). A new or reset password is
shown once, in the answer to the form that made it, and never stored in plain text."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from casecoder.analysis.people import users as user_rows
from casecoder.coding import accounts
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import User
from casecoder.web.forms.admin import ActiveForm, NewUserForm, ResetPasswordForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

FIELDS = {"username", "password", "display_name", "language"}


@bp.before_request
def require_admin():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated or not current_user.is_admin:
        abort(403)


def _page(form: NewUserForm, status: int = 200, shown: tuple[User, str] | None = None):  # type: ignore[no-untyped-def]
    """The users page; ``shown`` is a user whose new password is shown this once."""
    response = render_template("admin/users.html", form=form, rows=user_rows(get_session()), shown=shown,
                               active_form=ActiveForm())
    return _no_store(response, status)


def _no_store(body: str, status: int):  # type: ignore[no-untyped-def]
    """A page with a password on it is kept in no cache."""
    return body, status, {"Cache-Control": "no-store"}


def _user(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users", methods=["GET", "POST"])
def users():  # type: ignore[no-untyped-def]
    form = NewUserForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user, password = accounts.add_user(session, current_user, form.username.data, form.password.data or "",
                                               display_name=form.display_name.data or "",
                                               is_admin=form.is_admin.data, language=form.language.data)
        except InvalidInput as exc:
            session.rollback()
            getattr(form, exc.field if exc.field in FIELDS else "username").errors.append(exc.render(_))
            return _page(form, 400)
        return _page(NewUserForm(formdata=None), shown=(user, password))
    return _page(form, 400 if form.errors else 200)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def password(user_id: int):  # type: ignore[no-untyped-def]
    user = _user(user_id)
    form = ResetPasswordForm()
    shown = None
    status = 200
    if form.validate_on_submit():
        session = get_session()
        try:
            shown = accounts.reset_password(session, current_user, user, form.password.data or "")
            if user.id == current_user.id:
                login_user(user)  # the new password ended the user's sessions; this one goes on
        except InvalidInput as exc:
            session.rollback()
            form.password.errors.append(exc.render(_))
            status = 400
    elif form.errors:
        status = 400
    return _no_store(render_template("admin/password.html", user=user, form=form, shown=shown), status)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def active(user_id: int):  # type: ignore[no-untyped-def]
    user = _user(user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        wanted = form.active.data == "1"
        try:
            accounts.set_active(get_session(), current_user, user, wanted)
        except InvalidInput as exc:
            get_session().rollback()
            flash(exc.render(_), "error")
            return redirect(url_for("admin.users"))
        flash(_("%(user)s can log in again.", user=user.username) if wanted
              else _("%(user)s is deactivated and can no longer log in; their codings stay.", user=user.username),
              "info")
    return redirect(url_for("admin.users"))
