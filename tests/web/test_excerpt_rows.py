"""The workbench's excerpt rows (``api.source_excerpt_rows``, plain-column queries) give exactly the JSON
that ``excerpt_json`` gives for the ORM objects: same excerpts, order, fields and coding order."""
from __future__ import annotations

import re

from sqlalchemy import select

from casecoder.models import Excerpt, Source
from casecoder.web.api import excerpt_json


def test_rows_match_excerpt_json_on_every_demo_source(client, demo, session):  # type: ignore[no-untyped-def]
    sources = list(session.scalars(select(Source).where(Source.project_id == demo.id)))
    compared = codings = 0
    for source in sources:
        expected = [excerpt_json(e) for e in session.scalars(
            select(Excerpt).where(Excerpt.source_id == source.id).order_by(Excerpt.start_offset, Excerpt.id))]
        response = client.get(f"/api/p/demo/sources/{source.id}/excerpts")
        assert response.status_code == 200
        assert response.get_json() == expected, source.title
        page = client.get(f"/p/demo/sources/{source.id}").get_data(as_text=True)
        assert page.count('"source_id":%d' % source.id) == len(expected)
        compared += len(expected)
        codings += sum(len(e["codings"]) for e in expected)
    assert compared and codings > compared, "the demo has excerpts with several codings"


def test_page_embeds_the_same_excerpts_as_the_json(client, demo, session):  # type: ignore[no-untyped-def]
    import json
    source = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).first()
    page = client.get(f"/p/demo/sources/{source.id}").get_data(as_text=True)
    data = json.loads(re.search(r'id="workbench-data">(.*?)</script>', page, re.S).group(1))
    assert data["excerpts"] == client.get(f"/api/p/demo/sources/{source.id}/excerpts").get_json()
