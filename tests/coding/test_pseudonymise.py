"""Pseudonymisation core: detection (pure), stored hits and decisions, applying with excerpts moved."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import pseudonym_keys, pseudonymise, transcripts
from casecoder.coding.pseudonym_detect import KeyTerm, detect, find_cpr, find_emails, find_keys, find_phones
from casecoder.coding.pseudonymise import _map, replace_spans
from casecoder.files.extract import Extracted
from casecoder.kernel.errors import ExportBlocked, InvalidInput
from casecoder.models import AuditEvent, HitKind, HitStatus, PseudonymHit


def spans(found):
    return [f.found for f in found]


# ---- detection, pure -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("CPR 010190-1234 her", ["010190-1234"]),
    ("cpr 0101901234.", ["0101901234"]),
    ("29. feb: 290200-4123", ["290200-4123"]),    # 7th digit 4, year 00 -> 2000, a leap year
    ("290200-1234", []),                          # 7th digit 1 -> 1900, not a leap year
    ("290296-1234", ["290296-1234"]),             # 1996 is a leap year
    ("290297-1234", []),
    ("290258-5123", []),                          # 5-8 with year 58 -> 1858, not a leap year
    ("290256-5123", ["290256-5123"]),             # -> 2056, a leap year
    ("310490-1234", []),                          # 31 April
    ("320190-1234", []),
    ("011390-1234", []),                          # month 13
    ("000190-1234", []),
    ("nr. 12010190-1234", []),                    # inside a longer number
    ("0101901234567", []),
])
def test_cpr_numbers_need_a_valid_date(text, expected):
    assert spans(find_cpr(text)) == expected


def test_cpr_century_rules():
    from casecoder.coding.pseudonym_detect import cpr_century
    assert cpr_century(36, 4) == 2036 and cpr_century(37, 4) == 1937
    assert cpr_century(57, 7) == 2057 and cpr_century(58, 7) == 1858
    assert cpr_century(36, 9) == 2036 and cpr_century(99, 9) == 1999
    assert cpr_century(5, 0) == 1905


@pytest.mark.parametrize("text, expected", [
    ("ring på 12345678 i morgen", ["12345678"]),
    ("tlf. 12 34 56 78.", ["12 34 56 78"]),
    ("+45 22 33 44 55", ["+45 22 33 44 55"]),
    ("+4522334455", ["+4522334455"]),
    ("0045 2233 4455", ["0045 2233 4455"]),
    ("22-33-44-55", ["22-33-44-55"]),
    ("01234567", []),                  # Danish numbers do not start with 0
    ("123456789", []),                 # nine digits
    ("kr. 1.234.567", []),
    ("ID 9922334455", []),             # ten digits
])
def test_phone_numbers(text, expected):
    assert spans(find_phones(text)) == expected


def test_email_addresses():
    text = "Skriv til mette.hansen@kommune.dk, eller sagsbehandler+x@jobcenter.hedensted.dk."
    assert spans(find_emails(text)) == ["mette.hansen@kommune.dk", "sagsbehandler+x@jobcenter.hedensted.dk"]
    assert find_emails("ikke en adresse: mette@ eller @kommune.dk") == []


TERMS = [KeyTerm(1, "Mette", "Mor F07"), KeyTerm(2, "Hedensted Jobcenter", "Jobcenter A"),
         KeyTerm(3, "Hedensted", "Kommune A"), KeyTerm(4, "Lars", "Far F07")]


def test_key_list_whole_words_case_insensitive_with_genitive():
    text = ("Mette sagde at METTES mor og mette ringede til Hedensted  Jobcenter i Hedensted. "
            "Lars' bror. Mettesen og Metteline og Hedenstedvej er andre ord.")
    found = find_keys(text, TERMS)
    assert [(f.found, f.replacement, f.key_id) for f in found] == [
        ("Mette", "Mor F07", 1), ("METTES", "Mor F07s", 1), ("mette", "Mor F07", 1),
        ("Hedensted  Jobcenter", "Jobcenter A", 2), ("Hedensted", "Kommune A", 3), ("Lars'", "Far F07s", 4)]


def test_genitive_of_a_pseudonym_ending_in_s():
    found = find_keys("Annes cykel", [KeyTerm(1, "Anne", "Mor Hans")])
    assert found[0].replacement == "Mor Hans'"


def test_detect_orders_and_drops_overlaps():
    text = "Mette (010190-1234, 22334455, mette@x.dk) bor i Hedensted."
    found = detect(text, TERMS)
    assert [(f.kind, f.found) for f in found] == [
        (HitKind.KEY, "Mette"), (HitKind.CPR, "010190-1234"), (HitKind.PHONE, "22334455"),
        (HitKind.EMAIL, "mette@x.dk"), (HitKind.KEY, "Hedensted")]
    assert all(text[f.start:f.end] == f.found for f in found)


def test_offset_map_and_replace_spans():
    text = "Mette sagde at Mettes mor kom."
    edits = [(0, 5, "Mor F07"), (15, 21, "Mor F07s")]
    new = replace_spans(text, edits)
    assert new == "Mor F07 sagde at Mor F07s mor kom."
    assert _map(edits, 0, "start") == 0 and _map(edits, 5, "end") == 7      # exactly on the word
    assert _map(edits, 2, "start") == 0 and _map(edits, 2, "end") == 7      # inside: grows to cover
    assert _map(edits, 6, "start") == 8                                     # between: shifted by +2
    assert _map(edits, len(text), "end") == len(new)


# ---- stored hits, decisions, applying --------------------------------------------------------------

TEXT = ("Interviewer: Hvordan gik det?\n\nInterviewperson: Mette sagde, at jobcentret ringede på 22 33 44 55. "
        "Mettes koordinator i Hedensted Jobcenter hjalp. Skriv til mette@example.dk. Det gav ro.\n")


@pytest.fixture
def setup(factory, session):
    owner = factory.user("owner")
    project = factory.project("proj", owner)
    case = factory.case(project)
    source = factory.source(project, [case], text=TEXT)
    session.flush()
    return project, owner, source


def _statuses(session, source):
    return [(h.found, h.status) for h in session.scalars(select(PseudonymHit).where(
        PseudonymHit.source_id == source.id).order_by(PseudonymHit.start_offset))]


def test_detect_store_decide_apply_moves_excerpts(factory, session, setup):
    project, owner, source = setup
    code = factory.code(project, "H1.4")
    before = factory.excerpt(owner, source, "Hvordan gik det?", [(code, "supports")])
    covering = factory.excerpt(owner, source, "Mette sagde, at jobcentret ringede", [(code, "supports")])
    inside = factory.excerpt(owner, source, "koordinator i Hedensted", [(code, "supports")])   # ends inside a hit
    partial = factory.excerpt(owner, source, "ette sagde", [(code, "supports")])               # starts inside a hit
    after = factory.excerpt(owner, source, "Det gav ro.", [(code, "supports")])
    pseudonym_keys.add_key(session, owner, project, "Mette", "Mor F07", "name", detect=False)
    pseudonym_keys.add_key(session, owner, project, "Hedensted Jobcenter", "Jobcenter A", "institution",
                           detect=False)
    summary = pseudonymise.detect_project(session, project, owner)
    assert summary.new == 5
    hits = {h.found: h for h in session.scalars(select(PseudonymHit))}
    assert set(hits) == {"Mette", "22 33 44 55", "Mettes", "Hedensted Jobcenter", "mette@example.dk"}
    for found in ("Mette", "Mettes", "Hedensted Jobcenter", "mette@example.dk"):
        pseudonymise.decide(session, owner, project, hits[found], "accepted")
    pseudonymise.decide(session, owner, project, hits["22 33 44 55"], "rejected")
    result = pseudonymise.apply_accepted(session, owner, project)
    assert (result.sources, result.hits) == (1, 4)
    assert source.text == TEXT.replace("Mettes", "Mor F07s").replace("Mette ", "Mor F07 ").replace(
        "Hedensted Jobcenter", "Jobcenter A").replace("mette@example.dk", "[e-mail]")
    for excerpt in (before, covering, inside, partial, after):
        session.refresh(excerpt)
        assert source.text[excerpt.start_offset:excerpt.end_offset] == excerpt.text
    assert before.text == "Hvordan gik det?" and after.text == "Det gav ro."
    assert covering.text == "Mor F07 sagde, at jobcentret ringede"
    assert inside.text == "koordinator i Jobcenter A"
    assert partial.text == "Mor F07 sagde"
    assert after.start_offset == TEXT.index("Det gav ro.") - 12   # +2 +2 -8 -8
    rejected = hits["22 33 44 55"]
    assert source.text[rejected.start_offset:rejected.end_offset] == "22 33 44 55"  # moved with the text
    assert sorted(s for _f, s in _statuses(session, source)) == ["applied"] * 4 + ["rejected"]
    actions = session.execute(select(AuditEvent.entity, AuditEvent.action).where(
        AuditEvent.project_id == project.id, AuditEvent.entity != "code")).all()
    assert actions.count(("pseudonym_key", "create")) == 2
    assert actions.count(("pseudonym_hit", "update")) == 5
    assert actions.count(("pseudonym_hit", "apply")) == 4
    assert ("source", "pseudonymise") in actions and ("source", "detect") in actions
    assert actions.count(("excerpt", "update")) == 4   # all but the one before every hit
    # detecting again finds nothing new: the names are gone, the rejected number keeps its decision
    again = pseudonymise.detect_source(session, source, owner)
    assert (again.new, again.kept) == (0, 1)


def test_redetection_replaces_pending_and_keeps_decisions(session, setup):
    project, owner, source = setup
    pseudonymise.detect_source(session, source, owner)
    assert [f for f, _s in _statuses(session, source)] == ["22 33 44 55", "mette@example.dk"]
    phone = session.scalars(select(PseudonymHit).where(PseudonymHit.kind == HitKind.PHONE)).one()
    pseudonymise.decide(session, owner, project, phone, HitStatus.REJECTED)
    pseudonym_keys.add_key(session, owner, project, "Mette", "Mor F07")   # detects the project again
    assert _statuses(session, source) == [
        ("Mette", HitStatus.PENDING), ("22 33 44 55", HitStatus.REJECTED), ("Mettes", HitStatus.PENDING),
        ("mette@example.dk", HitStatus.PENDING)]
    assert session.get(PseudonymHit, phone.id) is phone   # the same row, decision kept
    assert pseudonymise.decide_all(session, owner, project, "accepted") == 3
    assert pseudonymise.counts(session, project)["accepted"] == 3


def test_key_list_rules(session, setup):
    project, owner, _source = setup
    entry = pseudonym_keys.add_key(session, owner, project, "Mette", "Mor F07", detect=False)
    with pytest.raises(InvalidInput, match="already on the key list"):
        pseudonym_keys.add_key(session, owner, project, " mette ", "X")
    with pytest.raises(InvalidInput, match="contains the real name"):
        pseudonym_keys.add_key(session, owner, project, "Anna", "Anna B")
    with pytest.raises(InvalidInput, match="contains the real name 'Mette'"):
        pseudonym_keys.add_key(session, owner, project, "Lone", "Mette L")
    with pytest.raises(InvalidInput, match="occurs in the pseudonym"):
        pseudonym_keys.add_key(session, owner, project, "Mor", "Kvinde")
    with pytest.raises(InvalidInput, match="must not be empty"):
        pseudonym_keys.add_key(session, owner, project, "Lone", " ")
    with pytest.raises(InvalidInput, match="Kind .planet. is not one of"):
        pseudonym_keys.add_key(session, owner, project, "Lone", "Mor F08", "planet")
    pseudonym_keys.update_key(session, owner, project, entry, "Mette", "Mor F09", "name")
    hits = session.scalars(select(PseudonymHit).where(PseudonymHit.key_entry_id == entry.id)
                           .order_by(PseudonymHit.start_offset)).all()
    assert [h.replacement for h in hits] == ["Mor F09", "Mor F09s"]
    csv_text = pseudonym_keys.key_csv(session, owner, project).decode("utf-8-sig")
    assert csv_text == "real,pseudonym,kind\r\nMette,Mor F09,name\r\n"
    pseudonym_keys.delete_key(session, owner, project, entry)
    assert session.scalars(select(PseudonymHit).where(PseudonymHit.kind == HitKind.KEY)).all() == []


def test_apply_refuses_stale_hits_and_applied_hits_are_final(session, setup):
    project, owner, source = setup
    pseudonymise.detect_source(session, source, owner)
    phone = session.scalars(select(PseudonymHit).where(PseudonymHit.kind == HitKind.PHONE)).one()
    pseudonymise.decide(session, owner, project, phone, "accepted")
    source.text = source.text.replace("22 33", "99 88")   # changed behind the hits' back
    with pytest.raises(InvalidInput, match="changed where"):
        pseudonymise.apply_accepted(session, owner, project)
    source.text = TEXT
    pseudonymise.apply_accepted(session, owner, project)
    with pytest.raises(InvalidInput, match="already applied"):
        pseudonymise.decide(session, owner, project, phone, "rejected")


def test_transcript_import_detects_and_edit_moves_hits(session, setup):
    project, owner, _source = setup
    extracted = Extracted("interview.txt", "Ring til 22334455 eller skriv til a@b.dk.\n", "ab" * 32, "txt", "utf-8")
    source = transcripts.import_transcript(session, project, extracted, user=owner, title=None,
                                           perspective="family")
    assert [f for f, _s in _statuses(session, source)] == ["22334455", "a@b.dk"]
    email = session.scalars(select(PseudonymHit).where(PseudonymHit.kind == HitKind.EMAIL,
                                                       PseudonymHit.source_id == source.id)).one()
    pseudonymise.decide(session, owner, project, email, "rejected")
    transcripts.edit_text(session, owner, source, "Hej. Ring til 22334455 eller skriv til a@b.dk. Tlf 33445566\n")
    assert _statuses(session, source) == [("22334455", HitStatus.PENDING), ("a@b.dk", HitStatus.REJECTED),
                                          ("33445566", HitStatus.PENDING)]
    session.refresh(email)
    assert source.text[email.start_offset:email.end_offset] == "a@b.dk"


def test_export_guard(session, setup):
    project, owner, source = setup
    pseudonymise.require_export_allowed(session, project)   # setting off: always allowed
    pseudonymise.set_pseudonymised_only(session, owner, project, True)
    with pytest.raises(ExportBlocked, match="2 pseudonymisation hit"):   # not even detected yet
        pseudonymise.require_export_allowed(session, project.slug)
    pseudonymise.detect_source(session, source, owner)
    with pytest.raises(ExportBlocked, match="2 pseudonymisation hit"):
        pseudonymise.require_export_allowed(session, project)
    pseudonymise.decide_all(session, owner, project, "accepted")
    with pytest.raises(ExportBlocked, match="2 accepted replacement"):
        pseudonymise.require_export_allowed(session, project)
    pseudonymise.apply_accepted(session, owner, project)
    pseudonymise.require_export_allowed(session, project)
    pseudonymise.require_export_allowed(session, "no-such-project")
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "project")).all()
    assert [(e.before, e.after) for e in events] == [({"pseudonymised_only": False}, {"pseudonymised_only": True})]


def test_bundle_and_qdpx_imports_detect_like_a_transcript_import(session, factory):
    """Material that arrives in a project bundle or a .qdpx is searched on import, as an uploaded transcript is."""
    from casecoder.coding import projects as project_ops
    from casecoder.exchange.bundle_export import bundle_files
    from casecoder.exchange.bundle_import import import_bundle
    from casecoder.exchange.refi.qdpx_read import import_qdpx
    from casecoder.exchange.refi.qdpx_write import write_qdpx
    from casecoder.files.csv_tables import Bundle
    from casecoder.models import Project

    project = factory.project("kilde")
    case = factory.case(project)
    factory.source(project, [case], text="Interviewperson: Ring til mig på 12 34 56 78 eller skriv til mor@eksempel.dk.")
    session.commit()
    pending = (select(PseudonymHit.kind).join(Project, Project.id == PseudonymHit.project_id)
               .where(PseudonymHit.status == HitStatus.PENDING))

    copy = project_ops.create_project(session, "Kopi", "kopi", None, None)
    files = bundle_files(session, project)
    bundle = Bundle({name: (lambda data=data: data) for name, data in files.items()})
    import_bundle(session, copy, bundle, user=None, max_bytes=2**24)
    assert sorted(k.value for k in session.scalars(pending.where(Project.slug == "kopi"))) == ["email", "phone"]

    import_qdpx(session, write_qdpx(session, project), "kilde.qdpx", user=None, slug="fra-qdpx")
    assert sorted(k.value for k in session.scalars(pending.where(Project.slug == "fra-qdpx"))) == ["email", "phone"]
