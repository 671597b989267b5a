"""The app's JSON written by orjson (web/json_provider.py, #25): the same data as Flask's own provider wrote,
keys sorted, Danish text as UTF-8, ``tojson`` still safe inside a page, and what orjson cannot write written
or refused as before."""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import uuid

import pytest
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from casecoder.web.json_provider import FastJSONProvider


@dataclasses.dataclass
class Row:
    key: str
    n: int


SAMPLES = [
    {"b": 1, "a": "Ærø, søster å", "c": [1, 2.5, None, True, False], "d": {"z": {"y": []}}},
    {1: "one", 10: "ten", 2: "two"},  # number keys: strings, sorted as json sorts them
    (1, "to", ("tre",)),
    {"date": datetime.date(2026, 12, 6), "at": datetime.datetime(2026, 12, 6, 1, 2, 3, tzinfo=datetime.timezone.utc)},
    {"row": Row("H1.1", 3), "html": Markup("<b>fed</b>"), "id": uuid.UUID(int=7), "amount": decimal.Decimal("1.50")},
    {"line": "a\u2028b\u2029c", "emoji": "👪", "quote": "\"'\\", "nul": "\t\n"},
    2**70,  # over 64 bits: written by the standard library
]


@pytest.fixture
def providers(app):  # type: ignore[no-untyped-def]
    assert isinstance(app.json, FastJSONProvider)
    return app.json, DefaultJSONProvider(app)


@pytest.mark.parametrize("sample", SAMPLES, ids=range(len(SAMPLES)))
def test_the_same_data_as_flasks_own_provider(providers, sample):  # type: ignore[no-untyped-def]
    fast, flask_own = providers
    written = fast.dumps(sample)
    assert json.loads(written) == json.loads(flask_own.dumps(sample))
    if isinstance(sample, dict) and all(isinstance(k, str) for k in sample):
        assert list(json.loads(written)) == sorted(sample)


def test_number_keys_are_written_as_strings_and_sorted_as_such(providers):  # type: ignore[no-untyped-def]
    fast, _ = providers
    assert fast.dumps({10: "ti", 2: "to", 1: "en"}) == '{"1":"en","10":"ti","2":"to"}'


def test_danish_text_goes_out_as_utf8(app, providers):  # type: ignore[no-untyped-def]
    fast, _ = providers
    assert fast.dumps({"ord": "æøå"}) == '{"ord":"æøå"}'
    with app.app_context():
        response = fast.response({"ord": "æøå", "n": 1})
    assert response.content_type == "application/json"  # UTF-8 by definition (RFC 8259)
    assert response.get_data() == '{"n":1,"ord":"æøå"}\n'.encode()


def test_tojson_in_a_page_stays_safe_and_compact(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        page = app.jinja_env.from_string("<script type=application/json>{{ d|tojson }}</script>").render(
            d={"x": "</script><b>&'æ", "a": 1})
    assert page == '<script type=application/json>{"a":1,"x":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027æ"}</script>'


def test_what_nobody_can_write_is_refused_as_before(providers):  # type: ignore[no-untyped-def]
    fast, _ = providers
    with pytest.raises(TypeError, match="not JSON serializable"):
        fast.dumps({"x": object()})
    assert fast.dumps([1], indent=2) == "[\n  1\n]"  # options of its own: Flask's provider
