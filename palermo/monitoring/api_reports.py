"""A round's report steps under /api/v1/monitoring/rounds/{key}/: share the draft with the
States whose replies were accepted (`draft`), their comments (`comments`), the secretariat's
answers, publication (`publish`); and a State's file answers
(`submissions/{country}/files/{question}`)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from palermo.core.auth import AUTH, api_user
from palermo.core.errors import NotFoundError
from palermo.monitoring import selectors, services
from palermo.monitoring.models import ReportComment, Round
from palermo.monitoring.reports import answer_file_response
from palermo.monitoring.schemas import (
    DraftCommentAnswerIn,
    DraftCommentIn,
    DraftCommentOut,
    DraftIn,
    OutlineIn,
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


@router.get("/rounds/{key}/comments", response=list[DraftCommentOut], auth=AUTH)
def comments(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    """The States' comments on the draft: all for the secretariat, a State's own for it."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return [_comment(c) for c in selectors.report_comments(user=user, round_=found)]


@router.post("/rounds/{key}/comments", response={201: DraftCommentOut}, auth=AUTH)
def comment_add(request: HttpRequest, key: str, payload: DraftCommentIn) -> Status[dict[str, Any]]:
    """A State's comment on the draft (its national coordinator; `part`: the report part's
    number, or none for the whole report), by the date the comments are due."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    made = services.report_comment_add(
        actor=user, round_=found, text=payload.text, part=payload.part
    )
    return Status(201, _comment(made))


@router.post("/rounds/{key}/comments/{comment_id}/answer", response=DraftCommentOut, auth=AUTH)
def comment_answer(
    request: HttpRequest, key: str, comment_id: int, payload: DraftCommentAnswerIn
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


@router.get("/rounds/{key}/submissions/{country}/files/{name}", auth=AUTH)
def answer_file(request: HttpRequest, key: str, country: str, name: str) -> HttpResponse:
    """The file a State gave as the answer to question `name` (whoever may read the reply)."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    reply = selectors.submission_get(user=user, round_=found, country=country)
    value, content = selectors.answer_file(user=user, submission=reply, name=name)
    return answer_file_response(value, content)


@router.post("/rounds/{key}/submissions/{country}/files/{name}", response=dict[str, Any], auth=AUTH)
def answer_file_upload(
    request: HttpRequest, key: str, country: str, name: str, file: File[UploadedFile]
) -> dict[str, Any]:
    """A file (PDF, .docx, .odt or UTF-8 .txt; at most the transport's attachment size) as the
    answer to the file question `name`; answers with its name, type, size and SHA-256."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    reply = selectors.submission_get(user=user, round_=found, country=country)
    question = found.version.questions.filter(name=name).first()
    if question is None:
        raise NotFoundError(_("{}: not a question of this round.").format(name))
    answer = services.answer_file_save(
        actor=user,
        submission=reply,
        question=question,
        name=str(file.name or ""),
        content=file.read(services.MAX_FILE_READ),
    )
    kept = answer.value if isinstance(answer.value, dict) else {}
    return {k: v for k, v in kept.items() if k != "stored"}


@router.get("/rounds/{key}/outline", response=dict[str, Any], auth=AUTH)
def outline(request: HttpRequest, key: str) -> dict[str, Any]:
    """The report's outline (its secretariat's): symbol, date, title, codebook and parts, as
    `PUT` takes it."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    return selectors.report_outline(user=user, round_=found)


@router.put("/rounds/{key}/outline", response=dict[str, Any], auth=AUTH)
def outline_set(request: HttpRequest, key: str, payload: OutlineIn) -> dict[str, Any]:
    """Set the report's outline (the README's "The consolidated report" gives its parts);
    400 naming the first wrong part, and the old outline kept."""
    user = api_user(request)
    found = selectors.round_get(user=user, key=key)
    given = payload.model_dump(exclude_none=True)
    services.report_outline_set(actor=user, round_=found, outline=given)
    return selectors.report_outline(user=user, round_=found)
