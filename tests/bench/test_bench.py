"""Smoke test of the benchmark kit (bench/): the generator is deterministic and both of its load paths
store the same data; bench/run.py runs end to end and writes its table. No timing assertions."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.generate import content_hash, counts, generate

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_content_on_both_load_paths(session) -> None:  # type: ignore[no-untyped-def]
    core = generate(session, "tiny", seed=7, slug="core", bulk=False)
    bulk = generate(session, "tiny", seed=7, slug="bulk", bulk=True)
    other = generate(session, "tiny", seed=8, slug="other", bulk=True)
    made = counts(session, core)
    assert made["cases"] == 6 and made["sources"] == 18 and made["codings"] > made["excerpts"] > 0
    assert counts(session, bulk) == made
    assert content_hash(session, core) == content_hash(session, bulk)
    assert content_hash(session, other) != content_hash(session, core)


def test_generate_twice_same_hash(session) -> None:  # type: ignore[no-untyped-def]
    first = content_hash(session, generate(session, "tiny", seed=3, slug="first", bulk=True))
    assert content_hash(session, generate(session, "tiny", seed=3, slug="second", bulk=True)) == first


def test_run_quick_writes_the_table(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--size", "tiny", "--quick",
                             "--repeat", "1", "--db", "sqlite", "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    table = out.read_text(encoding="utf-8")
    assert "| database | size | benchmark | median | min–max | runs | note |" in table
    for name in ("create excerpt via API", "tally of the whole codebook", "transcript page with",
                 "chain count", "export: tally bundle", "search 'koordinator'", "bench/server.py"):
        assert name in table, name
    assert "| sqlite | tiny |" in table


def test_write_out_replaces_only_its_marked_section(tmp_path: Path) -> None:
    from bench.run import BEGIN, END, write_out
    path = tmp_path / "benchmarks.md"
    write_out(path, f"{BEGIN}\nfirst run\n{END}")
    assert path.read_text(encoding="utf-8") == f"# Benchmarks\n\n{BEGIN}\nfirst run\n{END}\n"
    path.write_text(f"# Benchmarks\n\nStatus by hand.\n\n{BEGIN}\nfirst run\n{END}\n\n## Server, by hand\n", encoding="utf-8")
    write_out(path, f"{BEGIN}\nsecond run\n{END}")
    assert path.read_text(encoding="utf-8") == (f"# Benchmarks\n\nStatus by hand.\n\n{BEGIN}\nsecond run\n{END}\n\n"
                                                "## Server, by hand\n")


def test_machine_speed_probes_the_machine_and_the_database(engine) -> None:  # type: ignore[no-untyped-def]
    import re

    from bench import machine_speed
    url = engine.url.render_as_string(hide_password=False)
    said = machine_speed.line(url if url.startswith("postgresql") else None)
    assert re.fullmatch(r"machine speed \(\d\d:\d\d:\d\d UTC\): python [\d.]+ ms, wake-up \d+ µs"
                        r"(, PostgreSQL commit [\d.]+ ms)?", said), said
    assert ("PostgreSQL commit" in said) == url.startswith("postgresql")
