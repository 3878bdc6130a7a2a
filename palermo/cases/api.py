"""Case management endpoints at /api/v1/cases/: every entity, the permissions of access.py.

Every lookup goes through palermo.cases.access, so a case, person, referral, measure, return,
consent or visit the caller may not see answers 404 (its existence is not revealed); a write on
something the caller sees but may not change answers 403. Persons are named by pseudonym;
identifying data is only in the audited `GET /persons/{pseudonym}/identity`.
"""

# No `from __future__ import annotations` here: django-ninja reads `Query[...]` and `File[...]`
# parameter annotations at import time.

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import File, Query, Router, Status, UploadedFile
from ninja.pagination import paginate

from palermo.cases import access as acc
from palermo.cases import caserecords, selectors, services
from palermo.cases.access import CaseAccess
from palermo.cases.choices import ShareScope
from palermo.cases.models import (
    Case,
    CaseComment,
    CaseShare,
    Consent,
    FollowUpVisit,
    Person,
    PersonPhoto,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
)
from palermo.cases.same_person import same_person
from palermo.cases.schemas import (
    BestInterestIn,
    BestInterestOut,
    CaseCloseIn,
    CaseCommentIn,
    CaseDeadlineOut,
    CaseDetailOut,
    CaseFilters,
    CaseIn,
    CaseOut,
    CasePatch,
    CaseShareIn,
    CommentOut,
    ConsentIn,
    ConsentWithdrawIn,
    FollowUpIn,
    FollowUpOut,
    FollowUpRecordIn,
    GuardianIn,
    GuardianOut,
    IdentificationIn,
    IdentificationOut,
    IdentityIn,
    IdentityOut,
    IdentityWriteOut,
    IndicatorListOut,
    MeasureEndIn,
    MeasureIn,
    MeasureOut,
    MeasureRenewIn,
    MovementIn,
    MovementOut,
    NameHitOut,
    NameSearchIn,
    PersonConsentOut,
    PersonDetailOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    PhotoOut,
    ProceedingIn,
    ProceedingOut,
    ReferralActionIn,
    ReferralIn,
    ReferralOut,
    ReturnCompleteIn,
    ReturnDecideIn,
    ReturnIn,
    ReturnOut,
    ScreeningIn,
    ScreeningOut,
    ShareOut,
    SupportPlanIn,
    SupportPlanOut,
)
from palermo.core.auth import AUTH, api_user
from palermo.core.errors import NotFoundError
from palermo.core.models import Organisation, User
from palermo.core.pagination import Pagination
from palermo.core.reason import REASON_HEADER, read_reason

router = Router(tags=["cases"], auth=AUTH)

NO_STORE = "no-store"  # identifying data must not sit in browser or proxy caches


def _organisation(org_id: int | None) -> Organisation | None:
    """An organisation named by id in a request body (organisations are not personal data)."""
    if org_id is None:
        return None
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFoundError(
            gettext("No organisation {}.").format(org_id), code="unknown_organisation"
        )
    return org


def _required_organisation(org_id: int) -> Organisation:
    org = _organisation(org_id)
    assert org is not None  # noqa: S101 - _organisation raises for an unknown id
    return org


# --- what a caller sees ----------------------------------------------------------------------


def _person_out(person: Person, access: CaseAccess) -> dict[str, Any]:
    return selectors.person_facts(person, access) | {
        "facts_shared": access.can(ShareScope.CASE_FACTS, person)
    }


def _proceeding_out(proc: Proceeding, access: CaseAccess) -> Proceeding:
    if proc.suspect is not None and not access.sees_person(proc.suspect):
        proc.suspect = None  # on this read-only copy: a suspect not shared is not named
    return proc


def _case_detail(access: CaseAccess) -> dict[str, Any]:
    case = access.case
    persons = selectors.case_persons(access)
    facts = access.whole_case_facts
    return CaseOut.from_orm(case).dict() | {
        "access": {
            "owner": access.owner,
            "can_edit": access.can_edit,
            "scopes": sorted(access.scopes),
            "persons": sorted(access.persons),
        },
        "referring_organisation": (
            {"id": case.referring_organisation.pk, "name": case.referring_organisation.name}
            if facts and case.referring_organisation
            else None
        ),
        "incoming_referral_date": case.incoming_referral_date if facts else None,
        "reason_for_incoming_referral": case.reason_for_incoming_referral if facts else "",
        "incoming_referral_details": case.incoming_referral_details if facts else "",
        "reason_for_closure": case.reason_for_closure if facts else "",
        "persons": [_person_out(p, access) for p in persons],
        "measures": [
            m
            for p in persons
            if access.can(ShareScope.PROTECTION, p)
            for m in p.measures.all()  # prefetched with their person, decider and organisation
        ],
        "proceedings": (
            [_proceeding_out(proc, access) for proc in caserecords.case_proceedings(case)]
            if facts
            else []
        ),
        "comments": caserecords.case_comments(case) if access.owner else [],
        "shares": caserecords.case_shares(case) if access.owner else [],
        "timeline": selectors.case_timeline(access),
    }


