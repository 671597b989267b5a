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
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":  # pages, JSON, downloads (send_file's own no-cache replaced)
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response

    register_compression(app)   # registered after: Flask runs after_request handlers last-registered first
