"""Every request's text checked in one place, before any view reads it (issue #22 item 11).

JSON bodies are parsed by ``CheckedJSON`` (the app's JSON provider, so ``request.get_json`` everywhere uses
it): nesting deeper than ``MAX_DEPTH`` levels, or a string or key holding NUL or a lone surrogate (``\\ud800``),
is refused with a 400 naming the field. Query parameters, form fields and the path are refused when they
hold NUL (the URL decoder already turns invalid UTF-8 into U+FFFD, so they hold no surrogates). The path's
values and the query parameters are then read in NFC, as keys are stored (``validate.key``): ``?code=H1.gå``
typed on a Mac (``a`` + combining ring) finds the same code as ``å``. A refusal is
``JSONRefused`` - deliberately not a ``ValueError``, which ``get_json(silent=True)`` would swallow - whose
``InvalidInput`` the app's usual handler answers.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from flask import Flask, request
from werkzeug.datastructures import ImmutableMultiDict

from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.web.json_provider import FastJSONProvider

MAX_DEPTH = 32  # levels of nested arrays/objects in a JSON body (the page scripts send 3)

NOT_TEXT = N_("'{name}' holds the character U+{code}, which is not text")


class JSONRefused(Exception):
    """A request whose text is refused; ``error`` says why."""

    def __init__(self, error: InvalidInput):
        super().__init__(error.message)
        self.error = error


def check_json(value: Any) -> None:
    """Walk ``value`` (parsed JSON) without recursion: at most ``MAX_DEPTH`` levels, only plain text."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise JSONRefused(InvalidInput("The JSON body is nested more than {limit} levels deep", "json",
                                               limit=MAX_DEPTH))
            pairs = item.items() if isinstance(item, dict) else ((str(i), v) for i, v in enumerate(item))
            for key, child in pairs:
                _check_text(key, where or "JSON")
                stack.append((child, depth + 1, key if isinstance(item, dict) else where))
        elif isinstance(item, str):
            _check_text(item, where or "JSON")


def _check_text(text: str, name: str) -> None:
    bad = validate.NOT_TEXT_RE.search(text)
    if bad:
        raise JSONRefused(InvalidInput(NOT_TEXT, "text", name=name[:60], code=f"{ord(bad.group()):04X}"))


class CheckedJSON(FastJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:  # nested deeper than the parser goes
            raise JSONRefused(InvalidInput("The JSON body is nested more than {limit} levels deep", "json",
                                           limit=MAX_DEPTH)) from None
        check_json(value)
        return value


def check_request_text() -> None:
    """Before each request: no NUL in the path, the query parameters or the form fields."""
    if "\x00" in request.path:
        raise JSONRefused(InvalidInput(NOT_TEXT, "text", name=N_("The address"), code="0000"))
    sources = [request.args] + ([request.form] if request.method in ("POST", "PUT", "PATCH") else [])
    for source in sources:
        for key, values in source.lists():
            for text in (key, *values):
                if "\x00" in text:
                    raise JSONRefused(InvalidInput(NOT_TEXT, "text", name=key.replace("\x00", "")[:60],
                                                   code="0000"))
    args = request.args
    if not all(_is_nfc(k) and all(map(_is_nfc, vs)) for k, vs in args.lists()):
        request.args = ImmutableMultiDict([(_nfc(k), _nfc(v)) for k, v in args.items(multi=True)])


def _is_nfc(text: str) -> bool:
    return text.isascii() or unicodedata.is_normalized("NFC", text)


def _nfc(text: str) -> str:
    return text if _is_nfc(text) else unicodedata.normalize("NFC", text)


def nfc_view_args(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The path's text values (a code's key in ``/matrix/<key>``) in NFC, before the view gets them."""
    for name, value in (values or {}).items():
        if isinstance(value, str):
            values[name] = _nfc(value)  # type: ignore[index]


def install(app: Flask) -> None:
    """Use ``CheckedJSON`` for request bodies and answers (written by orjson: web/json_provider.py), check every request's text, answer refusals as InvalidInput."""
    app.json = CheckedJSON(app)
    app.jinja_env.policies["json.dumps_function"] = app.json.dumps  # tojson too (Jinja was set up before)
    app.before_request(check_request_text)
    app.url_value_preprocessor(nfc_view_args)

    @app.errorhandler(JSONRefused)
    def refused(exc: JSONRefused):  # type: ignore[no-untyped-def]
        return app.handle_user_exception(exc.error)
