"""Fixtures the report-export tests share."""
from __future__ import annotations

import pytest

from tests.export.test_report_export import CHAIN_YAML


@pytest.fixture
def chains(app, demo, tmp_path):  # type: ignore[no-untyped-def]
    """The demo project with one saved chain, "Motivation" (H2.1 - ST.6 - E.1), loaded by the CLI."""
    source = tmp_path / "chains.yaml"
    source.write_text(CHAIN_YAML, encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["chains", "load", "demo", str(source)]).exit_code == 0
    return demo
