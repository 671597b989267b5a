"""The codebook loader: the shipped codebook, and every validation error with its line."""
from __future__ import annotations

import pytest

from casecoder.coding.codebook_file import CodebookError, load_codebook_file, parse_codebook
from casecoder.kernel.paths import default_codebook_path, resource_dir
from casecoder.models import CodeKind, RelationType


def test_shipped_codebook_has_the_four_hypotheses_and_their_sub_mechanisms():
    spec = load_codebook_file(default_codebook_path())
    by_key = spec.by_key()
    assert spec.name == "helhedsindsats"
    hypotheses = [c.key for c in spec.codes if c.kind is CodeKind.HYPOTHESIS]
    assert hypotheses == ["H1", "H2", "H3", "H4"]
    children = {h: sorted(c.key for c in spec.codes if c.parent_key == h) for h in hypotheses}
    assert children == {
        "H1": ["H1.1", "H1.2", "H1.3", "H1.4", "H1.5"],  # five effects of one contact person (4.4)
        "H2": ["H2.1", "H2.2", "H2.3"],  # three drivers (4.5)
        "H3": ["H3.1", "H3.2", "H3.3"],  # three conditions (4.6)
        "H4": ["H4.1", "H4.2", "H4.3", "H4.4"],  # four conditions (4.7)
    }
    assert sorted(c.key for c in spec.codes if c.parent_key == "S") == ["S.1", "S.2", "S.3", "S.4", "S.5"]
    assert sorted(c.key for c in spec.codes if c.parent_key == "B") == [f"B.{i}" for i in range(1, 8)]
    assert all(by_key[c].kind is CodeKind.EVENT for c in by_key if c.startswith("E."))
    for code in spec.codes:
        assert code.label["da"] and code.label["en"], code.key
        assert code.label["da"] != code.label["en"], code.key
        assert code.description["da"] and code.description["en"], code.key
    assert not by_key["B"].codable and by_key["B.1"].codable
    leads_to = {(r.source, r.target) for r in spec.relations if r.type is RelationType.LEADS_TO}
    # every hypothesis leads to the outcome, and every sub-mechanism leads somewhere
    assert {("H1", "OUT"), ("H2", "OUT"), ("H3", "OUT"), ("H4", "OUT")} <= leads_to
    for code in spec.codes:
        if code.parent_key in ("H1", "H2", "H3", "H4"):
            assert any(src == code.key for src, _ in leads_to), code.key
    assert len(spec.sha256) == 64


def test_codebook_readme_documents_the_format():
    readme = (resource_dir("codebook") / "README.md").read_text(encoding="utf-8")
    for word in ("key", "kind", "label", "relations", "leads_to", "sha256"):
        assert word in readme


VALID = """\
name: test
title:
  da: "Test"
  en: "Test"
codes:
  - key: H1
    kind: hypothesis
    label: {da: "Hyp", en: "Hyp"}
    children:
      - key: H1.1
        kind: mechanism
        label: {da: "Mek", en: "Mech"}
"""


def test_minimal_codebook_parses_with_parents_and_positions():
    spec = parse_codebook(VALID)
    assert [(c.key, c.parent_key, c.position, c.line) for c in spec.codes] == [
        ("H1", None, 0, 6), ("H1.1", "H1", 0, 10)]


BROKEN = {
    "not yaml": ("name: [unclosed\n", "line 2: not valid YAML"),
    "empty": ("", "line 1: the file is empty"),
    "top is a list": ("- a\n- b\n", "line 1: the codebook must be a mapping"),
    "unknown top field": (VALID + "colour: red\n", "line 13: unknown field 'colour'"),
    "no name": (VALID.replace("name: test\n", ""), "has no 'name'"),
    "no codes": ("name: x\ntitle: {da: a, en: b}\n", "line 1: the codebook has no 'codes'"),
    "codes not a list": ("name: x\ntitle: {da: a, en: b}\ncodes: 3\n", "line 3: 'codes' and 'children' must be lists"),
    "no key": (VALID.replace("  - key: H1\n", "  - kind2: x\n"), "line 6: unknown field 'kind2'"),
    "bad key": (VALID.replace("key: H1.1", "key: 'H 1.1'"), "line 10: Code key 'H 1.1' must be"),
    "duplicate key": (VALID.replace("key: H1.1", "key: H1"), "line 10: code key 'H1' is used twice (first on line 6)"),
    "no kind": (VALID.replace("        kind: mechanism\n", ""), "line 10: code 'H1.1' has no 'kind'"),
    "bad kind": (VALID.replace("kind: mechanism", "kind: mechanic"), "line 11: Kind 'mechanic' is not one of"),
    "no label": (VALID.replace('        label: {da: "Mek", en: "Mech"}\n', ""), "code 'H1.1' has no 'label'"),
    "no English label": (VALID.replace('en: "Mech"', 'xx: "Mech"'), "line 12: unknown field 'xx'"),
    "empty label": (VALID.replace('en: "Mech"', 'en: ""'), "line 12: label of H1.1.en must not be empty"),
    "label too long": (VALID.replace('en: "Mech"', 'en: "' + "x" * 201 + '"'), "at most 200 are allowed"),
    "bad colour": (VALID.replace('    kind: hypothesis\n', '    kind: hypothesis\n    color: green\n'),
                   "line 8: Colour 'green' must be written #rrggbb"),
    "codable not bool": (VALID.replace('    kind: hypothesis\n', '    kind: hypothesis\n    codable: maybe\n'),
                         "line 8: 'codable' of 'H1' must be true or false"),
    "unknown code field": (VALID.replace('    kind: hypothesis\n', '    kind: hypothesis\n    parent: X\n'),
                           "line 8: unknown field 'parent' in a code"),
    "relation to unknown code": (VALID + "relations:\n  - {from: H1.1, to: H9, type: leads_to}\n",
                                 "line 14: relation refers to unknown code 'H9'"),
    "relation to itself": (VALID + "relations:\n  - {from: H1, to: H1, type: leads_to}\n",
                           "line 14: relation from 'H1' to itself"),
    "relation type": (VALID + "relations:\n  - {from: H1.1, to: H1, type: causes}\n",
                      "line 14: Relation type 'causes' is not one of: leads_to (leads to/fører til), "
                      "associated_with (associated with/hænger sammen med)"),
    "relation twice": (VALID + "relations:\n  - {from: H1.1, to: H1, type: leads_to}\n"
                       "  - {from: H1.1, to: H1, type: leads_to}\n", "line 15: relation H1.1 -> H1 (leads_to) repeats line 14"),
    "relation missing end": (VALID + "relations:\n  - {from: H1.1, type: leads_to}\n", "line 14: a relation has no to"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_problem_is_reported_with_its_line(case):
    text, expected = BROKEN[case]
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "broken.yaml")
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert str(info.value).startswith("broken.yaml has")


def test_all_problems_are_reported_not_just_the_first():
    text = VALID.replace("kind: mechanism", "kind: mechanic").replace('en: "Hyp"', 'en: ""')
    with pytest.raises(CodebookError) as info:
        parse_codebook(text)
    assert len(info.value.problems) == 2


def test_non_utf8_file_is_refused():
    with pytest.raises(CodebookError, match="not UTF-8"):
        parse_codebook(VALID.encode("utf-8") + b"\xff\xfe")


def test_hash_is_of_the_file_bytes():
    import hashlib
    assert parse_codebook(VALID).sha256 == hashlib.sha256(VALID.encode()).hexdigest()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CodebookError, match="cannot read the file"):
        load_codebook_file(tmp_path / "nope.yaml")
