"""How fast this machine is right now: ``python bench/machine_speed.py [--pg URL]``.

This VM's speed drifts by up to 2x within minutes (docs/benchmarks.md), so a figure from one run says little
without the machine's state beside it. Three probes, each the best of several tries so that a moment's hiccup
does not count: pure Python (a fixed loop of dict and string work, ms), a wake-up (a byte sent to a thread and
back through two pipes, µs: what every request pays between client, server and database) and, with a
PostgreSQL URL, a durable commit (an INSERT in autocommit, ms). ``pages.py`` and ``create_path.py`` print the
line at their start; compare runs only where these agree.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time


def python_ms(tries: int = 5) -> float:
    """The best time of a fixed pure-Python workload (dicts, strings, a sort), in ms."""
    best = float("inf")
    for _ in range(tries):
        t0 = time.perf_counter()
        rows = [{"key": f"H{i % 7}.{i % 13}", "n": i, "text": "æøå " * (i % 5)} for i in range(40_000)]
        rows.sort(key=lambda r: (r["key"], -r["n"]))
        "".join(r["key"] + r["text"] for r in rows)
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def wake_up_us(rounds: int = 2000) -> float:
    """The median round trip of one byte to a thread blocked in ``read`` and back, in µs."""
    there_r, there_w = os.pipe()
    back_r, back_w = os.pipe()

    def echo() -> None:
        while os.read(there_r, 1) == b"x":
            os.write(back_w, b"x")
    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        os.write(there_w, b"x")
        os.read(back_r, 1)
        times.append(time.perf_counter() - t0)
    os.write(there_w, b"q")
    thread.join(5)
    for fd in (there_r, there_w, back_r, back_w):
        os.close(fd)
    return statistics.median(times) * 1e6


def commit_ms(url: str, rounds: int = 200) -> float:
    """The median time of a durable one-row INSERT on PostgreSQL (a temporary table, autocommit), in ms."""
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_machine_speed (n integer)")
        times = []
        try:
            for n in range(rounds):
                t0 = time.perf_counter()
                conn.execute("INSERT INTO bench_machine_speed VALUES (%s)", (n,))
                times.append(time.perf_counter() - t0)
        finally:
            conn.execute("DROP TABLE bench_machine_speed")
    return statistics.median(times) * 1000


def line(pg_url: str | None = None) -> str:
    """One line with the probes, to print beside a benchmark's figures."""
    parts = [f"python {python_ms():.1f} ms", f"wake-up {wake_up_us():.0f} µs"]
    if pg_url:
        parts.append(f"PostgreSQL commit {commit_ms(pg_url):.2f} ms")
    return f"machine speed ({time.strftime('%H:%M:%S', time.gmtime())} UTC): " + ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", help="a PostgreSQL URL for the commit probe")
    args = parser.parse_args(argv)
    print(line(args.pg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
