"""Export a project as a REFI-QDA project (.qdpx): ``project.qde`` plus ``sources/<guid>.txt`` (UTF-8).

What goes where is in ``convention.py``. Positions are code points, end exclusive (casecoder's own
offsets). Elements follow Project.xsd's order and empty lists are left out, so the file validates.
The same project gives the same bytes: every GUID but the codes' is derived from the slug and
row ids, timestamps are the rows' own, and the zip has fixed entry times.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timezone
from decimal import Decimal
from typing import IO, Sequence, cast

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from casecoder import __version__
from casecoder.analysis.double_coding import NOT_BLIND, Blindness
from casecoder.exchange.export_rows import CodingRow, ExcerptRow, batches, excerpt_rows
from casecoder.exchange.refi import convention as cv
from casecoder.exchange.refi import xmlout as xo
from casecoder.exchange.refi.qdc import add_code_elements, ensure_guids, hypothesis_sets, project_codes, sub, tree
from casecoder.files.ooxml import FIXED_ZIP_TIME
from casecoder.models import (
    AttributeDefinition,
    AttributeType,
    Case,
    CaseAttribute,
    Code,
    CodeRelation,
    Direction,
    Excerpt,
    Project,
    RelationType,
    Source,
    User,
)

NS = "urn:QDA-XML:project:1.0"
TYPE_OF = {AttributeType.TEXT: "Text", AttributeType.INTEGER: "Integer", AttributeType.NUMBER: "Float",
           AttributeType.BOOLEAN: "Boolean", AttributeType.DATE: "Date"}
SAID_SEPARATOR = "\n\n"  # between the parts of a selection's Description
VALUE_ELEMENT = {"Text": "TextValue", "Integer": "IntegerValue", "Float": "FloatValue", "Boolean": "BooleanValue",
                 "Date": "DateValue"}


def timestamp(value: datetime | None) -> str | None:
    """xsd:dateTime in UTC (naive values, as SQLite gives them back, are UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"  # as strftime("%Y-%m-%dT%H:%M:%SZ"), several times faster


def value_text(type_of: str, value: object) -> str:
    if type_of == "Boolean":
        return "true" if value else "false"
    if type_of == "Float":
        return format(Decimal(repr(float(value))), "f")  # type: ignore[arg-type]
    if type_of == "Date":
        return value.isoformat()  # type: ignore[attr-defined]
    return str(value)


def write_qdpx(session: Session, project: Project, lang: str = "da", blind: Blindness = NOT_BLIND) -> bytes:
    """``project`` as .qdpx bytes (code GUIDs given and stored first); ``blind``: a blind double coder
    gets on their blind sources only the selections they may see, with only their own codings.
    ``project.qde`` is written into the zip as it is made, a case or a source at a time."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        _Writer(session, project, lang, blind).write(archive)
    return out.getvalue()


def qdpx_files(session: Session, project: Project, lang: str = "da", blind: Blindness = NOT_BLIND) -> dict[str, bytes]:
    """File name -> bytes of the .qdpx: ``project.qde`` and one ``sources/<guid>.txt`` per source."""
    with zipfile.ZipFile(io.BytesIO(write_qdpx(session, project, lang, blind))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_entry(name: str) -> zipfile.ZipInfo:
    """An entry as ``files.ooxml.zip_files`` makes it: fixed time, deflated, rw-r--r--."""
    entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


class _Writer:
    def __init__(self, session: Session, project: Project, lang: str, blind: Blindness = NOT_BLIND):
        self.session, self.project, self.lang, self.blind = session, project, lang, blind
        self.slug = project.slug
        self.notes: list[tuple[str, str, str, str, str, str | None]] = []  # guid, name, text, created, modified, user
        self.when = cast(str, timestamp(project.created_at))  # for what has no time of its own
        self.creator_notes: dict[int, str] = {}
        self.pieces: list[str] = []  # project.qde's text not yet passed on to ``stream``
        self.pending = 0
        self.stream: IO[bytes] = io.BytesIO()  # the zip entry, while it is written

    def guid(self, kind: str, row_id: object) -> str:
        return cv.derived_guid(self.slug, kind, row_id)

    def note(self, kind: str, row_id: object, name: str, text: str, created: datetime | None = None,
             modified: datetime | None = None, user_guid: str | None = None) -> str:
        """A ``Note`` (written later) by ``user_guid``, dated by ``created``/``modified``, else the
        project's time; its GUID."""
        guid = self.guid(kind, row_id)
        made = timestamp(created) or self.when
        self.notes.append((guid, name, text, made, timestamp(modified) or made, user_guid))
        return guid

    def emit(self, piece: str) -> None:
        """Add ``piece`` to ``project.qde``, passed on to the zip a few hundred kilobytes at a time."""
        self.pieces.append(piece)
        self.pending += len(piece)
        if self.pending > 1 << 18:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self.pieces).encode("utf-8"))
        self.pieces, self.pending = [], 0

    def node(self, node: xo.Node, depth: int = 1) -> None:
        out: list[str] = []
        xo.render(node, depth, out)
        self.emit("".join(out))

    def write(self, archive: zipfile.ZipFile) -> None:
        """``project.qde`` and the sources' texts into ``archive``, in name order (as ``zip_files``)."""
        s, pid = self.session, self.project.id
        ensure_guids(s, self.project)
        codes = project_codes(s, self.project)
        children = tree(codes)
        sources = s.scalars(select(Source).where(Source.project_id == pid).order_by(Source.id).options(
            defer(Source.text), selectinload(Source.cases), selectinload(Source.interviewees))).all()
        # light rows, not ORM objects (``exchange/export_rows``): 190,000 excerpts in seconds (issue #25)
        excerpts = excerpt_rows(s, Excerpt.project_id == pid, [Excerpt.source_id, Excerpt.start_offset,
                                                               Excerpt.end_offset, Excerpt.id], self.blind, text=False)
        self.code_of = {c.id: c for c in codes}
        self.label_of = {c.id: c.label(self.lang) for c in codes}
        self.words = cv.words(self.lang)
        user_ids = {c.coder_id for e in excerpts for c in e.codings} | {e.created_by_id for e in excerpts}
        user_ids |= {m.user_id for e in excerpts for m in e.memos}
        user_ids |= {src.created_by_id for src in sources}
        users = s.scalars(select(User).where(User.id.in_([u for u in user_ids if u])).order_by(User.username)).all()
        self.user_guid: dict[int | None, str] = {u.id: self.guid("user", u.id) for u in users}
        self.user_name = {u.id: u.display_name or u.username for u in users}

        self.pieces, self.pending = [], 0
        with archive.open(zip_entry("project.qde"), "w") as self.stream:
            self.emit("<?xml version='1.0' encoding='UTF-8'?>\n" + xo.start_tag("Project", {
                "xmlns": NS, "name": self.project.title, "origin": f"{cv.ORIGIN} {__version__}",
                "creationDateTime": cast(str, timestamp(self.project.created_at))}) + "\n")
            self._body(codes, children, sources, excerpts, users)
            self.emit("</Project>\n")
            self.flush()
        names = sorted((f"sources/{self.guid('source', source.id)}.txt", source.id) for source in sources)
        for batch in batches(names):  # the texts (40 MB on the large project) a batch at a time
            texts = dict(s.execute(select(Source.id, Source.text).where(Source.id.in_([i for _, i in batch]))).all())
            for name, source_id in batch:
                archive.writestr(zip_entry(name), texts[source_id].encode("utf-8"))

    def _body(self, codes: list[Code], children: dict[int | None, list[Code]], sources: Sequence[Source],
              excerpts: list[ExcerptRow], users: Sequence[User]) -> None:
        """The root's children, in Project.xsd's order."""
        if users:
            element = xo.Node("Users", {})
            for user in users:
                xo.sub(element, "User", guid=self.user_guid[user.id], name=user.display_name or user.username,
                       id=user.username)
            self.node(element)
        codes_note = self.note("note", "codes", cv.CODES_NOTE, json.dumps(
            {c.guid: {f: getattr(c, f).value if f == "kind" else getattr(c, f) for f in cv.CODE_FIELDS}
             for c in sorted(codes, key=lambda c: c.guid or "")}, ensure_ascii=False, indent=1, sort_keys=True),
            self.project.created_at, max((c.created_at for c in codes if c.created_at), key=lambda d: timestamp(d) or "", default=None))
        code_notes = {c.id: [self.note("code-memo", c.id, f"Memo: {c.label(self.lang)}", c.memo, c.created_at)]
                      for c in sorted(codes, key=lambda c: c.id) if c.memo}
        if codes:  # lxml, as the .qdc writer: a few hundred elements
            codebook = etree.Element(f"{{{NS}}}CodeBook")
            add_code_elements(sub(codebook, "Codes", NS), NS, children, self.lang, code_notes)
            self.emit(xo.render_lxml(codebook, NS))
        variables = self._variables()
        self._cases(variables, excerpts)
        self._sources(variables, sources, excerpts)
        if self.notes:
            element = xo.Node("Notes", {})
            for guid, name, text, created, modified, user_guid in self.notes:
                note = xo.sub(element, "Note", guid=guid, name=name, creatingUser=user_guid,
                              creationDateTime=created, modifiedDateTime=modified)
                xo.sub(note, "PlainTextContent", text)
            self.node(element)
        self._links()
        sets = hypothesis_sets(self.project, children)
        if sets:
            element = xo.Node("Sets", {})
            for set_guid, hypothesis, members in sets:
                one = xo.sub(element, "Set", guid=set_guid, name=hypothesis.label(self.lang))
                for member in members:
                    xo.sub(one, "MemberCode", targetGUID=member.guid)
            self.node(element)
        if self.project.description:
            self.node(xo.Node("Description", {}, self.project.description))
        self.node(xo.Node("NoteRef", {"targetGUID": codes_note}))

    def _variables(self) -> dict[str, tuple[str, str]]:
        """Variable name -> (GUID, typeOfVariable); writes the ``Variables`` element."""
        definitions = self.session.scalars(select(AttributeDefinition).where(
            AttributeDefinition.project_id == self.project.id).order_by(
            AttributeDefinition.position, AttributeDefinition.name)).all()
        self.definitions = definitions
        readable = cv.perspective_variable(self.lang)
        self.perspective_variable = readable if readable not in {d.name for d in definitions} else f"{readable} (casecoder)"
        names = [(cv.MUNICIPALITY, "Text"), *((d.name, TYPE_OF[d.type]) for d in definitions),
                 *((name, "Date" if name == cv.DATE else "Text") for name in cv.SOURCE_VARIABLES),
                 (self.perspective_variable, "Text")]
        out = {name: (self.guid("variable", name), type_of) for name, type_of in names}
        element = xo.Node("Variables", {})
        for name, (guid, type_of) in out.items():
            xo.sub(element, "Variable", guid=guid, name=name, typeOfVariable=type_of)
        self.node(element)
        return out

    def _value(self, parent: xo.Node, variables: dict[str, tuple[str, str]], name: str, value: object) -> None:
        if value is None or value == "":
            return
        guid, type_of = variables[name]
        element = xo.sub(parent, "VariableValue")
        xo.sub(element, "VariableRef", targetGUID=guid)
        xo.sub(element, VALUE_ELEMENT[type_of], value_text(type_of, value))

    def _cases(self, variables: dict[str, tuple[str, str]], excerpts: Sequence[ExcerptRow]) -> None:
        s = self.session
        cases = s.scalars(select(Case).where(Case.project_id == self.project.id).order_by(Case.key)
                          .options(selectinload(Case.sources))).all()
        if not cases:
            return
        values: dict[int, dict[int, object]] = {}
        for attribute in s.scalars(select(CaseAttribute).join(Case).where(Case.project_id == self.project.id)
                                   .options(selectinload(CaseAttribute.definition))):
            values.setdefault(attribute.case_id, {})[attribute.definition_id] = attribute.value
        by_case: dict[int | None, list[ExcerptRow]] = {}  # in the excerpts' order, as before
        for excerpt in excerpts:
            by_case.setdefault(excerpt.case_id, []).append(excerpt)
        self.emit("  <Cases>\n")
        for case in cases:  # written one at a time
            one = xo.element("Case", guid=self.guid("case", case.id), name=case.key)
            if case.memo:
                xo.sub(one, "Description", case.memo)
            self._value(one, variables, cv.MUNICIPALITY, case.municipality)
            for definition in self.definitions:
                self._value(one, variables, definition.name, values.get(case.id, {}).get(definition.id))
            for source in sorted(case.sources, key=lambda x: x.id):
                xo.sub(one, "SourceRef", targetGUID=self.guid("source", source.id))
            refs = []  # as text at depth 3 (see _selections)
            for excerpt in by_case.get(case.id, ()):
                first = self.guid("selection", excerpt.id)
                refs.append(f"      <SelectionRef{xo.attributes(targetGUID=first)}/>\n")
                for coding in self.ordered(excerpt)[1:]:
                    guid = cv.extra_selection_guid(first, self.guid("coding", coding.id))
                    refs.append(f"      <SelectionRef{xo.attributes(targetGUID=guid)}/>\n")
            if refs:
                xo.raw(one, "".join(refs))
            self.node(one, 2)
        self.emit("  </Cases>\n")

    def _sources(self, variables: dict[str, tuple[str, str]], sources: Sequence[Source],
                 excerpts: Sequence[ExcerptRow]) -> None:
        if not sources:
            return
        by_source: dict[int, list[ExcerptRow]] = {}
        for excerpt in excerpts:
            by_source.setdefault(excerpt.source_id, []).append(excerpt)
        direction_notes = {d: self.note("note", f"direction-{d.value}", cv.DIRECTION_NOTE + d.value,
                                        f"casecoder: the coding {d.value} the code")
                           for d in (Direction.CONTRADICTS, Direction.NUANCES)
                           if any(c.direction is d for e in excerpts for c in e.codings)}
        self.emit("  <Sources>\n")
        for source in sources:  # written one at a time
            guid = self.guid("source", source.id)
            one = xo.element("TextSource", guid=guid, name=source.title, plainTextPath=f"internal://{guid}.txt",
                             creatingUser=self.user_guid.get(source.created_by_id),
                             creationDateTime=timestamp(source.created_at))
            for excerpt in by_source.get(source.id, []):
                self._selections(one, excerpt, direction_notes)
            if source.memo:
                xo.sub(one, "NoteRef", targetGUID=self.note("source-memo", source.id, f"Memo: {source.title}",
                                                              source.memo, source.created_at))
            people = source.interviewees
            self._value(one, variables, self.perspective_variable, self.words[source.perspective.value])
            for name, value in ((cv.SOURCE_KEY, source.key), (cv.PERSPECTIVE, source.perspective.value),
                                (cv.MODE, source.mode.value if source.mode else None), (cv.DATE, source.interview_date),
                                (cv.INTERVIEWEE_KEY, cv.LIST_SEPARATOR.join(p.key for p in people)),
                                (cv.INTERVIEWEE_ROLE, cv.LIST_SEPARATOR.join(p.role.replace(";", ",") for p in people)),
                                (cv.INTERVIEWEE_PERSPECTIVE, cv.LIST_SEPARATOR.join(p.perspective.value for p in people)),
                                (cv.INTERVIEWEE_MUNICIPALITY, cv.LIST_SEPARATOR.join(
                                    p.municipality.replace(";", ",") or "-" for p in people))):
                self._value(one, variables, name, value)
            self.node(one, 2)
        self.emit("  </Sources>\n")

    def ordered(self, excerpt: ExcerptRow) -> list[CodingRow]:
        """The excerpt's codings as its selections are written: its creator's first, then by id."""
        return sorted(excerpt.codings, key=lambda c: (c.coder_id != excerpt.created_by_id, c.id))

    def creator_note(self, user_id: int) -> str:
        """The shared note by ``user_id`` that says who created an excerpt whose first coding is another's."""
        if user_id not in self.creator_notes:
            self.creator_notes[user_id] = self.note(
                "note", f"creator-{user_id}", cv.CREATOR_NOTE,
                f"casecoder: the excerpt was created by {self.user_name[user_id]}", user_guid=self.user_guid[user_id])
        return self.creator_notes[user_id]

    def _selections(self, parent: xo.Node, excerpt: ExcerptRow, direction_notes: dict[Direction, str]) -> None:
        """One ``PlainTextSelection`` per coding, all with the excerpt's span (see ``convention``). Each
        coder's memo is a note by them referenced from the first selection; the ``Description`` of a
        coding's selection says its code, direction and its coder's memo (the first also the memos of
        those without a coding here)."""
        first = self.guid("selection", excerpt.id)
        codings: list[CodingRow | None] = [*self.ordered(excerpt)] or [None]
        memos = excerpt.memos
        coders = {c.coder_id for c in codings if c}
        words = self.words
        span = f' startPosition="{excerpt.start_offset}" endPosition="{excerpt.end_offset}"'
        created, modified = timestamp(excerpt.created_at) or self.when, timestamp(excerpt.updated_at) or self.when
        out = []  # written as text at depth 3 by xmlout's rules: a Node tree of a million selections costs more
        for n, coding in enumerate(codings):
            coding_guid = self.guid("coding", coding.id) if coding else ""
            said = [f"{self.label_of[coding.code_id]} ({words[coding.direction.value]})"] if coding else []
            said += [f"{words['memo']} ({self.user_name[m.user_id]}): {m.text}" for m in memos
                     if (coding and m.user_id == coding.coder_id) or (not n and m.user_id not in coders)]
            user = self.user_guid.get(coding.coder_id if coding else excerpt.created_by_id)
            head = ("      <PlainTextSelection" + xo.attributes(guid=cv.extra_selection_guid(first, coding_guid) if n else first)
                    + span + xo.attributes(creatingUser=user, creationDateTime=created, modifiedDateTime=modified))
            inner = []
            if said:
                inner.append(f"        <Description>{xo.text_value(SAID_SEPARATOR.join(said))}</Description>\n")
            if coding is not None:
                inner.append("        <Coding" + xo.attributes(
                    guid=coding_guid, creatingUser=self.user_guid.get(coding.coder_id),
                    creationDateTime=timestamp(coding.created_at) or self.when) + ">\n")
                inner.append(f"          <CodeRef{xo.attributes(targetGUID=self.code_of[coding.code_id].guid)}/>\n")
                if coding.direction in direction_notes:
                    inner.append(f"          <NoteRef{xo.attributes(targetGUID=direction_notes[coding.direction])}/>\n")
                inner.append("        </Coding>\n")
            if not n and coding is not None and coding.coder_id != excerpt.created_by_id and excerpt.created_by_id:
                inner.append(f"        <NoteRef{xo.attributes(targetGUID=self.creator_note(excerpt.created_by_id))}/>\n")
            for memo in memos if not n else ():
                note = self.note("excerpt-memo", f"{excerpt.id}/{memo.user_id}", f"Memo ({self.user_name[memo.user_id]})",
                                 memo.text, memo.updated_at, memo.updated_at, self.user_guid.get(memo.user_id))
                inner.append(f"        <NoteRef{xo.attributes(targetGUID=note)}/>\n")
            out.append(f"{head}>\n{''.join(inner)}      </PlainTextSelection>\n" if inner else f"{head}/>\n")
        xo.raw(parent, "".join(out))

    def _links(self) -> None:
        relations = self.session.scalars(select(CodeRelation).where(CodeRelation.project_id == self.project.id)
                                         .order_by(CodeRelation.id).options(
            selectinload(CodeRelation.source_code), selectinload(CodeRelation.target_code))).all()
        if not relations:
            return
        element = xo.Node("Links", {})
        for relation in relations:
            xo.sub(element, "Link", guid=self.guid("relation", relation.id), name=relation.type.value,
                direction="OneWay" if relation.type is RelationType.LEADS_TO else "Associative",
                originGUID=relation.source_code.guid, targetGUID=relation.target_code.guid)
        self.node(element)
