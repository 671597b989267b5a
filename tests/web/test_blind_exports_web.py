"""Blind double coding through HTTP on the downloads and the agreement page (#22 item 6): a coder who
codes transcripts blind gets, in the project bundle, the .qdpx, the quote export and agreement, only
what the workbench shows them; the owner gets everything. Both databases.

The agreement choice: a blind coder may open the agreement page, but the transcripts they code blind
are left out of the material until the owner opens the comparison (the figures would tell them the
other coder's codings); the page and the export's README say how many were left out."""
from __future__ import annotations

import csv
import io
import zipfile

from lxml import etree

from tests.analysis import test_agreement
from tests.conftest import login
from tests.factories import PASSWORD

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind
NS = "{urn:QDA-XML:project:1.0}"


def _zip(client, url: str) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return zipfile.ZipFile(io.BytesIO(response.data))


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """The member ``name``, also inside the report bundle's folder."""
    return archive.read(next(n for n in archive.namelist() if n == name or n.endswith("/" + name)))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_read(archive, name).decode("utf-8-sig"))))


def _seen(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the user gets: coders in the bundle, the .qdpx and the quotes; the agreement page."""
    bundle = {r["coder"] for r in _csv(_zip(client, "/p/dbl/export-bundle.zip"), "excerpts.csv")}
    root = etree.fromstring(_read(_zip(client, "/p/dbl/export.qdpx"), "project.qde"))
    users = {u.get("guid"): u.get("id") for u in root.iter(f"{NS}User")}
    qdpx = {users[c.get("creatingUser")] for c in root.iter(f"{NS}Coding")}
    quotes = _csv(_zip(client, "/p/dbl/export/quotes.zip?code=H1.4&code=H1.1"), "data.csv")
    page = client.get("/p/dbl/agreement?coders=anna&coders=bo&code=H1.4").get_data(as_text=True)
    readme = _read(_zip(client, "/p/dbl/export/agreement.zip?coders=anna&coders=bo&code=H1.4"), "README.txt").decode()
    return {"bundle": bundle, "qdpx": qdpx, "quotes": len(quotes), "left_out": 'id="blind-left-out"' in page,
            "readme": "left out because you code them blind: 4" in readme}


def test_a_blind_coder_downloads_only_their_own_work(client, session, double):
    login(client, "anna", PASSWORD)
    assert _seen(client) == {"bundle": {"anna"}, "qdpx": {"anna"}, "quotes": 3, "left_out": True, "readme": True}
    page = client.get("/p/dbl/agreement?coders=anna&coders=bo&code=H1.4").get_data(as_text=True)
    assert "4 transcripts you code blind are left out" in page
    client.get("/auth/logout")
    login(client, "olga", PASSWORD)  # the owner is never blind
    assert _seen(client) == {"bundle": {"anna", "bo", "cai"}, "qdpx": {"anna", "bo", "cai"}, "quotes": 7,
                             "left_out": False, "readme": False}


def test_after_the_comparison_is_opened_the_coder_sees_everything(client, session, double):
    project, olga, coders, cases, sources = double
    from casecoder.coding import double_coding as dc
    for source in sources.values():
        dc.open_comparison(session, olga, dc.assignment_of(session, source.id))
    session.commit()
    login(client, "anna", PASSWORD)
    assert _seen(client) == {"bundle": {"anna", "bo", "cai"}, "qdpx": {"anna", "bo", "cai"}, "quotes": 7,
                             "left_out": False, "readme": False}


def _family(client, key: str) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    data = client.get("/api/projects/dbl/tally").get_json()
    counts = next(c for c in data["codes"] if c["key"] == key)["counts"]["family"]
    return counts["n"], counts["case_keys"]


def test_a_blind_coder_counts_only_their_own_codings_on_blind_transcripts(client, session, double):
    """The numbers are a read path too: the tally (and everything built on collect: matrix, chains,
    co-occurrence, the chapter) counts, on a blind coder's blind transcripts, only their codings."""
    login(client, "bo", PASSWORD)
    assert _family(client, "H1.4") == (2, ["F01", "F04"]), "anna's H1.4 on F02 is not counted for bo"
    assert _family(client, "H1.1") == (1, ["F03"])
    matrix = client.get("/p/dbl/matrix/H1").get_data(as_text=True)
    assert matrix.count("F02") >= 1
    client.get("/auth/logout")
    login(client, "anna", PASSWORD)
    assert _family(client, "H1.1") == (0, []), "bo's H1.1 on F03 is not counted for anna"
    client.get("/auth/logout")
    login(client, "olga", PASSWORD)
    assert _family(client, "H1.4") == (3, ["F01", "F02", "F04"]) and _family(client, "H1.1") == (1, ["F03"])


def test_the_blind_count_filter_in_the_domain(session, double):
    from casecoder.analysis.double_coding import blindness
    from casecoder.analysis.evidence import CountFilter
    from casecoder.analysis.tally import compute_tally
    from casecoder.models import Role
    project, olga, coders, cases, sources = double
    f = blindness(session, project.id, coders["bo"], Role.CODER).count_filter(CountFilter())
    assert f.viewer_id == coders["bo"].id and len(f.blind_source_ids) == 4
    assert compute_tally(session, project, f, case_keys=True).row("H1.4").counts["family"].case_keys == ("F01", "F04")
    assert compute_tally(session, project, f).row("H1.4").counts["family"].n == 2
    assert compute_tally(session, project, CountFilter()).row("H1.4").counts["family"].n == 3
