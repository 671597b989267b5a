"""The counting screens, the tally API and `casecoder export tally`, on the demo project."""
from __future__ import annotations

import csv
import io
import json
import re

from sqlalchemy import select

from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import MEASURES, compute_tally
from casecoder.coding import accounts
from casecoder.models import Code
from tests.conftest import login
from tests.factories import PASSWORD


def excerpt_total(client, url: str) -> int:
    page = client.get(url).get_data(as_text=True)
    return int(re.search(r'id="excerpt-total">(\d+) excerpt', page).group(1))


def test_tally_page_shows_the_core_numbers_and_provenance(client, demo, session):
    expected = compute_tally(session, demo, case_keys=True)
    page = client.get("/p/demo/tally").get_data(as_text=True)
    assert "Unit: cases (families), not text segments." in page
    assert f"N<sub>family</sub> = {len(expected.denominators['family'])}" in page
    assert demo.codebook_sha256[:12] in page and "admin, anna, bo" in page
    h11 = expected.row("H1.1")
    row = re.search(r'<tr class="depth-1[^"]*" data-key="H1.1">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'data-measure="(\w+)">\s*(?:<a href="([^"]*)">)?([^<\s]+)', row)
    assert [(m, text) for m, _link, text in cells] == [(m, h11.counts[m].label()) for m in MEASURES]
    # each non-zero number links to exactly the excerpts behind it (its cases found on the click)
    for measure, link, _text in cells:
        if link:
            count = h11.counts[measure]
            listed = client.get(link.replace("&amp;", "&"), follow_redirects=True).get_data(as_text=True)
            cases = set(re.findall(r"<td>(F\d\d)</td>", listed))
            assert cases == set(count.case_keys), measure


def test_tally_api_returns_numbers_denominators_and_case_keys(client, demo, session):
    data = client.get("/api/projects/demo/tally?municipality=Nordby&sub=0").get_json()
    assert data["unit"] == "cases" and data["filters"]["municipality"] == ["Nordby"]
    assert data["denominators"]["any"] == {"N": 3, "case_keys": ["F01", "F02", "F03"]}
    expected = compute_tally(session, demo, CountFilter(municipalities=("Nordby",), include_subcodes=False),
                             case_keys=True)
    by_key = {c["key"]: c for c in data["codes"]}
    for row in expected.rows:
        for m in MEASURES:
            got = by_key[row.key]["counts"][m]
            assert (got["n"], got["N"], tuple(got["case_keys"])) == (row.counts[m].n, row.counts[m].N,
                                                                   row.counts[m].case_keys)
    bad = client.get("/api/projects/demo/tally?attr=nope:eq:1")
    assert bad.status_code == 400 and "nope" in bad.get_json()["error"]


def test_a_filter_that_empties_a_denominator_shows_dashes(client, demo):
    page = client.get("/p/demo/tally?from=2030-01-01").get_data(as_text=True)
    assert "N<sub>family</sub> = 0" in page
    row = re.search(r'data-key="H1.1">(.*?)</tr>', page, re.S).group(1)
    assert row.count("—") == 3  # family, system and both have N = 0; either/contradicts/nuances count all cases


def test_evidence_matrix_marks_perspectives(client, demo, session):
    page = client.get("/p/demo/matrix/H1").get_data(as_text=True)
    assert page.count('data-mark="') == 9 * 5  # nine cases x five effects of one contact person
    assert "Unit: cases" in page and "admin, anna, bo" in page
    marks = re.findall(r'data-mark="([^"]*)"', page)
    assert "F" in marks and "S" in marks
    assert client.get("/p/demo/matrix/NOPE").status_code == 400


def test_cooccurrence_table_and_graph(client, demo):
    page = client.get("/p/demo/cooccurrence?codes=H1.1&codes=H2.2&codes=B.1").get_data(as_text=True)
    assert page.count("<tr><td>") == 3
    assert "Unit: cases" in page and "N<sub>family</sub> = 5" in page and "admin, anna, bo" in page
    svg = client.get("/p/demo/figures/cooccurrence.svg?codes=H1.1&codes=H2.2&codes=B.1")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    again = client.get("/p/demo/figures/cooccurrence.svg?codes=H1.1&codes=H2.2&codes=B.1")
    assert svg.data == again.data


def test_tally_chart_is_deterministic(client, demo):
    first = client.get("/p/demo/figures/tally-H1.svg")
    assert first.status_code == 200 and b"<svg" in first.data
    assert client.get("/p/demo/figures/tally-H1.svg").data == first.data
    png = client.get("/p/demo/figures/tally-H1.png")
    assert png.data.startswith(b"\x89PNG")
    assert client.get("/p/demo/figures/tally-H1.gif").status_code == 404


def test_analysts_may_count_but_readers_may_not(client, demo, session, factory):
    reader, analyst = factory.user("rita"), factory.user("ali")
    accounts.add_member(session, demo, reader, "reader")
    accounts.add_member(session, demo, analyst, "analyst")
    session.commit()
    other = client.application.test_client()
    login(other, "rita", PASSWORD)
    assert other.get("/p/demo/tally").status_code == 403
    third = client.application.test_client()
    login(third, "ali", PASSWORD)
    assert third.get("/p/demo/tally").status_code == 200


def test_cli_export_tally_writes_the_bundle(app, demo, tmp_path, session):
    runner = app.test_cli_runner()
    out = tmp_path / "tally"
    result = runner.invoke(args=["export", "tally", "demo", "--out", str(out), "--municipality", "Sønderå",
                                 "--language", "da"])
    assert result.exit_code == 0, result.output
    raw = (out / "data.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["code_key", "label", "measure", "n", "N", "case_keys"]
    codes = session.scalars(select(Code.key).where(Code.project_id == demo.id)).all()
    assert len(rows) == len(codes) * 6
    h11 = next(r for r in rows if r["code_key"] == "H1.1" and r["measure"] == "either")
    expected = compute_tally(session, demo, CountFilter(municipalities=("Sønderå",)), case_keys=True)
    expected = expected.row("H1.1").counts["either"]
    assert (int(h11["n"]), int(h11["N"]), h11["case_keys"]) == (expected.n, expected.N, " ".join(expected.case_keys))
    spec = json.loads((out / "spec.json").read_text())
    assert spec["kind"] == "tally" and spec["unit"] == "cases" and spec["filters"]["municipality"] == ["Sønderå"]
    assert spec["codebook"]["sha256"] == demo.codebook_sha256 and len(spec["data_sha256"]) == 64
    assert "Enhed: sager" in (out / "README.txt").read_text(encoding="utf-8")
    again = runner.invoke(args=["export", "tally", "demo", "--out", str(tmp_path / "again"), "--municipality",
                                "Sønderå", "--language", "da"])
    assert again.exit_code == 0
    assert (tmp_path / "again" / "data.csv").read_bytes() == raw
    assert json.loads((tmp_path / "again" / "spec.json").read_text())["data_sha256"] == spec["data_sha256"]
    bad = runner.invoke(args=["export", "tally", "demo", "--out", str(tmp_path / "x"), "--attr", "who5:zz:1"])
    assert bad.exit_code != 0 and "name:op:value" in bad.output
