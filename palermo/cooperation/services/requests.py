"""Writes of the request workflow: drafts, sending, status changes, assignment, reminders.

A request is drafted by the requesting authority's investigators or national coordinators,
names the requested authority (from the directory, or by name when this node does not know it)
and the legal basis it relies on, and is sent through its node. Each later status change
follows workflow.TRANSITIONS and travels to the other node (services.events).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from palermo.cases.access import case_queryset
from palermo.cases.dates import day_text
from palermo.cases.models import Case
from palermo.cooperation import access, envelopes, selectors
from palermo.cooperation import choices as c
from palermo.cooperation.models import Message, Node, Request, StatusChange
from palermo.cooperation.services.events import (
    author_label,
    authority_label,
    enqueue,
    locked,
    message_payload,
    reference_new,
    request_payload,
    status_change,
)
from palermo.cooperation.transport import node_get
from palermo.cooperation.workflow import (
    REQUESTER,
    SUGGESTED,
    LegalBasisChoice,
    allowed_transitions,
    default_article,
    legal_basis_label,
    legal_basis_parse,
)
from palermo.core.audit import audit_record, model_snapshot
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Organisation, User
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get
from palermo.registry.models import DirectoryEntry, Instrument

RS = c.RequestStatus
REQUEST_AUDIT_FIELDS = [
    "type",
    "status",
    "subject",
    "urgency",
    "due_date",
    "node",
    "requested_organisation",
    "requested_country",
    "legal_basis_kind",
    "legal_basis_instrument",
    "legal_basis_article",
]
DRAFT_FIELDS = frozenset(
    {
        "type",
        "subject",
        "description",
        "urgency",
        "due_date",
        "node",
        "requested_organisation",
        "requested_authority",
        "requested_country",
        "case",
    }
)
REMINDER_INTERVAL = dt.timedelta(days=7)

# Whole sentences per side, the statuses by their labels (in the reader's language).
CANNOT_MOVE: dict[str, Promise] = {
    c.Side.REQUESTER: gettext_lazy(
        "The requesting side cannot move this request from “%(from)s” to “%(to)s”."
    ),
    c.Side.REQUESTED: gettext_lazy(
        "The requested side cannot move this request from “%(from)s” to “%(to)s”."
    ),
}


# --- legal basis -----------------------------------------------------------------------------


def _suggestion(request: Request, on: dt.date) -> dict[str, Any]:
    return selectors.legal_basis_suggest(
        type=request.type,
        requesting=request.requesting_country_id,
        requested=request.requested_country_id,
        on=on,
    )


def _legal_basis_apply(request: Request, choice: LegalBasisChoice, on: dt.date) -> None:
    kind = choice.kind
    if kind == SUGGESTED:
        snapshot = _suggestion(request, on)
        if not snapshot["suggestions"]:
            raise ApplicationError(
                _(
                    "No treaty in the registry binds both {} and {} on {} for this type of "
                    "request: state a bilateral agreement (bilateral:TEXT) or rely on reciprocity."
                ).format(
                    request.requesting_country_id or "?",
                    request.requested_country_id or "?",
                    day_text(on),
                ),
                code="no_suggestion",
            )
        first = snapshot["suggestions"][0]
        choice = LegalBasisChoice(
            c.LegalBasisKind.INSTRUMENT, instrument=first["instrument"], article=first["article"]
        )
        kind = choice.kind
    if kind not in c.LegalBasisKind.values:
        raise ApplicationError(
            _("Unknown legal basis: use instrument, bilateral or reciprocity."),
            code="unknown_legal_basis",
        )
    request.legal_basis_kind = kind
    request.legal_basis_instrument = None
    request.legal_basis_article = ""
    request.legal_basis_text = choice.text.strip()
    if kind == c.LegalBasisKind.INSTRUMENT:
        instrument = Instrument.objects.filter(slug=(choice.instrument or "").strip()).first()
        if instrument is None:
            raise NotFoundError(
                _("No instrument with slug '{}' in the registry.").format(choice.instrument),
                code="unknown_instrument",
            )
        request.legal_basis_instrument = instrument
        article = choice.article.strip() or default_article(request.type, instrument.slug)
        request.legal_basis_article = article[:100]
    elif kind == c.LegalBasisKind.BILATERAL and not request.legal_basis_text:
        raise ApplicationError(
            _("Name the bilateral agreement or arrangement (bilateral:TEXT)."),
            code="legal_basis_text_required",
        )


# --- authorities -----------------------------------------------------------------------------


def authority_resolve(value: str) -> tuple[Organisation, DirectoryEntry | None]:
    """An authority named by directory reference key, directory entry id or organisation name."""
    text = (value or "").strip()
    entry = None
    if text:
        entry = DirectoryEntry.objects.select_related("organisation").filter(ref_key=text).first()
        if entry is None and text.isdigit():
            entry = (
                DirectoryEntry.objects.select_related("organisation").filter(pk=int(text)).first()
            )
    if entry is not None:
        return entry.organisation, entry
    org = Organisation.objects.filter(name=text).first() if text else None
    if org is None:
        raise NotFoundError(
            _(
                "No authority '{}': give an organisation name, a directory entry id or its "
                "reference key."
            ).format(value),
            code="unknown_authority",
        )
    return org, None


# --- drafts ----------------------------------------------------------------------------------


def _clean_request_fields(  # noqa: PLR0912, PLR0915 - one branch per field
    request: Request,
    *,
    type: str | None = None,  # noqa: A002
    subject: str | None = None,
    description: str | None = None,
    urgency: str | None = None,
    due_date: dt.date | None | str = "",
    node: Node | None | str = "",
    requested_organisation: Organisation | None | str = "",
    requested_authority: DirectoryEntry | None | str = "",
    requested_country: str | None = None,
    case: Case | None | str = "",
    today: dt.date,
) -> None:
    """Set the given fields of a draft (an empty string: leave as it is)."""
    if type is not None:
        if type not in c.RequestType.values:
            raise ApplicationError(
                _("Unknown request type: use one of {}.").format(", ".join(c.RequestType.values)),
                code="unknown_type",
            )
        request.type = type
    if subject is not None:
        if not subject.strip():
            raise ApplicationError(_("Give the request a subject."), code="subject_required")
        request.subject = subject.strip()[:300]
    if description is not None:
        request.description = description
    if urgency is not None:
        if urgency not in c.Urgency.values:
            raise ApplicationError(
                _("Unknown urgency: use one of {}.").format(", ".join(c.Urgency.values)),
                code="unknown_urgency",
            )
        request.urgency = urgency
    if due_date != "":
        if isinstance(due_date, str):
            due_date = dt.date.fromisoformat(due_date)
        if due_date is not None and due_date < today:
            raise ApplicationError(
                _("The due date {} is in the past.").format(due_date), code="invalid_date"
            )
        request.due_date = due_date
    if node != "":
        if isinstance(node, str):
            node = node_get(name=node)
        if node is not None and not node.active:
            raise ApplicationError(
                _("The node {} is not active.").format(node.name), "inactive_node"
            )
        request.node = node
    named_only = ""
    if requested_authority != "":
        if isinstance(requested_authority, str):
            try:
                org, entry = authority_resolve(requested_authority)
            except NotFoundError:
                # An authority of the other state that this node does not know: it travels by
                # name, and the other node resolves it (or its national coordinators assign it).
                org, entry, named_only = None, None, requested_authority.strip()[:300]
            request.requested_organisation, request.requested_authority = org, entry
        else:
            request.requested_authority = requested_authority
            if requested_authority is not None:
                request.requested_organisation = requested_authority.organisation
    if requested_organisation != "":
        if isinstance(requested_organisation, str):
            org, entry = authority_resolve(requested_organisation)
            request.requested_organisation = org
            request.requested_authority = entry or request.requested_authority
        else:
            request.requested_organisation = requested_organisation
    if requested_country:
        request.requested_country = country_get(requested_country, "requested_country")
    elif request.requested_country_id is None:
        for candidate in (
            request.requested_authority.country_id if request.requested_authority else None,
            request.requested_organisation.country_id if request.requested_organisation else None,
            request.node.country_id if request.node else None,
        ):
            if candidate:
                request.requested_country_id = candidate
                break
    if request.requested_organisation is not None:
        request.requested_authority_name = authority_label(
            request.requested_organisation, request.requested_authority
        )
    elif named_only:
        request.requested_authority_name = named_only
    if case != "":
        request.case = case if not isinstance(case, str) else None


def _check_case(actor: User, case: Case | None) -> None:
    if case is not None and not case_queryset(actor).filter(pk=case.pk).exists():
        raise NotFoundError(_("No such case."), code="not_found")


@transaction.atomic
def request_create(
    *,
    actor: AnyUser | None,
    type: str,  # noqa: A002
    subject: str,
    description: str = "",
    node: Node | str | None = None,
    requested_authority: DirectoryEntry | str | None = None,
    requested_organisation: Organisation | str | None = None,
    requested_country: str | None = None,
    urgency: str = c.Urgency.NORMAL,
    due_date: dt.date | str | None = None,
    legal_basis: LegalBasisChoice | str | None = None,
    case: Case | None = None,
    now: dt.datetime | None = None,
) -> Request:
    """A draft request of the actor's organisation (the requesting authority)."""
    user = access.require_cooperation_user(actor)
    now = now or timezone.now()
    org = user.organisation
    assert org is not None  # noqa: S101 - cooperation users have one
    _check_case(user, case)
    request = Request(
        direction=c.Direction.OUTGOING,
        requesting_organisation=org,
        requesting_authority=DirectoryEntry.objects.filter(organisation=org).first(),
        requesting_authority_name=org.name,
        requesting_country_id=org.country_id,
        created_by=user,
        created_at=now,
        subject="-",
        type=c.RequestType.MLA,
    )
    _clean_request_fields(
        request,
        type=type,
        subject=subject,
        description=description,
        urgency=urgency,
        due_date=due_date,
        node=node if node is not None else "",
        requested_authority=requested_authority if requested_authority is not None else "",
        requested_organisation=requested_organisation if requested_organisation is not None else "",
        requested_country=requested_country,
        case=case if case is not None else "",
        today=timezone.localdate(now),
    )
    request.requester_reference = reference_new(request.type.upper().replace("_", ""), now)
    if legal_basis is not None:
        choice = legal_basis_parse(legal_basis) if isinstance(legal_basis, str) else legal_basis
        _legal_basis_apply(request, choice, timezone.localdate(now))
    request.full_clean()
    request.save()
    StatusChange.objects.create(
        request=request,
        from_status=RS.DRAFT,
        to_status=RS.DRAFT,
        side=REQUESTER,
        actor=user,
        actor_label=user.username,
        note="Draft created",
        at=now,
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=request,
        after=model_snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    return request


@transaction.atomic
def request_update(
    *,
    actor: AnyUser | None,
    request: Request,
    legal_basis: LegalBasisChoice | str | None = None,
    **fields: Any,
) -> Request:
    """Change a draft (fields as for request_create; only drafts change)."""
    user = access.require_cooperation_user(actor)
    request = access.request_get(user, request.pk)
    if request.status != RS.DRAFT or request.direction != c.Direction.OUTGOING:
        raise ApplicationError(
            _("Only a draft can be changed; this request is {}.").format(request.status),
            code="not_a_draft",
        )
    before = model_snapshot(request, REQUEST_AUDIT_FIELDS)
    if "case" in fields:
        _check_case(user, fields["case"])
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: {}.").format(", ".join(sorted(unknown))),
            code="invalid",
        )
    if "requested_authority" in fields or "requested_organisation" in fields:
        request.requested_country = None  # follows the new authority unless given
    _clean_request_fields(request, today=timezone.localdate(), **fields)
    if legal_basis is not None:
        choice = legal_basis_parse(legal_basis) if isinstance(legal_basis, str) else legal_basis
        _legal_basis_apply(request, choice, timezone.localdate())
    request.full_clean()
    request.save()
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        before=before,
        after=model_snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    return request


