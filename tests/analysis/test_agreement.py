"""Inter-coder agreement: the coefficients on published worked examples, presence matrices and
segment units from hand-made double-coded projects, reconciliation and the coding of record."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sqlalchemy import select

from casecoder.analysis.agreement import compute_agreement, material, nominal_coefficients, sentence_spans
from casecoder.analysis.disagreements import disagreements
from casecoder.analysis.evidence import CountFilter, collect
from casecoder.coding import accounts, excerpts
from casecoder.coding import double_coding as dc
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Code, Coding, Decision

NAN = float("nan")
# Fleiss (1971), table 1: each patient's six diagnoses (1 depression, 2 personality disorder,
# 3 schizophrenia, 4 neurosis, 5 other), one row per patient, as in R's irr::diagnoses
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5], [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4], [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4], [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5], [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4], [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4], [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]]


def test_krippendorff_alpha_published_example_with_missing_data():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
    twelve units, nominal values 1-5 with missing data; the paper gives alpha = 0.743."""
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
            [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]
    c = nominal_coefficients(data, binary=False)
    assert c.krippendorff_alpha == pytest.approx(0.743, abs=5e-4)
    assert c.units == 11  # unit 12 has one value only: not pairable
    assert c.cohen_kappa is None  # four coders


def test_cohens_kappa_textbook_two_by_two():
    """The standard worked example (Wikipedia, "Cohen's kappa", after Cohen 1960): 50 proposals,
    both yes 20, A yes/B no 5, A no/B yes 10, both no 15 -> p_o = 0.70, p_e = 0.50, kappa = 0.40."""
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    c = nominal_coefficients([a, b])
    assert c.percent_agreement == pytest.approx(0.70)
    assert c.cohen_kappa == pytest.approx(0.40)
    assert c.units == 50 and c.positive == 35 and c.warnings == ()


def test_fleiss_kappa_published_example():
    """Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological Bulletin
    76(5): 30 patients, 6 psychiatrists, 5 diagnoses (the data as in R's irr::diagnoses and the
    statsmodels tests); Fleiss reports kappa = 0.430."""
    c = nominal_coefficients(np.asarray(FLEISS_1971_DIAGNOSES, dtype=float).T, binary=False)
    assert c.fleiss_kappa == pytest.approx(0.430, abs=5e-4)


def test_degenerate_data_gives_no_coefficient_and_warns():
    c = nominal_coefficients([[0, 0, 0, 1], [0, 0, 0, 1]])
    assert c.percent_agreement == 1.0 and c.krippendorff_alpha == 1.0
    assert ("few_positive", 1) in c.warnings
    flat = nominal_coefficients([[0, 0, 0], [0, 0, NAN]])
    assert flat.units == 2 and flat.cohen_kappa is flat.fleiss_kappa is flat.krippendorff_alpha is None
    assert {k for k, _ in flat.warnings} == {"few_positive", "no_variation"}
    assert nominal_coefficients([[1, NAN], [NAN, 0]]).warnings == (("no_units", 0),)


def test_sentence_spans():
    text = "Aaaa bbbb. Cccc dddd!\nEeee"
    assert [text[a:b].strip() for a, b in sentence_spans(text)] == ["Aaaa bbbb.", "Cccc dddd!", "Eeee"]


@pytest.fixture
def double(session, factory):
    """Owner olga; coders anna, bo (every source) and cai (F04 only). H1.4 presence:
    F01 anna+bo, F02 anna only, F03 neither (bo codes H1.1 there), F04 all three."""
    olga = factory.user("olga")
    project = factory.project("dbl", olga)
    coders = {}
    for name in ("anna", "bo", "cai"):
        coders[name] = factory.user(name)
        accounts.add_member(session, project, coders[name], "coder")
    text = "Interviewer: Hvordan?\n\nMor: Koordinatoren ringede samme dag. Det gav ro. Jeg fik hjælp.\n"
    cases, sources = {}, {}
    for key in ("F01", "F02", "F03", "F04"):
        cases[key] = factory.case(project, key)
        sources[key] = factory.source(project, [cases[key]], text=text, title=f"Interview {key}")
    anna, bo, cai = coders["anna"], coders["bo"], coders["cai"]
    dc.mark_sources(session, olga, project, [sources[k] for k in ("F01", "F02", "F03")], [anna, bo])
    dc.mark_case(session, olga, project, cases["F04"], [anna, bo, cai])
    h14, h11 = factory.code(project, "H1.4"), factory.code(project, "H1.1")
    call = "Koordinatoren ringede samme dag."
    for key, who in (("F01", [anna, bo]), ("F02", [anna]), ("F04", [anna, bo, cai])):
        for user in who:
            factory.excerpt(user, sources[key], call, [(h14, "supports")])
    factory.excerpt(bo, sources["F03"], "Det gav ro.", [(h11, "supports")])
    session.commit()
    return project, olga, coders, cases, sources


