"""Full-text search (analysis/search.py) on SQLite FTS5 and PostgreSQL, and its migration 0002."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from casecoder.analysis.search import POSTGRES_RANKED, Query, parse_query, search, stem
from casecoder.kernel.errors import InvalidInput
from casecoder.models import Base, Source, migrate
from casecoder.models.derived.search import FTS_TABLE, PG_INDEX
from casecoder.models.engine import make_engine
from tests.factories import Factory


def _project(factory, slug="proj"):
    project = factory.project(slug, codebook=False)
    return project, factory.case(project, "F01")


def _texts(result):
    return [(h.source_title, h.match) for h in result.hits]


def _assert_offsets(session, result):
    for hit in result.hits:
        body = session.get(Source, hit.source_id).text
        assert body[hit.start:hit.end] == hit.match


def test_hit_offsets_context_and_source_details(session, factory):
    project, case = _project(factory)
    body = ("Interviewer: Hvordan gik det?\n\nMor: Min koordinator ringede altid tilbage samme dag. "
            "Det gav ro, og koordinatoren kendte børnene.\n")
    source = factory.source(project, [case], body, perspective="system", title="Kommune 1")
    session.commit()
    result = search(session, project.id, "Koordinator", context=20)
    assert result.query == "Koordinator" and result.sources_matched == 1 and not result.truncated
    assert [h.match for h in result.hits] == ["koordinator", "koordinatoren"]
    first, second = result.hits
    assert body[first.start:first.end].lower().startswith("koordinator")
    assert first.start == body.index("koordinator") and first.end == first.start + len("koordinator")
    assert (first.source_id, first.source_title, first.perspective, first.case_keys) == \
        (source.id, "Kommune 1", "system", ("F01",))
    # cut at word boundaries, newlines shown as spaces
    assert first.before == "gik det? Mor: Min "
    assert first.after == " ringede altid"
    assert second.before == "dag. Det gav ro, og "
    assert second.after == " kendte børnene."
    assert search(session, project.id, "koordinator", context=0).hits[0].before == ""


def test_only_the_projects_own_sources(session, factory):
    mine, case = _project(factory, "mine")
    other, other_case = _project(factory, "other")
    factory.source(mine, [case], "Sagsbehandleren kom hjem til os.", title="Mine")
    factory.source(other, [other_case], "Sagsbehandleren ringede.", title="Other")
    session.commit()
    result = search(session, mine.id, "sagsbehandler")
    assert _texts(result) == [("Mine", "Sagsbehandleren")] and result.sources_matched == 1
    assert search(session, other.id, "hjem").hits == []


def test_several_words_must_all_occur_in_the_source(session, factory):
    project, case = _project(factory)
    factory.source(project, [case], "Skolen ringede om morgenen.", title="Both")
    factory.source(project, [case], "Skolen var lukket.", title="One")
    session.commit()
    result = search(session, project.id, "skolen, morgen!")
    assert result.sources_matched == 1
    assert _texts(result) == [("Both", "Skolen"), ("Both", "morgenen")]
    assert search(session, project.id, "skolen").sources_matched == 2


def test_danish_letters_are_letters_of_their_own(session, factory):
    project, case = _project(factory)
    factory.source(project, [case], "Børnene gik i skole. Vi så Ærø fra båden.")
    session.commit()
    assert [h.match for h in search(session, project.id, "børn").hits] == ["Børnene"]
    assert search(session, project.id, "BØRNENE").sources_matched == 1
    assert search(session, project.id, "bor").hits == []
    assert search(session, project.id, "ærø").hits[0].match == "Ærø"
    assert search(session, project.id, "baden").hits == []
    assert search(session, project.id, "båd").hits[0].match == "båden"


def test_inflected_forms_are_found(session, factory):
    project, case = _project(factory)
    factory.source(project, [case], "Familien flyttede. Andre familier blev boende.")
    session.commit()
    result = search(session, project.id, "familie")
    assert [h.match for h in result.hits] == ["Familien", "familier"]
    _assert_offsets(session, result)


def test_an_emoji_before_the_hit_keeps_code_point_offsets(session, factory):
    project, case = _project(factory)
    body = "Mor 😀👍🏽: vi fik hjælp 🎉 til børnene 💙 endelig."
    factory.source(project, [case], body)
    session.commit()
    result = search(session, project.id, "hjælp børn")
    assert [(h.start, h.end, h.match) for h in result.hits] == [
        (body.index("hjælp"), body.index("hjælp") + 5, "hjælp"),
        (body.index("børnene"), body.index("børnene") + 7, "børnene")]
    assert result.hits[1].before == "Mor 😀👍🏽: vi fik hjælp 🎉 til "
    assert result.hits[1].after == " 💙 endelig."


def test_updated_and_deleted_sources_follow_the_index(session, factory, db_url):
    project, case = _project(factory)
    source = factory.source(project, [case], "Hun talte med jobkonsulenten.")
    kept = factory.source(project, [case], "Jobkonsulenten og pædagogen.", title="Kept")
    session.commit()
    source.text = "Hun talte med pædagogen."
    session.commit()
    assert _texts(search(session, project.id, "jobkonsulent")) == [("Kept", "Jobkonsulenten")]
    assert search(session, project.id, "pædagog").sources_matched == 2
    session.delete(source)
    session.commit()
    assert _texts(search(session, project.id, "pædagog")) == [("Kept", "pædagogen")]
    if db_url.startswith("sqlite"):  # the external-content index agrees with the table
        assert session.execute(text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH 'pædagog*'")) \
            .scalars().all() == [kept.id]
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))
    session.execute(text("DELETE FROM projects WHERE id = :id"), {"id": project.id})  # cascades to sources
    session.commit()
    if db_url.startswith("sqlite"):
        assert session.execute(text(f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH 'pædagog*'")) \
            .scalar() == 0
        session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))


HOSTILE = ["'; drop table sources; --", '"', "*", '"børn', "børn*", "børn OR x", "NEAR(børn skole)", "text:børn",
           "^børn", "børn -skole", "\\", "%", "_", "'", "b''ørn", "(((", "børn AND", "ne'er", "-- børn",
           "\x00børn", "børn\u200b", "𝔟𝔬𝔯𝔫", "x" * 2000,
           "ø" * 3000, "og det", "i og børn"]


@pytest.mark.parametrize("query", HOSTILE)
def test_punctuation_and_sql_in_the_query_are_harmless(session, factory, query):
    project, case = _project(factory)
    factory.source(project, [case], "Børnene gik i skole.")
    session.commit()
    try:
        result = search(session, project.id, query)
    except InvalidInput as exc:
        assert exc.field == "q"
    else:
        assert all(h.match.lower().startswith("børn") or h.match.lower().startswith("skole") for h in result.hits)
    assert search(session, project.id, "skole").sources_matched == 1  # the table is still there


@pytest.mark.parametrize("query", ["", "   ", "a", "?!", "*", "a b c", "--", None, '"a"'])
def test_no_word_of_two_letters_is_invalid(session, factory, query):
    project, _ = _project(factory)
    with pytest.raises(InvalidInput) as raised:
        search(session, project.id, query)
    assert raised.value.field == "q"
    assert raised.value.template == "Type at least one word of two letters or more"


def test_parse_query():
    assert parse_query("  Børn, FAMILIE! børn 'x' \"mor og far\" 2024 a ") == Query(
        ("børn", "familie", "2024"), (("mor", "og", "far"),))
    assert parse_query('„Ringede  i dag“ “i dag” «ringede, i dag» x') == Query((), (("ringede", "i", "dag"), ("i", "dag")))
    with pytest.raises(InvalidInput) as raised:
        parse_query(" ".join(f"ord{i}" for i in range(11)))
    assert raised.value.params == {"n": 10}
    assert [stem(w) for w in ["børnene", "familien", "familie", "huset", "sagerne", "mors", "bor", "ene"]] == \
        ["børn", "famili", "famili", "hus", "sag", "mor", "bor", "ene"]


def test_limit_truncates_hits_in_rank_order(session, factory):
    project, case = _project(factory)
    factory.source(project, [case], "Et møde om mange andre ting, som skolen og familien og alt det andet.",
                   title="Few")
    factory.source(project, [case], "Møde møde møde møde møde møde møde, sagde hun om mødet.", title="Many")
    session.commit()
    result = search(session, project.id, "møde", limit=5)
    assert result.truncated and len(result.hits) == 5 and result.sources_matched == 2
    assert [h.source_title for h in result.hits] == ["Many"] * 5  # more occurrences rank first
    assert [h.start for h in result.hits] == sorted(h.start for h in result.hits)
    full = search(session, project.id, "møde")
    assert not full.truncated and len(full.hits) == 9
    assert not search(session, project.id, "møde", limit=9).truncated


OLD_BODY = "Sagsbehandleren kom på hjemmebesøg."


def _insert_at_0001(conn, body: str) -> None:
    conn.execute(text("INSERT INTO projects (id, slug, title, description, created_at) "
                      "VALUES (1, 'old', 'Old', '', CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO sources (id, project_id, title, perspective, text, original_filename, sha256, "
                      "memo, created_at) VALUES (7, 1, 'Old one', 'family', :body, '', 'x', '', CURRENT_TIMESTAMP)"),
                 {"body": body})


def _fts_objects(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'sources_fts%'")).scalars()
        else:
            names = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                      "AND indexname = :name"), {"name": PG_INDEX}).scalars()
        return set(names)


def test_migration_indexes_existing_sources_and_downgrades(db_url):
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as conn:
            _insert_at_0001(conn, OLD_BODY)
        migrate.upgrade(engine, "0002")
        assert migrate.current_revision(engine) == "0002"
        assert _fts_objects(engine)
        migrate.upgrade(engine)  # PostgreSQL: 0013 fills the stored vector of the existing transcript
        with Session(engine) as session:
            result = search(session, 1, "hjemmebesøg")
            assert [(h.source_id, h.source_title, h.start) for h in result.hits] == [(7, "Old one", OLD_BODY.index("hjemme"))]
            session.execute(text("UPDATE sources SET text = 'Nu uden besøg.' WHERE id = 7"))
            assert search(session, 1, "hjemmebesøg").hits == []
            assert search(session, 1, "uden").sources_matched == 1
            session.commit()
        migrate.downgrade(engine, "0001")
        assert _fts_objects(engine) == set()
        assert "sources" in inspect(engine).get_table_names()
        with engine.begin() as conn:  # no trigger left behind that points at a missing table
            conn.execute(text("UPDATE sources SET text = 'igen' WHERE id = 7"))
            conn.execute(text("DELETE FROM sources"))
        migrate.upgrade(engine)
        assert _fts_objects(engine)
    finally:
        engine.dispose()


def test_postgresql_search_vector_migration_and_downgrade(db_url):
    """0013 moves the GIN index from the expression to the stored column; down again, it is back."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite keeps FTS5")
    engine = make_engine(db_url)
    index = ("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ix_sources_fts'")
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as conn:
            _insert_at_0001(conn, OLD_BODY)
        migrate.upgrade(engine, "0012")
        with engine.connect() as conn:
            assert "to_tsvector" in conn.execute(text(index)).scalar()
        migrate.upgrade(engine, "0013")
        with engine.begin() as conn:
            assert "(search_vector)" in conn.execute(text(index)).scalar()
            assert conn.execute(text("SELECT search_vector = to_tsvector('danish', text) FROM sources")).scalar()
            conn.execute(text("UPDATE sources SET text = 'Nu kun et møde.' WHERE id = 7"))
            conn.execute(text("UPDATE sources SET title = 'Ny titel' WHERE id = 7"))
            assert conn.execute(text("SELECT search_vector = to_tsvector('danish', 'Nu kun et møde.'), "
                                     "search_vector @@ to_tsquery('danish', 'hjemmebesøg') FROM sources")).one() \
                == (True, False)
        migrate.downgrade(engine, "0012")
        with engine.connect() as conn:
            assert "to_tsvector" in conn.execute(text(index)).scalar()
            assert "search_vector" not in {c["name"] for c in inspect(conn).get_columns("sources")}
        migrate.upgrade(engine)
        with Session(engine) as session:
            assert search(session, 1, "møde").sources_matched == 1 and not search(session, 1, "hjemmebesøg").hits
    finally:
        engine.dispose()


