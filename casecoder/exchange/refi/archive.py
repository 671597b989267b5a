"""Opening a .qdpx (a zip) safely: through ``files/zipread`` with a cap on entries, on each entry's and all
entries' unpacked bytes and on their compression ratio.

Paths are checked by ``zipread.safe_path`` after turning ``\\`` into ``/`` (which some Windows tools
write). ``QdpxArchive`` reads the single ``*.qde`` at once and a file of ``sources/`` (found in any
letter case) only when the project names it; each read is capped (a decompression bomb is refused).
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from casecoder.files.zipread import MB, ZipArchive, open_zip
from casecoder.kernel.errors import InvalidInput

MAX_ENTRIES = 10_000
MAX_UNPACKED = 512 * MB
MAX_ENTRY = 128 * MB  # the .qde or one source file, unpacked (and never more than zipread's ratio allows)


@dataclass
class QdpxArchive:
    qde_name: str
    qde: bytes
    zip: ZipArchive  # every entry by its (normalised) path, read on request
    _by_lower: dict[str, str] | None = field(default=None, repr=False)  # the paths by lower case, made once

    def source_file(self, reference: str) -> tuple[str, bytes] | None:
        """The path and bytes of the file a ``plainTextPath``/``richTextPath`` names: ``internal://x``,
        ``relative://…``, a bare path. Looked up under ``sources/`` in any letter case, then anywhere by
        file name."""
        name = reference.strip()
        for scheme in ("internal://", "relative://", "absolute://", "file://"):
            if name.lower().startswith(scheme):
                name = name[len(scheme):]
                break
        name = name.replace("\\", "/").lstrip("/")
        base = posixpath.basename(name).lower()
        paths = self.zip.names
        if self._by_lower is None:
            self._by_lower = {path.lower(): path for path in paths}
        by_lower = self._by_lower
        for candidate in (f"sources/{name}".lower(), name.lower(), f"sources/{base}"):
            if candidate in by_lower:
                return by_lower[candidate], self.zip.read(by_lower[candidate])
        matches = [path for path in paths if posixpath.basename(path).lower() == base]
        return (matches[0], self.zip.read(matches[0])) if len(matches) == 1 else None


def open_qdpx(data: bytes, filename: str, *, max_entries: int = MAX_ENTRIES,
              max_unpacked: int = MAX_UNPACKED) -> QdpxArchive:
    """The .qdpx ``data``: its one ``*.qde`` (at the top, else anywhere), read; its other files on request."""
    archive = open_zip(data, filename, max_entries=max_entries, max_entry=MAX_ENTRY,
                       max_total=max_unpacked, windows_separators=True)
    qdes = [path for path in archive.names if path.lower().endswith(".qde") and "/" not in path]
    if not qdes:
        qdes = [path for path in archive.names if path.lower().endswith(".qde")]
    if len(qdes) != 1:
        raise InvalidInput("'{name}' must hold exactly one .qde file; it holds {n}", "file", name=filename,
                           n=len(qdes))
    return QdpxArchive(qdes[0], archive.read(qdes[0]), archive)
