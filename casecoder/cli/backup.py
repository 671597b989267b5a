"""``casecoder backup FILE`` and ``casecoder restore FILE [--yes]`` (the core is casecoder/backup.py).

Restore checks the file before it asks: a file that is not a casecoder backup of the same kind of
database is refused and nothing changes.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from casecoder.models import backup as core


def _url() -> str:
    return str(current_app.config["DATABASE_URL"])


def _release_app_connections() -> None:
    from casecoder.db import dispose
    dispose(current_app)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Write a backup of the whole database to FILE (SQLite: a database file; PostgreSQL: pg_dump -Fc)."""
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists; choose another name or give --force to replace it")
    try:
        target = core.backup(_url(), file)
    except core.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up the {target.describe()} to {file} ({file.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the whole database with the backup in FILE, then upgrade its schema if it is older.

    Stop the server (or make sure nobody works) while restoring: everything done since the backup is lost.
    """
    url = _url()
    try:
        target = core.check_backup_file(url, file)
    except core.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not yes:
        click.confirm(f"Replace everything in the {target.describe()} with the backup {file}? "
                      "Everything changed since the backup is lost", abort=True)
    _release_app_connections()
    try:
        revision = core.restore(url, file)
    except core.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the {target.describe()} from {file}; schema revision {revision or 'not recorded'}.")
