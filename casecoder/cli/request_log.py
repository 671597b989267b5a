"""``casecoder serve``'s request log, one short line per request, written without the logging machinery (#25).

Both servers log every request to their console, as before: gunicorn's access log (``accesslog: "-"``) and
the development server's request lines. Their own way costs each request more than a tenth of a millisecond
(gunicorn builds some twenty "atoms" and formats its access line through ``logging``; Werkzeug colours its
line and goes through ``logging`` too), which the workbench's create (about 2 ms) felt. Here each line is
formatted once and written straight to the stream:

    127.0.0.1 [04/Dec/2026:15:30:00 +0000] "POST /api/p/demo/excerpts HTTP/1.1" 201 412 2.1ms

(client, time, request line, status, body bytes and, from gunicorn, the time the request took). Errors and
everything else gunicorn and Werkzeug log go their usual way. An access log written to a file
(``--access-logfile``-style settings) keeps gunicorn's own format.
"""
from __future__ import annotations

import sys
import time
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler

CONTROL = {c: rf"\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {ord("\\"): r"\\"}  # as Werkzeug


def _now() -> str:
    return time.strftime("[%d/%b/%Y:%H:%M:%S %z]")


class AccessLogger(Logger):
    """Gunicorn's logger (``logger_class``) with a short access line written straight to stdout."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if self.cfg.accesslog != "-":
            super().access(resp, req, environ, request_time)
            return
        query = f"?{req.query}" if req.query else ""
        line = f"{req.method} {req.path}{query} HTTP/{req.version[0]}.{req.version[1]}"
        try:
            sys.stdout.write(f'{environ.get("REMOTE_ADDR", "-")} {_now()} "{line.translate(CONTROL)}" '
                             f"{resp.status_code} {getattr(resp, 'sent', '-')} "
                             f"{request_time.total_seconds() * 1000:.1f}ms\n")
            sys.stdout.flush()
        except (OSError, ValueError):  # a closed console must not fail the request
            pass


class RequestHandler(WSGIRequestHandler):
    """The development server's handler with a short request line written straight to stderr."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        try:
            line = self.requestline.translate(CONTROL)
            sys.stderr.write(f'{self.address_string()} {_now()} "{line}" {code} {size}\n')
        except (OSError, ValueError):
            pass
