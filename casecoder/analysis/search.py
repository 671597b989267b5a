"""Full-text search in a project's transcripts: ranked matching sources, then keyword-in-context hits,
each marked with the codes of the excerpts that cover it.

1. ``parse_query``: words are runs of letters and digits (æ ø å included), lower-cased; other
   punctuation is ignored; one-letter words are dropped; at most ``MAX_WORDS`` words in all.
   Text in quotation marks (``"`` or the typographic „ “ ” « ») is a **phrase**: its words in that
   order (one-letter words kept). An unclosed quotation mark or a phrase without words is refused.
2. One SQL statement finds and ranks the project's sources holding every term, narrowed by the
   filter's perspective and case: SQLite FTS5 ``"word"* AND "two words" AND ...`` (a word is a
   prefix, a phrase its exact words in order) ranked by bm25; PostgreSQL ``sources.search_vector @@
   to_tsquery('danish', 'word':* & ('two' <-> 'words'))`` ranked by ts_rank (the stored
   ``to_tsvector('danish', text)`` that ``ix_sources_fts`` indexes; models/derived/search.py).
   ``to_tsquery`` and not ``websearch_to_tsquery``: the latter knows quotes but not prefixes, and
   single words stay prefixes as before. The query reaches SQL only as a bind parameter built from
   the parsed words.
3. Hits are found in Python in each matched text, case-insensitive: for a word, whole words starting
   with it; for a phrase, its words in order with only spaces and punctuation between, the phrase
   being one hit (the keyword-in-context shows the phrase, not its separate words). PostgreSQL stems
   (``børnene`` also finds ``børn``), so there a word, also one in a phrase, may start with the query
   word's rough Danish stem (``stem``: one of -erne -ene -en -et -er -e -s off); on SQLite a phrase's
   words are whole words. Offsets are code points into ``Source.text``, end exclusive, like excerpt offsets.
4. A hit is **coded** when an excerpt of its source covers its span (excerpt start <= hit start and
   hit end <= excerpt end) and carries a coding; the hit lists those codings' keys. The marks come from
   one grouped query for the hits' sources (two on PostgreSQL: ``coded_spans``; with the coded/uncoded
   filter: per batch of ``BATCH`` sources, since the filter decides which hits are kept), never one
   query per hit.
   Blind double coding (kernel/double_coding.py): on the sources the viewer codes blind only the
   viewer's own codings count, so neither the mark nor the filter tells of another coder's excerpts.

PostgreSQL ignores Danish stop words ("og", "det", ...): they do not restrict the matching sources
(they are still shown as hits), and a query of stop words only finds nothing there.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from typing import Collection, Iterable

from sqlalchemy import ARRAY, Integer, any_, bindparam, select, text
from sqlalchemy.orm import Session

from casecoder.kernel.errors import InvalidInput
from casecoder.models import Case, Code, Coding, Excerpt, Perspective, Source, source_cases
from casecoder.models.derived.search import FTS_TABLE, TSVECTOR_SQL

MAX_WORDS = 10
MIN_WORD = 2
ENDINGS = ("erne", "ene", "en", "et", "er", "e", "s")
MIN_STEM = 3
BATCH = 50  # sources loaded per query while collecting hits
QUOTES = "\"“”„«»"
QUOTE_RE = re.compile(f"[{QUOTES}]")
WORD_RE = re.compile(r"[^\W_]+")  # letters and digits of any script, not '_'
LEADING_PART = re.compile(r"^[^\W_]+")
TRAILING_PART = re.compile(r"[^\W_]+$")
SPACES = re.compile(r"\s+")
DIGITS = re.compile(r"(\d+)")

SQLITE_FROM = (f"SELECT sources.id FROM {FTS_TABLE} JOIN sources ON sources.id = {FTS_TABLE}.rowid "
               f"WHERE {FTS_TABLE} MATCH :match AND sources.project_id = :project_id")
SQLITE_ORDER = f" ORDER BY bm25({FTS_TABLE}), sources.id"
POSTGRES_FROM = (f"SELECT sources.id FROM sources, to_tsquery('danish', :tsquery) AS query "
                 f"WHERE sources.project_id = :project_id AND {TSVECTOR_SQL} @@ query")
POSTGRES_ORDER = f" ORDER BY ts_rank({TSVECTOR_SQL}, query) DESC, sources.id"
# the filters' SQL: fixed text, their values only as bind parameters
PERSPECTIVE_SQL = " AND sources.perspective = :perspective"
CASE_SQL = " AND sources.id IN (SELECT source_cases.source_id FROM source_cases WHERE source_cases.case_id = :case_id)"
SQLITE_RANKED = text(SQLITE_FROM + SQLITE_ORDER)
POSTGRES_RANKED = text(POSTGRES_FROM + POSTGRES_ORDER)


@dataclass(frozen=True)
class Query:
    """A parsed query: single words (prefixes) and phrases (words in order); every term must occur."""
    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class SearchFilter:
    """Empty means "any". ``coded``: True keeps only coded hits, False only hits no excerpt covers.
    ``blind_source_ids``/``viewer_id``: on these sources only the viewer's own codings count
    (``analysis.double_coding.blind_source_ids``)."""
    perspective: Perspective | None = None
    case_id: int | None = None
    coded: bool | None = None
    blind_source_ids: frozenset[int] = frozenset()
    viewer_id: int | None = None


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
    codes: tuple[str, ...] = ()  # keys of the codings on the excerpts covering the hit (as the viewer sees them)
    excerpt_id: int | None = None  # the narrowest covering excerpt
    sentence: tuple[int, int] = (0, 0)  # the sentence around the hit (``sentence_span``)

    @property
    def coded(self) -> bool:
        return bool(self.codes)


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: list[Hit]  # by source rank, then position
    sources_matched: int
    truncated: bool  # there were more hits than `limit`
    filters: SearchFilter = field(default_factory=SearchFilter)


def parse_query(query: str | None) -> Query:
    """The distinct words and phrases to search for, or InvalidInput (field ``q``)."""
    parts = QUOTE_RE.split(query or "")
    if len(parts) % 2 == 0:
        raise InvalidInput("A quotation mark is not closed: put one at each end of a phrase", "q")
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        found = WORD_RE.findall(part.lower())
        if i % 2:  # inside quotation marks
            if not found:
                raise InvalidInput("A phrase in quotation marks has no words", "q")
            phrase = tuple(found)
            if len(phrase) == 1 and len(phrase[0]) < MIN_WORD:
                continue
            if phrase not in phrases:
                phrases.append(phrase)
        else:
            words.extend(w for w in found if len(w) >= MIN_WORD and w not in words)
    if not words and not phrases:
        raise InvalidInput("Type at least one word of two letters or more", "q")
    if len(words) + sum(len(p) for p in phrases) > MAX_WORDS:
        raise InvalidInput("Search for at most {n} words at a time", "q", n=MAX_WORDS)
    return Query(tuple(words), tuple(phrases))


def stem(word: str) -> str:
    """A rough Danish stem: the first of ENDINGS stripped when at least MIN_STEM letters remain."""
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def _as_query(terms: Query | tuple[str, ...]) -> Query:
    return terms if isinstance(terms, Query) else Query(tuple(terms))


def fts5_match(terms: Query | tuple[str, ...]) -> str:
    q = _as_query(terms)
    return " AND ".join(['"' + " ".join(p).replace('"', '""') + '"' for p in q.phrases]
                        + ['"' + w.replace('"', '""') + '"*' for w in q.words])


def _pg_lexeme(word: str) -> str:
    return "'" + word.replace("'", "''") + "'"


def pg_tsquery(terms: Query | tuple[str, ...]) -> str:
    q = _as_query(terms)
    return " & ".join(["(" + " <-> ".join(_pg_lexeme(w) for w in p) + ")" for p in q.phrases]
                      + [_pg_lexeme(w) + ":*" for w in q.words])


def _phrase_word(word: str, stemmed: bool) -> str:
    """A word of a phrase: the whole word (SQLite), or a word starting with it or its stem (PostgreSQL)."""
    if not stemmed:
        return re.escape(word) + r"(?![^\W_])"
    prefixes = sorted({stem(word), word}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(p) for p in prefixes) + r")[^\W_]*"


def hit_pattern(terms: Query | tuple[str, ...], stemmed: bool) -> re.Pattern[str]:
    """One pattern for every term: phrases first (longest first), so a phrase is one hit, not its words."""
    q = _as_query(terms)
    alternatives = [r"[\W_]+".join(_phrase_word(w, stemmed) for w in p)
                    for p in sorted(q.phrases, key=len, reverse=True)]
    if q.words:
        prefixes = {stem(w) if stemmed else w for w in q.words} | set(q.words)
        alternatives.append("(?:" + "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
                            + r")[^\W_]*")
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})", re.IGNORECASE)


def ranked_source_ids(session: Session, project_id: int, terms: Query | tuple[str, ...],
                      filters: SearchFilter | None = None) -> list[int]:
    """Ids of the project's sources containing every term (a word as a prefix, a phrase in order) and
    passing the filter's perspective and case, best first."""
    q, f = _as_query(terms), filters or SearchFilter()
    if session.autoflush:  # a text() statement does not autoflush by itself
        session.flush()
    params: dict[str, object] = {"project_id": project_id}
    where = ""
    if f.perspective is not None:
        where += PERSPECTIVE_SQL
        params["perspective"] = Perspective(f.perspective).value
    if f.case_id is not None:
        where += CASE_SQL
        params["case_id"] = f.case_id
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        sql, params["match"] = SQLITE_FROM + where + SQLITE_ORDER, fts5_match(q)
    elif dialect == "postgresql":
        sql, params["tsquery"] = POSTGRES_FROM + where + POSTGRES_ORDER, pg_tsquery(q)
    else:
        raise NotImplementedError(f"full-text search on {dialect}")
    return [source_id for (source_id,) in session.execute(text(sql), params)]


