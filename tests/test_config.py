"""Configuration: CASECODER_* variables, and a missing secret key is an error at start."""
from __future__ import annotations

import pytest

from casecoder.app import create_app
from casecoder.config import ConfigError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in ("DATABASE_URL", "SECRET_KEY", "MAX_UPLOAD_MB", "LANGUAGE", "DEMO", "SESSION_COOKIE_SECURE",
                "SESSION_HOURS", "PROXY_FIX"):
        monkeypatch.delenv("CASECODER_" + key, raising=False)
    monkeypatch.setenv("CASECODER_INSTANCE_PATH", str(tmp_path / "inst"))
    return monkeypatch


def test_missing_secret_key_is_an_error(clean_env):
    with pytest.raises(ConfigError, match="CASECODER_SECRET_KEY is not set"):
        create_app()


def test_environment_configures_the_app(clean_env, tmp_path):
    clean_env.setenv("CASECODER_SECRET_KEY", "s" * 40)
    clean_env.setenv("CASECODER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    clean_env.setenv("CASECODER_MAX_UPLOAD_MB", "5")
    clean_env.setenv("CASECODER_LANGUAGE", "en")
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 6 * 1024 * 1024
    assert app.config["BABEL_DEFAULT_LOCALE"] == "en"
    assert app.config["DATABASE_URL"].endswith("x.sqlite")


@pytest.mark.parametrize("key,value,message", [
    ("LANGUAGE", "de", "CASECODER_LANGUAGE must be one of da, en"),
    ("MAX_UPLOAD_MB", "lots", "CASECODER_MAX_UPLOAD_MB='lots' is not valid"),
    ("MAX_UPLOAD_MB", "0", "must be a positive whole number"),
    ("SESSION_COOKIE_SECURE", "maybe", "CASECODER_SESSION_COOKIE_SECURE='maybe' is not valid: use 1/true"),
    ("SESSION_HOURS", "0", "CASECODER_SESSION_HOURS must be a number of hours above 0"),
    ("SESSION_HOURS", "ever", "CASECODER_SESSION_HOURS='ever' is not valid"),
])
def test_bad_settings_are_named(clean_env, key, value, message):
    clean_env.setenv("CASECODER_SECRET_KEY", "s" * 40)
    clean_env.setenv("CASECODER_" + key, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_demo_mode_keeps_one_generated_secret_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("CASECODER_DEMO", "1")
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0
    assert (tmp_path / "inst").is_dir()
