"""The audit log in words (analysis/audit_log.py, analysis/audit_words.py): one sentence per event with
names instead of ids (also of deleted objects), the changes of an update, the filters in SQL, the names
read in a fixed number of queries, and the stored data as readable text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select

from casecoder.analysis import audit_log
from casecoder.analysis.audit_words import Names, describe, readable, shorten
from casecoder.coding import audit, chains, codes, excerpts
from casecoder.kernel.translate import translations
from casecoder.models import AuditEvent, Coding, Direction

PHRASE = "Min koordinator ringede altid tilbage samme dag."


def sentences(session, project, flt=None, per_page=200):
    page = audit_log.audit_page(session, project.id, flt or audit_log.AuditFilter(), 1, per_page)
    return [row.sentence for row in page.rows]


def test_coding_in_words_with_names_also_after_deletes(session, factory):
    project, owner, excerpt = factory.coded_project()
    coding = excerpt.codings[0]
    h13, h1, h2 = (factory.code(project, k) for k in ("H1.3", "H1", "H2"))
    excerpts.set_direction(session, owner, coding, Direction.NUANCES)
    moved = audit.snapshot(h13)
    audit.log(session, owner, "update", "code", h13.id, project_id=project.id, before=moved,
              after={**moved, "parent_id": h2.id, "position": 9})
    session.commit()
    said = sentences(session, project)
    who = owner.username
    assert f"{who} coded 'Min koordinator ringede altid tilbage…' with H1.4 (supports)" in said
    assert f"{who} changed the coding of 'Min koordinator ringede altid tilbage…' with H1.4 from supports to nuances" in said
    assert f"{who} moved code H1.3 from H1 to H2" in said
    assert any(s.startswith(f"{who} marked the excerpt 'Min koordinator") and s.endswith("in 'Interview'") for s in said)
    excerpts.delete_excerpt(session, owner, excerpt)
    session.commit()
    said = sentences(session, project)
    # the excerpt is gone: its text comes from its last snapshot, for the coding events too
    assert said[0] == f"{who} deleted the excerpt 'Min koordinator ringede altid tilbage…' in 'Interview'"
    assert f"{who} coded 'Min koordinator ringede altid tilbage…' with H1.4 (supports)" in said
    assert h1.key == "H1"
    codes.merge_code(session, factory.code(project, "H1.2"), h13, owner.id)
    codes.delete_code(session, h13, owner.id)
    session.commit()
    said = sentences(session, project)
    assert said[0] == f"{who} deleted code H1.3 '{h13.label_en}'"  # the code is gone: its key from the log
    assert said[1] == f"{who} merged code H1.2 into H1.3"


def test_an_update_lists_its_changes_and_the_stored_data_reads_as_text(session, factory):
    project, owner, _ = factory.coded_project()
    h14 = factory.code(project, "H1.4")
    codes.update_code(session, h14, owner.id, label_da="Koordinatoren ringer tilbage på én dag")
    session.commit()
    row = audit_log.audit_page(session, project.id, audit_log.AuditFilter(kind="code"), 1, 1).rows[0]
    assert row.sentence == f"{owner.username} renamed code H1.4"
    assert len(row.changes) == 1 and row.changes[0].startswith("Danish label: '")
    assert row.changes[0].endswith("→ 'Koordinatoren ringer tilbage på én dag'")
    assert "label_da: Koordinatoren ringer tilbage på én dag" in row.after
    assert "\\u00e5" not in row.after and "\\u" not in row.before
    assert readable({"cases": ["F01", "Å2"], "n": 2, "ok": True}) == 'cases: ["F01", "Å2"]\nn: 2\nok: true'


def test_filters_by_user_kind_and_date_in_sql(session, factory):
    project, owner, excerpt = factory.coded_project()
    anna = factory.user("anna")
    audit.log(session, anna, "update", "case", 1, project_id=project.id, before={"key": "F01"},
              after={"key": "F01a"})
    session.commit()
    every = audit_log.audit_page(session, project.id, audit_log.AuditFilter(), 1, 200)
    by_anna = audit_log.audit_page(session, project.id, audit_log.AuditFilter(user_id=anna.id), 1, 200)
    assert [r.sentence for r in by_anna.rows] == ["anna changed case F01a"] and by_anna.total == 1
    codings = audit_log.audit_page(session, project.id, audit_log.AuditFilter(kind="coding"), 1, 200)
    assert codings.total == 1 and codings.rows[0].kind == "coding"
    today = datetime.now(timezone.utc).date()
    assert audit_log.audit_page(session, project.id, audit_log.AuditFilter(date_from=today - timedelta(days=1),
                                                                           date_to=today + timedelta(days=1)),
                                1, 200).total == every.total
    assert audit_log.audit_page(session, project.id, audit_log.AuditFilter(date_from=today + timedelta(days=1)),
                                1, 200).total == 0
    assert audit_log.audit_page(session, project.id, audit_log.AuditFilter(date_to=today - timedelta(days=1)),
                                1, 200).total == 0
    offered = audit_log.choices(session, project.id)
    assert offered.users == sorted([(anna.id, "anna"), (owner.id, owner.username)], key=lambda u: u[1])
    assert offered.kinds[:3] == ["code", "excerpt", "coding"] and "case" in offered.kinds
    page2 = audit_log.audit_page(session, project.id, audit_log.AuditFilter(), 2, 2)
    assert [r.id for r in page2.rows] == [r.id for r in every.rows[2:4]] and page2.total == every.total


def test_the_names_of_a_page_take_a_fixed_number_of_queries(session, factory, engine):
    project, owner, excerpt = factory.coded_project()
    source = excerpt.source
    for i in range(3):
        more = factory.excerpt(owner, source, "Det gav ro." if i == 0 else "Hvordan gik det?" if i == 1 else "Interviewer",
                               [(factory.code(project, "H1.3"), "supports")])
        excerpts.delete_excerpt(session, owner, more)
    session.commit()

    def count(per_page):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = audit_log.audit_page(session, project.id, audit_log.AuditFilter(), 1, per_page)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(page.rows), len(statements)

    small, large = count(2), count(200)
    assert large[0] > small[0] + 5
    assert large[1] <= 8 and large[1] - small[1] <= 3  # a query per table, not per row


def test_sentences_for_every_kind_of_event(session, factory):
    project, owner, excerpt = factory.coded_project()
    anna = factory.user("anna")
    case = excerpt.case
    h14 = factory.code(project, "H1.4")
    chains.save_chain(session, project, owner, title="Kæden", keys=["H1.4", "H1.3"], arrows=["both-and"])
    session.commit()
    log = [
        ("create", "membership", anna.id, None, {"user_id": anna.id, "role": "coder"}),
        ("update", "membership", anna.id, {"user_id": anna.id, "role": "coder"}, {"user_id": anna.id, "role": "owner"}),
        ("delete", "membership", anna.id, {"username": "anna", "role": "owner"}, None),
        ("create", "case", case.id, None, {"key": "F01", "municipality": "Nordby"}),
        ("delete", "case", 999, {"key": "F09", "municipality": "Sydby"}, None),
        ("create", "interviewee", 5, None, {"key": "Mor F01", "role": "mor", "perspective": "family"}),
        ("update", "source", excerpt.source_id, {"title": "Interview", "perspective": "family"},
         {"title": "Interview", "perspective": "system"}),
        ("delete", "source", 777, {"title": "Gammelt interview"}, None),
        ("create", "cases", project.id, None, {"cases": ["F02", "F03"], "skipped": [], "criteria": {}}),
        ("replace", "registrations", project.id, {"adults": 0, "families": 0},
         {"adults": 12, "families": 7, "file": "register.csv"}),
        ("create", "criteria", 1, None, {"min_weeks": 10}),
        ("create", "double_coding", 3, None, {"source_id": excerpt.source_id, "coders": ["anna", "bo"], "opened": False}),
        ("update", "double_coding", 3, {"source_id": excerpt.source_id, "coders": ["anna", "bo"], "opened": False},
         {"source_id": excerpt.source_id, "coders": ["anna", "bo"], "opened": True}),
        ("create", "reconciliation", 4, None, {"case_id": case.id, "code_id": h14.id, "decision": "accept",
                                               "chosen_coder_id": anna.id, "note": ""}),
        ("create", "pseudonym_key", 6, None, {"real": "Mette", "pseudonym": "Person A", "kind": "name"}),
        ("export", "pseudonym_key", project.id, None, {"entries": 4}),
        ("update", "pseudonym_hit", 8, {"source_id": excerpt.source_id, "found": "Mette", "replacement": "Person A",
                                        "status": "pending"},
         {"source_id": excerpt.source_id, "found": "Mette", "replacement": "Person A", "status": "accepted"}),
        ("apply", "pseudonym_hit", 8, None, {"source_id": excerpt.source_id, "found": "Mette",
                                             "replacement": "Person A", "status": "applied"}),
        ("pseudonymise", "source", excerpt.source_id, {"length": 90}, {"length": 92, "replaced": 1}),
        ("update", "project", project.id, {"pseudonymised_only": False}, {"pseudonymised_only": True}),
        ("frobnicate", "widget", 12, None, None),
    ]
    for action, entity, entity_id, before, after in log:
        audit.log(session, owner, action, entity, entity_id, project_id=project.id, before=before, after=after)
    session.commit()
    who = owner.username
    said = sentences(session, project)
    for expected in [
        f"{who} created the chain 'Kæden': H1.4 → H1.3",
        f"{who} added anna to the project as Coder",
        f"{who} changed the role of anna from Coder to Owner",
        f"{who} removed anna from the project",
        f"{who} created case F01", f"{who} deleted case F09",
        f"{who} added interviewee Mor F01",
        f"{who} changed the transcript 'Interview'",
        f"{who} deleted the transcript 'Gammelt interview'",
        f"{who} created cases from the selection: F02, F03",
        f"{who} loaded the register from register.csv: 12 adults in 7 families (before: 0)",
        f"{who} saved the selection criteria",
        f"{who} put 'Interview' in double coding by anna, bo",
        f"{who} opened the comparison of 'Interview'",
        f"{who} decided F01 × H1.4: anna's version counts",
        f"{who} added 'Mette' → 'Person A' to the key list",
        f"{who} downloaded the key list (4 entries)",
        f"{who} accepted replacing 'Mette' by 'Person A' in 'Interview'",
        f"{who} replaced 'Mette' by 'Person A' in 'Interview'",
        f"{who} pseudonymised 'Interview' (1 replacements)",
        f"{who} allowed only pseudonymised exports",
        f"{who}: frobnicate widget #12",
    ]:
        assert expected in said, expected
    row = next(r for r in audit_log.audit_page(session, project.id, audit_log.AuditFilter(kind="source"), 1, 50).rows
               if r.action == "update")
    assert row.changes == ["perspective: family → system"]


def test_the_builder_needs_no_database_and_speaks_danish(session, factory):
    project, owner, excerpt = factory.coded_project()
    coding = session.scalars(select(Coding)).first()
    names = Names(users={owner.id: "anna"}, codes={coding.code_id: "H1.2"}, excerpts={excerpt.id: "Mor F07: " + PHRASE})
    event_ = AuditEvent.record(project_id=project.id, user_id=owner.id, action="create", entity="coding",
                               entity_id=coding.id, after=audit.snapshot(coding))
    assert describe(event_, names).sentence == "anna coded 'Mor F07: Min koordinator ringede altid…' with H1.2 (supports)"
    danish = describe(event_, names, translations("da").gettext, "da").sentence
    assert "understøtter" in danish and "anna" in danish and "H1.2" in danish
    system = AuditEvent.record(project_id=project.id, user_id=None, action="detect", entity="source", entity_id=1,
                               before={"pending": 0}, after={"pending": 2, "kept": 0})
    assert describe(system, Names(sources={1: "Interview"})).sentence == \
        "The system looked for names in 'Interview': 2 to review"
    assert shorten("  kort\n tekst ") == "kort tekst" and len(shorten("ord " * 30)) <= 41


def test_the_changes_of_a_transcript_and_a_case_read_plainly(session, factory):
    project, owner, excerpt = factory.coded_project()
    audit.log(session, owner, "update", "source", excerpt.source_id, project_id=project.id,
              before={"title": "Interview", "perspective": "family", "mode": None, "interview_date": None,
                      "cases": ["F01"], "interviewees": []},
              after={"title": "Interview med mor", "perspective": "family", "mode": "visit",
                     "interview_date": "2016-11-03", "cases": ["F01", "F02"], "interviewees": ["Mor F01"]})
    audit.log(session, owner, "update", "case", excerpt.case_id, project_id=project.id,
              before={"key": "F01", "municipality": "Nordby", "attributes": {}},
              after={"key": "F01", "municipality": "Århus", "attributes": {"børn": 2}})
    session.commit()
    source, case = audit_log.audit_page(session, project.id, audit_log.AuditFilter(), 1, 2).rows[::-1]
    assert source.sentence == f"{owner.username} changed the transcript 'Interview med mor'"
    assert source.changes == ["title: 'Interview' → 'Interview med mor'", "mode: — → visit",
                              "date: — → 2016-11-03", "cases: F01 → F01, F02", "interviewees: — → Mor F01"]
    assert case.sentence == f"{owner.username} changed case F01"
    assert case.changes == ["municipality: 'Nordby' → 'Århus'", "attributes: — → børn: 2"]


def test_keys_kept_instead_of_ids_read_as_they_are():
    event_ = AuditEvent.record(project_id=1, user_id=None, action="update", entity="reconciliation", entity_id=1,
                               after={"case_id": "F07", "code_id": 5, "decision": "merge"})
    assert describe(event_, Names(codes={5: "H1.2"})).sentence == \
        "The system decided F07 × H1.2: every coder's version counts"


def test_every_page_of_a_filter_is_its_slice_of_the_whole_list(session, factory):
    """A page's ids are read apart from its rows (a subquery with LIMIT/OFFSET): the pages of one user's or one
    kind's events, walked to the end, are the whole filtered list in order, newest first."""
    project, owner, excerpt = factory.coded_project()
    anna = factory.user("anna")
    for i in range(7):
        audit.log(session, anna if i % 2 else owner, "update", "case", i, project_id=project.id,
                  before={"key": f"F{i}"}, after={"key": f"G{i}"})
    session.commit()
    for flt in (audit_log.AuditFilter(), audit_log.AuditFilter(user_id=anna.id),
                audit_log.AuditFilter(user_id=owner.id, kind="case")):
        whole = [r.id for r in audit_log.audit_page(session, project.id, flt, 1, 200).rows]
        pages = [audit_log.audit_page(session, project.id, flt, n, 3) for n in range(1, len(whole) // 3 + 3)]
        assert [r.id for p in pages for r in p.rows] == whole == sorted(whole, reverse=True)
        assert len(whole) >= 3 and all(p.total == len(whole) for p in pages) and pages[-1].rows == []