# -- the coded marks -------------------------------------------------------------------------------

@dataclass
class _Spans:
    """One source's coded excerpts: (start, end, excerpt id, code keys), by start; the longest one's length."""
    starts: list[int]
    rows: list[tuple[int, int, int, set[str]]]
    longest: int = 0


def _natural(key: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in DIGITS.split(key)]


def coded_spans(session: Session, source_ids: Collection[int], f: SearchFilter) -> dict[int, _Spans]:
    """The coded excerpts of ``source_ids`` with their code keys, as the viewer may see them. SQLite: one
    join. PostgreSQL: the sources' excerpts, then their codings by an array of excerpt ids; for the join it
    estimated the codings too high and read all of them (a hash join over 290,000 codings: 90 ms, not 10)."""
    if not source_ids:
        return {}
    rows: Iterable[tuple[int, int, int, int, int, str]]  # source, excerpt, start, end, coder, code key
    if session.get_bind().dialect.name == "postgresql":
        spans_of = {excerpt_id: (source_id, start, end) for excerpt_id, source_id, start, end in session.execute(
            select(Excerpt.id, Excerpt.source_id, Excerpt.start_offset, Excerpt.end_offset)
            .where(Excerpt.source_id.in_(source_ids)))}
        codings = session.execute(
            select(Coding.excerpt_id, Coding.coder_id, Code.key).join(Code, Code.id == Coding.code_id)
            .where(Coding.excerpt_id == any_(bindparam("excerpt_ids", list(spans_of), type_=ARRAY(Integer)))))
        rows = ((*spans_of[e][:1], e, *spans_of[e][1:], coder, key) for e, coder, key in codings)
    else:
        rows = session.execute(
            select(Excerpt.source_id, Excerpt.id, Excerpt.start_offset, Excerpt.end_offset, Coding.coder_id, Code.key)
            .join(Coding, Coding.excerpt_id == Excerpt.id).join(Code, Code.id == Coding.code_id)
            .where(Excerpt.source_id.in_(source_ids)))
    blind = f.blind_source_ids  # another coder's codings on a blind source must neither mark nor select
    excerpts: dict[int, dict[int, tuple[int, int, set[str]]]] = {}
    for source_id, excerpt_id, start, end, coder_id, key in rows:
        if blind and source_id in blind and coder_id != f.viewer_id:
            continue
        excerpts.setdefault(source_id, {}).setdefault(excerpt_id, (start, end, set()))[2].add(key)
    spans = {}
    for source_id, by_id in excerpts.items():
        ordered = sorted(((s, e, i, keys) for i, (s, e, keys) in by_id.items()), key=lambda r: (r[0], r[1], r[2]))
        spans[source_id] = _Spans([r[0] for r in ordered], ordered, max(r[1] - r[0] for r in ordered))
    return spans


