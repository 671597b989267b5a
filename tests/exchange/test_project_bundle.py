"""Project bundles: import all or nothing (every problem with file, line and column), export and round
trip (the command line and the web form: test_project_bundle_io.py). Every database test runs on SQLite
and PostgreSQL."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from casecoder.coding import accounts, cases, codes, excerpts, projects, pseudonymise
from casecoder.coding.demo import load_demo
from casecoder.exchange.bundle_export import bundle_files, write_project_bundle, zip_bytes
from casecoder.exchange.bundle_import import import_bundle
from casecoder.exchange.bundle_read import folder_bundle, zip_bundle
from casecoder.files.csv_tables import BundleProblems
from casecoder.files.extract import extract_text
from casecoder.kernel.passwords import password_matches
from casecoder.models import AttributeDefinition, AttributeType, AuditEvent, Case, Code, Excerpt, PseudonymHit, Source
from tests.bundle_helpers import BASE, MB, SYSTEM_TEXT, TRANSCRIPT, bundle, counts, problems, with_
from tests.factories import PASSWORD


def test_import_writes_everything_audited(session, target):
    project, eva = target
    files = {**BASE, "texts/b.txt": SYSTEM_TEXT + "Ring 22 33 44 55 eller skriv til fk@example.dk.\n"}
    summary = import_bundle(session, project, bundle(files), user=eva, max_bytes=MB, add_coders=True)
    hits = [(h.id, h.source_id, h.start_offset, h.found) for h in session.scalars(select(PseudonymHit))]
    assert [h[3] for h in hits] == ["22 33 44 55", "fk@example.dk"]  # detected while writing (coding/bulk_detect):
    assert pseudonymise.detect_project(session, project).new == 2  # what a detection now finds, the same rows kept
    assert [(h.id, h.source_id, h.start_offset, h.found) for h in session.scalars(select(PseudonymHit))] == hits
    assert (summary.codes_added, summary.codes_updated, summary.cases, summary.interviewees, summary.sources,
            summary.excerpts, summary.codings, summary.users) == (2, 1, 2, 2, 2, 2, 4, 1)
    by_key = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    assert by_key["NY.1"].parent is by_key["NY"] and by_key["NY"].parent is None
    assert by_key["H1.4"].label_da == "Hurtig reaktion (ny)" and by_key["H1.4"].description_da == "Ny beskrivelse"
    types = {d.name: d.type for d in session.scalars(select(AttributeDefinition))}
    assert types == {"children": AttributeType.INTEGER, "who5": AttributeType.NUMBER, "placed": AttributeType.BOOLEAN,
                     "entry": AttributeType.DATE, "note": AttributeType.TEXT}
    f02 = session.scalar(select(Case).where(Case.key == "F02"))
    assert {a.definition.name: a.value for a in f02.attributes} == {"children": 3, "who5": 40.5, "placed": True}
    a, b = (session.scalar(select(Source).where(Source.key == k)) for k in "AB")
    assert a.text == TRANSCRIPT.rstrip() and a.original_filename == "a.txt" and a.mode.value == "visit"
    assert [c.key for c in b.cases] == ["F01", "F02"] and [p.key for p in b.interviewees] == ["FK"]
    first = session.scalar(select(Excerpt).where(Excerpt.source_id == a.id))
    assert first.text == "Min koordinator ringede altid tilbage samme dag." and first.case.key == "F01"
    assert [(m.user.username, m.text) for m in first.memos] == [("eva", "Et memo")] and first.created_by_id == eva.id
    assert sorted((c.code.key, c.coder.username, c.direction.value) for c in first.codings) == [
        ("H1.1", "nyco", "contradicts"), ("H1.4", "eva", "supports"), ("NY.1", "eva", "supports")]
    events = session.scalars(select(AuditEvent).where(AuditEvent.project_id == project.id)
                             .where(AuditEvent.id > 54)).all()  # after the codebook's 54 creates
    assert {(e.entity, e.action) for e in events} == {("code", "create"), ("code", "update"), ("excerpt", "create"),
                                                      ("coding", "create"), ("excerpt_memo", "create"),
                                                      ("membership", "create"), ("source", "detect")}
    assert {e.user_id for e in events} == {eva.id}


def test_coders_who_do_not_exist_become_users_who_cannot_log_in(session, target):
    project, eva = target
    import_bundle(session, project, bundle(BASE), user=eva, max_bytes=MB, add_coders=True)
    session.commit()
    coder = accounts.get_user(session, "nyco")
    assert coder.password_hash == "!" and not password_matches(coder.password_hash, "")
    for attempt in ("", "!", PASSWORD, "nyco"):
        assert accounts.authenticate(session, "nyco", attempt) is None
    assert accounts.authenticate(session, "eva", PASSWORD) is eva


def test_without_a_user_the_audit_actor_is_empty(session, target):
    project, _eva = target
    no_coder = BASE["excerpts.csv"].replace(",eva,", ",,")
    assert problems(session, project, with_(excerpts=no_coder)) == [
        "excerpts.csv, line 2, column 8 (coder): No coder is given, and the import has no user to stand in",
        "excerpts.csv, line 4, column 8 (coder): No coder is given, and the import has no user to stand in"]
    uncoded = BASE["excerpts.csv"] + "B,F01,0,12,,,,,\n"  # an excerpt without codings needs no coder
    summary = import_bundle(session, project, bundle(with_(excerpts=uncoded)), user=None, max_bytes=MB, add_coders=True)
    assert (summary.excerpts, summary.codings) == (3, 4)
    actors = session.scalars(select(AuditEvent.user_id).where(AuditEvent.entity.in_(["excerpt", "coding"]))).all()
    assert actors and set(actors) == {None}
    assert session.scalar(select(Excerpt.created_by_id).limit(1)) is None


def test_semicolons_bom_crlf_and_multiline_cells_give_the_right_lines(session, target):
    project, _eva = target
    cases = "\ufeffcase_key;municipality;note\r\nF01;Nordby;\"to\r\nlinjer\"\r\nF01;Nordby;\r\n"
    found = problems(session, project, with_(cases=cases))
    assert "cases.csv, line 4, column 1 (case_key): Case key 'F01' appears twice in this file (first on line 2)" \
        in found


def test_existing_keys_are_duplicates_and_existing_cases_can_be_referenced(session, target, factory):
    project, eva = target
    factory.case(project, "F01")
    found = problems(session, project, BASE, eva)
    assert found == ["cases.csv, line 2, column 1 (case_key): Case key 'F01' already exists in this project"]
    cases = "case_key,municipality\nF02,Nordby\n"
    summary = import_bundle(session, project, bundle(with_(cases=cases)), user=eva, max_bytes=MB, add_coders=True)
    assert summary.cases == 1 and summary.sources == 2
    session.commit()
    more = {"sources.csv": "source_key,file,title,perspective,case_keys\nC,c.txt,Ny,family,F01\n",
            "excerpts.csv": "source_key,quote,code_keys,coder\nA,Bagefter gik det bedre.,H1.2,eva\n"
                            "A,Min koordinator ringede altid tilbage samme dag.,H1.3,eva\n"
                            "C,Hej igen,H1.2,eva\n",
            "c.txt": "Hej igen"}
    summary = import_bundle(session, project, bundle(more), user=eva, max_bytes=MB, add_coders=True)
    assert (summary.sources, summary.excerpts, summary.codings) == (1, 2, 3)  # one excerpt existed already
    again = problems(session, project, {**more, "sources.csv": None, "c.txt": None})
    assert again == [f"excerpts.csv, line {line}, column 3 (code_keys): eva has already put code {key} on this "
                     "excerpt" for line, key in ((2, "H1.2"), (3, "H1.3"), (4, "H1.2"))]


def test_codes_update_through_update_code_and_parents_may_change(session, target):
    project, eva = target
    codes_csv = ("code_key,parent_key,kind,label_da,label_en,description,description_en\n"
                 "H1.4,H2,condition,Hurtig,Quick,Da,En\n")
    summary = import_bundle(session, project, bundle({"codes.csv": codes_csv}), user=eva, max_bytes=MB, add_coders=True)
    assert (summary.codes_added, summary.codes_updated) == (0, 1)
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    assert (code.parent.key, code.kind.value, code.label_en, code.description_en) == ("H2", "condition", "Quick", "En")
    updates = session.scalars(select(AuditEvent).where(AuditEvent.entity_id == code.id,
                                                       AuditEvent.action == "update")).all()
    assert [e.after["label_en"] for e in updates] == ["Quick", "Quick"] and updates[-1].after["kind"] == "condition"
    same = import_bundle(session, project, bundle({"codes.csv": codes_csv}), user=eva, max_bytes=MB, add_coders=True)
    assert same.codes_updated == 0  # nothing differs: no change, no audit row


AMBIGUOUS = TRANSCRIPT.find("Det gav ro."), TRANSCRIPT.rfind("Det gav ro.")
ERRORS = [
    ("unknown case key in sources", dict(sources=BASE["sources.csv"].replace("F01; F02", "F01;F99")),
     "sources.csv, line 3, column 5 (case_keys): There is no case 'F99' in cases.csv or in the project"),
    ("unknown case key in excerpts", dict(excerpts=BASE["excerpts.csv"].replace("B,F02", "B,F77")),
     "excerpts.csv, line 4, column 2 (case_key): There is no case 'F77' in cases.csv or in the project"),
    ("case not of the source", dict(excerpts=BASE["excerpts.csv"].replace("A,,", "A,F02,", 1)),
     "excerpts.csv, line 2, column 2 (case_key): Case F02 is not linked to the transcript 'Mor F01'"),
    ("several cases", dict(excerpts=BASE["excerpts.csv"].replace("B,F02", "B,")),
     "excerpts.csv, line 4, column 2 (case_key): The transcript covers several cases (F01, F02); choose the case "
     "this excerpt is about"),
    ("missing file", dict(sources=BASE["sources.csv"].replace("texts/b.txt", "texts/c.txt")),
     "sources.csv, line 3, column 2 (file): The file 'texts/c.txt' is not in the bundle"),
    ("path outside", dict(sources=BASE["sources.csv"].replace("texts/b.txt", "../b.txt")),
     "sources.csv, line 3, column 2 (file): '../b.txt' must be a path inside the bundle"),
    ("quote not found", dict(excerpts=BASE["excerpts.csv"].replace("Min koordinator ringede", "Far ringede", 1)),
     "excerpts.csv, line 2, column 5 (quote): The quote was not found in the transcript 'Mor F01'"),
    ("quote ambiguous", dict(excerpts=BASE["excerpts.csv"].replace(
        "Min koordinator ringede altid tilbage samme dag.", "Det gav ro.", 1)),
     f"excerpts.csv, line 2, column 5 (quote): The quote occurs more than once in the transcript 'Mor F01' "
     f"(at {AMBIGUOUS[0]} and {AMBIGUOUS[1]}); give start and end instead"),
    ("quote differs from offsets", dict(excerpts=BASE["excerpts.csv"].replace("B,F02,0,12,,", "B,F02,0,12,Familien,")),
     "excerpts.csv, line 4, column 5 (quote): The quote differs from the text at 0-12: “Koordinator:”"),
    ("offsets out of range", dict(excerpts=BASE["excerpts.csv"].replace("B,F02,0,12", "B,F02,0,999")),
     "excerpts.csv, line 4, column 3 (start): Excerpt span 0-999 is not inside the transcript (0-41) or is empty"),
    ("offset not a number", dict(excerpts=BASE["excerpts.csv"].replace("B,F02,0,12", "B,F02,0,tolv")),
     "excerpts.csv, line 4, column 4 (end): 'tolv' is not a whole number"),
    ("no span", dict(excerpts=BASE["excerpts.csv"].replace("B,F02,0,12", "B,F02,,")),
     "excerpts.csv, line 4, column 3 (start): Give start and end, or a quote"),
    ("bad direction", dict(excerpts=BASE["excerpts.csv"].replace("supports", "sometimes")),
     "excerpts.csv, line 2, column 7 (direction): Direction 'sometimes' is not one of: supports (understøtter), "
     "contradicts (modsiger), nuances (nuancerer)"),
    ("unknown code", dict(excerpts=BASE["excerpts.csv"].replace("H1.2", "H9.9")),
     "excerpts.csv, line 4, column 6 (code_keys): There is no code 'H9.9' in codes.csv or in the project"),
    ("same coding twice", dict(excerpts=BASE["excerpts.csv"] + "A,,,,Min koordinator ringede altid tilbage samme "
                                                               "dag.,NY.1,nuances,eva,\n"),
     "excerpts.csv, line 5, column 6 (code_keys): eva has already put code NY.1 on this excerpt (line 2)"),
    ("bad coder", dict(excerpts=BASE["excerpts.csv"].replace("nyco", "ny coder")),
     "excerpts.csv, line 3, column 8 (coder): User name 'ny coder' must be 2-64 characters of letters, digits, "
     "'.', '_' or '-'"),
    ("duplicate case key", dict(cases=BASE["cases.csv"] + "F02,Sønderå,1,2,ja,,\n"),
     "cases.csv, line 4, column 1 (case_key): Case key 'F02' appears twice in this file (first on line 3)"),
    ("duplicate source key", dict(sources=BASE["sources.csv"].replace("B,texts", "A,texts")),
     "sources.csv, line 3, column 1 (source_key): Source key 'A' appears twice in this file (first on line 2)"),
    ("duplicate code key", dict(codes=BASE["codes.csv"] + "NY,,theme,Igen,Again,\n"),
     "codes.csv, line 5, column 1 (code_key): Code key 'NY' appears twice in this file (first on line 3)"),
    ("bad attribute value", dict(cases=BASE["cases.csv"].replace("2024-09-02", "2. sep")),
     None),  # a column with a non-date becomes text: no problem
    ("bad delimiter", dict(interviewees=BASE["interviewees.csv"].replace(",", "\t")),
     "interviewees.csv, line 1: The first line must name the columns, separated by ',' or ';'"),
    ("missing column", dict(interviewees="interviewee_key,role,municipality\nIP-MOR,mor,Nordby\nFK,k,Nordby\n"),
     "interviewees.csv, line 1, column perspective: The required column 'perspective' is missing"),
    ("unknown column", dict(excerpts=BASE["excerpts.csv"].replace("memo\n", "memo,colour\n")),
     "excerpts.csv, line 1, column 10 (colour): Unknown column 'colour'; the columns are: source_key, case_key, "
     "start, end, quote, code_keys, direction, coder, memo"),
    ("unknown parent", dict(codes=BASE["codes.csv"].replace("NY.1,NY,", "NY.1,NZ,")),
     "codes.csv, line 2, column 2 (parent_key): There is no code 'NZ' in codes.csv or in the project"),
    ("cycle", dict(codes=BASE["codes.csv"].replace("NY,,theme", "NY,NY.1,theme")),
     "codes.csv, line 2, column 2 (parent_key): Code NY.1 would be its own ancestor"),
    ("bad kind", dict(codes=BASE["codes.csv"].replace("theme", "topic")),
     "codes.csv, line 3, column 3 (kind): Kind 'topic' is not one of: hypothesis (hypotese), mechanism (mekanisme), "
     "condition (betingelse), statement (udsagn), event (hændelse), barrier (barriere), theme (tema)"),
    ("unknown csv", {"Cases.csv": "x"}, "Cases.csv: Unknown file 'Cases.csv'; a bundle holds codes.csv, cases.csv, "
                                        "interviewees.csv, sources.csv, excerpts.csv"),
    ("not utf-8", dict(cases="case_key,municipality\nF01,S\xf8nder\xe5\n".encode("latin-1")),
     "cases.csv, line 2: The file is not UTF-8 text (byte 6 of this line)"),
    ("bad transcript", {"texts/b.txt": b""}, "sources.csv, line 3, column 2 (file): 'texts/b.txt' is empty"),
]


@pytest.mark.parametrize("name,changes,expected", ERRORS, ids=[e[0] for e in ERRORS])
def test_each_problem_is_named_with_file_line_and_column(session, target, name, changes, expected):
    project, eva = target
    files = {**BASE, **{(k if "." in k else f"{k}.csv"): v for k, v in changes.items()}}
    if expected is None:
        import_bundle(session, project, bundle(files), user=eva, max_bytes=MB, add_coders=True)
        return
    found = problems(session, project, files, eva)
    assert expected in found, found


def test_folders_and_archived_codes_cannot_be_applied(session, target, factory):
    project, eva = target
    factory.code(project, "H1.1").codable = False
    codes.update_code(session, factory.code(project, "H1.2"), eva.id, archived=True)
    found = problems(session, project, BASE, eva)
    assert found == [
        "excerpts.csv, line 3, column 6 (code_keys): Code H1.1 is a folder and cannot be applied",
        "excerpts.csv, line 4, column 6 (code_keys): Code H1.2 is archived and cannot be applied"]


def test_several_problems_at_once_and_nothing_is_written(session, target):
    project, eva = target
    session.commit()
    before = counts(session)
    files = with_(cases=BASE["cases.csv"] + "F01,Nordby,1,1,ja,,\n",
                  excerpts=BASE["excerpts.csv"].replace("supports", "maybe").replace("B,F02,0,12", "B,F02,0,99"))
    with pytest.raises(BundleProblems) as info:
        import_bundle(session, project, bundle(files), user=eva, max_bytes=MB, add_coders=True)
    message = info.value.message
    assert message.startswith("The bundle was not imported; it has 3 problem(s):\n")
    assert message.splitlines()[1:] == [
        "cases.csv, line 4, column 1 (case_key): Case key 'F01' appears twice in this file (first on line 2)",
        "excerpts.csv, line 2, column 7 (direction): Direction 'maybe' is not one of: supports (understøtter), "
        "contradicts (modsiger), nuances (nuancerer)",
        "excerpts.csv, line 4, column 3 (start): Excerpt span 0-99 is not inside the transcript (0-41) or is empty"]
    danish = info.value.render(lambda s: s.replace(", line ", ", linje ").replace("appears twice", "står to gange"))
    assert danish.splitlines()[1].startswith("cases.csv, linje 4, column 1 (case_key): Case key 'F01' står to gange")
    assert counts(session) == before  # nothing was even flushed
    session.rollback()
    assert counts(session) == before


def test_round_trip_of_the_demo_gives_identical_csv_files(session, tmp_path):
    demo = load_demo(session).project
    f01 = session.scalar(select(Case).where(Case.project_id == demo.id, Case.key == "F01"))
    for name, type_, value in (("score", "number", 3.25), ("note", "text", "007"), ("flag", "boolean", False)):
        cases.set_attribute(session, f01, cases.define_attribute(session, demo, name, type_), value)
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    excerpts.create_excerpt(session, accounts.get_user(session, "admin"), source, 0, 11, case=source.cases[0],
                            memo="=HYPERLINK(\"http://x\") - a memo a spreadsheet must not run")
    first = bundle_files(session, demo)
    assert ",\"'=HYPERLINK(" in first["excerpts.csv"].decode(), "CSV injection is neutralised on export"
    assert first["cases.csv"].decode().splitlines()[1].endswith(",3.25,007,false")
    # the uncoded excerpt: no codes or direction; the memo's row names its writer (each coder has their own)
    assert ",,,admin,\"'=HYPERLINK(" in first["excerpts.csv"].decode()
    coded = session.scalars(select(Excerpt).where(Excerpt.project_id == demo.id).order_by(Excerpt.id)).first()
    excerpts.set_memo(session, accounts.get_user(session, "admin"), coded, "admins memo")
    anna = accounts.create_user(session, "annamemo", "x" * 12)
    excerpts.set_memo(session, anna, coded, "annas memo")  # a memo without a coding: a row without codes
    first = bundle_files(session, demo)
    assert ",,,annamemo,annas memo\r\n" in first["excerpts.csv"].decode()
    assert sorted(n for n in first if n.endswith(".csv")) == sorted(
        ["codes.csv", "cases.csv", "interviewees.csv", "sources.csv", "excerpts.csv"])
    assert first["excerpts.csv"].startswith("\ufeffsource_key,case_key,start,end,quote,code_keys,direction,coder,"
                                            "memo\r\n".encode())
    write_project_bundle(session, demo, tmp_path / "demo.zip")
    write_project_bundle(session, demo, tmp_path / "folder")
    assert (tmp_path / "folder" / "sources" / "S001.txt").read_bytes() == first["sources/S001.txt"]
    empty = projects.create_project(session, "Kopi", "kopi", None, None)
    archive = zip_bundle((tmp_path / "demo.zip").read_bytes(), 50 * MB)
    summary = import_bundle(session, empty, archive, user=None, max_bytes=20 * MB, add_coders=True)
    assert (summary.cases, summary.sources, summary.excerpts) == (9, 11, 61)
    session.commit()
    second = bundle_files(session, empty)
    for name in first:
        if name.endswith(".csv"):
            assert second[name] == first[name], name
    assert zip_bytes(first) == (tmp_path / "demo.zip").read_bytes()  # deterministic zip
    again = projects.create_project(session, "Kopi 2", "kopi2", None, None)
    import_bundle(session, again, folder_bundle(tmp_path / "folder"), user=None, max_bytes=20 * MB, add_coders=True)
    assert bundle_files(session, again)["excerpts.csv"] == first["excerpts.csv"]


def test_shared_transcripts_in_every_format(session, target, shared_dir, tmp_path):
    project, eva = target
    folder = tmp_path / "bundle"
    (folder / "files").mkdir(parents=True)
    rows, excerpt_rows = [], []
    for i, name in enumerate(["qualcoder_transcript.txt", "qualcoder_ID1.docx", "qualcoder_ID2.odt"]):
        shutil.copy(shared_dir / "transcripts" / name, folder / "files" / name)
        rows.append(f"T{i},files/{name},{name},family,F01,,,")
        text_ = extract_text(name, (folder / "files" / name).read_bytes(), 20 * MB).text
        quote = next(line.strip() for line in text_.split("\n")
                     if len(line.strip()) > 30 and text_.count(line.strip()) == 1 and '"' not in line)
        excerpt_rows.append(f'T{i},,,,"{quote}",H1.1,supports,eva,')
    (folder / "cases.csv").write_text("case_key,municipality\nF01,Nordby\n", encoding="utf-8")
    (folder / "sources.csv").write_text(
        "source_key,file,title,perspective,case_keys,interviewee_keys,mode,date\n" + "\n".join(rows) + "\n",
        encoding="utf-8")
    (folder / "excerpts.csv").write_text("source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n"
                                         + "\n".join(excerpt_rows) + "\n", encoding="utf-8-sig")
    summary = import_bundle(session, project, folder_bundle(folder), user=eva, max_bytes=20 * MB, add_coders=True)
    assert (summary.sources, summary.excerpts, summary.codings) == (3, 3, 3)
    for excerpt in session.scalars(select(Excerpt)):
        assert excerpt.source.text[excerpt.start_offset:excerpt.end_offset] == excerpt.text
