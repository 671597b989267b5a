"""Danish in (#23) through every import path: keys with æ, ø, å and the Danish words of every closed
vocabulary in a project bundle, a register, a codebook YAML, a .qdc and a .qdpx; the exports write one (English)
form. Every test runs on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

from sqlalchemy import select

from casecoder.analysis.selection import select_families
from casecoder.coding import projects
from casecoder.coding.codebook_file import parse_codebook
from casecoder.coding.registrations import create_cases_from_selection, import_registrations, read_register
from casecoder.exchange.bundle_export import bundle_files
from casecoder.exchange.bundle_import import import_bundle
from casecoder.exchange.refi.qdc import import_qdc
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.exchange.refi.qdpx_write import write_qdpx
from casecoder.models import AttributeDefinition, AttributeType, Case, Code, Coding, Interviewee, Registration, Source
from tests.bundle_helpers import MB, bundle, problems

TEXT = "Interviewer: Hvordan gik det?\nMor: Koordinatoren ringede altid tilbage. Det gav ro.\n"
DANISH = {
    "codes.csv": "code_key,parent_key,kind,label_da,label_en\n"
                 "ÆR,,Tema,Ærlighed,Honesty\n"
                 "ÆR.1,ÆR,  mekanisme ,Åbenhed,Openness\n",
    "cases.csv": "case_key,municipality,anbragt\n"
                 "ÆR0,Ærø,Ja\n"
                 f"{unicodedata.normalize('NFD', 'FÅB-12')},Fåborg, NEJ \n",  # a decomposed Å is stored NFC
    "interviewees.csv": "interviewee_key,role,perspective\n"
                        "MOR-Ø,mor,Familie\n"
                        "KOORD-Å,koordinator,SYSTEM\n",
    "sources.csv": "source_key,file,title,perspective,case_keys,interviewee_keys,mode\n"
                   "BESØG-1,a.txt,Mor på Ærø,familie,ÆR0,MOR-Ø,besøg\n"
                   "TLF-Å,b.txt,Koordinator,System,ÆR0;FÅB-12,KOORD-Å,Telefon\n",
    "excerpts.csv": "source_key,case_key,quote,code_keys,direction,coder\n"
                    "BESØG-1,,Koordinatoren ringede altid tilbage.,ÆR.1,understøtter,eva\n"
                    "BESØG-1,,Det gav ro.,ÆR.1,Modsiger,eva\n"
                    "TLF-Å,FÅB-12,Det gav ro.,ÆR,  nuancerer ,eva\n",
    "a.txt": TEXT,
    "b.txt": TEXT,
}


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_bundle_written_in_danish_with_danish_keys_imports_and_exports_one_form(session, target):
    project, eva = target
    summary = import_bundle(session, project, bundle(DANISH), user=eva, max_bytes=MB)
    assert (summary.codes_added, summary.cases, summary.interviewees, summary.sources, summary.codings) == (2, 2, 2, 2, 3)
    session.commit()
    keys = set(session.scalars(select(Case.key).where(Case.project_id == project.id)))
    assert keys == {"ÆR0", "FÅB-12"}
    codes = {c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id, Code.key.like("Æ%")))}
    assert codes["ÆR.1"].parent is codes["ÆR"] and (codes["ÆR"].kind.value, codes["ÆR.1"].kind.value) == (
        "theme", "mechanism")
    sources = {s.key: s for s in session.scalars(select(Source).where(Source.project_id == project.id))}
    assert (sources["BESØG-1"].mode.value, sources["BESØG-1"].perspective.value) == ("visit", "family")
    assert (sources["TLF-Å"].mode.value, sources["TLF-Å"].perspective.value) == ("phone", "system")
    people = {p.key: p.perspective.value for p in session.scalars(select(Interviewee))}
    assert people == {"MOR-Ø": "family", "KOORD-Å": "system"}
    assert sorted(c.direction.value for c in session.scalars(select(Coding))) == ["contradicts", "nuances", "supports"]
    placed = session.scalar(select(AttributeDefinition).where(AttributeDefinition.name == "anbragt"))
    assert placed is not None and placed.type is AttributeType.BOOLEAN
    assert {c.key: {a.definition.name: a.value for a in c.attributes}
            for c in session.scalars(select(Case))} == {"ÆR0": {"anbragt": True}, "FÅB-12": {"anbragt": False}}

    out = bundle_files(session, project)  # the one canonical (English) form, keys as they are
    assert {(r["source_key"], r["perspective"], r["mode"]) for r in rows(out["sources.csv"])} == {
        ("BESØG-1", "family", "visit"), ("TLF-Å", "system", "phone")}
    assert {r["interviewee_key"]: r["perspective"] for r in rows(out["interviewees.csv"])} == {
        "MOR-Ø": "family", "KOORD-Å": "system"}
    assert sorted(r["direction"] for r in rows(out["excerpts.csv"])) == ["contradicts", "nuances", "supports"]
    assert {r["case_key"]: r["anbragt"] for r in rows(out["cases.csv"])} == {"ÆR0": "true", "FÅB-12": "false"}
    assert {r["code_key"]: r["kind"] for r in rows(out["codes.csv"]) if r["code_key"].startswith("Æ")} == {
        "ÆR": "theme", "ÆR.1": "mechanism"}


def test_the_exported_danish_bundle_imports_again_into_another_project(session, target):
    project, eva = target
    import_bundle(session, project, bundle(DANISH), user=eva, max_bytes=MB)
    session.commit()
    files = {k: v for k, v in bundle_files(session, project).items()}
    other = projects.create_project(session, "Familier på Ærø", "", None, eva)
    assert other.slug == "familier-paa-aeroe"
    summary = import_bundle(session, other, bundle(files), user=eva, max_bytes=MB)
    assert (summary.cases, summary.interviewees, summary.sources, summary.codings) == (2, 2, 2, 3)


def test_references_written_decomposed_find_their_keys(session, target):
    project, eva = target
    nfd = {name: unicodedata.normalize("NFD", text) if name.endswith(".csv") else text for name, text in DANISH.items()}
    assert nfd["sources.csv"] != DANISH["sources.csv"]  # (the quotes hold no accented letter)
    summary = import_bundle(session, project, bundle(nfd), user=eva, max_bytes=MB)
    assert (summary.cases, summary.sources, summary.codings) == (2, 2, 3)
    assert {s.key: sorted(c.key for c in s.cases) for s in session.scalars(select(Source))} == {
        "BESØG-1": ["ÆR0"], "TLF-Å": ["FÅB-12", "ÆR0"]}


def test_wrong_words_and_keys_are_refused_naming_what_is_allowed(session, target):
    project, _eva = target
    wrong = {**DANISH, "sources.csv": DANISH["sources.csv"].replace(",besøg\n", ",bil\n"),
             "cases.csv": DANISH["cases.csv"].replace("ÆR0,", "ÆR 0,")}
    found = problems(session, project, wrong)
    assert ("sources.csv, line 2, column 7 (mode): Mode 'bil' is not one of: visit (besøg), phone (telefon)"
            in found)
    assert ("cases.csv, line 2, column 1 (case_key): Case key 'ÆR 0' must be 1-32 characters: letters (also æ, ø, "
            "å and other accented letters), digits, '.', '_' or '-', starting with a letter or digit" in found)


REGISTER = ("family_id,municipality,adult_id,employed_at_entry,employment_weeks,last_registration\n"
            "ÆR0,Ærø,ÆR0-A,Nej,12,2016-11-15\n"
            "FÅB-12,Fåborg,FÅB-12-A, JA ,40,2016-12-01\n"
            "FÅB-12,Fåborg,FÅB-12-B,nej,11,2016-11-02\n"
            "øst.3,Ærø,ØST-A,no,20,15.11.2016\n")


def test_a_register_with_danish_family_ids_and_ja_nej(session, factory):
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    session.commit()
    summary = import_registrations(session, project, REGISTER.encode(), "register.csv", eva.id)
    assert (summary.adults, summary.families) == (4, 3)
    adults = {r.adult_id: (r.family_id, r.employed_at_entry) for r in session.scalars(select(Registration))}
    assert adults == {"ÆR0-A": ("ÆR0", False), "FÅB-12-A": ("FÅB-12", True), "FÅB-12-B": ("FÅB-12", False),
                      "ØST-A": ("øst.3", False)}
    created, skipped = create_cases_from_selection(session, project, eva, select_families(session, project))
    assert sorted(created) == ["FÅB-12", "ÆR0", "øst.3"] and skipped == []
    assert {"ÆR0", "FÅB-12", "øst.3"} <= set(session.scalars(select(Case.key).where(Case.project_id == project.id)))


def test_a_register_refuses_a_family_id_that_is_no_key_and_a_word_that_is_no_yes_or_no():
    bad = REGISTER.replace("ÆR0,Ærø,ÆR0-A,Nej", "ÆR/0,Ærø,ÆR0-A,måske")
    try:
        read_register(bad.encode(), "reg.csv")
    except Exception as exc:  # RegisterProblems
        found = [p.render() for p in exc.problems]  # type: ignore[attr-defined]
    assert found[0].startswith("reg.csv, line 2, column 1 (family_id): Family id 'ÆR/0' must be 1-32 characters: "
                               "letters (also æ, ø, å")
    assert found[1] == "reg.csv, line 2, column 4 (employed_at_entry): 'måske' is not yes or no (also ja/nej, true/false, 1/0)"


CODEBOOK = """name: "dansk"
title: {da: "Dansk", en: "Danish"}
codes:
  - key: "ÆR"
    kind: "Hypotese"
    label: {da: "Ærlighed", en: "Honesty"}
    children:
      - key: "ÆR.1"
        kind: "mekanisme"
        label: {da: "Åbenhed", en: "Openness"}
