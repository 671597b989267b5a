"""Configuration: defaults, then ``instance/config.py``, then ``CASECODER_*`` environment variables.

Load order follows Flask's docs: nothing is read at import time, the factory decides.
A missing secret key is an error at start, except in testing and in demo mode,
where a random key is generated once and kept in the instance folder.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

LANGUAGES = ("da", "en")

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # default: sqlite file in the instance folder
    "SECRET_KEY": None,
    "MAX_UPLOAD_MB": 20,
    "LANGUAGE": "da",
    "DEMO": False,
    "TESTING": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # true behind HTTPS (docs/deploy.md); `serve --production` defaults it on
    "SESSION_HOURS": 8,  # a login ends after this many hours without a request
    "BABEL_DEFAULT_LOCALE": "da",
}

# Environment variables read, without their CASECODER_ prefix, with a parser each.
ENV_KEYS: dict[str, Any] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "MAX_UPLOAD_MB": int,
    "LANGUAGE": str,
    "DEMO": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),
    "PROXY_FIX": lambda v: v.strip().lower() in ("1", "true", "yes", "on"),  # behind one reverse proxy
    "SESSION_COOKIE_SECURE": lambda v: _flag(v, "SESSION_COOKIE_SECURE"),
    "SESSION_HOURS": float,
}


def _flag(value: str, name: str) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off; anything else is an error naming the variable."""
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"use 1/true/yes/on or 0/false/no/off for {name}")


class ConfigError(RuntimeError):
    """The configuration cannot start an app; the message says which setting is wrong."""


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, parse in ENV_KEYS.items():
        raw = environ.get("CASECODER_" + key)
        if raw is None or raw == "":
            continue
        try:
            out[key] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"CASECODER_{key}={raw!r} is not valid: {exc}") from exc
    return out


def finish(config: dict[str, Any], instance_path: Path) -> None:
    """Check and complete a loaded configuration in place."""
    if config.get("LANGUAGE") not in LANGUAGES:
        raise ConfigError(f"CASECODER_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {config.get('LANGUAGE')!r}")
    config["BABEL_DEFAULT_LOCALE"] = config["LANGUAGE"]
    if not isinstance(config.get("MAX_UPLOAD_MB"), int) or config["MAX_UPLOAD_MB"] <= 0:
        raise ConfigError("CASECODER_MAX_UPLOAD_MB must be a positive whole number of megabytes")
    # one file per request from the upload page; 1 MB of room for the form around it
    config["MAX_CONTENT_LENGTH"] = (config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    hours = config.get("SESSION_HOURS")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 24 * 31:
        raise ConfigError("CASECODER_SESSION_HOURS must be a number of hours above 0 and at most 744 (31 days)")
    # Flask checks the signed cookie's age against this on every request; each request renews it (idle expiry)
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=hours)
    config["REMEMBER_COOKIE_SECURE"] = config.get("SESSION_COOKIE_SECURE", False)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'casecoder.sqlite'}"
    if not config.get("SECRET_KEY"):
        if config.get("TESTING"):
            config["SECRET_KEY"] = secrets.token_hex(32)
        elif config.get("DEMO"):
            config["SECRET_KEY"] = _instance_secret(instance_path)
        else:
            raise ConfigError(
                "CASECODER_SECRET_KEY is not set. Set it to a long random string "
                "(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
                "or run the demo with CASECODER_DEMO=1."
            )


def _instance_secret(instance_path: Path) -> str:
    """A random key generated once per instance folder (demo only)."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
