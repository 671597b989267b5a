"""A blind double coder's chapter reads everyone's evidence of just the chapter's codes (its chains' boxes, the
hypothesis, its sub-mechanisms and what they lead to) less what she loses (#25); its chains and overview count as
``count_saved_chain`` and ``hypothesis_overview`` reading her evidence themselves."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.analysis.chains import count_saved_chain, hypothesis_overview, load_chain
from casecoder.analysis.chapter import build_chapter
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import blind_served
from casecoder.coding import accounts, chains
from casecoder.models import Code, Source, User


def test_a_blind_coders_chains_and_overview(session, demo):  # type: ignore[no-untyped-def]
    admin = accounts.get_user(session, "admin")
    for title, keys, arrows, scope in (("A", ["H1.1", "H1.2"], ["both-and"], "family"),
                                       ("B", ["H1.2", "H1.1", "H1.3"], ["and-or", "both-and"], "system")):
        chains.save_chain(session, demo, admin, title=title, keys=keys, arrows=arrows, scope=scope)
    session.commit()
    sources = session.scalars(select(Source.id).where(Source.project_id == demo.id).order_by(Source.id)).all()
    viewer = session.scalars(select(User.id).order_by(User.id)).all()[-1]
    f = CountFilter(blind_source_ids=tuple(sources[::2]), viewer_id=viewer)
    assert blind_served(f)
    seen = 0
    for key in session.scalars(select(Code.key).where(Code.project_id == demo.id, Code.parent_id.is_(None))):
        chapter = build_chapter(session, demo, key, f)
        assert chapter.overview == hypothesis_overview(session, demo, key, f)
        for sub in chapter.subs:
            for chain, counted in sub.chains:
                fresh = load_chain(session, chain.id)
                assert fresh is not None
                assert counted == count_saved_chain(session, demo, fresh, f)
                seen += 1
    assert seen == 2
