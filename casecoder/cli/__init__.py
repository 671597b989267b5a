"""The ``casecoder`` command: one module per command group; ``base`` holds what they share.

Also reachable as ``flask --app casecoder.app …``. Projects are addressed by slug. Every command
that changes data commits once at the end, or not at all on an error. The app is found the way
Flask's own CLI finds it, by its import path, so this package never imports the app factory.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import ScriptInfo

from casecoder.cli import admin
from casecoder.cli.backup import backup_command, restore_command
from casecoder.cli.bundle import export_bundle_command, import_bundle_command
from casecoder.cli.chains import chains_group
from casecoder.cli.export import export_group
from casecoder.cli.pseudonyms import pseudonyms_group
from casecoder.cli.refi import REFI_COMMANDS
from casecoder.cli.registrations import import_registrations_command
from casecoder.cli.serve import APP_IMPORT_PATH, serve_command

COMMANDS: list[click.Command] = [
    admin.init_db_command, admin.db_group, admin.create_user_command, admin.set_password_command,
    admin.deactivate_user_command, admin.reactivate_user_command, admin.create_project_command,
    admin.add_member_command, admin.remove_member_command, admin.load_demo_command, serve_command, export_group,
    chains_group, import_bundle_command, export_bundle_command, *REFI_COMMANDS, import_registrations_command,
    pseudonyms_group, backup_command, restore_command,
]


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


@click.group()
@click.version_option(package_name="casecoder")
@click.pass_context
def main(ctx: click.Context) -> None:
    """casecoder: qualitative case analysis.

    Configuration comes from CASECODER_* environment variables (DATABASE_URL, SECRET_KEY,
    MAX_UPLOAD_MB, LANGUAGE, DEMO, INSTANCE_PATH). Projects are addressed by slug.
    """
    ctx.obj = ScriptInfo(app_import_path=APP_IMPORT_PATH, set_debug_flag=False)


for _command in COMMANDS:
    main.add_command(_command)
