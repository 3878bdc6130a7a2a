"""Reads of case management, always limited to what the user may see (see access.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.db import connection
from django.db.models import (
    BooleanField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.cases.access import (
    CASE_ROLES,
    CaseAccess,
    case_queryset,
    person_get,
    shared_grants,
    whole_cases,
)
from palermo.cases.caserecords import case_records_load
from palermo.cases.choices import MeasureStatus, ReferralStatus, ReturnStatus, ShareScope
from palermo.cases.dates import day_text
from palermo.cases.models import (
    Case,
    FollowUpVisit,
    IndicatorList,
    Person,
    ProtectionMeasure,
    Referral,
    is_child,
)
from palermo.core.choices import OrganisationKind
from palermo.core.errors import NotFoundError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import AnyUser


def case_list(
    *,
    user: AnyUser | None,
    q: str = "",
    status: str = "",
    exploitation: str = "",
    role: str = "",
    country: str = "",
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    child: bool | None = None,
) -> QuerySet[Case]:
    """Cases visible to the user, filtered. `q` matches the reference, title or a pseudonym."""
    qs = case_queryset(user).select_related("organisation", "country")
    if q:
        match = Q(reference__icontains=q) | Q(title__icontains=q)
        # A pseudonym finds its case only if the user may see that person (a referral for one
        # person must not confirm who else is in the case).
        try:
            person, _access = person_get(user, q.strip().upper())
        except NotFoundError:
            person = None
        if person is not None:
            match |= Q(pk=person.case_id)
        qs = qs.filter(match)
    if status:
        qs = qs.filter(status=status)
    if exploitation or role or child is not None:
        qs = qs.filter(_person_filters(user, exploitation=exploitation, role=role, child=child))
    if country:
        qs = qs.filter(country_id=country.upper())
    if opened_from:
        qs = qs.filter(opened_on__gte=opened_from)
    if opened_to:
        qs = qs.filter(opened_on__lte=opened_to)
    return qs.order_by("-opened_on", "reference")


def _person_filters(user: AnyUser | None, *, exploitation: str, role: str, child: bool | None) -> Q:
    """Filters on the persons in a case, as far as the user sees them.

    In the user's whole cases they read the case's facets (cases.facets: one partial index on
    PostgreSQL). A case shared with the user's organisation is judged only by the persons its
    shares name, and by forms of exploitation only where a share gives the case facts: a
    referral of one adult must not tell, through a filter, that the case holds a child or a
    suspect. Shares are few, so those cases are checked here, person by person."""
    facets = Q()
    if exploitation:
        facets &= _facet_has("exploitation_types", exploitation)
    if role:
        facets &= _facet_has("person_roles", role)
    if child is not None:
        facets &= Q(has_child=child)
    condition = whole_cases(user) & facets
    grants = shared_grants(user)
    if not grants:
        return condition
    matching = []
    persons: dict[Any, list[dict[str, Any]]] = {}
    fields = ("case_id", "pseudonym", "role", "types_of_exploitation")
    for row in Person.objects.filter(case_id__in=list(grants)).values(
        *fields, "age_uncertain", "age_at_registration"
    ):
        persons.setdefault(row["case_id"], []).append(row)
    for case_id, case_grants in grants.items():
        seen = [p for p in persons.get(case_id, []) if _granted(case_grants, p["pseudonym"])]
        facts = [
            p for p in seen if _granted(case_grants, p["pseudonym"], scope=ShareScope.CASE_FACTS)
        ]
        if exploitation and not any(
            exploitation in (p["types_of_exploitation"] or ()) for p in facts
        ):
            continue
        if role and not any(p["role"] == role for p in seen):
            continue
        if child is not None and child != any(
            is_child(p["role"], p["age_uncertain"], p["age_at_registration"]) for p in seen
        ):
            continue
        matching.append(case_id)
    return condition | Q(pk__in=matching) if matching else condition


def _granted(
    grants: list[tuple[frozenset[str], list[str]]], pseudonym: str, scope: str | None = None
) -> bool:
    """A share names the person (or every person), with the scope if one is asked for."""
    return any(
        (not names or pseudonym in names) and (scope is None or scope in scopes)
        for scopes, names in grants
    )


def _facet_has(field: str, code: str) -> Q:
    """A facet list holds the code: `@>` on PostgreSQL, the condition of that facet's partial
    indexes (migration 0005); SQLite has no JSON containment and matches the quoted code."""
    if connection.vendor == "postgresql":
        return Q(**{"{}__contains".format(field): [code]})
    return Q(**{"{}__icontains".format(field): '"{}"'.format(code)})


def case_persons(access: CaseAccess) -> list[Person]:
    """The case's persons the user sees, oldest first (sorted here to keep any prefetch)."""
    persons = sorted(access.case.persons.all(), key=lambda p: p.created_at)
    return [p for p in persons if access.sees_person(p)]


