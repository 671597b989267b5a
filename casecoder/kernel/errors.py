"""The error types every layer raises: a rule was broken, a save was stale, an export is held back.

Each carries an English message template and its parameters; ``render(gettext)`` translates it.
The web layer answers with ``status`` and the message; the CLI prints the message.
"""
from __future__ import annotations

from typing import Any, Callable


class Msg(str):
    """A message template or word marked for translation (extracted by pybabel as ``N_``)."""


N_ = Msg


class InvalidInput(ValueError):
    """User input broke a rule. ``message`` is the English text; ``render(gettext)`` translates it.

    ``template`` uses ``{name}`` fields filled from ``params``; params that are ``Msg`` are translated too.
    """

    def __init__(self, template: str, field: str | None = None, **params: object):
        self.template, self.field, self.params = template, field, params
        super().__init__(self.render())

    def render(self, translate: Callable[[str], str] = str) -> str:
        values = {k: translate(v) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return translate(self.template).format(**values)

    @property
    def message(self) -> str:
        return self.render()

    status = 400  # what the web layer answers with


class EditConflict(InvalidInput):
    """The save was based on an older version of the record than the one stored: nothing was saved."""

    status = 409


class ExportBlocked(InvalidInput):
    """An export of a "pseudonymised only" project while hits await review; ``project`` is the project
    (a ``models.Project``), so the web can link to the review."""

    status = 409

    def __init__(self, template: str, project: Any, **params: object):
        self.project = project
        super().__init__(template, "export", **params)
