"""Chains, statement graph, hypothesis overview and their figures and bundles on a kept project (issue #25).

``python bench/chains.py URL [--repeat N] [--only graph,count,overview,bundle,pages]`` where ``URL`` is a
database that ``bench/pages.py --keep`` made (SQLite ``sqlite:///DIR/pages-large.sqlite``, or PostgreSQL
with ``?options=-csearch_path%3Dpages_large``): the project ``bench`` and its saved chain "Bench H1".
Nothing is written. Prints a Markdown table: median and p95 wall time, and the median CPU time of this
process (on SQLite all of the work; on PostgreSQL the server's share is the difference), for

* the functions (benchmark 4 of ``bench/run.py``): ``statement_graph``, ``count_saved_chain`` (chain loaded
  again each time), ``hypothesis_overview`` of H1;
* the bundles (benchmark 5): the chain bundle with its figure in three formats and the overview bundle of
  H1, zipped (``build_report``);
* the pages and calls through Flask's test client, logged in as the owner: the chains page, with
  suggestions ending at ST.4 (family) and at OUT, the saved chain page, its SVG and PNG, the overview SVG.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import OWNER  # noqa: E402
from bench.run import CHAIN, login  # noqa: E402

STAMP = "2026-01-01T00:00:00+00:00"


def measure(name: str, fn: Callable[[], object], repeat: int) -> str:
    fn()  # warm: the first call pays for imports and caches
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    ordered = sorted(wall)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    line = (f"| {name} | {statistics.median(wall) * 1e3:,.1f} | {p95 * 1e3:,.1f} | "
            f"{statistics.median(cpu) * 1e3:,.1f} |")
    print(line, flush=True)
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--only", default="graph,count,overview,bundle,pages")
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    from casecoder.analysis.chains import count_saved_chain, hypothesis_overview, load_chain, statement_graph
    from casecoder.app import create_app
    from casecoder.db import dispose
    from casecoder.export.report import ReportSpec, build_report
    from casecoder.models import Chain, Project
    from casecoder.models.engine import make_engine
    print("| what | median ms | p95 ms | CPU median ms |\n| --- | --- | --- | --- |", flush=True)
    engine = make_engine(args.url)
    with Session(engine) as s:
        project = s.scalar(select(Project).where(Project.slug == "bench"))
        assert project is not None, "no project 'bench': make it with bench/pages.py --keep"
        chain_id = s.scalar(select(Chain.id).where(Chain.project_id == project.id, Chain.title == CHAIN[0]))
        assert chain_id is not None
        def fresh(fn: Callable[[], object]) -> Callable[[], object]:
            def run() -> object:
                s.expire_all()   # every call loads its rows again, as a request does
                return fn()
            return run

        if "graph" in only:
            measure("statement_graph", fresh(lambda: statement_graph(s, project)), args.repeat)
        if "count" in only:
            def count() -> object:
                chain = load_chain(s, chain_id)
                assert chain is not None
                return count_saved_chain(s, project, chain)
            measure("count_saved_chain", fresh(count), args.repeat)
        if "overview" in only:
            measure("hypothesis_overview H1", fresh(lambda: hypothesis_overview(s, project, "H1")), args.repeat)
        if "bundle" in only:
            for spec in (ReportSpec("bench", "chain", {"chain": CHAIN[0]}, {}, "da"),
                         ReportSpec("bench", "overview", {"code": "H1"}, {}, "da")):
                def bundle(spec: ReportSpec = spec) -> bytes:
                    return build_report(s, spec).zip_bytes(STAMP)
                measure(f"{spec.kind} bundle with figures (zip)", fresh(bundle), max(3, args.repeat // 3))
    engine.dispose()
    if "pages" in only:
        app = create_app({"TESTING": True, "DATABASE_URL": args.url, "SECRET_KEY": "bench-chains"})
        client = app.test_client()
        login(client, OWNER)
        p = "/p/bench"
        for name, url in [("chains page", f"{p}/chains"),
                          ("chains page, suggestions ending at ST.4 (family)", f"{p}/chains?end=ST.4&scope=family"),
                          ("chains page, suggestions ending at OUT", f"{p}/chains?end=OUT&scope=pooled"),
                          ("saved chain page", f"{p}/chains/{chain_id}"),
                          ("saved chain figure, SVG", f"{p}/figures/chain-{chain_id}.svg"),
                          ("saved chain figure, PNG", f"{p}/figures/chain-{chain_id}.png"),
                          ("overview figure H1, SVG", f"{p}/figures/overview-H1.svg")]:
            def get(url: str = url) -> None:
                response = client.get(url)
                response.get_data()
                assert response.status_code == 200, (url, response.status_code)
            measure(name, get, args.repeat)
        dispose(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
