"""Reads of the cooperation app: nodes and messages in transit, and the request workflow.

The request selectors are shaped for pages: an inbox and an outbox, a request's detail with
its thread (messages, status changes, extracts) in time order, the legal-basis suggestion,
the deadline board of what is overdue or due soon, and aggregate statistics."""

from __future__ import annotations

import datetime as dt
import math
import statistics as pystats
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases.dates import day_text
from palermo.cooperation import access, handling
from palermo.cooperation import choices as c
from palermo.cooperation.models import (
    OPEN_STATUSES,
    InboundMessage,
    Message,
    Node,
    OutboundMessage,
    Request,
    SharedCaseExtract,
    StatusChange,
)
from palermo.cooperation.workflow import FALLBACKS, LEGAL_BASES, allowed_transitions
from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.permissions import AnyUser
from palermo.core.pickers import country_names
from palermo.registry import selectors as registry
from palermo.registry.choices import DirectoryRole
from palermo.registry.models import DirectoryEntry, Instrument

# --- nodes and transport ---------------------------------------------------------------------


def node_list() -> QuerySet[Node]:
    """Peer nodes (an administrator's view: this is node configuration, not case data)."""
    return Node.objects.order_by("name")


def inbound_list(*, sender: Node | None = None) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.select_related("sender").order_by("id")
    return qs.filter(sender=sender) if sender is not None else qs


def outbound_pending(*, target: Node | None = None) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.filter(acknowledged_at__isnull=True).order_by("id")
    return qs.filter(target=target) if target is not None else qs


# --- requests: lists -------------------------------------------------------------------------

LIST_RELATED = access.LIST_RELATED


def request_list(
    *,
    user: AnyUser | None,
    direction: str = "",
    status: str = "",
    type: str = "",  # noqa: A002 - the request type, as in the API filter
    country: str = "",
    q: str = "",
    open_only: bool = False,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Request]:
    """The user's requests, newest first, filtered (each filter optional)."""
    qs = access.request_queryset(user).select_related(*LIST_RELATED)
    if direction:
        qs = qs.filter(direction=direction)
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if country:
        code = country.strip().upper()
        qs = qs.filter(Q(requesting_country_id=code) | Q(requested_country_id=code))
    if q:
        qs = qs.filter(
            Q(subject__icontains=q)
            | Q(requester_reference__icontains=q)
            | Q(requested_reference__icontains=q)
        )
    if open_only or overdue:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if overdue:
        qs = qs.filter(due_date__lt=today or timezone.localdate())
    return qs.annotate(message_count=Count("messages")).order_by("-created_at")


def request_inbox(*, user: AnyUser | None, status: str = "") -> QuerySet[Request]:
    """Requests made to the user's authority."""
    return request_list(user=user, direction=c.Direction.INCOMING, status=status)


def request_outbox(*, user: AnyUser | None, status: str = "") -> QuerySet[Request]:
    """Requests the user's authority made (drafts included)."""
    return request_list(user=user, direction=c.Direction.OUTGOING, status=status)


def shared_messages(*, user: AnyUser | None) -> QuerySet[Message]:
    """Received messages another organisation here shared with the user's organisation."""
    u = access.cooperation_user(user)
    if u is None:
        return Message.objects.none()
    return (
        Message.objects.filter(shares__organisation_id=u.organisation_id or 0)
        .select_related("request")
        .prefetch_related("attachments")
        .order_by("-created_at")
    )


# --- requests: detail and thread -------------------------------------------------------------


@dataclass(frozen=True)
class ThreadItem:
    """One line of a request's thread: a message or a status change."""

    at: dt.datetime
    kind: str  # "message" or "status"
    message: Message | None = None
    change: StatusChange | None = None


@dataclass(frozen=True)
class MessageActions:
    """What a page offers for one message of a thread."""

    automatic: bool  # an acknowledgement or a reminder: no handling code, no actions
    may_forward: bool
    may_share: bool


@dataclass
class RequestDetail:
    request: Request
    thread: list[ThreadItem]
    extracts: list[SharedCaseExtract]
    allowed_actions: list[str]
    pending_outbound: int
    # For received messages: which operations their handling codes still allow here.
    message_operations: dict[str, dict[str, bool]] = field(default_factory=dict)
    # What the request page offers (decided here, shown by the page).
    message_actions: dict[str, MessageActions] = field(default_factory=dict)
    may_write: bool = False  # messages, case extracts (not on a closed request)
    may_assign: bool = False  # a national coordinator, an incoming request without authority
    may_export: bool = True
    may_export_court: bool = True
    export_blocked_by: list[str] = field(default_factory=list)  # the handling codes
    overdue: bool = False


