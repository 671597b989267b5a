"""The case-level agreement's presence read (``case_presence.presence_rows`` from the trigger-kept
``source_case_codings``, rows packed into one string, kept per process under each source and coder's version)
against the reference read it replaced (the distinct code, case, coder of the codings joined to their
excerpts), on random small double-coded projects with every filter the read honours, read afresh and kept;
whole ``compute_agreement`` results with the reference read swapped in; and the kept rows after writes."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from unittest import mock

import numpy as np
import pytest
from sqlalchemy import or_, select, update

from casecoder.analysis import agreement, case_presence, pair_cache
from casecoder.analysis.agreement import compute_agreement, material, nominal_coefficients
from casecoder.analysis.disagreements import disagreements, find_disagreements
from casecoder.analysis.double_coding import reconciliation_codings
from casecoder.analysis.evidence import CountFilter, source_conditions
from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.models import Code, Coding, Excerpt, Source

KEYS = ("H1", "H1.1", "H1.4", "H2.1", "ST.3")
DIRECTIONS = ("supports", "contradicts", "nuances")


def _project(session, factory, seed: int):  # type: ignore[no-untyped-def]
    """Five transcripts about four cases (two about two cases), three marked for anna and bo, one that
    anna and cai code unasked; random excerpts (case, codes, directions), one excerpt without a case."""
    rng = random.Random(seed)
    owner = factory.user("olga")
    project = factory.project(f"presence{seed}", owner)
    users = [factory.user(n) for n in ("anna", "bo", "cai")]
    for u in users:
        accounts.add_member(session, project, u, "coder")
    codes = [factory.code(project, k) for k in KEYS]
    cases = [factory.case(project, f"F0{i}", "Nordby" if i % 2 else "Vestkær") for i in range(4)]
    text = "Interviewer: Hvordan gik det? Mor: " + "Koordinatoren ringede samme dag. Det gav ro. " * 6
    sources = [factory.source(project, [cases[i % 4]] + ([cases[(i + 1) % 4]] if i % 2 else []), text=text,
                              title=f"T{i}") for i in range(5)]
    session.execute(update(Source).where(Source.id == sources[1].id).values(interview_date=date(2024, 1, 1)))
    session.execute(update(Source).where(Source.id.in_([s.id for s in sources[2:]]))
                    .values(interview_date=date(2025, 6, 1)))
    dc.mark_sources(session, owner, project, sources[:3], users[:2])
    made = []
    for source, who in ((sources[0], users), (sources[1], users[:2]), (sources[2], users[:2]),
                        (sources[3], (users[0], users[2])), (sources[4], users[1:2])):
        for user in who:
            for _ in range(rng.randint(2, 4)):
                a = rng.randrange(len(text) - 20)
                chosen = rng.sample(codes, rng.randint(1, 2))
                made.append(excerpts.create_excerpt(session, user, source, a, a + rng.randint(5, 20),
                                                    [(c, rng.choice(DIRECTIONS)) for c in chosen],
                                                    case=rng.choice(source.cases)))
    session.execute(update(Excerpt).where(Excerpt.id == made[0].id).values(case_id=None))
    session.commit()
    return project, owner, users, sources


def _reference(session, source_ids, coder_ids, f, max_code, max_case):  # type: ignore[no-untyped-def]
    """The read before ``source_case_codings``: the distinct (code, case, coder) of the codings themselves."""
    query = (select(Coding.code_id, Excerpt.case_id, Coding.coder_id).distinct()
             .join(Excerpt, Excerpt.id == Coding.excerpt_id)
             .where(Excerpt.source_id.in_(source_ids), Coding.coder_id.in_(coder_ids),
                    Coding.direction.in_(sorted(f.directions)), Excerpt.case_id.is_not(None)))
    conditions = source_conditions(replace(f, source_ids=()))
    if conditions:
        query = query.join(Source, Source.id == Excerpt.source_id).where(*conditions)
    if f.blind_source_ids:
        query = query.where(or_(Excerpt.source_id.not_in(f.blind_source_ids), Coding.coder_id == f.viewer_id))
    rows = np.array(session.execute(query).all(), dtype=np.int64).reshape(-1, 3)
    return rows[:, 0], rows[:, 1], rows[:, 2]


def _filters(sources, users) -> list[CountFilter]:  # type: ignore[no-untyped-def]
    return [CountFilter(), CountFilter(directions=frozenset(DIRECTIONS)),
            CountFilter(directions=frozenset({"contradicts", "nuances"}), include_subcodes=False),
            CountFilter(date_from=date(2025, 1, 1), directions=frozenset(DIRECTIONS)),
            CountFilter(municipalities=("Nordby",)),
            CountFilter(blind_source_ids=(sources[0].id, sources[3].id), viewer_id=users[0].id,
                        directions=frozenset(DIRECTIONS))]


@pytest.mark.parametrize("seed", [1, 2])
def test_presence_rows_equal_the_codings_read(session, factory, seed):
    project, _, users, sources = _project(session, factory, seed)
    ids = [u.id for u in users]
    source_ids = sorted(material(session, project.id, ids))
    max_code = max(session.scalars(select(Code.id).where(Code.project_id == project.id)))
    max_case = max(c.id for s in sources for c in s.cases)
    for f in _filters(sources, users):
        for limits, packed in (((max_code, max_case), case_presence.PACKED),
                               ((max_code, max_case - 1), case_presence.PACKED),
                               ((max_code, max_case), 0)):  # the last: plain rows
            old = {row for row in zip(*(a.tolist() for a in _reference(session, source_ids, ids, f, *limits)))
                   if row[0] <= limits[0] and row[1] <= limits[1]}
            pair_cache._KEPT.clear()
            for _ in range(2):   # read, then kept
                with mock.patch.object(case_presence, "PACKED", packed):
                    rows = case_presence.presence_rows(session, source_ids, ids, f, *limits)
                assert set(zip(*(a.tolist() for a in rows))) == old, (f, limits)
            assert old or limits[1] < max_case


@pytest.mark.parametrize("seed", [4])
def test_agreement_and_disagreements_equal_the_reference_read(session, factory, seed):
    project, _, users, sources = _project(session, factory, seed)
    names = [u.username for u in users]
    for f in [_filters(sources, users)[i] for i in (0, 2, 3, 5)]:
        for coders, hypothesis in ((names[:2], None), (names, "H1")):
            new = compute_agreement(session, project, coders, hypothesis=hypothesis, f=f)
            found = [(d.case_key, d.code_key, d.coded, d.not_coded)
                     for d in find_disagreements(session, project, coders, hypothesis=hypothesis, f=f)]
            with mock.patch.object(agreement, "presence_rows", _reference):
                old = compute_agreement(session, project, coders, hypothesis=hypothesis, f=f)
                assert found == [(d.case_key, d.code_key, d.coded, d.not_coded)
                                 for d in find_disagreements(session, project, coders, hypothesis=hypothesis, f=f)]
            assert repr(new) == repr(old)  # every coefficient and unit key
            assert repr([r.matrix for r in new.codes]) == repr([r.matrix for r in old.codes])  # nan for missing
            for r in new.codes if new.codes[0].unit_keys else ():  # every code collapsed at once = one by one
                assert repr(r.coefficients) == repr(nominal_coefficients(np.array(r.matrix)))
    assert compute_agreement(session, project, names[:2]).pooled.units > 0


def test_disagreement_excerpts_are_the_codings_a_decision_governs(session, factory):
    """``add_excerpts`` (one query over the double-coded sources of the page's cases) gives each
    disagreement the chosen coders' codings ``reconciliation_codings`` names for its case and code."""
    project, _, users, _ = _project(session, factory, 6)
    for chosen in (users[:2], users):
        found = disagreements(session, project, [u.username for u in chosen], hypothesis="H1")
        assert found
        ids = {u.id: u.username for u in chosen}
        keys = dict(session.execute(select(Code.id, Code.key).where(Code.project_id == project.id)).all())
        for d in found:
            expected = sorted((c.excerpt_id, ids[c.coder_id], keys[c.code_id], c.direction.value)
                              for c in reconciliation_codings(session, project.id, d.case_id, d.code_id)
                              if c.coder_id in ids)
            assert sorted((x.excerpt_id, x.coder, x.code, x.direction) for x in d.excerpts) == expected


def test_kept_presence_follows_every_write(session, factory):
    """After each write (a coding added, removed, its direction changed; an excerpt's case changed; an
    excerpt deleted) the case level and the disagreements with the rows this process keeps equal those read
    afresh."""
    project, owner, users, sources = _project(session, factory, 8)
    names = [u.username for u in users]
    f = CountFilter(directions=frozenset(DIRECTIONS))
    codes = list(session.scalars(select(Code).where(Code.project_id == project.id).order_by(Code.id)))

    def results():  # type: ignore[no-untyped-def]
        return (compute_agreement(session, project, names, f=f),
                [(d.case_key, d.code_key, d.coded, d.not_coded) for d in find_disagreements(session, project, names, f=f)])

    def of(user):  # type: ignore[no-untyped-def]
        return list(session.scalars(select(Excerpt).where(Excerpt.project_id == project.id,
                                                          Excerpt.created_by_id == user.id).order_by(Excerpt.id)))

    def recase(excerpt):  # type: ignore[no-untyped-def]
        other = next(c for c in sources[1].cases if c.id != excerpt.case_id)   # sources[1] is about two cases
        excerpts.update_excerpt(session, users[1], excerpt, case=other)

    first = results()
    writes = [
        lambda: excerpts.create_excerpt(session, users[1], sources[0], 3, 30, [(codes[-1], "nuances")],
                                        case=sources[0].cases[0]),
        lambda: excerpts.add_coding(session, users[0], of(users[0])[1], codes[0], "contradicts"),
        lambda: excerpts.set_direction(session, users[1], of(users[1])[0].codings[0], "nuances"),
        lambda: recase(next(e for e in of(users[1]) if e.source_id == sources[1].id)),
        lambda: excerpts.remove_coding(session, users[0], of(users[0])[2].codings[0]),
        lambda: excerpts.delete_excerpt(session, users[1], of(users[1])[-1]),
    ]
    seen = [first]
    for write in writes:
        write()
        session.commit()
        kept = results()
        saved = dict(pair_cache._KEPT)
        pair_cache._KEPT.clear()
        afresh = results()
        pair_cache._KEPT.update(saved)
        assert repr(kept) == repr(afresh)
        seen.append(kept)
    assert len({repr(r) for r in seen}) > 2   # the writes changed the results
