"""A bundle import followed in Chromium (issue #25): the job page's progress bar fills and the summary
and the project's link appear when the background import ends; no script refused by the CSP."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casecoder.exchange.bundle_export import zip_bytes
from casecoder.models import Excerpt, Source
from tests.web.test_browser_reports import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = "Interviewer: Hvordan gik det?\nMor: Min koordinator ringede altid tilbage samme dag. Det gav ro.\n"
LINES = [f"Z,Z01,{start},{start + 3},,H1.4,supports,admin," for start in range(30, 90, 4)]
FILES = {
    "cases.csv": "case_key,municipality\nZ01,Nordby\n",
    "sources.csv": "source_key,file,title,perspective,case_keys,interviewee_keys,mode,date\n"
                   "Z,texts/z.txt,Mor Z01,family,Z01,,visit,2025-01-02\n",
    "excerpts.csv": "source_key,case_key,start,end,quote,code_keys,direction,coder,memo\n" + "\n".join(LINES) + "\n",
    "texts/z.txt": TEXT,
}


def test_the_job_page_shows_the_bar_and_the_end(app, live_server, strict_page, session):
    base, project = live_server
    app.config["IMPORT_WAIT_SECONDS"] = 0  # the page always follows a job
    page = strict_page
    refused: list[str] = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    log_in(page, base)
    page.goto(base + "/p/demo/import-bundle")
    page.set_input_files("#file", files=[{"name": "z.zip", "mimeType": "application/zip",
                                           "buffer": zip_bytes({k: v.encode() for k, v in FILES.items()})}])
    page.click("button[type=submit]")
    page.wait_for_url("**/jobs/*")
    assert page.locator("progress#job-progress").count() == 1
    page.wait_for_selector("#job-done:not([hidden])", timeout=60_000)
    assert "Bundle imported" in page.inner_text("#job-summary") and "15 excerpts" in page.inner_text("#job-summary")
    assert page.get_attribute("#job-progress", "value") == page.get_attribute("#job-progress", "max") == "15"
    assert page.inner_text("#job-count") == "15 / 15" and page.locator("#job-running").is_hidden()
    page.click("#job-project")
    page.wait_for_url(base + "/p/demo/")
    source = session.scalar(select(Source).where(Source.project_id == project.id, Source.key == "Z"))
    assert session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.source_id == source.id)) == 15
    assert not refused, refused
