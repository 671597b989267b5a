"""Issue #22 items 8 and 11: a CSV table's columns and cells are capped, and a cell the csv module itself
refuses (over 131,072 characters) or one holding NUL is a problem with its line, not a 500. Pure tests of
``files/csv_tables``; the same tables through the bundle upload on both databases are in
tests/web/test_request_limits.py."""
from __future__ import annotations

import time

from bench import bombs
from casecoder.files.csv_tables import MAX_CELL, MAX_COLUMNS, MAX_LONG_CELL, Bundle, Problems, read_table


def read(data: bytes, file: str = "cases.csv", required=("case_key", "municipality"), optional=()):  # type: ignore[no-untyped-def]
    problems = Problems()
    table = read_table(Bundle({file: lambda: data}), file, required, optional, problems, extra_columns=True)
    return table, [p.render() for p in problems]


def test_fifteen_thousand_columns_are_refused_at_the_header():
    start = time.process_time()
    table, problems = read(bombs.wide_cases_csv(15_000))
    assert problems == [f"cases.csv, line 1: The first line names 15002 columns; a table may have at most "
                        f"{MAX_COLUMNS}"] and table.rows == []
    assert time.process_time() - start < 5  # (a sanity bound, not a benchmark: bench/hostile.py times it)
    assert read(bombs.wide_cases_csv(MAX_COLUMNS - 2))[1] == []


def test_long_cells_and_column_names_are_named():
    _, problems = read(f"case_key,municipality,{'n' * (MAX_CELL + 1)}\nF1,Nordby,x\n".encode())
    assert problems == [f"cases.csv, line 1, column 3: The cell is {MAX_CELL + 1} characters long; at most "
                        f"{MAX_CELL} are allowed"]
    _, problems = read(f"case_key,municipality\nF1,{'N' * (MAX_CELL + 5)}\nF2,Sydby\n".encode())
    assert problems == [f"cases.csv, line 2, column 2 (municipality): The cell is {MAX_CELL + 5} characters long; "
                        f"at most {MAX_CELL} are allowed"]


def test_quotes_and_memos_may_be_longer():
    quote = "ord " * 20_000
    table, problems = read(f'source_key,quote\nS1,"{quote}"\n'.encode(), "excerpts.csv", ("source_key",), ("quote",))
    assert problems == [] and table.rows[0].get("quote") == quote
    _, problems = read(f'source_key,quote\nS1,"{"x" * (MAX_LONG_CELL + 1)}"\n'.encode(), "excerpts.csv",
                       ("source_key",), ("quote",))
    assert problems == [f"excerpts.csv, line 2, column 2 (quote): The cell is {MAX_LONG_CELL + 1} characters long; "
                        f"at most {MAX_LONG_CELL} are allowed"]


def test_cells_over_the_csv_modules_own_limit_are_a_problem_not_an_error():
    for data in (f"case_key,municipality\nF1,{'x' * 140_000}\n".encode(),
                 f'case_key,municipality\nF1,"{"x" * 140_000}"\n'.encode(),
                 f"case_key,municipality,{'y' * 140_000}\nF1,N,z\n".encode()):
        _, problems = read(data)
        assert len(problems) == 1 and ("longer than" in problems[0] or "characters long" in problems[0]), problems


def test_a_nul_character_is_refused_with_its_place():
    _, problems = read(b"case_key,municipality\nF1,Nord\x00by\n")
    assert problems == ["cases.csv, line 2, column 2 (municipality): The cell holds a NUL character (U+0000), "
                        "which is not text"]
    _, problems = read(b"case_key,muni\x00cipality\nF1,Nordby\n")
    assert problems[0].startswith("cases.csv, line 1, column 2: The cell holds a NUL character")
