"""A bundle's ``coder`` column may name only members of the project (#22 item 12): otherwise the import
is refused, each outsider named with the line where they first appear, and nothing is stored; with
``add_coders`` (the owner ticks it on the form, ``--add-coders`` on the command line) they become
members with the role coder, each membership audited. Both databases."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from casecoder.coding import accounts
from casecoder.exchange.bundle_import import import_bundle
from casecoder.files.ooxml import zip_files
from casecoder.models import AuditEvent, Membership
from tests.bundle_helpers import BASE, MB, bundle, counts, problems, with_
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

# eva (the owner) codes lines 2 and 4; nyco (no user) line 3; vera (a user, not a member) lines 5 and 6;
# rita (a reader of the project) line 7
EXCERPTS = ("source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n"
            "A,,,,Min koordinator ringede altid tilbage samme dag.,H1.4,supports,eva,\n"
            "A,,,,Min koordinator ringede altid tilbage samme dag.,H1.1,contradicts,nyco,\n"
            "B,F02,0,12,,H1.2,,eva,\n"
            "A,,,,Bagefter gik det bedre.,H1.2,supports,vera,\n"
            "B,F02,0,12,,H1.4,,vera,\n"
            "B,F02,0,12,,H1.1,,rita,\n")
FILES = with_(excerpts=EXCERPTS)


def _setup(session, factory, target):  # type: ignore[no-untyped-def]
    project, eva = target
    factory.user("vera")
    accounts.add_member(session, project, factory.user("rita"), "reader")
    session.commit()
    return project, eva


def _members(session, project) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.user.username: m.role.value for m in session.scalars(
        select(Membership).where(Membership.project_id == project.id))}


def test_coders_who_are_not_members_are_refused_by_name_and_line(session, factory, target):
    project, eva = _setup(session, factory, target)
    before = counts(session)
    found = problems(session, project, FILES, eva, add_coders=False)
    assert [p for p in found if "not a member" in p] == [
        "excerpts.csv, line 3, column 8 (coder): nyco is not a member of this project: add them as a member first, "
        "or import with the coders added as members",
        "excerpts.csv, line 5, column 8 (coder): vera is not a member of this project: add them as a member first, "
        "or import with the coders added as members"]
    session.rollback()
    assert counts(session) == before and _members(session, project) == {"eva": "owner", "rita": "reader"}
    # no coder column: the importing user stands in, and must be a member too
    admin = factory.user("admin")
    session.commit()
    stand_in = "source_key,case_key,start,end,quote,code_keys\nB,F02,0,12,,H1.2\n"
    assert any("admin is not a member" in p for p in problems(session, project, with_(excerpts=stand_in), admin,
                                                               add_coders=False))


def test_with_add_coders_they_become_coders_audited(session, factory, target):
    project, eva = _setup(session, factory, target)
    last = session.scalar(select(func.max(AuditEvent.id)))
    summary = import_bundle(session, project, bundle(FILES), user=eva, max_bytes=MB, add_coders=True)
    session.commit()
    assert (summary.users, summary.members) == (1, 2)
    assert _members(session, project) == {"eva": "owner", "rita": "reader", "nyco": "coder", "vera": "coder"}
    events = session.scalars(select(AuditEvent).where(AuditEvent.project_id == project.id,
                                                      AuditEvent.entity == "membership",
                                                      AuditEvent.action == "create", AuditEvent.id > last)).all()
    assert sorted((e.after["username"], e.after["role"]) for e in events) == [("nyco", "coder"), ("vera", "coder")]
    assert {e.user_id for e in events} == {eva.id}
    # members now: a second import needs no flag
    again = ("source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n"
             "A,,,,Bagefter gik det bedre.,H1.4,supports,vera,\n")
    assert import_bundle(session, project, bundle({"excerpts.csv": again, "texts/a.txt": BASE["texts/a.txt"]}),
                         user=eva, max_bytes=MB).members == 0


def test_cli_refuses_and_adds_with_the_flag(runner, session, factory, target, tmp_path):
    project, _eva = _setup(session, factory, target)
    folder = tmp_path / "in"
    for name, content in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    refused = runner.invoke(args=["import-bundle", "proj", str(folder), "--user", "eva"])
    assert refused.exit_code != 0
    assert "excerpts.csv, line 5, column 8 (coder): vera is not a member of this project" in refused.output
    assert "--add-coders" in runner.invoke(args=["import-bundle", "--help"]).output
    done = runner.invoke(args=["import-bundle", "proj", str(folder), "--user", "eva", "--add-coders"])
    assert done.exit_code == 0, done.output
    assert "2 coders added as members" in done.output
    session.expire_all()
    assert _members(session, project)["vera"] == "coder"


def test_web_form_refuses_and_adds_when_ticked(client, session, factory, target):
    project, _eva = _setup(session, factory, target)
    data = zip_files({k: v.encode() for k, v in FILES.items()})
    login(client, "eva", PASSWORD)
    page = client.get("/p/proj/import-bundle").get_data(as_text=True)
    assert 'name="add_coders"' in page and 'type="checkbox"' in page

    def post(**extra: str):  # type: ignore[no-untyped-def]
        token = csrf_token(client, "/p/proj/import-bundle")
        return client.post("/p/proj/import-bundle", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(data), "b.zip"), **extra})

    refused = post()
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "nyco is not a member of this project" in text and "line 5" in text
    session.expire_all()
    assert "vera" not in _members(session, project)
    ok = post(add_coders="y")
    assert ok.status_code == 302
    assert "2 coders were added as members of the project (role coder)." in client.get(
        ok.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert _members(session, project) == {"eva": "owner", "rita": "reader", "nyco": "coder", "vera": "coder"}
