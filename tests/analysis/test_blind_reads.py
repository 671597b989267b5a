"""Blind double coding on the reads that gather many sources at once, without a request: the quote
bank, the project bundle, the .qdpx and agreement give a blind coder only what the workbench gives
them (analysis/double_coding.py ``Blindness``); an owner, or anyone after the comparison is opened,
gets everything. Both databases."""
from __future__ import annotations

import csv
import io

from lxml import etree
from sqlalchemy import select

from casecoder.analysis import double_coding as seen
from casecoder.analysis.agreement import compute_agreement
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.quotes import quote_bank
from casecoder.analysis.workbench import source_excerpt_rows
from casecoder.coding import accounts
from casecoder.coding import double_coding as dc
from casecoder.exchange.bundle_export import bundle_files
from casecoder.exchange.refi.qdpx_write import qdpx_files
from casecoder.models import Coding, Excerpt, Source
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind
NS = "{urn:QDA-XML:project:1.0}"


def _blind(session, project, user):  # type: ignore[no-untyped-def]
    return seen.blindness(session, project.id, user, accounts.membership_of(session, project.id, user.id).role)


def _quote_coders(session, project, blind) -> set[str]:  # type: ignore[no-untyped-def]
    bank = quote_bank(session, project, [], CountFilter(), blind=blind)
    return {c for s in bank.sections for q in s.quotes for c in q.coders}


def _bundle_coders(session, project, blind) -> list[str]:  # type: ignore[no-untyped-def]
    text = bundle_files(session, project, blind)["excerpts.csv"].decode("utf-8-sig")
    return sorted(row["coder"] for row in csv.DictReader(io.StringIO(text)))


def _qdpx(session, project, blind) -> tuple[set[str], int]:  # type: ignore[no-untyped-def]
    """The users whose codings the .qdpx holds (by GUID) and its number of selections."""
    root = etree.fromstring(qdpx_files(session, project, "en", blind)["project.qde"])
    users = {u.get("guid"): u.get("id") for u in root.iter(f"{NS}User")}
    coders = {users[c.get("creatingUser")] for c in root.iter(f"{NS}Coding")}
    return coders, len(list(root.iter(f"{NS}PlainTextSelection")))


def test_the_rule_matches_the_workbench(session, double):
    project, olga, coders, cases, sources = double
    anna = coders["anna"]
    blind = _blind(session, project, anna)
    assert blind and blind.source_ids == seen.blind_source_ids(session, project.id, anna, accounts.membership_of(
        session, project.id, anna.id).role)
    assert not _blind(session, project, olga) and not seen.NOT_BLIND
    for source in sources.values():
        rows = source_excerpt_rows(session, source.id)
        shown = seen.rows_seen(anna, source.id in blind.source_ids, rows)
        excerpts = session.scalars(select(Excerpt).where(Excerpt.source_id == source.id).order_by(Excerpt.id)).all()
        assert sorted(r["id"] for r in shown) == [e.id for e in blind.excerpts(excerpts)]
        in_sql = session.scalars(select(Excerpt.id).where(Excerpt.source_id == source.id, blind.excerpt_seen())
                                 .order_by(Excerpt.id)).all()
        assert in_sql == [e.id for e in blind.excerpts(excerpts)]
        codings = session.scalars(select(Coding.id).join(Excerpt, Excerpt.id == Coding.excerpt_id).where(
            Excerpt.source_id == source.id, blind.coding_seen()).order_by(Coding.id)).all()
        assert codings == sorted(c.id for e in excerpts for c in blind.codings_of(e))


def test_a_blind_coder_gets_only_their_own_work_in_quotes_bundle_and_qdpx(session, double, factory):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    single = factory.source(project, [cases["F01"]], title="Single-coded", text="Bo alene. Det gav ro.")
    factory.excerpt(bo, single, "Bo alene.", [(factory.code(project, "H2"), "supports")])  # not blind for anyone
    session.commit()
    everything = {"anna", "bo", "cai"}
    assert _quote_coders(session, project, _blind(session, project, olga)) == everything
    assert _quote_coders(session, project, _blind(session, project, anna)) == {"anna", "bo"}
    bank = quote_bank(session, project, [], CountFilter(), blind=_blind(session, project, anna))
    assert [q.text for s in bank.sections for q in s.quotes if "bo" in q.coders] == ["Bo alene."]
    assert set(_bundle_coders(session, project, seen.NOT_BLIND)) == everything
    assert _bundle_coders(session, project, _blind(session, project, anna)) == ["anna", "anna", "anna", "bo"]
    assert _qdpx(session, project, seen.NOT_BLIND) == (everything, 8)
    assert _qdpx(session, project, _blind(session, project, anna)) == ({"anna", "bo"}, 4)
    # a coding of anna's on bo's excerpt makes the excerpt hers to see, with her coding only
    bo_f03 = session.scalar(select(Excerpt).where(Excerpt.source_id == sources["F03"].id))
    dc_code = bo_f03.codings[0].code
    session.add(Coding(excerpt=bo_f03, code=dc_code, coder=anna))
    session.commit()
    text = bundle_files(session, project, _blind(session, project, anna))["excerpts.csv"].decode("utf-8-sig")
    f03 = [r for r in csv.DictReader(io.StringIO(text)) if r["quote"] == "Det gav ro."]
    assert [r["coder"] for r in f03] == ["anna"]
    # opened: anna sees what the owner sees on that source
    for source in sources.values():
        dc.open_comparison(session, olga, dc.assignment_of(session, source.id))
    session.commit()
    assert not _blind(session, project, anna)
    assert set(_bundle_coders(session, project, _blind(session, project, anna))) == everything
    assert _quote_coders(session, project, _blind(session, project, anna)) == everything


def test_agreement_leaves_out_what_the_viewer_codes_blind(session, double):
    """The choice: a blind coder may compute agreement, but only on material they do not code blind
    (the figures would tell them the other coder's codings there); ``hidden`` counts what was left out."""
    project, olga, coders, cases, sources = double
    full = compute_agreement(session, project, ["anna", "bo"], ["H1.4"])
    assert full.hidden == 0 and full.codes[0].coefficients.units == 4
    anna = _blind(session, project, coders["anna"])
    none = compute_agreement(session, project, ["anna", "bo"], ["H1.4"], hidden=anna.source_ids)
    assert none.hidden == 4 and none.sources == () and none.codes[0].coefficients.units == 0
    dc.open_comparison(session, olga, dc.assignment_of(session, sources["F01"].id))
    dc.open_comparison(session, olga, dc.assignment_of(session, sources["F02"].id))
    session.commit()
    anna = _blind(session, project, coders["anna"])
    part = compute_agreement(session, project, ["anna", "bo"], ["H1.4"], hidden=anna.source_ids)
    assert part.hidden == 2 and part.codes[0].unit_keys == ("F01", "F02")
    assert part.sources == tuple(sorted(s.title for s in session.scalars(select(Source).where(
        Source.id.in_([sources["F01"].id, sources["F02"].id])))))
    segment = compute_agreement(session, project, ["anna", "bo"], ["H1.4"], level="segment", hidden=anna.source_ids)
    assert segment.hidden == 2 and len(segment.sources) == 2
