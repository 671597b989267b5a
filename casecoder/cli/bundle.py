"""``casecoder import-bundle`` and ``export-bundle``: a project's spreadsheets in and out.

The import is all or nothing: every problem of the bundle is printed, with its file, line and
column, and nothing is stored unless there is none.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from casecoder.cli.base import unit_of_work
from casecoder.coding import accounts, projects, pseudonymise
from casecoder.exchange.bundle_import import ImportSummary, import_bundle
from casecoder.exchange.bundle_read import MB, folder_bundle, zip_bundle

ZIP_FACTOR = 10


class ProgressBar:
    """A ``progress(done, total)`` callback drawing click's progress bar (on stderr) once the total is known."""

    def __init__(self, label: str):
        self.label, self.shown = label, 0
        self.bar: Any = None  # click's progress bar, made once the total is known

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and total:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.shown)
            self.shown = done

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)  # a .zip may unpack to this many times the upload limit


def summary_text(summary: ImportSummary) -> str:
    return (f"{summary.codes_added} codes added, {summary.codes_updated} updated, {summary.cases} cases, "
            f"{summary.interviewees} interviewees, {summary.sources} sources, {summary.excerpts} excerpts, "
            f"{summary.codings} codings" + (f", {summary.users} coders created as users without login"
                                           if summary.users else "")
            + (f", {summary.members} coders added as members" if summary.members else ""))


@click.command("import-bundle")
@click.argument("project")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--user", "username", help="User name recorded as the importing user in the audit log.")
@click.option("--add-coders", is_flag=True,
              help="Make coders the bundle names who are not members of PROJECT members with the role coder "
                   "(without it they are refused).")
@with_appcontext
def import_bundle_command(project: str, path: Path, username: str | None, add_coders: bool) -> None:
    """Import the bundle at PATH (a folder or a .zip) into PROJECT, all or nothing. Every coder it names
    must be a member of PROJECT, unless --add-coders."""
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * MB
    with unit_of_work() as session:
        project_ = projects.get_project(session, project)
        user = accounts.get_user(session, username) if username else None
        if path.is_dir():
            bundle = folder_bundle(path)
        else:
            bundle = zip_bundle(path.read_bytes(), ZIP_FACTOR * current_app.config["MAX_CONTENT_LENGTH"], path.name)
        with ProgressBar("Writing excerpts") as progress:
            summary = import_bundle(session, project_, bundle, user=user, max_bytes=max_bytes, add_coders=add_coders,
                                    progress=progress)
        click.echo(f"Imported {path} into {project}: {summary_text(summary)}.")


@click.command("export-bundle")
@click.argument("project")
@click.argument("out", type=click.Path(path_type=Path))
@with_appcontext
def export_bundle_command(project: str, out: Path) -> None:
    """Write PROJECT as a bundle to OUT: a folder, or a .zip file when OUT ends in .zip."""
    from casecoder.exchange.bundle_export import write_project_bundle

    with unit_of_work() as session:
        pseudonymise.require_export_allowed(session, project)  # "pseudonymised only": refused while hits remain
        files = write_project_bundle(session, projects.get_project(session, project), out)
        texts = sum(1 for name in files if name.startswith("sources/"))
        click.echo(f"Wrote {out}: {len(files) - texts} CSV files and {texts} source texts.")
