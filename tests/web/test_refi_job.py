"""A long .qdpx import as a background job (issue #25): the form sends the browser to the job page,
whose status counts the excerpts written (done of total) and ends done with the import report and
the new project's link. Both databases."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from casecoder.models import Excerpt, ImportJob, Project
from tests.conftest import csrf_token
from tests.web.test_import_jobs import _follow


def test_a_long_qdpx_import_is_a_job_with_progress(app, client, demo, session):
    data = client.get(f"/p/{demo.slug}/export.qdpx").data
    app.config["IMPORT_WAIT_SECONDS"] = 0  # every import counts as long
    url = "/projects/import-qdpx"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), "title": "Copy of demo",
                                      "file": (io.BytesIO(data), "demo.qdpx")}, content_type="multipart/form-data")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    status = _follow(client, response.headers["Location"])
    assert status["state"] == "done" and status["done"] == status["total"] == 60, status
    assert "60 excerpts" in status["message"] and status["project_url"] == "/p/copy-of-demo/"
    session.expire_all()
    copy = session.scalars(select(Project).where(Project.slug == "copy-of-demo")).one()
    assert session.scalar(select(func.count()).select_from(Excerpt).where(Excerpt.project_id == copy.id)) == 60
    job = session.scalar(select(ImportJob))
    assert (job.kind, job.state, job.done, job.total, job.project_id) == ("qdpx", "done", 60, 60, copy.id)
