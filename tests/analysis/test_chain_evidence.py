"""``chains.evidence`` reads the occurrences from ``case_code_evidence`` where ``tally_cells`` serves the
filter (issue #25): the same ``Evidence`` as ``evidence.collect``, for every filter it serves and after
codings change, for every code or only some (a chain's, the statement graph's); other filters go to
``collect`` itself."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.analysis.chains import evidence  # tally.served_evidence
from casecoder.analysis.evidence import CountFilter, collect
from casecoder.coding import excerpts as excerpt_ops
from casecoder.models import Code, Coding, Excerpt
from tests.fresh_db import demo_project

FILTERS = [CountFilter(), CountFilter(directions=frozenset({"supports", "contradicts", "nuances"})),
           CountFilter(include_subcodes=False), CountFilter(municipalities=("Nordby",))]


def _same(session, project_id: int) -> None:  # type: ignore[no-untyped-def]
    codes = sorted(session.scalars(select(Code.id).where(Code.project_id == project_id)))
    for f in FILTERS:
        expected = collect(session, project_id, f)
        for some in (None, codes[::3], codes[1:2], []):   # every code; some codes (a chain, the statement graph)
            got = evidence(session, project_id, f, some)
            wanted = {k: v for k, v in expected.occurs.items() if some is None or k[0] in some}
            assert {k: v for k, v in got.occurs.items() if some is None or k[0] in some} == wanted, (f, some)
            assert (got.case_keys, got.municipality, got.with_source, got.coders) == (
                expected.case_keys, expected.municipality, expected.with_source, expected.coders), (f, some)


def test_evidence_equals_collect_on_the_demo_and_after_a_coding_goes(session):  # type: ignore[no-untyped-def]
    project = demo_project(session)
    assert any(collect(session, project.id, CountFilter()).occurs.values())
    _same(session, project.id)
    coding = session.scalars(select(Coding).join(Excerpt).where(Excerpt.project_id == project.id)
                             .order_by(Coding.id)).first()
    excerpt_ops.remove_coding(session, coding.coder, coding)
    session.flush()
    _same(session, project.id)
