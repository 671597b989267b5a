"""Export speed and memory (issue #25): ``python bench/exports.py --url URL [--what bundle,qdpx]``.

Exports an existing project (by default the one of ``bench/pages.py --size large --keep DIR``:
``--url sqlite:///DIR/pages-large.sqlite``, or a PostgreSQL URL with ``-csearch_path=pages_large``)
as a project bundle (.zip) and as a .qdpx through the functions the web's download routes call,
each in a fresh child process, and prints seconds, CPU seconds, peak RSS (the child's ``ru_maxrss``),
the size, excerpts per second and the sha256 of the bytes (the same data must give the same bytes).
Nothing is written to the database but the codes' GUIDs, which a .qdpx export stores first anyway.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

WHAT = ("bundle", "qdpx")


def export_once(url: str, what: str, slug: str, profile: str | None) -> dict[str, object]:
    """One export in this process: its figures."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from casecoder.exchange.bundle_export import bundle_files, zip_bytes
    from casecoder.exchange.refi.qdc import ensure_guids
    from casecoder.exchange.refi.qdpx_write import write_qdpx
    from casecoder.models import Excerpt, Project
    from casecoder.models.engine import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        project = session.scalars(select(Project).where(Project.slug == slug)).one()
        excerpts = session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.project_id == project.id))
        ensure_guids(session, project)  # stored once, so every run gives the same bytes
        session.commit()
        run = (lambda: zip_bytes(bundle_files(session, project))) if what == "bundle" else (
            lambda: write_qdpx(session, project))
        profiler = None
        if profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        data = run()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
        session.rollback()
    engine.dispose()
    return {"what": what, "seconds": round(seconds, 2), "cpu": round(cpu, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "bytes": len(data), "excerpts": excerpts, "per_second": round((excerpts or 0) / seconds) if seconds else None,
            "sha256": hashlib.sha256(data).hexdigest()[:16]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL of the project")
    parser.add_argument("--slug", default="bench")
    parser.add_argument("--what", default=",".join(WHAT), help="bundle, qdpx or both (comma separated)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", help="write a cProfile of each export to PROFILE-<what>.prof")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        profile = f"{args.profile}-{args.what}.prof" if args.profile else None
        print(json.dumps(export_once(args.url, args.what, args.slug, profile)), flush=True)
        return 0
    for what in args.what.split(","):
        for _ in range(args.repeat):
            command = [sys.executable, __file__, "--child", "--url", args.url, "--slug", args.slug, "--what", what]
            if args.profile:
                command += ["--profile", args.profile]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{row['what']:6}  {row['seconds']:7.2f} s  cpu {row['cpu']:7.2f} s  peak RSS {row['peak_rss_mib']:5} MiB"
                  f"  {row['bytes'] / 1e6:6.1f} MB  {row['excerpts']:,} excerpts  {row['per_second']:,}/s"
                  f"  sha256 {row['sha256']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
