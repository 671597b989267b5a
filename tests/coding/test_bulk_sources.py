"""Cases, attribute values, interviewees and sources written in bulk (issue #25, coding/bulk_sources.py):
the same rows, links, derived rows and full-text index as the one-by-one functions of coding/cases.py, the
same refusals before anything is written. Both databases."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from casecoder.coding import bulk_sources, cases
from casecoder.coding.bulk_sources import NewCase, NewInterviewee, NewSource
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AttributeType, Case, Interviewee, Source
from casecoder.models.derived import rebuild_all
from tests.coding.test_bulk_excerpts import derived_rows

TEXTS = ["Familien fortalte om mødet med kommunen.\n\nDet gik godt.", "Sagsbehandleren ringede tilbage.",
         "Ingen svarede på brevet; de klagede til forvaltningen."]


def _rows(session, project_id: int) -> dict[str, list[tuple]]:
    """Everything the writes leave, by keys instead of ids."""
    p = {"p": project_id}
    queries = {
        "cases": "SELECT key, municipality, memo FROM cases WHERE project_id = :p",
        "attributes": "SELECT c.key, d.name, a.value_text, a.value_int, a.value_number, a.value_bool, a.value_date "
                      "FROM case_attributes a JOIN cases c ON c.id = a.case_id "
                      "JOIN attribute_definitions d ON d.id = a.definition_id WHERE c.project_id = :p",
        "interviewees": "SELECT key, role, perspective, municipality FROM interviewees WHERE project_id = :p",
        "sources": "SELECT title, text, perspective, mode, interview_date, original_filename, sha256, memo, key, "
                   "created_by_id, text_version IS NOT NULL FROM sources WHERE project_id = :p",
        "source_cases": "SELECT s.title, c.key FROM source_cases l JOIN sources s ON s.id = l.source_id "
                        "JOIN cases c ON c.id = l.case_id WHERE s.project_id = :p",
        "source_interviewees": "SELECT s.title, i.key FROM source_interviewees l JOIN sources s ON s.id = l.source_id "
                               "JOIN interviewees i ON i.id = l.interviewee_id WHERE s.project_id = :p",
        "case_sources": "SELECT c.key, x.family, x.system FROM case_sources x JOIN cases c ON c.id = x.case_id "
                        "WHERE x.project_id = :p",
    }
    return {name: sorted(tuple(r) for r in session.execute(text(sql), p)) for name, sql in queries.items()}


def _found(session, project_id: int, word: str) -> list[str]:
    """Full-text search hits (titles) for ``word``: the index the triggers keep."""
    if session.get_bind().dialect.name == "sqlite":
        sql = ("SELECT s.title FROM sources_fts f JOIN sources s ON s.id = f.rowid "
               "WHERE sources_fts MATCH :w AND s.project_id = :p")
    else:
        sql = "SELECT title FROM sources WHERE search_vector @@ plainto_tsquery('danish', :w) AND project_id = :p"
    return sorted(session.scalars(text(sql), {"w": word, "p": project_id}))


def _one_by_one(session, project, user) -> None:
    size = cases.define_attribute(session, project, "children", AttributeType.INTEGER)
    f1 = cases.create_case(session, project, "F01", "Nordby", "et memo")
    f2 = cases.create_case(session, project, "F02", "Sydby")
    cases.set_attribute(session, f1, size, "3")
    anna = cases.create_interviewee(session, project, "anna", "mor", "family", " Nordby ")
    sb = cases.create_interviewee(session, project, "sb1", "sagsbehandler", "system")
    cases.create_source(session, project, title="Familie F01", text=TEXTS[0], perspective="family", cases=[f1],
                        interviewees=[anna], mode="visit", interview_date="2024-03-01", original_filename="a.txt",
                        raw=b"raw bytes", created_by=user)
    cases.create_source(session, project, title="System", text=TEXTS[1], perspective="system", cases=[f1, f2],
                        interviewees=[sb], original_filename="b.docx", sha256="ab" * 32, created_by=user)
    cases.create_source(session, project, title="Uden sag", text=TEXTS[2], perspective="family", created_by=user)


def _bulk(session, project, user) -> list[NewSource]:
    size = cases.define_attribute(session, project, "children", AttributeType.INTEGER)
    f1, f2 = NewCase("F01", "Nordby", "et memo", {"children": "3"}), NewCase("F02", "Sydby")
    anna, sb = NewInterviewee("anna", "mor", "family", " Nordby "), NewInterviewee("sb1", "sagsbehandler", "system")
    sources = [NewSource("Familie F01", TEXTS[0], "family", [f1], [anna], "visit", "2024-03-01", "a.txt",
                         raw=b"raw bytes", created_by=user),
               NewSource("System", TEXTS[1], "system", [f1, f2], [sb], original_filename="b.docx", sha256="ab" * 32,
                         created_by=user),
               NewSource("Uden sag", TEXTS[2], "family", created_by=user)]
    bulk_sources.write(session, project, cases=[f1, f2], interviewees=[anna, sb], sources=sources,
                       attributes={"children": size})
    return sources


def test_bulk_writes_what_the_one_by_one_functions_write(session, factory):
    owner = factory.user("anna")
    one, bulk = factory.project("one", owner, codebook=False), factory.project("bulk", owner, codebook=False)
    _one_by_one(session, one, owner)
    sources = _bulk(session, bulk, owner)
    session.flush()
    assert all(s.id for s in sources)
    assert session.get(Source, sources[0].id).text_version == sources[0].text_version
    expected, got = _rows(session, one.id), _rows(session, bulk.id)
    assert got == expected and got["case_sources"] == [("F01", 1, 1), ("F02", 0, 1)]
    assert _found(session, bulk.id, "kommunen") == _found(session, one.id, "kommunen") == ["Familie F01"]
    assert _found(session, bulk.id, "klagede") == ["Uden sag"]
    before = derived_rows(session, bulk.id)
    rebuild_all(session, bulk.id)
    assert derived_rows(session, bulk.id) == before


@pytest.mark.parametrize("thread_fails", [False, True])
def test_a_paused_import_leaves_each_new_transcript_its_search_vector(session, factory, monkeypatch, thread_fails):
    """PostgreSQL computes the vectors on a second connection during a pause (models/derived/search_later.py)
    and writes them at its end; if that connection fails, the import's own does. SQLite: FTS5 as always."""
    from casecoder.models.derived import search_later
    from casecoder.models.derived.pause import paused
    if thread_fails:
        monkeypatch.setattr(search_later, "_VECTORS", "SELECT no_such_function(%s)")
    owner = factory.user("anna")
    project = factory.project("bulk", owner, codebook=False)
    with paused(session, project.id):
        _bulk(session, project, owner)
    assert _found(session, project.id, "kommunen") == ["Familie F01"]
    assert _found(session, project.id, "klagede") == ["Uden sag"]
    if session.get_bind().dialect.name == "postgresql":
        assert session.scalar(text("SELECT count(*) FROM sources WHERE project_id = :p AND search_vector IS DISTINCT "
                                   "FROM to_tsvector('danish', text)"), {"p": project.id}) == 0
        assert not session.scalar(text("SELECT current_setting('casecoder.search_vector_later', true) = 'on'"))


