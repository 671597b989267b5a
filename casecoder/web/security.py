"""Security headers on every response: a Content-Security-Policy without inline script, framing
refused, no MIME sniffing, and a same-origin referrer. Page scripts live in ``static/``; data for
them travels in ``<script type="application/json">`` blocks, which are never executed. Every answer but
the static files is ``Cache-Control: no-store``: transcripts, JSON and exports stay out of caches (#22)."""
from __future__ import annotations

from flask import Flask, Response, request

from casecoder.web.compress import register_compression

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",   # style attributes (code colours, indentation); never script
    "img-src 'self' data: blob:",          # the chain editor previews its figure from a blob
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def register_security(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        # the names present read once: Werkzeug's setdefault and pop of a missing header raise and catch an
        # exception each (~20 us of every request for these five, #25)
        present = {name.lower() for name, _value in response.headers.items()}
        response.headers.extend([(name, value) for name, value in HEADERS.items() if name.lower() not in present])
        if request.endpoint != "static":  # pages, JSON, downloads (send_file's own no-cache replaced)
            response.headers["Cache-Control"] = "no-store"
            if "expires" in present:
                del response.headers["Expires"]
        return response

    register_compression(app)   # registered after: Flask runs after_request handlers last-registered first
