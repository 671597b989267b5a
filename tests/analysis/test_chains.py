"""Statement chains: the formula (AND before OR), node and combination counts per scope,
suggestions from the statement graph, YAML files, and codes used in chains."""
from __future__ import annotations

import networkx as nx
import pytest
from sqlalchemy import select

from casecoder.analysis.chains import combination, count_saved_chain, formula, groups, statement_graph, suggest_chains
from casecoder.coding import chains as chain_ops
from casecoder.coding import codes as code_ops
from casecoder.kernel.errors import InvalidInput
from casecoder.models import AuditEvent, Chain, ChainNode


def test_and_binds_tighter_than_or():
    A, B, C, D = (frozenset(x) for x in ({1, 2, 3}, {2, 3, 4}, {5}, {3, 5}))
    assert groups(["both-and", "and-or"]) == [[0, 1], [2]]
    assert formula(["A", "B", "C"], ["both-and", "and-or"]) == "(A ∧ B) ∨ C"
    assert formula(["A", "B", "C"], ["and-or", "both-and"]) == "A ∨ (B ∧ C)"
    assert formula(["A", "B", "C"], ["both-and", "both-and"]) == "A ∧ B ∧ C"
    assert formula(["A", "B", "C"], ["and-or", "and-or"]) == "A ∨ B ∨ C"
    assert combination([A, B, C], ["both-and", "and-or"]) == {2, 3, 5}
    assert combination([A, B, C], ["and-or", "both-and"]) == {1, 2, 3}  # A ∨ (B ∧ C) = A ∨ ∅
    assert combination([A, B, D], ["both-and", "both-and"]) == {3}
    assert combination([A, C], ["and-or"]) == {1, 2, 3, 5}
    assert combination([A, frozenset()], ["both-and"]) == frozenset()


@pytest.fixture
def study(session, factory):
    """Four cases. Family: F1 says ST.1 and ST.2, F2 says ST.1; system: F3 and F4 say ST.2, F3 E.1, F4 ST.1."""
    owner = factory.user()
    project = factory.project(owner=owner)
    f1, f2, f3, f4 = (factory.case(project, k) for k in ("F1", "F2", "F3", "F4"))
    text = "Interviewer: Hej. Interviewperson: Jeg blev hørt. Jeg samarbejder nu. Praktik startede.\n"
    fam = {c: factory.source(project, [c], text=text, perspective="family", title=f"fam {c.key}") for c in (f1, f2)}
    sys_ = factory.source(project, [f1, f2, f3, f4], text=text, perspective="system", title="koordinator")
    st1, st2, e1 = (factory.code(project, k) for k in ("ST.1", "ST.2", "E.1"))
    factory.excerpt(owner, fam[f1], "Jeg blev hørt.", [(st1, "supports")])
    factory.excerpt(owner, fam[f1], "Jeg samarbejder nu.", [(st2, "supports")])
    factory.excerpt(owner, fam[f2], "Jeg blev hørt.", [(st1, "supports")])
    factory.excerpt(owner, sys_, "Jeg samarbejder nu.", [(st2, "supports")], case=f3)
    factory.excerpt(owner, sys_, "Praktik startede.", [(e1, "supports")], case=f3)
    factory.excerpt(owner, sys_, "Jeg blev hørt.", [(st2, "supports")], case=f4)
    factory.excerpt(owner, sys_, "Praktik startede.", [(st1, "supports")], case=f4)
    session.commit()
    return owner, project


def counted(session, project, owner, keys, arrows, scope):
    chain = chain_ops.save_chain(session, project, owner, title=f"{scope} {keys} {arrows}", keys=keys,
                                 arrows=arrows, scope=scope)
    return count_saved_chain(session, project, chain)


@pytest.mark.parametrize("scope,arrows,nodes,combo,N", [
    ("family", ["both-and"], [("F1", "F2"), ("F1",)], ("F1",), 2),
    ("family", ["and-or"], [("F1", "F2"), ("F1",)], ("F1", "F2"), 2),
    ("system", ["both-and"], [("F4",), ("F3", "F4")], ("F4",), 4),
    ("pooled", ["both-and"], [("F1", "F2", "F4"), ("F1", "F3", "F4")], ("F1", "F4"), 4),
])
def test_two_node_chains_per_scope(session, study, scope, arrows, nodes, combo, N):
    owner, project = study
    result = counted(session, project, owner, ["ST.1", "ST.2"], arrows, scope)
    assert [n.case_keys for n in result.nodes] == list(nodes)
    assert result.combination_keys == combo and result.N == N


def test_three_node_chains_mixed_in_both_orders_and_a_zero_node(session, study):
    owner, project = study
    mixed = counted(session, project, owner, ["ST.1", "ST.2", "E.1"], ["both-and", "and-or"], "pooled")
    assert mixed.formula == "(ST.1 ∧ ST.2) ∨ E.1" and mixed.combination_keys == ("F1", "F3", "F4")
    other = counted(session, project, owner, ["ST.1", "ST.2", "E.1"], ["and-or", "both-and"], "pooled")
    assert other.formula == "ST.1 ∨ (ST.2 ∧ E.1)" and other.combination_keys == ("F1", "F2", "F3", "F4")
    zero = counted(session, project, owner, ["ST.1", "ST.3"], ["both-and"], "pooled")
    assert zero.nodes[1].n == 0 and zero.combination_n == 0
    family_event = counted(session, project, owner, ["ST.1", "E.1"], ["and-or"], "family")
    assert family_event.nodes[1].case_keys == () and family_event.combination_keys == ("F1", "F2")