def _person_detail(user: User, person: Person, access: CaseAccess) -> dict[str, Any]:
    same = same_person(user, person)
    return (
        _person_out(person, access)
        | {"case_id": person.case_id, "case_reference": person.case.reference}
        | selectors.person_records(person, access)
        | {
            "same_person_as": same,
            # What the page shows: only to a user who sees another record of the person.
            "counted_under": selectors.person_counted_under(user, person) if same else None,
        }
    )


# --- lists and reference data ---------------------------------------------------------------------


CASE_OUT_COLUMNS = (
    "id",
    "reference",
    "title",
    "status",
    "country_id",
    "organisation__id",
    "organisation__name",
    "opened_on",
    "closed_on",
    "anonymised_at",
)


@router.get("/", response=list[CaseOut])
@paginate(Pagination)
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> QuerySet[Case]:
    """Cases the caller may see, newest first, filtered."""
    # Only the columns CaseOut reads: a page is 50 cases, and each column not loaded is work the
    # server does not do (model fields, JSON facets, the country's names) on every page.
    return (
        selectors.case_list(user=api_user(request), **filters.dict())
        .select_related(None)
        .select_related("organisation")
        .only(*CASE_OUT_COLUMNS)
    )


@router.post("/", response={201: CaseOut})
def case_open(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    """Open a case held by the caller's organisation."""
    case = services.case_open(
        actor=api_user(request),
        referring_organisation=_organisation(payload.referring_organisation_id),
        **payload.dict(exclude={"referring_organisation_id"}),
    )
    return Status(201, case)


@router.get("/deadlines", response=list[CaseDeadlineOut])
def deadlines(request: HttpRequest, days: int = 7) -> list[selectors.Deadline]:
    """What ends, is due or overdue within `days` for the caller's organisation."""
    return selectors.deadline_board(user=api_user(request), days=max(0, min(days, 366)))


@router.get("/indicator-lists", response=list[IndicatorListOut])
def indicator_lists(request: HttpRequest) -> QuerySet[Any]:
    """The identification indicator lists in use, with their indicators."""
    return selectors.indicator_lists()


@router.get("/referrals/inbox", response=list[ReferralOut])
@paginate(Pagination)
def referral_inbox(request: HttpRequest, status: str = "") -> QuerySet[Referral]:
    """Referrals addressed to the caller's organisation."""
    return selectors.referral_inbox(user=api_user(request), status=status)


@router.get("/referrals/outbox", response=list[ReferralOut])
@paginate(Pagination)
def referral_outbox(request: HttpRequest, status: str = "") -> QuerySet[Referral]:
    """Referrals the caller's organisation sent (all of them in full, whatever their status),
    newest first, optionally of one status; `answer_due` while the receiver has not answered."""
    return selectors.referral_outbox(user=api_user(request), status=status)


# --- one person ------------------------------------------------------------------------------


@router.post("/persons/search", response=list[NameHitOut])
def person_name_search(request: HttpRequest, payload: NameSearchIn) -> list[dict[str, Any]]:
    """Persons whose names match (exactly, in another script, without accents, or by sound),
    among those whose identity the caller may read; best first, at most 50. Names are found
    through keyed hashes, never by decrypting identities; a search that finds someone is
    audited (the pseudonyms found, not the name)."""
    hits = services.person_name_search(actor=api_user(request), text=payload.name)
    return [
        {
            "pseudonym": hit.person.pseudonym,
            "role": hit.person.role,
            "case_id": hit.person.case_id,
            "case_reference": hit.person.case.reference,
            "exact": hit.exact,
        }
        for hit in hits
    ]


@router.get("/persons/{pseudonym}", response=PersonDetailOut)
def person_detail(request: HttpRequest, pseudonym: str) -> dict[str, Any]:
    """A person's facts and records, as far as the caller's share covers them."""
    user = api_user(request)
    person, access = acc.person_get(user, pseudonym)
    return _person_detail(user, person, access)


@router.patch("/persons/{pseudonym}", response=PersonOut)
def person_update(request: HttpRequest, pseudonym: str, payload: PersonPatch) -> dict[str, Any]:
    user = api_user(request)
    person, access = acc.person_get(user, pseudonym)
    person = services.person_update(actor=user, person=person, **payload.dict(exclude_unset=True))
    return _person_out(person, access)


@router.get("/persons/{pseudonym}/identity", response=IdentityOut, openapi_extra=REASON_HEADER)
def person_identity(request: HttpRequest, response: HttpResponse, pseudonym: str) -> dict[str, Any]:
    """Identifying data, as far as shared. The reason is required, sent in the
    `X-Palermo-Reason` header (never in the URL, which access logs keep), and written to the
    audit log."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    data = services.person_identity_read(actor=user, person=person, reason=read_reason(request))
    response["Cache-Control"] = NO_STORE
    return data | {"pseudonym": person.pseudonym}


@router.put("/persons/{pseudonym}/identity", response=IdentityWriteOut)
def person_identity_set(
    request: HttpRequest, pseudonym: str, payload: IdentityIn
) -> dict[str, Any]:
    """Replace identity fields (given fields replace, null or "" removes); values not echoed."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    data = payload.dict(exclude_unset=True)
    services.person_identity_set(actor=user, person=person, identity=data)
    return {"pseudonym": person.pseudonym, "fields": sorted(data)}


@router.post("/persons/{pseudonym}/photos", response={201: PhotoOut})
def photo_add(
    request: HttpRequest, pseudonym: str, file: File[UploadedFile]
) -> Status[PersonPhoto]:
    """Add a photo (JPEG, PNG or WebP, at most 5 MiB); stored encrypted."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    photo = services.photo_add(
        actor=user, person=person, content=file.read(), content_type=file.content_type or ""
    )
    return Status(201, photo)


@router.get("/persons/{pseudonym}/photos/{photo_id}", openapi_extra=REASON_HEADER)
def photo_read(request: HttpRequest, pseudonym: str, photo_id: int) -> HttpResponse:
    """The image itself; an audited read of identifying data like the identity (the reason in
    the `X-Palermo-Reason` header)."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    photo = acc.photo_get(person, photo_id)
    content = services.photo_read(actor=user, photo=photo, reason=read_reason(request))
    return HttpResponse(
        content, content_type=photo.content_type, headers={"Cache-Control": NO_STORE}
    )


@router.post("/persons/{pseudonym}/consents", response={201: PersonConsentOut})
def consent_add(request: HttpRequest, pseudonym: str, payload: ConsentIn) -> Status[Consent]:
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    return Status(201, services.consent_record(actor=user, person=person, **payload.dict()))


@router.post("/consents/{consent_id}/withdraw", response=PersonConsentOut)
def consent_withdraw(request: HttpRequest, consent_id: int, payload: ConsentWithdrawIn) -> Consent:
    user = api_user(request)
    consent, _ = acc.consent_get(user, consent_id)
    return services.consent_withdraw(actor=user, consent=consent, **payload.dict())


@router.post("/persons/{pseudonym}/screenings", response={201: ScreeningOut})
def screening_add(request: HttpRequest, pseudonym: str, payload: ScreeningIn) -> Status[Any]:
    """Screen against a versioned indicator list; the outcome and its reasons are computed."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    screening = services.screening_record(
        actor=user,
        person=person,
        indicator_list=selectors.indicator_list_get(payload.indicator_list, payload.version),
        indicators=payload.indicators,
        screened_on=payload.screened_on,
        notes=payload.notes,
    )
    return Status(201, screening)


@router.post("/persons/{pseudonym}/identifications", response={201: IdentificationOut})
def identification_add(
    request: HttpRequest, pseudonym: str, payload: IdentificationIn
) -> Status[Any]:
    """Formal identification by a competent authority."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    ident = services.identification_record(
        actor=user,
        person=person,
        authority=_required_organisation(payload.authority_id),
        **payload.dict(exclude={"authority_id"}),
    )
    return Status(201, ident)


