"""A bundle import as a background job (issue #25): with no wait the form sends the browser to the job
page, whose JSON status (any worker can answer: the state is in import_jobs) ends done with the
summary, or failed with every problem and nothing stored; only the user who started it sees it; the
page follows it with a progress bar in Chromium. Both databases."""
from __future__ import annotations

import io
import time

from sqlalchemy import func, select

from casecoder.exchange.bundle_export import zip_bytes
from casecoder.models import Excerpt, ImportJob, Source
from tests.bundle_helpers import BASE, with_
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD


def _post(client, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/p/proj/import-bundle")
    form = {"csrf_token": token, "file": (io.BytesIO(data), "bundle.zip"), "add_coders": "y"}
    return client.post("/p/proj/import-bundle", data=form, content_type="multipart/form-data")


def _follow(client, job_url: str) -> dict:  # type: ignore[type-arg]
    """Poll the job's status as progress.js does, until it has ended (at most a minute)."""
    api = job_url.replace("/jobs/", "/api/jobs/")
    for _ in range(600):
        status = client.get(api).get_json()
        if status["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError("the job did not end")


def test_a_long_import_is_a_job_the_page_follows(app, client, session, target, factory):
    project, eva = target
    app.config["IMPORT_WAIT_SECONDS"] = 0  # every import counts as long
    login(client, "eva", PASSWORD)
    response = _post(client, zip_bytes({k: v.encode() for k, v in BASE.items()}))
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_url = response.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="job-progress"' in page and "progress.js" in page
    status = _follow(client, job_url)
    assert status["state"] == "done" and status["total"] == status["done"] == 2, status
    assert status["message"].startswith("Bundle imported: 2 codes added, 1 updated, 2 cases")
    assert status["project_url"] == "/p/proj/"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Source).where(Source.project_id == project.id)) == 2
    job = session.scalar(select(ImportJob))
    assert (job.user_id, job.project_id, job.kind, job.state) == (eva.id, project.id, "bundle", "done")
    done_page = client.get(job_url).get_data(as_text=True)
    assert "Bundle imported: 2 codes added" in done_page
    factory.user("other")
    session.commit()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "other", PASSWORD)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url.replace("/jobs/", "/api/jobs/")).status_code == 404


def test_a_failed_job_names_every_problem_and_stores_nothing(app, client, session, target):
    project, _eva = target
    app.config["IMPORT_WAIT_SECONDS"] = 0
    login(client, "eva", PASSWORD)
    bad = with_(cases="case_key,municipality\nF01,Nordby\nF01,Nordby\n")
    response = _post(client, zip_bytes({k: v.encode() for k, v in bad.items() if v is not None}))
    status = _follow(client, response.headers["Location"])
    assert status["state"] == "failed" and status["project_url"] is None
    assert "cases.csv, line 3, column 1 (case_key)" in status["message"], status["message"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Source).where(Source.project_id == project.id)) == 0
    assert session.scalar(select(func.count()).select_from(Excerpt)) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The import failed; nothing was stored." in page and "cases.csv, line 3" in page


def test_a_quick_import_answers_as_before(client, session, target):
    login(client, "eva", PASSWORD)
    response = _post(client, zip_bytes({k: v.encode() for k, v in BASE.items()}))
    assert response.status_code == 302 and response.headers["Location"].endswith("/p/proj/")


def test_unknown_and_huge_job_ids_are_404(client, session, target):
    login(client, "eva", PASSWORD)
    for job_id in (1, 2**31, 2**63):
        assert client.get(f"/jobs/{job_id}").status_code == 404
        response = client.get(f"/api/jobs/{job_id}")
        assert response.status_code == 404 and response.get_json()["error"]


def test_a_long_qdpx_import_is_a_job_too(app, client, demo, session):
    app.config["IMPORT_WAIT_SECONDS"] = 0
    data = client.get(f"/p/{demo.slug}/export.qdpx").data
    url = "/projects/import-qdpx"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "title": "Copy of demo",
                                      "file": (io.BytesIO(data), "demo.qdpx")}, content_type="multipart/form-data")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    status = _follow(client, response.headers["Location"])
    assert status["state"] == "done" and status["project_slug"] == "copy-of-demo", status
    assert status["project_url"] == "/p/copy-of-demo/" and "60 excerpts" in status["message"]


def test_a_job_ending_between_its_row_and_the_running_check_is_done_not_stopped(app, session, target):
    """The page's poll read the row as running; the job then ended (its thread commits the end, then leaves the
    running set) before the poll asked whether this process still runs it: the answer is the end, read again,
    never "stopped" (which also ended progress.js's polling: seen once in a full test run)."""
    import os

    from flask_login import login_user

    from casecoder.coding import jobs as job_rows
    from casecoder.db import get_session, new_session
    from casecoder.web import jobs as web_jobs

    project, eva = target
    with app.test_request_context("/"):
        login_user(eva)
        request_session = get_session()
        job = job_rows.create_job(request_session, eva.id, "bundle", "x.zip", project.id, pid=os.getpid(),
                                  host=web_jobs.HOST)
        request_session.commit()
        assert web_jobs.status(job.id)["state"] == "stopped"  # as the row says: running, yet no thread runs it
        with new_session(app) as other:  # now it ends, as its thread ends it
            job_rows.finish(other, job.id, "done", "Imported.", project.id)
            other.commit()
        assert request_session.get(ImportJob, job.id).state == "running"  # the poll's session still holds that
        answer = web_jobs.status(job.id)
    assert (answer["state"], answer["message"]) == ("done", "Imported.")
