"""Long tables in pages of 100 rows (issue #25): the overview's cases and transcripts, the cases page and the
interviewees page show one page with "Rows x–y of N" and Previous/Next links that keep the sort, the filter and
the other table's page; the totals and each row's counts stay exact. SQLite and PostgreSQL."""
from __future__ import annotations

import html as html_module
import re

from casecoder.coding import cases
from tests.conftest import login
from tests.factories import PASSWORD


def setup(session, factory):  # type: ignore[no-untyped-def]
    """103 cases (C000..C102; the odd ones in Sydby), 102 transcripts (T000..T101; T101 about the last case
    with one coded excerpt), 101 interviewees (P000..P100; P100 in T101)."""
    eva = factory.user("eva")
    project = factory.project("proj", eva)
    made = [factory.case(project, f"C{i:03}", "Sydby" if i % 2 else "Nordby") for i in range(103)]
    sources = [factory.source(project, [made[i]], title=f"T{i:03}") for i in range(101)]
    last = factory.source(project, [made[102]], title="T101", perspective="system")
    factory.excerpt(eva, last, "Det gav ro.", [(factory.code(project, "H1.4"), "supports")], case=made[102])
    people = [cases.create_interviewee(session, project, f"P{i:03}", "Mor", "family") for i in range(101)]
    last.interviewees = [people[-1]]
    session.commit()
    return project, made, sources + [last]


def keys(html: str, kind: str) -> list[str]:
    return re.findall(rf'<tr data-{kind}="([^"]+)"', html)


def links(html: str, rel: str) -> list[str]:
    return [html_module.unescape(h) for h in re.findall(rf'<a rel="{rel}" href="([^"]+)"', html)]


def test_cases_page_in_pages(client, session, factory):
    setup(session, factory)
    login(client, "eva", PASSWORD)
    first = client.get("/p/proj/cases").get_data(as_text=True)
    assert keys(first, "case") == [f"C{i:03}" for i in range(100)]
    assert "Rows 1–100 of 103" in first and "Page 1 of 2" in first
    assert links(first, "next") == ["/p/proj/cases?page=2"] and not links(first, "prev")
    second = client.get("/p/proj/cases?page=2").get_data(as_text=True)
    assert keys(second, "case") == ["C100", "C101", "C102"] and "Rows 101–103 of 103" in second
    assert links(second, "prev") == ["/p/proj/cases?page=1"] and not links(second, "next")
    row = re.search(r'<tr data-case="C102">(.*?)</tr>', second, re.S).group(1)   # type: ignore[union-attr]
    assert [re.sub(r"<[^>]+>|\s+", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][:5] == [
        "C102", "Nordby", "0", "1", "1"]   # family, system transcripts, coded excerpts: exact on page 2
    down = client.get("/p/proj/cases?sort=key&desc=1&page=2").get_data(as_text=True)
    assert keys(down, "case") == ["C002", "C001", "C000"]
    assert links(down, "prev") == ["/p/proj/cases?desc=1&page=1"]   # key: the default sort
    sydby = client.get("/p/proj/cases?municipality=Sydby").get_data(as_text=True)
    assert len(keys(sydby, "case")) == 51 and "51 of 103 cases" in sydby and not links(sydby, "next")
    by_excerpts = client.get("/p/proj/cases?sort=excerpts&desc=1").get_data(as_text=True)
    assert keys(by_excerpts, "case")[0] == "C102"
    assert keys(client.get("/p/proj/cases?page=99").get_data(as_text=True), "case")[0] == "C100"   # the last
    assert client.get("/p/proj/cases?page=x").status_code == 200


def test_overview_tables_in_pages(client, session, factory):
    _project, made, sources = setup(session, factory)
    login(client, "eva", PASSWORD)
    first = client.get("/p/proj/").get_data(as_text=True)
    assert "Rows 1–100 of 103" in first and "Rows 1–100 of 102" in first
    assert links(first, "next") == ["/p/proj/?case_page=2", "/p/proj/?transcript_page=2"]
    both = client.get("/p/proj/?case_page=2&transcript_page=2").get_data(as_text=True)
    cases_table = both[both.index('id="cases"'):both.index('id="sources"')]
    # by municipality and key: 52 in Nordby (C000, C002, ... C102), then Sydby's 51; page 2 ends Sydby
    assert re.findall(r">(C\d+)</a>", cases_table) == ["C097", "C099", "C101"]
    assert f'/p/proj/cases/{made[101].id}"' in cases_table
    sources_table = both[both.index('id="sources"'):]
    assert re.findall(r">(T\d+)</a>", sources_table) == ["T100", "T101"]
    row = re.search(r">T101</a></td>(.*?)</tr>", sources_table, re.S).group(1)   # type: ignore[union-attr]
    assert [re.sub(r"<[^>]+>|\s+", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] == [
        "system", "C102", "Mor", "", "1"]
    assert links(both, "prev") == ["/p/proj/?transcript_page=2&case_page=1", "/p/proj/?case_page=2&transcript_page=1"]
    assert sources[0].id and "1 excerpt" in both   # the summary counts the whole project


def test_people_page_in_pages(client, session, factory):
    setup(session, factory)
    login(client, "eva", PASSWORD)
    first = client.get("/p/proj/people").get_data(as_text=True)
    assert keys(first, "person") == [f"P{i:03}" for i in range(100)] and "Rows 1–100 of 101" in first
    second = client.get("/p/proj/people?page=2").get_data(as_text=True)
    assert keys(second, "person") == ["P100"] and "Rows 101–101 of 101" in second and ">T101</a>" in second
    assert links(second, "prev") == ["/p/proj/people?page=1"]


def test_double_coding_page_in_pages(client, session, factory):
    from casecoder.coding import accounts
    from casecoder.coding import double_coding as dc
    project, _made, sources = setup(session, factory)
    eva, anna, bo = project.memberships[0].user, factory.user("anna"), factory.user("bo")
    accounts.add_member(session, project, anna, "coder")
    accounts.add_member(session, project, bo, "coder")
    dc.mark_sources(session, eva, project, sources, [anna, bo])   # 102 transcripts in double coding
    session.commit()
    login(client, "eva", PASSWORD)
    first = client.get("/p/proj/double-coding").get_data(as_text=True)
    assert len(re.findall(r'<tr data-source=', first)) == 100 and first.count('/open"') == 100
    assert "Rows 1–100 of 102" in first
    assert links(first, "next") == ["/p/proj/double-coding?page=2", "/p/proj/double-coding?assigned_page=2"]
    second = client.get("/p/proj/double-coding?page=2&assigned_page=2").get_data(as_text=True)
    table = second[second.index('id="double-coding"'):second.index('id="assignments"')]
    assert re.findall(r">(T\d+)</a>", table) == ["T100", "T101"] and table.count("anna, bo") == 2
    assert f'/p/proj/double-coding/{sources[101].id}/open' in second.split('id="assignments"')[1]
    assert "Rows 101–102 of 102" in second
