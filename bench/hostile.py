"""Benchmark 8: the large inputs of issue #10, timed here instead of in the tests: ``python bench/hostile.py``.

The tests (``tests/test_hostile_uploads.py``, ``tests/test_hostile_requests.py``) check what these
inputs give; how long they take is measured here, on a fresh database of ``--db`` with the small
synthetic project (``bench/generate.py``), each ``--repeat`` times (median and min-max):

- ``split_turns`` on four 5 MB single lines (a speaker label then words, letters only, many
  would-be labels, an unclosed bracket): linear, not quadratic;
- a 5 MB transcript on one line: upload through the JSON API, its page, a search that finds it;
- ``edit_text`` on 3,000 lines with one edit per line around an excerpt, and on the 5 MB line
  edited at both ends (refused: it would change the excerpt's text) and at the start (the excerpt moves);
- a codebook of 10,000 codes: the codebook, tally and transcript pages, the codes API, one excerpt.

``--bombs`` instead posts the hostile uploads of issue #22 (``bench/bombs.py``: decompression bombs in a
.docx, .odt, .qdpx and a bundle, 15,000 columns, a 1,200-level code tree) through the web upload path,
each in a fresh process on a fresh SQLite database: the answer, its time and the process's peak RSS
above what it held before the upload (``VmHWM`` reset first; ``bench/memory.py``'s way).
"""
from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.generate import OWNER, generate  # noqa: E402
from bench.run import CSRF_RE, bench_app, fmt, login, spread  # noqa: E402

LINES = {"label then words": "Interviewer: " + "bla " * 1_300_000, "letters only": "Aaaa" * 1_300_000,
         "would-be labels": "Ab Cd " * 900_000 + ":", "unclosed bracket": "[" + "Ab " * 1_700_000}
