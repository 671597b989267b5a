"""Downloading the coded transcript (web/coded_export.py) through the real HTTP client: the workbench's
link, the DOCX with its comments, no-store, the file name, 404 for another project's transcript and for
non-members, a reader may download, a blind coder gets only their own work, "pseudonymised only"."""
from __future__ import annotations

import io

import pytest
from docx import Document

from casecoder.coding import accounts, pseudonym_keys
from casecoder.coding import double_coding as dc
from tests.conftest import login
from tests.factories import PASSWORD

TEXT = ("Interviewer: Hvordan gik det?\n\n"
        "Mor: Mette sagde, at koordinatoren altid ringede tilbage samme dag. Det gav ro.\n")


@pytest.fixture
def coded(session, factory):  # type: ignore[no-untyped-def]
    """Project proj (owner olga, coder anna, reader rita) with a transcript that anna and olga coded;
    project other (owner oscar) with its own transcript."""
    olga, anna, rita = factory.user("olga"), factory.user("anna"), factory.user("rita")
    project = factory.project("proj", olga)
    accounts.add_member(session, project, anna, "coder")
    accounts.add_member(session, project, rita, "reader")
    source = factory.source(project, [factory.case(project, "F01")], text=TEXT, title="Mor på Ærø")
    factory.excerpt(anna, source, "koordinatoren altid ringede tilbage", [(factory.code(project, "H1.4"), "supports")])
    factory.excerpt(olga, source, "Det gav ro.", [(factory.code(project, "ST.5"), "nuances")])
    other = factory.project("other", factory.user("oscar"))
    elsewhere = factory.source(other, [factory.case(other, "F09")], title="Andet interview")
    session.commit()
    return project, source, elsewhere


def _comments(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.text for c in Document(io.BytesIO(response.data)).comments]


def test_the_owner_downloads_it_from_the_workbench(client, coded):
    project, source, elsewhere = coded
    login(client, "olga", PASSWORD)
    url = f"/p/proj/sources/{source.id}/coded.docx"
    page = client.get(f"/p/proj/sources/{source.id}").get_data(as_text=True)
    assert f'<a id="coded-docx-link" href="{url}">Coded transcript (.docx)</a>' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Mor-paa-Aeroe-coded.docx"'
    assert response.headers["Cache-Control"] == "no-store"
    assert _comments(response) == ["H1.4 (supports) — anna", "ST.5 (nuances) — olga"]
    assert client.get(url).data == response.data, "the same data gives the same bytes"
    assert client.get(f"/p/proj/sources/{elsewhere.id}/coded.docx").status_code == 404, "another project's"
    assert client.get(f"/p/other/sources/{elsewhere.id}/coded.docx").status_code == 404, "not a member"
    assert client.get("/p/proj/sources/999999/coded.docx").status_code == 404


def test_a_reader_may_download_and_a_blind_coder_sees_only_their_own(client, session, coded):
    project, source, _elsewhere = coded
    url = f"/p/proj/sources/{source.id}/coded.docx"
    login(client, "rita", PASSWORD)
    assert _comments(client.get(url)) == ["H1.4 (supports) — anna", "ST.5 (nuances) — olga"]
    dc.mark_sources(session, accounts.get_user(session, "olga"), project, [source],
                    [accounts.get_user(session, "anna"), accounts.get_user(session, "olga")])
    session.commit()
    login(client, "anna", PASSWORD)
    response = client.get(url)
    assert _comments(response) == ["H1.4 (supports) — anna"]
    assert "Blind double coding" in "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)


def test_danish_and_pseudonymised_only(client, session, coded):
    project, source, _elsewhere = coded
    accounts.get_user(session, "olga").language = "da"
    session.commit()
    login(client, "olga", PASSWORD)
    url = f"/p/proj/sources/{source.id}/coded.docx"
    assert _comments(client.get(url)) == ["H1.4 (understøtter) — anna", "ST.5 (nuancerer) — olga"]
    pseudonym_keys.add_key(session, None, project, "Mette", "Mor F01", "name")
    project.pseudonymised_only = True
    session.commit()
    blocked = client.get(url)
    assert blocked.status_code == 409 and 'href="/p/proj/pseudonyms/review"' in blocked.get_data(as_text=True)