# --- sending and the life cycle ----------------------------------------------------------------


def _send_problems(request: Request) -> list[str]:
    """What a draft lacks before it can be sent (empty: nothing)."""
    problems = []
    if request.node is None:
        problems.append(_("the node it goes to"))
    elif not request.node.active:
        problems.append(_("an active node (node {} is inactive)").format(request.node.name))
    if request.requested_country_id is None:
        # Without it, a request whose authority the other node does not know would reach
        # nobody there (its national coordinators assign such requests).
        problems.append(_("the requested state"))
    if not request.legal_basis_kind:
        problems.append(
            _(
                "a legal basis (an instrument, a bilateral agreement or reciprocity; "
                "see the suggestion)"
            )
        )
    return problems


@transaction.atomic
def request_send(
    *, actor: AnyUser | None, request: Request, now: dt.datetime | None = None
) -> Request:
    """Send a draft: it travels to its node with the messages written so far, in order."""
    user = access.require_cooperation_user(actor)
    request = locked(access.request_get(user, request.pk, related=False))
    now = now or timezone.now()
    if request.status != RS.DRAFT or request.direction != c.Direction.OUTGOING:
        raise ApplicationError(
            _("Only a draft can be sent; this request is {}.").format(request.status),
            code="invalid_transition",
        )
    problems = _send_problems(request)
    if problems:
        raise ApplicationError(
            _("The request cannot be sent without {}.").format("; ".join(problems)),
            code="incomplete",
        )
    request.legal_basis_suggestion = _suggestion(request, timezone.localdate(now))
    request.sent_at = now
    status_change(request, RS.SENT, side=REQUESTER, actor=user, at=now, note="Sent")
    request.save()
    enqueue(request, envelopes.KIND_CREATE, request_payload(request))
    for message in request.messages.filter(direction=c.Direction.OUTGOING).order_by(
        "created_at", "id"
    ):
        enqueue(request, envelopes.KIND_MESSAGE, message_payload(message))
    with override(None):  # the audit log keeps the label untranslated
        label = legal_basis_label(request)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        after={
            "status": RS.SENT,
            "node": request.node.name if request.node else None,
            "legal_basis": label,
        },
    )
    return request


