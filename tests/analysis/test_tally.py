"""The counting core: "n of N cases" per code and perspective (casecoder/analysis/evidence.py + tally.py).

Every database test on SQLite and PostgreSQL; the brute-force property test is in test_tally_brute_force.py.

1. A hand-built study (``build_study``) whose every number is worked out by hand in the docstring
   below and asserted exactly, filter by filter.
2. Bad attribute filters raise ``InvalidInput``.

Counts are compared in a compact notation, ``"F01,F02/3"``: the sorted case keys behind n, a slash,
and N (n is the number of keys; ``summary`` checks that ``Count.n`` agrees).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from casecoder.analysis.evidence import AttributeCondition, CountFilter
from casecoder.analysis.tally import MEASURES, Count, Tally
from casecoder.coding import accounts, cases, excerpts
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Project, Source, User
from tests.factories import Factory
from tests.tally_check import compute_tally

DIRECTIONS = ("supports", "contradicts", "nuances")


# --------------------------------------------------------------------------------------------
# helpers


def summary(tally: Tally, key: str) -> dict[str, str]:
    """The six counts of one code as ``{"family": "F01/2", ...}`` (keys behind n, then N)."""
    out = {}
    for measure, count in tally.row(key).counts.items():
        assert count.n == len(count.case_keys), (key, measure, count)
        assert list(count.case_keys) == sorted(count.case_keys), (key, measure, count)
        out[measure] = f"{','.join(count.case_keys)}/{count.N}"
    return out


def cols(family: str, system: str, both: str, either: str, contradicts: str, nuances: str) -> dict[str, str]:
    """Expected counts in the column order of the tally: family, system, both, either, contradicts, nuances."""
    return dict(zip(MEASURES, (family, system, both, either, contradicts, nuances)))


def denominators(**keys: str) -> dict[str, tuple[str, ...]]:
    """``denominators(family="F01 F04", ...)`` -> the tally's ``denominators`` mapping."""
    return {name: tuple(keys[name].split()) for name in ("family", "system", "both", "any")}


@dataclass
class Study:
    project: Project
    eva: User
    ole: User


def build_study(session: Session, factory: Factory) -> Study:
    """The hand-built study. Two coders, eva (the owner) and ole.

    case  municipality  who5_entry  placed_children  sources
    F01   Nordby        30          True             S1 (family), S2 (system)
    F02   Nordby        40          True             S2 (system)
    F03   Sydby         35          False            S3 (system)
    F04   Sydby         50          True             S4 (family)
    F05   Vestby        -           -                none

    source  perspective  cases     interviewee (role)        date
    S1      family       F01       M01 (mor)                 2024-03-01
    S2      system       F01, F02  K01 (familiekoordinator)  2024-05-10   one professional, two families
    S3      system       F03       J01 (jobkonsulent)        2024-09-01
    S4      family       F04       P04 (far)                 2024-06-15

    excerpt  source  case  codings (code direction coder)
    e1       S1      F01   H1.1 supports eva
    e2       S1      F01   H2 contradicts eva
    e3       S2      F01   H1.1 supports eva            -> F01 has H1.1 under both perspectives
    e4       S2      F02   H1 supports eva; H2 supports ole
    e5       S3      F03   H1.2 supports ole; H2 nuances eva
    e6       S4      F04   H2 supports eva; H1.1 contradicts ole
    """
    eva = factory.user("eva")
    ole = factory.user("ole")
    project = factory.project("study", eva)
    accounts.add_member(session, project, ole, "coder")

    case = {}
    for key, municipality in [("F01", "Nordby"), ("F02", "Nordby"), ("F03", "Sydby"), ("F04", "Sydby"),
                              ("F05", "Vestby")]:
        case[key] = factory.case(project, key, municipality)
    who5 = cases.define_attribute(session, project, "who5_entry", "integer")
    placed = cases.define_attribute(session, project, "placed_children", "boolean")
    for key, score, is_placed in [("F01", 30, True), ("F02", 40, True), ("F03", 35, False), ("F04", 50, True)]:
        cases.set_attribute(session, case[key], who5, score)
        cases.set_attribute(session, case[key], placed, is_placed)

    person = {key: cases.create_interviewee(session, project, key, role, perspective)
              for key, role, perspective in [("M01", "mor", "family"), ("K01", "familiekoordinator", "system"),
                                             ("J01", "jobkonsulent", "system"), ("P04", "far", "family")]}

    def source(title: str, perspective: str, keys: list[str], who: str, when: str, text: str) -> Source:
        return cases.create_source(session, project, title=title, text=text, perspective=perspective,
                                   cases=[case[k] for k in keys], interviewees=[person[who]], interview_date=when)

    s1 = source("S1", "family", ["F01"], "M01", "2024-03-01",
                "Koordinatoren ringede altid tilbage. Jobcentret pressede os hele tiden.")
    s2 = source("S2", "system", ["F01", "F02"], "K01", "2024-05-10",
                "Hos F01 svarer jeg samme dag. Hos F02 tog vi fat i det hele.")
    s3 = source("S3", "system", ["F03"], "J01", "2024-09-01", "Hun ville gerne selv finde et job.")
    s4 = source("S4", "family", ["F04"], "P04", "2024-06-15", "Vi fik tid til os selv.")

    code = lambda key: factory.code(project, key)  # noqa: E731
    factory.excerpt(eva, s1, "Koordinatoren ringede altid tilbage.", [(code("H1.1"), "supports")])
    factory.excerpt(eva, s1, "Jobcentret pressede os hele tiden.", [(code("H2"), "contradicts")])
    factory.excerpt(eva, s2, "Hos F01 svarer jeg samme dag.", [(code("H1.1"), "supports")], case=case["F01"])
    e4 = factory.excerpt(eva, s2, "Hos F02 tog vi fat i det hele.", [(code("H1"), "supports")], case=case["F02"])
    excerpts.add_coding(session, ole, e4, code("H2"), "supports")
    e5 = factory.excerpt(ole, s3, "Hun ville gerne selv finde et job.", [(code("H1.2"), "supports")])
    excerpts.add_coding(session, eva, e5, code("H2"), "nuances")
    e6 = factory.excerpt(eva, s4, "Vi fik tid til os selv.", [(code("H2"), "supports")])
    excerpts.add_coding(session, ole, e6, code("H1.1"), "contradicts")
    session.commit()
    return Study(project, eva, ole)


