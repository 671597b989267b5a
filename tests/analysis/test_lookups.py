"""The small reads of the web pages (analysis/lookups.py): only the project's rows, in the pages' order."""
from __future__ import annotations

from casecoder.analysis import audit_log, lookups
from casecoder.coding import audit
from casecoder.models import Role


def test_membership_finds_the_project_only_for_its_members(session, factory):
    owner, stranger = factory.user("owner"), factory.user("stranger")
    project = factory.project("proj", owner, codebook=False)
    session.commit()
    assert lookups.membership(session, "proj", owner.id) == (project, Role.OWNER)
    assert lookups.membership(session, "proj", stranger.id) is None
    assert lookups.membership(session, "nothing", owner.id) is None
    assert lookups.user_projects(session, owner.id) == [(project, Role.OWNER)]
    assert lookups.user_projects(session, stranger.id) == []
    assert [(m.role, u.username) for m, u in lookups.members(session, project.id)] == [(Role.OWNER, "owner")]


def test_cases_codes_and_keys_stay_in_their_project(session, factory):
    project, other = factory.project("proj"), factory.project("other", codebook=False)
    f02, f01 = factory.case(project, "F02", "Sydby"), factory.case(project, "F01", "Nordby")
    foreign = factory.case(other, "F01", "Østby")
    session.commit()
    assert lookups.cases(session, project.id) == [(f01.id, "F01", "Nordby"), (f02.id, "F02", "Sydby")]  # rows
    assert lookups.case_ids(session, project.id) == {"F01": f01.id, "F02": f02.id}
    assert lookups.municipalities(session, project.id) == ["Nordby", "Sydby"]
    assert lookups.cases_by_id(session, project.id, [f01.id, foreign.id]) == {f01.id: f01}
    assert lookups.cases_by_id(session, project.id, []) == {}
    codes = lookups.codes(session, project.id)
    assert codes and [(c.position, c.id) for c in codes] == sorted((c.position, c.id) for c in codes)
    assert lookups.codes(session, other.id) == []
    h1 = lookups.code_by_key(session, project.id, "H1")
    assert h1 is not None and h1 in lookups.top_codes(session, project.id)
    assert lookups.code_by_key(session, other.id, "H1") is None
    assert all(c.codable for c in lookups.codable_codes(session, project.id))


def test_pages_count_and_the_hit_page_is_clamped(session, factory):
    assert [lookups.page_count(n, 50) for n in (0, 1, 50, 51)] == [1, 1, 1, 2]
    project, owner, _ = factory.coded_project()
    empty = lookups.hit_page(session, project.id, None, 7, 100)
    assert (empty.rows, empty.page, empty.pages, empty.total) == ([], 1, 1, 0)
    everything = audit_log.AuditFilter()
    before = audit_log.events(session, project.id, everything, 1, 2).total
    for n in range(3):
        audit.log(session, owner, "update", "case", n, project_id=project.id)
    session.commit()
    first, last = (audit_log.events(session, project.id, everything, 1, 2),
                   audit_log.events(session, project.id, everything, 99, 2))
    users = audit_log.names(session, project.id, first.rows).users
    assert first.total == before + 3 and first.pages == lookups.page_count(before + 3, 2)
    assert [(e.entity_id, users[e.user_id]) for e in first.rows] == [(2, owner.username), (1, owner.username)]
    assert (last.rows, last.page) == ([], 99)  # the audit log's page is not clamped
