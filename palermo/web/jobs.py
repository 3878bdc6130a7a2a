"""The page of long work started from another page (palermo.core.jobs): a progress bar that
htmx refreshes every second while the task worker runs it, then the outcome.

- `GET /jobs/<id>/`: the job of the user who started it (404 for anyone else). Once it is done,
  its message and a redirect to the result (the derived figures, the publication); once it was
  refused, the reason on the page that started it (`palermo.core.views.job_response`), or on
  this page when that page is not known.
- `GET /jobs/<id>/progress/` (htmx): the progress part of that page; once the job has finished,
  an `HX-Redirect` to the job's page, which then answers as above.

Without JavaScript the page says to reload it; nothing else depends on htmx.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from palermo.core import jobs
from palermo.core.choices import JobState
from palermo.core.models import Job
from palermo.core.views import PalermoView, job_response, page_user

# A job waiting longer than this is probably waiting for a task worker that is not running.
WORKER_LATE = dt.timedelta(seconds=30)


def _context(job: Job) -> dict[str, Any]:
    kind = jobs.KINDS.get(job.kind)
    progress = jobs.job_progress(job) if job.state == JobState.RUNNING else None
    now = timezone.now()
    return {
        "job": job,
        "title": kind.title if kind else job.kind,
        "unit": kind.unit if kind else "",
        "progress": progress,
        "elapsed": int((now - (job.started_at or job.created_at)).total_seconds()),
        "late": job.state == JobState.QUEUED and now - job.created_at > WORKER_LATE,
    }


class JobView(PalermoView):
    template_name = "web/job.html"

    def get(self, request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
        job = jobs.job_get(actor=page_user(request), job_id=job_id)
        if job.state == JobState.DONE or (job.state == JobState.FAILED and job.back_url):
            return job_response(request, job)
        return render(request, self.template_name, _context(job))


class JobProgressView(PalermoView):
    template_name = "web/_job_progress.html"

    def get(self, request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
        job = jobs.job_get(actor=page_user(request), job_id=job_id)
        if job.finished:
            response = HttpResponse()
            response["HX-Redirect"] = reverse("web:job", args=[job.pk])
            return response
        return render(request, self.template_name, _context(job))