relations:
  - {from: "ÆR.1", to: "ÆR", type: "fører til"}
"""


def test_a_codebook_yaml_with_danish_keys_and_words(session, factory):
    spec = parse_codebook(unicodedata.normalize("NFD", CODEBOOK).encode(), "dansk.yaml")
    assert [(c.key, c.kind.value, c.parent_key) for c in spec.codes] == [
        ("ÆR", "hypothesis", None), ("ÆR.1", "mechanism", "ÆR")]
    assert [(r.source, r.target, r.type.value) for r in spec.relations] == [("ÆR.1", "ÆR", "leads_to")]
    project = projects.create_project(session, "Ærø", "", spec, factory.user("eva"))
    assert project.slug == "aeroe"
    assert set(session.scalars(select(Code.key).where(Code.project_id == project.id))) == {"ÆR", "ÆR.1"}


def test_a_qdc_with_danish_code_names_keeps_its_letters_in_the_keys(session):
    project = projects.create_project(session, "Tom", "tom", None, None)
    xml = ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
           '<Code guid="12345678-1234-1234-1234-123456789001" name="Ærlighed" isCodable="true">'
           '<Code guid="12345678-1234-1234-1234-123456789002" name="Åben dør" isCodable="true"/></Code>'
           f'<Code guid="12345678-1234-1234-1234-123456789003" name="{unicodedata.normalize("NFD", "Øst")}" '
           'isCodable="true"/></Codes></CodeBook>')
    import_qdc(session, project, xml.encode(), "dansk.qdc", user_id=None)
    session.commit()
    assert set(session.scalars(select(Code.key).where(Code.project_id == project.id))) == {"Ærlighed", "Åben-dør", "Øst"}


def test_a_qdpx_round_trip_keeps_danish_keys_and_a_foreign_one_keeps_their_letters(session, target):
    project, eva = target
    import_bundle(session, project, bundle(DANISH), user=eva, max_bytes=MB)
    session.commit()
    data = write_qdpx(session, project, "da")
    copy, _report = import_qdpx(session, data, "dansk.qdpx", user=eva, title="Kopi på Ærø")
    session.commit()
    assert copy.slug == "kopi-paa-aeroe"
    assert set(session.scalars(select(Case.key).where(Case.project_id == copy.id))) == {"ÆR0", "FÅB-12"}
    assert {"ÆR", "ÆR.1"} <= set(session.scalars(select(Code.key).where(Code.project_id == copy.id)))
    assert set(session.scalars(select(Source.key).where(Source.project_id == copy.id))) == {"BESØG-1", "TLF-Å"}
    foreign = _retag(data, b'origin="casecoder', b'origin="other')  # another tool's file: names made into keys
    other, _report = import_qdpx(session, foreign, "other.qdpx", user=eva, title="Andet")
    session.commit()
    assert {"ÆR0", "FÅB-12"} <= set(session.scalars(select(Case.key).where(Case.project_id == other.id)))


def _retag(qdpx: bytes, old: bytes, new: bytes) -> bytes:
    """The .qdpx with ``old`` replaced by ``new`` in its project.qde."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(qdpx)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename.endswith(".qde"):
                assert old in body
                body = body.replace(old, new)
            zout.writestr(info, body)
    return out.getvalue()
