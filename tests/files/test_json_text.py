"""files/json_text.dumps writes what json.dumps(..., ensure_ascii=False, indent=2, sort_keys=True) writes."""
from __future__ import annotations

import json
import random

import pytest

from casecoder.files.json_text import dumps
from casecoder.files.tabular import json_bytes


def _standard(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def _random(rng: random.Random, depth: int) -> object:
    leaves = ["", "tekst", "æøå \"citat\" \\ \n\t\r\x00\x1f\u2028 😀", " ", 0, -7, 2**70, 2.5, -0.0, 1e-300, 1 / 3,
              float("nan"), float("inf"), -float("inf"), True, False, None]
    if depth <= 0 or rng.random() < 0.3:
        return rng.choice(leaves)
    if rng.random() < 0.5:
        return [_random(rng, depth - 1) for _ in range(rng.randint(0, 4))] if rng.random() < 0.8 else tuple(
            _random(rng, depth - 1) for _ in range(rng.randint(0, 3)))
    keys = rng.choice([["b", "a", "æ", "A", "", "10", "9"], [3, 1, 2], [2.5, 0.5], [True, False]])
    return {k: _random(rng, depth - 1) for k in rng.sample(keys, rng.randint(0, len(keys)))}


def test_the_same_text_as_json_dumps_for_random_data():
    rng = random.Random(5)
    for _ in range(500):
        data = _random(rng, 5)
        assert dumps(data) == _standard(data)
    for data in ({"x": {}, "y": [], "z": [[], {}]}, {None: 1}, "s", 3, [1, [2, [3]]]):
        assert dumps(data) == _standard(data)
    assert json_bytes({"a": [1, "ø"]}) == (_standard({"a": [1, "ø"]}) + "\n").encode("utf-8")


def test_what_json_refuses_is_refused():
    for data in ({"a": object()}, [b"bytes"], {(1, 2): 1}, {1, 2}):
        with pytest.raises(TypeError):
            _standard(data)
        with pytest.raises(TypeError):
            dumps(data)