# A return not made yet (nor cancelled): its planned date is on the timeline.
RETURN_PENDING = (ReturnStatus.PLANNED, ReturnStatus.DECIDED)


@dataclass(frozen=True)
class TimelineEvent:
    """One thing that happened in a case, said in the user's language."""

    day: dt.date
    kind: str
    text: str
    person: str = ""
    closes: bool = False  # the closing of the case (the last event of its day)
    planned: bool = False  # not happened yet: a planned return


def case_timeline(access: CaseAccess) -> list[TimelineEvent]:  # noqa: PLR0912 - one branch per record kind
    """What happened in the case, oldest first, limited to the user's scopes."""
    case = access.case
    events = [TimelineEvent(case.opened_on, "case", _("Case opened"))]
    persons = case_persons(access)
    language = get_language() or "en"  # places named in the user's language

    def place(country: Country | None) -> str:
        return country.localized_name(language) if country is not None else ""

    for p in persons:
        facts = access.can(ShareScope.CASE_FACTS, p)
        protection = access.can(ShareScope.PROTECTION, p)
        if facts:
            for s in p.screenings.all():
                events.append(
                    TimelineEvent(
                        s.screened_on,
                        "screening",
                        _("Screening: {}").format(s.get_outcome_display()),
                        p.pseudonym,
                    )
                )
            for i in p.identifications.all():
                events.append(
                    TimelineEvent(
                        i.decided_on,
                        "identification",
                        _("Identification: {}").format(i.get_decision_display()),
                        p.pseudonym,
                    )
                )
            for m in p.movements.all():
                if m.date:
                    events.append(
                        TimelineEvent(
                            m.date,
                            "movement",
                            _("{} in {}").format(m.get_event_type_display(), place(m.country)),
                            p.pseudonym,
                        )
                    )
            for r in p.returns.all():
                if r.planned_for and r.status in RETURN_PENDING:
                    events.append(
                        TimelineEvent(
                            r.planned_for,
                            "return",
                            _("Return to {} planned").format(place(r.destination)),
                            p.pseudonym,
                            planned=True,
                        )
                    )
                if r.decided_on:
                    events.append(
                        TimelineEvent(
                            r.decided_on,
                            "return",
                            _("Return to {} decided").format(place(r.destination)),
                            p.pseudonym,
                        )
                    )
                if r.return_date:
                    events.append(
                        TimelineEvent(
                            r.return_date,
                            "return",
                            _("Returned to {}").format(place(r.destination)),
                            p.pseudonym,
                        )
                    )
            for b in p.best_interest_determinations.all():
                events.append(
                    TimelineEvent(
                        b.decided_on, "best_interest", _("Best-interest determination"), p.pseudonym
                    )
                )
            for v in p.follow_ups.all():
                if v.done_on:
                    events.append(
                        TimelineEvent(
                            v.done_on,
                            "follow_up",
                            _("Follow-up visit — re-trafficked")
                            if v.retrafficked
                            else _("Follow-up visit"),
                            p.pseudonym,
                        )
                    )
        if protection:
            for ms in p.measures.all():
                events.append(
                    TimelineEvent(
                        ms.starts_on,
                        "measure",
                        _("{} from {} to {}").format(
                            ms.get_kind_display(), day_text(ms.starts_on), day_text(ms.ends_on, "—")
                        ),
                        p.pseudonym,
                    )
                )
        for ref in p.referrals.all():
            # Another receiver's referral is not this viewer's business.
            if access.owner or ref.to_organisation_id == access.viewer_organisation_id:
                events.append(
                    TimelineEvent(
                        ref.sent_on,
                        "referral",
                        _("Referred for {} ({})").format(
                            ref.get_service_display(), ref.get_status_display()
                        ),
                        p.pseudonym,
                    )
                )
    if case.closed_on:
        events.append(TimelineEvent(case.closed_on, "case", _("Case closed"), closes=True))
    return sorted(events, key=lambda e: (e.day, e.kind))


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    kind: str
    what: str
    case_id: str
    case_reference: str
    person: str
    overdue: bool


