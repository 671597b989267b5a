"""Transcripts kept per process for the excerpt writes, under (source id, text version). No Flask.

Creating an excerpt needs the transcript to check the span and copy its text; reading it from the
database costs more the longer it is (PostgreSQL decompresses everything up to the span). A
process keeps the last few it read, keyed by ``sources.text_version``, which a trigger replaces
with a new random number whenever the text changes (models/source_text.py): a changed, deleted or
rolled-back text is never served from here. One small query per excerpt reads the version, unless
the caller read it in the same transaction (the create request loads the source anyway).
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from casecoder.models import Source

# Per process: at most MAX_TEXTS transcripts and MAX_CHARS characters in all, the least recently used
# going first. A 200-page transcript is about 600,000 characters (one byte each in a Python str unless
# it holds characters beyond Latin-1), so 20 coders on such transcripts fit in every worker.
MAX_TEXTS = 64
MAX_CHARS = 16_000_000
_LOCK = threading.Lock()
_TEXTS: OrderedDict[tuple[int, int], str] = OrderedDict()


def source_text(session: Session, source: Source, version: int | None = None) -> str:
    """The text of ``source`` as this session sees it; ``version``: its ``text_version`` if the caller
    read it in this transaction (else it is read here)."""
    if "text" in source.__dict__ or source.id is None:  # loaded, or changed in this session
        return source.text
    if version is None:
        version = session.scalar(select(Source.text_version).where(Source.id == source.id))
    if version is None:
        return source.text
    key = (source.id, version)
    with _LOCK:
        text = _TEXTS.get(key)
        if text is not None:
            _TEXTS.move_to_end(key)
            return text
    text = session.scalar(select(Source.text).where(Source.id == source.id))
    if text is None:  # deleted since the version was read
        return source.text
    if len(text) <= MAX_CHARS:
        with _LOCK:
            _TEXTS[key] = text
            while len(_TEXTS) > MAX_TEXTS or sum(map(len, _TEXTS.values())) > MAX_CHARS:
                _TEXTS.popitem(last=False)
    return text
