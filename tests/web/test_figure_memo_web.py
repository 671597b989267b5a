"""The figure downloads with the per-process memo of rendered figures (casecoder/figures/memo.py): a changed
coding changes the figure at once (its numbers are part of the key), and a kept figure is the one drawn afresh."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.coding.excerpts import remove_coding
from casecoder.figures import memo
from casecoder.models import Code, Coding

URLS = ["/p/demo/figures/tally-H1.svg", "/p/demo/figures/tally-H1.png", "/p/demo/figures/tally-H1.pdf",
        "/p/demo/figures/cooccurrence.svg?codes=H1.1&codes=H2.2&codes=B.1", "/p/demo/figures/overview-H1.svg"]


def fetch(client) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    found = {}
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = response.data
    return found


def test_a_changed_coding_changes_the_kept_figures(client, demo, session):
    memo.clear()
    before = fetch(client)
    assert memo.used() > 0 and fetch(client) == before           # kept: the same bytes
    h11 = session.scalar(select(Code).where(Code.project_id == demo.id, Code.key == "H1.1"))
    codings = session.scalars(select(Coding).where(Coding.code_id == h11.id)).all()
    assert codings
    admin = accounts.get_user(session, "admin")
    for coding in codings:                                       # H1.1 loses every case
        remove_coding(session, admin, coding)
    session.commit()
    after = fetch(client)
    assert all(after[url] != before[url] for url in URLS), [url for url in URLS if after[url] == before[url]]
    memo.clear()
    assert fetch(client) == after                                # drawn afresh: what was kept
