"""Segment-level agreement from runs of equal values (analysis/agreement_segments.py) against the
per-character (and per-sentence) matrix built the plain way, one column per unit, on random small
double-coded projects, and against the ``krippendorff`` package; large material is no longer refused."""
from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from casecoder.analysis.agreement import compute_agreement, material, nominal_coefficients, sentence_spans
from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.models import Code, Coding, Excerpt, Source

KEYS = ("H1", "H1.1", "H1.4")
WORDS = ("Koordinatoren", "ringede", "samme", "dag.", "Det", "gav", "ro!", "Jeg", "fik", "hjælp?", "\n", "og")


def _project(session, factory, seed: int):  # type: ignore[no-untyped-def]
    """Three transcripts: two marked for anna and bo (cai codes on the first unasked), one unmarked that
    anna and cai code (material because two chosen coders coded it); random excerpts, codes, directions."""
    rng = random.Random(seed)
    owner = factory.user("olga")
    project = factory.project(f"runs{seed}", owner)
    anna, bo, cai = (factory.user(n) for n in ("anna", "bo", "cai"))
    for u in (anna, bo, cai):
        accounts.add_member(session, project, u, "coder")
    codes = [factory.code(project, k) for k in KEYS]
    sources = []
    for i in range(3):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 70)))
        sources.append(factory.source(project, [factory.case(project, f"F0{i}")], text=text, title=f"T{i}"))
    dc.mark_sources(session, owner, project, sources[:2], [anna, bo])
    for source, who in ((sources[0], (anna, bo, cai)), (sources[1], (anna, bo)), (sources[2], (anna, cai))):
        for user in who:
            for _ in range(rng.randint(2, 6)):
                a = rng.randrange(len(source.text) - 1)
                b = rng.randint(a + 1, min(len(source.text), a + 80))
                if not source.text[a:b].strip():
                    continue
                chosen = rng.sample(codes, rng.randint(1, 2))
                excerpts.create_excerpt(session, user, source, a, b,
                                        [(c, rng.choice(("supports", "supports", "contradicts"))) for c in chosen])
    session.commit()
    return project, [anna, bo, cai]


def _brute(session, project, coders, unit: str) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Code key -> coders x units matrix, one column per character (or sentence), as the plain way builds it."""
    ids = [u.id for u in coders]
    took = material(session, project.id, ids)
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}

    def under(code_id: int, key: str) -> bool:   # the code or a sub-code of it
        while code_id is not None:
            if codes[code_id].key == key:
                return True
            code_id = codes[code_id].parent_id  # type: ignore[assignment]
        return False

    rows = session.execute(select(Excerpt.source_id, Excerpt.start_offset, Excerpt.end_offset, Coding.code_id,
                                  Coding.coder_id, Coding.direction).join(Coding, Coding.excerpt_id == Excerpt.id)
                           .where(Excerpt.project_id == project.id)).all()
    texts = dict(session.execute(select(Source.id, Source.text).where(Source.id.in_(took))).all())
    out = {}
    for key in KEYS:
        parts = []
        for s in sorted(texts):
            blocks = []
            for k in ids:
                if k not in took[s]:
                    blocks.append(np.full(len(texts[s]), np.nan))
                    continue
                chars = np.zeros(len(texts[s]))
                for source_id, a, b, code_id, coder_id, direction in rows:
                    if (source_id, coder_id) == (s, k) and getattr(direction, "value", direction) == "supports" \
                            and under(code_id, key):
                        chars[a:b] = 1.0
                blocks.append(chars)
            m = np.vstack(blocks)
            if unit == "sentence":
                m = np.stack([m[:, a:b].max(axis=1) for a, b in sentence_spans(texts[s])], axis=1)
            parts.append(m)
        out[key] = np.hstack(parts)
    return out


def _same(got, expected) -> None:  # type: ignore[no-untyped-def]
    assert (got.units, got.positive, got.warnings) == (expected.units, expected.positive, expected.warnings)
    for name in ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"):
        x, y = getattr(got, name), getattr(expected, name)
        assert (x is None and y is None) or x == pytest.approx(y, abs=1e-12), name


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("unit", ["character", "sentence"])
def test_runs_give_the_per_unit_coefficients(session, factory, seed, unit):
    project, coders = _project(session, factory, seed)
    for who in (coders[:2], coders):
        names = [u.username for u in who]
        result = compute_agreement(session, project, names, list(KEYS), level="segment", unit=unit)
        brute = _brute(session, project, who, unit)
        for row in result.codes:
            m = brute[row.key]
            _same(row.coefficients, nominal_coefficients(m))
            pairable = m[:, (~np.isnan(m)).sum(axis=0) >= 2]
            if row.coefficients.krippendorff_alpha is not None:
                assert row.coefficients.krippendorff_alpha == pytest.approx(
                    krippendorff.alpha(reliability_data=pairable, level_of_measurement="nominal"), abs=1e-10)
        assert any(r.coefficients.krippendorff_alpha not in (None, 1.0) for r in result.codes)  # not vacuous
        _same(result.pooled, nominal_coefficients(np.hstack([brute[k] for k in KEYS])))
        if unit == "character":
            lengths = sum(len(s.text) for s in session.scalars(select(Source).where(Source.project_id == project.id)))
            assert result.codes[0].coefficients.units <= lengths


def test_a_large_material_is_computed_not_refused(session, factory):
    """Characters as units over every code of the codebook: more than the 20 million matrix cells
    (coders x characters x codes) above which the per-character computation was refused."""
    owner = factory.user("olga")
    project = factory.project("big", owner)
    anna, bo = factory.user("anna"), factory.user("bo")
    for u in (anna, bo):
        accounts.add_member(session, project, u, "coder")
    text = "Aaaa bbbb. Cccc dddd. Eeee ffff.\n" * 7_000
    source = factory.source(project, [factory.case(project)], text=text)
    h14 = factory.code(project, "H1.4")
    excerpts.create_excerpt(session, anna, source, 0, len(text) // 2, [(h14, "supports")])
    excerpts.create_excerpt(session, bo, source, 0, len(text), [(h14, "supports")])
    session.commit()
    result = compute_agreement(session, project, ["anna", "bo"], level="segment")
    assert 2 * len(text) * len(result.codes) > 20_000_000
    c = next(r for r in result.codes if r.key == "H1.4").coefficients
    assert c.units == len(text) == 231_000
    assert c.percent_agreement == pytest.approx(0.5)
    assert c.positive == len(text) and c.cohen_kappa == 0.0  # p_o = p_e = 0.5
    assert result.pooled.units == len(text) * len(result.codes)
