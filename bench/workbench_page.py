"""The coding workbench in a browser (issue #21): ``python bench/workbench_page.py [--repeat 5]``.

A fresh SQLite database with the small synthetic project, one transcript of about 200 pages
(``--chars``, 500,000 characters: 2,500 a page) carrying 1,000 excerpts with one or two codes each
(one in six grown over the next sentence, so excerpts overlap), served by werkzeug on a free port and
opened in headless Chromium (Playwright; Debian's /usr/bin/chromium or CASECODER_CHROMIUM). Timed in the
page with performance marks of casecoder/static/workbench_view.js and workbench_marks.js:

- load: navigation start to the coding stripes placed (HTML, scripts, the transcript's segments,
  layout, every stripe);
- draw: the drawing alone (segments built, laid out, stripes read and written: ``casecoder-draw``);
- open: a click on a highlight until the excerpt is open (panel filled, its segments and list row
  marked; nothing drawn again) and the next frame's layout is done (``casecoder-open``);
- hover: the browser's time to show a highlight's keys is its own (a title attribute), not measured.

Prints a Markdown table: median and min-max of ``--repeat`` runs.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.generate import CODERS, PASSWORD, generate  # noqa: E402
from bench.run import bench_app, long_source  # noqa: E402

CHROMIUM = os.environ.get("CASECODER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

FIGURES = """(i) => {
  const at = (name) => { const all = performance.getEntriesByName(name); return all[i < 0 ? all.length + i : i].startTime; };
  const nav = performance.getEntriesByType('navigation')[0];
  return {load: at('casecoder-stripes-end') - nav.startTime, html: nav.responseEnd - nav.startTime,
          draw: at('casecoder-stripes-end') - at('casecoder-draw-start'),
          build: performance.getEntriesByName('casecoder-build')[i < 0 ? performance.getEntriesByName('casecoder-build').length + i : i].duration,
          layout: at('casecoder-laid-out') - at('casecoder-frame'),
          read: at('casecoder-stripes-read') - at('casecoder-laid-out'),
          write: at('casecoder-stripes-end') - at('casecoder-stripes-read'),
          segs: document.querySelectorAll('#transcript .seg').length,
          stripes: document.querySelectorAll('#transcript .stripe').length,
          pages: Math.round(document.getElementById('transcript').scrollHeight / 1123)};
}"""


def build(session: Session, chars: int, n: int) -> tuple[str, int]:
    from casecoder.coding import accounts, excerpts
    from casecoder.models import Code
    project = generate(session, "small", 1, slug="bench")
    source, spans = long_source(session, project, chars, 99, "Bench 200 pages")
    coder = accounts.get_user(session, CODERS[0])
    codes = session.query(Code).filter(Code.project_id == project.id, Code.codable.is_(True)).order_by(Code.key).all()
    rng = random.Random(21)
    for i in sorted(rng.sample(range(len(spans) - 1), n)):
        start, end = spans[i]
        if i % 6 == 0:
            end = spans[i + 1][1]
        picked = [codes[rng.randrange(len(codes))]] + ([codes[rng.randrange(len(codes))]] if i % 3 == 0 else [])
        excerpts.create_excerpt(session, coder, source, start, end,
                                [(c, "supports") for c in dict.fromkeys(picked)])
    session.commit()
    return project.slug, source.id


def measure(base: str, slug: str, source_id: int, repeat: int) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/auth/login")
        page.fill("#username", CODERS[0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for _ in range(repeat + 1):  # the first run warms the caches and is dropped
            page.goto(f"{base}/p/{slug}/sources/{source_id}")
            page.wait_for_selector("#transcript .stripes[data-ready='1']", timeout=120_000)
            figures = page.evaluate(FIGURES, 0)
            seg = page.locator("#transcript .seg.hl:not(.overlap)").nth(40)
            seg.scroll_into_view_if_needed()
            marks = page.evaluate("performance.getEntriesByName('casecoder-open').length")
            drawings = page.evaluate("performance.getEntriesByName('casecoder-stripes-end').length")
            seg.click()
            page.wait_for_function(f"performance.getEntriesByName('casecoder-open').length > {marks}",
                                   timeout=120_000)
            figures["open"] = page.evaluate("performance.getEntriesByName('casecoder-open').at(-1).duration")
            figures["redrawn"] = page.evaluate("performance.getEntriesByName('casecoder-stripes-end').length") - drawings
            runs.append(figures)
        browser.close()
    return runs[1:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chars", type=int, default=500_000)
    parser.add_argument("--excerpts", type=int, default=1000)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with bench_app("sqlite") as (_url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            slug, source_id = build(session, args.chars, args.excerpts)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            runs = measure(f"http://127.0.0.1:{server.server_port}", slug, source_id, args.repeat)
        finally:
            server.shutdown()
    first = runs[0]
    print(f"{args.chars:,} characters (about {first['pages']} A4 pages drawn), {args.excerpts:,} excerpts, "
          f"{first['segs']:,} segments, {first['stripes']:,} stripes; median (min-max) of {len(runs)} runs; "
          f"opening an excerpt drew the transcript again {max(r['redrawn'] for r in runs)} times")
    print("| step | median | min-max |\n|---|---:|---:|")
    steps = [("html", "page HTML received (server)"), ("load", "load: navigation start to stripes placed")]
    steps += [("draw", "first drawing: all"), ("build", "- building the segments"),
              ("layout", "- laying the text out (next frame)"), ("read", "- stripes: reading positions"),
              ("write", "- stripes: writing the bars"),
              ("open", "open an excerpt (click: panel and marks, to the next frame's layout)")]
    for key, name in steps:
        values = [r[key] for r in runs]
        print(f"| {name} | {statistics.median(values):.0f} ms | {min(values):.0f}-{max(values):.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
