"""``casecoder pseudonyms``: detect hits, show their counts, decide all pending hits, apply the accepted
replacements and write the key list (the owner's key export) from the command line.

Single hits are reviewed on the web page (Pseudonymisation > Review); every change is audited,
with ``--user`` as the actor.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casecoder.cli.base import unit_of_work
from casecoder.coding import accounts, projects, pseudonym_keys, pseudonymise

USER = click.option("--user", "username", help="User name recorded in the audit log.")


@click.group("pseudonyms")
def pseudonyms_group() -> None:
    """Pseudonymisation: CPR and phone numbers, e-mail addresses and key-list names in the transcripts."""


@pseudonyms_group.command("detect")
@click.argument("project")
@USER
@with_appcontext
def detect_command(project: str, username: str | None) -> None:
    """Search every transcript of PROJECT; pending hits are replaced, decisions kept."""
    with unit_of_work() as session:
        user = accounts.get_user(session, username) if username else None
        summary = pseudonymise.detect_project(session, projects.get_project(session, project), user)
        click.echo(f"{summary.sources} transcripts searched: {summary.new} hits await review, "
                   f"{summary.kept} decisions kept.")


@pseudonyms_group.command("status")
@click.argument("project")
@with_appcontext
def status_command(project: str) -> None:
    """Print the hits of PROJECT per status and whether exports are allowed."""
    with unit_of_work() as session:
        project_ = projects.get_project(session, project)
        counts = pseudonymise.counts(session, project_)
        click.echo(", ".join(f"{status}: {n}" for status, n in counts.items()))
        click.echo(f"pseudonymised only: {'yes' if project_.pseudonymised_only else 'no'}")


@pseudonyms_group.command("decide-all")
@click.argument("project")
@click.argument("decision", type=click.Choice(["accepted", "rejected"]))
@USER
@with_appcontext
def decide_all_command(project: str, decision: str, username: str | None) -> None:
    """Mark every pending hit of PROJECT as accepted or rejected."""
    with unit_of_work() as session:
        user = accounts.get_user(session, username) if username else None
        n = pseudonymise.decide_all(session, user, projects.get_project(session, project), decision)
        click.echo(f"{n} hits {decision}.")


@pseudonyms_group.command("apply")
@click.argument("project")
@USER
@with_appcontext
def apply_command(project: str, username: str | None) -> None:
    """Write the accepted replacements into PROJECT's transcripts, moving excerpts with the text."""
    with unit_of_work() as session:
        user = accounts.get_user(session, username) if username else None
        summary = pseudonymise.apply_accepted(session, user, projects.get_project(session, project))
        click.echo(f"{summary.hits} replacements applied in {summary.sources} transcripts; "
                   f"{summary.excerpts} excerpts moved.")


@pseudonyms_group.command("export-keys")
@click.argument("project")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@USER
@with_appcontext
def export_keys_command(project: str, file: Path, username: str | None) -> None:
    """Write PROJECT's key list (real names!) to FILE as CSV. Keep the file safe."""
    with unit_of_work() as session:
        user = accounts.get_user(session, username) if username else None
        file.write_bytes(pseudonym_keys.key_csv(session, user, projects.get_project(session, project)))
        click.echo(f"Wrote {file}.")