def _cover(spans: _Spans | None, start: int, end: int) -> tuple[tuple[str, ...], int | None]:
    """The code keys of the excerpts covering [start, end) and the narrowest one's id (``(), None``: none).
    A covering excerpt starts at most ``start`` and at least ``end - longest``: two bisections, not a
    pass over every excerpt before the hit (a transcript with 1,000 excerpts and as many hits)."""
    if spans is None:
        return (), None
    low, high = bisect_left(spans.starts, end - spans.longest), bisect_right(spans.starts, start)
    covering = [r for r in spans.rows[low:high] if r[1] >= end]
    if not covering:
        return (), None
    keys: set[str] = set().union(*(r[3] for r in covering))
    narrowest = min(covering, key=lambda r: (r[1] - r[0], r[2]))
    return tuple(sorted(keys, key=_natural)), narrowest[2]


def _mark(hit: Hit, spans: _Spans | None) -> Hit:
    codes, excerpt_id = _cover(spans, hit.start, hit.end)
    return replace(hit, codes=codes, excerpt_id=excerpt_id) if codes else hit


def marked(session: Session, hits: Iterable[Hit], f: SearchFilter) -> list[Hit]:
    """``hits`` with their coded marks (one query for all their sources)."""
    hits = list(hits)
    spans = coded_spans(session, {h.source_id for h in hits}, f)
    return [_mark(h, spans.get(h.source_id)) for h in hits]


