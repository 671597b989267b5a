"""The chapter reads a filter's evidence once for its chains and its overview where the tally cells do not serve
the filter (#25: a blind coder's page ran the blind correction once per chain and once more for the overview);
the counts are those of ``count_saved_chain`` and ``hypothesis_overview`` reading it themselves."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.analysis.chains import count_saved_chain, hypothesis_overview, load_chain
from casecoder.analysis.chapter import build_chapter
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import cells_serve
from casecoder.coding import accounts, chains
from casecoder.kernel.measures import DIRECTIONS
from casecoder.models import Case, Code


@pytest.mark.parametrize("which", ["none", "coder", "municipality", "subcodes", "all directions"])
def test_shared_evidence_counts_as_each_read_alone(session, demo, which):  # type: ignore[no-untyped-def]
    admin = accounts.get_user(session, "admin")
    for title, keys, arrows, scope in (("A", ["H1.1", "H1.2"], ["both-and"], "family"),
                                       ("B", ["H1.2", "H1.1", "H1.3"], ["and-or", "both-and"], "system")):
        chains.save_chain(session, demo, admin, title=title, keys=keys, arrows=arrows, scope=scope)
    session.commit()
    place = session.scalar(select(Case.municipality).where(Case.project_id == demo.id).limit(1))
    f = {"none": CountFilter(), "coder": CountFilter(coder_ids=(admin.id,)),
         "municipality": CountFilter(municipalities=(place,)), "subcodes": CountFilter(include_subcodes=False),
         "all directions": CountFilter(directions=frozenset(DIRECTIONS))}[which]
    assert cells_serve(f) == (which in ("none", "all directions"))
    tops = session.scalars(select(Code.key).where(Code.project_id == demo.id, Code.parent_id.is_(None))).all()
    seen = 0
    for key in tops:
        chapter = build_chapter(session, demo, key, f)
        assert chapter.overview == hypothesis_overview(session, demo, key, f)
        for sub in chapter.subs:
            for chain, counted in sub.chains:
                fresh = load_chain(session, chain.id)
                assert fresh is not None
                assert counted == count_saved_chain(session, demo, fresh, f)
                seen += 1
    assert seen == 2
