"""``/healthz``: the app runs and its database answers. No login needed; reveals nothing."""
from __future__ import annotations

from flask import Blueprint, jsonify

from casecoder.analysis.lookups import ping
from casecoder.db import get_session

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        ping(get_session())
    except Exception:
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok")