# -- the search ------------------------------------------------------------------------------------

def search(session: Session, project_id: int, query: str | None, *, filters: SearchFilter | None = None,
           limit: int = 200, context: int = 60) -> SearchResult:
    f = filters or SearchFilter()
    terms = parse_query(query)
    ids = ranked_source_ids(session, project_id, terms, f)
    pattern = hit_pattern(terms, stemmed=session.get_bind().dialect.name == "postgresql")
    hits: list[Hit] = []
    truncated = False
    for first in range(0, len(ids), BATCH):
        chunk = ids[first:first + BATCH]
        by_id = {row[0]: row for row in session.execute(  # plain rows: the text the ranking saw, no ORM objects
            select(Source.id, Source.title, Source.perspective, Source.text).where(Source.id.in_(chunk)))}
        case_keys: dict[int, list[str]] = {}
        for source_id, key in session.execute(select(source_cases.c.source_id, Case.key)
                                              .join(Case, Case.id == source_cases.c.case_id)
                                              .where(source_cases.c.source_id.in_(list(by_id))).order_by(Case.key)):
            case_keys.setdefault(source_id, []).append(key)
        spans = coded_spans(session, list(by_id), f) if f.coded is not None else {}
        for source_id in chunk:
            row = by_id.get(source_id)  # None: deleted since the ranked query
            if row is None:
                continue
            source = _Text(source_id, row[1], str(Perspective(row[2]).value), tuple(case_keys.get(source_id, ())),
                           row[3])
            for found in pattern.finditer(source.text):
                marks: tuple[tuple[str, ...], int | None] = ((), None)
                if f.coded is not None:  # marked first: a hit the filter drops is not built
                    marks = _cover(spans.get(source_id), found.start(), found.end())
                    if bool(marks[0]) != f.coded:
                        continue
                if len(hits) == limit:
                    truncated = True
                    break
                hit = _hit(source, found.start(), found.end(), context)
                hits.append(replace(hit, codes=marks[0], excerpt_id=marks[1]) if marks[0] else hit)
            if truncated:
                break
        if truncated:
            break
    if f.coded is None:
        hits = marked(session, hits, f)
    return SearchResult((query or "").strip(), hits, len(ids), truncated, f)


@dataclass(frozen=True)
class _Text:
    """What a hit needs of its source."""
    id: int
    title: str
    perspective: str
    case_keys: tuple[str, ...]
    text: str


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around [start, end): from after the last ``. ? ! : newline`` before it to the next
    ``. ? ! newline`` after it (included), white space trimmed: what a coder codes from a hit."""
    first = max(text.rfind(mark, 0, start) for mark in (".", "?", "!", "\n", ":")) + 1
    ends = [i for i in (text.find(mark, end) for mark in (".", "?", "!", "\n")) if i >= 0]
    last = min(ends) + 1 if ends else len(text)
    while first < start and text[first].isspace():
        first += 1
    while last > end and text[last - 1].isspace():
        last -= 1
    return first, last


def _hit(source: _Text, start: int, end: int, context: int) -> Hit:
    body = source.text
    cut = max(0, start - context)
    before = body[cut:start]
    if cut > 0 and WORD_RE.match(body[cut - 1]):
        before = LEADING_PART.sub("", before)
    cut = min(len(body), end + context)
    after = body[end:cut]
    if cut < len(body) and WORD_RE.match(body[cut]):
        after = TRAILING_PART.sub("", after)
    return Hit(source_id=source.id, source_title=source.title, perspective=source.perspective,
               case_keys=source.case_keys, start=start, end=end,
               before=SPACES.sub(" ", before).lstrip(), match=body[start:end], after=SPACES.sub(" ", after).rstrip(),
               sentence=sentence_span(body, start, end))
