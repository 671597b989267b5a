"""Export a project as a bundle: the spreadsheets that ``coding/bundle_import.py`` reads. No Flask.

``codes.csv``, ``cases.csv``, ``interviewees.csv``, ``sources.csv`` and ``excerpts.csv`` (UTF-8 with a
byte-order mark, ``\\r\\n``, via ``export/bundle.csv_bytes``) plus each source's text as
``sources/<source_key>.txt`` (UTF-8). Written to a folder, or to a .zip when the name ends in .zip.

The same data gives the same bytes: codes in tree order (siblings by position, then key), cases,
interviewees and sources by key, excerpt rows by source key, start, end, case key, coder and
direction; attribute columns by their position. A source without a key is written as ``S`` plus its
1-based position among the project's sources in (created_at, id) order, zero-padded to three
digits (``S001``), with ``_`` appended while that would clash with a real key. Importing the bundle
into an empty project and exporting that again gives identical CSV files. ``blind``
(``analysis.double_coding.blindness``): a viewer who codes some sources blind gets there only the
excerpts they may see, each with only their own codings.
"""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.exchange.export_rows import batches, excerpt_rows
from casecoder.files.ooxml import zip_files as zip_bytes  # name order, fixed times: the same files, the same bytes
from casecoder.files.tabular import FORMULA_START, csv_bytes, neutralise
from casecoder.kernel import tree
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    Code,
    Excerpt,
    Interviewee,
    Project,
    Source,
    User,
)

CODES = ["code_key", "parent_key", "kind", "label_da", "label_en", "description", "description_en"]
INTERVIEWEES = ["interviewee_key", "role", "perspective", "municipality"]
SOURCES = ["source_key", "file", "title", "perspective", "case_keys", "interviewee_keys", "mode", "date"]
EXCERPTS = ["source_key", "case_key", "start", "end", "quote", "code_keys", "direction", "coder", "memo"]


def source_keys(session: Session, project: Project) -> dict[int, str]:
    """Every source's key in bundles: its own, or ``S001``... by (created_at, id) order."""
    rows = session.execute(select(Source.id, Source.key).where(Source.project_id == project.id)
                           .order_by(Source.created_at, Source.id)).all()
    taken = {key for _id, key in rows if key}
    width = max(3, len(str(len(rows))))
    keys = {}
    for position, (source_id, key) in enumerate(rows, 1):
        if not key:
            key = f"S{position:0{width}d}"
            while key in taken:
                key += "_"
            taken.add(key)
        keys[source_id] = key
    return keys


def bundle_files(session: Session, project: Project, blind: Blindness = NOT_BLIND) -> dict[str, bytes]:
    """File name -> bytes of ``project``'s bundle, as a viewer who codes some sources blind may see it."""
    keys = source_keys(session, project)
    files = {"codes.csv": _codes(session, project), "cases.csv": _cases(session, project),
             "interviewees.csv": _interviewees(session, project)}
    sources = session.scalars(select(Source).where(Source.project_id == project.id).options(
        selectinload(Source.cases), selectinload(Source.interviewees))).all()
    rows = []
    for source in sources:
        key = keys[source.id]
        files[f"sources/{key}.txt"] = source.text.encode("utf-8")
        rows.append([key, f"sources/{key}.txt", source.title, source.perspective.value,
                     ";".join(sorted(c.key for c in source.cases)), ";".join(sorted(p.key for p in source.interviewees)),
                     source.mode.value if source.mode else "", source.interview_date.isoformat()
                     if source.interview_date else ""])
    files["sources.csv"] = csv_bytes(SOURCES, sorted(rows))
    files["excerpts.csv"] = _excerpts(session, project, keys, blind)
    return files


def write_project_bundle(session: Session, project: Project, out: Path) -> dict[str, bytes]:
    """Write the bundle to the folder ``out`` (created if needed) or, if it ends in .zip, a zip file."""
    files = bundle_files(session, project)
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(zip_bytes(files))
        return files
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return files


