"""``casecoder import-registrations``: a project's register from a CSV file, all or nothing.

Every problem of the file is printed with its line and column, and nothing is stored unless there
is none; a valid file replaces the project's previous register (audited).
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casecoder.cli.base import unit_of_work
from casecoder.coding import accounts, projects
from casecoder.coding.registrations import import_registrations


@click.command("import-registrations")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", help="User name recorded as the importing user in the audit log.")
@with_appcontext
def import_registrations_command(project: str, file: Path, username: str | None) -> None:
    """Replace PROJECT's register by FILE (CSV, one row per adult: family_id, municipality, adult_id,
    employed_at_entry, employment_weeks, last_registration; other columns are kept as attributes)."""
    with unit_of_work() as session:
        project_ = projects.get_project(session, project)
        user = accounts.get_user(session, username) if username else None
        summary = import_registrations(session, project_, file.read_bytes(), file.name, user.id if user else None)
        replaced = f"; replaced {summary.replaced} adults" if summary.replaced else ""
        extra = f"; extra columns: {', '.join(summary.extra_columns)}" if summary.extra_columns else ""
        click.echo(f"Imported {file} into {project}: {summary.adults} adults in {summary.families} families in "
                   f"{summary.municipalities} municipalities{replaced}{extra}.")
