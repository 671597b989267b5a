"""A background import whose worker was killed or restarted (issue #25): its row still says running,
but its page says it stopped without finishing and that nothing was stored — when its heartbeat is
older than a minute, when its process on this host is gone, or when that process no longer runs it.
A job that is alive stays running. Both databases."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from casecoder.analysis.jobs import STALE_AFTER, has_stopped
from casecoder.coding import jobs
from casecoder.models import ImportJob
from casecoder.models.base import utcnow
from casecoder.web import jobs as web_jobs
from tests.conftest import login
from tests.factories import PASSWORD

STOPPED = "The import stopped without finishing (its server process ended); nothing was stored."


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture()
def eva(session, factory):  # type: ignore[no-untyped-def]
    user = factory.user("eva")
    session.commit()
    return user


def _job(session, user, **values) -> ImportJob:  # type: ignore[no-untyped-def]
    job = jobs.create_job(session, user.id, "qdpx", "big.qdpx", pid=values.pop("pid", None),
                          host=values.pop("host", None), heartbeat=values.pop("heartbeat", False))
    for name, value in values.items():
        setattr(job, name, value)
    session.commit()
    return job


def test_a_job_with_an_old_heartbeat_is_shown_as_stopped(client, session, eva):
    old = _job(session, eva, heartbeat=True, heartbeat_at=utcnow() - STALE_AFTER - timedelta(seconds=5))
    fresh = _job(session, eva, heartbeat=True)
    login(client, "eva", PASSWORD)
    status = client.get(f"/api/jobs/{old.id}").get_json()
    assert status["state"] == "stopped" and status["message"].startswith(STOPPED), status
    page = client.get(f"/jobs/{old.id}").get_data(as_text=True)
    assert STOPPED in page and 'id="job-stopped"' in page
    assert client.get(f"/api/jobs/{fresh.id}").get_json()["state"] == "running"
    assert session.get(ImportJob, old.id).state == "running"  # shown, not rewritten: a read writes nothing


def test_a_job_whose_process_is_gone_is_shown_as_stopped(client, session, eva):
    gone = _job(session, eva, pid=_gone_pid(), host=web_jobs.HOST)
    elsewhere = _job(session, eva, pid=_gone_pid(), host="another-host")  # not ours to judge by pid
    this_process = _job(session, eva, pid=os.getpid(), host=web_jobs.HOST)  # no thread here runs it
    older_process = _job(session, eva, pid=1, host=web_jobs.HOST)  # pid 1 started long before the job
    reused = _job(session, eva, pid=1, host=web_jobs.HOST, created_at=utcnow() - timedelta(days=3650))
    login(client, "eva", PASSWORD)
    states = {name: client.get(f"/api/jobs/{job.id}").get_json()["state"] for name, job in (
        ("gone", gone), ("elsewhere", elsewhere), ("this", this_process), ("older", older_process),
        ("reused", reused))}
    assert states == {"gone": "stopped", "elsewhere": "running", "this": "stopped", "older": "running",
                      "reused": "stopped"}


def test_heartbeat_and_progress_renew_the_job(session, eva):
    job = _job(session, eva, heartbeat=True, heartbeat_at=utcnow() - timedelta(hours=1))
    now = utcnow()
    assert has_stopped(job, now, web_jobs.HOST, lambda _job: True)
    jobs.beat(session, job.id)
    session.commit()
    session.refresh(job)
    assert not has_stopped(job, now, web_jobs.HOST, lambda _job: True)
    jobs.set_progress(session, job.id, 5, 10)
    session.commit()
    session.refresh(job)
    assert (job.done, job.total) == (5, 10) and not has_stopped(job, utcnow() + STALE_AFTER / 2, "", bool)
    jobs.finish(session, job.id, "done", "Imported")
    session.commit()
    session.refresh(job)
    assert not has_stopped(job, utcnow() + 10 * STALE_AFTER, "", bool)  # only a running job can stop
    assert session.scalar(select(ImportJob.state).where(ImportJob.id == job.id)) == "done"
