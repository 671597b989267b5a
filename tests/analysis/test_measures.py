"""The six measures are declared once (casecoder/kernel/measures.py) and every way of counting them follows it.

1. The declaration says what docs/counting.md says, for every mask and every direction set.
2. Every mask of evidence, coded for real (SQLite and PostgreSQL): the trigger-kept ``tally_default``
   and ``tally_cells``, the case-key query over ``evidence_summary`` and the set algebra over the
   codings give exactly the cases and denominators the declaration gives.
3. Changing the declaration changes the trigger SQL, the mask query and the case-key lookup alike
   (run in a fresh interpreter with a changed declaration): none of them spells a measure itself.
4. No module of the package spells the list of measures or the default direction set again.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from itertools import combinations
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.analysis import evidence, measures, tally
from casecoder.analysis.evidence import CountFilter
from casecoder.kernel.measures import BITS, BY_NAME, DEFAULT_DIRECTIONS, DIRECTIONS, MASKS, MEASURES, NAMES, PAIRS
from casecoder.models import Project, Source
from casecoder.models.derived import tally_cells
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]
DIRECTION_SETS = [frozenset(c) for n in range(len(DIRECTIONS) + 1) for c in combinations(DIRECTIONS, n)]


def has(mask: int, perspectives: tuple[str, ...], directions: frozenset[str]) -> bool:
    return any(mask & BITS[(p, d)] for p in perspectives for d in directions)


def documented(name: str, mask: int, chosen: frozenset[str]) -> bool:
    """docs/counting.md, "The measures of a code", read literally."""
    family, system = has(mask, ("family",), chosen), has(mask, ("system",), chosen)
    return {"family": family, "system": system, "both": family and system, "either": family or system,
            "contradicts": has(mask, ("family", "system"), frozenset({"contradicts"})),
            "nuances": has(mask, ("family", "system"), frozenset({"nuances"}))}[name]


# --------------------------------------------------------------------------------------------
# 1. the declaration


def test_the_declaration_is_the_documented_rule():
    assert NAMES == ("family", "system", "both", "either", "contradicts", "nuances")
    assert DEFAULT_DIRECTIONS == frozenset({"supports"}) == CountFilter().directions
    assert {m.name: m.denominator for m in MEASURES} == {
        "family": "family", "system": "system", "both": "both", "either": "any", "contradicts": "any", "nuances": "any"}
    assert sorted(BITS.values()) == [1 << i for i in range(len(PAIRS))] and len(MASKS) == 64
    for chosen in DIRECTION_SETS:
        table = measures.measures_of_masks(chosen)
        for mask in MASKS:
            expected = [name for name in NAMES if documented(name, mask, chosen)]
            assert [m.name for m in MEASURES if m.holds(mask, chosen)] == expected, (mask, chosen)
            assert [NAMES[i] for i in table[mask]] == expected, (mask, chosen)


# --------------------------------------------------------------------------------------------
# 2. every mask through every path


def build_every_mask(session: Session, factory: Factory) -> tuple[int, int, int, dict[int, str], dict[str, set[str]]]:
    """Case M<mask> with codings of H1.4 for exactly the pairs of its mask (1..63), plus a case with only a
    family source, one with only a system source and one without sources. Returns the project id, the
    code's and its parent's ids, mask -> case key and the denominators' case keys."""
    owner = factory.user("owner-masks")
    project = factory.project("masks", owner)
    cases = {mask: factory.case(project, f"M{mask:02d}") for mask in MASKS if mask}
    only_family, only_system, none = (factory.case(project, k) for k in ("XF", "XS", "XN"))
    phrase = "Min koordinator ringede altid tilbage samme dag."
    sources = {"family": factory.source(project, [*cases.values(), only_family], perspective="family"),
               "system": factory.source(project, [*cases.values(), only_system], perspective="system",
                                        title="Interview, sagsbehandler")}
    code = factory.code(project, "H1.4")
    for mask, case in cases.items():
        for (perspective, direction), bit in BITS.items():
            if mask & bit:
                factory.excerpt(owner, sources[perspective], phrase, [(code, direction)], case=case)
    session.commit()
    keys = {mask: case.key for mask, case in cases.items()}
    family = {*keys.values(), "XF"}
    system = {*keys.values(), "XS"}
    denominators = {"family": family, "system": system, "both": family & system, "any": family | system | {"XN"}}
    assert none.key == "XN" and code.parent_id is not None
    return project.id, code.id, code.parent_id, keys, denominators


