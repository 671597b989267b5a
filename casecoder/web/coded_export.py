"""The coded transcript as a Word file (``export/coded_transcript.py``): the text with every excerpt as a
comment holding its codes, coders and memo, for reading on paper. Anyone who may read the transcript may
download it; a blind coder gets only their own work; "pseudonymised only" refuses it while hits await
review, as the other exports."""
from __future__ import annotations

from flask import Blueprint, Response, g
from flask_babel import get_locale
from flask_login import current_user

from casecoder.coding.pseudonymise import require_export_allowed
from casecoder.db import get_session
from casecoder.export.coded_transcript import coded_transcript, coded_transcript_docx, file_name
from casecoder.models import Project, Source
from casecoder.web.access import owned, project_route

bp = Blueprint("coded_export", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.route("/p/<slug>/sources/<int:source_id>/coded.docx")
@project_route()
def coded_docx(project: Project, source_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    source: Source = owned(session.get(Source, source_id), project)
    require_export_allowed(session, project)  # "pseudonymised only": refused while hits await review
    body = coded_transcript_docx(coded_transcript(session, source, current_user, g.role), str(get_locale()))
    return Response(body, mimetype=DOCX, headers={
        "Content-Disposition": f'attachment; filename="{file_name(source.title)}"', "Cache-Control": "no-store"})
