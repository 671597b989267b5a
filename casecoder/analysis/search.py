"""Full-text search in a project's transcripts: ranked matching sources, then keyword-in-context hits.

1. ``parse_query``: words are runs of letters and digits (æ ø å included), lower-cased; punctuation
   and quotes are ignored (no phrase search); one-letter words are dropped; at most ``MAX_WORDS``.
2. One SQL statement finds and ranks the project's sources holding every word as a prefix:
   SQLite FTS5 ``"word"* AND ...`` ranked by bm25; PostgreSQL ``sources.search_vector @@
   to_tsquery('danish', 'word':* & ...)`` ranked by ts_rank (the stored ``to_tsvector('danish', text)``
   that ``ix_sources_fts`` indexes; models/search.py).
   The query reaches SQL only as a bind parameter built from the parsed words.
3. Hits are found in Python in each matched text: whole words starting with a query word,
   case-insensitive. PostgreSQL stems (``børnene`` also finds ``børn``), so there a word may also
   start with the query word's rough Danish stem (``stem``: one of -erne -ene -en -et -er -e -s off).
   Offsets are code points into ``Source.text``, end exclusive, like excerpt offsets.

PostgreSQL ignores Danish stop words ("og", "det", ...): they do not restrict the matching sources
(they are still shown as hits), and a query of stop words only finds nothing there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, load_only, selectinload

from casecoder.kernel.errors import InvalidInput
from casecoder.models import Source
from casecoder.models.derived.search import FTS_TABLE, TSVECTOR_SQL

MAX_WORDS = 10
MIN_WORD = 2
ENDINGS = ("erne", "ene", "en", "et", "er", "e", "s")
MIN_STEM = 3
BATCH = 50  # sources loaded per query while collecting hits
WORD_RE = re.compile(r"[^\W_]+")  # letters and digits of any script, not '_'
LEADING_PART = re.compile(r"^[^\W_]+")
TRAILING_PART = re.compile(r"[^\W_]+$")
SPACES = re.compile(r"\s+")

SQLITE_RANKED = text(
    f"SELECT sources.id FROM {FTS_TABLE} JOIN sources ON sources.id = {FTS_TABLE}.rowid "
    f"WHERE {FTS_TABLE} MATCH :match AND sources.project_id = :project_id "
    f"ORDER BY bm25({FTS_TABLE}), sources.id")
POSTGRES_RANKED = text(
    f"SELECT sources.id FROM sources, to_tsquery('danish', :tsquery) AS query "
    f"WHERE sources.project_id = :project_id AND {TSVECTOR_SQL} @@ query "
    f"ORDER BY ts_rank({TSVECTOR_SQL}, query) DESC, sources.id")


@dataclass(frozen=True)
class Hit:
    source_id: int
    source_title: str
    perspective: str  # "family" | "system"
    case_keys: tuple[str, ...]
    start: int  # code points into the source text, end exclusive
    end: int
    before: str  # up to `context` characters, cut at a word boundary, white space shown as one space
    match: str
    after: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]  # by source rank, then position
    sources_matched: int
    truncated: bool  # there were more hits than `limit`


def parse_query(query: str) -> tuple[str, ...]:
    """The distinct words to search for, or InvalidInput."""
    words: list[str] = []
    for word in WORD_RE.findall((query or "").lower()):
        if len(word) >= MIN_WORD and word not in words:
            words.append(word)
    if not words:
        raise InvalidInput("Type at least one word of two letters or more", "q")
    if len(words) > MAX_WORDS:
        raise InvalidInput("Search for at most {n} words at a time", "q", n=MAX_WORDS)
    return tuple(words)


def stem(word: str) -> str:
    """A rough Danish stem: the first of ENDINGS stripped when at least MIN_STEM letters remain."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def fts5_match(words: tuple[str, ...]) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)


def pg_tsquery(words: tuple[str, ...]) -> str:
    return " & ".join("'" + w.replace("'", "''") + "':*" for w in words)


def hit_pattern(words: tuple[str, ...], stemmed: bool) -> re.Pattern[str]:
    prefixes = {stem(w) if stemmed else w for w in words} | set(words)
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def ranked_source_ids(session: Session, project_id: int, words: tuple[str, ...]) -> list[int]:
    """Ids of the project's sources containing every word (as a prefix), best first."""
    if session.autoflush:  # a text() statement does not autoflush by itself
        session.flush()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        rows = session.execute(SQLITE_RANKED, {"match": fts5_match(words), "project_id": project_id})
    elif dialect == "postgresql":
        rows = session.execute(POSTGRES_RANKED, {"tsquery": pg_tsquery(words), "project_id": project_id})
    else:
        raise NotImplementedError(f"full-text search on {dialect}")
    return [source_id for (source_id,) in rows]


def search(session: Session, project_id: int, query: str, *, limit: int = 200, context: int = 60) -> SearchResult:
    words = parse_query(query)
    ids = ranked_source_ids(session, project_id, words)
    pattern = hit_pattern(words, stemmed=session.get_bind().dialect.name == "postgresql")
    hits: list[Hit] = []
    for first in range(0, len(ids), BATCH):
        chunk = ids[first:first + BATCH]
        loaded = session.scalars(select(Source).where(Source.id.in_(chunk))
                                 .options(load_only(Source.id, Source.title, Source.perspective, Source.text),
                                          selectinload(Source.cases))
                                 .execution_options(populate_existing=True))  # the text the ranking saw
        by_id = {source.id: source for source in loaded}
        for source_id in chunk:
            source = by_id.get(source_id)  # None: deleted since the ranked query
            if source is None:
                continue
            for found in pattern.finditer(source.text):
                if len(hits) == limit:
                    return SearchResult(query.strip(), hits, len(ids), truncated=True)
                hits.append(_hit(source, found.start(), found.end(), context))
    return SearchResult(query.strip(), hits, len(ids), truncated=False)


def _hit(source: Source, start: int, end: int, context: int) -> Hit:
    body = source.text
    cut = max(0, start - context)
    before = body[cut:start]
    if cut > 0 and WORD_RE.match(body[cut - 1]):
        before = LEADING_PART.sub("", before)
    cut = min(len(body), end + context)
    after = body[end:cut]
    if cut < len(body) and WORD_RE.match(body[cut]):
        after = TRAILING_PART.sub("", after)
    return Hit(source_id=source.id, source_title=source.title, perspective=str(source.perspective.value),
               case_keys=tuple(case.key for case in source.cases), start=start, end=end,
               before=SPACES.sub(" ", before).lstrip(), match=body[start:end], after=SPACES.sub(" ", after).rstrip())
