"""The search page through HTTP: phrases, the filters kept in the form, the coded marks (blind double
coding respected) and a clear message for bad input, never a 500. Both databases."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casecoder.models import Excerpt
from tests.analysis import test_agreement
from tests.analysis.test_search_filters import coded  # noqa: F401 - the fixture
from tests.conftest import login
from tests.factories import PASSWORD

double = test_agreement.double


def _hits(page: str) -> list[tuple[str, str]]:
    """(match, coded mark) of each hit row."""
    rows = re.findall(r'<tr class="hit[^"]*".*?</tr>', page, re.S)
    out = []
    for row in rows:
        match = re.search(r'<span class="match">(.*?)</span>', row, re.S).group(1)
        mark = re.search(r'class="coded-mark[^"]*"[^>]*>(.*?)</a>', row, re.S)
        out.append((match, mark.group(1) if mark else ""))
    return out


def test_phrase_filters_and_coded_marks_on_the_page(client, session, coded):  # noqa: F811
    project, owner, cases, sources = coded
    login(client, "olga", PASSWORD)
    url = f"/p/{project.slug}/search"
    response = client.get(url, query_string={"q": '"ringede tilbage"', "perspective": "family"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _hits(page) == [("ringede tilbage", "coded: H1.2, H2.1")]
    narrow = session.scalar(select(Excerpt.id).where(Excerpt.text == "ringede tilbage"))
    assert f"excerpt={narrow}" in page
    # the form keeps what was chosen
    assert 'value="&#34;ringede tilbage&#34;"' in page or "value='\"ringede tilbage\"'" in page
    assert re.search(r'<option selected value="family">|<option value="family" selected>', page)
    page = client.get(url, query_string={"q": "koordinator", "case": str(cases["S01"].id),
                                         "coded": "uncoded"}).get_data(as_text=True)
    assert _hits(page) == [("Koordinatoren", ""), ("koordinatoren", "")]
    assert re.search(rf'<option selected value="{cases["S01"].id}">', page)
    assert re.search(r'<option selected value="uncoded">', page)
    page = client.get(url, query_string={"q": "koordinator", "coded": "coded"}).get_data(as_text=True)
    assert _hits(page) == [("Koordinatoren", "coded: H1.2, H2.1")]


@pytest.mark.parametrize("args,message", [
    ({"q": '"ringede tilbage'}, "A quotation mark is not closed: put one at each end of a phrase"),
    ({"q": '""'}, "A phrase in quotation marks has no words"),
    ({"q": "a"}, "Type at least one word of two letters or more"),
    ({"q": "", "coded": "coded"}, "Type the words to search for"),
    ({"q": "koordinator", "case": "999999"}, "Not a valid choice"),
    ({"q": "koordinator", "case": "F01"}, "Not a valid choice"),
    ({"q": "koordinator", "perspective": "neither"}, "Not a valid choice"),
    ({"q": "koordinator", "coded": "maybe"}, "Not a valid choice"),
])
def test_bad_input_gets_a_message_next_to_the_field(client, coded, args, message):  # noqa: F811
    project = coded[0]
    login(client, "olga", PASSWORD)
    response = client.get(f"/p/{project.slug}/search", query_string=args)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error"' in page and message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'id="hits"' not in page
    if args["q"]:  # what was typed stays in the field
        assert "ringede tilbage" in page or args["q"] in page.replace("&#34;", '"')


def test_the_page_without_a_query_is_the_empty_form(client, coded):  # noqa: F811
    login(client, "olga", PASSWORD)
    response = client.get(f"/p/{coded[0].slug}/search")
    assert response.status_code == 200 and 'id="search-form"' in response.get_data(as_text=True)
    assert 'class="error"' not in response.get_data(as_text=True)


def test_a_blind_coder_does_not_learn_of_other_coders_excerpts(client, double):
    login(client, "anna", PASSWORD)
    query = {"q": '"gav ro"'}
    anna = _hits(client.get("/p/dbl/search", query_string=query).get_data(as_text=True))
    assert ("gav ro", "") in anna and not any(mark for _, mark in anna)  # bo's H1.1 in F03 stays hidden
    coded_only = client.get("/p/dbl/search", query_string={**query, "coded": "coded"}).get_data(as_text=True)
    assert _hits(coded_only) == []
    client.get("/auth/logout")
    login(client, "olga", PASSWORD)
    olga = _hits(client.get("/p/dbl/search", query_string=query).get_data(as_text=True))
    assert ("gav ro", "coded: H1.1") in olga
