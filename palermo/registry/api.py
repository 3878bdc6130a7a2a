"""Registry endpoints. Reads are public (people's contact details need a login); writes are
for registry editors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from palermo.core.auth import AUTH, api_user, request_user
from palermo.core.errors import ApplicationError
from palermo.core.pagination import Pagination
from palermo.core.rendered import JsonBytes, rendered_json
from palermo.core.services import country_get
from palermo.registry import selectors, serializers, services
from palermo.registry.choices import PartyStatus
from palermo.registry.schemas import (
    ConflictsOut,
    CountryOut,
    DirectoryIn,
    DirectoryOut,
    InstrumentOut,
    LegislationIn,
    LegislationOut,
    MechanismOut,
    MembershipIn,
    MembershipOut,
    PartiesOut,
    StandingsOut,
    TreatyActionCorrectIn,
    TreatyActionIn,
    TreatyActionOut,
)
from palermo.registry.selectors.cache import reference_cached

router = Router(tags=["registry"])


@router.get("/instruments", response=list[InstrumentOut], auth=None)
@paginate(Pagination)
def instruments(request: HttpRequest, kind: str = "") -> list[dict[str, Any]]:
    current_to = selectors.coverage_map()
    return [
        serializers.instrument_dict(i, current_to=current_to)
        for i in selectors.instrument_list(kind=kind or None)
    ]


@router.get("/instruments/{slug}", response=InstrumentOut, auth=None)
def instrument(request: HttpRequest, slug: str) -> dict[str, Any]:
    return serializers.instrument_dict(selectors.instrument_get(slug))


@router.get("/parties", response=PartiesOut, auth=None)
def parties(
    request: HttpRequest,
    instrument: str,
    as_of: str = "",
    member_of: str = "",
    status: str = "",
) -> JsonBytes:
    """Who is a party or signatory of `instrument` as of a date, optionally among one
    mechanism's members; with the date the instrument is in force for each party."""
    date = selectors.parse_as_of(as_of)
    if status and status not in (PartyStatus.PARTY, PartyStatus.SIGNATORY):
        raise ApplicationError(_("status must be 'party' or 'signatory'."), code="invalid_status")

    def compute() -> bytes:
        inst = selectors.instrument_get(instrument)
        mech = selectors.mechanism_get(member_of) if member_of else None
        rows = selectors.parties(instrument=inst, as_of=date, member_of=mech, status=status or None)
        answer = {
            "instrument": inst.slug,
            "as_of": date,
            "member_of": mech.acronym if mech else None,
            "entry_into_force": selectors.general_entry_into_force(inst).date,
            "registry_current_to": selectors.coverage(inst),
            "count": len(rows),
            "items": [r.as_dict() for r in rows],
        }
        return rendered_json(PartiesOut, answer)

    key = ("parties", instrument, date, member_of, status, translation.get_language())
    return JsonBytes(reference_cached(key, compute))


@router.get("/standing", response=StandingsOut, auth=None)
def standing(
    request: HttpRequest, country: str, instrument: str = "", as_of: str = ""
) -> JsonBytes:
    """A state's status on one instrument (or on every instrument the registry holds a status
    list for): exactly `party`, `signatory` or `no_record`; for no record, `record_until` is
    the date of the registry's newest source on the instrument (it does not know after it)."""
    date = selectors.parse_as_of(as_of)
    ctry = country_get(country)
    insts = [selectors.instrument_get(instrument)] if instrument else None

    def compute() -> bytes:
        items = [
            st.as_dict()
            for st in selectors.standings_for_country(
                country=ctry.iso3, as_of=date, instruments=insts
            )
        ]
        return rendered_json(StandingsOut, {"country": ctry.iso3, "as_of": date, "items": items})

    key = ("standing", ctry.iso3, instrument, date, translation.get_language())
    return JsonBytes(reference_cached(key, compute))


@router.get("/conflicts", response=ConflictsOut, auth=None)
def conflicts(request: HttpRequest, instrument: str = "", country: str = "") -> dict[str, Any]:
    inst = selectors.instrument_get(instrument) if instrument else None
    ctry = country_get(country) if country else None
    items = [c.as_dict() for c in selectors.conflict_list(instrument=inst, country=ctry)]
    return {"count": len(items), "items": items}


@router.get("/treaty-actions", response=list[TreatyActionOut], auth=None)
@paginate(Pagination)
def treaty_actions(
    request: HttpRequest, instrument: str = "", country: str = ""
) -> list[dict[str, Any]]:
    inst = selectors.instrument_get(instrument) if instrument else None
    ctry = country_get(country) if country else None
    return [
        serializers.treaty_action_dict(a)
        for a in selectors.treaty_action_list(instrument=inst, country=ctry)
    ]


