"""Selecting success cases from the register (#7): the import (every problem with line and column, all or
nothing, replace and audit), the criteria, the known answers of the rule, the rounding of shares, creating
cases, and the interviewee overview (distinct professionals, families interviewed). Both databases."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.interviewees import interviewee_overview
from casecoder.analysis.selection import Criteria, parse_criteria, saved_criteria, select_families, share_percent
from casecoder.coding import accounts
from casecoder.coding import cases as case_api
from casecoder.coding.registrations import (
    RegisterProblems,
    create_cases_from_selection,
    import_registrations,
    read_register,
    save_criteria,
)
from casecoder.files.csv_tables import BundleProblems
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Case, Registration, SelectionCriteria

HEADER = "family_id,municipality,adult_id,employed_at_entry,employment_weeks,last_registration"
KNOWN = [  # family, municipality, adult, employed at entry, weeks, latest registration  -> selected?
    ("F10", "Kolding", "F10-A", "no", 10, "2016-11-15"),      # exactly 10 weeks: in
    ("F09", "Kolding", "F09-A", "no", 9, "2016-11-15"),       # 9 weeks: out
    ("FEMP", "Kolding", "FEMP-A", "yes", 40, "2016-11-15"),   # employed at entry, 40 weeks: out
    ("FTWO", "Kolding", "FTWO-A", "yes", 40, "2016-12-01"),   # criterion 2 by A ...
    ("FTWO", "Kolding", "FTWO-B", "no", 12, "2016-06-30"),    # ... criterion 1 by B: in
    ("FOCT", "Thisted", "FOCT-A", "nej", 20, "2016-10-31"),   # the day before the window: out
    ("FNOV", "Thisted", "FNOV-A", "0", 20, "01-11-2016"),     # the first day (DD-MM-YYYY): in
    ("FDEC", "Thisted", "FDEC-A", "false", 20, "31.12.2016"),  # the last day (DD.MM.YYYY): in
    ("FJAN", "Thisted", "FJAN-A", "no", 20, "2017-01-01"),    # the day after: out
    ("FASS", "Assens", "FASS-A", "no", 2, "2016-11-11"),      # a municipality without selected families
]


def csv_of(rows, header: str = HEADER, sep: str = ",") -> bytes:
    return ("\n".join([header.replace(",", sep), *(sep.join(map(str, r)) for r in rows)]) + "\n").encode()


@pytest.fixture
def project(factory, session):
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    session.commit()
    return project


def problems(data: bytes) -> list[str]:
    with pytest.raises(BundleProblems) as info:
        read_register(data, "reg.csv")
    return [p.render() for p in info.value.problems]


# -- the rule: known answers -----------------------------------------------------------------------

def test_known_answers_of_the_report_criteria(session, project):
    import_registrations(session, project, csv_of(KNOWN), "reg.csv", None)
    s = select_families(session, project)
    assert s.criteria == Criteria(10, True, date(2016, 11, 1), date(2016, 12, 31))
    assert [f.family_id for f in s.selected] == ["F10", "FTWO", "FDEC", "FNOV"]
    by_id = {f.family_id: f for f in s.families}
    assert by_id["FTWO"].employment_adults == ("FTWO-B",) and by_id["FTWO"].active_adults == ("FTWO-A",)
    assert by_id["FEMP"].employment_adults == () and by_id["FEMP"].active_adults == ("FEMP-A",)
    assert by_id["F09"].employment_adults == () and by_id["FOCT"].active_adults == ()
    assert [(r.municipality, r.families_selected, r.families_total, r.share_percent) for r in s.rows] == [
        ("Assens", 0, 1, 0), ("Kolding", 2, 4, 50), ("Thisted", 2, 4, 50)]
    assert (s.total.families_selected, s.total.families_total, s.total.share_percent) == (4, 9, 44)
    assert [r.municipality for r in s.visible_rows()] == ["Kolding", "Thisted"]
    assert len(s.visible_rows(show_empty=True)) == 3 and s.adults == 10


def test_each_criterion_is_editable(session, project):
    import_registrations(session, project, csv_of(KNOWN), "reg.csv", None)

    def selected(**values) -> list[str]:
        return sorted(f.family_id for f in select_families(session, project, parse_criteria(values)).selected)
    assert selected(min_weeks=9) == ["F09", "F10", "FDEC", "FNOV", "FTWO"]
    assert selected(min_weeks="11") == ["FDEC", "FNOV", "FTWO"]
    assert selected(require_not_employed=False) == ["F10", "FDEC", "FEMP", "FNOV", "FTWO"]
    assert selected(window_from="2016-10-31", window_to="2016-12-30") == ["F10", "FNOV", "FOCT", "FTWO"]
    assert selected(window_from=date(2017, 1, 1), window_to=date(2017, 1, 1)) == ["FJAN"]


def test_shares_are_rounded_half_up(session, project):
    assert [share_percent(*x) for x in [(1, 8), (5, 8), (1, 2), (2, 3), (1, 3), (1, 200), (1, 400), (0, 5)]] == [
        13, 63, 50, 67, 33, 1, 0, 0]
    assert share_percent(1, 0) is None
    rows = [(f"A{i}", "Aby", f"A{i}-1", "no", 10 if i == 0 else 0, "2016-11-20") for i in range(8)]
    rows += [(f"B{i}", "Bby", f"B{i}-1", "no", 10 if i < 5 else 0, "2016-11-20") for i in range(8)]
    import_registrations(session, project, csv_of(rows), "reg.csv", None)
    s = select_families(session, project)
    assert [(r.municipality, r.share_percent) for r in s.rows] == [("Aby", 13), ("Bby", 63)]
    assert s.total.share_percent == 38  # 6 of 16 = 37.5


def test_criteria_are_checked_saved_and_audited(session, project):
    for values, message in [({"min_weeks": "-1"}, "Minimum employment weeks '-1' must be a whole number"),
                            ({"min_weeks": "ten"}, "'ten' must be a whole number of at least 0"),
                            ({"window_from": "2016-13-01"}, "Window start '2016-13-01' is not a date"),
                            ({"window_from": "2016-12-31", "window_to": "2016-11-01"},
                             "The window starts on 2016-12-31, after it ends on 2016-11-01"),
                            ({"require_not_employed": "maybe"}, "'maybe' is not yes or no")]:
        with pytest.raises(InvalidInput, match=message):
            save_criteria(session, project, None, **values)
    assert saved_criteria(session, project) == Criteria()
    eva = accounts.get_user(session, "eva")
    row = save_criteria(session, project, eva, min_weeks=12, require_not_employed="0")
    save_criteria(session, project, eva, window_to="2017-01-31")
    save_criteria(session, project, None, window_to="2017-01-31")  # unchanged: no new audit row
    session.commit()
    assert saved_criteria(session, project) == Criteria(12, False, date(2016, 11, 1), date(2017, 1, 31))
    assert session.scalar(select(func.count()).select_from(SelectionCriteria)) == 1 and row.updated_at
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "criteria").order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["create", "update"] and row.updated_by_id == eva.id
    assert [e.user_id for e in events] == [eva.id, eva.id]
    assert events[0].before is None and events[0].after["min_weeks"] == 12
    assert events[1].before["window_to"] == "2016-12-31" and events[1].after["window_to"] == "2017-01-31"
    with pytest.raises(TypeError):
        save_criteria(session, project, None, weeks=3)


def test_create_cases_from_the_selection_skips_existing(session, project, factory):
    import_registrations(session, project, csv_of(KNOWN), "reg.csv", None)
    factory.case(project, "FNOV", "Thisted")
    created, skipped = create_cases_from_selection(session, project, None, select_families(session, project))
    assert created == ["F10", "FTWO", "FDEC"] and skipped == ["FNOV"]
    cases = dict(session.execute(select(Case.key, Case.municipality).where(Case.project_id == project.id)).all())
    assert cases == {"F10": "Kolding", "FTWO": "Kolding", "FDEC": "Thisted", "FNOV": "Thisted"}
    event_ = session.scalar(select(AuditEvent).where(AuditEvent.entity == "cases"))
    assert event_.after["cases"] == created and event_.after["criteria"]["min_weeks"] == 10
    assert create_cases_from_selection(session, project, None,
                                       select_families(session, project, parse_criteria({"min_weeks": 9}))) == (
        ["F09"], ["F10", "FTWO", "FDEC", "FNOV"])


# -- the import ------------------------------------------------------------------------------------

def test_import_stores_rows_with_attributes_and_lines(session, project):
    data = b"\xef\xbb\xbf" + csv_of([("F1", "Skive", "F1-A", "Ja", 10, "2016-11-01", "x;y"),
                                      ("F1", "Skive", "F1-B", "NEJ", 0, "1.2.2016", "")],
                                     HEADER + ",note", sep=";").replace(b"\n", b"\r\n").replace(b"x;y", b'"x;y"')
    summary = import_registrations(session, project, data, "/tmp/upload/reg.csv", None)
    assert (summary.adults, summary.families, summary.municipalities, summary.replaced) == (2, 1, 1, 0)
    assert summary.extra_columns == ("note",)
    rows = session.scalars(select(Registration).order_by(Registration.line)).all()
    assert [(r.adult_id, r.employed_at_entry, r.employment_weeks, r.last_registration, r.attributes, r.line)
            for r in rows] == [("F1-A", True, 10, date(2016, 11, 1), {"note": "x;y"}, 2),
                               ("F1-B", False, 0, date(2016, 2, 1), {"note": ""}, 3)]


def test_reimport_replaces_the_register_and_is_audited(session, project, factory):
    other = factory.project("other")
    import_registrations(session, other, csv_of(KNOWN[:1]), "o.csv", None)
    import_registrations(session, project, csv_of(KNOWN), "first.csv", None)
    summary = import_registrations(session, project, csv_of(KNOWN[3:5]), "second.csv", None)
    session.commit()
    assert summary.replaced == 10 and summary.adults == 2
    assert session.scalars(select(Registration.adult_id).where(Registration.project_id == project.id)
                           .order_by(Registration.adult_id)).all() == ["FTWO-A", "FTWO-B"]
    assert session.scalar(select(func.count()).select_from(Registration)
                          .where(Registration.project_id == other.id)) == 1
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "registrations",
                                                      AuditEvent.project_id == project.id)
                             .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["replace", "replace"] and events[1].entity_id == project.id
    assert events[0].before == {"adults": 0, "families": 0, "municipalities": 0}
    assert events[1].before == {"adults": 10, "families": 9, "municipalities": 3}
    assert events[1].after["adults"] == 2 and events[1].after["file"] == "second.csv"
    assert len(events[1].after["sha256"]) == 64


def test_a_failed_import_stores_nothing_and_keeps_the_old_register(session, project):
    import_registrations(session, project, csv_of(KNOWN), "reg.csv", None)
    session.commit()
    bad = csv_of([*KNOWN[:3], ("F10", "Vejle", "X-1", "no", 3, "2016-11-11")])
    with pytest.raises(RegisterProblems) as info:
        import_registrations(session, project, bad, "reg.csv", None)
    assert info.value.message.startswith("The register was not imported; it has 1 problem(s):\nreg.csv, line 5")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Registration)) == 10
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "registrations")) == 1


ROW = ("F01", "Kolding", "A1", "no", 10, "2016-11-15")


@pytest.mark.parametrize("data, expected", [
    (HEADER.encode() + "\nF01,K\xf8ge,A1,no,10,2016-11-15\n".encode("latin-1"),
     "reg.csv, line 2: The file is not UTF-8 text (byte 6 of this line)"),
    (b"family_id\nF01\n", "reg.csv, line 1: The first line must name the columns, separated by ',' or ';'"),
    (b"", "reg.csv, line 1: The first line must name the columns, separated by ',' or ';'"),
    (csv_of([ROW[:5]], HEADER.rsplit(",", 1)[0]),
     "reg.csv, line 1, column last_registration: The required column 'last_registration' is missing"),
    (csv_of([(*ROW, 1, 2)], HEADER + ",note,note"),
     "reg.csv, line 1, column 8 (note): The column 'note' appears twice"),
    (csv_of([(*ROW, 1)], HEADER + ","), "reg.csv, line 1, column 7 (): Unknown column ''"),
    (csv_of([(*ROW, "extra")]), "reg.csv, line 2: This line has 7 cells, but the first line names 6 columns"),
    (csv_of([(*ROW[:4], "", ROW[5])]),
     "reg.csv, line 2, column 5 (employment_weeks): The cell is empty; every row needs a value in employment_weeks"),
    (csv_of([("F 01", *ROW[1:])]), "reg.csv, line 2, column 1 (family_id): Family id 'F 01' must be 1-32 characters"),
    (csv_of([(ROW[0], "K" * 101, *ROW[2:])]),
     "reg.csv, line 2, column 2 (municipality): Municipality is 101 characters long; at most 100 are allowed"),
    (csv_of([(*ROW[:2], "A" * 65, *ROW[3:])]),
     "reg.csv, line 2, column 3 (adult_id): Adult id is 65 characters long; at most 64 are allowed"),
    (csv_of([ROW, ("F02", *ROW[1:])]), "reg.csv, line 3, column 3 (adult_id): Adult id 'A1' appears twice "
                                       "(first on line 2)"),
    (csv_of([(*ROW[:3], "maybe", *ROW[4:])]),
     "reg.csv, line 2, column 4 (employed_at_entry): 'maybe' is not yes or no (also ja/nej, true/false, 1/0)"),
    (csv_of([(*ROW[:4], "-1", ROW[5])]),
     "reg.csv, line 2, column 5 (employment_weeks): Employment weeks '-1' must be a whole number of at least 0"),
    (csv_of([(*ROW[:4], "10.5", ROW[5])]), "column 5 (employment_weeks): Employment weeks '10.5' must be a whole"),
    (csv_of([(*ROW[:5], "2016-02-30")]), "reg.csv, line 2, column 6 (last_registration): '2016-02-30' is not a date "
                                        "written YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY"),
    (csv_of([(*ROW[:5], "11/15/2016")]), "column 6 (last_registration): '11/15/2016' is not a date written"),
    (csv_of([ROW, ("F01", "Vejle", "A2", "yes", 0, "2016-01-01")]),
     "reg.csv, line 3, column 2 (municipality): Family 'F01' is in Kolding on line 2, but in Vejle here; every row "
     "of a family must name the same municipality"),
    (csv_of([ROW, ("F01", "Kolding", "A2", "yes", 0, "2016-01-01"), ("F01", "Kolding", "A3", "no", 0, "2016-01-01")]),
     "reg.csv, line 4, column 1 (family_id): Family 'F01' already has two adults (lines 2, 3); a family has one or "
     "two"),
    (csv_of([]), "reg.csv: The file has no rows below its first line"),
])
def test_every_import_problem_is_named_with_line_and_column(data, expected):
    found = problems(data)
    assert len(found) == 1 and expected in found[0], found


def test_every_problem_is_reported_at_once():
    data = csv_of([("F01", "Kolding", "A1", "maybe", "x", "2016-11-15"), ("F02", "Kolding", "A2", "no", 1, "soon"),
                   ("F01", "Vejle", "A1", "no", 1, "2016-11-15")])
    found = problems(data)
    assert [p.split(":")[0] for p in found] == [
        "reg.csv, line 2, column 4 (employed_at_entry)", "reg.csv, line 2, column 5 (employment_weeks)",
        "reg.csv, line 3, column 6 (last_registration)", "reg.csv, line 4, column 3 (adult_id)",
        "reg.csv, line 4, column 2 (municipality)"]


# -- the interviewee overview (Table 3) ------------------------------------------------------------

@pytest.fixture
def interviews(session, project, factory):
    """Kolding: K1-K3, Thisted: T1. Professional P1 covers K1, K2 and T1 in one source each way;
    K1 has two family interviews, T1 one."""
    k1, k2, k3, t1 = (factory.case(project, key, mun) for key, mun in
                      (("K1", "Kolding"), ("K2", "Kolding"), ("K3", "Kolding"), ("T1", "Thisted")))
    person = {key: case_api.create_interviewee(session, project, key, role, perspective) for key, role, perspective in
              (("P1", "casemanager", "system"), ("P2", "casemanager", "system"), ("P3", "jobrådgiver", "system"),
               ("M1", "mor", "family"), ("M2", "far", "family"))}

    def source(title, cases, people, perspective="system", when=None):
        case_api.create_source(session, project, title=title, text="Tekst.", perspective=perspective, cases=cases,
                               interviewees=[person[p] for p in people], interview_date=when)
    source("P1 om K1 og K2", [k1, k2], ["P1"], when="2017-03-01")
    source("P1 om T1", [t1], ["P1"], when="2017-03-01")
    source("P2 og P3 om K3", [k3], ["P2", "P3"], when="2017-04-01")
    source("Mor K1", [k1], ["M1"], "family", "2017-03-02")
    source("Far K1", [k1], ["M2"], "family", "2017-03-03")
    source("Familie T1", [t1], [], "family", "2017-04-02")
    session.commit()
    return project


def count_queries(session):  # type: ignore[no-untyped-def]
    statements: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_interviewee_overview_counts_distinct_people_and_families(session, interviews):
    statements = count_queries(session)
    o = interviewee_overview(session, interviews)
    assert len(statements) == 3, "grouped queries, never one per case"
    rows = {r.municipality: r for r in o.rows}
    assert list(rows) == ["Kolding", "Thisted"]
    assert (rows["Kolding"].cases, rows["Kolding"].professionals_text(), rows["Kolding"].families_interviewed) == (
        3, "2 casemanager; 1 jobrådgiver", 1)
    assert (rows["Thisted"].cases, rows["Thisted"].professionals_text(), rows["Thisted"].families_interviewed) == (
        1, "1 casemanager", 1)
    assert (o.total.cases, o.total.professionals, o.total.families_interviewed) == (
        4, (("casemanager", 2), ("jobrådgiver", 1)), 2)
    assert o.case_keys["Kolding"] == ("K1", "K2", "K3") and o.family_case_keys["Kolding"] == ("K1",)


def test_interviewee_overview_follows_the_count_filters(session, interviews):
    only = interviewee_overview(session, interviews, CountFilter(municipalities=("Thisted",)))
    assert [r.municipality for r in only.rows] == ["Thisted"] and only.total.professionals == (("casemanager", 1),)
    march = interviewee_overview(session, interviews, CountFilter(date_to=date(2017, 3, 31)))
    kolding = march.rows[0]
    assert (kolding.cases, kolding.professionals_text(), kolding.families_interviewed) == (3, "1 casemanager", 1)
    assert march.total.families_interviewed == 1
    roles = interviewee_overview(session, interviews, CountFilter(roles=("jobrådgiver",)))
    assert roles.total.professionals == (("casemanager", 1), ("jobrådgiver", 1)), "P2 shares P3's source"
    assert roles.total.families_interviewed == 0
