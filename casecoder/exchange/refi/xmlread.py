"""Reading REFI-QDA XML leniently: safe parsing, namespace-agnostic helpers, GUIDs, XSD warnings.

Elements are found by local name, so ``urn:QDA-XML:project:1.0``, ``…:1:0``, ``…:0:4`` or no
namespace at all read the same: ``parse`` stores every element below the root under its local name
(the root keeps its namespace, which the import report names), so the helpers look children up in C
(``find``/``findall``; issue #25: the walk over a file of 80,000 elements in half the time).
A file with a document type declaration is parsed by defusedxml, which refuses entity declarations
and external references; one without (every REFI-QDA file we know) cannot declare an entity, so it is
parsed by the standard library's C parser, about a third faster (issue #25; the prolog is read first by
expat up to the root's start tag to tell). A file that is not well-formed XML is refused with the line and
column of the fault; one that breaks the XSD is read anyway, and ``xsd_problems`` lists how
against the REFI-QDA 1.0 XSDs. casecoder does not ship those: point ``CASECODER_REFI_SCHEMAS`` at a
folder holding ``Codebook.xsd`` and ``Project.xsd`` (from qdasoftware.org); without it the import
report says the file was not checked against the schema.
"""
from __future__ import annotations

import os
import pyexpat
import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as c_fromstring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from casecoder.kernel.errors import InvalidInput

SCHEMA_ENV = "CASECODER_REFI_SCHEMAS"
MAX_XSD_PROBLEMS = 30
_GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")
_FOREIGN_NS = uuid.UUID("2b1e7c1e-58a4-4d3b-9a0e-5d0c1f7a9e21")  # for ids that are not GUIDs


def _local_names(root: Element) -> None:
    """Every element below ``root`` under its local name (``{urn:…}Code`` -> ``Code``)."""
    names: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag
        if element is not root and isinstance(tag, str):
            name = names.get(tag)
            if name is None:
                name = names[tag] = local(tag)
            element.tag = name


class _RootReached(Exception):
    pass


def _root_reached(*_args: object) -> None:
    raise _RootReached


def _doctype(*_args: object) -> None:
    raise pyexpat.ExpatError("a document type declaration")


def _plain_prolog(data: bytes) -> bool:
    """Whether ``data`` reaches its root element without a document type declaration, so it declares no
    entity (one used undeclared is a well-formedness error). Expat reads the prolog only: it stops at the
    root's start tag. A DOCTYPE, or a fault before the root, is False: ``parse`` leaves those to defusedxml."""
    reader = pyexpat.ParserCreate()
    reader.StartDoctypeDeclHandler = _doctype
    reader.StartElementHandler = _root_reached
    try:
        reader.Parse(data, True)
    except _RootReached:
        return True
    except pyexpat.ExpatError:
        return False
    return False


def parse(data: bytes, filename: str) -> Element:
    """The root element of ``data`` (the elements below it by local name); refuses malformed XML (naming
    the line) and entity tricks."""
    try:
        root = c_fromstring(data) if _plain_prolog(data) else fromstring(data)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise InvalidInput("'{name}' is not well-formed XML: line {line}, column {column}: {reason}", "file",
                           name=filename, line=line, column=column, reason=str(exc).split(":")[0]) from None
    except DefusedXmlException:
        raise InvalidInput("'{name}' declares XML entities or external references, which are refused", "file",
                           name=filename) from None
    _local_names(root)
    return root


def local(tag: object) -> str:
    """An element's or attribute's name without its namespace."""
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def children(element: Element | None, name: str) -> list[Element]:
    """The direct children of ``element`` (from ``parse``) with local name ``name``."""
    return [] if element is None else element.findall(name)


def child(element: Element | None, name: str) -> Element | None:
    return None if element is None else element.find(name)


def path(element: Element | None, *names: str) -> Iterator[Element]:
    """Children along a path of local names: ``path(root, "Sources", "TextSource")``."""
    current = [element] if element is not None else []
    for name in names:
        current = [c for e in current for c in e.findall(name)]
    return iter(current)


def attr(element: Element, name: str) -> str | None:
    """An attribute by local name (namespaced or not)."""
    value = element.get(name)
    if value is not None:
        return value
    for key, value in element.items():
        if key[:1] == "{" and local(key) == name:
            return value
    return None


def child_attr(element: Element, name: str, attribute: str) -> str | None:
    """An attribute of the first child ``name`` (an element without children is falsy: never ``or`` them)."""
    found = child(element, name)
    return None if found is None else attr(found, attribute)


def text_of(element: Element | None) -> str:
    """The text of a leaf element such as ``Description`` ("" if absent)."""
    if element is None:
        return ""
    return (element.text or "") if not len(element) else "".join(element.itertext())


@lru_cache(maxsize=1 << 16)  # the same user and code GUIDs come back on every coding
def guid(raw: str | None) -> str | None:
    """A GUID as lower-case canonical text (braces and upper case accepted), or None if it is not one."""
    match = _GUID_RE.match((raw or "").strip())
    return match.group(1).lower() if match else None


def guid_or_derived(raw: str | None) -> str | None:
    """``guid(raw)``, or for a non-GUID id (``c001``) a stable uuid5 of it; None when empty."""
    if not (raw or "").strip():
        return None
    return guid(raw) or str(uuid.uuid5(_FOREIGN_NS, raw.strip()))  # type: ignore[union-attr]


def namespace(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def schema_path(kind: str) -> Path | None:
    """``Codebook.xsd`` or ``Project.xsd`` in the folder ``CASECODER_REFI_SCHEMAS`` names, if it is there."""
    folder = os.environ.get(SCHEMA_ENV)
    path = Path(folder) / f"{kind}.xsd" if folder else None
    return path if path is not None and path.is_file() else None


@lru_cache(maxsize=4)
def _schema(path: Path):  # type: ignore[no-untyped-def]
    from lxml import etree
    return etree.XMLSchema(etree.parse(str(path)))


def xsd_problems(data: bytes, kind: str) -> list[str]:
    """How ``data`` (well-formed, already checked by ``parse``) breaks ``Codebook.xsd`` or ``Project.xsd``."""
    from lxml import etree
    path = schema_path(kind)
    if path is None:
        return [f"Not checked against {kind}.xsd: set {SCHEMA_ENV} to a folder holding the REFI-QDA schemas"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:  # e.g. nested deeper than libxml2's 256 levels (expat read it)
        return [f"Not checked against {kind}.xsd: {exc}"]
    schema = _schema(path)
    if schema.validate(document):
        return []
    errors = list(schema.error_log)
    problems = [f"{kind}.xsd, line {e.line}: {e.message}" for e in errors[:MAX_XSD_PROBLEMS]]
    if len(errors) > MAX_XSD_PROBLEMS:
        problems.append(f"{kind}.xsd: … and {len(errors) - MAX_XSD_PROBLEMS} more")
    return problems
