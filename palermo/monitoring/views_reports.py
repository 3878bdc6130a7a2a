"""A round's consolidated report on its pages: the download (its secretariat; the States it
was shared with), sharing the draft with the States for comments, their comments and the
secretariat's answers, publication; and the files a State gives as answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.views import page_user
from palermo.monitoring import selectors, services
from palermo.monitoring.choices import CommentStatus
from palermo.monitoring.countrylists import language_of
from palermo.monitoring.models import Round
from palermo.monitoring.reports import (
    MEDIA_TYPES,
    answer_file_response,
    attachment,
    report_file,
)
from palermo.monitoring.views import MonitoringView


def report_steps(user: User, round_: Round, *, secretariat: bool) -> dict[str, Any]:
    """What the round's page shows of its report to this user."""
    has_outline = round_.report_parts.exists()
    state = services.commenting_state(user, round_)
    return {
        "report": has_outline and selectors.report_readable(user=user, round_=round_),
        "can_share": secretariat and has_outline and round_.published_at is None,
        "can_publish": secretariat
        and round_.draft_shared_at is not None
        and round_.published_at is None,
        "commenting_state": state if round_.draft_shared_at is not None else None,
        "can_comment": bool(
            state
            and round_.draft_shared_at is not None
            and round_.published_at is None
            and round_.comments_due is not None
            and dt.date.today() <= round_.comments_due  # noqa: DTZ011 - a calendar date
        ),
        "comments": selectors.report_comments(user=user, round_=round_)
        if round_.draft_shared_at is not None
        else [],
        "open_status": CommentStatus.OPEN,
        "show_comments": round_.draft_shared_at is not None and (secretariat or bool(state)),
    }


class RoundReportView(MonitoringView):
    """The round's consolidated report as DOCX or PDF, in a UN language."""

    def get(self, request: HttpRequest, key: str, fmt: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        if (
            fmt not in MEDIA_TYPES
            or not found.report_parts.exists()
            or not selectors.report_readable(user=user, round_=found)
        ):
            raise NotFoundError(_("No such report."))
        language = language_of(request.GET.get("lang") or "en")
        data = report_file(found, fmt=fmt, language=language)
        return attachment(data, name="{}-{}".format(key, language), fmt=fmt)


def _part(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ApplicationError(_("The part is a number."), code="invalid")
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(_("Give the date as YYYY-MM-DD."), code="invalid") from None


class ReportStepView(MonitoringView):
    """POST: share the draft, comment on it, answer a comment, publish."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        action = request.POST.get("action", "")
        try:
            if action == "share":
                services.draft_share(
                    actor=user, round_=found, comments_due=_date(request.POST.get("due", ""))
                )
                messages.success(request, _("The draft report is shared with the States."))
            elif action == "comment":
                services.report_comment_add(
                    actor=user,
                    round_=found,
                    text=request.POST.get("text", ""),
                    part=_part(request.POST.get("part", "")),
                )
                messages.success(request, _("Your comment is sent to the secretariat."))
            elif action in ("taken", "not_taken"):
                comment = (
                    selectors.report_comments(user=user, round_=found)
                    .filter(pk=_part(request.POST.get("comment", "")) or 0)
                    .first()
                )
                if comment is None:
                    raise NotFoundError(_("No such comment."))
                services.report_comment_respond(
                    actor=user,
                    comment=comment,
                    taken=action == "taken",
                    response=request.POST.get("response", ""),
                )
                messages.success(request, _("The answer is saved."))
            elif action == "publish":
                services.report_publish(actor=user, round_=found)
                messages.success(request, _("The report is published."))
            else:
                raise ApplicationError(_("Nothing to do."))
        except ApplicationError as exc:
            if exc.status in (403, 404):  # noqa: PLR2004 - not theirs to do or to see
                raise
            messages.error(request, exc.detail)
        return redirect("monitoring:round", key)


class AnswerFileView(MonitoringView):
    """A file answer: GET downloads it (whoever may read the reply); POST uploads it (whoever
    may answer the question), then back to the reply."""

    def get(self, request: HttpRequest, key: str, iso3: str, name: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        reply = selectors.submission_get(user=user, round_=found, country=iso3)
        value, content = selectors.answer_file(user=user, submission=reply, name=name)
        return answer_file_response(value, content)

    def post(self, request: HttpRequest, key: str, iso3: str, name: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        reply = selectors.submission_get(user=user, round_=found, country=iso3)
        question = found.version.questions.filter(name=name).first()
        upload = request.FILES.get("file")
        try:
            if question is None:
                raise NotFoundError(_("{}: not a question of this round.").format(name))
            if upload is None:
                raise ApplicationError(_("{}: choose the file.").format(name), code="invalid")
            services.answer_file_save(
                actor=user,
                submission=reply,
                question=question,
                name=str(upload.name or ""),
                content=upload.read(services.MAX_FILE_READ),
            )
            messages.success(request, _("{}: the file is saved.").format(name))
        except ApplicationError as exc:
            if exc.status in (403, 404):  # noqa: PLR2004 - not theirs to do or to see
                raise
            messages.error(request, exc.detail)
        return redirect("monitoring:submission", key, reply.country_id)


class OutlineView(MonitoringView):
    """The report's outline as YAML in the page, for its secretariat to edit and save; a wrong
    outline is shown again with the first problem named, and the old one kept."""

    def _page(self, request: HttpRequest, found: Round, text: str, error: str) -> HttpResponse:
        return render(
            request,
            "monitoring/outline.html",
            {"round": found, "text": text, "error": error},
            status=400 if error else 200,
        )

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        services.round_owner(user, found)
        current = selectors.report_outline(user=user, round_=found)
        text = (
            yaml.safe_dump(current, allow_unicode=True, sort_keys=False, width=96)
            if (current.get("parts"))
            else OUTLINE_EXAMPLE
        )
        return self._page(request, found, text, "")

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        found = selectors.round_get(user=user, key=key)
        services.round_owner(user, found)
        text = request.POST.get("outline", "")
        try:
            outline = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            return self._page(request, found, text, _("Not YAML (line {}).").format(line))
        if not isinstance(outline, dict):
            return self._page(
                request, found, text, _("The outline is a mapping: symbol, date, title, parts.")
            )
        try:
            parts = services.report_outline_set(actor=user, round_=found, outline=outline)
        except ApplicationError as exc:
            if exc.status in (403, 404):  # noqa: PLR2004 - not theirs
                raise
            return self._page(request, found, text, exc.detail)
        messages.success(request, _("The report of {} has {} parts.").format(found.key, len(parts)))
        return redirect("monitoring:round", key)


OUTLINE_EXAMPLE = """symbol: E/CN.15/2026/1
date: 2026-12-31
title: {en: "Report of the Secretariat"}
parts:
  - heading: {en: "I. Replies"}
  - respondents: {en: "1. Replies were received from the following States: {states}."}
  - paragraph: {en: "2. The secretariat's own text."}
"""