@router.post("/persons/{pseudonym}/movements", response={201: MovementOut})
def movement_add(request: HttpRequest, pseudonym: str, payload: MovementIn) -> Status[Any]:
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    return Status(201, services.movement_add(actor=user, person=person, **payload.dict()))


@router.post("/persons/{pseudonym}/referrals", response={201: ReferralOut})
def referral_send(request: HttpRequest, pseudonym: str, payload: ReferralIn) -> Status[Referral]:
    """Refer to a service provider; the receiver sees exactly `scopes` of this person."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    referral = services.referral_send(
        actor=user,
        person=person,
        to_organisation=_required_organisation(payload.to_organisation_id),
        **payload.dict(exclude={"to_organisation_id"}),
    )
    return Status(201, referral)


@router.post("/referrals/{referral_id}/{action}", response=ReferralOut)
def referral_action(
    request: HttpRequest, referral_id: int, action: str, payload: ReferralActionIn
) -> Referral:
    """accept, decline or deliver (the receiver); close (either side)."""
    user = api_user(request)
    referral = acc.referral_get(user, referral_id)
    referral = services.referral_transition(
        actor=user, referral=referral, action=action, note=payload.note, on=payload.on
    )
    setattr(referral, "stub", selectors.referral_stub_only(user, referral))  # noqa: B010
    return referral


@router.post("/persons/{pseudonym}/measures", response={201: MeasureOut})
def measure_grant(
    request: HttpRequest, pseudonym: str, payload: MeasureIn
) -> Status[ProtectionMeasure]:
    """A reflection period, residence permit or witness protection measure."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    measure = services.measure_grant(
        actor=user,
        person=person,
        decided_by=_organisation(payload.decided_by_id),
        **payload.dict(exclude={"decided_by_id"}),
    )
    return Status(201, measure)