# A referral still waiting for an answer is due this long after it was sent (deadline board).
REFERRAL_ANSWER_WITHIN = dt.timedelta(days=2)

# Organisation kinds in the order a referral most likely goes to them.
RECEIVER_KINDS = [
    OrganisationKind.SERVICE_PROVIDER,
    OrganisationKind.NGO,
    OrganisationKind.GOVERNMENT,
    OrganisationKind.INTERNATIONAL,
    OrganisationKind.REGIONAL_MECHANISM,
]


def deadline_board(
    *, user: AnyUser | None, days: int = 7, today: dt.date | None = None
) -> list[Deadline]:
    """What ends or is due within `days` (or is overdue) for the user's organisation."""
    if not isinstance(user, User) or user.organisation_id is None:
        return []
    day = today or timezone.localdate()
    horizon = day + dt.timedelta(days=days)
    visible = case_queryset(user).values("pk")
    out: list[Deadline] = []
    measures = ProtectionMeasure.objects.filter(
        organisation_id=user.organisation_id,
        status=MeasureStatus.ACTIVE,
        ends_on__isnull=False,
        ends_on__lte=horizon,
        person__case__in=visible,
    ).select_related("person__case")
    for m in measures:
        assert m.ends_on is not None  # noqa: S101 - filtered above
        out.append(
            Deadline(
                m.ends_on,
                m.kind,
                _("{} ends").format(m.get_kind_display()),
                str(m.person.case_id),
                m.person.case.reference,
                m.person.pseudonym,
                m.ends_on < day,
            )
        )
    visits = FollowUpVisit.objects.filter(
        organisation_id=user.organisation_id,
        done_on__isnull=True,
        planned_on__lte=horizon,
        person__case__in=visible,
    ).select_related("person__case")
    for v in visits:
        out.append(
            Deadline(
                v.planned_on,
                "follow_up",
                _("Follow-up visit due"),
                str(v.person.case_id),
                v.person.case.reference,
                v.person.pseudonym,
                v.planned_on < day,
            )
        )
    waiting = Referral.objects.filter(
        to_organisation_id=user.organisation_id,
        status=ReferralStatus.SENT,
        sent_on__lte=day - REFERRAL_ANSWER_WITHIN,
        person__case__in=visible,
    ).select_related("person__case")
    for r in waiting:
        due = r.sent_on + REFERRAL_ANSWER_WITHIN
        out.append(
            Deadline(
                due,
                "referral",
                _("Referral awaiting your answer"),
                str(r.person.case_id),
                r.person.case.reference,
                r.person.pseudonym,
                due < day,
            )
        )
    return sorted(out, key=lambda d: (d.day, d.kind))


# A referral declined or closed: its share is revoked, and the receiving organisation sees only
# a stub of it (status and dates; `stub` on the rows of `referral_inbox`).
REFERRAL_ENDED = (ReferralStatus.DECLINED, ReferralStatus.CLOSED)


