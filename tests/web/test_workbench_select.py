"""The workbench page's ``?select=start-end`` (a search hit's link): a range inside the text is handed to
the page's script; anything else is ignored."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from casecoder.models import Source


def _data(client, url):  # type: ignore[no-untyped-def]
    page = client.get(url)
    assert page.status_code == 200
    return json.loads(re.search(r'id="workbench-data">(.*?)</script>', page.get_data(as_text=True), re.S).group(1))


def test_select_range(client, demo, session):  # type: ignore[no-untyped-def]
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    url = f"/p/demo/sources/{source.id}"
    assert _data(client, url + "?select=3-9")["select"] == [3, 9]
    for bad in ("9-3", "x-9", "3", f"0-{len(source.text) + 1}"):
        assert _data(client, f"{url}?select={bad}")["select"] is None, bad
    assert _data(client, url)["select"] is None
