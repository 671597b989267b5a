"""Issue #22 item 7: the code tree is at most 12 levels deep in a codebook YAML file and when a code is added
or moved (with its sub-codes); the tree helpers walk without recursion. The uploads: tests/web/test_code_depth.py."""
from __future__ import annotations

import pytest

from casecoder.coding import codebook_edit
from casecoder.coding.codebook_file import CodebookError, parse_codebook
from casecoder.kernel import tree
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.validate import MAX_CODE_DEPTH


def test_tree_helpers_need_no_recursion():
    n = 50_000
    parents = {i: (i - 1 if i else None) for i in range(n)}
    children: dict[int | None, list[int]] = {}
    for node, up in parents.items():
        children.setdefault(up, []).append(node)
    assert tree.depths(parents)[n - 1] == n - 1 and tree.height(children, 0) == n
    walked = list(tree.preorder(children, lambda x: x))
    assert [d for _, d, _ in walked[:3]] == [0, 1, 2] and walked[-1] == (n - 1, n - 1, n - 2)
    wide = {None: [1, 2], 1: [3, 4], 2: [5]}
    assert [node for node, _, _ in tree.preorder(wide, lambda x: x)] == [1, 3, 4, 2, 5]
    assert tree.depths({1: 2, 2: 1}) in ({1: 0, 2: 1}, {1: 1, 2: 0})  # a cycle ends, it does not loop


def test_codebook_yaml_is_capped():
    def nested(depth: int) -> str:
        lines = ["name: dyb", "title: {da: Dyb, en: Deep}", "codes:"]
        for i in range(depth):
            pad = "  " * (2 * i)
            lines += [f"{pad}  - key: K{i}", f"{pad}    kind: theme", f"{pad}    label: {{da: N{i}, en: L{i}}}"]
            if i < depth - 1:
                lines.append(f"{pad}    children:")
        return "\n".join(lines) + "\n"
    assert len(parse_codebook(nested(MAX_CODE_DEPTH)).codes) == MAX_CODE_DEPTH
    with pytest.raises(CodebookError) as caught:
        parse_codebook(nested(MAX_CODE_DEPTH + 3))
    assert any(f"at most {MAX_CODE_DEPTH} levels deep" in p and "'K11'" in p for p in caught.value.problems)
    with pytest.raises(CodebookError, match="nested too deeply"):
        parse_codebook("name: dyb\ncodes: " + "[" * 5_000 + "]" * 5_000 + "\n")


def test_adding_and_moving_codes_are_capped(session, factory):
    owner = factory.user("ejer")
    project = factory.project("dyb", owner)
    parent = None
    chain = []
    for i in range(MAX_CODE_DEPTH):
        parent = codebook_edit.create_code(session, project, owner.id, key=f"D{i}", label_da=f"N{i}",
                                           parent_id=parent.id if parent else None, kind="theme")
        chain.append(parent)
    with pytest.raises(InvalidInput, match=f"at most {MAX_CODE_DEPTH} levels deep; code 'D99' would be on level 13"):
        codebook_edit.create_code(session, project, owner.id, key="D99", label_da="x", parent_id=chain[-1].id)
    two = codebook_edit.create_code(session, project, owner.id, key="T0", label_da="t", kind="theme")
    codebook_edit.create_code(session, project, owner.id, key="T1", label_da="t", parent_id=two.id)
    with pytest.raises(InvalidInput, match="code 'T0' would be on level 13"):  # its sub-code would be
        codebook_edit.move_code(session, two, owner.id, chain[-2].id)
    codebook_edit.move_code(session, two, owner.id, chain[-3].id)  # to levels 11 and 12: fine
    assert two.parent_id == chain[-3].id