def referral_inbox(*, user: AnyUser | None, status: str = "") -> QuerySet[Referral]:
    """Referrals addressed to the user's organisation (for its case workers and investigators);
    each row's `stub` says whether it has ended (then only its status and dates are shown)."""
    if not _case_worker(user):
        return Referral.objects.none()
    qs = (
        Referral.objects.filter(to_organisation_id=user.organisation_id)
        .select_related("person", "from_organisation", "to_organisation", "person__case")
        .annotate(
            stub=DbCase(
                When(status__in=REFERRAL_ENDED, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-sent_on")


def referral_stub_only(user: User, referral: Referral) -> bool:
    """Whether the user's organisation sees only a stub of the referral: it received it, and
    the referral has been declined or closed."""
    return referral.to_organisation_id == user.organisation_id and referral.status in REFERRAL_ENDED


def referral_outbox(*, user: AnyUser | None, status: str = "") -> QuerySet[Referral]:
    """Referrals the user's organisation sent (for its case workers and investigators), newest
    first; the sender sees each in full, whatever its status."""
    if not _case_worker(user):
        return Referral.objects.none()
    qs = Referral.objects.filter(from_organisation_id=user.organisation_id).select_related(
        "person", "from_organisation", "to_organisation", "person__case", "sent_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-sent_on", "-pk")


def referral_answer_due(referral: Referral) -> dt.date | None:
    """The day by which the receiver should accept or decline a referral still waiting for an
    answer (the deadline board's rule); None once it has been answered or ended."""
    if referral.status != ReferralStatus.SENT:
        return None
    return referral.sent_on + REFERRAL_ANSWER_WITHIN


@dataclass(frozen=True)
class ReceiverGroup:
    """A group of the "Refer to" list; `kind` when all of it is of one kind (its heading says
    which)."""

    label: str
    organisations: list[Organisation]
    kind: str = ""


def referral_receivers(*, sender: Organisation) -> list[ReceiverGroup]:
    """The organisations a referral can go to, grouped for the "Refer to" list: the service
    providers of the sender's country first, then its other organisations, then everything
    else (other countries, international organisations) behind its own heading."""
    others = Organisation.objects.exclude(pk=sender.pk).select_related("country")
    country = sender.country_id
    rank: dict[str, int] = {str(kind): i for i, kind in enumerate(RECEIVER_KINDS)}
    home: list[Organisation] = []
    home_other: list[Organisation] = []
    abroad: list[Organisation] = []
    for org in others:
        if country and org.country_id == country:
            (home if org.kind == OrganisationKind.SERVICE_PROVIDER else home_other).append(org)
        else:
            abroad.append(org)
    home.sort(key=lambda o: o.name.casefold())
    home_other.sort(key=lambda o: (rank.get(o.kind, len(rank)), o.name.casefold()))
    abroad.sort(key=lambda o: (rank.get(o.kind, len(rank)), o.country_id or "~", o.name.casefold()))
    name = sender.country.localized_name(get_language() or "en") if sender.country else ""
    if not name:  # an international organisation: no home country to put first
        return [ReceiverGroup(_("Service providers and other organisations"), abroad)]
    groups = [
        ReceiverGroup(
            _("Service providers in {}").format(name), home, OrganisationKind.SERVICE_PROVIDER
        ),
        ReceiverGroup(_("Other organisations in {}").format(name), home_other),
        ReceiverGroup(_("Other countries, international and other organisations"), abroad),
    ]
    return [g for g in groups if g.organisations]


def _case_worker(user: AnyUser | None) -> TypeGuard[User]:
    """Referrals are work of case workers and investigators, not of other roles in the org."""
    return (
        isinstance(user, User)
        and user.is_active
        and user.organisation_id is not None
        and user.role in CASE_ROLES
    )


def case_records_prefetch(case: Case) -> None:
    """Load what the case page and the API case detail read of a case's persons: one prepared
    query per kind of record for the whole case (see palermo/cases/caserecords.py)."""
    case_records_load(case)


def person_referrals(person: Person, access: CaseAccess) -> QuerySet[Referral]:
    """A person's referrals: all of them for the owning organisation, else only those addressed
    to the viewer's organisation (another receiver's referral is not its business)."""
    qs = person.referrals.select_related("person__case", "from_organisation", "to_organisation")
    if not access.owner:
        qs = qs.filter(to_organisation_id=access.viewer_organisation_id)
    return qs


def person_records(person: Person, access: CaseAccess) -> dict[str, list[Any]]:
    """A person's records by kind, as far as the user's scopes cover them (an empty list for a
    kind they do not cover): case facts for most, protection for measures, identity for photos."""
    facts = access.can(ShareScope.CASE_FACTS, person)
    protection = access.can(ShareScope.PROTECTION, person)

    def when(allowed: bool, records: QuerySet[Any]) -> list[Any]:
        return list(records) if allowed else []

    return {
        "screenings": when(
            facts, person.screenings.select_related("indicator_list", "screened_by")
        ),
        "identifications": when(facts, person.identifications.select_related("authority")),
        "movements": when(facts, person.movements.select_related("country")),
        "consents": when(facts, person.consents.all()),
        "referrals": list(person_referrals(person, access)),
        "measures": when(
            protection, person.measures.select_related("person", "decided_by", "organisation")
        ),
        "guardians": when(facts, person.guardians.select_related("organisation")),
        "best_interest_determinations": when(
            facts, person.best_interest_determinations.select_related("decided_by")
        ),
        "returns": when(
            facts,
            person.returns.select_related(
                "person", "destination", "receiving_authority__organisation"
            ),
        ),
        "follow_ups": when(facts, person.follow_ups.select_related("person", "organisation")),
        "support_plans": when(facts, person.support_plans.all()),
        "photos": when(access.can(ShareScope.IDENTITY, person), person.photos.all()),
    }


def person_facts(person: Person, access: CaseAccess) -> dict[str, Any]:
    """A person's non-identifying facts, as far as the user's scopes allow."""
    base = {
        "pseudonym": person.pseudonym,
        "role": person.role,
        "is_child": person.is_child,
        "presumed_child": person.presumed_child,
    }
    if not access.can(ShareScope.CASE_FACTS, person):
        return base
    fields = [
        "gender",
        "age_at_registration",
        "age_uncertain",
        "deceased",
        "marital_status",
        "number_of_children",
        "primary_language",
        "secondary_language",
        "education",
        "citizenship",
        "agreement_to_manage_personal_data",
        "trafficking_status",
        "status_decision_org",
        "relationship_to_trafficker",
        "age_when_trafficked",
        "recruitment_websites_and_apps",
        "methods_of_recruitment",
        "location_of_recruitment",
        "methods_of_control",
        "types_of_exploitation",
        "forced_labour_industry",
        "types_of_sex_exploitation",
        "location_of_exploitation",
        "exploitation_websites_and_apps",
        "vulnerabilities",
        "details_of_vulnerabilities",
        "perpetrator_roles",
        "perpetrator_role_details",
    ]
    return base | {f: getattr(person, f) for f in fields}


def indicator_lists() -> QuerySet[IndicatorList]:
    """The indicator lists in use, with their indicators (reference data, not personal)."""
    return IndicatorList.objects.filter(active=True).prefetch_related("indicators")


def indicator_list_get(key: str, version: str) -> IndicatorList:
    lst = IndicatorList.objects.filter(key=key, version=version).first()
    if lst is None:
        raise NotFoundError(
            _("No indicator list '{}' version {}.").format(key, version),
            code="unknown_indicator_list",
        )
    return lst


def indicator_list_for(person: Person, lists: list[IndicatorList]) -> IndicatorList | None:
    """The list to screen a person with by default: the first list in use for children when the
    person is a child (or of uncertain age), else for adults, that has indicators."""
    prefix = "child" if person.is_child else "adult"
    for lst in lists:
        if lst.target.startswith(prefix) and lst.indicators.exists():
            return lst
    return lists[0] if lists else None


def person_counted_under(user: User, person: Person) -> str | None:
    """The pseudonym of the record `person` is counted under in the statistics (confirmed to be
    the same person, registered first), when the user may see that record; "" when they may
    not; None when the person is counted itself."""
    if person.duplicate_of_id is None:
        return None
    first = Person.objects.filter(pk=person.duplicate_of_id).values_list("pseudonym", flat=True)
    pseudonym = first.first()
    if pseudonym is None:
        return None
    try:
        person_get(user, pseudonym)
    except NotFoundError:
        return ""
    return pseudonym
