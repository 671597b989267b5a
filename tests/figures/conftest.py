"""Every figure test starts with no kept figures (``casecoder.figures.memo``), so each one draws afresh."""
from __future__ import annotations

from typing import Iterator

import pytest

from casecoder.figures import memo


@pytest.fixture(autouse=True)
def fresh_figures() -> Iterator[None]:
    memo.clear()
    yield
