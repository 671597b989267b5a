"""The excerpt list's pages (issue #25: the page is found from per-title counts, then read from those
transcripts only): page after page gives exactly the whole list in title, offset, id order, also
when two transcripts share a title (their excerpts interleave by offset), with the right total."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.analysis.excerpt_list import ExcerptFilter, list_excerpts
from casecoder.models import Code, Excerpt, Source

TEXT = "Interviewer: Hej.\n\nInterviewperson: En to tre. Fire fem seks. Syv otte ni. Ti elleve tolv.\n"
PHRASES = ["En to tre.", "Fire fem seks.", "Syv otte ni.", "Ti elleve tolv."]


def test_pages_walk_the_whole_list_in_order(session, factory):  # type: ignore[no-untyped-def]
    owner = factory.user()
    project = factory.project(owner=owner)
    case = factory.case(project)
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    for title, phrases in [("B", PHRASES), ("A", PHRASES[1:3]), ("B", PHRASES[::2]), ("C", PHRASES[:1])]:
        source = factory.source(project, [case], text=TEXT, title=title)
        for phrase in phrases:
            factory.excerpt(owner, source, phrase, [(code, "supports")] if phrase != "Syv otte ni." else [],
                            case=case)
    session.flush()
    expected = list(session.scalars(select(Excerpt.id).join(Source, Source.id == Excerpt.source_id)
                                    .where(Excerpt.project_id == project.id)
                                    .order_by(Source.title, Excerpt.start_offset, Excerpt.id)))
    assert len(expected) == 9
    for f, wanted in [(ExcerptFilter(), expected), (ExcerptFilter(code_id=code.id), None)]:
        for per_page in (1, 2, 3, 5, 20):
            got, page = [], 1
            while True:
                result = list_excerpts(session, project.id, f, page=page, per_page=per_page)
                if not result.excerpts:
                    break
                assert len(result.excerpts) <= per_page
                got += [e.id for e in result.excerpts]
                page += 1
            assert result.total == len(got) and page == result.pages + 1 + (result.total == 0), (f, per_page)
            if wanted is not None:
                assert got == wanted, per_page
            else:
                assert got == [i for i in expected if i in set(got)] and len(got) == 9 - 3, per_page


def test_a_blind_viewers_kept_counts_read_only_the_transcripts_with_others_excerpts(session, factory):  # type: ignore[no-untyped-def]
    """A blind viewer's count per transcript: what they made, plus the others' excerpts they coded, these read
    only on the transcripts that have others' excerpts (one with only theirs, one with others' they coded,
    one with others' they did not code, one with none), equal to counting what they may see."""
    from sqlalchemy import exists, func, or_

    from casecoder.analysis.excerpt_list import kept_counts
    from casecoder.coding import accounts, excerpts
    from casecoder.kernel.vocabulary import Role
    from casecoder.models import Coding
    owner, anna, bo = factory.user("olga"), factory.user("anna"), factory.user("bo")
    project = factory.project(owner=owner)
    for coder in (anna, bo):
        accounts.add_member(session, project, coder, Role.CODER)
    case = factory.case(project)
    code = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    hers, shared, theirs, empty, open_ = (factory.source(project, [case], text=TEXT, title=t) for t in "ABCDE")
    for phrase in PHRASES[:2]:
        factory.excerpt(anna, hers, phrase, [(code, "supports")], case=case)
    factory.excerpt(anna, shared, PHRASES[0], [(code, "supports")], case=case)
    coded = factory.excerpt(bo, shared, PHRASES[1], [(code, "nuances")], case=case)
    excerpts.add_coding(session, anna, coded, code, "supports")
    factory.excerpt(bo, shared, PHRASES[2], [(code, "supports")], case=case)
    factory.excerpt(bo, theirs, PHRASES[3], [(code, "supports")], case=case)
    factory.excerpt(bo, open_, PHRASES[3], [(code, "supports")], case=case)
    session.flush()
    blind = frozenset({hers.id, shared.id, theirs.id, empty.id})
    counts = kept_counts(session, project.id, ExcerptFilter(blind_source_ids=blind, viewer_id=anna.id))
    visible = or_(Excerpt.source_id.not_in(blind), Excerpt.created_by_id == anna.id,
                  exists().where(Coding.excerpt_id == Excerpt.id, Coding.coder_id == anna.id))
    want = dict(session.execute(select(Excerpt.source_id, func.count()).where(Excerpt.project_id == project.id, visible)
                                .group_by(Excerpt.source_id)).all())
    assert counts == want == {hers.id: 2, shared.id: 2, open_.id: 1}
