"""The quote bank (casecoder/analysis/quotes.py) and its files (casecoder/export/quotes.py).

Every test runs on SQLite and PostgreSQL, on a hand-built study whose quotes are worked out by
hand in ``build_study``'s docstring and asserted exactly, filter by filter.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date

import docx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import AttributeCondition, CountFilter
from casecoder.analysis.quotes import QuoteBank, quote_bank
from casecoder.coding import accounts, cases, excerpts
from casecoder.export.quotes import CSV_HEADER, quote_files, quote_json, quote_readme, reference_line
from casecoder.figures.words import filters_text
from casecoder.files.ooxml import FIXED_W3CDTF, FIXED_ZIP_TIME
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Project, Source, User
from tests.factories import Factory

NAMES = ("Mette", "Karin", "Jens")  # the interviewees' keys: names that must never reach a quote


@dataclass
class Study:
    project: Project
    eva: User
    ole: User
    ids: dict[str, int]   # e1 … e7 -> excerpt id


def build_study(session: Session, factory: Factory) -> Study:
    """Two coders, eva (the owner) and ole.

    case  municipality  who5_entry
    F01   Nordby        30
    F02   Nordby        40
    F03   Sydby         35

    source  title                      perspective  cases     interviewees (role)                       date
    S1      Interview med mor          family       F01       Mette (mor)                               2024-03-01
    S2      Interview med koordinator  system       F01, F02  Karin (familiekoordinator), Jens (jobk.)  2024-05-10
    S3      Interview med jobkonsulent system       F03       Jens (jobkonsulent)                       2024-09-01
    S4      Samtale                    system       F03       none                                      2024-10-01
    S5      Løst interview             family       none      Mette (mor)                               2024-03-02

    excerpt  source  case  codings (code direction coder)         memo
    e1       S1      F01   H1.1 supports eva                      "Godt eksempel"
    e2       S1      F01   H2 contradicts eva
    e3       S2      F02   H1 supports eva; H2 supports ole
    e4       S2      F01   H1.1 supports eva; H1.1 supports ole
    e5       S3      F03   H1.2 supports ole; H2 nuances eva
    e6       S4      F03   H1.1 supports eva
    e7       S5      -     H1.1 supports eva                      (no case: never quoted)

    Order in a section: case key, source title, start offset. So H1.1 is e4 (F01, "…koordinator"),
    e1 (F01, "…mor"), e6 (F03).
    """
    eva, ole = factory.user("eva"), factory.user("ole")
    project = factory.project("quotes", eva)
    accounts.add_member(session, project, ole, "coder")
    case = {key: factory.case(project, key, town) for key, town in [("F01", "Nordby"), ("F02", "Nordby"),
                                                                     ("F03", "Sydby")]}
    who5 = cases.define_attribute(session, project, "who5_entry", "integer")
    for key, score in [("F01", 30), ("F02", 40), ("F03", 35)]:
        cases.set_attribute(session, case[key], who5, score)
    person = {key: cases.create_interviewee(session, project, key, role, perspective)
              for key, role, perspective in [("Mette", "mor", "family"), ("Karin", "familiekoordinator", "system"),
                                             ("Jens", "jobkonsulent", "system")]}

    def source(title: str, perspective: str, keys: list[str], who: list[str], when: str, text: str) -> Source:
        return cases.create_source(session, project, title=title, text=text, perspective=perspective,
                                   cases=[case[k] for k in keys], interviewees=[person[w] for w in who],
                                   interview_date=when)

    s1 = source("Interview med mor", "family", ["F01"], ["Mette"], "2024-03-01",
                "Koordinatoren ringede altid tilbage.\nJobcentret pressede os hele tiden.")
    s2 = source("Interview med koordinator", "system", ["F01", "F02"], ["Karin", "Jens"], "2024-05-10",
                "Hos F02 tog vi fat i det hele. Hos F01 svarer jeg samme dag.")
    s3 = source("Interview med jobkonsulent", "system", ["F03"], ["Jens"], "2024-09-01",
                "Hun ville gerne selv finde et job.")
    s4 = source("Samtale", "system", ["F03"], [], "2024-10-01", "  Vi talte om økonomien.\n  Og om huslejen.  ")
    s5 = source("Løst interview", "family", [], ["Mette"], "2024-03-02", "Ingen sag her.")

    code = lambda key: factory.code(project, key)  # noqa: E731
    ids = {}
    e1 = factory.excerpt(eva, s1, "Koordinatoren ringede altid tilbage.", [(code("H1.1"), "supports")])
    excerpts.update_excerpt(session, eva, e1, memo="Godt eksempel")
    ids["e1"] = e1.id
    ids["e2"] = factory.excerpt(eva, s1, "Jobcentret pressede os hele tiden.", [(code("H2"), "contradicts")]).id
    e3 = factory.excerpt(eva, s2, "Hos F02 tog vi fat i det hele.", [(code("H1"), "supports")], case=case["F02"])
    excerpts.add_coding(session, ole, e3, code("H2"), "supports")
    e4 = factory.excerpt(eva, s2, "Hos F01 svarer jeg samme dag.", [(code("H1.1"), "supports")], case=case["F01"])
    excerpts.add_coding(session, ole, e4, code("H1.1"), "supports")
    e5 = factory.excerpt(ole, s3, "Hun ville gerne selv finde et job.", [(code("H1.2"), "supports")])
    excerpts.add_coding(session, eva, e5, code("H2"), "nuances")
    # the stored span includes the leading spaces; the quote is trimmed
    e6 = excerpts.create_excerpt(session, eva, s4, 0, len(s4.text), [(code("H1.1"), "supports")])
    e7 = factory.excerpt(eva, s5, "Ingen sag her.", [(code("H1.1"), "supports")])
    ids.update(e3=e3.id, e4=e4.id, e5=e5.id, e6=e6.id, e7=e7.id)
    session.commit()
    return Study(project, eva, ole, ids)


def bank_of(session: Session, study: Study, keys: list[str], perspective: str | None = None,
            **filter_args: object) -> QuoteBank:
    return quote_bank(session, study.project, keys, CountFilter(**filter_args), perspective)  # type: ignore[arg-type]


def layout(bank: QuoteBank, study: Study) -> dict[str, list[str]]:
    """``{"H1.1": ["e4", "e1", "e6"], ...}``: each section's quotes as excerpt names, numbers checked."""
    names = {v: k for k, v in study.ids.items()}
    out = {}
    for section in bank.sections:
        assert [q.number for q in section.quotes] == list(range(1, len(section.quotes) + 1)), section.key
        out[section.key] = [names[q.excerpt_id] for q in section.quotes]
    return out