def tally_of(session: Session, study: Study, **filter_args: object) -> Tally:
    return compute_tally(session, study.project, CountFilter(**filter_args))  # type: ignore[arg-type]


ZERO_5 = cols("/2", "/3", "/1", "/5", "/5", "/5")  # a code without evidence, no filter


# --------------------------------------------------------------------------------------------
# 1. the hand-built study


def test_count_label_and_share_never_divide_by_zero():
    assert Count(0, 0, ()).label() == "—" and Count(0, 0, ()).share is None
    assert Count(0, 5, ()).label() == "0/5" and Count(0, 5, ()).share == 0.0
    assert Count(2, 4, ("F01", "F02")).label() == "2/4" and Count(2, 4, ("F01", "F02")).share == 0.5


def test_default_counts_supports_only_with_subcodes(session, factory):
    study = build_study(session, factory)
    t = compute_tally(session, study.project)
    assert t.filter == CountFilter() and t.unit == "cases"
    assert t.project_slug == "study" and t.codebook_name == "helhedsindsats" and len(t.codebook_sha256 or "") == 64
    assert t.denominators == denominators(family="F01 F04", system="F01 F02 F03", both="F01",
                                          any="F01 F02 F03 F04 F05")
    assert t.coders == ("eva", "ole")
    # H1 rolls up H1.1 (F01 family + system; F04 contradicts) and H1.2 (F03 system); e4 codes H1 itself (F02)
    assert summary(t, "H1") == cols("F01/2", "F01,F02,F03/3", "F01/1", "F01,F02,F03/5", "F04/5", "/5")
    # the multi-case system source gives F01 system evidence only through the excerpt about F01
    assert summary(t, "H1.1") == cols("F01/2", "F01/3", "F01/1", "F01/5", "F04/5", "/5")
    assert summary(t, "H1.2") == cols("/2", "F03/3", "/1", "F03/5", "/5", "/5")
    assert summary(t, "H1.3") == ZERO_5
    # F01's contradicting H2 and F03's nuancing H2 stay out of the main columns
    assert summary(t, "H2") == cols("F04/2", "F02/3", "/1", "F02,F04/5", "F01/5", "F03/5")
    assert summary(t, "H2.1") == ZERO_5
    assert summary(t, "ST.1") == ZERO_5
    row = t.row("H1.1")
    assert (row.depth, row.parent_key, row.hypothesis_key) == (1, "H1", "H1")
    assert (t.row("H1").depth, t.row("H1").parent_key, t.row("H1").hypothesis_key) == (0, None, "H1")
    assert t.row("H1").counts["family"].share == 0.5 and t.row("H1").counts["family"].label() == "1/2"


