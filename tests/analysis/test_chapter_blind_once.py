"""A blind double coder's chapter works out her correction (``blind_counts.blind_delta``) once for the tally
and the chains' evidence (#25), with the numbers the tally and the chains give on their own; a coding written
between two chapters in one session is counted by the second. Both databases."""
from __future__ import annotations

from casecoder.analysis import blind_counts
from casecoder.analysis import chapter as chapter_module
from casecoder.analysis import double_coding as seen
from casecoder.analysis.chains import count_saved_chain, load_chain
from casecoder.analysis.chapter import COUNTED, build_chapter
from casecoder.analysis.evidence import CountFilter
from casecoder.analysis.tally import blind_served, compute_tally
from casecoder.coding import chains
from tests.analysis import test_agreement

double = test_agreement.double  # owner olga; coders anna and bo on F01-F04 (cai on F04), blind


def _counted(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Every call of ``blind_delta``, wherever the chapter or the tally makes it."""
    calls: list[int] = []
    real = blind_counts.blind_delta

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(blind_counts, "blind_delta", counting)
    monkeypatch.setattr(chapter_module, "blind_delta", counting)
    return calls


def _numbers(session, project, f) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    return {(sub.code.key, m): sub.counts[m].n for sub in build_chapter(session, project, "H1", f).subs for m in COUNTED}


def test_the_correction_is_worked_out_once_with_the_same_numbers(session, double, monkeypatch):
    project, olga, coders, cases, sources = double
    chains.save_chain(session, project, olga, title="A", keys=["H1.1", "H1.4"], arrows=["both-and"], scope="family")
    session.commit()
    f = seen.blindness(session, project.id, coders["anna"], "coder").count_filter(CountFilter())
    assert blind_served(f)
    calls = _counted(monkeypatch)
    chapter = build_chapter(session, project, "H1", f)
    assert len(calls) == 1
    tally = {row.code_id: row for row in compute_tally(session, project, f, case_keys=True).rows}
    for sub in chapter.subs:
        assert sub.counts == {m: tally[sub.code.id].counts[m] for m in COUNTED}
    found = [(chain, counted) for sub in chapter.subs for chain, counted in sub.chains]
    assert len(found) == 1
    fresh = load_chain(session, found[0][0].id)
    assert fresh is not None
    assert found[0][1] == count_saved_chain(session, project, fresh, f)
    calls.clear()
    build_chapter(session, project, "H1", CountFilter())   # the owner: no correction at all
    assert not calls


def test_a_coding_written_between_two_chapters_counts(session, double, factory):
    project, _olga, coders, _cases, sources = double
    anna = coders["anna"]
    f = seen.blindness(session, project.id, anna, "coder").count_filter(CountFilter())
    before = _numbers(session, project, f)
    assert before[("H1.1", "family")] == 0   # bo's H1.1 on F03 is hidden from her
    factory.excerpt(anna, sources["F03"], "Jeg fik hjælp.", [(factory.code(project, "H1.1"), "supports")])
    session.flush()   # one session, no commit
    after = _numbers(session, project, f)
    assert after[("H1.1", "family")] == 1
    assert after == {key: n + (key == ("H1.1", "family")) for key, n in before.items()}
    tally = {row.key: row for row in compute_tally(session, project, f).rows}
    assert tally["H1.1"].counts["family"].n == 1