@router.get("/mechanisms", response=list[MechanismOut], auth=None)
@paginate(Pagination)
def mechanisms(request: HttpRequest) -> list[dict[str, Any]]:
    return [serializers.mechanism_dict(m) for m in selectors.mechanism_list()]


@router.get("/mechanisms/{acronym}", response=MechanismOut, auth=None)
def mechanism(request: HttpRequest, acronym: str) -> dict[str, Any]:
    return serializers.mechanism_dict(selectors.mechanism_get(acronym))


@router.get("/memberships", response=list[MembershipOut], auth=None)
@paginate(Pagination)
def memberships(
    request: HttpRequest, mechanism: str = "", country: str = ""
) -> list[dict[str, Any]]:
    mech = selectors.mechanism_get(mechanism) if mechanism else None
    ctry = country_get(country) if country else None
    return [
        serializers.membership_dict(m)
        for m in selectors.membership_list(mechanism=mech, country=ctry)
    ]


@router.get("/legislation", response=list[LegislationOut], auth=None)
@paginate(Pagination)
def legislation(request: HttpRequest, country: str = "", q: str = "") -> list[dict[str, Any]]:
    ctry = country_get(country) if country else None
    return [
        serializers.legislation_dict(law) for law in selectors.legislation_list(country=ctry, q=q)
    ]


@router.get("/directory", response=list[DirectoryOut], auth=None)
@paginate(Pagination)
def directory(
    request: HttpRequest, country: str = "", role: str = "", q: str = "", member_of: str = ""
) -> list[dict[str, Any]]:
    """Authorities and focal points. People's names, e-mails and phones need a login."""
    entries, show_contacts = selectors.directory_list(
        user=request_user(request),
        country=country_get(country) if country else None,
        role=role or None,
        q=q,
        member_of=selectors.mechanism_get(member_of) if member_of else None,
    )
    return [serializers.directory_dict(e, show_contacts=show_contacts) for e in entries]


@router.get("/countries", response=list[CountryOut], auth=None)
@paginate(Pagination)
def countries(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [serializers.country_dict(c) for c in selectors.country_list(q=q)]


# --- writes (registry editors) ---------------------------------------------------------------


@router.post("/treaty-actions", response={201: TreatyActionOut}, auth=AUTH)
def treaty_action_add(request: HttpRequest, payload: TreatyActionIn) -> Status[dict[str, Any]]:
    data = payload.dict(exclude={"source"})
    action = services.treaty_action_record(
        actor=api_user(request), source=payload.source.dict(), **data
    )
    return Status(201, serializers.treaty_action_dict(action))


@router.patch("/treaty-actions/{action_id}", response=TreatyActionOut, auth=AUTH)
def treaty_action_correct(
    request: HttpRequest, action_id: int, payload: TreatyActionCorrectIn
) -> dict[str, Any]:
    user = api_user(request)
    services.registry_editor_required(user)  # the role first: an id's existence is not revealed
    obj = selectors.treaty_action_get(action_id)
    updated = services.treaty_action_correct(
        actor=user, treaty_action=obj, **payload.dict(exclude_unset=True)
    )
    return serializers.treaty_action_dict(updated)


@router.post("/legislation", response={201: LegislationOut}, auth=AUTH)
def legislation_add(request: HttpRequest, payload: LegislationIn) -> Status[dict[str, Any]]:
    law = services.legislation_record(
        actor=api_user(request),
        source=payload.source.dict(),
        **payload.dict(exclude={"source"}),
    )
    return Status(201, serializers.legislation_dict(law))


@router.post("/directory", response={201: DirectoryOut}, auth=AUTH)
def directory_add(request: HttpRequest, payload: DirectoryIn) -> Status[dict[str, Any]]:
    entry = services.directory_entry_record(
        actor=api_user(request),
        source=payload.source.dict(),
        **payload.dict(exclude={"source"}),
    )
    return Status(201, serializers.directory_dict(entry, show_contacts=True))


@router.post("/memberships", response={201: MembershipOut}, auth=AUTH)
def membership_add(request: HttpRequest, payload: MembershipIn) -> Status[dict[str, Any]]:
    m = services.membership_record(
        actor=api_user(request),
        source=payload.source.dict(),
        **payload.dict(exclude={"source"}),
    )
    return Status(201, serializers.membership_dict(m))
