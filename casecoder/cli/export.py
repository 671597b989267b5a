"""``casecoder export``: report bundles from the command line, and ``export --spec`` to re-run one.

Each subcommand builds a ``ReportSpec`` and hands it to ``export.report.build_report``, the same
path the web's Export buttons take. ``--out`` is a folder, or a zip when it ends in ``.zip``.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from casecoder.coding import pseudonymise
from casecoder.db import new_session
from casecoder.kernel.errors import InvalidInput


def filter_options(command):  # type: ignore[no-untyped-def]
    """The count filters, as options (each may repeat)."""
    for option in reversed([
        click.option("--municipality", multiple=True, help="Only cases of this municipality."),
        click.option("--attr", multiple=True, help="Case attribute filter name:op:value, op in eq ne lt le gt ge."),
        click.option("--role", multiple=True, help="Only sources with an interviewee of this role."),
        click.option("--coder", multiple=True, help="Only codings by this user."),
        click.option("--direction", multiple=True, help="Directions counted [default: supports]."),
        click.option("--no-subcodes", is_flag=True, help="Do not roll sub-codes up into their parents."),
        click.option("--from", "date_from", help="Only sources interviewed on or after YYYY-MM-DD."),
        click.option("--to", "date_to", help="Only sources interviewed on or before YYYY-MM-DD."),
    ]):
        command = option(command)
    return command


def bundle_options(command):  # type: ignore[no-untyped-def]
    """--out, --language and the count filters: what every export command takes."""
    command = filter_options(command)
    command = click.option("--language", type=click.Choice(["da", "en"]),
                           help="Language of labels, figures and README [default: the app's].")(command)
    return click.option("--out", required=True, type=click.Path(path_type=Path),
                        help="Folder to write, or a .zip file.")(command)


def filter_params(options: dict) -> dict[str, list[str]]:
    params = {k: list(options[k]) for k in ("municipality", "attr", "role", "coder", "direction") if options[k]}
    params["sub"] = ["0" if options["no_subcodes"] else "1"]
    for key, name in (("date_from", "from"), ("date_to", "to")):
        if options[key]:
            params[name] = [options[key]]
    return params


def _run(project: str, kind: str, target: dict, out: Path, language: str | None, options: dict,
         template: Path | None = None) -> None:
    from casecoder.export.bundle import write_bundle
    from casecoder.export.report import ReportSpec, build_report

    spec = ReportSpec(project, kind, target, filter_params(options), language or current_app.config["LANGUAGE"])
    session = new_session(current_app)
    try:
        pseudonymise.require_export_allowed(session, project)  # "pseudonymised only": refused while hits remain
        if template is not None:
            from casecoder.export.chapter import chapter_from_spec
            bundle = chapter_from_spec(session, spec, _template_bytes(template), template.name)
        else:
            bundle = build_report(session, spec)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()
    written = write_bundle(out, bundle)
    click.echo(f"Wrote {out}: {', '.join(sorted(bundle.files))}, spec.json, README.txt "
               f"({bundle.summary}); data sha256 {written['data_sha256'][:12]}.")


@click.group("export", invoke_without_command=True)
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Re-run a saved spec.json and say whether its data hash still matches.")
@click.option("--out", type=click.Path(path_type=Path), help="With --spec: write the new bundle here too.")
@with_appcontext
@click.pass_context
def export_group(ctx: click.Context, spec_file: Path | None, out: Path | None) -> None:
    """Report bundles: data.csv/.xlsx/.json, figures and tables, spec.json, README.txt.

    With --spec FILE: rebuild the bundle a saved spec.json describes; exit status 1 when the
    data changed since (the new hash differs), 0 when it is the same.
    """
    if ctx.invoked_subcommand is not None:
        if spec_file:
            raise click.UsageError("--spec is used alone: casecoder export --spec spec.json [--out DIR]")
        return
    if spec_file is None:
        click.echo(ctx.get_help())
        return
    from casecoder.export.bundle import write_bundle
    from casecoder.export.report import rerun

    try:
        saved = json.loads(spec_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{spec_file} is not a JSON file: {exc}") from exc
    session = new_session(current_app)
    try:
        pseudonymise.require_export_allowed(session, str(saved.get("project", "")) if isinstance(saved, dict) else "")
        bundle, same = rerun(session, saved)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    finally:
        session.close()
    if out:
        write_bundle(out, bundle)
        click.echo(f"Wrote {out}.")
    if same:
        click.echo(f"The data hash matches: {bundle.data_sha256[:12]} - the numbers are unchanged.")
        return
    click.echo(f"The data changed: the spec's hash {str(saved.get('data_sha256'))[:12]}, "
               f"now {bundle.data_sha256[:12]}.")
    ctx.exit(1)


@export_group.command("tally")
@click.argument("project")
@click.option("--code", help="Only this code and its sub-codes, with the chart of its sub-codes.")
@bundle_options
@with_appcontext
def export_tally(project: str, code: str | None, out: Path, language: str | None, **options: object) -> None:
    """Tally of PROJECT: n of N cases per code and perspective, with case keys, table and README."""
    _run(project, "tally", {"code": code} if code else {}, out, language, options)


@export_group.command("matrix")
@click.argument("project")
@click.argument("hypothesis")
@bundle_options
@with_appcontext
def export_matrix(project: str, hypothesis: str, out: Path, language: str | None, **options: object) -> None:
    """Evidence matrix of HYPOTHESIS (cases x sub-codes): data, Word and Excel tables."""
    _run(project, "matrix", {"code": hypothesis}, out, language, options)


TEMPLATE_MAX = 50 * 1024 * 1024


def _template_bytes(path: Path) -> bytes:
    if path.stat().st_size > TEMPLATE_MAX:
        raise click.ClickException(f"The template {path} is larger than {TEMPLATE_MAX // (1024 * 1024)} MB.")
    return path.read_bytes()


@export_group.command("chapter")
@click.argument("project")
@click.argument("hypothesis")
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A .docx whose styles and page size the chapter takes (a copy; the file is not changed).")
@bundle_options
@with_appcontext
def export_chapter(project: str, hypothesis: str, out: Path, language: str | None, template: Path | None,
                   **options: object) -> None:
    """The report chapter of HYPOTHESIS: chapter.docx (counts in words, chain and overview figures, the
    quotes marked for the report as numbered examples, an appendix of the cases behind every number),
    the figures as PNG and SVG, data.csv/.xlsx/.json of every number, spec.json and README.txt."""
    _run(project, "chapter", {"code": hypothesis}, out, language, options, template)


@export_group.command("cooccurrence")
@click.argument("project")
@click.option("--codes", required=True, help="Code keys, comma-separated (at least two).")
@click.option("--scope", type=click.Choice(["family", "system", "either"]), default="either", show_default=True,
              help="Perspective of the graph (the data has all three).")
@bundle_options
@with_appcontext
def export_cooccurrence(project: str, codes: str, scope: str, out: Path, language: str | None,
                        **options: object) -> None:
    """Co-occurrence of CODES in cases: a row per pair and perspective, and the graph."""
    keys = [k for k in codes.replace(" ", ",").split(",") if k]
    _run(project, "cooccurrence", {"codes": keys, "scope": scope}, out, language, options)


@export_group.command("chain")
@click.argument("project")
@click.argument("title")
@bundle_options
@with_appcontext
def export_chain(project: str, title: str, out: Path, language: str | None, **options: object) -> None:
    """The chain TITLE of PROJECT: a row per node and the combination, and the figure."""
    _run(project, "chain", {"chain": title}, out, language, options)


@export_group.command("overview")
@click.argument("project")
@click.argument("hypothesis")
@bundle_options
@with_appcontext
def export_overview(project: str, hypothesis: str, out: Path, language: str | None, **options: object) -> None:
    """The overview of HYPOTHESIS along the leads-to relations, with family and system n/N."""
    _run(project, "overview", {"code": hypothesis}, out, language, options)


@export_group.command("quotes")
@click.argument("project")
@click.option("--code", "codes", multiple=True, help="A code (repeatable) [default: every codable code].")
@click.option("--perspective", type=click.Choice(["family", "system"]), help="Only this perspective.")
@click.option("--memo", is_flag=True, help="Include the excerpts' memos.")
@bundle_options
@with_appcontext
def export_quotes(project: str, codes: tuple[str, ...], perspective: str | None, memo: bool, out: Path,
                  language: str | None, **options: object) -> None:
    """Quote bank: the excerpts per code as report-ready quotes (DOCX, Markdown, CSV)."""
    target: dict[str, object] = {"codes": list(codes)}
    if perspective:
        target["perspective"] = perspective
    if memo:
        target["memo"] = True
    _run(project, "quotes", target, out, language, options)


@export_group.command("selection")
@click.argument("project")
@click.option("--min-weeks", type=click.IntRange(min=0), help="Criterion 1: at least this many employment weeks "
              "[default: the saved criteria, else 10].")
@click.option("--window-from", help="Criterion 2: latest registration on or after YYYY-MM-DD [default: 2016-11-01].")
@click.option("--window-to", help="Criterion 2: latest registration on or before YYYY-MM-DD [default: 2016-12-31].")
@click.option("--require-not-employed/--allow-employed-at-entry", "require_not_employed", default=None,
              help="Criterion 1 with or without 'not employed at entry' [default: the saved criteria, else with].")
@click.option("--show-empty", is_flag=True, help="Table also lists municipalities without selected families.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder to write, or a .zip file.")
@click.option("--language", type=click.Choice(["da", "en"]),
              help="Language of the table and README [default: the app's].")
@with_appcontext
def export_selection(project: str, min_weeks: int | None, window_from: str | None, window_to: str | None,
                     require_not_employed: bool | None, show_empty: bool, out: Path, language: str | None) -> None:
    """Selection of success cases from PROJECT's register (report Table 2), with the gross list.

    Criteria not given are the project's saved criteria, else the report's (10 weeks, not employed
    at entry, latest registration 2016-11-01 to 2016-12-31).
    """
    target: dict[str, object] = {k: v for k, v in (("min_weeks", min_weeks), ("window_from", window_from),
                                                   ("window_to", window_to)) if v is not None}
    if require_not_employed is not None:
        target["require_not_employed"] = require_not_employed
    if show_empty:
        target["show_empty"] = True
    no_filters = {"municipality": (), "attr": (), "role": (), "coder": (), "direction": (), "no_subcodes": False,
                  "date_from": None, "date_to": None}
    _run(project, "selection", target, out, language, no_filters)


@export_group.command("interviewees")
@click.argument("project")
@bundle_options
@with_appcontext
def export_interviewees(project: str, out: Path, language: str | None, **options: object) -> None:
    """Interviewees of PROJECT's cases per municipality (report Table 3): cases, professionals by role,
    families interviewed."""
    _run(project, "interviewees", {}, out, language, options)


@export_group.command("agreement")
@click.argument("project")
@click.option("--coders", required=True, help="Two or more coders' user names, comma-separated: A,B[,C].")
@click.option("--level", type=click.Choice(["case", "segment"]), default="case", show_default=True,
              help="Case level (presence of a code in a case) or segment level (coverage of text units).")
@click.option("--unit", type=click.Choice(["character", "sentence"]), default="character", show_default=True,
              help="Segment level: the text unit.")
@click.option("--code", "codes", multiple=True, help="A code (repeatable) [default: every codable code].")
@click.option("--hypothesis", help="Every codable code of this hypothesis (it and below).")
@click.option("--municipality", multiple=True, help="Only cases of this municipality (case level).")
@click.option("--direction", multiple=True, help="Directions counted [default: supports].")
@click.option("--no-subcodes", is_flag=True, help="Do not roll sub-codes up into their parents.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Folder to write, or a .zip file.")
@click.option("--language", type=click.Choice(["da", "en"]), help="Language of the table and README.")
@with_appcontext
def export_agreement(project: str, coders: str, level: str, unit: str, codes: tuple[str, ...], hypothesis: str | None,
                     municipality: tuple[str, ...], direction: tuple[str, ...], no_subcodes: bool, out: Path,
                     language: str | None) -> None:
    """Inter-coder agreement of CODERS on PROJECT's double-coded material: per code and pooled percent
    agreement, Cohen's kappa (two coders), Fleiss' kappa and Krippendorff's alpha."""
    target: dict[str, object] = {"coders": [c for c in coders.replace(" ", ",").split(",") if c], "level": level}
    if level == "segment":
        target["unit"] = unit
    if codes:
        target["codes"] = list(codes)
    if hypothesis:
        target["hypothesis"] = hypothesis
    options = {"municipality": municipality, "attr": (), "role": (), "coder": (), "direction": direction,
               "no_subcodes": no_subcodes, "date_from": None, "date_to": None}
    _run(project, "agreement", target, out, language, options)
