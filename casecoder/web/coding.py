"""The coding workbench: one transcript with its excerpts, the codebook and the coding panel.

The page gets everything it needs as one JSON document (text, turns, excerpts, codes, cases);
its script talks to the JSON API in ``api.py`` and redraws without reloading.
"""
from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from casecoder.analysis import double_coding as seen
from casecoder.analysis import lookups
from casecoder.analysis.turns import turn_rows
from casecoder.analysis.uncounted import uncounted
from casecoder.analysis.workbench import source_excerpt_rows
from casecoder.coding.permissions import CODE, can
from casecoder.db import get_session
from casecoder.models import Project, Source
from casecoder.web.access import owned, project_route
from casecoder.web.codebook import tree_rows

bp = Blueprint("coding", __name__)


def codes_json(project: Project) -> list[dict[str, object]]:
    codes = lookups.codes(get_session(), project.id)
    return [{"id": c.id, "key": c.key, "depth": depth, "kind": c.kind.value, "label_da": c.label_da,
             "label_en": c.label_en, "color": c.color, "codable": c.codable and not c.archived,
             "parent_id": c.parent_id} for c, depth in tree_rows(codes)]


@bp.route("/p/<slug>/sources/<int:source_id>")
@project_route()
def source(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    source: Source = owned(session.get(Source, source_id), project)
    blind = seen.is_blind(session, source.id, current_user, g.role)
    select_range = None
    if request.args.get("select"):
        try:
            start, end = (int(x) for x in request.args["select"].split("-", 1))
            if 0 <= start < end <= len(source.text):
                select_range = [start, end]
        except ValueError:
            select_range = None
    data = {
        "project": project.slug,
        "source": {"id": source.id, "title": source.title, "text": source.text},
        "turns": turn_rows(source.text),
        "excerpts": seen.rows_seen(current_user, blind, source_excerpt_rows(session, source.id)),
        "blind": blind,
        "codes": codes_json(project),
        "cases": [{"id": c.id, "key": c.key} for c in source.cases],
        "user": current_user.username,
        "can_code": can(g.role, CODE),
        "lang": str(get_locale()),
        "select": select_range,
        "focus": request.args.get("excerpt", type=int),
    }
    return render_template("coding/source.html", project=project, source=source, data=data,
                           uncounted=uncounted(session, project.id, source.id, current_user.id if blind else None))