def test_postgresql_uses_the_gin_index(db_url):
    """On a schema of its own (``db_url`` alone): the planner's choice must not depend on what earlier
    tests left in the reused schema's indexes (tests/fresh_db.py empties it by DELETE)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    engine = make_engine(db_url)
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            project, _ = _project(Factory(session))
            session.execute(text(
                "INSERT INTO sources (project_id, title, perspective, text, original_filename, sha256, "
                "memo, created_at) SELECT :id, 'T' || g, 'family', 'ord nummer ' || g, '', 'x', '', now() "
                "FROM generate_series(1, 3000) AS g"), {"id": project.id})
            session.execute(text("ANALYZE sources"))
            # the stored vectors make a scan of 3,000 short rows cheap enough for the planner to prefer it;
            # the point here is that the ranked query can use the index at all (a different expression could not)
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(session.execute(text("EXPLAIN " + POSTGRES_RANKED.text),
                                              {"tsquery": "'sjælden':*", "project_id": project.id}).scalars())
    finally:
        engine.dispose()
    assert PG_INDEX in plan


# -- phrases ---------------------------------------------------------------------------------------

PHRASE_TEXTS = {
    "Exact": "Mor: Koordinatoren ringede tilbage samme dag.",
    "Split": "Mor: Koordinatoren ringede, og hun kom tilbage.",
    "Turned": "Mor: Tilbage kom hun. Koordinatoren ringede.",
    "Newline": "Mor: Så ringede\nTILBAGE koordinatoren.",
}


def test_a_phrase_finds_only_its_words_in_order_and_is_one_hit(session, factory):
    project, case = _project(factory)
    for title, body in PHRASE_TEXTS.items():
        factory.source(project, [case], body, title=title)
    session.commit()
    result = search(session, project.id, '"ringede tilbage" koordinator')
    assert sorted({h.source_title for h in result.hits}) == ["Exact", "Newline"] and result.sources_matched == 2
    assert sorted(_texts(result)) == [("Exact", "Koordinatoren"), ("Exact", "ringede tilbage"),
                                      ("Newline", "koordinatoren"), ("Newline", "ringede\nTILBAGE")]
    _assert_offsets(session, result)
    exact = next(h for h in result.hits if h.match == "ringede tilbage")
    assert (exact.before, exact.after) == ("Mor: Koordinatoren ", " samme dag.")
    # without quotes the words may be anywhere in the transcript, each its own hit
    loose = search(session, project.id, "ringede tilbage")
    assert loose.sources_matched == 4 and ("Split", "ringede") in _texts(loose)
    # typographic quotation marks, as Word writes them
    assert sorted({h.source_title for h in search(session, project.id, "„ringede tilbage“").hits}) == ["Exact", "Newline"]
    assert search(session, project.id, '"tilbage ringede"').hits == []


def test_a_phrase_holds_whole_words_on_sqlite_and_forms_on_postgresql(session, factory, db_url):
    project, case = _project(factory)
    factory.source(project, [case], "Hun ringer tilbage i morgen.", title="Forms")
    factory.source(project, [case], "Hun ringede tilbagevendende.", title="Longer")
    session.commit()
    titles = {h.source_title for h in search(session, project.id, '"ringer tilbage"').hits}
    assert titles == {"Forms"}
    if db_url.startswith("sqlite"):  # FTS5: the phrase's tokens exactly
        assert search(session, project.id, '"ringer tilbag"').hits == []
    else:  # the Danish stemmer: "ring tilbage" also finds "ringer tilbage", marked as one hit
        assert _texts(search(session, project.id, '"ring tilbage"')) == [("Forms", "ringer tilbage")]


@pytest.mark.parametrize("query,message", [
    ('"ringede tilbage', "A quotation mark is not closed: put one at each end of a phrase"),
    ('ringede" tilbage', "A quotation mark is not closed: put one at each end of a phrase"),
    ('"a" "b" "c', "A quotation mark is not closed: put one at each end of a phrase"),
    ('""', "A phrase in quotation marks has no words"),
    ('koordinator " "', "A phrase in quotation marks has no words"),
    ('koordinator "?!"', "A phrase in quotation marks has no words"),
    ('"' + " ".join(f"ord{i}" for i in range(11)) + '"', "Search for at most {n} words at a time"),
])
def test_bad_phrases_are_refused_with_a_message(session, factory, query, message):
    project, case = _project(factory)
    factory.source(project, [case], "Koordinatoren ringede tilbage.")
    session.commit()
    with pytest.raises(InvalidInput) as raised:
        search(session, project.id, query)
    assert (raised.value.field, raised.value.template) == ("q", message)


def test_stop_words_inside_a_phrase(session, factory, db_url):
    project, case = _project(factory)
    factory.source(project, [case], "Vi fik hjælp og støtte fra kommunen.", title="Yes")
    factory.source(project, [case], "Vi fik hjælp, men ikke støtte.", title="No")
    session.commit()
    assert _texts(search(session, project.id, '"hjælp og støtte"')) == [("Yes", "hjælp og støtte")]
    # PostgreSQL drops a phrase of stop words only; the other terms still choose the transcripts
    assert {h.match for h in search(session, project.id, '"og" kommunen').hits} == {"og", "kommunen"}
