"""The tally as the tests read it: with its case keys, after checking the counts-only tally agrees."""
from __future__ import annotations

from sqlalchemy.orm import Session

from casecoder.analysis import tally as tally_module
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import Tally
from casecoder.models import Project


def compute_tally(session: Session, project: Project, f: CountFilter | None = None) -> Tally:
    """The tally with its case keys, after checking that the counts-only tally (``tally_cells`` where
    it serves the filter) has exactly the same numbers, denominators and coders."""
    keyed = tally_module.compute_tally(session, project, f, case_keys=True)
    plain = tally_module.compute_tally(session, project, f)
    assert plain.N == {k: len(v) for k, v in keyed.denominators.items()} and plain.coders == keyed.coders
    assert [(r.key, {m: (c.n, c.N) for m, c in r.counts.items()}) for r in plain.rows] == \
        [(r.key, {m: (c.n, c.N) for m, c in r.counts.items()}) for r in keyed.rows]
    assert plain.denominators == {} and all(c.case_keys is None for r in plain.rows for c in r.counts.values())
    return keyed