ONE_LINE = "Interviewperson: " + "Jeg fik hjælp <b>hurtigt</b> & godt. " * 140_000  # 5.2 MB, no newline


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def csrf(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return CSRF_RE.search(client.get(url).get_data(as_text=True)).group(1)


def bench_turns() -> dict[str, float]:
    from casecoder.analysis.turns import split_turns
    return {f"split_turns, 5 MB line: {name}": timed(lambda line=line: split_turns(line)) for name, line in LINES.items()}


def bench_upload(client, slug: str, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    token = csrf(client, f"/p/{slug}/transcripts/new")
    data = {"csrf_token": token, "perspective": "family", "files": (io.BytesIO(f"{ONE_LINE} ({n})".encode()), f"lang-{n}.txt")}
    out: dict[str, object] = {}

    def upload() -> None:
        response = client.post(f"/api/p/{slug}/transcripts", data=data, headers={"X-CSRFToken": token},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        out["id"] = response.get_json()["id"]
    figures = {"5 MB one-line transcript: upload (JSON API)": timed(upload)}
    figures["5 MB one-line transcript: its page"] = timed(
        lambda: client.get(f"/p/{slug}/sources/{out['id']}").status_code == 200 or sys.exit("page failed"))
    figures["5 MB one-line transcript: search"] = timed(
        lambda: client.get(f"/p/{slug}/search?q=hurtigt").status_code == 200 or sys.exit("search failed"))
    return figures


def bench_edit(session: Session, project, owner) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from casecoder.coding import cases, excerpts
    from casecoder.coding.transcripts import edit_text
    from casecoder.kernel.errors import InvalidInput
    from casecoder.models import Case, Code
    case = session.scalars(select(Case).where(Case.project_id == project.id)).first()
    code = session.scalars(select(Code).where(Code.project_id == project.id, Code.key == "H1.4")).one()
    lines = [f"Interviewperson: Jeg fik hjælp hurtigt og godt, sagde hun {i}." for i in range(3000)]
    source = cases.create_source(session, project, title="Linjer", text="\n".join(lines), perspective="family",
                                 cases=[case])
    start = source.text.index(lines[1500])
    excerpts.create_excerpt(session, owner, source, start, start + len(lines[1500]), [(code, "supports")])
    big = cases.create_source(session, project, title="Lang", text=ONE_LINE, perspective="family", cases=[case])
    excerpts.create_excerpt(session, owner, big, 2_500_000, 2_500_030, [(code, "supports")])
    session.commit()
    edited = "\n".join(line if i == 1500 else line.replace("hjælp", "støtte") for i, line in enumerate(lines))

    def refused() -> None:
        try:
            edit_text(session, owner, big, "X" + big.text[1:-2] + "Y")
        except InvalidInput:
            return
        sys.exit("the edit at both ends was not refused")
    figures = {"edit_text: 3,000 lines, 2,999 edits": timed(lambda: edit_text(session, owner, source, edited)),
               "edit_text: 5 MB line, edits at both ends (refused)": timed(refused),
               "edit_text: 5 MB line, text put before it": timed(lambda: edit_text(session, owner, big, "Nu: " + big.text))}
    session.rollback()
    return figures


def insert_codes(session: Session, project_id: int) -> None:
    """100 themes of 99 codes each, bulk-inserted; labels carry markup that must stay escaped."""
    from casecoder.models import Code, CodeKind
    common = {"project_id": project_id, "guid": None, "color": "#888888", "archived": False, "memo": ""}
    session.execute(insert(Code), [{**common, "key": f"T{i}", "kind": CodeKind.THEME, "label_da": f"Tema {i}",
                                    "label_en": f"Theme {i}", "position": i, "codable": False, "parent_id": None}
                                   for i in range(100)])
    roots = dict(session.execute(select(Code.key, Code.id).where(Code.project_id == project_id)).all())
    session.execute(insert(Code), [{**common, "key": f"C{i:05d}", "kind": CodeKind.STATEMENT, "position": i,
                                    "parent_id": roots[f"T{i // 100}"], "label_da": f"Kode {i} <i>x</i>",
                                    "label_en": f"Code {i} <i>x</i>", "codable": True} for i in range(9_900)])


def ten_thousand_codes(session: Session, owner) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A project ``many`` with ``insert_codes``'s 10,000 codes, one case and one transcript."""
    from casecoder.coding import cases, projects
    project = projects.create_project(session, "Many", "many", None, owner)
    case = cases.create_case(session, project, "F1", "Nordby")
    source = cases.create_source(session, project, title="T", text="Interviewperson: Det gik godt.",
                                 perspective="family", cases=[case])
    insert_codes(session, project.id)
    session.commit()
    return project.slug, source.id


def bench_codes(client, slug: str, source_id: int, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    figures = {f"10,000 codes: GET {url}": timed(lambda url=url: client.get(url).status_code == 200 or sys.exit(url))
               for url in (f"/p/{slug}/codebook", f"/p/{slug}/tally", f"/p/{slug}/sources/{source_id}",
                           f"/api/p/{slug}/codes")}
    token = csrf(client, f"/p/{slug}/sources/{source_id}")
    body = {"source_id": source_id, "start": n % 10, "end": 29, "codes": ["C09899"]}
    figures["10,000 codes: create an excerpt"] = timed(
        lambda: client.post(f"/api/p/{slug}/excerpts", json=body, headers={"X-CSRFToken": token}).status_code == 201
        or sys.exit("create failed"))
    return figures


def bomb_builders() -> dict[str, tuple[str, str, Callable[[], bytes]]]:
    """Name -> (where it is posted, file name, builder), at the sizes issue #22 reports."""
    from bench import bombs
    gb, under_old_limit = 1536 * bombs.MB, 900 * bombs.MB  # (before #22 a part could unpack to 1 GB)
    return {"docx, 900 MB image part": ("transcript", "b.docx", lambda: bombs.docx_image_bomb(under_old_limit)),
            "docx, 400 MB document.xml": ("transcript", "b.docx", lambda: bombs.docx_document_bomb(400 * bombs.MB)),
            "docx, 58 MB document.xml packed 50:1": ("transcript", "b.docx",
                                                     lambda: bombs.docx_large(58 * bombs.MB)),
            "odt, 900 MB mimetype": ("transcript", "b.odt", lambda: bombs.odt_mimetype_bomb(under_old_limit)),
            "qdpx, 1.5 GB source file": ("qdpx", "b.qdpx", lambda: bombs.qdpx_bomb(gb)),
            "bundle, 1.5 GB cases.csv": ("bundle", "b.zip", lambda: bombs.bundle_bomb(gb)),
            "bundle, 15,000 attribute columns": ("bundle", "b.zip", lambda: bombs.wide_bundle(15_000)),
            "bundle, code tree 1,200 levels deep": ("bundle", "b.zip", lambda: bombs.deep_bundle(1_200))}


def bomb_child(name: str) -> dict[str, object]:
    """In a fresh process: post the bomb ``name``; its answer, seconds and peak RSS (KiB) above the start."""
    from bench.bombs import zip_of
    from bench.memory import reset_peak, status_kib
    from casecoder.coding import accounts, projects
    where, filename, build = bomb_builders()[name]
    with bench_app("sqlite") as (_url, engine, app):
        with Session(engine) as session:
            accounts.create_user(session, "bomber", "bench password 1234", is_admin=True)
            projects.create_project(session, "Bombe", "bombe", None, accounts.get_user(session, "bomber"))
            session.commit()
        client = app.test_client()
        token = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True)).group(1)
        client.post("/auth/login", data={"username": "bomber", "password": "bench password 1234", "csrf_token": token})
        data = build()
        url, page, fields = {"transcript": ("/api/p/bombe/transcripts", "/p/bombe/transcripts/new",
                                            {"perspective": "family"}),
                             "bundle": ("/p/bombe/import-bundle", "/p/bombe/import-bundle", {}),
                             "qdpx": ("/projects/import-qdpx", "/projects/import-qdpx", {"title": "B"})}[where]
        token = csrf(client, page)
        field = "files" if where == "transcript" else "file"

        def post(body: bytes):  # type: ignore[no-untyped-def]
            return client.post(url, data={"csrf_token": token, **fields, field: (io.BytesIO(body), filename)},
                               headers={"X-CSRFToken": token}, content_type="multipart/form-data")
        post(zip_of({"x.txt": b"x"}))  # warm-up: the readers' modules are imported, the page's templates compiled
        before = status_kib("VmRSS")
        reset = reset_peak()
        start = time.perf_counter()
        response = post(data)
        seconds = time.perf_counter() - start
        peak = status_kib("VmHWM")
    return {"name": name, "upload_kib": len(data) // 1024, "status": response.status_code, "seconds": seconds,
            "rss_before_kib": before, "peak_above_kib": peak - before if reset else None}


def bombs_table() -> int:
    print("| hostile upload (issue #22) | upload | answer | time | peak RSS above before |\n| --- | --- | --- | --- | --- |")
    for name in bomb_builders():
        result = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--bomb", name], capture_output=True,
                                text=True, timeout=1800)
        if result.returncode != 0:
            print(f"| {name} | | process died ({result.returncode}): {result.stderr.strip()[-120:]} | | |")
            continue
        r = json.loads(result.stdout.strip().splitlines()[-1])
        peak = f"{r['peak_above_kib'] / 1024:,.0f} MiB" if r["peak_above_kib"] is not None else "?"
        print(f"| {name} | {r['upload_kib']:,} KiB | {r['status']} | {fmt(r['seconds'])} | {peak} |", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bombs", action="store_true", help="the hostile uploads of issue #22 instead")
    parser.add_argument("--bomb", help=argparse.SUPPRESS)  # one of them, in a child process
    args = parser.parse_args(argv)
    if args.bomb:
        print(json.dumps(bomb_child(args.bomb)))
        return 0
    if args.bombs:
        return bombs_table()
    samples: dict[str, list[float]] = {}
    with bench_app(args.db) as (_url, engine, app):
        with Session(engine, expire_on_commit=False) as session:
            from casecoder.coding import accounts
            project = generate(session, "small", 1, slug="bench")
            owner = accounts.get_user(session, OWNER)
            many, many_source = ten_thousand_codes(session, owner)
            client = app.test_client()
            login(client, OWNER)
            for n in range(args.repeat):
                for figures in (bench_turns(), bench_upload(client, project.slug, n), bench_edit(session, project, owner),
                                bench_codes(client, many, many_source, n)):
                    for name, seconds in figures.items():
                        samples.setdefault(name, []).append(seconds)
    print(f"| benchmark ({args.db}, {args.repeat} runs) | median | min–max |\n| --- | --- | --- |")
    for name, values in samples.items():
        print(f"| 8 {name} | {fmt(statistics.median(values))} | {spread(values)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
