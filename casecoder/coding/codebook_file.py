"""Read and check a codebook YAML file; every problem is reported with its line.

Pure parsing, no database: ``parse_codebook(text)`` returns a ``CodebookSpec`` or raises
``CodebookError`` listing all problems found. The format is documented in codebook/README.md.
"""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from casecoder.kernel import validate
from casecoder.kernel.errors import N_, InvalidInput
from casecoder.kernel.vocabulary import CodeKind, RelationType

TOP_FIELDS = {"name", "title", "source", "codes", "relations"}
CODE_FIELDS = {"key", "kind", "label", "description", "include", "exclude", "ref", "color", "codable", "children"}
RELATION_FIELDS = {"from", "to", "type"}
BILINGUAL = ("da", "en")


class CodebookError(InvalidInput):
    """A codebook file has problems; ``problems`` lists them as 'line N: message'."""

    def __init__(self, problems: list[str], filename: str = "codebook"):
        self.problems = problems
        super().__init__(f"{filename} has {len(problems)} problem(s):\n" + "\n".join(problems))


@dataclass
class CodeSpec:
    key: str
    kind: CodeKind
    label: dict[str, str]
    parent_key: str | None
    position: int
    description: dict[str, str] = field(default_factory=lambda: {"da": "", "en": ""})
    include: dict[str, str] = field(default_factory=lambda: {"da": "", "en": ""})
    exclude: dict[str, str] = field(default_factory=lambda: {"da": "", "en": ""})
    ref: str = ""
    color: str = "#888888"
    codable: bool = True
    line: int = 0


@dataclass
class RelationSpec:
    source: str
    target: str
    type: RelationType
    line: int = 0


@dataclass
class CodebookSpec:
    name: str
    title: dict[str, str]
    source: str
    sha256: str
    codes: list[CodeSpec]
    relations: list[RelationSpec]

    def by_key(self) -> dict[str, CodeSpec]:
        return {c.key: c for c in self.codes}


def load_codebook_file(path: Path | str) -> CodebookSpec:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CodebookError([f"cannot read the file: {exc.strerror}"], path.name) from exc
    return parse_codebook(data, path.name)


