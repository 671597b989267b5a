"""Each coder's memo in the workbench's reads: every memo with its writer's name, and a blind coder of a
double-coded transcript sees only their own (the excerpt list's text filter searches only theirs).
Every memo (an excerpt's, a case's, a code's) holds at most 20,000 characters."""
from __future__ import annotations

import pytest

from casecoder.analysis import double_coding as seen
from casecoder.analysis.excerpt_list import ExcerptFilter, list_excerpts
from casecoder.analysis.workbench import excerpt_json, source_excerpt_rows
from casecoder.coding import accounts, cases, codes, excerpts
from casecoder.coding import double_coding as dc
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.vocabulary import Role


def test_memos_with_names_and_a_blind_coder_sees_only_their_own(session, factory):
    project, olga, excerpt = factory.coded_project()
    anna, bo = factory.user("anna"), factory.user("bo")
    for coder in (anna, bo):
        accounts.add_member(session, project, coder, Role.CODER)
    excerpts.add_coding(session, anna, excerpt, factory.code(project, "H1.2"), "supports")
    excerpts.add_coding(session, bo, excerpt, factory.code(project, "ST.4"), "nuances")
    excerpts.set_memo(session, anna, excerpt, "annas tanke")
    excerpts.set_memo(session, bo, excerpt, "bos hemmelighed")
    session.commit()
    both = [{"user": "anna", "text": "annas tanke"}, {"user": "bo", "text": "bos hemmelighed"}]
    (row,) = [data for _, data in source_excerpt_rows(session, excerpt.source_id)]
    assert row["memos"] == both and excerpt_json(excerpt)["memos"] == both
    assert row == excerpt_json(excerpt)  # the page's rows and the API's answer agree

    dc.mark_sources(session, olga, project, [excerpt.source], [anna, bo])
    session.commit()
    (mine,) = seen.rows_seen(anna, True, source_excerpt_rows(session, excerpt.source_id))
    assert mine["memos"] == [{"user": "anna", "text": "annas tanke"}]  # not bo's
    hidden = ExcerptFilter(text="hemmelighed", blind_source_ids=frozenset({excerpt.source_id}), viewer_id=anna.id)
    assert list_excerpts(session, project.id, hidden).total == 0  # bo's memo is not searched for anna
    assert list_excerpts(session, project.id, ExcerptFilter(text="hemmelighed")).total == 1


def test_every_memo_is_capped_at_20000_characters_and_nothing_stored_changes(session, factory):
    project, olga, excerpt = factory.coded_project()
    case, code = factory.case(project, "F09"), factory.code(project, "H1.2")
    cases.set_case_memo(case, "x" * 20_000)  # exactly the limit is fine
    for write in (lambda: cases.set_case_memo(case, "y" * 20_001),
                  lambda: codes.update_code(session, code, olga.id, memo="y" * 20_001),
                  lambda: excerpts.set_memo(session, olga, excerpt, "y" * 20_001)):
        with pytest.raises(InvalidInput, match="20001 characters long; at most 20000 are allowed"):
            write()
    assert case.memo == "x" * 20_000 and code.memo == "" and excerpt.memos == []