def share_refusals(message: Message) -> list[str]:
    """The handling codes that forbid sharing a message with anyone here (law_enforcement_only
    only limits who may get it: the form offers government agencies alone)."""
    return [
        code
        for code in handling.restrictions(message, handling.SHARE)
        if code != c.HandlingCode.LAW_ENFORCEMENT_ONLY
    ]


def shared_with_law_enforcement_only(message: Message) -> bool:
    """Whether a received message may be shared here only with a government agency."""
    return (
        message.direction == c.Direction.INCOMING
        and c.HandlingCode.LAW_ENFORCEMENT_ONLY in message.handling_codes
    )


def refusals(message: Message, operation: str) -> list[str]:
    """The handling codes that forbid `operation` (handling.OPERATIONS) on a message here."""
    if operation == handling.SHARE:
        return share_refusals(message)
    return handling.restrictions(message, operation)


def message_actions(message: Message, operations: dict[str, bool] | None = None) -> MessageActions:
    """What to offer for a message; `operations` as in RequestDetail.message_operations."""
    automatic = message.kind in (c.MessageKind.ACKNOWLEDGEMENT, c.MessageKind.REMINDER)
    allowed = operations or {op: True for op in handling.OPERATIONS}
    return MessageActions(
        automatic=automatic,
        may_forward=not automatic and allowed.get(handling.FORWARD, True),
        may_share=not automatic
        and message.direction == c.Direction.INCOMING
        and not share_refusals(message),
    )


def request_detail(
    *, user: AnyUser | None, key: object, today: dt.date | None = None
) -> RequestDetail:
    """A request with its thread in time order and what the user may do with it; 404 when the
    user may not see it."""
    request = access.request_get(user, key)
    messages = list(
        request.messages.select_related("author").prefetch_related("attachments", "extracts")
    )
    changes = list(request.status_changes.select_related("actor"))
    thread = [ThreadItem(m.received_at or m.created_at, "message", message=m) for m in messages]
    thread += [ThreadItem(ch.at, "status", change=ch) for ch in changes]
    thread.sort(key=lambda item: (item.at, 0 if item.kind == "status" else 1))
    pending = 0
    if request.node_id is not None:
        pending = OutboundMessage.objects.filter(
            target_id=request.node_id, request=str(request.pk), acknowledged_at__isnull=True
        ).count()
    ops = {
        str(m.pk): {op: handling.allowed(m, op) for op in handling.OPERATIONS}
        for m in messages
        if m.direction == c.Direction.INCOMING
    }
    day = today or timezone.localdate()
    u = access.cooperation_user(user)
    return RequestDetail(
        request=request,
        thread=thread,
        extracts=list(request.extracts.order_by("created_at")),
        allowed_actions=sorted(allowed_transitions(request)),
        pending_outbound=pending,
        message_operations=ops,
        message_actions={str(m.pk): message_actions(m, ops.get(str(m.pk))) for m in messages},
        may_write=request.status != c.RequestStatus.CLOSED,
        may_assign=request.direction == c.Direction.INCOMING
        and request.requested_organisation_id is None
        and u is not None
        and u.role == Role.NATIONAL_COORDINATOR,
        may_export=all(o[handling.EXPORT] for o in ops.values()),
        may_export_court=all(o[handling.COURT] for o in ops.values()),
        export_blocked_by=sorted(
            {code for m in messages for code in handling.restrictions(m, handling.COURT)}
        ),
        overdue=request.is_open and request.due_date is not None and request.due_date < day,
    )


def draft_get(*, user: AnyUser | None, key: object) -> Request:
    """An outgoing draft of the user's to change; ForbiddenError once it is no longer one."""
    request = access.request_get(user, key)
    if request.status != c.RequestStatus.DRAFT or request.direction != c.Direction.OUTGOING:
        raise ForbiddenError(_("Only a draft can be changed."), code="not_a_draft")
    return request


def message_to_handle(*, user: AnyUser | None, key: object) -> Message:
    """A message on a request the user works on (to forward or share); 404 otherwise (a message
    only shared with their organisation is read, not passed on)."""
    message = access.message_get(user, key)
    if not access.request_queryset(user).filter(pk=message.request_id).exists():
        raise NotFoundError(_("No such message."), code="not_found")
    return message


