"""The linkage API (/api/v1/linkage/): exercises between nodes and searches for duplicates,
their matches, and the decisions on them. Only pseudonyms and counts are answered; the persons
behind a match are seen on their cases, by who may see them."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from palermo.cooperation.models import Node
from palermo.core.auth import AUTH, api_user
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.linkage import exchange, review, selectors
from palermo.linkage.models import Exercise, Match

router = Router(tags=["linkage"], auth=AUTH)


class LinkageExerciseOut(Schema):
    id: uuid.UUID
    node: str = Field(description="the other node; empty for duplicates within this node")
    role: str = Field(description="initiator, responder or local")
    status: str
    persons: int = Field(description="persons encoded or compared here")
    peer_persons: int = Field(description="persons the other node encoded")
    matches: int
    threshold: float | None = Field(description="the model's match threshold")
    labelled: int = Field(
        description="pairs reviewers confirmed before that the model learnt from on this node"
    )
    created_at: dt.datetime
    finished_at: dt.datetime | None


class LinkageMatchOut(Schema):
    id: int
    exercise: uuid.UUID
    person: str = Field(description="the pseudonym of the person here")
    theirs: str = Field(
        description="the other node's pseudonym, or the other person's here (duplicates)"
    )
    probability: float
    band: str = Field(description="probable (at least the threshold) or uncertain")
    decision: str = Field(description="pending, confirmed or rejected")
    reason: str
    request: str = Field(description="the cooperation request started from it (its reference)")


class LinkageRunIn(Schema):
    node: str = Field("", description="the other node's name; empty: duplicates within this node")


class LinkageDeclineIn(Schema):
    reason: str


class LinkageDecisionIn(Schema):
    decision: str = Field(description="confirmed or rejected")
    reason: str


class LinkageRequestOut(Schema):
    id: uuid.UUID
    reference: str


def _lister(request: HttpRequest) -> User:
    user = api_user(request)
    if not user.has_role(*selectors.LIST_ROLES):
        raise ForbiddenError(
            _("Only case workers, investigators and national coordinators see linkage."),
        )
    return user


def _exercise(user: User, key: uuid.UUID) -> Exercise:
    exercise = selectors.exercise_get(user, str(key))
    if exercise is None:
        raise NotFoundError(_("No linkage exercise {}.").format(key), code="not_found")
    return exercise


def _exercise_out(exercise: Exercise) -> dict[str, Any]:
    row = selectors.exercise_row(exercise)
    return row | {
        "id": exercise.pk,
        "threshold": exercise.threshold,
        "labelled": exercise.labelled,
        "created_at": exercise.created_at,
        "finished_at": exercise.finished_at,
    }


def _match_out(match: Match) -> dict[str, Any]:
    row = selectors.match_row(match, match.exercise.threshold)
    return row | {"id": match.pk, "exercise": match.exercise_id, "reason": match.reason}


@router.get("/exercises", response=list[LinkageExerciseOut])
def exercise_list(request: HttpRequest) -> list[dict[str, Any]]:
    """This node's exercises, newest first (counts only)."""
    return [_exercise_out(e) for e in selectors.exercises(_lister(request))]


@router.post("/exercises", response={201: LinkageExerciseOut})
def exercise_run(request: HttpRequest, payload: LinkageRunIn) -> Status[dict[str, Any]]:
    """Propose an exercise to another node, or (no node) search this node's persons for
    duplicates (a national coordinator)."""
    user = api_user(request)
    if not payload.node:
        from palermo.linkage import duplicates  # noqa: PLC0415 - the model (Splink) when run

        return Status(201, _exercise_out(duplicates.duplicates_find(actor=user)))
    exchange.coordinator_check(user)
    node = Node.objects.filter(name=payload.node, active=True).first()
    if node is None:
        raise NotFoundError(_("No active node named '{}'.").format(payload.node), "not_found")
    return Status(201, _exercise_out(exchange.exercise_propose(actor=user, node=node)))


@router.get("/exercises/{exercise_id}", response=LinkageExerciseOut)
def exercise_get(request: HttpRequest, exercise_id: uuid.UUID) -> dict[str, Any]:
    return _exercise_out(_exercise(_lister(request), exercise_id))


@router.post("/exercises/{exercise_id}/accept", response=LinkageExerciseOut)
def exercise_accept(request: HttpRequest, exercise_id: uuid.UUID) -> dict[str, Any]:
    """Accept an exercise another node proposed: this node's persons are encoded."""
    user = api_user(request)
    exercise = exchange.exercise_accept(
        actor=user, exercise=_exercise(_lister(request), exercise_id)
    )
    return _exercise_out(exercise)


@router.post("/exercises/{exercise_id}/decline", response=LinkageExerciseOut)
def exercise_decline(
    request: HttpRequest, exercise_id: uuid.UUID, payload: LinkageDeclineIn
) -> dict[str, Any]:
    user = api_user(request)
    exercise = exchange.exercise_decline(
        actor=user, exercise=_exercise(_lister(request), exercise_id), reason=payload.reason
    )
    return _exercise_out(exercise)


@router.get("/exercises/{exercise_id}/matches", response=list[LinkageMatchOut])
def match_list(request: HttpRequest, exercise_id: uuid.UUID) -> list[dict[str, Any]]:
    """The matches the caller may see (both persons, for duplicates), most probable first;
    the view is audited."""
    user = _lister(request)
    return [_match_out(m) for m in review.matches_visible(user, _exercise(user, exercise_id))]


@router.get("/matches/{match_id}", response=LinkageMatchOut)
def match_get(request: HttpRequest, match_id: int) -> dict[str, Any]:
    """One match (audited)."""
    return _match_out(review.match_get(api_user(request), match_id))


@router.post("/matches/{match_id}/decision", response=LinkageMatchOut)
def match_decide(request: HttpRequest, match_id: int, payload: LinkageDecisionIn) -> dict[str, Any]:
    """Confirm a match as one person or reject it, with the reason (audited)."""
    user = api_user(request)
    match = review.match_decide(
        actor=user,
        match=review.match_get(user, match_id),
        decision=payload.decision,
        reason=payload.reason,
    )
    return _match_out(match)


@router.post("/matches/{match_id}/request", response={201: LinkageRequestOut})
def match_request(request: HttpRequest, match_id: int) -> Status[dict[str, Any]]:
    """A draft request for information (Protocol art. 10) to the other node from a confirmed
    match; it is sent as any request (/api/v1/cooperation/requests/{key}/send)."""
    user = api_user(request)
    created = review.match_request(actor=user, match=review.match_get(user, match_id))
    return Status(201, {"id": created.pk, "reference": created.requester_reference})
