"""Cutting access on the command line (#22): ``deactivate-user``, ``reactivate-user``, ``remove-member``
and ``set-password``, each audited as done by the command line; the project's last owner stays."""
from __future__ import annotations

from sqlalchemy import select

from casecoder.coding import accounts
from casecoder.models import AuditEvent, Membership, User
from tests.factories import PASSWORD


def _user(session, name: str) -> User:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(User).where(User.username == name)).one()


def _events(session, entity: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)))


def test_deactivate_and_reactivate_a_user(runner, factory, session):
    factory.user("eva")
    session.commit()
    result = runner.invoke(args=["deactivate-user", "eva"])
    assert result.exit_code == 0, result.output
    eva = _user(session, "eva")
    assert not eva.active and eva.session_generation == 1
    assert accounts.authenticate(session, "eva", PASSWORD) is None
    assert runner.invoke(args=["deactivate-user", "eva"]).exit_code == 0  # already: nothing changes
    assert runner.invoke(args=["reactivate-user", "eva"]).exit_code == 0
    eva = _user(session, "eva")
    assert eva.active and eva.session_generation == 1
    assert accounts.authenticate(session, "eva", PASSWORD) is not None
    events = _events(session, "user")
    assert [(e.action, e.user_id, e.before["active"], e.after["active"]) for e in events] == [
        ("update", None, True, False), ("update", None, False, True)]
    missing = runner.invoke(args=["deactivate-user", "nobody"])
    assert missing.exit_code != 0 and "There is no user named 'nobody'" in missing.output


def test_set_password_is_audited_and_checked(runner, factory, session):
    factory.user("eva")
    session.commit()
    short = runner.invoke(args=["set-password", "eva", "--password", "short"])
    assert short.exit_code != 0 and "at least" in short.output
    assert _user(session, "eva").session_generation == 0  # nothing changed
    assert runner.invoke(args=["set-password", "eva", "--password", "a new long password"]).exit_code == 0
    assert accounts.authenticate(session, "eva", "a new long password") is not None
    assert [(e.action, e.user_id) for e in _events(session, "user")] == [("password", None)]


def test_remove_a_member_but_never_the_last_owner(runner, factory, session):
    owner = factory.user("ole")
    project = factory.project("proj", owner)
    factory.user("eva")
    session.commit()
    assert runner.invoke(args=["add-member", "proj", "eva", "coder"]).exit_code == 0
    assert runner.invoke(args=["add-member", "proj", "eva", "owner"]).exit_code == 0
    result = runner.invoke(args=["remove-member", "proj", "eva"])
    assert result.exit_code == 0, result.output
    assert "eva is no longer a member of proj" in result.output
    assert accounts.membership_of(session, project.id, _user(session, "eva").id) is None
    last = runner.invoke(args=["remove-member", "proj", "ole"])
    assert last.exit_code != 0 and "only owner" in last.output
    demote = runner.invoke(args=["add-member", "proj", "ole", "coder"])
    assert demote.exit_code != 0 and "only owner" in demote.output
    again = runner.invoke(args=["remove-member", "proj", "eva"])
    assert again.exit_code != 0 and "not a member" in again.output
    session.expire_all()
    assert session.scalar(select(Membership.role).where(Membership.user_id == owner.id)).value == "owner"
    changes = [(e.action, e.before and e.before["role"], e.after and e.after["role"])
               for e in _events(session, "membership") if (e.after or e.before)["username"] == "eva"]
    assert changes == [("create", None, "coder"), ("update", "coder", "owner"), ("delete", "owner", None)]
