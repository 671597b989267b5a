"""The fictional demo project: enough cases, municipalities, perspectives and coded excerpts."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.coding.demo import load_demo
from casecoder.models import Case, Coding, Direction, Excerpt, Perspective, Source, User


def test_demo_has_what_every_screen_needs(session):
    result = load_demo(session)
    session.commit()
    assert result.created and set(result.passwords) == {"admin", "anna", "bo"}
    project = result.project
    cases = session.scalars(select(Case).where(Case.project_id == project.id)).all()
    assert len(cases) >= 8
    assert len({c.municipality for c in cases}) >= 3
    sources = session.scalars(select(Source).where(Source.project_id == project.id)).all()
    perspectives = {c.key: {s.perspective for s in c.sources} for c in cases}
    assert any(p == {Perspective.FAMILY, Perspective.SYSTEM} for p in perspectives.values())
    assert any(p == {Perspective.SYSTEM} for p in perspectives.values()), "some cases are system-only"
    for source in sources:
        assert len(source.text.split()) >= 1500, source.title
        assert source.interviewees, source.title
    assert any(len(s.cases) > 1 for s in sources), "a professional speaks about several families"
    excerpts = session.scalars(select(Excerpt).where(Excerpt.project_id == project.id)).all()
    assert len(excerpts) >= 36
    for ex in excerpts:
        assert ex.source.text[ex.start_offset:ex.end_offset] == ex.text
        assert ex.case is not None
    directions = set(session.scalars(select(Coding.direction)).all())
    assert directions == {Direction.SUPPORTS, Direction.CONTRADICTS, Direction.NUANCES}
    coders = set(session.scalars(select(User.username).join(Coding, Coding.coder_id == User.id)).all())
    assert coders == {"admin", "anna", "bo"}
    keys = {c.code.key.split(".")[0] for c in session.scalars(select(Coding)).all()}
    assert {"H1", "H2", "H3", "H4", "ST", "B", "E", "S"} <= keys


def test_offsets_are_code_points_past_an_emoji(session):
    load_demo(session)
    session.commit()
    source = session.scalars(select(Source).where(Source.text.contains("👍"))).first()
    assert source is not None
    emoji_at = source.text.index("👍")
    later = [e for e in session.scalars(select(Excerpt).where(Excerpt.source_id == source.id))
             if e.start_offset > emoji_at]
    assert later
    for ex in later:
        # in code points the slice matches; in UTF-16 units it would be shifted by one per astral character
        assert source.text[ex.start_offset:ex.end_offset] == ex.text
        utf16_start = len(source.text[:ex.start_offset].encode("utf-16-le")) // 2
        assert utf16_start > ex.start_offset
