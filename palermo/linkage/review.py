"""Reviewing the matches of an exercise (issue 16), between nodes or within this one: who may see
a match, the decision with its reason, and the cooperation request a confirmed match starts.

A match is shown only to a case worker, investigator/prosecutor or national coordinator who may
see the person here, and for duplicates within this node the other person too (the case access
rules of `palermo.cases.access`); every view and every decision is written to the audit log.
Confirming a match of two persons here makes them one person in the statistics and shows each
record on the other's page (`same`); keeping them apart again undoes it. Confirming a match
with another node discloses nothing to the other node: it is the start of a cooperation
request ("possible match with your record L-...; information requested under art. 10 of the
Trafficking Protocol"), which travels only when it is sent.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import choices as cc
from palermo.cooperation.models import Request
from palermo.cooperation.services import request_create
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.linkage.models import Decision, Exercise, Match
from palermo.linkage.same import regroup
from palermo.linkage.visibility import REVIEW_ROLES, Accesses, sees_person


def _reviewer(actor: User | None) -> User:
    if actor is None or not actor.has_role(*REVIEW_ROLES):
        raise NotFoundError(_("No such match."), code="not_found")
    return actor


def _sees(user: User, match: Match, accesses: Accesses | None = None) -> bool:
    """The actor may see the person here, and for duplicates within this node the other too."""
    known: Accesses = {} if accesses is None else accesses
    return sees_person(user, match.ours.person, known) and (
        match.other is None or sees_person(user, match.other.person, known)
    )


def matches_visible(actor: User | None, exercise: Exercise) -> list[Match]:
    """The matches of `exercise` the actor may see (their persons here visible to them), most
    probable first; the view is audited."""
    user = _reviewer(actor)
    rows: QuerySet[Match] = exercise.matches.select_related(
        "exercise", "ours__person__case", "other__person__case", "request"
    ).order_by("-probability")
    accesses: Accesses = {}
    visible = [m for m in rows if _sees(user, m, accesses)]
    if visible:
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=exercise,
            reason="linkage matches viewed",
            after={"matches": [m.pk for m in visible]},
        )
    return visible


def match_get(actor: User | None, pk: int) -> Match:
    """One match the actor may see (NotFoundError otherwise); the view is audited."""
    user = _reviewer(actor)
    match = (
        Match.objects.select_related(
            "ours__person__case__organisation",
            "other__person__case__organisation",
            "exercise__node",
            "request",
        )
        .filter(pk=pk)
        .first()
    )
    if match is None or not _sees(user, match):
        raise NotFoundError(_("No such match."), code="not_found")
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=match,
        reason="linkage match viewed",
        after={
            "person": match.ours.person.pseudonym,
            "theirs": match.other.person.pseudonym if match.other else match.theirs,
        },
    )
    return match


def match_decide(*, actor: User | None, match: Match, decision: str, reason: str) -> Match:
    """Confirm a match as one person or reject it as two, with the reason."""
    user = _reviewer(actor)
    if not _sees(user, match):
        raise NotFoundError(_("No such match."), code="not_found")
    if decision not in (Decision.CONFIRMED, Decision.REJECTED):
        raise ApplicationError(_("A decision is confirmed or rejected."), code="invalid")
    if not reason.strip():
        raise ApplicationError(
            _("Give the reason for the decision on this match."), code="reason_required"
        )
    with transaction.atomic():
        before = {"decision": match.decision}
        match.decision = decision
        match.reason = reason.strip()
        match.decided_by = user
        match.decided_at = timezone.now()
        match.full_clean()
        match.save()
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=match,
            before=before,
            after={"decision": decision},
            reason=match.reason[:500],
        )
        if match.other is not None:  # two records here: counted once, or apart again
            regroup(actor=user, persons=[match.ours.person_id, match.other.person_id])
    return match


def match_request(*, actor: User | None, match: Match) -> Request:
    """A draft request for information (Protocol art. 10) to the other node about a confirmed
    match, on the case of the person here; sent as any request is."""
    user = _reviewer(actor)
    if not _sees(user, match):
        raise NotFoundError(_("No such match."), code="not_found")
    node = match.exercise.node
    if node is None:
        raise ApplicationError(
            _("Two persons of this node are one person: no other node to ask."), code="conflict"
        )
    if match.decision != Decision.CONFIRMED:
        raise ApplicationError(
            _("Only a confirmed match starts a cooperation request."), code="conflict"
        )
    if match.request_id is not None:
        raise ApplicationError(_("This match has a request already."), code="conflict")
    with transaction.atomic():
        request = request_create(
            actor=user,
            type=cc.RequestType.INFORMATION,
            subject=_("Possible match with your record {}").format(match.theirs),
            description=_(
                "The linkage exercise {exercise} found a possible match (probability "
                "{probability:.2f}) between your record {theirs} and a person registered here. "
                "Information is requested under article 10 of the Trafficking in Persons "
                "Protocol. The match discloses no identity by itself."
            ).format(
                exercise=match.exercise.pk, probability=match.probability, theirs=match.theirs
            ),
            node=node,
            requested_country=node.country_id,
            case=match.ours.person.case,
        )
        match.request = request
        match.save(update_fields=["request"])
        audit_record(
            actor=user, action=AuditAction.UPDATE, obj=match, after={"request": str(request.pk)}
        )
    return request