@router.post("/measures/{measure_id}/renew", response={201: MeasureOut})
def measure_renew(
    request: HttpRequest, measure_id: int, payload: MeasureRenewIn
) -> Status[ProtectionMeasure]:
    """Renew: the measure ends and a linked one starts the next day."""
    user = api_user(request)
    measure, _ = acc.measure_get(user, measure_id)
    return Status(201, services.measure_renew(actor=user, measure=measure, **payload.dict()))


@router.post("/measures/{measure_id}/end", response=MeasureOut)
def measure_end(request: HttpRequest, measure_id: int, payload: MeasureEndIn) -> ProtectionMeasure:
    user = api_user(request)
    measure, _ = acc.measure_get(user, measure_id)
    return services.measure_end(actor=user, measure=measure, **payload.dict())


@router.post("/persons/{pseudonym}/guardians", response={201: GuardianOut})
def guardian_appoint(request: HttpRequest, pseudonym: str, payload: GuardianIn) -> Status[Any]:
    """Appoint a guardian for a child; the name is stored encrypted and never returned."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    guardian = services.guardian_appoint(
        actor=user,
        person=person,
        organisation=_organisation(payload.organisation_id),
        **payload.dict(exclude={"organisation_id"}),
    )
    return Status(201, guardian)


@router.post("/persons/{pseudonym}/best-interest", response={201: BestInterestOut})
def best_interest_record(
    request: HttpRequest, pseudonym: str, payload: BestInterestIn
) -> Status[Any]:
    """A best-interest determination for a child (needed before a return is decided)."""
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    bid = services.best_interest_record(
        actor=user,
        person=person,
        decided_by=_required_organisation(payload.decided_by_id),
        **payload.dict(exclude={"decided_by_id"}),
    )
    return Status(201, bid)


@router.post("/persons/{pseudonym}/returns", response={201: ReturnOut})
def return_plan(request: HttpRequest, pseudonym: str, payload: ReturnIn) -> Status[Return]:
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    return Status(201, services.return_plan(actor=user, person=person, **payload.dict()))


@router.post("/returns/{return_id}/decide", response=ReturnOut)
def return_decide(request: HttpRequest, return_id: int, payload: ReturnDecideIn) -> Return:
    """Decide a return: consent, and for a child a guardian and a best-interest determination."""
    user = api_user(request)
    ret, _ = acc.return_get(user, return_id)
    return services.return_decide(actor=user, ret=ret, **payload.dict())


@router.post("/returns/{return_id}/complete", response=ReturnOut)
def return_complete(request: HttpRequest, return_id: int, payload: ReturnCompleteIn) -> Return:
    user = api_user(request)
    ret, _ = acc.return_get(user, return_id)
    return services.return_complete(actor=user, ret=ret, **payload.dict())


@router.post("/persons/{pseudonym}/follow-ups", response={201: FollowUpOut})
def follow_up_plan(
    request: HttpRequest, pseudonym: str, payload: FollowUpIn
) -> Status[FollowUpVisit]:
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    return Status(201, services.follow_up_plan(actor=user, person=person, **payload.dict()))


@router.post("/follow-ups/{visit_id}/record", response=FollowUpOut)
def follow_up_record(
    request: HttpRequest, visit_id: int, payload: FollowUpRecordIn
) -> FollowUpVisit:
    """Record a visit; re-trafficking is recorded as such."""
    user = api_user(request)
    visit, _ = acc.visit_get(user, visit_id)
    return services.follow_up_record(actor=user, visit=visit, **payload.dict())


@router.post("/persons/{pseudonym}/support-plans", response={201: SupportPlanOut})
def support_plan_add(request: HttpRequest, pseudonym: str, payload: SupportPlanIn) -> Status[Any]:
    user = api_user(request)
    person, _ = acc.person_get(user, pseudonym)
    return Status(201, services.support_plan_add(actor=user, person=person, **payload.dict()))


# --- one case (last, so that `/{case_id}` cannot shadow a fixed path) -----------------------------


@router.get("/{case_id}", response=CaseDetailOut)
def case_detail(request: HttpRequest, case_id: str) -> dict[str, Any]:
    """A case (by id or reference) with what the caller's access covers."""
    _, access = acc.case_get(api_user(request), case_id)
    selectors.case_records_prefetch(access.case)
    return _case_detail(access)


