"""Danish and English: both catalogs complete, compiled catalogs current, both languages render, and the
catalogs are the one place for translations (no hand-written Danish/English dicts of texts in the code)."""
from __future__ import annotations

import ast
import io
import re
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
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_gettext": None,
            "_l": None, "N_": None, "InvalidInput": None}
METHODS = [("casecoder/**.py", "python"), ("templates/**.html", "jinja2")]


def source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every text marked for translation in the code and the templates."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS,
            callback=None, strip_comment_tags=False, directory_filter=lambda d: "demo" not in d
            and not Path(d).name.startswith(".")):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_catalog_translates_every_string_in_the_code(lang):
    wanted = source_messages()
    assert len(wanted) > 100
    cat = catalog(lang)
    def translated(key: tuple[str | None, str]) -> bool:
        message = cat.get(key[1], context=key[0])
        string = message.string if message else ""
        return all(string) if isinstance(string, tuple) else bool(string)

    missing = sorted((m for m in wanted if not translated(m)), key=str)
    assert not missing, f"untranslated in {lang} (run scripts/i18n and translate): {missing[:10]}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy


def _holds_text(node: ast.expr) -> bool:
    """A non-empty string literal, or a dict, tuple or list holding one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value)
    if isinstance(node, ast.Dict):
        return any(_holds_text(v) for v in node.values)
    if isinstance(node, (ast.Tuple, ast.List)):
        return any(_holds_text(v) for v in node.elts)
    if isinstance(node, ast.BinOp):  # "..." + "..."
        return _holds_text(node.left) or _holds_text(node.right)
    return False


def _is_text(node: ast.expr) -> bool:
    """A string literal or f-string that is not just a language code."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in ("", "da", "en")


def language_dicts(source: str) -> list[int]:
    """Lines of texts per language written out in the code: ``{"da": "...", "en": "..."}``-style dicts
    and ``"..." if lang == "da" else "..."``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if {"da", "en"} <= keys and any(_holds_text(v) for k, v in zip(node.keys, node.values)
                                           if isinstance(k, ast.Constant) and k.value in ("da", "en")):
                lines.append(node.lineno)
        elif isinstance(node, ast.IfExp) and isinstance(node.test, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in ("da", "en") for c in node.test.comparators):
            if _is_text(node.body) and _is_text(node.orelse):
                lines.append(node.lineno)
    return lines


def test_language_dicts_are_found():
    assert language_dicts('TEXT = {"da": {"title": "Titel"}, "en": {"title": "Title"}}') == [1]
    assert language_dicts('x = 1\nINTRO = {"en": "Interviewee", "da": "Interviewperson", "de": "?"}') == [2]
    assert language_dicts('COLUMNS = {"da": ("Kode",), "en": ("Code",)}') == [1]
    assert language_dicts('text = " (ingen F)" if lang == "da" else " (no F)"') == [1]
    assert language_dicts('share = f"{n} %" if lang == "da" else f"{n}%"') == [1]
    assert language_dicts('{"da": "", "en": ""}; {"da": q.intro("da"), "en": q.intro("en")}') == []
    assert language_dicts('other = "en" if lang == "da" else "da"; x = c.label_en if lang == "en" else c.label_da') == []


def test_no_texts_per_language_outside_the_catalogs():
    """Texts are English in the code and translated through the .po catalogs (casecoder.kernel.translate
    outside Flask), never picked from a dict of Danish and English texts."""
    found = {f"{path.relative_to(ROOT)}:{line}" for path in sorted((ROOT / "casecoder").rglob("*.py"))
             for line in language_dicts(path.read_text(encoding="utf-8"))}
    assert not found, f"move these texts into the catalogs (see casecoder/kernel/translate.py): {sorted(found)}"


def test_danish_differs_from_english_where_it_should():
    cat = catalog("da")
    words = re.compile(r"\{[^}]*\}|%\([^)]*\)[sd]")  # placeholders are not words to translate
    same = [m.id for m in cat if m.id and m.string == m.id and len(m.id) > 12
            and re.search(r"[A-Za-z]", words.sub("", m.id))]
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
