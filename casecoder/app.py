"""The application factory, ``create_app(test_config)``: configuration, database, i18n, blueprints, CLI."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Mapping

from flask import Flask

from casecoder.kernel.paths import resource_dir

SYNC_ANSWERS_LIMIT = 4096  # functions whose ``ensure_sync`` answer is kept (emptied when full)


class CasecoderFlask(Flask):
    """Flask with ``ensure_sync``'s answer kept per function: Flask asks it of every hook and view on every
    request (eleven times for a JSON call, each an ``inspect.iscoroutinefunction``: ~15 us, #25), and the
    answer for a function never changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_answers: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        answer = self._sync_answers.get(func)
        if answer is None:
            answer = super().ensure_sync(func)
            if len(self._sync_answers) >= SYNC_ANSWERS_LIMIT:
                self._sync_answers.clear()
            self._sync_answers[func] = answer
        return answer


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, i18n, login, blueprints, CLI — nothing else."""
    from casecoder import config, db, i18n
    from casecoder.web import register_web

    instance_path = os.environ.get("CASECODER_INSTANCE_PATH")
    app = CasecoderFlask(
        "casecoder",
        template_folder=str(resource_dir("templates")),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_mapping(config.DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config.env_overrides(os.environ))
    else:
        app.config.update(test_config)
    config.finish(app.config, Path(app.instance_path))

    db.init_app(app)
    i18n.init_app(app)
    register_web(app)
    from casecoder.cli import register_cli
    register_cli(app)
    if app.config.get("PROXY_FIX"):  # CASECODER_PROXY_FIX=1: trust one proxy's X-Forwarded-* (docs/deploy.md)
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
