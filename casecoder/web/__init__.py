"""HTTP only: parse, call coding/analysis, render. Registers blueprints, the login guard and error pages."""
from __future__ import annotations

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DataError
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from casecoder.analysis.lookups import user_with_membership
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import User
from casecoder.web.access import PROVISIONAL, ProvisionalLogin

csrf = CSRFProtect()
login_manager = LoginManager()

# Endpoints reachable without logging in. Everything else needs a user.
PUBLIC_ENDPOINTS = {"auth.login", "health.healthz", "i18n.set_language", "static"}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def session_expired():  # type: ignore[no-untyped-def]
    """401 for a page script whose login has ended; ``login`` is where to log in again (workbench.js)."""
    from flask_babel import gettext as _
    return jsonify(error=_("Your session expired. Log in again; what you were coding is kept in this browser tab."),
                   login=url_for("auth.login", expired=1)), 401


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs. An id above 2**31 - 1 (ids are INTEGER columns: PostgreSQL's limit, kept on SQLite
    too) is "not found" (404) rather than a database error. NotFound, not ValidationError: that would make
    the matcher answer 405 where other rules share the path with other methods."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()
        return number


def register_web(app: Flask) -> None:
    from casecoder.web import (
        admin,
        agreement,
        analysis,
        api,
        api_codes,
        auth,
        bundles,
        cases,
        chains,
        chapter,
        codebook,
        coded_export,
        coding,
        excerpts,
        exports,
        health,
        i18n,
        jobs,
        projects,
        pseudonyms,
        refi,
        request_checks,
        search,
        selection,
        session_cookie,
        static_files,
        transcripts,
    )
    static_files.install(app)  # scripts and style sheet at versioned addresses, kept by the browser (#25)
    session_cookie.install(app)  # an unchanged session cookie is re-signed once a minute, not on every answer
    csrf.init_app(app)
    request_checks.install(app)  # JSON bodies, query and form text checked before any view (#22)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(login_id: str) -> User | ProvisionalLogin | None:
        """The user of a session's login id ("12:3", User.get_id): none once the user is deactivated or
        the session generation moved on (logout, a new password: web/auth.py, coding/accounts.py)."""
        user_id, _, generation = login_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit() and generation.isascii() and generation.isdigit()):
            return None
        if int(user_id) > 2**31 - 1:
            return None
        if request.endpoint in PROVISIONAL and g.get("csrf_valid") and not g.get("confirm_login") \
                and int(generation) <= 2**31 - 1:  # the view's write checks the login (web/access.py)
            return ProvisionalLogin(int(user_id), int(generation))
        slug = (request.view_args or {}).get("slug")
        if isinstance(slug, str) and "\x00" not in slug:  # a project's address: its membership with the user
            # (web/access.py); a NUL, refused by request_checks, is no text for PostgreSQL
            found = user_with_membership(get_session(), int(user_id), slug)
            user = found[0] if found is not None else None
            if found is not None:
                g.membership = (slug, found[0].id, (found[1], found[2]) if found[2] is not None else None)
        else:
            user = get_session().get(User, int(user_id))
        if user is None or not user.active or str(user.session_generation) != generation:
            return None
        return user

    @app.before_request
    def require_login():  # type: ignore[no-untyped-def]
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if current_user.is_authenticated:
            return None
        if wants_json():
            return session_expired()
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.url_map.converters["int"] = IdConverter  # before the blueprints add their rules
    for module in (auth, health, i18n, projects, cases, codebook, coding, transcripts, excerpts, search, analysis, chains, exports,
                   bundles, refi, selection, agreement, pseudonyms, api, admin, api_codes, coded_export, chapter, jobs):
        app.register_blueprint(module.bp)
    _register_errors(app)
    from casecoder.web.security import register_security
    register_security(app)

    from casecoder.coding.permissions import can
    from casecoder.web.labels import label

    @app.context_processor
    def inject():  # type: ignore[no-untyped-def]
        from flask import g
        from flask_babel import get_locale
        return {"can": lambda action: can(getattr(g, "role", None), action), "lang": str(get_locale()),
                "label": label}


def _register_errors(app: Flask) -> None:
    from flask_babel import gettext as _

    def page(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
        get_session().rollback()
        if wants_json():
            return jsonify(error=message), status
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(InvalidInput)
    def invalid(exc: InvalidInput):  # type: ignore[no-untyped-def]
        get_session().rollback()  # first: translating reads the user's language through the session
        return page(exc.status, _("Not saved"), exc.render(_))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
        if wants_json() and not current_user.is_authenticated:  # the token went with the expired session
            return session_expired()
        return page(400, _("Form expired"), _("The form's security token was missing or expired. "
                                              "Reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(exc):  # type: ignore[no-untyped-def]
        return page(403, _("Not allowed"), _("Your role in this project does not allow this."))

    @app.errorhandler(404)
    def not_found(exc):  # type: ignore[no-untyped-def]
        return page(404, _("Not found"), _("There is nothing here, or you are not a member of its project."))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc):  # type: ignore[no-untyped-def]
        # A safety net: an id or number in a form or JSON body beyond what the database holds (SQLite's driver
        # raises OverflowError, PostgreSQL a DataError), or a text longer than its column on PostgreSQL.
        return page(400, _("Not saved"), _("A value in the request is out of range for the database "
                                           "(a number too large or a text too long). Nothing was saved."))

    @app.errorhandler(413)
    def too_large(exc):  # type: ignore[no-untyped-def]
        return page(413, _("Too large"), _("The upload is larger than the limit of %(mb)s MB.",
                                           mb=app.config["MAX_UPLOAD_MB"]))