def _codes(session: Session, project: Project) -> bytes:
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in session.scalars(select(Code).where(Code.project_id == project.id)):
        children[code.parent_id].append(code)
    ordered = {parent: sorted(codes, key=lambda c: (c.position, c.key)) for parent, codes in children.items()}
    rows = [[code.key, parent.key if parent else "", code.kind.value, code.label_da, code.label_en,
             code.description_da, code.description_en]
            for code, _depth, parent in tree.preorder(ordered, lambda c: c.id)]  # no recursion over the tree
    return csv_bytes(CODES, rows)


def _cases(session: Session, project: Project) -> bytes:
    definitions = session.scalars(select(AttributeDefinition).where(AttributeDefinition.project_id == project.id)
                                  .order_by(AttributeDefinition.position, AttributeDefinition.name)).all()
    values: dict[tuple[int, int], str] = {}
    for attribute in session.scalars(select(CaseAttribute).join(Case).where(Case.project_id == project.id)
                                     .options(selectinload(CaseAttribute.definition))):
        values[(attribute.case_id, attribute.definition_id)] = format_value(attribute.definition.type, attribute.value)
    rows = [[case.key, case.municipality, *(values.get((case.id, d.id), "") for d in definitions)]
            for case in session.scalars(select(Case).where(Case.project_id == project.id).order_by(Case.key))]
    return csv_bytes(["case_key", "municipality", *(d.name for d in definitions)], rows)


def format_value(type_: AttributeType, value: object) -> str:
    """An attribute value as the importer reads it back (booleans true/false, dates YYYY-MM-DD)."""
    if value is None:
        return ""
    if type_ is AttributeType.BOOLEAN:
        return "true" if value else "false"
    if type_ is AttributeType.NUMBER:
        return repr(float(value))  # type: ignore[arg-type]
    if type_ is AttributeType.DATE:
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def _interviewees(session: Session, project: Project) -> bytes:
    people = session.scalars(select(Interviewee).where(Interviewee.project_id == project.id)
                             .order_by(Interviewee.key)).all()
    return csv_bytes(INTERVIEWEES, [[p.key, p.role, p.perspective.value, p.municipality] for p in people])


def _excerpts(session: Session, project: Project, keys: dict[int, str], blind: Blindness = NOT_BLIND) -> bytes:
    """One row per excerpt, coder and direction (code keys joined by ';'); an uncoded excerpt gets one row.
    The memo column holds the row's coder's own memo; a coder with a memo and no coding gets a row
    without codes. Read and written in batches of sources in key order (``export_rows``): the rows of
    one batch sorted as the whole file is, so memory stays bounded on a large project."""
    code_keys = dict(session.execute(select(Code.id, Code.key).where(Code.project_id == project.id)).all())
    case_keys = dict(session.execute(select(Case.id, Case.key).where(Case.project_id == project.id)).all())
    names: dict[int, str] = {}
    buffer = io.StringIO(newline="")  # as files.tabular.csv_bytes writes, a batch at a time
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(v) for v in EXCERPTS])
    for batch in batches(sorted(keys, key=lambda source_id: keys[source_id])):
        rows = []
        excerpts = excerpt_rows(session, Excerpt.source_id.in_(batch), [Excerpt.id], blind)
        missing = {c.coder_id for e in excerpts for c in e.codings} | {m.user_id for e in excerpts for m in e.memos}
        missing -= set(names)
        if missing:
            names.update(session.execute(select(User.id, User.username).where(User.id.in_(missing))).all())
        for excerpt in excerpts:
            groups: dict[tuple[str, str], list[str]] = defaultdict(list)
            for coding in excerpt.codings:
                groups[(names[coding.coder_id], coding.direction.value)].append(code_keys[coding.code_id])
            memos = {names[m.user_id]: m.text for m in excerpt.memos}
            for name in set(memos) - {coder for coder, _ in groups}:
                groups[(name, "")] = []
            head = [keys[excerpt.source_id], case_keys[excerpt.case_id] if excerpt.case_id else "",
                    excerpt.start_offset, excerpt.end_offset, excerpt.text]
            for (coder, direction), codes in sorted(groups.items()) or [(("", ""), [])]:
                rows.append([*head, ";".join(sorted(codes)), direction, coder, memos.pop(coder, "")])
        rows.sort(key=lambda r: (r[0], r[2], r[3], r[1], r[7], r[6], r[5]))
        writer.writerows([neutralise(v) if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row]
                         for row in rows)  # the same cells as csv_bytes, without a call per cell
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
