"""The built wheel carries templates, codebook, migrations, translations and demo data, and works installed.

Builds the sdist and then the wheel from the sdist (``python -m build``), installs the wheel
without dependencies into a folder, and runs the app from an unrelated working directory.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from casecoder.kernel.paths import resource_dir

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]  # one worker builds the wheel once


def test_resource_dirs_exist_in_the_checkout():
    assert (resource_dir("templates") / "base.html").is_file()
    assert (resource_dir("codebook") / "helhedsindsats.yaml").is_file()


@pytest.fixture(scope="session")  # not "module": xdist runs other modules in between, and it would be built again
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheels = list(out.glob("casecoder-*.whl"))
    assert len(wheels) == 1 and list(out.glob("casecoder-*.tar.gz"))
    return wheels[0]


def test_wheel_contains_the_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("casecoder/templates/base.html", "casecoder/templates/auth/login.html",
                     "casecoder/codebook/helhedsindsats.yaml", "casecoder/codebook/README.md",
                     "casecoder/migrations/env.py", "casecoder/migrations/versions/0001_initial_schema.py",
                     "casecoder/translations/da/LC_MESSAGES/messages.mo",
                     "casecoder/translations/en/LC_MESSAGES/messages.mo",
                     "casecoder/demo/project.yaml", "casecoder/static/casecoder.css"):
        assert required in names, required
    assert not any(n.startswith("tests/") or "__pycache__" in n for n in names)
    transcripts = [n for n in names if n.startswith("casecoder/demo/transcripts/")]
    assert len(transcripts) >= 8


def test_installed_wheel_runs_from_anywhere(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True, text=True)
    script = textwrap.dedent(f"""
        import casecoder
        from casecoder.app import create_app
        from casecoder.models import migrate
        from casecoder.db import engine_of, new_session
        from casecoder.coding.demo import load_demo
        assert casecoder.__file__.startswith({str(site)!r}), casecoder.__file__
        app = create_app({{"TESTING": True, "DATABASE_URL": "sqlite:///{tmp_path / 'w.sqlite'}"}})
        assert app.template_folder.startswith({str(site)!r}), app.template_folder
        migrate.upgrade(engine_of(app))
        with new_session(app) as s:
            result = load_demo(s)
            s.commit()
        assert result.excerpts > 30
        page = app.test_client().get("/auth/login")
        assert page.status_code == 200 and "Log ind" in page.get_data(as_text=True)
        print("ok", app.template_folder)
    """)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", script], cwd=workdir, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok ")
