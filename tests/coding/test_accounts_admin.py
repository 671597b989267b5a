"""What a site administrator and a project owner do to people: users created with a password shown once,
passwords reset, users deactivated (no login, codings kept), members added, re-roled and removed, the last
owner kept, and every change audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Coding, Membership, Role
from tests.factories import PASSWORD


def _events(session, entity):  # type: ignore[no-untyped-def]
    return session.scalars(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)).all()


def test_generated_passwords_are_long_readable_and_different():
    made = {accounts.generate_password() for _ in range(50)}
    assert len(made) == 50
    for password in made:
        assert len(password) == 14 and set(password) <= set(accounts.PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lI")


def test_admin_creates_users_with_a_given_or_generated_password(session, factory):
    admin = factory.user("root", admin=True)
    maja, given = accounts.add_user(session, admin, "maja", "a long password", display_name="Maja Holm",
                                    language="en")
    assert given == "a long password" and maja.display_name == "Maja Holm" and not maja.is_admin
    assert accounts.authenticate(session, "maja", "a long password") is maja
    bo, made = accounts.add_user(session, admin, "bo", is_admin=True)
    assert len(made) == 14 and bo.is_admin and bo.language == "da" and bo.display_name == "bo"
    assert accounts.authenticate(session, "bo", made) is bo
    events = _events(session, "user")
    assert [(e.action, e.user_id, e.project_id, e.after["username"]) for e in events] == [
        ("create", admin.id, None, "maja"), ("create", admin.id, None, "bo")]
    assert "password" not in str(events[0].after) and maja.password_hash not in str(events[0].after)


@pytest.mark.parametrize(("username", "password", "field", "message"), [
    ("root", "a long password", "username", "A user named 'root' already exists"),
    ("x", "a long password", "username", "must be 2-64 characters"),
    ("maja", "short", "password", "at least 10 characters"),
])
def test_bad_new_users_are_refused_with_the_field(session, factory, username, password, field, message):
    admin = factory.user("root", admin=True)
    with pytest.raises(InvalidInput) as info:
        accounts.add_user(session, admin, username, password)
    assert info.value.field == field and message in info.value.message


def test_reset_password_gives_a_new_one_and_the_old_stops_working(session, factory):
    admin, eva = factory.user("root", admin=True), factory.user("eva")
    new = accounts.reset_password(session, admin, eva)
    assert accounts.authenticate(session, "eva", PASSWORD) is None
    assert accounts.authenticate(session, "eva", new) is eva
    assert accounts.reset_password(session, admin, eva, "chosen by the admin") == "chosen by the admin"
    assert accounts.authenticate(session, "eva", "chosen by the admin") is eva
    with pytest.raises(InvalidInput) as info:
        accounts.reset_password(session, admin, eva, "short")
    assert info.value.field == "password"
    assert accounts.authenticate(session, "eva", "chosen by the admin") is eva
    assert [e.action for e in _events(session, "user")] == ["password", "password"]


def test_a_deactivated_user_cannot_log_in_and_keeps_their_codings(session, factory):
    project, owner, excerpt = factory.coded_project()
    admin = factory.user("root", admin=True)
    accounts.set_active(session, admin, owner, False)
    session.commit()
    assert accounts.authenticate(session, owner.username, PASSWORD) is None
    assert not accounts.check_password(owner, PASSWORD)
    assert session.scalars(select(Coding.coder_id).where(Coding.excerpt_id == excerpt.id)).all() == [owner.id]
    assert accounts.membership_of(session, project.id, owner.id).role is Role.OWNER
    accounts.set_active(session, admin, owner, False)  # again: nothing changes, nothing logged
    accounts.set_active(session, admin, owner, True)
    assert accounts.authenticate(session, owner.username, PASSWORD) is owner
    events = _events(session, "user")
    assert [(e.before["active"], e.after["active"]) for e in events] == [(True, False), (False, True)]


def test_nobody_deactivates_themselves(session, factory):
    admin = factory.user("root", admin=True)
    with pytest.raises(InvalidInput, match="cannot deactivate yourself"):
        accounts.set_active(session, admin, admin, False)
    assert admin.active


def test_membership_changes_are_audited_with_role_before_and_after(session, factory):
    owner = factory.user("owner")
    project = factory.project("proj", owner)
    maja = factory.user("maja")
    accounts.add_member(session, project, maja, "coder", actor=owner)
    accounts.add_member(session, project, maja, "coder", actor=owner)  # no change, no row
    accounts.change_role(session, project, maja, Role.ANALYST, actor=owner)
    accounts.remove_member(session, project, maja, actor=owner)
    assert accounts.membership_of(session, project.id, maja.id) is None
    events = [e for e in _events(session, "membership") if e.user_id == owner.id]
    assert [(e.action, e.project_id, (e.before or {}).get("role"), (e.after or {}).get("role"),
             (e.after or e.before)["username"]) for e in events] == [
        ("create", project.id, None, "owner", "owner"),  # the owner's own membership, made with the project
        ("create", project.id, None, "coder", "maja"), ("update", project.id, "coder", "analyst", "maja"),
        ("delete", project.id, "analyst", None, "maja")]
    assert [e for e in _events(session, "membership") if e.user_id is None] == []


def test_the_last_owner_can_neither_leave_nor_be_demoted(session, factory):
    owner = factory.user("owner")
    project = factory.project("proj", owner)
    for attempt in (lambda: accounts.remove_member(session, project, owner, actor=owner),
                    lambda: accounts.change_role(session, project, owner, "coder", actor=owner),
                    lambda: accounts.add_member(session, project, owner, "reader", actor=owner)):
        with pytest.raises(InvalidInput, match="only owner") as info:
            attempt()
        assert info.value.field == "role"
    assert accounts.membership_of(session, project.id, owner.id).role is Role.OWNER
    second = factory.user("second")
    accounts.add_member(session, project, second, "owner", actor=owner)
    accounts.change_role(session, project, owner, "coder", actor=owner)  # two owners: one may step down
    with pytest.raises(InvalidInput, match="only owner"):
        accounts.remove_member(session, project, second, actor=second)
    accounts.remove_member(session, project, owner, actor=second)
    assert session.scalars(select(Membership.user_id).where(Membership.project_id == project.id)).all() == [
        second.id]


def test_changing_or_removing_a_non_member_is_refused(session, factory):
    owner, stranger = factory.user("owner"), factory.user("stranger")
    project = factory.project("proj", owner)
    for attempt in (lambda: accounts.change_role(session, project, stranger, "coder", actor=owner),
                    lambda: accounts.remove_member(session, project, stranger, actor=owner)):
        with pytest.raises(InvalidInput, match="'stranger' is not a member"):
            attempt()
