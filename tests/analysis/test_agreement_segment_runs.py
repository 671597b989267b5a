"""The segment level's two ways of handing units to the coefficients (analysis/agreement_segments.py):
collapsed by base-3 keys per code (few coders) and as plain runs or sentences (many coders) give the same
Agreement, for characters and sentences, two and three coders; and the lengths kept per process under
``sources.text_version`` follow a changed text; the spans read packed or as plain rows; the spans kept per
process under each (source, coder)'s version (analysis/pair_cache.py) follow every write: the agreement
with them equals the agreement read afresh."""
from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import select

from casecoder.analysis import agreement_segments, pair_cache, segment_spans
from casecoder.analysis.agreement import compute_agreement
from casecoder.coding import excerpts
from casecoder.models import Code, Excerpt, Source
from tests.analysis.test_agreement_segments import KEYS, _project


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_collapsed_and_plain_units_agree(session, factory, seed, unit):
    project, coders = _project(session, factory, seed)
    for who in (coders[:2], coders):
        names = [u.username for u in who]
        collapsed = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
        with mock.patch.object(agreement_segments, "_few", lambda n_coders, units: False):
            plain = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
        assert collapsed == plain
        assert collapsed.pooled.units > 0


@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_spans_read_as_plain_rows_give_the_same(session, factory, unit):
    """The spans come packed into one string while the numbers fit 62 bits, else as plain rows."""
    project, coders = _project(session, factory, 3)
    names = [u.username for u in coders]
    pair_cache._KEPT.clear()
    packed = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    pair_cache._KEPT.clear()
    with mock.patch.object(segment_spans, "PACKED", 1):
        plain = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    assert packed == plain and packed.pooled.units > 0


def _afresh(session, project, names, unit):  # type: ignore[no-untyped-def]
    """The agreement with the spans this process keeps, and read afresh (nothing kept)."""
    kept = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    saved = dict(pair_cache._KEPT)
    pair_cache._KEPT.clear()
    try:
        return kept, compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    finally:
        pair_cache._KEPT.update(saved)


@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_kept_spans_follow_every_write(session, factory, unit):
    project, coders = _project(session, factory, 11)
    anna, bo, cai = coders
    names = ["anna", "bo", "cai"]
    first = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    sources = list(session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id)))
    codes = list(session.scalars(select(Code).where(Code.project_id == project.id).order_by(Code.id)))
    mine = lambda user: list(session.scalars(  # noqa: E731
        select(Excerpt).where(Excerpt.project_id == project.id, Excerpt.created_by_id == user.id).order_by(Excerpt.id)))
    writes = [
        lambda: excerpts.create_excerpt(session, anna, sources[1], 0, 12, [(codes[0], "supports")]),
        lambda: excerpts.update_excerpt(session, bo, mine(bo)[0], start=1, end=20),
        lambda: excerpts.add_coding(session, cai, mine(cai)[0], codes[-1], "contradicts"),
        lambda: excerpts.remove_coding(session, anna, mine(anna)[0].codings[0]),
        lambda: excerpts.delete_excerpt(session, bo, mine(bo)[-1]),
    ]
    seen = [first]
    for write in writes:
        write()
        session.commit()
        kept, afresh = _afresh(session, project, names, unit)
        assert kept == afresh
        seen.append(kept)
    assert len({repr(a) for a in seen}) > 1   # the writes changed the agreement
    with mock.patch.object(pair_cache, "MAX_KEPT_ROWS", 3):   # more rows than a process keeps: forgotten
        pair_cache._KEPT.clear()
        assert compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit) == seen[-1]
        assert compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit) == seen[-1]


def test_kept_lengths_follow_a_changed_text(session, factory):
    project, coders = _project(session, factory, 7)
    names = [u.username for u in coders[:2]]
    before = compute_agreement(session, project, names, level="segment")
    source = session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id)).first()
    source.text = source.text + " Et tillæg." * 40    # longer: more characters no coder covers
    session.commit()
    after = compute_agreement(session, project, names, level="segment")
    assert after.pooled.units == before.pooled.units + len(" Et tillæg.") * 40 * len(after.codes)