def test_statement_graph_and_suggestions(session, study):
    owner, project = study
    chain_ops.save_chain(session, project, owner, title="heard", keys=["ST.1", "ST.2"], arrows=["both-and"])
    graph = statement_graph(session, project)
    assert isinstance(graph, nx.DiGraph)
    assert graph.edges["ST.1", "ST.2"]["chains"] == [("heard", "both-and")]
    assert graph.edges["ST.2", "ST.1"]["chains"] == []
    assert {graph.graph["keys"][c] for c in graph.edges["ST.2", "E.1"]["cases"]["pooled"]} == {"F3"}
    suggestions = suggest_chains(graph, "ST.2", "pooled")
    assert suggestions[0].keys == ("ST.1", "ST.2") and suggestions[0].case_keys == ("F1", "F4")
    assert all(s.keys[-1] == "ST.2" and 2 <= len(s.keys) <= 4 for s in suggestions)
    assert [s.n for s in suggestions] == sorted((s.n for s in suggestions), reverse=True)
    assert suggest_chains(graph, "NOPE") == []


def test_suggestion_ranking_on_a_hand_made_graph():
    graph = nx.DiGraph(keys={1: "F1", 2: "F2", 3: "F3"})
    cases = {"A": {1, 2, 3}, "B": {1, 2}, "C": {1}, "END": {1, 2, 3}}
    for key, found in cases.items():
        graph.add_node(key, cases={"pooled": frozenset(found)})
    for u in cases:
        for v in cases:
            if u != v and cases[u] & cases[v]:
                graph.add_edge(u, v, cases={"pooled": frozenset(cases[u] & cases[v])}, chains=[])
    ranked = suggest_chains(graph, "END", "pooled", limit=20)
    assert ranked[0].keys == ("A", "END") and ranked[0].n == 3
    assert ranked[1].keys == ("B", "END") and ranked[1].n == 2
    assert ("C", "B", "A", "END") in [s.keys for s in ranked]
    assert all(len(s.keys) <= 4 for s in ranked)


def test_chains_yaml_round_trip_is_all_or_nothing_and_audited(session, study):
    owner, project = study
    text = ("- title: Hørt og samarbejde\n  caption: Familieinterview\n  scope: family\n"
            "  nodes: [ST.1, ST.2, E.1]\n  arrows: [both-and, and-or]\n")
    loaded = chain_ops.load_chains(session, project, owner, text)
    session.commit()
    assert [c.title for c in loaded] == ["Hørt og samarbejde"]
    dumped = chain_ops.dump_chains(session, project)
    assert "nodes:\n  - ST.1\n  - ST.2\n  - E.1" in dumped and "arrows:\n  - both-and\n  - and-or" in dumped
    again = chain_ops.load_chains(session, project, owner, dumped.replace("family", "pooled"))
    session.commit()
    assert again[0].id == loaded[0].id and again[0].scope.value == "pooled"
    bad = text + "- title: Brudt\n  nodes: [ST.1, NOPE]\n  arrows: [sideways]\n"
    with pytest.raises(InvalidInput) as info:
        chain_ops.load_chains(session, project, owner, bad)
    assert "chain 2" in info.value.message
    session.rollback()
    assert session.scalars(select(Chain.title)).all() == ["Hørt og samarbejde"]
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "chain")).all()
    assert actions == ["create", "update"]


def test_codes_in_chains_cannot_be_deleted_but_merge_moves_the_nodes(session, study):
    owner, project = study
    chain_ops.save_chain(session, project, owner, title="t", keys=["ST.3", "ST.2"], arrows=["and-or"])
    session.commit()
    st3 = session.scalar(select(ChainNode).where(ChainNode.position == 0)).code
    with pytest.raises(InvalidInput, match="used in 1 chain"):
        code_ops.delete_code(session, st3, owner.id)
    session.rollback()
    st4 = next(c for c in st3.parent.children if c.key == "ST.4")
    code_ops.merge_code(session, st3, st4, owner.id)
    session.commit()
    assert [n.code.key for n in session.scalars(select(ChainNode).order_by(ChainNode.position))] == ["ST.4", "ST.2"]


@pytest.mark.parametrize("keys,arrows,message", [
    (["ST.1"], [], "2 to 8 nodes"),
    (["ST.1", "ST.2"], [], "needs 1 arrows"),
    (["ST.1", "ST.2"], ["maybe"], "Arrow 'maybe' is not one of"),
    (["ST.1", "XX"], ["and-or"], "no code 'XX'"),
])
def test_bad_chains_are_refused(session, study, keys, arrows, message):
    owner, project = study
    with pytest.raises(InvalidInput, match=message):
        chain_ops.save_chain(session, project, owner, title="x", keys=keys, arrows=arrows)
