"""Chains through HTTP and the CLI: preview, save, page, figure, duplicate, delete, YAML, export."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from casecoder.models import AuditEvent, Chain
from tests.conftest import csrf_token

BODY = {"title": "Hørt → samarbejde", "caption": "Familieinterview", "scope": "pooled",
        "keys": ["ST.1", "ST.2", "E.1"], "arrows": ["both-and", "and-or"]}


def test_preview_save_page_figure_duplicate_delete(client, demo, session):
    headers = {"X-CSRFToken": csrf_token(client, "/p/demo/chains")}
    preview = client.post("/api/p/demo/chains/preview", json=BODY, headers=headers).get_json()
    assert preview["formula"] == "(ST.1 ∧ ST.2) ∨ E.1" and preview["N"] == 9
    flipped = client.post("/api/p/demo/chains/preview", json={**BODY, "arrows": ["and-or", "and-or"]},
                          headers=headers).get_json()
    assert flipped["combination"]["n"] >= preview["combination"]["n"]
    svg = client.post("/api/p/demo/chains/preview.svg", json=BODY, headers=headers)
    assert svg.status_code == 200 and b"<svg" in svg.data
    bad = client.post("/api/p/demo/chains/preview", json={**BODY, "arrows": ["both-and"]}, headers=headers)
    assert bad.status_code == 400 and "needs 2 arrows" in bad.get_json()["error"]
    saved = client.post("/api/p/demo/chains", json=BODY, headers=headers)
    assert saved.status_code == 201
    chain_id = saved.get_json()["id"]
    page = client.get(f"/p/demo/chains/{chain_id}").get_data(as_text=True)
    assert "(ST.1 ∧ ST.2) ∨ E.1" in page and f"{preview['combination']['n']}/9" in page
    figure = client.get(f"/p/demo/figures/chain-{chain_id}.svg")
    assert figure.status_code == 200 and figure.data == client.get(f"/p/demo/figures/chain-{chain_id}.svg").data
    assert client.post("/api/p/demo/chains", json=BODY, headers=headers).status_code == 400  # same title
    token = csrf_token(client, f"/p/demo/chains/{chain_id}")
    copy = client.post(f"/p/demo/chains/{chain_id}/duplicate", data={"csrf_token": token})
    assert copy.status_code == 302
    titles = set(session.scalars(select(Chain.title)))
    assert titles == {"Hørt → samarbejde", "Hørt → samarbejde (2)"}
    assert client.post(f"/p/demo/chains/{chain_id}/delete", data={"csrf_token": token}).status_code == 302
    session.expire_all()
    assert set(session.scalars(select(Chain.title))) == {"Hørt → samarbejde (2)"}
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "chain")
                              .order_by(AuditEvent.id)).all()
    assert actions == ["create", "create", "delete"]
    listing = client.get("/p/demo/chains?end=E.1&scope=pooled").get_data(as_text=True)
    assert 'id="suggestions"' in listing


def test_cli_chains_load_dump_and_export(app, demo, session, tmp_path):
    runner = app.test_cli_runner()
    source = tmp_path / "chains.yaml"
    source.write_text("- title: Motivation\n  caption: Familieinterview\n  scope: family\n"
                      "  nodes: [H2.1, ST.6, E.1]\n  arrows: [both-and, and-or]\n", encoding="utf-8")
    assert runner.invoke(args=["chains", "load", "demo", str(source)]).exit_code == 0
    dumped = tmp_path / "out.yaml"
    assert runner.invoke(args=["chains", "dump", "demo", str(dumped)]).exit_code == 0
    assert "H2.1" in dumped.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- title: X\n  nodes: [H2.1]\n  arrows: []\n", encoding="utf-8")
    result = runner.invoke(args=["chains", "load", "demo", str(broken)])
    assert result.exit_code != 0 and "chain 1" in result.output
    out = tmp_path / "bundle"
    result = runner.invoke(args=["export", "chain", "demo", "Motivation", "--out", str(out), "--language", "da"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((out / "data.csv").read_text(encoding="utf-8-sig"))))
    assert [r["code_key"] for r in rows] == ["H2.1", "ST.6", "E.1", "combination"]
    assert rows[-1]["label"] == "(H2.1 ∧ ST.6) ∨ E.1"
    assert all(r["N"] == "5" for r in rows)  # family scope: five cases have a family interview
    for name in ("figure.svg", "figure.png", "figure.pdf", "spec.json", "README.txt", "data.json"):
        assert (out / name).exists(), name
    assert json.loads((out / "spec.json").read_text())["kind"] == "chain"
    assert "stiplet pil: både-og" in (out / "README.txt").read_text(encoding="utf-8")
    missing = runner.invoke(args=["export", "chain", "demo", "Nope", "--out", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no chain titled" in missing.output
