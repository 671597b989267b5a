"""Export buttons: every report bundle as one zip download (GET; the same spec path as the CLI)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, request
from flask_babel import get_locale
from flask_login import current_user

from casecoder.analysis.chains import load_chain
from casecoder.analysis.double_coding import blindness
from casecoder.coding.pseudonymise import require_export_allowed
from casecoder.db import get_session
from casecoder.export.report import KINDS, ReportSpec, build_report
from casecoder.kernel import validate
from casecoder.kernel.errors import N_
from casecoder.models import Project
from casecoder.web.access import owned, project_route

bp = Blueprint("exports", __name__)
FILTER_NAMES = ("municipality", "attr", "role", "coder", "direction", "sub", "from", "to")
SELECTION_ARGS = ("min_weeks", "require_not_employed", "window_from", "window_to", "show_empty")


def _target(project: Project, kind: str) -> dict[str, object]:
    args = request.args
    if kind in ("tally", "matrix", "overview", "chapter"):
        return {"code": args["code"]} if args.get("code") else {}
    if kind == "cooccurrence":
        keys = [k for v in args.getlist("codes") for k in v.replace(" ", ",").split(",") if k]
        return {"codes": keys, "scope": args.get("scope", "either")}
    if kind == "chain":
        chain_id = args.get("chain", "")
        chain = owned(load_chain(get_session(), validate.whole_number(chain_id, N_("Chain"))), project)
        return {"chain": chain.title}
    if kind in ("selection", "interviewees"):  # selection: the criteria shown on the page (else the saved ones)
        return {k: args[k] for k in SELECTION_ARGS if args.get(k)} if kind == "selection" else {}
    if kind == "agreement":  # coders, level, unit, codes or hypothesis (web/agreement.py's form)
        from casecoder.web.agreement import agreement_target
        return agreement_target(args)
    target: dict[str, object] = {"codes": [c for c in args.getlist("code") if c]}
    if args.get("perspective") in ("family", "system"):
        target["perspective"] = args["perspective"]
    if args.get("memo") == "1":
        target["memo"] = True
    return target


@bp.route("/p/<slug>/export/<kind>.zip")
@project_route("analyse")
def bundle(project: Project, kind: str):  # type: ignore[no-untyped-def]
    if kind not in KINDS:
        abort(404)
    filters = {name: request.args.getlist(name) for name in FILTER_NAMES if request.args.getlist(name)}
    spec = ReportSpec(project.slug, kind, _target(project, kind), filters, str(get_locale()))
    require_export_allowed(get_session(), project)  # "pseudonymised only": refused while hits await review
    session = get_session()  # a blind double coder gets quotes and agreement as they may see them
    result = build_report(session, spec, blindness(session, project.id, current_user, g.get("role")))
    return Response(result.zip_bytes(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{result.name}.zip"'})