@transaction.atomic
def request_transition(
    *,
    actor: AnyUser | None,
    request: Request,
    to_status: str,
    note: str = "",
    refusal_ground: str = "",
    now: dt.datetime | None = None,
) -> Request:
    """Move a request on (see workflow.TRANSITIONS); a refusal needs a ground and the grounds as
    text.

    Only the requester withdraws; only the requested side accepts, asks for more information,
    executes or refuses; either side closes a finished request."""
    user = access.require_cooperation_user(actor)
    request = locked(access.request_get(user, request.pk, related=False))
    now = now or timezone.now()
    if to_status not in RS.values:
        raise ApplicationError(_("Unknown status."), code="unknown_status")
    allowed = allowed_transitions(request)
    if to_status not in allowed:
        text = CANNOT_MOVE[request.side] % {
            "from": RS(request.status).label,
            "to": RS(to_status).label,
        }
        if allowed:
            text += " " + _("It may move it to: %(statuses)s.") % {
                "statuses": ", ".join(str(RS(s).label) for s in sorted(allowed))
            }
        raise ApplicationError(text, code="invalid_transition")
    if to_status == RS.REFUSED:
        if refusal_ground not in c.RefusalGround.values:
            raise ApplicationError(
                _("A refusal needs its ground: one of {}.").format(
                    ", ".join(c.RefusalGround.values)
                ),
                code="grounds_required",
            )
        if not note.strip():
            raise ApplicationError(
                _("A refusal needs its grounds stated in full."), code="grounds_required"
            )
        request.refusal_ground = refusal_ground
        request.refusal_grounds = note.strip()
    before = request.status
    status_change(request, to_status, side=request.side, actor=user, at=now, note=note.strip())
    request.save()
    enqueue(
        request,
        envelopes.KIND_STATUS,
        envelopes.dump(
            envelopes.StatusPayload(
                from_status=c.RequestStatus(before),
                to_status=c.RequestStatus(to_status),
                at=now,
                actor=author_label(user),
                note=note.strip(),
                refusal_ground=c.RefusalGround(refusal_ground) if to_status == RS.REFUSED else None,
            )
        ),
    )
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        before={"status": before},
        after={"status": to_status, "refusal_ground": request.refusal_ground or None},
    )
    return request


