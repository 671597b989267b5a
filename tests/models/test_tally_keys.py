"""``tally_keys`` (models/derived/tally_keys.py): the ids of the cases behind each number of the default
tally, kept by triggers; and ``CaseKeys``, which resolves them to sorted keys when read.

The random write sequences of tests/models/test_evidence_summary.py compare the table with its rebuild
after every sequence (``tally_tables``); here: a bundle import (the bulk path) leaves it equal to its
rebuild, the keys follow a renamed case, and the tally read from it equals the tally counted from
``case_code_evidence`` (``cell_keys``). Both databases.
"""
from __future__ import annotations

from unittest import mock

from sqlalchemy import text

from casecoder.analysis import tally
from casecoder.analysis.blind_counts import KeysLess
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import CaseKeys, compute_tally
from casecoder.coding import cases
from casecoder.exchange.bundle_import import import_bundle
from casecoder.kernel.measures import DEFAULT_DIRECTIONS
from casecoder.models import Case
from casecoder.models.derived import rebuild_all
from tests.bundle_helpers import BASE, MB, bundle


def key_lists(session, project_id: int) -> list[tuple]:  # type: ignore[type-arg]
    """The table's rows with each list as sorted ids (a list's order is not kept)."""
    return sorted((code_id, measure, sorted(map(int, ids.split(",")))) for code_id, measure, ids in session.execute(
        text("SELECT code_id, measure, case_ids FROM tally_keys WHERE project_id = :p"), {"p": project_id}))


def numbers_with_keys(t: tally.Tally) -> list[tuple]:  # type: ignore[type-arg]
    return [(r.key, {m: (c.n, c.N, tuple(c.case_keys or ())) for m, c in r.counts.items()}) for r in t.rows]


def from_cells(session, project):  # type: ignore[no-untyped-def]
    """The same tally with the case keys from ``case_code_evidence`` (``cell_keys``), not ``tally_keys``."""
    with mock.patch.object(tally, "DEFAULT_DIRECTIONS", frozenset({"none"})):  # no filter takes that path
        return compute_tally(session, project, CountFilter(), case_keys=True)


def test_a_bundle_import_leaves_the_lists_equal_to_their_rebuild(session, target):
    project, eva = target
    lines = [BASE["excerpts.csv"].rstrip("\n"),
             "B,F01,0,11,,H1.1,supports,eva,", "B,F02,13,25,,H1.1;H2.1,supports,eva,", "A,,0,11,,H1.3,nuances,eva,"]
    import_bundle(session, project, bundle({**BASE, "excerpts.csv": "\n".join(lines) + "\n"}), user=eva,
                  max_bytes=MB, add_coders=True)
    session.flush()
    kept = key_lists(session, project.id)
    assert kept and {measure for _code, measure, _ids in kept} >= {"family", "system", "both", "either", "nuances"}
    rebuild_all(session, project.id)
    assert key_lists(session, project.id) == kept
    keyed = compute_tally(session, project, case_keys=True)
    assert numbers_with_keys(keyed) == numbers_with_keys(from_cells(session, project))
    h1 = keyed.row("H1").counts
    assert tuple(h1["both"].case_keys or ()) == ("F01",) and tuple(h1["system"].case_keys or ()) == ("F01", "F02")


def test_the_keys_follow_a_renamed_case(session, target):
    project, eva = target
    import_bundle(session, project, bundle(BASE), user=eva, max_bytes=MB, add_coders=True)
    session.flush()
    before = key_lists(session, project.id)
    f02 = session.query(Case).filter_by(project_id=project.id, key="F02").one()
    cases.update_case(session, eva, f02, key="A00", municipality=f02.municipality)
    session.flush()
    assert key_lists(session, project.id) == before   # ids: a rename writes nothing here
    keyed = compute_tally(session, project, case_keys=True)
    assert tuple(keyed.row("H1.2").counts["system"].case_keys or ()) == ("A00",)
    assert keyed.denominators["system"] == ("A00", "F01")
    assert numbers_with_keys(keyed) == numbers_with_keys(from_cells(session, project))


def test_case_keys_are_a_sorted_sequence_resolved_once():
    key_of = {"7": "F10", "3": "F02", "12": "A01"}
    keys = CaseKeys("7,3,12", key_of, 3)
    assert len(keys) == 3 and keys._keys is None   # the length needs no keys
    assert keys == ("A01", "F02", "F10") and ("A01", "F02", "F10") == keys
    assert list(keys) == ["A01", "F02", "F10"] and keys[0] == "A01" and keys[1:] == ("F02", "F10")
    assert hash(keys) == hash(("A01", "F02", "F10")) and keys == CaseKeys("12,7,3", key_of, 3)
    assert keys != ("A01",) and " ".join(keys) == "A01 F02 F10"
    less = KeysLess(keys, {"F02"}, 2)  # a blind viewer's keys: the same lazy sequence, less some
    assert less._keys is None and len(less) == 2 and less == ("A01", "F10") == less.resolved()
    assert less == CaseKeys("12,7", key_of, 2) and less == ["A01", "F10"] and hash(less) == hash(("A01", "F10"))
    assert DEFAULT_DIRECTIONS == frozenset({"supports"})


def test_case_keys_less_a_blind_viewers_cases_stay_ids_until_read():
    """``CaseKeys.without``: the cases left out are ids, taken out of the sorted keys when read; an id not in the
    list (or of no case) takes nothing out, and two calls leave out both sets."""
    key_of = {"7": "F10", "3": "F02", "12": "A01", "5": "B05"}
    keys = CaseKeys("7,3,12,5", key_of, 4)
    less = keys.without([3, 99], 3)
    assert keys._keys is None and less._keys is None and len(less) == 3   # neither is resolved yet
    assert less == ("A01", "B05", "F10") == KeysLess(keys, {"F02"}, 3)
    assert less.without(iter([12, 7]), 1) == ("B05",) and keys == ("A01", "B05", "F02", "F10")
    assert CaseKeys("", key_of, 0).without([3], 0) == () and keys.without([], 4) == keys


def test_denominators_from_each_cases_digit_are_sorted_whatever_order_the_cases_come_in():
    """``key_denominators``: a digit per case (1 family source, 2 system source, summed) picks the cases of each
    denominator; keys not in order (a database that did not sort them) are sorted with their digits."""
    expected = {"family": ("A", "C"), "system": ("B", "C"), "both": ("C",), "any": ("A", "B", "C", "D")}
    assert tally.key_denominators(["A", "B", "C", "D"], "1230") == expected
    assert tally.key_denominators(["D", "C", "B", "A"], "0321") == expected
    assert tally.key_denominators([], "") == {"family": (), "system": (), "both": (), "any": ()}
