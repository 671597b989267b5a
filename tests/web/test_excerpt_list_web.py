"""The excerpt list's drop-downs (issue #25: built from id/key/title rows, not whole transcripts): every
transcript and case is offered, and the ones in the filter are selected, the others not."""
from __future__ import annotations

import re

from sqlalchemy import select

from casecoder.models import Case, Source


def _options(page: str, select_id: str) -> dict[str, tuple[str, bool]]:
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return {value: (text, " selected" in attrs or attrs.strip().endswith("selected"))
            for value, attrs, text in re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', block)}


def test_transcript_and_case_choices_keep_the_filter(client, demo, session):  # type: ignore[no-untyped-def]
    sources = session.scalars(select(Source).where(Source.project_id == demo.id).order_by(Source.id)).all()
    cases = session.scalars(select(Case).where(Case.project_id == demo.id).order_by(Case.id)).all()
    source, chosen = sources[-1], {cases[0].id, cases[-1].id}
    response = client.get(f"/p/demo/excerpts?source={source.id}&case={cases[0].id}&case={cases[-1].id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    offered = _options(page, "f-source")
    assert {v: t for v, (t, _) in offered.items() if v} == {str(s.id): s.title for s in sources}
    assert [v for v, (_, on) in offered.items() if on] == [str(source.id)]
    offered = _options(page, "f-case")
    assert {v: t for v, (t, _) in offered.items() if v} == {str(c.id): c.key for c in cases}
    assert {v for v, (_, on) in offered.items() if on} == {str(i) for i in chosen}
    unfiltered = client.get("/p/demo/excerpts").get_data(as_text=True)
    assert not any(on for _, on in _options(unfiltered, "f-source").values())
    again = client.get(f"/p/demo/excerpts?source={source.id}&case={cases[0].id}&case={cases[-1].id}")
    assert again.get_data(as_text=True).count(" selected>") == page.count(" selected>")   # the kept lists


def test_kept_options_are_the_options_and_follow_the_rows():  # type: ignore[no-untyped-def]
    """``kept_options``: the same HTML as ``options`` for any selection, made again when the rows change."""
    from casecoder.web.excerpts import kept_options, options
    rows = [(3, "Anna & Bo <1>"), (1, "B"), (12, "C"), (2, "B")]
    for selected in ((), (None,), (12,), (3, 2), (99,), (1, 1)):
        assert str(kept_options("test", -1, rows, selected)) == str(options(rows, set(selected)))
    rows[1] = (1, "Bb")
    assert str(kept_options("test", -1, rows, (1,))) == str(options(rows, {1}))
    assert str(kept_options("test", -1, rows[:2], ())) == str(options(rows[:2], ()))