# --------------------------------------------------------------------------------------------
# the bank


def test_default_with_subcodes_each_code_its_own_section_numbered_from_one(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"])
    assert layout(bank, study) == {"H1": ["e3"], "H1.1": ["e4", "e1", "e6"], "H1.2": ["e5"]}
    assert [(s.key, s.depth, s.selected, s.parent_key) for s in bank.sections] == [
        ("H1", 0, True, None), ("H1.1", 1, False, "H1"), ("H1.2", 1, False, "H1")]
    assert bank.n_quotes == 5 and bank.case_keys == ("F01", "F02", "F03") and bank.coders == ("eva", "ole")
    assert bank.code_keys == ("H1",) and bank.perspective is None and bank.project_slug == "quotes"
    assert bank.params == (("direction", "supports"), ("sub", "1"))
    e4, e1, e6 = bank.section("H1.1").quotes
    assert (e4.case_key, e4.perspective, e4.source_title, e4.interview_date, e4.direction, e4.coders) == (
        "F01", "system", "Interview med koordinator", date(2024, 5, 10), "supports", ("eva", "ole"))
    assert (e1.text, e1.memo, e1.roles, e1.intro("da"), e1.intro("en")) == (
        "Koordinatoren ringede altid tilbage.", "Godt eksempel", (), "Interviewperson", "Interviewee")
    assert e6.text == "Vi talte om økonomien.\n  Og om huslejen."   # trimmed at both ends only
    assert e7_never_quoted(bank, study)


def e7_never_quoted(bank: QuoteBank, study: Study) -> bool:
    return study.ids["e7"] not in bank.excerpt_ids


def test_every_codable_code_lists_only_codes_with_quotes_in_tree_order(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, [])
    assert layout(bank, study) == {"H1": ["e3"], "H1.1": ["e4", "e1", "e6"], "H1.2": ["e5"], "H2": ["e3"]}
    assert [s.depth for s in bank.sections] == [0, 1, 1, 0] and not any(s.selected for s in bank.sections)
    # asked-for codes keep their section even when empty; the order is the codebook's, not the request's
    bank = bank_of(session, study, ["H2", "H1.3", "H1.1"], include_subcodes=False)
    assert layout(bank, study) == {"H1.1": ["e4", "e1", "e6"], "H1.3": [], "H2": ["e3"]}
    assert [s.depth for s in bank.sections] == [0, 0, 0]


def test_without_subcodes_only_the_selected_codes(session, factory):
    study = build_study(session, factory)
    assert layout(bank_of(session, study, ["H1"], include_subcodes=False), study) == {"H1": ["e3"]}
    assert layout(bank_of(session, study, ["H1", "H1.2"], include_subcodes=False), study) == {
        "H1": ["e3"], "H1.2": ["e5"]}


def test_case_filters_municipality_and_attribute(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"], municipalities=("Sydby",))
    assert layout(bank, study) == {"H1": [], "H1.1": ["e6"], "H1.2": ["e5"]}
    bank = bank_of(session, study, ["H1"], attributes=(AttributeCondition("who5_entry", "le", 35),))
    assert layout(bank, study) == {"H1": [], "H1.1": ["e4", "e1", "e6"], "H1.2": ["e5"]}
    with pytest.raises(InvalidInput):
        bank_of(session, study, ["H1"], attributes=(AttributeCondition("nope", "eq", 1),))


def test_coder_direction_role_date_and_perspective_filters(session, factory):
    study = build_study(session, factory)
    ole = bank_of(session, study, ["H1"], coder_ids=(study.ole.id,))
    assert layout(ole, study) == {"H1": [], "H1.1": ["e4"], "H1.2": ["e5"]}
    assert ole.section("H1.1").quotes[0].coders == ("ole",) and ole.coders == ("ole",)
    assert ("coder", "ole") in ole.params

    assert layout(bank_of(session, study, ["H2"]), study) == {"H2": ["e3"]}
    assert layout(bank_of(session, study, ["H2"], directions=frozenset({"contradicts"})), study) == {"H2": ["e2"]}
    bank = bank_of(session, study, ["H2"], directions=frozenset({"supports", "nuances"}))
    assert layout(bank, study) == {"H2": ["e3", "e5"]}
    assert [q.direction for q in bank.section("H2").quotes] == ["supports", "nuances"]

    assert layout(bank_of(session, study, ["H1"], roles=("jobkonsulent",)), study) == {
        "H1": ["e3"], "H1.1": ["e4"], "H1.2": ["e5"]}
    assert layout(bank_of(session, study, ["H1"], date_to=date(2024, 6, 1)), study) == {
        "H1": ["e3"], "H1.1": ["e4", "e1"]}
    assert layout(bank_of(session, study, ["H1"], date_from=date(2024, 9, 1)), study) == {
        "H1": [], "H1.1": ["e6"], "H1.2": ["e5"]}

    assert layout(bank_of(session, study, ["H1"], "family"), study) == {"H1": [], "H1.1": ["e1"]}
    system = bank_of(session, study, ["H1"], "system")
    assert system.perspective == "system"
    assert layout(system, study) == {"H1": ["e3"], "H1.1": ["e4", "e6"], "H1.2": ["e5"]}


def test_system_perspective_is_introduced_by_role_never_by_name(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"])
    intros = {(s.key, q.number): (q.intro("da"), q.intro("en")) for s in bank.sections for q in s.quotes}
    assert intros == {
        ("H1", 1): ("Familiekoordinator / Jobkonsulent", "Familiekoordinator / Jobkonsulent"),  # two roles
        ("H1.1", 1): ("Familiekoordinator / Jobkonsulent", "Familiekoordinator / Jobkonsulent"),
        ("H1.1", 2): ("Interviewperson", "Interviewee"),            # family: never the mother's role or name
        ("H1.1", 3): ("Fagperson", "Professional"),                 # no interviewee on the source
        ("H1.2", 1): ("Jobkonsulent", "Jobkonsulent"),
    }
    files = {**quote_files(bank, "da", True), **quote_files(bank, "en", True)}
    texts = [files["quotes.md"].decode(), files["quotes.csv"].decode("utf-8-sig"), docx_text(files["quotes.docx"]),
             str(quote_json(bank, include_memo=True)), quote_readme(bank, "da")]
    for text in texts:
        for name in NAMES:
            assert name not in text


def test_bad_code_and_perspective_are_refused(session, factory):
    study = build_study(session, factory)
    with pytest.raises(InvalidInput, match="NOPE"):
        bank_of(session, study, ["H1", "NOPE"])
    with pytest.raises(InvalidInput):
        bank_of(session, study, ["H1"], "both")


def test_a_few_grouped_queries_whatever_the_number_of_excerpts(session, factory):
    study = build_study(session, factory)
    statements: list[str] = []
    engine = session.get_bind()

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        bank_of(session, study, [], coder_ids=(study.eva.id,))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # codes, codings with excerpts/sources/cases, their memos, system roles, the coder's name (parameters)
    assert len(statements) == 5, statements


# --------------------------------------------------------------------------------------------
# the files


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_docx_headings_quotes_reference_lines_and_memo(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"])
    document = docx.Document(io.BytesIO(quote_files(bank, "da", include_memo=False)["quotes.docx"]))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    assert headings == [("Heading 1", "H1 Én fast indgang til kommunen og kontinuitet i forløbet"),
                        ("Heading 2", "H1.1 Koordinatoren samler trådene mellem forvaltningerne"),
                        ("Heading 2", "H1.2 Samme koordinator gennem hele forløbet")]
    assert paragraphs[0] == ("Title", "Citatbank: Project quotes")
    h11 = paragraphs.index(headings[1])
    assert paragraphs[h11 + 1:h11 + 10] == [
        ("Normal", "Eksempel 1"),
        ("Quote", "Familiekoordinator / Jobkonsulent: »Hos F01 svarer jeg samme dag.«"),
        ("Normal", "(Sag F01 · systemperspektiv · Interview med koordinator, 2024-05-10)"),
        ("Normal", "Eksempel 2"),
        ("Quote", "Interviewperson: »Koordinatoren ringede altid tilbage.«"),
        ("Normal", "(Sag F01 · familieperspektiv · Interview med mor, 2024-03-01)"),
        ("Normal", "Eksempel 3"),
        ("Quote", "Fagperson: »Vi talte om økonomien.\n  Og om huslejen.«"),
        ("Normal", "(Sag F03 · systemperspektiv · Samtale, 2024-10-01)"),
    ]
    quote = document.paragraphs[h11 + 2]
    assert quote.runs[0].text == "Familiekoordinator / Jobkonsulent: " and quote.runs[0].italic is True
    assert document.paragraphs[h11 + 1].runs[0].bold is True
    reference = document.paragraphs[h11 + 3].runs[0]
    assert reference.font.size.pt == 9 and str(reference.font.color.rgb) == "595959"
    assert "Memo" not in docx_text(quote_files(bank, "da", include_memo=False)["quotes.docx"])
    with_memo = docx_text(quote_files(bank, "da", include_memo=True)["quotes.docx"])
    assert "Interviewperson: »Koordinatoren ringede altid tilbage.«\n" \
           "(Sag F01 · familieperspektiv · Interview med mor, 2024-03-01)\nMemo: Godt eksempel" in with_memo

    english = docx.Document(io.BytesIO(quote_files(bank, "en", include_memo=False)["quotes.docx"]))
    text = "\n".join(p.text for p in english.paragraphs)
    assert "H1.1 The coordinator handles coordination across departments" in text
    assert "Example 2\nInterviewee: “Koordinatoren ringede altid tilbage.”\n" \
           "(Case F01 · family perspective · Interview med mor, 2024-03-01)" in text


def test_markdown(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1", "H2"], directions=frozenset({"supports", "nuances"}))
    md = quote_files(bank, "da", include_memo=False)["quotes.md"].decode("utf-8")
    filters = filters_text([("direction", "nuances"), ("direction", "supports"), ("sub", "1")], "da")
    assert md.startswith("# Citatbank: Project quotes\n\n7 citater fra 3 sager. Perspektiv: begge perspektiver. "
                         f"Filtre: {filters}.\n\n## H1 Én fast indgang")
    assert "direction=" not in md and "sub=1" not in md  # the filters in words (#23)
    assert ("### H1.1 Koordinatoren samler trådene mellem forvaltningerne\n\n"
            "**Eksempel 1**\n\n> Familiekoordinator / Jobkonsulent: »Hos F01 svarer jeg samme dag.«\n\n"
            "(Sag F01 · systemperspektiv · Interview med koordinator, 2024-05-10)\n\n"
            "**Eksempel 2**\n\n> Interviewperson: »Koordinatoren ringede altid tilbage.«\n\n"
            "(Sag F01 · familieperspektiv · Interview med mor, 2024-03-01)\n\n"
            "**Eksempel 3**\n\n> Fagperson: »Vi talte om økonomien.\n>   Og om huslejen.«\n\n"
            "(Sag F03 · systemperspektiv · Samtale, 2024-10-01)\n\n### H1.2") in md
    assert ("**Eksempel 2**\n\n> Jobkonsulent: »Hun ville gerne selv finde et job.«\n\n"
            "(Sag F03 · systemperspektiv · Interview med jobkonsulent, 2024-09-01 · nuancerende)\n") in md
    assert "Memo" not in md
    with_memo = quote_files(bank, "da", include_memo=True)["quotes.md"].decode("utf-8")
    assert "(Sag F01 · familieperspektiv · Interview med mor, 2024-03-01)\n\nMemo: Godt eksempel\n" in with_memo
    assert with_memo.count("Memo:") == 1
    english = quote_files(bank, "en", include_memo=False)["quotes.md"].decode("utf-8")
    assert "**Example 1**\n\n> Familiekoordinator / Jobkonsulent: “Hos F01 svarer jeg samme dag.”" in english
    assert "**Example 2**\n\n> Interviewee: “Koordinatoren ringede altid tilbage.”" in english
    assert reference_line(bank.section("H2").quotes[1], "en") == \
        "(Case F03 · system perspective · Interview med jobkonsulent, 2024-09-01 · nuancing)"


def test_csv(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"])
    raw = quote_files(bank, "da", include_memo=False)["quotes.csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    assert [(r[0], r[2], r[5]) for r in rows[1:]] == [("H1", "1", "F02"), ("H1.1", "1", "F01"), ("H1.1", "2", "F01"),
                                                      ("H1.1", "3", "F03"), ("H1.2", "1", "F03")]
    assert rows[3] == ["H1.1", "Koordinatoren samler trådene mellem forvaltningerne", "2", "Interviewperson",
                       "Koordinatoren ringede altid tilbage.", "F01", "family", "Interview med mor", "2024-03-01",
                       "supports", "eva", "", str(study.ids["e1"])]
    assert rows[2][10] == "eva ole"
    with_memo = list(csv.reader(io.StringIO(quote_files(bank, "da", include_memo=True)["quotes.csv"]
                                            .decode("utf-8-sig"))))
    assert with_memo[3][11] == "Godt eksempel" and [r[11] for r in with_memo[1:]].count("") == 4
    english = list(csv.reader(io.StringIO(quote_files(bank, "en", include_memo=False)["quotes.csv"]
                                          .decode("utf-8-sig"))))
    assert english[3][1:4] == ["The coordinator handles coordination across departments", "2", "Interviewee"]


def test_json_and_readme(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, ["H1"], municipalities=("Nordby",))
    data = quote_json(bank)
    assert data["project"] == "quotes" and data["n_quotes"] == 3 and data["case_keys"] == ["F01", "F02"]
    assert data["filters"] == {"municipality": ["Nordby"], "direction": ["supports"], "sub": ["1"]}
    assert [s["key"] for s in data["sections"]] == ["H1", "H1.1"]
    first = data["sections"][1]["quotes"][1]
    assert first["intro"] == {"da": "Interviewperson", "en": "Interviewee"} and first["memo"] is None
    assert first["interview_date"] == "2024-03-01" and first["number"] == 2
    assert quote_json(bank, include_memo=True)["sections"][1]["quotes"][1]["memo"] == "Godt eksempel"
    readme = quote_readme(bank, "da")
    assert "Koder: H1 (med underkoder)" in readme
    assert "Citater: 3 citater (3 tekststykker) i 2 afsnit" in readme and "  H1.1 Koordinatoren" in readme
    assert "Sager: 2 (F01, F02)" in readme and "Filtre: " + filters_text(bank.params, "da") in readme
    assert "Kodere: eva, ole" in readme and "aldrig med et navn" in readme
    english = quote_readme(bank_of(session, study, []), "en")
    assert "Codes: every codable code (with sub-codes)" in english and "Perspective: both perspectives" in english


def test_empty_bank_still_makes_every_file(session, factory):
    study = build_study(session, factory)
    bank = bank_of(session, study, [], municipalities=("Østby",))
    assert bank.sections == [] and bank.n_quotes == 0
    files = quote_files(bank, "da", include_memo=True)
    assert "Ingen citater med de valgte filtre." in files["quotes.md"].decode()
    assert "Ingen citater med de valgte filtre." in docx_text(files["quotes.docx"])
    assert files["quotes.csv"].decode("utf-8-sig").strip() == ",".join(CSV_HEADER)


def test_identical_bytes_on_two_runs(session, factory):
    study = build_study(session, factory)
    first = quote_files(bank_of(session, study, ["H1", "H2"]), "da", include_memo=True)
    second = quote_files(bank_of(session, study, ["H1", "H2"]), "da", include_memo=True)
    assert set(first) == {"quotes.csv", "quotes.md", "quotes.docx"}
    for name in first:
        assert first[name] == second[name], name
    with zipfile.ZipFile(io.BytesIO(first["quotes.docx"])) as package:
        assert {info.date_time for info in package.infolist()} == {FIXED_ZIP_TIME}
        core = package.read("docProps/core.xml").decode()
    assert FIXED_W3CDTF in core and "<dc:title>Citatbank</dc:title>" in core
