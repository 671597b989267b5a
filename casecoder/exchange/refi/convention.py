"""Where casecoder's fields go in a REFI-QDA project (.qde), so that casecoder -> .qdpx -> casecoder keeps everything.

REFI-QDA has native places for most of casecoder's data; the rest follows this convention
(also in docs/refi.md):

- **Codes**: ``Code@name`` = label in the export language, ``Description`` = description in
  that language, ``isCodable``, ``color``, ``guid`` = ``Code.guid``. The fields REFI has no place
  for (key, kind, both labels and descriptions, include/exclude notes, ref, archived) are one
  JSON object per code GUID in the project note named ``casecoder:codes`` (``Notes/Note``, text in
  ``PlainTextContent``, referenced by the project's ``NoteRef``). A code memo is a note
  referenced by the code's ``NoteRef``. Code relations are ``Links`` between the two codes:
  ``OneWay`` = leads_to, ``Associative`` = associated_with.
- **Users**: the coders; ``User@id`` = user name, ``User@name`` = display name.
- **Cases**: ``Case@name`` = case key, ``Description`` = case memo, ``SourceRef`` per source of
  the case, ``SelectionRef`` per excerpt about the case; variables ``casecoder:municipality``
  and one variable per case attribute (its name; text/integer/number/boolean/date become
  Text/Integer/Float/Boolean/Date).
- **Sources**: ``TextSource@name`` = title, text in ``sources/<guid>.txt`` (UTF-8, no BOM);
  source variables ``casecoder:source_key``, ``casecoder:perspective``, ``casecoder:mode``,
  ``casecoder:date`` (Date) and the interviewees as ``casecoder:interviewee_key``,
  ``casecoder:interviewee_role``, ``casecoder:interviewee_perspective``,
  ``casecoder:interviewee_municipality``, each the values of all the source's interviewees joined
  by ``"; "`` in the same order. The source memo is a note referenced by the source.
- **Excerpts and codings**: one ``PlainTextSelection`` per coding, all with the excerpt's span
  (code-point offsets, end exclusive), so readers that take only a selection's first ``Coding``
  see every coding; each selection's ``creatingUser`` is its coding's coder (QualCoder takes the
  selection's as the coder), the excerpt creator's codings come first. The first selection has the
  excerpt's GUID and the memo notes' ``NoteRef``s, and, when its coder did not create the excerpt,
  a ``NoteRef`` to the note ``casecoder:excerpt_creator`` whose ``creatingUser`` is the creator;
  each further one has the GUID ``extra_selection_guid(first, coding)`` (how the import finds
  them again). An excerpt without codings is one selection without ``Coding`` by its creator. Every ``Coding``
  has ``creatingUser`` = the coder; ``supports`` is the default direction, a ``contradicts`` or
  ``nuances`` coding has a ``NoteRef`` to the shared note ``casecoder:direction=contradicts`` /
  ``=nuances``. For other readers each selection's ``Description`` says the code and direction
  in words (and the memo); casecoder's import ignores it in its own files.
- **Dates**: every note, selection and coding has ``creationDateTime`` (selections and notes also
  ``modifiedDateTime``) from the rows' own timestamps, else the project's.
- **Readable perspective**: besides ``casecoder:perspective``, each source has the variable
  ``Perspektiv`` / ``Perspective`` (export language) valued ``familie``/``family``/``system``;
  ignored on import of casecoder's own files.
- **Sets**: one set per hypothesis (its code and all codes below it); not read back from
  casecoder's own files. Sets from other tools are recorded in the members' memos (``sets.py``).

Names with ``casecoder:`` cannot clash with attribute names (which never hold a colon). GUIDs of
codes are stored; all others are uuid5 of ``NAMESPACE`` and "<project slug>/<kind>/<row id>", so
exporting the same project twice gives the same file.
"""
from __future__ import annotations

import hashlib
import uuid

from casecoder.kernel.translate import N_, Translator

NAMESPACE = uuid.UUID("6f1c5a52-3b0e-4c54-9a43-2f7f0c1e8d11")  # casecoder's REFI-QDA namespace, fixed forever
NAMESPACE_BYTES = NAMESPACE.bytes
ORIGIN = "casecoder"

CODES_NOTE = "casecoder:codes"
DIRECTION_NOTE = "casecoder:direction="  # + direction value
CREATOR_NOTE = "casecoder:excerpt_creator"  # by the user who created the excerpt

MUNICIPALITY = "casecoder:municipality"
SOURCE_KEY = "casecoder:source_key"
PERSPECTIVE = "casecoder:perspective"
MODE = "casecoder:mode"
DATE = "casecoder:date"
INTERVIEWEE_KEY = "casecoder:interviewee_key"
INTERVIEWEE_ROLE = "casecoder:interviewee_role"
INTERVIEWEE_PERSPECTIVE = "casecoder:interviewee_perspective"
INTERVIEWEE_MUNICIPALITY = "casecoder:interviewee_municipality"
INTERVIEWEE_VARIABLES = (INTERVIEWEE_KEY, INTERVIEWEE_ROLE, INTERVIEWEE_PERSPECTIVE, INTERVIEWEE_MUNICIPALITY)
SOURCE_VARIABLES = (SOURCE_KEY, PERSPECTIVE, MODE, DATE, *INTERVIEWEE_VARIABLES)
LIST_SEPARATOR = "; "

# Words other readers show (selection Description, the readable perspective variable), by export language.
PERSPECTIVE_VARIABLE = N_("Perspective")            # the readable variable's name, in the export language
PERSPECTIVE_NAMES = ("perspective", "perspektiv")    # read back, any case
WORD_TEXTS = {"family": N_("family"), "system": N_("system"), "supports": N_("supports"),
              "contradicts": N_("contradicts"), "nuances": N_("nuances"), "memo": N_("Memo"), "set": N_("Set")}
PERSPECTIVE_WORDS = {"familie": "family", "family": "family", "system": "system"}  # read back, any case


def words(lang: str) -> dict[str, str]:
    """The words other readers show (selection Description, the perspective variable) in ``lang``."""
    t = Translator(lang if lang in ("da", "en") else "da")
    return {key: t.gettext(text) for key, text in WORD_TEXTS.items()}


def perspective_variable(lang: str) -> str:
    return Translator(lang if lang in ("da", "en") else "da").gettext(PERSPECTIVE_VARIABLE)


# Code fields kept in the casecoder:codes note.
CODE_FIELDS = ("key", "kind", "label_da", "label_en", "description_da", "description_en", "include_da",
               "include_en", "exclude_da", "exclude_en", "ref", "archived")


def derived_guid(slug: str, kind: str, row_id: object) -> str:
    """A stable GUID for a row that does not store one (source, selection, case, user, note...)."""
    return uuid5(f"{slug}/{kind}/{row_id}")


def extra_selection_guid(first_selection_guid: str, coding_guid: str) -> str:
    """The GUID of an excerpt's further selection (one per coding after the first): the import checks
    a same-span selection against it to merge it back into the excerpt."""
    return uuid5(f"{first_selection_guid}/coding/{coding_guid}")


def uuid5(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))`` without the ``UUID`` object (a .qdpx export makes a million)."""
    digest = bytearray(hashlib.sha1(NAMESPACE_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"
