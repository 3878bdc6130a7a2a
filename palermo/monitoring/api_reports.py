"""A round's report steps under /api/v1/monitoring/rounds/{key}/: share the draft with the
States whose replies were accepted (`draft`), their comments (`comments`), the secretariat's
answers, publication (`publish`)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from palermo.core.auth import AUTH, api_user
from palermo.core.errors import NotFoundError
from palermo.monitoring import selectors, services
from palermo.monitoring.models import ReportComment, Round
from palermo.monitoring.schemas import (
    CommentAnswerIn,
    CommentIn,
    CommentOut,
    DraftIn,
    ReportStateOut,
)

router = Router(tags=["monitoring"])


def _state(round_: Round) -> dict[str, Any]:
    return {
        "round": round_.key,
        "draft_shared_at": round_.draft_shared_at,
        "comments_due": round_.comments_due,
        "published_at": round_.published_at,
    }


def _comment(c: ReportComment) -> dict[str, Any]:
    return {
        "id": c.pk,
        "state": c.country_id,
        "part": c.part,
        "text": c.text,
        "status": c.status,
        "response": c.response,
        "created_at": c.created_at,
    }


@router.post("/rounds/{key}/draft", response=ReportStateOut, auth=AUTH)
def draft_share(request: HttpRequest, key: str, payload: DraftIn) -> dict[str, Any]:
    """The round's secretariat shares the draft report with the States whose replies it
    accepted, for comments by `comments_due` (again: moves the date)."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return _state(services.draft_share(actor=user, round_=found, comments_due=payload.comments_due))


@router.get("/rounds/{key}/comments", response=list[CommentOut], auth=AUTH)
def comments(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """The States' comments on the draft: all for the secretariat, a State's own for it."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return [_comment(c) for c in selectors.report_comments(user=user, round_=found)]


@router.post("/rounds/{key}/comments", response={201: CommentOut}, auth=AUTH)
def comment_add(request: HttpRequest, key: str, payload: CommentIn) -> Status[dict[str, Any]]:
    """A State's comment on the draft (its national coordinator; `part`: the report part's
    number, or none for the whole report), by the date the comments are due."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    made = services.report_comment_add(
        actor=user, round_=found, text=payload.text, part=payload.part
    )
    return Status(201, _comment(made))


@router.post("/rounds/{key}/comments/{comment_id}/answer", response=CommentOut, auth=AUTH)
def comment_answer(
    request: HttpRequest, key: str, comment_id: int, payload: CommentAnswerIn
) -> dict[str, Any]:
    """The secretariat's answer: `taken` into account in the final report or not, and why."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    comment = selectors.report_comments(user=user, round_=found).filter(pk=comment_id).first()
    if comment is None:
        raise NotFoundError(_("No such comment."), code="unknown_comment")
    answered = services.report_comment_respond(
        actor=user, comment=comment, taken=payload.taken, response=payload.response
    )
    return _comment(answered)


@router.post("/rounds/{key}/publish", response=ReportStateOut, auth=AUTH)
def publish(request: HttpRequest, key: str) -> dict[str, Any]:
    """Publish the report once every comment has its answer."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return _state(services.report_publish(actor=user, round_=found))
