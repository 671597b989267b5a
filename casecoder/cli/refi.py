"""``casecoder import-qdc``, ``export-qdc``, ``import-qdpx`` and ``export-qdpx``: REFI-QDA files in and out.

Codebooks (.qdc) merge into a project's codebook (by GUID, then by label path; nothing is
deleted). A project (.qdpx) is imported as a new project, with a progress bar of the excerpts
written (on stderr); the command prints its slug and the import report. Exports write code GUIDs into the database the first time, so they commit.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from casecoder.cli.base import unit_of_work
from casecoder.cli.bundle import ProgressBar
from casecoder.coding import accounts, projects, pseudonymise

LANGUAGE = click.option("--language", type=click.Choice(["da", "en"]), default=None,
                        help="Language of code names and descriptions [default: CASECODER_LANGUAGE].")
ZIP_FACTOR = 10  # a .qdpx may unpack to this many times the upload limit


def _language(language: str | None) -> str:
    return language or current_app.config["LANGUAGE"]


@click.command("import-qdc")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only print what would be added and renamed.")
@click.option("--user", "username", help="User name recorded in the audit log.")
@LANGUAGE
@with_appcontext
def import_qdc_command(project: str, file: Path, dry_run: bool, username: str | None, language: str | None) -> None:
    """Merge the REFI-QDA codebook FILE (.qdc) into PROJECT's codebook."""
    from casecoder.exchange.refi.qdc import import_qdc

    with unit_of_work() as session:
        project_ = projects.get_project(session, project)
        user = accounts.get_user(session, username) if username else None
        plan, report = import_qdc(session, project_, file.read_bytes(), file.name, user_id=user.id if user else None,
                                  lang=_language(language), apply=not dry_run)
        for planned in plan.added:
            click.echo(f"add     {' / '.join(planned.path)}")
        for code, old, new in plan.renamed:
            click.echo(f"rename  {code.key}: {old} -> {new}")
        click.echo(report.text())
        if dry_run:
            session.rollback()
            click.echo(f"Dry run: {len(plan.added)} code(s) would be added, {len(plan.renamed)} renamed.")
        else:
            click.echo(f"Merged {file.name} into {project}: {len(plan.added)} code(s) added, "
                       f"{len(plan.renamed)} renamed.")


@click.command("export-qdc")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@LANGUAGE
@with_appcontext
def export_qdc_command(project: str, file: Path, language: str | None) -> None:
    """Write PROJECT's codebook to FILE as a REFI-QDA codebook (.qdc)."""
    from casecoder.exchange.refi.qdc import write_qdc

    with unit_of_work() as session:
        file.write_bytes(write_qdc(session, projects.get_project(session, project), _language(language)))
        click.echo(f"Wrote {file}.")


@click.command("import-qdpx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Title of the new project [default: the project's name in the file].")
@click.option("--slug", help="Slug of the new project [default: made from the title].")
@click.option("--owner", help="User name of the new project's owner (also the audit log's actor).")
@LANGUAGE
@with_appcontext
def import_qdpx_command(file: Path, name: str | None, slug: str | None, owner: str | None,
                        language: str | None) -> None:
    """Import the REFI-QDA project FILE (.qdpx) as a new project; prints its slug and the import report."""
    from casecoder.exchange.refi.qdpx_read import import_qdpx

    config = current_app.config
    with unit_of_work() as session:
        user = accounts.get_user(session, owner) if owner else None
        with ProgressBar("Writing excerpts") as progress:
            project, report = import_qdpx(session, file.read_bytes(), file.name, user=user, title=name, slug=slug,
                                          lang=_language(language), max_bytes=config["MAX_UPLOAD_MB"] * 1024 * 1024,
                                          max_unpacked=ZIP_FACTOR * config["MAX_CONTENT_LENGTH"], progress=progress)
        click.echo(project.slug)
        click.echo(report.text())


@click.command("export-qdpx")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@LANGUAGE
@with_appcontext
def export_qdpx_command(project: str, file: Path, language: str | None) -> None:
    """Write PROJECT to FILE as a REFI-QDA project (.qdpx)."""
    from casecoder.exchange.refi.qdpx_write import write_qdpx

    with unit_of_work() as session:
        pseudonymise.require_export_allowed(session, project)  # "pseudonymised only": refused while hits remain
        file.write_bytes(write_qdpx(session, projects.get_project(session, project), _language(language)))
        click.echo(f"Wrote {file}.")


REFI_COMMANDS = [import_qdc_command, export_qdc_command, import_qdpx_command, export_qdpx_command]
