"""Reads of the linkage app: the exercises a user may list, and rows for the command line."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, QuerySet

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.linkage.models import Exercise, Match

EXERCISE_COLUMNS = (
    "id",
    "node",
    "role",
    "status",
    "persons",
    "peer_persons",
    "matches",
    "created_at",
)
MATCH_COLUMNS = ("match", "person", "theirs", "probability", "band", "decision", "request")
LIST_ROLES = (Role.CASE_WORKER, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR)


def exercises(user: User) -> QuerySet[Exercise]:
    """The exercises of this node (counts and pseudonyms only), for the roles that run and
    review them; none for others."""
    if not user.has_role(*LIST_ROLES):
        return Exercise.objects.none()
    return (
        Exercise.objects.select_related("node")
        .annotate(match_count=Count("matches"))
        .order_by("-created_at")
    )


def exercise_get(user: User, key: str) -> Exercise | None:
    try:
        pk = uuid.UUID(key)
    except ValueError:
        return None
    return exercises(user).filter(pk=pk).first()


def exercise_row(exercise: Exercise) -> dict[str, Any]:
    # Counted with the list (`exercises`); an exercise just made or changed counts its own.
    matches = getattr(exercise, "match_count", None)
    if matches is None:
        matches = exercise.matches.count()
    return {
        "id": str(exercise.pk),
        "node": exercise.node.name if exercise.node else "",
        "role": exercise.role,
        "status": exercise.status,
        "persons": exercise.persons,
        "peer_persons": exercise.peer_persons,
        "matches": matches,
        "created_at": exercise.created_at.isoformat(timespec="seconds"),
    }


def match_row(match: Match, threshold: float | None) -> dict[str, Any]:
    probable = threshold is not None and match.probability >= threshold
    return {
        "match": match.pk,
        "person": match.ours.person.pseudonym,
        "theirs": match.other.person.pseudonym if match.other else match.theirs,
        "probability": round(match.probability, 3),
        "band": "probable" if probable else "uncertain",
        "decision": match.decision,
        "request": match.request.requester_reference if match.request else "",
    }
