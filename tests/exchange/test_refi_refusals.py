"""REFI-QDA: hostile and broken archives are refused with a message naming what was wrong; the command line
exports and imports .qdpx and .qdc (split from test_refi.py)."""
from __future__ import annotations

import pytest

from casecoder.exchange.refi.archive import open_qdpx
from casecoder.exchange.refi.qdpx_read import import_qdpx
from casecoder.kernel.errors import InvalidInput
from tests.exchange.test_refi import qde, qdpx
from tests.fresh_db import demo_project

# -- refusals ------------------------------------------------------------------------------------

def test_zip_slip_and_absolute_paths_are_refused():
    for bad in ("../evil.txt", "sources/../../evil.txt", "/etc/passwd", "C:/x.txt", "..\\evil.txt"):
        with pytest.raises(InvalidInput, match="absolute path or '..'"):
            open_qdpx(qdpx({"project.qde": qde(""), bad: b"x"}), "bad.qdpx")


def test_decompression_bombs_and_too_many_entries_are_refused():
    bomb = qdpx({"project.qde": qde(""), "sources/zeros.txt": b"\0" * (3 * 1024 * 1024)})
    assert len(bomb) < 20_000
    with pytest.raises(InvalidInput, match="unpacks to more than 1 MB"):
        open_qdpx(bomb, "bomb.qdpx", max_unpacked=1024 * 1024)
    many = qdpx({f"sources/{n}.txt": b"x" for n in range(30)})
    with pytest.raises(InvalidInput, match="holds 30 files; at most 20"):
        open_qdpx(many, "many.qdpx", max_entries=20)


def test_broken_archives_and_xml_are_refused(session):
    with pytest.raises(InvalidInput, match="not a valid .zip"):
        import_qdpx(session, b"not a zip", "x.qdpx", user=None)
    with pytest.raises(InvalidInput, match="exactly one .qde"):
        import_qdpx(session, qdpx({"a.qde": qde(""), "b.qde": qde("")}), "x.qdpx", user=None)
    with pytest.raises(InvalidInput, match="not well-formed XML: line 1"):
        import_qdpx(session, qdpx({"project.qde": b"<Project><Sources></Project>"}), "x.qdpx", user=None)
    with pytest.raises(InvalidInput, match="not well-formed XML: line 1, column 18: undefined entity"):  # no DOCTYPE
        import_qdpx(session, qdpx({"project.qde": b'<Project name="x">&a;</Project>'}), "x.qdpx", user=None)
    entity = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project name="x">&a;</Project>'
    with pytest.raises(InvalidInput, match="entities"):
        import_qdpx(session, qdpx({"project.qde": entity}), "x.qdpx", user=None)


# -- command line --------------------------------------------------------------------------------

def test_cli_export_and_import(runner, session, demo_data, tmp_path):
    demo_project(session)
    session.commit()
    result = runner.invoke(args=["export-qdpx", "demo", str(tmp_path / "demo.qdpx")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["export-qdc", "demo", str(tmp_path / "demo.qdc"), "--language", "en"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["import-qdpx", str(tmp_path / "demo.qdpx"), "--name", "Kopi af demo"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "kopi-af-demo"
    assert "Writing excerpts" in result.stderr  # the progress bar (only its label when not on a terminal)
    assert "Imported: 54 codes" in result.output and "60 excerpts, 145 codings, 9 cases" in result.output
    result = runner.invoke(args=["import-qdc", "kopi-af-demo", str(tmp_path / "demo.qdc"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 code(s) would be added" in result.output
    result = runner.invoke(args=["import-qdpx", str(tmp_path / "demo.qdc")])
    assert result.exit_code != 0 and "not a valid .zip" in result.output
