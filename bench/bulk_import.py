"""Bulk import speed (issue #25): ``python bench/bulk_import.py --db both``.

Generates a synthetic project once (``bench/generate.py``, 100 cases, 300 transcripts, about 9,000
excerpts) on SQLite, writes it as a project bundle (.zip) and as a .qdpx, then imports each into a
fresh database of every kind asked for (a new project for the bundle, as a new user would; the .qdpx
always makes a new project) through the functions the CLI and the web's background job call, in
one transaction, and prints excerpts per second. ``--profile`` writes a cProfile of each import.
PostgreSQL's "server" CPU is the import's own backend: the search vectors of the new transcripts, computed
on a second connection meanwhile (models/derived/search_later.py, about 0.4 s here), are not in it.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import OWNER, SIZES, Size, generate  # noqa: E402
from bench.run import bench_app  # noqa: E402

SIZES["bulk"] = Size(100, 30, 120)  # 300 transcripts, about 9,000 excerpts


def make_files(seed: int) -> tuple[bytes, bytes]:
    """The bundle (.zip) and .qdpx of the generated project."""
    from casecoder.exchange.bundle_export import bundle_files
    from casecoder.exchange.refi.qdpx_write import write_qdpx
    from casecoder.files.ooxml import zip_files
    with bench_app("sqlite") as (_url, engine, _app), Session(engine, expire_on_commit=False) as session:
        t0 = time.perf_counter()
        project = generate(session, "bulk", seed, slug="bench", bulk=False)
        print(f"generated in {time.perf_counter() - t0:.1f} s", flush=True)
        return zip_files(bundle_files(session, project)), write_qdpx(session, project)


def server_cpu(session: Session) -> float | None:
    """CPU seconds so far of the PostgreSQL backend serving ``session`` (a server on this machine whose
    /proc we may read), else None."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    backend = session.scalar(text("SELECT pg_backend_pid()"))
    try:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def import_once(kind: str, what: str, data: bytes, profile: Path | None) -> tuple[float, float, float | None, int, int]:
    """Seconds, this process's CPU seconds, the PostgreSQL backend's CPU seconds (None: SQLite, or not
    readable), excerpts and codings of one import of ``data`` into a fresh database of ``kind``. CPU time
    is the work whatever the machine's load: SQLite runs in this process; on PostgreSQL it is both."""
    from casecoder.coding import accounts, projects
    from casecoder.exchange.bundle_import import import_bundle
    from casecoder.exchange.bundle_read import zip_bundle
    from casecoder.exchange.refi.qdpx_read import import_qdpx
    from casecoder.models import Coding, Excerpt, Project
    with bench_app(kind) as (_url, engine, _app), Session(engine, expire_on_commit=False) as session:
        owner = accounts.create_user(session, OWNER, "bench password 1234", language="en")
        session.commit()
        profiler = cProfile.Profile() if profile else None
        s0 = server_cpu(session)
        t0, c0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        if what == "bundle":
            project = projects.create_project(session, "Import", "import", None, owner)
            import_bundle(session, project, zip_bundle(data, 1 << 31), user=owner, max_bytes=1 << 30,
                          add_coders=True)  # the generated coders are not members of the new project
        else:
            project, _report = import_qdpx(session, data, "bench.qdpx", user=owner, max_bytes=1 << 30,
                                           max_unpacked=1 << 31)
        session.commit()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        s1 = server_cpu(session)
        server = s1 - s0 if s0 is not None and s1 is not None else None
        if profiler and profile:
            profiler.disable()
            pstats.Stats(profiler).dump_stats(str(profile))
        pid = session.scalar(select(Project.id).where(Project.slug == project.slug))
        n_excerpts = session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.project_id == pid)) or 0
        n_codings = session.scalar(select(func.count()).select_from(Coding).join(Excerpt).where(
            Excerpt.project_id == pid)) or 0
    return seconds, cpu, server, n_excerpts, n_codings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--what", choices=("bundle", "qdpx", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", help="folder to keep the generated files in between runs")
    parser.add_argument("--profile", help="folder for a cProfile dump of each import")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    whats = ["bundle", "qdpx"] if args.what == "both" else [args.what]
    cache = Path(args.cache) / f"casecoder-bulk-{args.seed}" if args.cache else None
    if cache and cache.with_suffix(".qdpx").is_file():
        bundle, qdpx = cache.with_suffix(".zip").read_bytes(), cache.with_suffix(".qdpx").read_bytes()
    else:
        bundle, qdpx = make_files(args.seed)
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.with_suffix(".zip").write_bytes(bundle)
            cache.with_suffix(".qdpx").write_bytes(qdpx)
    print(f"bundle {len(bundle) / 1e6:.1f} MB, qdpx {len(qdpx) / 1e6:.1f} MB")
    lines = [f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()} ({platform.machine()}, "
             f"Python {platform.python_version()})", "", "| database | file | excerpts | codings | seconds | excerpts/s | CPU s: this process | + server |"
             " excerpts per CPU s |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for kind in kinds:
        for what in whats:
            for n in range(args.repeat):
                profile = Path(args.profile) / f"{kind}-{what}-{n}.prof" if args.profile else None
                seconds, cpu, server, n_ex, n_cod = import_once(kind, what, bundle if what == "bundle" else qdpx,
                                                                profile)
                both = cpu + (server or 0)
                line = (f"| {kind} | {what} | {n_ex:,} | {n_cod:,} | {seconds:.2f} | {n_ex / seconds:,.0f} | {cpu:.2f} | "
                        f"{'' if server is None else f'{server:.2f}'} | {n_ex / both:,.0f} |")
                print(line, flush=True)
                lines.append(line)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
