"""``casecoder chains load|dump``: statement chains as YAML files."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casecoder.cli.base import unit_of_work
from casecoder.coding import projects
from casecoder.coding.chains import dump_chains, load_chains


@click.group("chains")
def chains_group() -> None:
    """Statement chains as YAML files, for version control and re-making figures."""


@chains_group.command("load")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def chains_load_command(project: str, file: Path) -> None:
    """Create or replace (by title) the chains in FILE; nothing is stored if any chain is wrong."""
    with unit_of_work() as session:
        loaded = load_chains(session, projects.get_project(session, project), None, file.read_text(encoding="utf-8"))
        click.echo(f"Loaded {len(loaded)} chain(s) into {project}.")


@chains_group.command("dump")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def chains_dump_command(project: str, file: Path) -> None:
    """Write PROJECT's chains to FILE."""
    with unit_of_work() as session:
        file.write_text(dump_chains(session, projects.get_project(session, project)), encoding="utf-8")
        click.echo(f"Wrote {file}.")