def test_without_subcodes_a_parent_counts_only_its_own_codings(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, include_subcodes=False)
    assert t.denominators == denominators(family="F01 F04", system="F01 F02 F03", both="F01",
                                          any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("/2", "F02/3", "/1", "F02/5", "/5", "/5")
    assert summary(t, "H1.1") == cols("F01/2", "F01/3", "F01/1", "F01/5", "F04/5", "/5")
    assert summary(t, "H1.2") == cols("/2", "F03/3", "/1", "F03/5", "/5", "/5")
    assert summary(t, "H2") == cols("F04/2", "F02/3", "/1", "F02,F04/5", "F01/5", "F03/5")


def test_direction_set_brings_contradicting_or_nuancing_evidence_into_the_main_columns(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, directions=frozenset({"supports", "contradicts"}))
    assert summary(t, "H1") == cols("F01,F04/2", "F01,F02,F03/3", "F01/1", "F01,F02,F03,F04/5", "F04/5", "/5")
    assert summary(t, "H2") == cols("F01,F04/2", "F02/3", "/1", "F01,F02,F04/5", "F01/5", "F03/5")
    t = tally_of(session, study, directions=frozenset({"nuances"}))
    assert summary(t, "H1") == cols("/2", "/3", "/1", "/5", "F04/5", "/5")
    assert summary(t, "H2") == cols("/2", "F03/3", "/1", "F03/5", "F01/5", "F03/5")
    t = tally_of(session, study, directions=frozenset(DIRECTIONS), include_subcodes=False)
    assert summary(t, "H1.1") == cols("F01,F04/2", "F01/3", "F01/1", "F01,F04/5", "F04/5", "/5")


def test_coder_filter_restricts_evidence_but_not_denominators(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, coder_ids=(study.ole.id,))
    assert t.denominators == denominators(family="F01 F04", system="F01 F02 F03", both="F01",
                                          any="F01 F02 F03 F04 F05")
    assert t.coders == ("ole",)
    assert summary(t, "H1") == cols("/2", "F03/3", "/1", "F03/5", "F04/5", "/5")
    assert summary(t, "H1.1") == cols("/2", "/3", "/1", "/5", "F04/5", "/5")
    assert summary(t, "H2") == cols("/2", "F02/3", "/1", "F02/5", "/5", "/5")

    t = tally_of(session, study, coder_ids=(study.eva.id,))
    assert t.coders == ("eva",)
    assert summary(t, "H1") == cols("F01/2", "F01,F02/3", "F01/1", "F01,F02/5", "/5", "/5")
    assert summary(t, "H2") == cols("F04/2", "/3", "/1", "F04/5", "F01/5", "F03/5")

    t = tally_of(session, study, coder_ids=(study.eva.id, study.ole.id))
    assert t.coders == ("eva", "ole")
    assert summary(t, "H1") == cols("F01/2", "F01,F02,F03/3", "F01/1", "F01,F02,F03/5", "F04/5", "/5")


def test_municipality_filter_selects_cases(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, municipalities=("Sydby",))
    assert t.denominators == denominators(family="F04", system="F03", both="", any="F03 F04")
    assert t.coders == ("eva", "ole")
    assert summary(t, "H1") == cols("/1", "F03/1", "/0", "F03/2", "F04/2", "/2")
    assert summary(t, "H2") == cols("F04/1", "/1", "/0", "F04/2", "/2", "F03/2")
    assert t.row("H1").counts["both"].label() == "—" and t.row("H1").counts["both"].share is None

    t = tally_of(session, study, municipalities=("Nordby", "Vestby"))
    assert t.denominators == denominators(family="F01", system="F01 F02", both="F01", any="F01 F02 F05")
    assert summary(t, "H1") == cols("F01/1", "F01,F02/2", "F01/1", "F01,F02/3", "/3", "/3")
    assert summary(t, "H2") == cols("/1", "F02/2", "/1", "F02/3", "F01/3", "/3")

    t = tally_of(session, study, municipalities=("Vestby",))  # F05: a case without any source
    assert t.denominators == denominators(family="", system="", both="", any="F05")
    assert t.coders == ()
    assert summary(t, "H1") == cols("/0", "/0", "/0", "/1", "/1", "/1")

    t = tally_of(session, study, municipalities=("Østby",))  # no case at all
    assert t.denominators == denominators(family="", system="", both="", any="")
    assert summary(t, "H2") == cols("/0", "/0", "/0", "/0", "/0", "/0")


def test_integer_attribute_filter_compares_in_the_attributes_type(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, attributes=(AttributeCondition("who5_entry", "le", 35),))
    assert t.denominators == denominators(family="F01", system="F01 F03", both="F01", any="F01 F03")
    assert summary(t, "H1") == cols("F01/1", "F01,F03/2", "F01/1", "F01,F03/2", "/2", "/2")
    assert summary(t, "H2") == cols("/1", "/2", "/1", "/2", "F01/2", "F03/2")

    t = tally_of(session, study, attributes=(AttributeCondition("who5_entry", "ge", 30),
                                             AttributeCondition("who5_entry", "lt", 40)))  # AND
    assert t.denominators == denominators(family="F01", system="F01 F03", both="F01", any="F01 F03")

    # every operator, values also given as text (as they come from the web and the CLI);
    # F05 has no attribute values, so no condition selects it
    for op, value, expected in [("eq", 35, "F03"), ("ne", 35, "F01 F02 F04"), ("lt", "35", "F01"),
                                ("le", "35", "F01 F03"), ("gt", 35, "F02 F04"), ("ge", "40", "F02 F04"),
                                ("lt", 30, "")]:
        t = tally_of(session, study, attributes=(AttributeCondition("who5_entry", op, value),))
        assert t.denominators["any"] == tuple(expected.split()), (op, value)


def test_boolean_attribute_filter(session, factory):
    """Only the asked comparison is built (building ``column < True`` for an ``eq`` filter used to fail)."""
    study = build_study(session, factory)
    placed = AttributeCondition("placed_children", "eq", True)
    t = tally_of(session, study, attributes=(placed,))
    assert t.denominators == denominators(family="F01 F04", system="F01 F02", both="F01", any="F01 F02 F04")
    assert summary(t, "H1") == cols("F01/2", "F01,F02/2", "F01/1", "F01,F02/3", "F04/3", "/3")
    assert summary(t, "H2") == cols("F04/2", "F02/2", "/1", "F02,F04/3", "F01/3", "/3")

    t = tally_of(session, study, attributes=(AttributeCondition("who5_entry", "le", 35), placed))  # AND
    assert t.denominators == denominators(family="F01", system="F01", both="F01", any="F01")
    assert summary(t, "H1") == cols("F01/1", "F01/1", "F01/1", "F01/1", "/1", "/1")
    assert summary(t, "H2") == cols("/1", "/1", "/1", "/1", "F01/1", "/1")

    for op, value, expected in [("eq", "true", "F01 F02 F04"), ("eq", "nej", "F03"), ("ne", False, "F01 F02 F04"),
                                ("ne", "ja", "F03")]:
        t = tally_of(session, study, attributes=(AttributeCondition("placed_children", op, value),))
        assert t.denominators["any"] == tuple(expected.split()), (op, value)


def test_role_filter_restricts_sources_and_denominators(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, roles=("familiekoordinator",))  # only S2
    assert t.denominators == denominators(family="", system="F01 F02", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("/0", "F01,F02/2", "/0", "F01,F02/5", "/5", "/5")
    assert summary(t, "H2") == cols("/0", "F02/2", "/0", "F02/5", "/5", "/5")

    t = tally_of(session, study, roles=("mor", "jobkonsulent"))  # S1 and S3
    assert t.denominators == denominators(family="F01", system="F03", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("F01/1", "F03/1", "/0", "F01,F03/5", "/5", "/5")
    assert summary(t, "H2") == cols("/1", "/1", "/0", "/5", "F01/5", "F03/5")

    t = tally_of(session, study, roles=("borgmester",))  # nobody has the role
    assert t.denominators == denominators(family="", system="", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("/0", "/0", "/0", "/5", "/5", "/5")


def test_date_range_restricts_sources_and_may_empty_a_denominator(session, factory):
    study = build_study(session, factory)
    # only S2 (2024-05-10): no family source left, so N_family = N_both = 0 for every code
    t = tally_of(session, study, date_from=date(2024, 4, 1), date_to=date(2024, 6, 1))
    assert t.denominators == denominators(family="", system="F01 F02", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("/0", "F01,F02/2", "/0", "F01,F02/5", "/5", "/5")
    for row in t.rows:
        for measure in ("family", "both"):
            count = row.counts[measure]
            assert (count.n, count.N, count.case_keys) == (0, 0, ()), (row.key, measure)
            assert count.label() == "—" and count.share is None

    # before every interview: no source at all; the cases stay selected (N_any = 5)
    t = tally_of(session, study, date_to=date(2023, 12, 31))
    assert t.denominators == denominators(family="", system="", both="", any="F01 F02 F03 F04 F05")
    for row in t.rows:
        for measure in ("family", "system", "both"):
            count = row.counts[measure]
            assert (count.n, count.N, count.case_keys) == (0, 0, ()), (row.key, measure)
            assert count.label() == "—" and count.share is None
        for measure in ("either", "contradicts", "nuances"):
            count = row.counts[measure]
            assert (count.n, count.N, count.label(), count.share) == (0, 5, "0/5", 0.0), (row.key, measure)

    # both ends are inclusive
    t = tally_of(session, study, date_from=date(2024, 3, 1), date_to=date(2024, 3, 1))  # S1 only
    assert t.denominators == denominators(family="F01", system="", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("F01/1", "/0", "/0", "F01/5", "/5", "/5")
    assert summary(t, "H2") == cols("/1", "/0", "/0", "/5", "F01/5", "/5")
    t = tally_of(session, study, date_from=date(2024, 6, 15))  # S4 and S3
    assert t.denominators == denominators(family="F04", system="F03", both="", any="F01 F02 F03 F04 F05")
    assert summary(t, "H1") == cols("/1", "F03/1", "/0", "F03/5", "F04/5", "/5")
    assert summary(t, "H2") == cols("F04/1", "/1", "/0", "F04/5", "/5", "F03/5")


def test_filters_combine(session, factory):
    study = build_study(session, factory)
    t = tally_of(session, study, municipalities=("Nordby",), coder_ids=(study.ole.id,),
                 directions=frozenset({"supports", "contradicts"}), include_subcodes=False)
    assert t.denominators == denominators(family="F01", system="F01 F02", both="F01", any="F01 F02")
    assert t.coders == ("ole",)
    assert summary(t, "H2") == cols("/1", "F02/2", "/1", "F02/2", "/2", "/2")
    assert summary(t, "H1") == cols("/1", "/2", "/1", "/2", "/2", "/2")


def test_other_projects_do_not_leak_into_a_tally(session, factory):
    study = build_study(session, factory)
    other = factory.project("other", study.eva)
    f01 = factory.case(other, "F01", "Nordby")
    f09 = factory.case(other, "F09", "Nordby")
    source = factory.source(other, [f01, f09], perspective="family")
    factory.excerpt(study.eva, source, "Min koordinator ringede altid tilbage samme dag.",
                    [(factory.code(other, "H2"), "supports")], case=f01)
    session.commit()
    t = compute_tally(session, study.project)
    assert t.denominators["family"] == ("F01", "F04") and t.denominators["any"] == ("F01", "F02", "F03", "F04", "F05")
    assert summary(t, "H2") == cols("F04/2", "F02/3", "/1", "F02,F04/5", "F01/5", "F03/5")
    t = compute_tally(session, other)
    assert t.denominators == denominators(family="F01 F09", system="", both="", any="F01 F09")
    assert summary(t, "H2") == cols("F01/2", "/0", "/0", "F01/2", "/2", "/2")
    assert t.coders == ("eva",)


def test_coders_listed_are_those_whose_codings_pass_the_source_filters(session, factory):
    """Tally.coders names the coders whose codings are counted: the source filters apply too."""
    study = build_study(session, factory)
    assert tally_of(session, study, roles=("mor",)).coders == ("eva",)  # S1 was coded by eva alone
    assert tally_of(session, study, date_to=date(2023, 12, 31)).coders == ()  # no source, no coding counted


# --------------------------------------------------------------------------------------------
# 2. bad attribute filters


@pytest.mark.parametrize("condition, message", [
    (AttributeCondition("who5_exit", "le", 35), "There is no case attribute 'who5_exit'"),
    (AttributeCondition("who5_entry", "lte", 35), "'lte' is not a comparison"),
    (AttributeCondition("who5_entry", "", 35), "is not a comparison"),
    (AttributeCondition("who5_entry", "le", "mange"), "'mange' is not a valid integer"),
    (AttributeCondition("placed_children", "eq", "måske"), "'måske' is not a valid boolean"),
])
def test_bad_attribute_filter_is_invalid_input(session, factory, condition, message):
    owner = factory.user()
    project = factory.project("bad", owner)
    cases.define_attribute(session, project, "who5_entry", "integer")
    cases.define_attribute(session, project, "placed_children", "boolean")
    factory.case(project)
    session.commit()
    with pytest.raises(InvalidInput, match=message):
        compute_tally(session, project, CountFilter(attributes=(condition,)))


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge"])
def test_ordering_a_boolean_attribute_is_invalid_input(session, factory, op):
    owner = factory.user()
    project = factory.project("bad", owner)
    cases.define_attribute(session, project, "placed_children", "boolean")
    factory.case(project)
    session.commit()
    with pytest.raises(InvalidInput, match="placed_children"):
        compute_tally(session, project, CountFilter(attributes=(AttributeCondition("placed_children", op, "true"),)))
