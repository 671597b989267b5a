"""Log in, log out, change password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..coding import accounts
from ..coding.validate import InvalidInput
from ..db import get_session
from .forms import LoginForm, PasswordForm

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
        user = accounts.authenticate(get_session(), form.username.data, form.password.data)
        if user is not None:
            login_user(user)
            return redirect(_safe_next(form.next.data))
        flash(_("Wrong user name or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    if form.validate_on_submit():
        if not accounts.check_password(current_user, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
            return render_template("auth/password.html", form=form), 400
        try:
            accounts.set_password(current_user, form.new.data)
        except InvalidInput as exc:
            form.new.errors.append(exc.render(_))
            return render_template("auth/password.html", form=form), 400
        flash(_("Your password is changed."), "info")
        return redirect(url_for("projects.index"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200