def forward_targets(*, user: AnyUser | None, message: Message) -> QuerySet[Request]:
    """The user's other open requests a message may be forwarded to, newest first."""
    return (
        access.request_queryset(user)
        .exclude(pk=message.request_id)
        .exclude(status__in=[c.RequestStatus.CLOSED])
        .order_by("-created_at")
    )


def request_messages(*, user: AnyUser | None, key: object) -> QuerySet[Message]:
    request = access.request_get(user, key)
    return request.messages.select_related("author").prefetch_related("attachments", "extracts")


# --- legal basis -----------------------------------------------------------------------------


def _position(standing: registry.Standing | None) -> dict[str, Any] | None:
    """A state's position for the snapshot: `status` is exactly party, signatory or no_record
    (the registry does not know is not "not bound"); `bound` as before."""
    if standing is None:
        return None
    return {
        "country": standing.country,
        "status": standing.status,
        "consent": standing.consent_action,
        "consent_date": standing.consent_date.isoformat() if standing.consent_date else None,
        "in_force": standing.in_force.isoformat() if standing.in_force else None,
        "bound": standing.bound,
        "record_until": standing.record_until.isoformat() if standing.record_until else None,
        "description": standing.describe(),
    }


def legal_basis_suggest(
    *,
    type: str,
    requesting: str | None,
    requested: str | None,
    on: dt.date | None = None,  # noqa: A002
) -> dict[str, Any]:
    """The instruments both states are bound by on `on`, for this type of request.

    Returns a JSON-ready snapshot (it is stored with the request when it is sent):
    `suggestions` (both bound, in force for both; entry into force unknown counts as bound and
    says so), `not_applicable` (with why: for each state that is not bound, whether it is a
    signatory only, a party for which the instrument is not yet in force, or the registry holds
    no record for it up to the date of its newest source on the instrument), and the
    `fallbacks` (bilateral agreement, reciprocity) when no treaty applies."""
    if type not in c.RequestType.values:
        raise ForbiddenError(_("Unknown request type '{}'.").format(type), code="unknown_type")
    day = on or timezone.localdate()
    codes = [x.strip().upper() if x else None for x in (requesting, requested)]
    bases = LEGAL_BASES[type]
    instruments = {
        i.slug: i for i in Instrument.objects.filter(slug__in={b.instrument for b in bases})
    }
    suggestions: list[dict[str, Any]] = []
    not_applicable: list[dict[str, Any]] = []
    rows_by_slug: dict[str, dict[str, registry.PartyRow]] = {}
    covered = registry.coverage_map()
    for basis in bases:
        inst = instruments.get(basis.instrument)
        if inst is None:
            continue
        if basis.instrument not in rows_by_slug:
            rows_by_slug[basis.instrument] = {
                r.country: r
                for r in registry.parties(instrument=inst, as_of=day, with_conflicts=False)
            }
        rows = rows_by_slug[basis.instrument]
        standings = [
            registry.standing_from_row(
                instrument=inst,
                country=code,
                as_of=day,
                row=rows.get(code),
                record_until=covered.get(inst.slug),
            )
            if code
            else None
            for code in codes
        ]
        positions = [_position(st) for st in standings]
        item = {
            "instrument": inst.slug,
            "short_name": inst.short_name,
            "title": inst.title,
            "article": basis.article,
            "note": basis.note,
            "requesting": positions[0],
            "requested": positions[1],
            "sources": [s for code in codes if code and code in rows for s in rows[code].sources],
        }
        missing = [
            st.describe() if st is not None else "?"
            for st in standings
            if st is None or not st.bound
        ]
        if missing:
            item["why_not"] = _("{} (as of {})").format("; ".join(missing), day_text(day))
            not_applicable.append(item)
        else:
            unknown = [p["country"] for p in positions if p and p["in_force"] is None]
            if unknown:
                item["caveat"] = "entry into force for {} not recorded".format(", ".join(unknown))
            suggestions.append(item)
    return {
        "type": type,
        "requesting_country": codes[0],
        "requested_country": codes[1],
        "as_of": day.isoformat(),
        "suggestions": suggestions,
        "not_applicable": not_applicable,
        "fallbacks": list(FALLBACKS) if not suggestions else [],
    }