def parse_codebook(data: bytes | str, filename: str = "codebook") -> CodebookSpec:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = unicodedata.normalize("NFC", raw.decode("utf-8-sig"))  # keys as validate.key stores them
    except UnicodeDecodeError as exc:
        raise CodebookError([f"byte {exc.start}: the file is not UTF-8 text"], filename) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else "line ?"
        raise CodebookError([f"{where}: not valid YAML: {exc.problem}"], filename) from exc
    except RecursionError:  # nested far deeper than any codebook (the YAML composer recurses)
        raise CodebookError([f"the file is nested too deeply; the code tree may be at most "
                             f"{validate.MAX_CODE_DEPTH} levels deep"], filename) from None
    reader = _Reader()
    spec = reader.read(root, sha)
    if reader.problems:
        raise CodebookError(reader.problems, filename)
    assert spec is not None
    return spec


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    """Walks the YAML node tree, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(f"line {line}: {message}")

    def mapping(self, node: Node, allowed: set[str], what: str) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"{what} must be a mapping of fields")
            return None
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key not in allowed:
                self.problem(key_node, f"unknown field {key!r} in {what}; allowed: {', '.join(sorted(allowed))}")
            elif key in out:
                self.problem(key_node, f"field {key!r} appears twice in {what}")
            else:
                out[key] = value_node
        return out

    def text(self, node: Node | None, what: str, required: bool = True, max_len: int | None = None) -> str:
        if node is None:
            return ""
        if not isinstance(node, ScalarNode) or node.tag.endswith((":null", ":map", ":seq")):
            self.problem(node, f"{what} must be text")
            return ""
        value = str(node.value).strip()
        if required and not value:
            self.problem(node, f"{what} must not be empty")
        if max_len is not None and len(value) > max_len:
            self.problem(node, f"{what} is {len(value)} characters; at most {max_len} are allowed")
        return value

    def bilingual(self, node: Node | None, what: str, required: bool, max_len: int | None = None) -> dict[str, str]:
        empty = {"da": "", "en": ""}
        if node is None:
            return empty
        fields = self.mapping(node, set(BILINGUAL), what)
        if fields is None:
            return empty
        out = {}
        for lang in BILINGUAL:
            if lang not in fields:
                if required:
                    self.problem(node, f"{what} has no {lang!r} text")
                out[lang] = ""
            else:
                out[lang] = self.text(fields[lang], f"{what}.{lang}", required, max_len)
        return out

    def read(self, root: Node | None, sha: str) -> CodebookSpec | None:
        if root is None:
            self.problem(1, "the file is empty")
            return None
        top = self.mapping(root, TOP_FIELDS, "the codebook")
        if top is None:
            return None
        name = self.text(top.get("name"), "name")
        if "name" not in top:
            self.problem(root, "the codebook has no 'name'")
        title = self.bilingual(top.get("title"), "title", required=True, max_len=200)
        if "title" not in top:
            self.problem(root, "the codebook has no 'title'")
        codes: list[CodeSpec] = []
        if "codes" not in top:
            self.problem(root, "the codebook has no 'codes'")
        else:
            self.code_list(top["codes"], None, codes)
            if not codes and not self.problems:
                self.problem(top["codes"], "the codebook has no codes")
        relations = self.relations(top.get("relations"), {c.key for c in codes})
        return CodebookSpec(name=name, title=title, source=self.text(top.get("source"), "source", required=False),
                            sha256=sha, codes=codes, relations=relations)

    def code_list(self, node: Node, parent: str | None, out: list[CodeSpec], level: int = 1) -> None:
        if not isinstance(node, SequenceNode):
            self.problem(node, "'codes' and 'children' must be lists of codes")
            return
        for position, item in enumerate(node.value):
            self.code(item, parent, position, out, level)

    def code(self, node: Node, parent: str | None, position: int, out: list[CodeSpec], level: int = 1) -> None:
        if level > validate.MAX_CODE_DEPTH:  # (so this recursion stops there too)
            self.problem(node, f"the code tree may be at most {validate.MAX_CODE_DEPTH} levels deep; this code "
                               f"under {parent!r} would be on level {level}")
            return
        f = self.mapping(node, CODE_FIELDS, "a code")
        if f is None:
            return
        key = self.text(f.get("key"), "key")
        if "key" not in f:
            self.problem(node, "a code has no 'key'")
        elif key:
            try:
                validate.code_key(key)
            except InvalidInput as exc:
                self.problem(f["key"], exc.message)
            if any(c.key == key for c in out):
                first = next(c.line for c in out if c.key == key)
                self.problem(f["key"], f"code key {key!r} is used twice (first on line {first})")
        kind = CodeKind.THEME
        if "kind" not in f:
            self.problem(node, f"code {key!r} has no 'kind'")
        else:
            try:
                kind = validate.choice(CodeKind, self.text(f["kind"], "kind"), N_("Kind"))
            except InvalidInput as exc:
                self.problem(f["kind"], exc.message)
        if "label" not in f:
            self.problem(node, f"code {key!r} has no 'label'")
        label = self.bilingual(f.get("label"), f"label of {key}", required=True, max_len=200)
        color = "#888888"
        if "color" in f:
            try:
                color = validate.color(self.text(f["color"], "color"))
            except InvalidInput as exc:
                self.problem(f["color"], exc.message)
        codable = True
        if "codable" in f:
            n = f["codable"]
            if not (isinstance(n, ScalarNode) and n.tag.endswith(":bool")):
                self.problem(n, f"'codable' of {key!r} must be true or false")
            else:
                codable = n.value.lower() in ("true", "yes", "on")
        spec = CodeSpec(
            key=key, kind=kind, label=label, parent_key=parent, position=position,
            description=self.bilingual(f.get("description"), f"description of {key}", required=False),
            include=self.bilingual(f.get("include"), f"include of {key}", required=False),
            exclude=self.bilingual(f.get("exclude"), f"exclude of {key}", required=False),
            ref=self.text(f.get("ref"), "ref", required=False, max_len=100),
            color=color, codable=codable, line=_line(node),
        )
        out.append(spec)
        if "children" in f:
            self.code_list(f["children"], key, out, level + 1)

    def relations(self, node: Node | None, keys: set[str]) -> list[RelationSpec]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, "'relations' must be a list")
            return []
        out: list[RelationSpec] = []
        seen: dict[tuple[str, str, RelationType], int] = {}
        for item in node.value:
            f = self.mapping(item, RELATION_FIELDS, "a relation")
            if f is None:
                continue
            missing = RELATION_FIELDS - f.keys()
            if missing:
                self.problem(item, f"a relation has no {', '.join(sorted(missing))}")
                continue
            src, dst = self.text(f["from"], "from"), self.text(f["to"], "to")
            for end, node_ in ((src, f["from"]), (dst, f["to"])):
                if end and end not in keys:
                    self.problem(node_, f"relation refers to unknown code {end!r}")
            if src and src == dst:
                self.problem(item, f"relation from {src!r} to itself")
            try:
                rtype = validate.choice(RelationType, self.text(f["type"], "type"), N_("Relation type"))
            except InvalidInput as exc:
                self.problem(f["type"], exc.message)
                continue
            triple = (src, dst, rtype)
            if triple in seen:
                self.problem(item, f"relation {src} -> {dst} ({rtype.value}) repeats line {seen[triple]}")
                continue
            seen[triple] = _line(item)
            out.append(RelationSpec(src, dst, rtype, _line(item)))
        return out
