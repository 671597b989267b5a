"""The .qdpx import's fast paths (issue #25) keep the lenient reading: elements by local name in any
namespace (``xmlread.parse`` renames them once), sources, interviewees and cases written in bulk with the
refusals of the one-by-one functions left out and reported, a source without text kept in its place in
the order of ids, a source key used twice kept once. Both databases."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casecoder.exchange.refi import xmlread
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.models import Case, CaseAttribute, Excerpt, Source
from tests.exchange.test_refi import qdpx

U1 = "11111111-1111-4111-8111-111111111111"
CODE = "22222222-2222-4222-8222-222222222222"
V = {name: f"33333333-3333-4333-8333-33333333333{i}" for i, name in enumerate(
    ["casecoder:source_key", "casecoder:interviewee_key", "casecoder:interviewee_role", "Alder", "kommune"])}
S = [f"44444444-4444-4444-8444-44444444444{i}" for i in range(3)]


def value(name: str, text: str, element: str = "TextValue") -> str:
    return f'<VariableValue><VariableRef targetGUID="{V[name]}"/><{element}>{text}</{element}></VariableValue>'


def selection(n: int, start: int, end: int, coding_element: str = "Coding") -> str:
    return (f'<PlainTextSelection guid="55555555-5555-4555-8555-5555555555{n:02d}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{U1}"><{coding_element} guid="66666666-6666-4666-8666-6666666666{n:02d}"'
            f' creatingUser="{U1}"><CodeRef targetGUID="{CODE}"/></{coding_element}></PlainTextSelection>')


QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" xmlns:o="urn:other" name="Fast" origin="Some tool 1.0">
  <Users><User guid="{U1}" name="tove"/></Users>
  <CodeBook><Codes><Code guid="{CODE}" name="Tillid" isCodable="true"/></Codes></CodeBook>
  <Variables>
    <Variable guid="{V['casecoder:source_key']}" name="casecoder:source_key" typeOfVariable="Text"/>
    <Variable guid="{V['casecoder:interviewee_key']}" name="casecoder:interviewee_key" typeOfVariable="Text"/>
    <Variable guid="{V['casecoder:interviewee_role']}" name="casecoder:interviewee_role" typeOfVariable="Text"/>
    <Variable guid="{V['Alder']}" name="Alder" typeOfVariable="Integer"/>
    <Variable guid="{V['kommune']}" name="kommune" typeOfVariable="Text"/>
  </Variables>
  <Cases>
    <Case guid="77777777-7777-4777-8777-777777777770" name="F1">{value('Alder', '41', 'IntegerValue')}
      {value('kommune', 'Aarhus')}<SourceRef targetGUID="{S[0]}"/></Case>
    <Case guid="77777777-7777-4777-8777-777777777771" name="F2">{value('Alder', 'fyrre', 'IntegerValue')}
      <SourceRef targetGUID="{S[2]}"/></Case>
  </Cases>
  <Sources>
    <TextSource guid="{S[0]}" name="A" creatingUser="{U1}">
      <PlainTextContent>Familien fortalte om tilliden til kommunen.</PlainTextContent>
      {value('casecoder:source_key', 'I-1')}{value('casecoder:interviewee_key', 'P1;ikke en nøgle!;P2')}
      {value('casecoder:interviewee_role', 'mor;far;barn')}
      {selection(1, 0, 8)}{selection(2, 9, 16, 'o:Coding')}
    </TextSource>
    <TextSource guid="{S[1]}" name="B"><PlainTextContent>   </PlainTextContent></TextSource>
    <TextSource guid="{S[2]}" name="C">
      <PlainTextContent>Koordinatoren ringede tilbage samme dag.</PlainTextContent>
      {value('casecoder:source_key', 'I-1')}{value('casecoder:interviewee_key', 'P2')}
      {selection(3, 0, 13)}
    </TextSource>
  </Sources>
</Project>"""


def test_elements_are_found_by_local_name_in_any_namespace():
    root = xmlread.parse(QDE.encode(), "project.qde")
    assert xmlread.namespace(root) == "urn:QDA-XML:project:1.0"  # the root keeps its namespace
    sources = list(xmlread.path(root, "Sources", "TextSource"))
    assert [xmlread.attr(s, "name") for s in sources] == ["A", "B", "C"]
    selections = xmlread.children(sources[0], "PlainTextSelection")
    assert [len(xmlread.children(s, "Coding")) for s in selections] == [1, 1]  # o:Coding in urn:other too
    assert xmlread.text_of(xmlread.child(sources[2], "PlainTextContent")).startswith("Koordinatoren")


def test_sources_interviewees_and_cases_in_bulk_keep_the_lenient_rules(session):
    project, report = import_qdpx(session, qdpx({"project.qde": QDE.encode()}), "fast.qdpx", user=None)
    session.flush()
    sources = session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id).options(
        selectinload(Source.cases), selectinload(Source.interviewees))).all()
    assert [(s.title, s.key, [c.key for c in s.cases], [p.key for p in s.interviewees]) for s in sources] == [
        ("A", "I-1", ["F1"], ["P1", "P2"]), ("B", None, [], []), ("C", None, ["F2"], ["P2"])]
    assert sources[1].text == "   "  # kept empty, in its place
    assert [(p.key, p.role) for p in sources[0].interviewees] == [("P1", "mor"), ("P2", "barn")]
    assert any(s.item == "Source 'A', interviewee 'ikke en nøgle!'" for s in report.skipped)
    assert any("Source 'B' has no text" in w for w in report.warnings)
    excerpts = session.execute(select(Source.title, Excerpt.start_offset, Excerpt.text).join(Source).where(
        Excerpt.project_id == project.id).order_by(Excerpt.id)).all()
    assert [tuple(e) for e in excerpts] == [("A", 0, "Familien"), ("A", 9, "fortalt"), ("C", 0, "Koordinatoren")]
    values = session.execute(select(Case.key, Case.municipality, CaseAttribute.value_int).outerjoin(CaseAttribute)
                             .where(Case.project_id == project.id).order_by(Case.id)).all()
    assert [tuple(v) for v in values] == [("F1", "Aarhus", 41), ("F2", "(unknown)", None)]
    assert any(s.item == "Case 'F2', variable 'Alder' = 'fyrre'" for s in report.skipped)
    assert report.imported["sources"] == 3 and report.imported["excerpts"] == 3 and report.imported["attributes"] == 1