# --- deadlines and overdue -------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDeadline:
    day: dt.date
    request: Request
    side: str  # this node's side
    waiting_for: str  # "us" or "them"
    overdue: bool
    days: int  # days overdue (positive) or left (negative or zero)


def _waiting_for(request: Request) -> str:
    """Whose move it is: the requested side's, except while more information is asked for."""
    their_move = request.status == c.RequestStatus.MORE_INFO_REQUESTED
    if request.direction == c.Direction.INCOMING:
        return "them" if their_move else "us"
    return "us" if their_move else "them"


def request_deadlines(
    *, user: AnyUser | None, days: int = 7, today: dt.date | None = None
) -> list[RequestDeadline]:
    """Open requests of the user due within `days` or overdue, most pressing first."""
    day = today or timezone.localdate()
    horizon = day + dt.timedelta(days=days)
    qs = (
        access.request_queryset(user)
        .filter(status__in=OPEN_STATUSES, due_date__isnull=False, due_date__lte=horizon)
        .select_related(*LIST_RELATED)
    )
    out = []
    for r in qs:
        assert r.due_date is not None  # noqa: S101 - filtered above
        out.append(
            RequestDeadline(
                day=r.due_date,
                request=r,
                side=r.side,
                waiting_for=_waiting_for(r),
                overdue=r.due_date < day,
                days=(day - r.due_date).days,
            )
        )
    urgency: dict[str, int] = {c.Urgency.VERY_URGENT: 0, c.Urgency.URGENT: 1, c.Urgency.NORMAL: 2}
    return sorted(out, key=lambda d: (d.day, urgency.get(d.request.urgency, 3)))


def overdue(
    *, user: AnyUser | None, today: dt.date | None = None
) -> dict[str, list[RequestDeadline]]:
    """What is overdue on each side: requests we owe an answer to, and answers we wait for."""
    rows = [d for d in request_deadlines(user=user, days=0, today=today) if d.overdue]
    return {
        "ours": [d for d in rows if d.waiting_for == "us"],
        "theirs": [d for d in rows if d.waiting_for == "them"],
    }


def overdue_all(*, today: dt.date | None = None) -> QuerySet[Request]:
    """Every open request past its due date on this node (for reminders; no user filter)."""
    return Request.objects.filter(
        status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate()
    ).select_related("node")


# --- statistics ------------------------------------------------------------------------------


def _percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (p in 0..100) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _days(seconds: list[float]) -> dict[str, Any]:
    median = pystats.median(seconds) if seconds else None
    p90 = _percentile(seconds, 90)
    return {
        "n": len(seconds),
        "median_days": round(median / 86400, 2) if median is not None else None,
        "p90_days": round(p90 / 86400, 2) if p90 is not None else None,
    }


