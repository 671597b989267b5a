"""A transcript's properties changed after import, a transcript deleted, coded excerpts without a case
(no Flask): the counts follow at once through the database's triggers, and the audit log records it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casecoder.analysis.tally import compute_tally
from casecoder.analysis.uncounted import deletion_counts, uncounted
from casecoder.coding import accounts, double_coding, transcripts
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Coding, DoubleCoding, Excerpt, HitKind, PseudonymHit, Source

TEXT = ("Interviewer: Hvordan gik det?\n\n"
        "Interviewperson: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n\n"
        "Interviewperson: Skolen var svær i starten.\n")


def _n(session, project, key: str = "H1.4", measure: str = "family") -> str:
    row = next(r for r in compute_tally(session, project).rows if r.key == key)
    return f"{row.counts[measure].n}/{row.counts[measure].N}"


def _props(source, **changes):
    values = {"title": source.title, "perspective": source.perspective, "mode": source.mode,
              "interview_date": source.interview_date, "cases_": source.cases, "interviewees": source.interviewees}
    return {**values, **changes}


@pytest.fixture
def caseless(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    source = factory.source(project, [], text=TEXT)
    factory.excerpt(owner, source, "Min koordinator ringede altid tilbage samme dag.",
                    [(factory.code(project, "H1.4"), "supports")])
    factory.excerpt(owner, source, "Skolen var svær i starten.", [(factory.code(project, "H1.4"), "nuances")])
    session.commit()
    return owner, project, source


def test_a_case_given_to_a_caseless_transcript_counts_its_codings_at_once(session, factory, caseless):
    owner, project, source = caseless
    case = factory.case(project, "F01")
    session.commit()
    found = uncounted(session, project.id)
    assert [(s.title, s.excerpts, s.has_cases) for s in found.sources] == [("Interview", 2, False)]
    assert found.excerpts == 2 and _n(session, project) == "0/0"
    assert not uncounted(session, project.id, coder_id=factory.user("anna").id)  # what a blind coder sees
    assert uncounted(session, project.id, source.id, coder_id=owner.id).excerpts == 2
    moved = transcripts.set_properties(session, owner, source, **_props(source, cases_=[case]))
    session.commit()
    assert moved == 2 and _n(session, project) == "1/1" and not uncounted(session, project.id)
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "source")).one()
    assert (event.action, event.entity_id, event.before["cases"], event.after["cases"]) == (
        "update", source.id, [], ["F01"])
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "excerpt", AuditEvent.action == "update")) == 2


def test_perspective_title_date_and_mode_change_and_the_counts_follow(session, factory):
    project, owner, excerpt = factory.coded_project()
    source = excerpt.source
    assert (_n(session, project, measure="family"), _n(session, project, measure="system")) == ("1/1", "0/0")
    transcripts.set_properties(session, owner, source, **_props(
        source, title=" Koordinator ", perspective="system", mode="phone", interview_date="2025-03-04"))
    session.commit()
    assert (_n(session, project, measure="family"), _n(session, project, measure="system")) == ("0/0", "1/1")
    session.refresh(source)
    assert (source.title, source.mode.value, source.interview_date.isoformat()) == ("Koordinator", "phone",
                                                                                    "2025-03-04")
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "source")).one()
    assert event.before["perspective"] == "family" and event.after == {
        "title": "Koordinator", "perspective": "system", "mode": "phone", "interview_date": "2025-03-04",
        "cases": ["F01"], "interviewees": []}
    # nothing changed: nothing audited
    transcripts.set_properties(session, owner, source, **_props(source))
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "source")) == 1


def test_removed_cases_leave_their_excerpts_without_a_case_and_caseless_ones_take_the_only_case(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    f1, f2, f3 = (factory.case(project, k) for k in ("F01", "F02", "F03"))
    source = factory.source(project, [f1, f2, f3], text=TEXT)
    code = factory.code(project, "H1.4")
    first = factory.excerpt(owner, source, "Min koordinator ringede", [(code, "supports")], case=f2)
    second = factory.excerpt(owner, source, "Skolen var svær", [(code, "supports")], case=f3)
    session.commit()
    assert _n(session, project) == "2/3"
    transcripts.set_properties(session, owner, source, **_props(source, cases_=[f1, f2]))
    session.commit()
    assert (first.case_id, second.case_id) == (f2.id, None)   # F02 stays linked; F03's excerpt has no case
    assert [(s.excerpts, s.has_cases) for s in uncounted(session, project.id).sources] == [(1, True)]
    assert _n(session, project) == "1/2"
    transcripts.set_properties(session, owner, source, **_props(source, cases_=[f3]))
    session.commit()
    # F02's excerpt does not become evidence about F03: it waits without a case; the caseless one takes F03
    assert (first.case_id, second.case_id) == (None, f3.id) and _n(session, project) == "1/1"
    assert [(s.excerpts, s.has_cases) for s in uncounted(session, project.id).sources] == [(1, True)]


def test_bad_properties_are_refused_with_their_field(session, factory):
    project, owner, excerpt = factory.coded_project()
    other = factory.project("other", owner)
    foreign = factory.case(other, "F09")
    source = excerpt.source
    for changes, field in [({"title": "  "}, "title"), ({"interview_date": "4/3/2025"}, "interview_date"),
                           ({"perspective": "neighbour"}, "perspective"), ({"cases_": [foreign]}, "cases")]:
        with pytest.raises(InvalidInput) as caught:
            transcripts.set_properties(session, owner, source, **_props(source, **changes))
        assert caught.value.field == field


def test_deleting_a_transcript_takes_its_excerpts_codings_hits_and_double_coding(session, factory, caseless):
    owner, project, source = caseless
    kept = factory.source(project, [factory.case(project)], title="Andet")
    factory.excerpt(owner, kept, "Min koordinator ringede", [(factory.code(project, "H1.4"), "supports")])
    coder = factory.user("anna")
    accounts.add_member(session, project, coder, "coder")
    double_coding.mark_sources(session, owner, project, [source], [owner, coder])
    session.add(PseudonymHit(project_id=project.id, source_id=source.id, start_offset=0, end_offset=5,
                             found="Inter", kind=HitKind.KEY, replacement="X"))
    session.commit()
    assert deletion_counts(session, source.id) == (2, 2)
    source_id = source.id
    assert transcripts.delete_transcript(session, owner, source) == (2, 2)
    session.commit()
    session.expire_all()
    assert session.get(Source, source_id) is None
    assert session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.source_id == source_id)) == 0
    assert session.scalar(select(func.count()).select_from(Coding)) == 1
    assert session.scalar(select(func.count()).select_from(PseudonymHit)) == 0
    assert session.scalar(select(func.count()).select_from(DoubleCoding)) == 0
    assert _n(session, project) == "1/1" and not uncounted(session, project.id)
    deleted = session.execute(select(AuditEvent.entity, func.count()).where(AuditEvent.action == "delete")
                              .group_by(AuditEvent.entity)).all()
    assert dict(deleted) == {"coding": 2, "excerpt": 2, "source": 1}
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "source")).one()
    assert (event.before["title"], event.before["excerpts"], event.before["codings"]) == ("Interview", 2, 2)


def test_a_case_and_an_interviewee_from_the_import_form(session, factory):
    owner = factory.user()
    project = factory.project(owner=owner)
    case = transcripts.new_case(session, owner, project, "F07", "Sydby")
    person = transcripts.new_interviewee(session, owner, project, "Mor-F07", "mor", "family")
    assert (case.key, person.role) == ("F07", "mor")
    with pytest.raises(InvalidInput) as caught:
        transcripts.new_case(session, owner, project, "F07", "Sydby")
    assert caught.value.field == "new_case_key"
    with pytest.raises(InvalidInput) as caught:
        transcripts.new_case(session, owner, project, "F08", " ")
    assert caught.value.field == "new_case_municipality"
    with pytest.raises(InvalidInput) as caught:
        transcripts.new_interviewee(session, owner, project, "Far F07", "far", "family")
    assert caught.value.field == "new_interviewee_key"
    # the page's script sends each file with the same fields: the same case is taken again
    assert transcripts.new_case(session, owner, project, "F07", "Sydby", reuse=True).id == case.id
    assert transcripts.new_interviewee(session, owner, project, "Mor-F07", "mor", "family", reuse=True).id == person.id
    with pytest.raises(InvalidInput):
        transcripts.new_case(session, owner, project, "F07", "Nordby", reuse=True)
    created = session.scalars(select(AuditEvent.entity).where(AuditEvent.action == "create",
                                                              AuditEvent.entity.in_(["case", "interviewee"]))).all()
    assert sorted(created) == ["case", "interviewee"]
