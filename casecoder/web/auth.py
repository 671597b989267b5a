"""Log in, log out, change password. Logging out and a new password end the user's sessions (the
session generation, coding/accounts.py); failed logins and wrong current passwords are rate limited."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from casecoder.coding import accounts, login_limit
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.web.forms.auth import LoginForm, PasswordForm

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if not target or urlsplit(target).netloc or urlsplit(target).scheme or not target.startswith("/") \
            or target.startswith("//"):
        return url_for("projects.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db, address = get_session(), request.remote_addr or ""
        name = accounts.login_name(form.username.data)  # once, for the limit and the login alike
        try:
            login_limit.check(db, name, address)
        except login_limit.TooManyLogins as exc:
            flash(exc.render(_), "error")
            return render_template("auth/login.html", form=form), exc.status
        user = accounts.authenticate(db, name, form.password.data)
        if user is not None:
            login_limit.clear(db, name)
            cookie_session.permanent = True  # expires after SESSION_HOURS without a request (config.py)
            login_user(user)
            return redirect(_safe_next(form.next.data))
        login_limit.record_failure(db, name, address)
        db.commit()  # kept although the answer is an error (a 401 otherwise rolls back)
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", form=form), 401
    if request.args.get("expired"):
        flash(_("Your session expired. Log in again; what you were coding is kept in this browser tab."), "info")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        accounts.end_sessions(current_user)  # this cookie, replayed, logs nobody in (nor the user's others)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    if form.validate_on_submit():
        db, user = get_session(), current_user._get_current_object()
        try:  # wrong current passwords count as failed logins of this user (guessing through either door)
            login_limit.check(db, user.username, request.remote_addr or "")
        except login_limit.TooManyLogins as exc:
            form.current.errors.append(exc.render(_))
            return render_template("auth/password.html", form=form), exc.status
        if not accounts.check_password(user, form.current.data):
            login_limit.record_failure(db, user.username, request.remote_addr or "")
            db.commit()  # kept although the answer is an error
            form.current.errors.append(_("The current password is wrong."))
            return render_template("auth/password.html", form=form), 400
        try:
            accounts.set_password(user, form.new.data)  # ends every session of the user …
        except InvalidInput as exc:
            form.new.errors.append(exc.render(_))
            return render_template("auth/password.html", form=form), 400
        login_limit.clear(db, user.username)
        login_user(user)  # … and this one goes on with the new generation
        flash(_("Your password is changed."), "info")
        return redirect(url_for("projects.index"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
