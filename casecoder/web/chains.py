"""Statement chains: the list with suggestions, the editor, the chain page and its figure."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from casecoder.analysis import lookups
from casecoder.analysis.chains import (
    count_chain,
    count_saved_chain,
    evidence,
    hypothesis_overview,
    load_chain,
    statement_graph,
    statement_keys,
    suggest_chains,
)
from casecoder.analysis.filters import to_params
from casecoder.coding import chains as chain_ops
from casecoder.db import get_session
from casecoder.export.chain import chain_caption, chain_figure_bytes
from casecoder.figures.report import overview_bytes
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Chain, Project
from casecoder.web.access import owned, project_route
from casecoder.web.analysis import FORMATS, _filter
from casecoder.web.coding import codes_json

bp = Blueprint("chains", __name__)


@bp.route("/p/<slug>/chains")
@project_route("analyse")
def index(project: Project):  # type: ignore[no-untyped-def]
    session = get_session()
    end = request.args.get("end")
    scope = request.args.get("scope", "pooled")
    suggestions = []
    if end:   # the statement graph only when suggestions are asked for; the ends to choose from are its nodes
        graph = statement_graph(session, project, _filter())
        suggestions = suggest_chains(graph, end, scope if scope in ("family", "system", "pooled") else "pooled")
        ends = sorted(graph.nodes)
    else:
        ends = statement_keys(session, project)
    return render_template("chains/index.html", project=project, chains=chain_ops.project_chains(session, project),
                           ends=ends, end=end, scope=scope, suggestions=suggestions)


@bp.route("/p/<slug>/chains/new")
@bp.route("/p/<slug>/chains/<int:chain_id>/edit")
@project_route("analyse")
def edit(project: Project, chain_id: int | None = None):  # type: ignore[no-untyped-def]
    chain = owned(load_chain(get_session(), chain_id), project) if chain_id else None
    start: dict[str, Any] = {"id": chain.id, "title": chain.title, "caption": chain.caption, "scope": chain.scope.value,
             "keys": [n.code.key for n in chain.nodes], "arrows": [n.arrow.value for n in chain.nodes[:-1]]} \
        if chain else {"id": None, "title": "", "caption": "", "scope": request.args.get("scope", "family"),
                       "keys": [k for k in request.args.get("keys", "").split(",") if k], "arrows": []}
    if not chain:
        start["arrows"] = ["both-and"] * max(0, len(start["keys"]) - 1)
    return render_template("chains/edit.html", project=project, start=start, codes=codes_json(project),
                           lang=str(get_locale()))


def _body() -> dict:
    """The JSON object a chain request sends (none: ``{}``); another JSON value, or ``keys``/``arrows`` that
    are not lists, is refused with a message rather than failing with a 500."""
    body = request.get_json(silent=True)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object")
    for name in ("keys", "arrows"):
        if not isinstance(body.get(name) or [], list):
            raise InvalidInput("{name} must be a list", name=name)
    return body


def _preview(project: Project, body: dict):  # type: ignore[no-untyped-def]
    keys = [str(k) for k in body.get("keys") or []]
    arrows = [str(a) for a in body.get("arrows") or []]
    scope = str(body.get("scope") or "family")
    chain_ops._check(str(body.get("title") or "x"), scope, keys, arrows)
    codes = chain_ops._codes(get_session(), project, keys)
    f = _filter()
    return count_chain(evidence(get_session(), project.id, f, [c.id for c in codes]), codes, arrows, scope,
                       f.directions)


@bp.route("/api/p/<slug>/chains/preview", methods=["POST"])
@project_route("analyse")
def preview(project: Project):  # type: ignore[no-untyped-def]
    result = _preview(project, _body())
    return jsonify(formula=result.formula, N=result.N, combination={"n": result.combination_n,
                                                                      "case_keys": list(result.combination_keys)},
                   nodes=[{"key": n.key, "n": n.n, "case_keys": list(n.case_keys)} for n in result.nodes])


@bp.route("/api/p/<slug>/chains/preview.svg", methods=["POST"])
@project_route("analyse")
def preview_figure(project: Project):  # type: ignore[no-untyped-def]
    body = _body()
    result = _preview(project, body)
    chain = Chain(title=str(body.get("title") or ""), caption=str(body.get("caption") or ""))
    return Response(chain_figure_bytes(chain, result, str(get_locale()), "svg", _filter().directions),
                    mimetype=FORMATS["svg"])


@bp.route("/api/p/<slug>/chains", methods=["POST"])
@bp.route("/api/p/<slug>/chains/<int:chain_id>", methods=["PUT"])
@project_route("analyse")
def save(project: Project, chain_id: int | None = None):  # type: ignore[no-untyped-def]
    session = get_session()
    body = _body()
    chain = owned(load_chain(session, chain_id), project) if chain_id else None
    saved = chain_ops.save_chain(session, project, current_user, title=str(body.get("title") or ""),
                                 keys=[str(k) for k in body.get("keys") or []],
                                 arrows=[str(a) for a in body.get("arrows") or []],
                                 scope=str(body.get("scope") or "family"), caption=str(body.get("caption") or ""),
                                 chain=chain)
    return jsonify(id=saved.id, url=url_for("chains.page", slug=project.slug, chain_id=saved.id)), 200 if chain else 201


@bp.route("/p/<slug>/chains/<int:chain_id>/delete", methods=["POST"])
@project_route("analyse")
def delete(project: Project, chain_id: int):  # type: ignore[no-untyped-def]
    chain_ops.delete_chain(get_session(), current_user, owned(load_chain(get_session(), chain_id), project))
    return redirect(url_for("chains.index", slug=project.slug))


@bp.route("/p/<slug>/chains/<int:chain_id>/duplicate", methods=["POST"])
@project_route("analyse")
def duplicate(project: Project, chain_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    chain = owned(load_chain(session, chain_id), project)
    taken = lookups.chain_titles(session, project.id)
    number = 2
    while f"{chain.title} ({number})" in taken:
        number += 1
    title = f"{chain.title} ({number})"
    copy = chain_ops.save_chain(session, project, current_user, title=title, keys=[n.code.key for n in chain.nodes],
                                arrows=[n.arrow.value for n in chain.nodes[:-1]], scope=chain.scope.value,
                                caption=chain.caption)
    return redirect(url_for("chains.edit", slug=project.slug, chain_id=copy.id))


@bp.route("/p/<slug>/chains/<int:chain_id>")
@project_route("analyse")
def page(project: Project, chain_id: int):  # type: ignore[no-untyped-def]
    session = get_session()
    chain = owned(load_chain(session, chain_id), project)
    f = _filter()
    result = count_saved_chain(session, project, chain, f)
    case_ids = lookups.case_ids(session, project.id)
    links = {n.key: url_for("excerpts.index", slug=project.slug, code=n.code_id,
                            case=",".join(str(case_ids[k]) for k in n.case_keys),
                            perspective=result.scope if result.scope != "pooled" else None)
             for n in result.nodes if n.n}
    return render_template("chains/page.html", project=project, chain=chain, result=result, links=links,
                           caption=chain_caption(result, str(get_locale()), f.directions), params=to_params(session, f))


@bp.route("/p/<slug>/figures/chain-<int:chain_id>.<any(svg, png, pdf):fmt>")
@project_route("analyse")
def figure(project: Project, chain_id: int, fmt: str):  # type: ignore[no-untyped-def]
    session = get_session()
    chain = owned(load_chain(session, chain_id), project)
    f = _filter()
    result = count_saved_chain(session, project, chain, f)
    return Response(chain_figure_bytes(chain, result, str(get_locale()), fmt, f.directions), mimetype=FORMATS[fmt])


@bp.route("/p/<slug>/figures/overview-<key>.<any(svg, png, pdf):fmt>")
@project_route("analyse")
def overview_figure(project: Project, key: str, fmt: str):  # type: ignore[no-untyped-def]
    """The hypothesis overview (report figures 38/43/47/52), annotated with family and system n/N."""
    f = _filter()
    nodes, edges = hypothesis_overview(get_session(), project, key, f)
    if not nodes:
        abort(404)
    return Response(overview_bytes(nodes, edges, key, str(get_locale()), fmt, f.directions), mimetype=FORMATS[fmt])