def test_case_level_presence_matrix_and_coefficients(session, double):
    project = double[0]
    result = compute_agreement(session, project, ["anna", "bo"], ["H1.4"])
    (row,) = result.codes
    assert row.unit_keys == ("F01", "F02", "F03", "F04")
    assert row.matrix == ((1, 1, 0, 1), (1, 0, 0, 1))
    c = row.coefficients
    assert (c.units, c.positive, c.percent_agreement) == (4, 3, 0.75)
    assert c.cohen_kappa == pytest.approx(0.5)
    assert c.fleiss_kappa == pytest.approx(7 / 15)
    assert c.krippendorff_alpha == pytest.approx(8 / 15)
    assert ("few_positive", 3) in c.warnings
    three = compute_agreement(session, project, ["anna", "bo", "cai"], ["H1.4"])
    m = three.codes[0].matrix
    assert m[2][3] == 1 and all(math.isnan(v) for v in m[2][:3])  # cai did not code F01-F03: missing
    assert three.codes[0].coefficients.cohen_kappa is None
    assert three.codes[0].coefficients.fleiss_kappa is None  # the one complete unit has no variation
    assert three.codes[0].coefficients.krippendorff_alpha == pytest.approx(
        nominal_coefficients([[1, 1, 0, 1], [1, 0, 0, 1], [NAN, NAN, NAN, 1]]).krippendorff_alpha)


def test_hypothesis_codes_pooled_and_errors(session, double):
    project = double[0]
    result = compute_agreement(session, project, ["anna", "bo"], hypothesis="H1")
    keys = [r.key for r in result.codes]
    assert keys[0] == "H1" and "H1.4" in keys and "H1.1" in keys
    by_key = {r.key: r for r in result.codes}
    assert by_key["H1"].matrix == ((1, 1, 0, 1), (1, 0, 1, 1))  # sub-codes roll up into H1
    assert result.pooled.units == 4 * len(keys)
    with pytest.raises(InvalidInput, match="at least two coders"):
        compute_agreement(session, project, ["anna"])
    with pytest.raises(InvalidInput, match="no user named"):
        compute_agreement(session, project, ["anna", "nobody"])
    with pytest.raises(InvalidInput, match="not one of"):
        compute_agreement(session, project, ["anna", "bo"], level="paragraph")


def test_segment_level_characters_and_sentences(session, factory):
    owner = factory.user("olga")
    project = factory.project("seg", owner)
    anna, bo = factory.user("anna"), factory.user("bo")
    for u in (anna, bo):
        accounts.add_member(session, project, u, "coder")
    case = factory.case(project)
    text = "Aaaa bbbb. Cccc dddd. Eeee ffff."
    source = factory.source(project, [case], text=text)
    h14 = factory.code(project, "H1.4")
    factory.excerpt(anna, source, "Aaaa bbbb. Cccc dddd.", [(h14, "supports")])
    factory.excerpt(bo, source, "Cccc dddd.", [(h14, "supports")])
    session.commit()
    # not marked: two coders' codings on one source (as from a bundle's excerpts.csv) make it material
    assert material(session, project.id, [anna.id, bo.id]) == {source.id: frozenset({anna.id, bo.id})}
    chars = compute_agreement(session, project, ["anna", "bo"], ["H1.4"], level="segment").codes[0].coefficients
    assert chars.units == len(text) == 32
    assert chars.percent_agreement == pytest.approx(21 / 32)
    sentences = compute_agreement(session, project, ["anna", "bo"], ["H1.4"], level="segment", unit="sentence")
    assert sentences.codes[0].coefficients.units == 3
    assert sentences.codes[0].coefficients.percent_agreement == pytest.approx(2 / 3)


