"""Danish and English: both catalogs complete, compiled catalogs current, both languages render."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from casecoder.models import User
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "casecoder" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "InvalidInput": None}
METHODS = [("casecoder/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS,
            callback=None, strip_comment_tags=False, directory_filter=lambda d: "demo" not in d
            and not Path(d).name.startswith(".")):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_catalog_translates_every_string_in_the_code(lang):
    wanted = source_messages()
    assert len(wanted) > 100
    cat = catalog(lang)
    def translated(m: str) -> bool:
        string = cat[m].string if m in cat else ""
        return all(string) if isinstance(string, tuple) else bool(string)

    missing = sorted(m for m in wanted if not translated(m))
    assert not missing, f"untranslated in {lang} (run scripts/i18n and translate): {missing[:10]}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy


def test_danish_differs_from_english_where_it_should():
    cat = catalog("da")
    same = [m.id for m in cat if m.id and m.string == m.id and len(m.id) > 12]
    assert len(same) < 3, same


@pytest.mark.parametrize("lang", ["da", "en"])
def test_compiled_catalog_matches_its_source(lang):
    buffer = io.BytesIO()
    write_mo(buffer, catalog(lang))
    compiled = (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled == buffer.getvalue(), "run scripts/i18n to recompile"


def test_login_page_in_both_languages(client):
    assert "Log ind" in client.get("/auth/login").get_data(as_text=True)  # Danish by default
    token = csrf_token(client)
    client.post("/language", data={"language": "en", "csrf_token": token, "next": "/auth/login"})
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Log in" in page and "Log ind" not in page
    assert '<html lang="en">' in page


def test_language_choice_is_stored_on_the_user(client, factory, session):
    project, owner, _excerpt = factory.coded_project("proj")
    owner.language = "da"
    session.commit()
    login(client, owner.username, PASSWORD)
    page = client.get("/p/proj/").get_data(as_text=True)
    assert "1 sag i 1 kommune" in page
    token = csrf_token(client, "/p/proj/")
    response = client.post("/language", data={"language": "en", "csrf_token": token, "next": "/p/proj/"})
    assert response.headers["Location"] == "/p/proj/"
    assert "1 case in 1 municipality" in client.get("/p/proj/").get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(User.language).where(User.id == owner.id)) == "en"


def test_error_messages_from_the_core_are_translated(client, factory, session):
    project, owner, _excerpt = factory.coded_project("proj")
    owner.language = "da"
    session.commit()
    login(client, owner.username, PASSWORD)
    token = csrf_token(client, "/p/proj/members")
    page = client.post("/p/proj/members", data={"csrf_token": token, "username": "ghost", "role": "coder"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "ghost" in text and "There is no user named" not in text
