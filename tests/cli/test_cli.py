"""The casecoder command: every command has --help, and each works against a real database."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from casecoder.cli import COMMANDS, main
from casecoder.kernel.paths import default_codebook_path
from casecoder.models import Code, Coding, Membership, Project, User
from tests.factories import PASSWORD


@pytest.fixture
def migrated(bare_app):
    """A CLI runner on a database that init-db has just created."""
    runner = bare_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    return runner


@pytest.fixture
def session(bare_app):
    from casecoder.db import new_session
    with new_session(bare_app) as s:
        yield s


def test_every_command_has_help():
    from click.testing import CliRunner
    names = {c.name for c in COMMANDS}
    assert {"init-db", "db", "create-user", "set-password", "create-project", "add-member", "load-demo",
            "serve"} <= names
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0
    for name in names:
        assert name in top.output
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, name
    for sub in ("upgrade", "current"):
        assert runner.invoke(main, ["db", sub, "--help"]).exit_code == 0


def test_init_db_then_db_current(migrated):
    result = migrated.invoke(args=["db", "current"])
    assert re.search(r"current: (\w+)\s+head: \1", result.output), result.output


def test_users_projects_and_members(migrated, session):
    assert migrated.invoke(args=["create-user", "eva", "--password", PASSWORD, "--admin"]).exit_code == 0
    assert migrated.invoke(args=["create-user", "finn", "--password", PASSWORD]).exit_code == 0
    dup = migrated.invoke(args=["create-user", "eva", "--password", PASSWORD])
    assert dup.exit_code != 0 and "already exists" in dup.output
    short = migrated.invoke(args=["create-user", "gry", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    created = migrated.invoke(args=["create-project", "Evaluering 2026", "--slug", "eval26", "--owner", "eva",
                                    "--codebook", str(default_codebook_path())])
    assert created.exit_code == 0, created.output
    assert "from helhedsindsats" in created.output
    assert migrated.invoke(args=["add-member", "eval26", "finn", "analyst"]).exit_code == 0
    missing = migrated.invoke(args=["add-member", "nope", "finn", "coder"])
    assert missing.exit_code != 0 and "no project with the slug 'nope'" in missing.output
    project = session.scalar(select(Project).where(Project.slug == "eval26"))
    roles = dict(session.execute(select(User.username, Membership.role).join(Membership)
                                 .where(Membership.project_id == project.id)).all())
    assert {k: v.value for k, v in roles.items()} == {"eva": "owner", "finn": "analyst"}
    assert session.scalar(select(func.count(Code.id)).where(Code.project_id == project.id)) >= 50
    assert project.codebook_name == "helhedsindsats"
    assert migrated.invoke(args=["set-password", "finn", "--password", "another long one"]).exit_code == 0


def test_create_project_with_a_broken_codebook_names_the_line(migrated, tmp_path, session):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: {da: a, en: b}\ncodes:\n  - key: A\n    kind: nonsense\n    label: {da: a, en: b}\n")
    result = migrated.invoke(args=["create-project", "X", "--slug", "xx", "--codebook", str(bad)])
    assert result.exit_code != 0
    assert "line 5: Kind 'nonsense' is not one of" in result.output
    assert session.scalar(select(func.count(Project.id))) == 0


def test_load_demo_is_idempotent_and_prints_passwords_once(migrated, session):
    first = migrated.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    assert len(re.findall(r"user (admin|anna|bo)\s+password \S+", first.output)) == 3
    codings = session.scalar(select(func.count(Coding.id)))
    second = migrated.invoke(args=["load-demo"])
    assert second.exit_code == 0 and "already loaded" in second.output and "shown only now" not in second.output
    session.expire_all()
    assert session.scalar(select(func.count(Coding.id))) == codings
