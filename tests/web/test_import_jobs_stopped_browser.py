"""A followed import whose worker dies (issue #25): the job page in Chromium, polling, turns from
running to "stopped without finishing; nothing was stored" once the job's heartbeat is stale."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from casecoder.analysis.jobs import STALE_AFTER
from casecoder.coding import accounts, jobs
from casecoder.models import ImportJob
from casecoder.models.base import utcnow
from tests.web.test_browser_reports import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_page_says_when_the_job_stopped(live_server, strict_page, session):
    base, _project = live_server
    admin = accounts.get_user(session, "admin")
    job = jobs.create_job(session, admin.id, "qdpx", "big.qdpx", heartbeat=True)
    session.commit()
    page = strict_page
    log_in(page, base)
    page.goto(f"{base}/jobs/{job.id}")
    assert page.locator("#job-running").is_visible() and page.locator("#job-stopped").is_hidden()
    session.execute(update(ImportJob).where(ImportJob.id == job.id)  # the worker died a while ago
                    .values(heartbeat_at=utcnow() - STALE_AFTER - timedelta(seconds=1)))
    session.commit()
    page.wait_for_selector("#job-stopped:not([hidden])", timeout=30_000)
    assert "nothing was stored" in page.inner_text("#job-stopped-message")
    assert page.locator("#job-running").is_hidden() and page.locator("#job-failed").is_hidden()
