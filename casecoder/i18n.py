"""Flask-Babel wiring: Danish by default, English on request; the user's choice is stored on the user."""
from __future__ import annotations

from flask import Flask, current_app, session
from flask_babel import Babel
from flask_login import current_user

from casecoder.config import LANGUAGES
from casecoder.kernel.paths import PACKAGE_DIR

babel = Babel()


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return current_app.config["LANGUAGE"]


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    babel.init_app(app, locale_selector=select_locale)
