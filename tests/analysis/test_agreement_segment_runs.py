"""The segment level's two ways of handing units to the coefficients (analysis/agreement_segments.py):
collapsed by base-3 keys per code (few coders) and as plain runs or sentences (many coders) give the same
Agreement, for characters and sentences, two and three coders; and the lengths kept per process under
``sources.text_version`` follow a changed text; the spans read packed or as plain rows."""
from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import select

from casecoder.analysis import agreement_segments
from casecoder.analysis.agreement import compute_agreement
from casecoder.models import Source
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
    packed = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    with mock.patch.object(agreement_segments, "PACKED", 1):
        plain = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
    assert packed == plain and packed.pooled.units > 0


def test_kept_lengths_follow_a_changed_text(session, factory):
    project, coders = _project(session, factory, 7)
    names = [u.username for u in coders[:2]]
    before = compute_agreement(session, project, names, level="segment")
    source = session.scalars(select(Source).where(Source.project_id == project.id).order_by(Source.id)).first()
    source.text = source.text + " Et tillæg." * 40    # longer: more characters no coder covers
    session.commit()
    after = compute_agreement(session, project, names, level="segment")
    assert after.pooled.units == before.pooled.units + len(" Et tillæg.") * 40 * len(after.codes)