@router.patch("/{case_id}", response=CaseOut)
def case_update(request: HttpRequest, case_id: str, payload: CasePatch) -> Case:
    user = api_user(request)
    case, _ = acc.case_get(user, case_id)
    return services.case_update(actor=user, case=case, **payload.dict(exclude_unset=True))


@router.post("/{case_id}/close", response=CaseOut)
def case_close(request: HttpRequest, case_id: str, payload: CaseCloseIn) -> Case:
    user = api_user(request)
    case, _ = acc.case_get(user, case_id)
    return services.case_close(actor=user, case=case, **payload.dict())


@router.post("/{case_id}/reopen", response=CaseOut)
def case_reopen(request: HttpRequest, case_id: str) -> Case:
    user = api_user(request)
    case, _ = acc.case_get(user, case_id)
    return services.case_reopen(actor=user, case=case)


@router.post("/{case_id}/comments", response={201: CommentOut})
def comment_add(request: HttpRequest, case_id: str, payload: CaseCommentIn) -> Status[CaseComment]:
    user = api_user(request)
    case, _ = acc.case_get(user, case_id)
    return Status(201, services.comment_add(actor=user, case=case, text=payload.text))


@router.post("/{case_id}/shares", response={201: ShareOut})
def case_share(request: HttpRequest, case_id: str, payload: CaseShareIn) -> Status[CaseShare]:
    """Share the case (or some of its persons) with another organisation."""
    user = api_user(request)
    case, _ = acc.case_get(user, case_id)
    share = services.case_share(
        actor=user,
        case=case,
        organisation=_required_organisation(payload.organisation_id),
        **payload.dict(exclude={"organisation_id"}),
    )
    return Status(201, share)


@router.post("/{case_id}/shares/{share_id}/revoke", response=ShareOut)
def case_share_revoke(request: HttpRequest, case_id: str, share_id: int) -> CaseShare:
    user = api_user(request)
    _, access = acc.case_get(user, case_id)
    return services.case_share_revoke(actor=user, share=acc.share_get(access, share_id))


@router.post("/{case_id}/proceedings", response={201: ProceedingOut})
def proceeding_add(request: HttpRequest, case_id: str, payload: ProceedingIn) -> Status[Proceeding]:
    user = api_user(request)
    case, access = acc.case_get(user, case_id)
    acc.require_edit(access)  # before the suspect's lookup: a viewer learns nothing more
    suspect = acc.person_get(user, payload.suspect)[0] if payload.suspect else None
    proc = services.proceeding_record(
        actor=user, case=case, suspect=suspect, **payload.dict(exclude={"suspect"})
    )
    return Status(201, proc)


@router.post("/{case_id}/persons", response={201: PersonOut})
def person_add(request: HttpRequest, case_id: str, payload: PersonIn) -> Status[dict[str, Any]]:
    """Add a person; identifying data (`identity`) is encrypted apart from the facts."""
    user = api_user(request)
    case, access = acc.case_get(user, case_id)
    person = services.person_add(
        actor=user,
        case=case,
        identity=payload.identity.dict(exclude_unset=True) if payload.identity else None,
        **payload.dict(exclude_unset=True, exclude={"identity"}),
    )
    return Status(201, _person_out(person, access))
