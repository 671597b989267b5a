"""Full-text search over a project's transcripts, shown as keyword-in-context hits with their coded marks."""
from __future__ import annotations

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from casecoder.analysis import lookups
from casecoder.analysis.double_coding import blind_source_ids
from casecoder.analysis.search import SearchFilter
from casecoder.analysis.search import search as run_search
from casecoder.db import get_session
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Perspective, Project
from casecoder.web.access import project_route
from casecoder.web.forms.search import SearchForm

bp = Blueprint("search", __name__)
FILTERS = ("perspective", "case", "coded")


@bp.route("/p/<slug>/search")
@project_route()
def index(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    form = SearchForm(request.args)
    form.case.choices = [SelectChoice("", _("(any)")),
                         *(SelectChoice(str(id_), key) for id_, key in lookups.case_choices(session, project.id))]
    form.validate()
    query = (form.q.data or "").strip()
    result = None
    if query and not form.errors:
        flt = SearchFilter(
            perspective=Perspective(form.perspective.data) if form.perspective.data else None,
            case_id=int(form.case.data) if form.case.data else None,
            coded={"coded": True, "uncoded": False}.get(form.coded.data or ""),
            blind_source_ids=blind_source_ids(session, project.id, current_user, getattr(g, "role", None)),
            viewer_id=current_user.id)
        try:
            result = run_search(session, project.id, query, filters=flt)
        except InvalidInput as exc:
            form.q.errors = [*form.q.errors, exc.render(_)]
    elif not query and any(request.args.get(name) for name in FILTERS):
        form.q.errors = [*form.q.errors, _("Type the words to search for")]
    links = {h.source_id: url_for("coding.source", slug=project.slug, source_id=h.source_id)
             for h in result.hits} if result else {}  # one url_for per transcript, not three per hit
    filtered = any(getattr(form, name).data for name in FILTERS)
    return render_template("search/index.html", project=project, form=form, query=query, result=result,
                           links=links, filtered=filtered), 400 if form.errors else 200
