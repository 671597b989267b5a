"""The ``casecoder`` command (also ``flask --app casecoder``). Projects are addressed by slug.

Every command that changes data commits once at the end, or not at all on an error.
"""
from __future__ import annotations

import getpass
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy.orm import Session

from . import migrate
from .coding import accounts, projects
from .coding.codebook_file import load_codebook_file
from .coding.demo import load_demo
from .coding.validate import InvalidInput
from .db import engine_of, new_session
from .paths import default_codebook_path


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on any error."""
    session = new_session(current_app)
    try:
        yield session
        session.commit()
    except InvalidInput as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the newest migration (Alembic)."""
    migrate.upgrade(engine_of(current_app))
    click.echo(f"Database at revision {migrate.current_revision(engine_of(current_app))}.")


@click.group("db")
def db_group() -> None:
    """Database migrations (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrate.upgrade(engine_of(current_app), revision)
    click.echo(f"Database at revision {migrate.current_revision(engine_of(current_app))}.")


@db_group.command("current")
@with_appcontext
def db_current() -> None:
    """Print the database's revision and the newest one."""
    engine = engine_of(current_app)
    click.echo(f"current: {migrate.current_revision(engine)}  head: {migrate.head_revision(engine)}")


@db_group.command("rebuild-summary")
@with_appcontext
def db_rebuild_summary() -> None:
    """Recompute evidence_summary from the codings, then tally_cells from it, and case_sources (only
    needed after writing with triggers off)."""
    from .models.summary import rebuild_summary
    from .models.case_sources import rebuild_case_sources
    from .models.tally_cells import rebuild_tally_cells
    with unit_of_work() as session:
        rows = rebuild_summary(session)
        cells = rebuild_tally_cells(session)
        rebuild_case_sources(session)
    click.echo(f"evidence_summary rebuilt: {rows} rows; tally_cells rebuilt: {cells} cells.")


def _password_option(password: str | None) -> str:
    if password is not None:
        return password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise click.ClickException("The passwords differ")
    return first


@click.command("create-user")
@click.argument("username")
@click.option("--password", help="Password (else asked, or read from standard input).")
@click.option("--admin", is_flag=True, help="May create projects.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--language", type=click.Choice(["da", "en"]), default="da", show_default=True)
@with_appcontext
def create_user_command(username: str, password: str | None, admin: bool, display_name: str, language: str) -> None:
    """Create a user who can log in."""
    with unit_of_work() as session:
        user = accounts.create_user(session, username, _password_option(password), display_name=display_name,
                                    is_admin=admin, language=language)
        click.echo(f"Created user {user.username}{' (admin)' if admin else ''}.")


@click.command("set-password")
@click.argument("username")
@click.option("--password", help="New password (else asked, or read from standard input).")
@with_appcontext
def set_password_command(username: str, password: str | None) -> None:
    """Set a user's password."""
    with unit_of_work() as session:
        accounts.set_password(accounts.get_user(session, username), _password_option(password))
        click.echo(f"Password of {username} changed.")


@click.command("create-project")
@click.argument("title")
@click.option("--slug", required=True, help="Short name used in URLs and by the CLI.")
@click.option("--codebook", type=click.Path(dir_okay=False, path_type=Path),
              help="Codebook YAML file [default: the shipped helhedsindsats.yaml].")
@click.option("--empty", is_flag=True, help="Start with an empty codebook.")
@click.option("--owner", help="User name of the project's first owner.")
@with_appcontext
def create_project_command(title: str, slug: str, codebook: Path | None, empty: bool, owner: str | None) -> None:
    """Create a project from a codebook."""
    if empty and codebook:
        raise click.UsageError("--empty and --codebook exclude each other")
    try:
        spec = None if empty else load_codebook_file(codebook or default_codebook_path())
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    with unit_of_work() as session:
        user = accounts.get_user(session, owner) if owner else None
        project = projects.create_project(session, title, slug, spec, user)
        codes = len(spec.codes) if spec else 0
        click.echo(f"Created project {project.slug} with {codes} codes"
                   + (f" from {spec.name} (sha256 {spec.sha256[:12]})." if spec else "."))


@click.command("add-member")
@click.argument("project")
@click.argument("user")
@click.argument("role", type=click.Choice(["owner", "coder", "analyst", "reader"]))
@with_appcontext
def add_member_command(project: str, user: str, role: str) -> None:
    """Give USER a ROLE in PROJECT (by slug)."""
    with unit_of_work() as session:
        accounts.add_member(session, projects.get_project(session, project), accounts.get_user(session, user), role)
        click.echo(f"{user} is {role} of {project}.")


@click.command("load-demo")
@with_appcontext
def load_demo_command() -> None:
    """Create the schema if needed and load the fictional demo project (once)."""
    migrate.upgrade(engine_of(current_app))
    with unit_of_work() as session:
        result = load_demo(session)
        if not result.created:
            click.echo(f"The demo project '{result.project.slug}' is already loaded; nothing changed. "
                       "(Forgot the password? casecoder set-password admin)")
            return
        click.echo(f"Loaded the demo project '{result.project.slug}' with {result.excerpts} coded excerpts.")
        for username, password in result.passwords.items():
            click.echo(f"  user {username:6} password {password}   (shown only now)")


@click.group("chains")
def chains_group() -> None:
    """Statement chains as YAML files, for version control and re-making figures."""


@chains_group.command("load")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def chains_load_command(project: str, file: Path) -> None:
    """Create or replace (by title) the chains in FILE; nothing is stored if any chain is wrong."""
    from .coding.chains import load_chains
    with unit_of_work() as session:
        loaded = load_chains(session, projects.get_project(session, project), None, file.read_text(encoding="utf-8"))
        click.echo(f"Loaded {len(loaded)} chain(s) into {project}.")


@chains_group.command("dump")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def chains_dump_command(project: str, file: Path) -> None:
    """Write PROJECT's chains to FILE."""
    from .coding.chains import dump_chains
    with unit_of_work() as session:
        file.write_text(dump_chains(session, projects.get_project(session, project)), encoding="utf-8")
        click.echo(f"Wrote {file}.")


def _commands() -> list[click.Command]:
    """Every command; the import/export ones live in cli_export, cli_bundle, cli_refi and cli_registrations."""
    from .cli_backup import backup_command, restore_command
    from .cli_bundle import export_bundle_command, import_bundle_command
    from .cli_export import export_group
    from .cli_refi import REFI_COMMANDS
    from .cli_pseudonyms import pseudonyms_group
    from .cli_registrations import import_registrations_command
    from .cli_serve import serve_command
    return [init_db_command, db_group, create_user_command, set_password_command, create_project_command,
            add_member_command, load_demo_command, serve_command, export_group, chains_group, import_bundle_command,
            export_bundle_command, *REFI_COMMANDS, import_registrations_command, pseudonyms_group, backup_command, restore_command]


COMMANDS = _commands()


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from . import create_app
    return create_app()


@click.group()
@click.version_option(package_name="casecoder")
@click.pass_context
def main(ctx: click.Context) -> None:
    """casecoder: qualitative case analysis.

    Configuration comes from CASECODER_* environment variables (DATABASE_URL, SECRET_KEY,
    MAX_UPLOAD_MB, LANGUAGE, DEMO, INSTANCE_PATH). Projects are addressed by slug.
    """
    ctx.obj = ScriptInfo(create_app=_create_app, set_debug_flag=False)


for _command in COMMANDS:
    main.add_command(_command)
