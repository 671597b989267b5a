"""Full-text search over a project's transcripts, shown as keyword-in-context hits."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from casecoder.analysis.lookups import source_texts
from casecoder.analysis.search import search as run_search
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Project
from casecoder.web.access import project_route

bp = Blueprint("search", __name__)


@bp.route("/p/<slug>/search")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    query = (request.args.get("q") or "").strip()
    result, error = None, None
    if query:
        try:
            result = run_search(get_session(), project.id, query)
        except InvalidInput as exc:
            error = exc.render(_)
    spans = sentence_spans(result.hits) if result else {}
    return render_template("search/index.html", project=project, query=query, result=result, error=error,
                           spans=spans), 400 if error else 200


def sentence_spans(hits) -> dict[tuple[int, int], str]:  # type: ignore[no-untyped-def]
    """For each hit, the "start-end" of the sentence around it: what a coder codes from a hit."""
    texts = source_texts(get_session(), {h.source_id for h in hits})
    spans = {}
    for h in hits:
        text = texts[h.source_id]
        start = max(text.rfind(mark, 0, h.start) for mark in (".", "?", "!", "\n", ":")) + 1
        ends = [i for i in (text.find(mark, h.end) for mark in (".", "?", "!", "\n")) if i >= 0]
        end = min(ends) + 1 if ends else len(text)
        while start < h.start and text[start].isspace():
            start += 1
        while end > h.end and text[end - 1].isspace():
            end -= 1
        spans[(h.source_id, h.start)] = f"{start}-{end}"
    return spans
