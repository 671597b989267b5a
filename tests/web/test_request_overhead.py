"""What every request pays once per process instead of each time (#25): Flask's ``ensure_sync`` answer per
function (app.py ``CasecoderFlask``)."""
from __future__ import annotations

from flask import Flask


def test_the_sync_answer_for_a_function_is_asked_once(app, monkeypatch):
    asked: list[object] = []
    real = Flask.ensure_sync

    def counted(self, func):  # type: ignore[no-untyped-def]
        asked.append(func)
        return real(self, func)
    monkeypatch.setattr(Flask, "ensure_sync", counted)

    def view() -> str:
        return "ok"
    assert app.ensure_sync(view) is view and app.ensure_sync(view) is view
    assert asked == [view]
    with app.test_client() as client:  # every hook of a request: answered from what the first request left
        client.get("/healthz")
        before = len(asked)
        assert client.get("/healthz").status_code == 200
        assert len(asked) == before