def request_withdraw(*, actor: AnyUser | None, request: Request, note: str = "") -> Request:
    return request_transition(actor=actor, request=request, to_status=RS.WITHDRAWN, note=note)


def request_refuse(
    *, actor: AnyUser | None, request: Request, ground: str, grounds: str
) -> Request:
    return request_transition(
        actor=actor, request=request, to_status=RS.REFUSED, note=grounds, refusal_ground=ground
    )


@transaction.atomic
def request_assign(
    *, actor: AnyUser | None, request: Request, organisation: Organisation | str
) -> Request:
    """A national coordinator gives an incoming request without an authority here to one."""
    user = access.require_cooperation_user(actor)
    request = locked(access.request_get(user, request.pk, related=False))
    if user.role != Role.NATIONAL_COORDINATOR:
        raise ForbiddenError(_("Only national coordinators assign incoming requests."))
    if request.direction != c.Direction.INCOMING or request.requested_organisation_id:
        raise ApplicationError(
            _("Only an incoming request without an authority here can be assigned."),
            code="invalid_transition",
        )
    org = (
        organisation
        if isinstance(organisation, Organisation)
        else authority_resolve(organisation)[0]
    )
    request.requested_organisation = org
    request.save(update_fields=["requested_organisation", "updated_at"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=request, after={"requested_organisation": org.pk}
    )
    return request


# --- reminders -------------------------------------------------------------------------------


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the other node of outgoing requests past their due date (at most weekly each).

    Incoming overdue requests are on this node's own deadline board. Returns how many went."""
    now = now or timezone.now()
    sent = 0
    for request in selectors.overdue_all(today=timezone.localdate(now)).filter(
        direction=c.Direction.OUTGOING
    ):
        if request.last_reminder_at and now - request.last_reminder_at < REMINDER_INTERVAL:
            continue
        if request.status == RS.MORE_INFO_REQUESTED:
            continue  # the requester owes the next step
        with transaction.atomic():
            row = locked(request)
            assert row.due_date is not None  # noqa: S101 - overdue_all filters on it
            message = Message.objects.create(
                request=row,
                direction=c.Direction.OUTGOING,
                kind=c.MessageKind.REMINDER,
                author_name=row.requesting_authority_name,
                body="Reminder: this request was due on {} and is {} days overdue.".format(
                    row.due_date.isoformat(), (timezone.localdate(now) - row.due_date).days
                ),
                created_at=now,
            )
            enqueue(row, envelopes.KIND_MESSAGE, message_payload(message))
            row.last_reminder_at = now
            row.save(update_fields=["last_reminder_at", "updated_at"])
        sent += 1
    return sent
