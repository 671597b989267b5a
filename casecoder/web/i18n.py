"""The language switch in the header: stored on the user, or in the session before login."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, session
from flask_login import current_user

from casecoder.coding import accounts
from casecoder.config import LANGUAGES
from casecoder.web.auth import _safe_next
from casecoder.web.forms.i18n import LanguageForm

bp = Blueprint("i18n", __name__)


@bp.route("/language", methods=["POST"])
def set_language():  # type: ignore[no-untyped-def]
    form = LanguageForm()
    if not form.validate_on_submit() or form.language.data not in LANGUAGES:
        abort(400)
    session["lang"] = form.language.data
    if current_user.is_authenticated:
        accounts.set_language(current_user, form.language.data)
    return redirect(_safe_next(form.next.data))