def test_every_mask_counts_as_declared_on_every_path(session: Session, factory: Factory):
    project_id, code_id, parent_id, keys, dens = build_every_mask(session, factory)
    project = session.get(Project, project_id)
    assert project is not None
    every_source = tuple(session.scalars(select(Source.id).where(Source.project_id == project_id)))
    for chosen in DIRECTION_SETS:
        expected = {name: tuple(sorted(keys[m] for m in keys if BY_NAME[name].holds(m, chosen))) for name in NAMES}
        den = {m.name: len(dens[m.denominator]) for m in MEASURES}
        f = CountFilter(directions=chosen)
        keyed = tally.compute_tally(session, project, f, case_keys=True)   # evidence_summary: case keys
        plain = tally.compute_tally(session, project, f)                    # tally_default / tally_cells
        # codings x excerpts x sources (a source filter that keeps every source)
        ev = evidence.collect(session, project_id, CountFilter(directions=chosen, source_ids=every_source))
        keyed_rows = {r.code_id: r.counts for r in keyed.rows}
        plain_rows = {r.code_id: r.counts for r in plain.rows}
        for code in (code_id, parent_id):                                    # the sub-code rolled up
            from_keys = {m: (c.n, c.N, c.case_keys) for m, c in keyed_rows[code].items()}
            assert from_keys == {m: (len(expected[m]), den[m], expected[m]) for m in NAMES}, (chosen, code)
            from_cells = {m: (c.n, c.N) for m, c in plain_rows[code].items()}
            assert from_cells == {m: (len(expected[m]), den[m]) for m in NAMES}, (chosen, code)
            from_sets = {m: (c.n, c.N, c.case_keys) for m, c in tally.tally_from_evidence(ev, code, chosen).items()}
            assert from_sets == from_keys, (chosen, code)
        assert keyed.denominators == {k: tuple(sorted(v)) for k, v in dens.items()}


# --------------------------------------------------------------------------------------------
# 3. one declaration, three generated forms

PROBE = """
import json, sys
from dataclasses import replace
from casecoder.kernel import measures
if sys.argv[1] == "changed":  # 'both' counted like 'either': evidence of at least one perspective
    measures.MEASURES = tuple(replace(m, every_perspective=False) if m.name == "both" else m for m in measures.MEASURES)
from casecoder.analysis import measures as queries
from casecoder.analysis import tally
from casecoder.models.derived import tally_cells
print(json.dumps({
    "trigger": tally_cells._default_measures("new"),
    "triggers": tally_cells.SQLITE_TRIGGERS + tally_cells.POSTGRES_TRIGGERS + tally_cells.REBUILD,
    "cells": str(tally.CELLS), "params": queries.cell_params(measures.DEFAULT_DIRECTIONS),
    "keys": [list(hits) for hits in measures.measures_of_masks(measures.DEFAULT_DIRECTIONS)],
}))
"""


def probe(which: str) -> dict:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-c", PROBE, which], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_changing_the_declaration_changes_the_triggers_the_mask_query_and_the_case_keys():
    declared, changed = probe("declared"), probe("changed")
    both, either = NAMES.index("both"), NAMES.index("either")
    # the trigger SQL of tally_default
    assert declared["trigger"][both] == "(CASE WHEN new.family_supports > 0 AND new.system_supports > 0 THEN 1 ELSE 0 END)"
    assert changed["trigger"][both] == changed["trigger"][either] == declared["trigger"][either]
    assert declared["triggers"] != changed["triggers"]
    assert [t for t in declared["triggers"] if t not in changed["triggers"]], "the triggers follow the declaration"
    # the mask query over tally_cells: 'both' has one group of bits, like 'either'
    assert declared["params"]["both_0"] == BITS[("family", "supports")]
    assert declared["params"]["both_1"] == BITS[("system", "supports")]
    assert "both_1" not in changed["params"] and changed["params"]["both_0"] == changed["params"]["either_0"]
    assert ":both_1" in declared["cells"] and ":both_1" not in changed["cells"]
    # the case keys: the measures of each mask
    assert [both in hits for hits in changed["keys"]] == [either in hits for hits in changed["keys"]]
    assert [both in hits for hits in declared["keys"]] != [either in hits for hits in declared["keys"]]
    # the unchanged probe generates what this process runs
    assert declared == {"trigger": tally_cells._default_measures("new"),
                        "triggers": tally_cells.SQLITE_TRIGGERS + tally_cells.POSTGRES_TRIGGERS + tally_cells.REBUILD,
                        "cells": str(tally.CELLS), "params": measures.cell_params(DEFAULT_DIRECTIONS),
                        "keys": [list(hits) for hits in measures.measures_of_masks(DEFAULT_DIRECTIONS)]}


# --------------------------------------------------------------------------------------------
# 4. declared nowhere else


def _strings(nodes: list[ast.expr | None]) -> set[str]:
    return {e.value for e in nodes if isinstance(e, ast.Constant) and isinstance(e.value, str)}


def test_no_module_declares_the_measures_again():
    """Outside kernel/measures.py (and the frozen migrations) no module spells the list of measures, a
    default direction set, or bits or masks per measure (e.g. ``{"family": 1, "system": 2}``)."""
    names = set(NAMES)
    found = []
    for path in sorted((ROOT / "casecoder").rglob("*.py")):
        if path == ROOT / "casecoder" / "kernel" / "measures.py" or "versions" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                strings = _strings(list(node.elts))
                if len(strings & names) >= 5 or (strings == {"supports"} and len(node.elts) == 1):
                    found.append(where)
            elif isinstance(node, ast.Dict) and len(_strings(node.keys) & names) >= 2 and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, int) for v in node.values):
                found.append(where)
    assert not found, found


def test_the_tally_reads_the_declared_columns_in_the_declared_order():
    assert tally_cells.DEFAULT_MEASURES == tuple(f"n_{name}" for name in NAMES)
    assert [c.name for c in measures.default_query_columns()] == list(tally_cells.DEFAULT_MEASURES)
    assert tally.MEASURES == NAMES and tally.DENOMINATORS_ORDER == ("family", "system", "both", "any")
