"""gzip for text answers (issue #25): pages, JSON, CSS and scripts over 1 KB go out compressed when
the client accepts gzip (over 64 KB at a faster, lighter level); ``Vary: Accept-Encoding`` tells caches the answer depends on it. Streamed
answers and files (``send_file``: exports, downloads, the static files) and anything already
encoded pass through untouched.

BREACH: a compressed page that holds the CSRF token next to text an attacker put in the request can
leak the token through its compressed size. So an HTML page is compressed only for a GET without a
query string (nothing of the request is echoed: the workbench, a transcript, the codebook); pages with
filters or a search, and answers to form posts, go out uncompressed. JSON carries no token."""
from __future__ import annotations

import gzip

from flask import Flask, Response, request

TYPES = frozenset({"text/html", "application/json", "text/css", "application/javascript", "text/javascript"})
MIN_SIZE = 1024
LEVEL = 5   # most of level 9's saving on these pages at a fraction of its time
LARGE = 64 * 1024  # an answer over this size is compressed at LARGE_LEVEL
LARGE_LEVEL = 2  # zlib's fast strategy: the large project's tally JSON (1.4 MB) in 16 ms instead of 39 ms at
# level 5 for 207 KB instead of 141 KB, the workbench page of 1,000 excerpts (1.7 MB) in 10 ms instead of 21 ms
# for 218 KB instead of 174 KB (#25: server time; its transfer target, 400 KB, still holds)


def compressible(response: Response) -> bool:
    """A buffered text answer of a type above, not encoded yet."""
    return (response.mimetype in TYPES and not response.direct_passthrough and not response.is_streamed
            and "Content-Encoding" not in response.headers and 200 <= response.status_code < 300
            and response.status_code != 204)


def register_compression(app: Flask) -> None:
    @app.after_request
    def gzip_text(response: Response) -> Response:
        if not compressible(response):
            return response
        response.vary.add("Accept-Encoding")
        if request.accept_encodings["gzip"] <= 0 or request.method == "HEAD":
            return response
        if response.mimetype == "text/html" and (request.method != "GET" or request.query_string):
            return response  # BREACH: never compress a page that may echo the request beside the token
        data = response.get_data()
        if len(data) <= MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=LARGE_LEVEL if len(data) > LARGE else LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        return response