@pytest.mark.parametrize("change, message", [
    (lambda c, p, s: c.append(NewCase("F01", "Nordby")), "Case 'F01' already exists in this project"),
    (lambda c, p, s: c.append(NewCase("F09", " ")), "Municipality must not be empty"),
    (lambda c, p, s: p.append(NewInterviewee("anna", "far", "family")),
     "Interviewee 'anna' already exists in this project"),
    (lambda c, p, s: p.append(NewInterviewee("ole", "far", "nobody")), "Perspective"),
    (lambda c, p, s: s.append(NewSource("Tom", "  \n", "family", original_filename="tom.txt")),
     "The transcript 'tom.txt' has no text"),
    (lambda c, p, s: s.append(NewSource("Dato", "tekst", "family", interview_date="1. marts")), "Date"),
    (lambda c, p, s: c.append(NewCase("F09", "Nordby", attributes={"children": "mange"})), "children"),
])
def test_a_problem_is_refused_before_anything_is_written(session, factory, change, message):
    owner = factory.user("anna")
    project = factory.project("bulk", owner, codebook=False)
    size = cases.define_attribute(session, project, "children", AttributeType.INTEGER)
    cases.create_case(session, project, "F01", "Nordby")
    cases.create_interviewee(session, project, "anna", "mor", "family")
    session.commit()
    new_cases, people, sources = [NewCase("F05", "Nordby")], [NewInterviewee("bo", "far", "family")], [
        NewSource("Fint", "tekst", "family")]
    change(new_cases, people, sources)
    with pytest.raises(InvalidInput) as info:
        bulk_sources.write(session, project, cases=new_cases, interviewees=people, sources=sources,
                           attributes={"children": size})
    assert message in info.value.message and info.value.index == 1
    assert session.scalars(select(Case.key).where(Case.project_id == project.id)).all() == ["F01"]
    assert session.scalars(select(Interviewee.key).where(Interviewee.project_id == project.id)).all() == ["anna"]
    assert session.scalars(select(Source.id).where(Source.project_id == project.id)).all() == []
