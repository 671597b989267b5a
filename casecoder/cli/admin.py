"""Database, users, projects, members and the demo: ``init-db``, ``db …``, ``create-user``,
``set-password``, ``deactivate-user``, ``reactivate-user``, ``create-project``, ``add-member``,
``remove-member``, ``load-demo``. Changes to users and members are audited as done by the command line;
a new password and a deactivation end the user's sessions."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from casecoder.cli.base import password_option, unit_of_work
from casecoder.coding import accounts, projects
from casecoder.coding.codebook_file import load_codebook_file
from casecoder.coding.demo import load_demo
from casecoder.db import engine_of
from casecoder.kernel import validate
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.paths import default_codebook_path
from casecoder.models import migrate


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
    from casecoder.models.derived.pause import rebuild_paused
    with unit_of_work() as session:
        rows = rebuild_paused(session)  # every derived table of the registry, in order, their triggers paused
    click.echo(f"evidence_summary rebuilt: {rows['evidence_summary']} rows; "
               f"tally_cells rebuilt: {rows['tally_cells']} cells.")


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
        user = accounts.create_user(session, username, password_option(password), display_name=display_name,
                                    is_admin=admin, language=language)
        click.echo(f"Created user {user.username}{' (admin)' if admin else ''}.")


@click.command("set-password")
@click.argument("username")
@click.option("--password", help="New password (else asked, or read from standard input).")
@with_appcontext
def set_password_command(username: str, password: str | None) -> None:
    """Set a user's password; the user's sessions end (logged in browsers must log in again)."""
    with unit_of_work() as session:
        new = validate.password(password_option(password))
        accounts.reset_password(session, None, accounts.get_user(session, username), new)
        click.echo(f"Password of {username} changed; their sessions are ended.")


@click.command("deactivate-user")
@click.argument("username")
@with_appcontext
def deactivate_user_command(username: str) -> None:
    """Stop USERNAME from logging in and end their sessions at once (codings and memberships stay)."""
    with unit_of_work() as session:
        accounts.set_active(session, None, accounts.get_user(session, username), False)
        click.echo(f"{username} is deactivated: cannot log in, sessions ended.")


@click.command("reactivate-user")
@click.argument("username")
@with_appcontext
def reactivate_user_command(username: str) -> None:
    """Let a deactivated USERNAME log in again (with their password; old sessions stay ended)."""
    with unit_of_work() as session:
        accounts.set_active(session, None, accounts.get_user(session, username), True)
        click.echo(f"{username} can log in again.")


@click.command("create-project")
@click.argument("title")
@click.option("--slug", default="", help="Short name used in URLs and by the CLI [default: made from the title, "
              "æ, ø, å as ae, oe, aa].")
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


@click.command("remove-member")
@click.argument("project")
@click.argument("user")
@with_appcontext
def remove_member_command(project: str, user: str) -> None:
    """Take USER out of PROJECT (by slug): no access from the next request on; their codings stay.
    The project's last owner stays."""
    with unit_of_work() as session:
        accounts.remove_member(session, projects.get_project(session, project), accounts.get_user(session, user))
        click.echo(f"{user} is no longer a member of {project}.")


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