def test_reconciliation_sets_the_coding_of_record_audited(session, double):
    project, olga, coders, cases, _ = double
    h14 = session.scalar(select(Code).where(Code.project_id == project.id, Code.key == "H1.4"))
    items = disagreements(session, project, ["anna", "bo"], ["H1.4"])
    assert [(d.case_key, d.coded, d.not_coded) for d in items] == [("F02", ("anna",), ("bo",))]
    assert [e.coder for e in items[0].excerpts] == ["anna"]

    def h14_cases() -> set[str]:
        ev = collect(session, project.id, CountFilter())
        return set(ev.keys(ev.cases(h14.id)))

    assert h14_cases() == {"F01", "F02", "F04"}  # before reconciliation: every coder's codings count
    decision = dc.reconcile(session, olga, project, cases["F02"], h14, "accept", coders["bo"], "bo is right")
    session.commit()
    assert decision.decision is Decision.ACCEPT and h14_cases() == {"F01", "F04"}
    events = session.scalars(select(AuditEvent).where(AuditEvent.project_id == project.id,
                                                      AuditEvent.entity.in_(("reconciliation", "coding")),
                                                      AuditEvent.action == "update")).all()
    assert any(e.entity == "coding" and e.after["of_record"] is False for e in events)
    # the independent codings stay for the agreement figures
    again = compute_agreement(session, project, ["anna", "bo"], ["H1.4"]).codes[0]
    assert again.matrix == ((1, 1, 0, 1), (1, 0, 0, 1))
    dc.reconcile(session, olga, project, cases["F02"], h14, "merge")
    session.commit()
    assert h14_cases() == {"F01", "F02", "F04"}
    dc.reconcile(session, olga, project, cases["F02"], h14, "note", note="checked")
    with pytest.raises(InvalidInput, match="whose version"):
        dc.reconcile(session, olga, project, cases["F02"], h14, "accept")
    with pytest.raises(InvalidInput, match="Write the note"):
        dc.reconcile(session, olga, project, cases["F02"], h14, "note")


def test_marking_rules_and_blindness(session, double):
    project, olga, coders, cases, sources = double
    anna, bo = coders["anna"], coders["bo"]
    with pytest.raises(InvalidInput, match="at least 2 different coders"):
        dc.mark_sources(session, olga, project, [sources["F01"]], [anna, anna])
    with pytest.raises(InvalidInput, match="is not a coder"):
        dc.mark_sources(session, olga, project, [sources["F01"]],
                        [anna, accounts.create_user(session, "outsider", "correct horse battery")])
    owner_role = accounts.membership_of(session, project.id, olga.id).role
    coder_role = accounts.membership_of(session, project.id, anna.id).role
    assert dc.is_blind(session, sources["F01"].id, anna, coder_role)
    assert not dc.is_blind(session, sources["F01"].id, olga, owner_role)
    assignment = dc.assignment_of(session, sources["F01"].id)
    dc.open_comparison(session, olga, assignment)
    assert not dc.is_blind(session, sources["F01"].id, bo, coder_role)
    dc.unmark(session, olga, assignment)
    assert dc.assignment_of(session, sources["F01"].id) is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "double_coding")).all()
    assert {"create", "update", "delete"} <= set(actions)


def test_add_coding_for_another_coder_counts_as_double_coding(session, double):
    project, olga, coders, cases, sources = double
    excerpt = session.scalars(select(Coding).where(Coding.coder_id == coders["anna"].id)).first().excerpt
    excerpts.add_coding(session, olga, excerpt, session.get(Coding, excerpt.codings[0].id).code, coder=coders["cai"])
    session.commit()
    assert coders["cai"].id in material(session, project.id, [coders["anna"].id, coders["cai"].id])[excerpt.source_id]