def cooperation_statistics(
    *,
    user: AnyUser | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    type: str = "",  # noqa: A002
) -> dict[str, Any]:
    """Aggregates over every request on this node that was sent (never a single request).

    - `pairs`: requests per (requesting state, requested state, type), with how many were
      refused, executed (fully or partly) and are still open;
    - `response_times`: from sending to the requested side's first decision (accepted, more
      information requested or refused) and to completion (executed, partially executed,
      refused), as median and 90th percentile in days, overall and per type;
    - `refusal_grounds`: refusals per ground.
    Analysts, investigators/prosecutors and national coordinators may see them."""
    if not access.can_see_statistics(user):
        raise ForbiddenError(
            _("Cooperation statistics are for analysts, investigators and coordinators.")
        )
    qs = Request.objects.exclude(status=c.RequestStatus.DRAFT).exclude(sent_at__isnull=True)
    if date_from:
        qs = qs.filter(sent_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(sent_at__date__lte=date_to)
    if type:
        qs = qs.filter(type=type)
    rows = list(
        qs.values(
            "requesting_country_id",
            "requested_country_id",
            "type",
            "status",
            "refusal_ground",
            "sent_at",
            "responded_at",
            "completed_at",
        )
    )
    pairs: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    first_response: dict[str, list[float]] = defaultdict(list)
    completion: dict[str, list[float]] = defaultdict(list)
    grounds: Counter[str] = Counter()
    done = {c.RequestStatus.EXECUTED, c.RequestStatus.PARTIALLY_EXECUTED}
    for r in rows:
        key = (r["requesting_country_id"] or "", r["requested_country_id"] or "", r["type"])
        pairs[key]["requests"] += 1
        if r["status"] in OPEN_STATUSES:
            pairs[key]["open"] += 1
        if r["refusal_ground"]:
            pairs[key]["refused"] += 1
            grounds[r["refusal_ground"]] += 1
        elif r["status"] in done or (r["status"] == c.RequestStatus.CLOSED and r["completed_at"]):
            pairs[key]["executed"] += 1
        if r["responded_at"] and r["sent_at"]:
            seconds = (r["responded_at"] - r["sent_at"]).total_seconds()
            first_response["all"].append(seconds)
            first_response[r["type"]].append(seconds)
        if r["completed_at"] and r["sent_at"]:
            seconds = (r["completed_at"] - r["sent_at"]).total_seconds()
            completion["all"].append(seconds)
            completion[r["type"]].append(seconds)
    names = country_names({k[0] for k in pairs} | {k[1] for k in pairs})  # reader's language
    return {
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
        "total": len(rows),
        "pairs": [
            {
                "requesting_country": k[0],
                "requesting_country_name": names.get(k[0], k[0]),
                "requested_country": k[1],
                "requested_country_name": names.get(k[1], k[1]),
                "type": k[2],
                "requests": v["requests"],
                "open": v["open"],
                "executed": v["executed"],
                "refused": v["refused"],
            }
            for k, v in sorted(pairs.items())
        ],
        "response_times": {
            "first_response": _days(first_response["all"]),
            "completion": _days(completion["all"]),
            "by_type": {
                t: {
                    "first_response": _days(first_response[t]),
                    "completion": _days(completion[t]),
                }
                for t in c.RequestType.values
                if first_response[t] or completion[t]
            },
        },
        "refusal_grounds": [
            {"ground": g, "label": str(c.RefusalGround(g).label), "count": n}
            for g, n in grounds.most_common()
        ],
    }


# --- authorities -------------------------------------------------------------------------------

# Which directory roles are competent for which type of request, most competent first. Only
# orders the authorities offered; the requested state's coordinators may reassign a request.
COMPETENT_ROLES: dict[str, tuple[str, ...]] = {
    c.RequestType.MLA: (
        DirectoryRole.MLA_CENTRAL_AUTHORITY,
        DirectoryRole.SPECIALIST_PROSECUTION_UNIT,
    ),
    c.RequestType.EXTRADITION: (
        DirectoryRole.EXTRADITION_AUTHORITY,
        DirectoryRole.MLA_CENTRAL_AUTHORITY,
        DirectoryRole.SPECIALIST_PROSECUTION_UNIT,
    ),
    c.RequestType.JIT: (
        DirectoryRole.SPECIALIST_PROSECUTION_UNIT,
        DirectoryRole.SPECIALIST_POLICE_UNIT,
    ),
    c.RequestType.INFORMATION: (
        DirectoryRole.SPECIALIST_POLICE_UNIT,
        DirectoryRole.FOCAL_POINT,
    ),
    c.RequestType.RETURN_VERIFICATION: (
        DirectoryRole.NATIONAL_COORDINATOR,
        DirectoryRole.REFERRAL_COORDINATOR,
    ),
    c.RequestType.TRACING: (
        DirectoryRole.SPECIALIST_POLICE_UNIT,
        DirectoryRole.REFERRAL_COORDINATOR,
    ),
    c.RequestType.ASSETS: (
        DirectoryRole.MLA_CENTRAL_AUTHORITY,
        DirectoryRole.SPECIALIST_PROSECUTION_UNIT,
        DirectoryRole.SPECIALIST_POLICE_UNIT,
    ),
}
# After the competent ones: who coordinates in that state.
FALLBACK_ROLES = (
    DirectoryRole.NATIONAL_COORDINATOR,
    DirectoryRole.COORDINATION_BODY,
    DirectoryRole.FOCAL_POINT,
)


def authority_candidates(*, type_: str, country: str) -> list[tuple[DirectoryEntry, bool]]:
    """The directory entries of `country`, the competent ones for `type_` first (flagged True)."""
    if not country:
        return []
    competent = COMPETENT_ROLES.get(type_, ())
    ranking = {role: n for n, role in enumerate((*competent, *FALLBACK_ROLES))}
    entries = DirectoryEntry.objects.filter(country_id=country).select_related("organisation")
    ordered = sorted(
        entries, key=lambda e: (ranking.get(e.role, len(ranking)), e.organisation.name, e.unit)
    )
    return [(e, e.role in competent) for e in ordered]
