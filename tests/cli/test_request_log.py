"""``casecoder serve``'s request lines (cli/request_log.py): one short line per request, from gunicorn and from
the development server, control characters escaped; an access log file keeps gunicorn's own format."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from casecoder.cli import serve
from casecoder.cli.request_log import AccessLogger, RequestHandler


def test_gunicorn_writes_one_short_access_line_per_request(capsys):  # type: ignore[no-untyped-def]
    options = serve.gunicorn_options("127.0.0.1", 8000, 3, 120, None)
    config = Config()
    for key in ("accesslog", "errorlog", "logger_class"):
        config.set(key, options[key])
    assert config.logger_class is AccessLogger
    logger = AccessLogger(config)
    request = SimpleNamespace(method="POST", path="/api/p/demo/excerpts", query="a=1\x1b[31m", version=(1, 1))
    logger.access(SimpleNamespace(status_code=201, sent=412), request, {"REMOTE_ADDR": "10.0.0.7"},
                  timedelta(milliseconds=2.14))
    line = capsys.readouterr().out
    assert line.startswith("10.0.0.7 [") and line.endswith(
        '] "POST /api/p/demo/excerpts?a=1\\x1b[31m HTTP/1.1" 201 412 2.1ms\n'), line


def test_the_development_server_writes_one_short_line_per_request(capsys):  # type: ignore[no-untyped-def]
    handler = RequestHandler.__new__(RequestHandler)
    handler.client_address, handler.requestline = ("127.0.0.1", 5000), "GET /healthz\x07 HTTP/1.1"
    handler.log_request(200, 2)
    line = capsys.readouterr().err
    assert line.startswith("127.0.0.1 [") and line.endswith('] "GET /healthz\\x07 HTTP/1.1" 200 2\n'), line
