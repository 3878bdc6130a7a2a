"""Every write of case management: validated, atomic, audited, permission-checked."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.access import CASE_ROLES, CaseAccess, case_access, require_edit
from palermo.cases.identification import assess, requires_means
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    Consent,
    CountryPolicy,
    FollowUpVisit,
    Guardian,
    Identification,
    IndicatorList,
    Movement,
    Person,
    PersonIdentity,
    PersonPhoto,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
    SupportPlan,
)
from palermo.cases.writer import person_save, row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.crypto import decrypt_json, decrypt_text, encrypt_json, encrypt_text
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get
from palermo.registry.models import DirectoryEntry

IDENTITY_FIELDS = (
    "salutation",
    "first_name",
    "middle_name",
    "second_name",
    "aliases",
    "birthdate",
    "identity_number",
    "documents",
    "title",
)
CONTACT_FIELDS = (
    "email",
    "home_phone",
    "mobile_phone",
    "mailing_street",
    "mailing_city",
    "mailing_state",
    "mailing_postal_code",
    "mailing_country",
    "mailing_latitude",
    "mailing_longitude",
)
MULTI_FIELDS: dict[str, type[models.TextChoices]] = {
    "recruitment_websites_and_apps": h.WebsiteOrApp,
    "methods_of_recruitment": h.MethodOfRecruitment,
    "methods_of_control": h.MethodOfControl,
    "types_of_exploitation": h.TypeOfExploitation,
    "types_of_sex_exploitation": h.TypeOfSexExploitation,
    "exploitation_websites_and_apps": h.WebsiteOrApp,
    "vulnerabilities": h.Vulnerability,
    "perpetrator_roles": h.PerpetratorRole,
}
SINGLE_FIELDS: dict[str, type[models.TextChoices]] = {
    "role": c.PersonRole,
    "gender": h.Gender,
    "marital_status": h.MaritalStatus,
    "education": h.EducationLevel,
    "trafficking_status": h.TraffickingStatus,
    "status_decision_org": h.StatusDecisionOrg,
    "relationship_to_trafficker": h.RelationshipToTrafficker,
    "forced_labour_industry": h.ForcedLabourIndustry,
}
PERSON_FACT_FIELDS = (
    *SINGLE_FIELDS,
    *MULTI_FIELDS,
    "age_at_registration",
    "age_uncertain",
    "deceased",
    "number_of_children",
    "primary_language",
    "secondary_language",
    "citizenship",
    "agreement_to_manage_personal_data",
    "age_when_trafficked",
    "location_of_recruitment",
    "location_of_exploitation",
    "details_of_vulnerabilities",
    "perpetrator_role_details",
)
CASE_FIELDS = (
    "title",
    "reason_for_incoming_referral",
    "incoming_referral_details",
    "incoming_referral_date",
)


# --- helpers ---------------------------------------------------------------------------------


def _actor(user: AnyUser | None) -> User:
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise ForbiddenError("Log in to do this.", code="not_authenticated")
    if user.role not in CASE_ROLES or user.organisation_id is None:
        raise ForbiddenError(
            "Only case workers and investigators of an organisation work on cases."
        )
    return user


def _owner_access(user: AnyUser | None, case: Case) -> tuple[User, CaseAccess]:
    actor = _actor(user)
    access = case_access(actor, case)
    require_edit(access)
    return actor, access


def _check_choice(value: str, choices: type[models.TextChoices], name: str) -> str:
    if value and value not in choices.values:
        raise ApplicationError(
            "Unknown code '{}' for {}: use one of {}.".format(
                value, name, ", ".join(choices.values)
            ),
            code="unknown_code",
        )
    return value


def _check_multi(
    values: Iterable[str] | None, choices: type[models.TextChoices], name: str
) -> list[str]:
    out = []
    for v in values or []:
        out.append(_check_choice(str(v), choices, name))
    return sorted(set(out))


def _check_countries(codes: Iterable[str] | None) -> list[str]:
    return sorted({country_get(code).iso3 for code in codes or []})


def _today() -> dt.date:
    return timezone.localdate()


def _birthdate(person: Person) -> dt.date | None:
    identity = PersonIdentity.objects.filter(person=person).first()
    if identity is None:
        return None
    value = decrypt_json(identity.ciphertext).get("birthdate")
    return dt.date.fromisoformat(value) if value else None


def _age_on(birthdate: dt.date, day: dt.date) -> int:
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


# --- cases -----------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: AnyUser | None,
    opened_on: dt.date | None = None,
    title: str = "",
    country: str | None = None,
    referring_organisation: Organisation | None = None,
    incoming_referral_date: dt.date | None = None,
    reason_for_incoming_referral: str = "",
    incoming_referral_details: str = "",
) -> Case:
    """Open a case held by the actor's organisation."""
    user = _actor(actor)
    org = user.organisation
    assert org is not None  # noqa: S101 - _actor guarantees it
    country_obj = country_get(country) if country else org.country
    if country_obj is None:
        raise ApplicationError(
            "The case needs a country: your organisation has none, so give one.",
            code="country_required",
        )
    opened = opened_on or _today()
    if opened > _today():
        raise ApplicationError("A case cannot be opened in the future.", code="date_in_future")
    case = Case(
        organisation=org,
        owner=user,
        title=title,
        country=country_obj,
        opened_on=opened,
        referring_organisation=referring_organisation,
        incoming_referral_date=incoming_referral_date,
        reason_for_incoming_referral=_check_choice(
            reason_for_incoming_referral, h.ReferralReason, "reason_for_incoming_referral"
        ),
        incoming_referral_details=incoming_referral_details,
    )
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=case,
        after={"reference": case.reference, "organisation": org.pk},
    )
    return case


@transaction.atomic
def case_update(*, actor: AnyUser | None, case: Case, **fields: Any) -> Case:
    user, _ = _owner_access(actor, case)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown case field(s): {}.".format(", ".join(sorted(unknown))), code="unknown_field"
        )
    if "reason_for_incoming_referral" in fields:
        _check_choice(
            fields["reason_for_incoming_referral"], h.ReferralReason, "reason_for_incoming_referral"
        )
    before = {k: str(getattr(case, k)) for k in fields}
    for k, v in fields.items():
        setattr(case, k, v)
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=case,
        before=before,
        after={k: str(v) for k, v in fields.items()},
    )
    return case


@transaction.atomic
def case_close(
    *,
    actor: AnyUser | None,
    case: Case,
    reason: str,
    closed_on: dt.date | None = None,
    referred: bool = False,
) -> Case:
    user, _ = _owner_access(actor, case)
    if case.status in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED):
        raise ApplicationError("The case is already closed.", code="invalid_transition")
    if not reason.strip():
        raise ApplicationError("Give the reason for closing the case.", code="reason_required")
    closed = closed_on or _today()
    if closed < case.opened_on:
        raise ApplicationError(
            "A case cannot be closed before it was opened ({}).".format(case.opened_on),
            code="invalid_date",
        )
    before = {"status": case.status}
    case.status = h.CaseStatus.CLOSED_REFERRED if referred else h.CaseStatus.CLOSED
    case.closed_on = closed
    case.reason_for_closure = reason
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=case,
        before=before,
        after={"status": case.status, "closed_on": str(closed)},
    )
    return case


@transaction.atomic
def case_reopen(*, actor: AnyUser | None, case: Case) -> Case:
    user, _ = _owner_access(actor, case)
    if case.anonymised_at is not None:
        raise ApplicationError("An anonymised case cannot be reopened.", code="invalid_transition")
    if case.status not in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED):
        raise ApplicationError("Only a closed case can be reopened.", code="invalid_transition")
    case.status, case.closed_on = h.CaseStatus.FOLLOW_UP, None
    row_save(case)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=case, after={"status": case.status})
    return case


@transaction.atomic
def comment_add(*, actor: AnyUser | None, case: Case, text: str) -> CaseComment:
    user, _ = _owner_access(actor, case)
    if not text.strip():
        raise ApplicationError("The comment is empty.", code="empty")
    comment = CaseComment(case=case, text=text, author=user)
    row_save(comment)
    audit_record(actor=user, action=AuditAction.CREATE, obj=comment, after={"case": str(case.pk)})
    return comment


# --- persons and identity --------------------------------------------------------------------


def _clean_facts(facts: dict[str, Any]) -> dict[str, Any]:
    unknown = set(facts) - set(PERSON_FACT_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown person field(s): {}.".format(", ".join(sorted(unknown))), code="unknown_field"
        )
    out = dict(facts)
    for name, choices in SINGLE_FIELDS.items():
        if name in out and out[name] is not None:
            out[name] = _check_choice(str(out[name]), choices, name)
    for name, choices in MULTI_FIELDS.items():
        if name in out:
            out[name] = _check_multi(out[name], choices, name)
    if "citizenship" in out:
        out["citizenship"] = _check_countries(out["citizenship"])
    for name in ("age_at_registration", "age_when_trafficked"):
        value = out.get(name)
        if value is not None and not 0 <= int(value) <= 120:
            raise ApplicationError("{} must be between 0 and 120.".format(name), code="invalid_age")
    return out


def _clean_identity(identity: dict[str, Any]) -> dict[str, Any]:
    unknown = set(identity) - set(IDENTITY_FIELDS) - set(CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(
            "Unknown identity field(s): {}.".format(", ".join(sorted(unknown))),
            code="unknown_field",
        )
    out = {k: v for k, v in identity.items() if v not in (None, "", [])}
    if "birthdate" in out:
        try:
            born = dt.date.fromisoformat(str(out["birthdate"]))
        except ValueError:
            raise ApplicationError(
                "birthdate must be a date (YYYY-MM-DD).", code="invalid_date"
            ) from None
        if born > _today():
            raise ApplicationError("The date of birth is in the future.", code="invalid_date")
        out["birthdate"] = born.isoformat()
    if "mailing_country" in out:
        out["mailing_country"] = country_get(str(out["mailing_country"])).iso3
    if "aliases" in out and not isinstance(out["aliases"], list):
        raise ApplicationError("aliases must be a list of names.", code="invalid")
    return out


@transaction.atomic
def person_add(
    *,
    actor: AnyUser | None,
    case: Case,
    role: str,
    identity: dict[str, Any] | None = None,
    pseudonym: str | None = None,
    **facts: Any,
) -> Person:
    """Add a person to a case; identifying data is encrypted apart from the facts."""
    user, _ = _owner_access(actor, case)
    facts = _clean_facts({"role": role, **facts})
    if pseudonym and Person.objects.filter(pseudonym=pseudonym).exists():
        raise ApplicationError(
            "The pseudonym '{}' is already used.".format(pseudonym), code="duplicate_pseudonym"
        )
    person = Person(case=case, **facts)
    if pseudonym:
        person.pseudonym = pseudonym
    clean_identity = _clean_identity(identity or {})
    if clean_identity.get("birthdate") and person.age_at_registration is None:
        person.age_at_registration = _age_on(
            dt.date.fromisoformat(clean_identity["birthdate"]), case.opened_on
        )
    row_save(person)
    if clean_identity:
        PersonIdentity.objects.create(person=person, ciphertext=encrypt_json(clean_identity))
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=person,
        after={
            "pseudonym": person.pseudonym,
            "role": person.role,
            "identity_fields": sorted(clean_identity),
        },
    )
    return person


@transaction.atomic
def person_update(*, actor: AnyUser | None, person: Person, **facts: Any) -> Person:
    user, _ = _owner_access(actor, person.case)
    facts = _clean_facts(facts)
    before = {k: getattr(person, k) for k in facts}
    for k, v in facts.items():
        setattr(person, k, v)
    row_save(person)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=person, before=before, after=facts)
    return person


@transaction.atomic
def person_identity_set(
    *, actor: AnyUser | None, person: Person, identity: dict[str, Any]
) -> Person:
    """Replace the identifying data (merge: keys given replace, others stay)."""
    user, _ = _owner_access(actor, person.case)
    current = PersonIdentity.objects.filter(person=person).first()
    data = decrypt_json(current.ciphertext) if current else {}
    data.update(_clean_identity(identity))
    for key in [k for k, v in identity.items() if v in (None, "", [])]:
        data.pop(key, None)
    if data.get("birthdate"):
        born = dt.date.fromisoformat(data["birthdate"])
        first = Movement.objects.filter(person=person, date__isnull=False).order_by("date").first()
        if first is not None and first.date is not None and first.date < born:
            raise ApplicationError(
                "The date of birth {} is after a recorded movement ({}).".format(born, first.date),
                code="invalid_date",
            )
        if "birthdate" in identity and "age_at_registration" not in identity:
            # The age at registration follows a (corrected) date of birth: the child rules use it.
            person.age_at_registration = _age_on(born, person.case.opened_on)
            person_save(person, ["age_at_registration"])
    PersonIdentity.objects.update_or_create(
        person=person, defaults={"ciphertext": encrypt_json(data)}
    )
    # Only which fields changed is logged, never their values.
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=person,
        after={"identity_fields": sorted(identity)},
    )
    return person


def person_identity_read(
    *, actor: AnyUser | None, person: Person, reason: str, scopes: Iterable[str] | None = None
) -> dict[str, Any]:
    """The identifying data the actor may see; every read is written to the audit log."""
    user = _actor(actor) if not isinstance(actor, User) or actor.role in CASE_ROLES else None
    if user is None:
        raise NotFoundError("No such person.", code="not_found")
    if not reason.strip():
        raise ApplicationError(
            "Say why you need to see this person's identifying data.", code="reason_required"
        )
    access = case_access(user, person.case)
    allowed = set(scopes or access.scopes)
    granted = access.scopes_for(person)  # what the shares grant for this very person
    # What is asked for (a photo asks for identity only) must be shared, not just something.
    if not access.sees_person(person) or not (
        {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & granted & allowed
    ):
        raise NotFoundError("Not shared with your organisation.", code="not_found")
    identity = PersonIdentity.objects.filter(person=person).first()
    data = decrypt_json(identity.ciphertext) if identity else {}
    visible: dict[str, Any] = {}
    if c.ShareScope.IDENTITY in granted & allowed:
        visible.update({k: v for k, v in data.items() if k in IDENTITY_FIELDS})
    if c.ShareScope.CONTACT in granted & allowed:
        visible.update({k: v for k, v in data.items() if k in CONTACT_FIELDS})
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=person,
            reason=reason.strip()[:500],
            after={"pseudonym": person.pseudonym, "fields": sorted(visible)},
        )
    return visible


@transaction.atomic
def photo_add(
    *, actor: AnyUser | None, person: Person, content: bytes, content_type: str
) -> PersonPhoto:
    user, _ = _owner_access(actor, person.case)
    if content_type not in ("image/jpeg", "image/png", "image/webp"):
        raise ApplicationError("Photos must be JPEG, PNG or WebP.", code="invalid_type")
    if len(content) > 5 * 1024 * 1024:
        raise ApplicationError("The photo is larger than 5 MiB.", code="too_large")
    photo = PersonPhoto(
        person=person,
        content_type=content_type,
        ciphertext=encrypt_text(base64.b64encode(content).decode()),
    )
    row_save(photo)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=photo,
        after={"person": person.pseudonym, "bytes": len(content)},
    )
    return photo


def photo_read(*, actor: AnyUser | None, photo: PersonPhoto, reason: str) -> bytes:
    person_identity_read(
        actor=actor, person=photo.person, reason=reason, scopes=[c.ShareScope.IDENTITY]
    )
    return base64.b64decode(decrypt_text(photo.ciphertext))


# --- consent ---------------------------------------------------------------------------------


def has_consent(person: Person, purpose: str, on: dt.date | None = None) -> bool:
    day = on or _today()
    return (
        Consent.objects.filter(person=person, purpose=purpose, given_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .exists()
    )


@transaction.atomic
def consent_record(
    *,
    actor: AnyUser | None,
    person: Person,
    purpose: str,
    given_on: dt.date | None = None,
    notes: str = "",
) -> Consent:
    user, _ = _owner_access(actor, person.case)
    _check_choice(purpose, c.ConsentPurpose, "purpose")
    if has_consent(person, purpose, given_on):
        raise ApplicationError(
            "Consent for {} is already recorded.".format(purpose), code="duplicate"
        )
    consent = Consent(
        person=person, purpose=purpose, given_on=given_on or _today(), recorded_by=user, notes=notes
    )
    row_save(consent)
    if purpose == c.ConsentPurpose.DATA_SHARING and not person.agreement_to_manage_personal_data:
        person.agreement_to_manage_personal_data = True
        person.save(update_fields=["agreement_to_manage_personal_data", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=consent,
        after={"person": person.pseudonym, "purpose": purpose},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: AnyUser | None, consent: Consent, withdrawn_on: dt.date | None = None
) -> Consent:
    user, _ = _owner_access(actor, consent.person.case)
    if consent.withdrawn_on is not None:
        raise ApplicationError("This consent was already withdrawn.", code="invalid_transition")
    consent.withdrawn_on = withdrawn_on or _today()
    row_save(consent)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=consent,
        after={"withdrawn_on": str(consent.withdrawn_on)},
    )
    return consent


# --- identification --------------------------------------------------------------------------


@transaction.atomic
def screening_record(
    *,
    actor: AnyUser | None,
    person: Person,
    indicator_list: IndicatorList,
    indicators: list[str],
    screened_on: dt.date | None = None,
    notes: str = "",
) -> Screening:
    """Screen a person against a versioned indicator list; outcome and reasons are computed."""
    user, _ = _owner_access(actor, person.case)
    if not indicator_list.active or not indicator_list.indicators.exists():
        # A retired or not yet transcribed list would record "not a victim" for lack of
        # indicators, not for lack of signs: refuse it.
        raise ApplicationError(
            "The indicator list {} version {} is not in use; screen with a list in use.".format(
                indicator_list.key, indicator_list.version
            ),
            code="indicator_list_not_in_use",
        )
    known = {i.code: i for i in indicator_list.indicators.all()}
    unknown = sorted(set(indicators) - set(known))
    if unknown:
        raise ApplicationError(
            "Unknown indicator code(s) for {}: {}.".format(indicator_list, ", ".join(unknown)),
            code="unknown_code",
        )
    result = assess(
        [known[code] for code in set(indicators)], requires_means=requires_means(indicator_list)
    )
    screening = Screening(
        person=person,
        indicator_list=indicator_list,
        indicators=sorted(set(indicators)),
        dimensions_met=result.dimensions_met,
        outcome=result.outcome,
        reasoning=result.reasoning + ("\n\nNotes: " + notes if notes.strip() else ""),
        screened_on=screened_on or _today(),
        screened_by=user,
    )
    row_save(screening)
    if (
        result.outcome == c.ScreeningOutcome.PRESUMED_VICTIM
        and person.role
        in (
            c.PersonRole.PRESUMED_VICTIM,
            c.PersonRole.VICTIM,
        )
        and person.trafficking_status != h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
    ):
        person.role = c.PersonRole.PRESUMED_VICTIM
        person.trafficking_status = h.TraffickingStatus.POSSIBLE_VICTIM_OF_TRAFFICKING
        person_save(person, ["role", "trafficking_status"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=screening,
        after={
            "person": person.pseudonym,
            "outcome": result.outcome,
            "dimensions_met": result.dimensions_met,
        },
    )
    return screening


@transaction.atomic
def identification_record(
    *,
    actor: AnyUser | None,
    person: Person,
    authority: Organisation,
    decision: str,
    decision_org_type: str,
    reasoning: str,
    decided_on: dt.date | None = None,
) -> Identification:
    """Formal identification by a competent authority; sets the HTCDS trafficking status."""
    user, _ = _owner_access(actor, person.case)
    _check_choice(decision, c.IdentificationDecision, "decision")
    _check_choice(decision_org_type, h.StatusDecisionOrg, "decision_org_type")
    if not reasoning.strip():
        raise ApplicationError("Give the reasons for the decision.", code="reason_required")
    day = decided_on or _today()
    if day > _today():
        raise ApplicationError("The decision date is in the future.", code="date_in_future")
    ident = Identification(
        person=person,
        authority=authority,
        decision=decision,
        decision_org_type=decision_org_type,
        decided_on=day,
        reasoning=reasoning,
        recorded_by=user,
    )
    row_save(ident)
    identified = decision == c.IdentificationDecision.IDENTIFIED
    person.trafficking_status = (
        h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
        if identified
        else h.TraffickingStatus.NOT_A_VICTIM_OF_TRAFFICKING
    )
    person.status_decision_org = decision_org_type
    if identified:
        person.role = c.PersonRole.VICTIM
    person_save(person, ["trafficking_status", "status_decision_org", "role"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=ident,
        after={"person": person.pseudonym, "decision": decision},
    )
    return ident


# --- movements -------------------------------------------------------------------------------


@transaction.atomic
def movement_add(
    *,
    actor: AnyUser | None,
    person: Person,
    event_type: str,
    country: str,
    date: dt.date | None = None,
    end_date: dt.date | None = None,
    city: str = "",
    state: str = "",
    description: str = "",
) -> Movement:
    user, _ = _owner_access(actor, person.case)
    _check_choice(event_type, h.EventType, "event_type")
    born = _birthdate(person)
    for day in (date, end_date):
        if day and born and day < born:
            raise ApplicationError(
                "The {} date {} is before the person was born.".format(event_type.lower(), day),
                code="invalid_date",
            )
        if day and day > _today():
            raise ApplicationError(
                "The date {} is in the future.".format(day), code="date_in_future"
            )
    if date and end_date and end_date < date:
        raise ApplicationError(
            "The movement ends ({}) before it starts ({}).".format(end_date, date),
            code="invalid_date",
        )
    mv = Movement(
        person=person,
        event_type=event_type,
        country=country_get(country),
        date=date,
        end_date=end_date,
        city=city,
        state=state,
        description=description,
    )
    row_save(mv)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=mv,
        after={"person": person.pseudonym, "type": event_type, "country": mv.country_id},
    )
    return mv


# --- referrals -------------------------------------------------------------------------------


@transaction.atomic
def referral_send(
    *,
    actor: AnyUser | None,
    person: Person,
    to_organisation: Organisation,
    service: str,
    scopes: list[str],
    details: str = "",
    reason: str = h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
    sent_on: dt.date | None = None,
) -> Referral:
    """Refer a person to a service provider, sharing exactly the chosen scopes of the case."""
    user, _ = _owner_access(actor, person.case)
    _check_choice(service, c.ServiceType, "service")
    _check_choice(reason, h.ReferralReason, "reason")
    scopes = _check_multi(scopes, c.ShareScope, "scopes")
    if to_organisation.pk == person.case.organisation_id:
        raise ApplicationError("A referral goes to another organisation.", code="invalid")
    if {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & set(scopes) and not has_consent(
        person, c.ConsentPurpose.DATA_SHARING, sent_on
    ):
        raise ApplicationError(
            "Sharing identifying data needs the person's recorded consent to data sharing.",
            code="consent_required",
        )
    share = CaseShare(
        case=person.case,
        organisation=to_organisation,
        scopes=scopes,
        persons=[person.pseudonym],
        reason="referral: {}".format(service),
        granted_by=user,
    )
    row_save(share)
    referral = Referral(
        person=person,
        from_organisation=person.case.organisation,
        to_organisation=to_organisation,
        service=service,
        reason=reason,
        details=details,
        scopes=scopes,
        sent_on=sent_on or _today(),
        share=share,
        sent_by=user,
    )
    row_save(referral)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=referral,
        after={
            "person": person.pseudonym,
            "to": to_organisation.pk,
            "service": service,
            "scopes": scopes,
        },
    )
    return referral


REFERRAL_TRANSITIONS = {
    "accept": ({c.ReferralStatus.SENT}, c.ReferralStatus.ACCEPTED),
    "decline": ({c.ReferralStatus.SENT}, c.ReferralStatus.DECLINED),
    "deliver": ({c.ReferralStatus.ACCEPTED}, c.ReferralStatus.DELIVERED),
    "close": (
        {c.ReferralStatus.ACCEPTED, c.ReferralStatus.DELIVERED, c.ReferralStatus.DECLINED},
        c.ReferralStatus.CLOSED,
    ),
}


@transaction.atomic
def referral_transition(
    *,
    actor: AnyUser | None,
    referral: Referral,
    action: str,
    note: str = "",
    on: dt.date | None = None,
) -> Referral:
    """accept / decline / deliver by the receiving organisation; close by either side."""
    user = _actor(actor)
    if action not in REFERRAL_TRANSITIONS:
        raise ApplicationError(
            "Unknown referral action '{}'.".format(action), code="invalid_transition"
        )
    receiving = user.organisation_id == referral.to_organisation_id
    sending = user.organisation_id == referral.from_organisation_id
    if not (receiving or sending):
        raise NotFoundError("No such referral.", code="not_found")
    if not receiving and action != "close":
        raise ForbiddenError("Only the receiving organisation can {} a referral.".format(action))
    allowed, target = REFERRAL_TRANSITIONS[action]
    if referral.status not in allowed:
        raise ApplicationError(
            "A referral that is {} cannot be {}ed.".format(referral.status, action.rstrip("e")),
            code="invalid_transition",
        )
    day = on or _today()
    before = {"status": referral.status}
    referral.status = target
    if action in ("accept", "decline"):
        referral.responded_on = day
    if action == "deliver":
        referral.delivered_on = day
    if action == "close":
        referral.closed_on = day
    if note:
        referral.response_note = note
    row_save(referral)
    if target in (c.ReferralStatus.DECLINED, c.ReferralStatus.CLOSED):
        CaseShare.objects.filter(pk=referral.share_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=referral, before=before, after={"status": target}
    )
    return referral


@transaction.atomic
def case_share(
    *,
    actor: AnyUser | None,
    case: Case,
    organisation: Organisation,
    scopes: list[str],
    reason: str,
    persons: list[str] | None = None,
) -> CaseShare:
    """Share a case explicitly (e.g. with an investigating authority)."""
    user, _ = _owner_access(actor, case)
    scopes = _check_multi(scopes, c.ShareScope, "scopes")
    if not reason.strip():
        raise ApplicationError(
            "Give the reason or legal basis for sharing.", code="reason_required"
        )
    names = set(persons or [])
    pseudos = set(case.persons.values_list("pseudonym", flat=True))
    if names - pseudos:
        raise ApplicationError(
            "Not persons of this case: {}.".format(", ".join(sorted(names - pseudos))),
            code="unknown_person",
        )
    if {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & set(scopes):
        for person in case.persons.filter(pseudonym__in=names) if names else case.persons.all():
            if person.role in (
                c.PersonRole.VICTIM,
                c.PersonRole.PRESUMED_VICTIM,
            ) and not has_consent(person, c.ConsentPurpose.DATA_SHARING):
                raise ApplicationError(
                    "Sharing {}'s identifying data needs their consent to data sharing.".format(
                        person.pseudonym
                    ),
                    code="consent_required",
                )
    share = CaseShare(
        case=case,
        organisation=organisation,
        scopes=scopes,
        persons=sorted(names),
        reason=reason,
        granted_by=user,
    )
    row_save(share)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=share,
        after={"case": str(case.pk), "to": organisation.pk, "scopes": scopes},
    )
    return share


@transaction.atomic
def case_share_revoke(*, actor: AnyUser | None, share: CaseShare) -> CaseShare:
    user, _ = _owner_access(actor, share.case)
    if share.revoked_at is not None:  # keep the first revocation's time
        raise ApplicationError("This share was already revoked.", code="invalid_transition")
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    audit_record(actor=user, action=AuditAction.UPDATE, obj=share, after={"revoked": True})
    return share


# --- protection measures ---------------------------------------------------------------------


def reflection_days_min(country: Country) -> int:
    policy = CountryPolicy.objects.filter(country=country).first()
    return policy.reflection_days_min if policy else 30


@transaction.atomic
def measure_grant(
    *,
    actor: AnyUser | None,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    linked_to_cooperation: bool = False,
    decided_by: Organisation | None = None,
    reference: str = "",
    notes: str = "",
    renewal_of: ProtectionMeasure | None = None,
) -> ProtectionMeasure:
    """Grant a reflection period, residence permit or witness protection measure."""
    user, _ = _owner_access(actor, person.case)
    _check_choice(kind, c.MeasureKind, "kind")
    if person.role not in (c.PersonRole.VICTIM, c.PersonRole.PRESUMED_VICTIM, c.PersonRole.WITNESS):
        raise ApplicationError(
            "Protection measures are for victims, presumed victims and witnesses.", code="invalid"
        )
    if ends_on is None and kind != c.MeasureKind.WITNESS_PROTECTION:
        raise ApplicationError(
            "A {} needs an end date.".format(kind.replace("_", " ")), code="end_required"
        )
    if ends_on and ends_on < starts_on:
        raise ApplicationError(
            "The measure ends ({}) before it starts ({}).".format(ends_on, starts_on),
            code="invalid_date",
        )
    if kind == c.MeasureKind.REFLECTION_PERIOD and ends_on and renewal_of is None:
        minimum = reflection_days_min(person.case.country)
        if (ends_on - starts_on).days < minimum:
            raise ApplicationError(
                "The reflection period must last at least {} days in {} ({} given).".format(
                    minimum, person.case.country.name, (ends_on - starts_on).days
                ),
                code="reflection_too_short",
            )
    measure = ProtectionMeasure(
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        linked_to_cooperation=linked_to_cooperation,
        decided_by=decided_by,
        reference=reference,
        notes=notes,
        renewal_of=renewal_of,
        organisation=person.case.organisation,
    )
    row_save(measure)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=measure,
        after={
            "person": person.pseudonym,
            "kind": kind,
            "starts_on": str(starts_on),
            "ends_on": str(ends_on),
        },
    )
    return measure


@transaction.atomic
def measure_renew(
    *, actor: AnyUser | None, measure: ProtectionMeasure, ends_on: dt.date, reference: str = ""
) -> ProtectionMeasure:
    """Renew a residence permit (or extend a period): the old measure ends, a linked one starts."""
    user, _ = _owner_access(actor, measure.person.case)
    if measure.status != c.MeasureStatus.ACTIVE:
        raise ApplicationError("Only an active measure can be renewed.", code="invalid_transition")
    start = (measure.ends_on or _today()) + dt.timedelta(days=1)
    if ends_on < start:
        raise ApplicationError("The renewal must end after {}.".format(start), code="invalid_date")
    measure.status = c.MeasureStatus.ENDED
    measure.save(update_fields=["status"])
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=measure,
        before={"status": c.MeasureStatus.ACTIVE},
        after={"status": measure.status, "renewed": True},
    )
    return measure_grant(
        actor=actor,
        person=measure.person,
        kind=measure.kind,
        starts_on=start,
        ends_on=ends_on,
        linked_to_cooperation=measure.linked_to_cooperation,
        decided_by=measure.decided_by,
        reference=reference or measure.reference,
        renewal_of=measure,
    )


@transaction.atomic
def measure_end(
    *, actor: AnyUser | None, measure: ProtectionMeasure, revoke: bool = False, notes: str = ""
) -> ProtectionMeasure:
    user, _ = _owner_access(actor, measure.person.case)
    if measure.status != c.MeasureStatus.ACTIVE:
        raise ApplicationError("The measure is not active.", code="invalid_transition")
    measure.status = c.MeasureStatus.REVOKED if revoke else c.MeasureStatus.ENDED
    if notes:
        measure.notes = (measure.notes + "\n" + notes).strip()
    row_save(measure)
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=measure, after={"status": measure.status}
    )
    return measure


# --- children, return and reintegration ------------------------------------------------------


def _require_child(person: Person) -> None:
    if not person.is_child:
        raise ApplicationError(
            "This applies to a child (under 18 or of uncertain age).", code="not_a_child"
        )


@transaction.atomic
def guardian_appoint(
    *,
    actor: AnyUser | None,
    person: Person,
    appointed_on: dt.date,
    name: str = "",
    organisation: Organisation | None = None,
) -> Guardian:
    user, _ = _owner_access(actor, person.case)
    _require_child(person)
    if not name.strip() and organisation is None:
        raise ApplicationError(
            "Name the guardian or the guardian's organisation.", code="guardian_required"
        )
    guardian = Guardian(
        person=person,
        organisation=organisation,
        appointed_on=appointed_on,
        name_ciphertext=encrypt_text(name.strip()) if name.strip() else "",
    )
    row_save(guardian)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=guardian,
        after={
            "person": person.pseudonym,
            "organisation": organisation.pk if organisation else None,
        },
    )
    return guardian


@transaction.atomic
def best_interest_record(
    *,
    actor: AnyUser | None,
    person: Person,
    decided_on: dt.date,
    return_in_best_interest: bool,
    reasoning: str,
    decided_by: Organisation,
) -> BestInterestDetermination:
    user, _ = _owner_access(actor, person.case)
    _require_child(person)
    if not reasoning.strip():
        raise ApplicationError(
            "A best-interest determination needs its reasons.", code="reason_required"
        )
    bid = BestInterestDetermination(
        person=person,
        decided_on=decided_on,
        return_in_best_interest=return_in_best_interest,
        reasoning=reasoning,
        decided_by=decided_by,
    )
    row_save(bid)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=bid,
        after={"person": person.pseudonym, "return_in_best_interest": return_in_best_interest},
    )
    return bid


@transaction.atomic
def return_plan(
    *,
    actor: AnyUser | None,
    person: Person,
    destination: str,
    risk_level: str,
    risk_assessment: str,
    voluntary_consent: bool = False,
    consent_on: dt.date | None = None,
    travel_documents: str = "",
    receiving_authority_id: int | None = None,
) -> Return:
    """Plan a return: destination, risk assessment, the receiving country's authority."""
    user, _ = _owner_access(actor, person.case)
    _check_choice(risk_level, c.RiskLevel, "risk_level")
    if not risk_assessment.strip():
        raise ApplicationError("A return needs a risk assessment.", code="risk_assessment_required")
    country = country_get(destination)
    authority = None
    if receiving_authority_id is not None:
        authority = DirectoryEntry.objects.filter(pk=receiving_authority_id).first()
        if authority is None:
            raise ApplicationError("No such authority in the directory.", code="unknown_authority")
        if authority.country_id and authority.country_id != country.iso3:
            raise ApplicationError(
                "The receiving authority is not in {}.".format(country.name), code="wrong_country"
            )
    ret = Return(
        person=person,
        destination=country,
        receiving_authority=authority,
        risk_level=risk_level,
        risk_assessment=risk_assessment,
        voluntary_consent=voluntary_consent,
        consent_on=consent_on if voluntary_consent else None,
        travel_documents=travel_documents,
    )
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=ret,
        after={"person": person.pseudonym, "destination": country.iso3, "risk": risk_level},
    )
    return ret


@transaction.atomic
def return_decide(
    *, actor: AnyUser | None, ret: Return, decided_on: dt.date | None = None
) -> Return:
    """Decide a return. A child's return needs a guardian and a prior best-interest determination
    finding return in the child's interest; every return needs the person's voluntary consent."""
    user, _ = _owner_access(actor, ret.person.case)
    if ret.status != c.ReturnStatus.PLANNED:
        raise ApplicationError("Only a planned return can be decided.", code="invalid_transition")
    day = decided_on or _today()
    person = ret.person
    if not ret.voluntary_consent:
        raise ApplicationError(
            "The person's voluntary consent to return is not recorded.", code="consent_required"
        )
    if person.is_child:
        if (
            not person.guardians.filter(appointed_on__lte=day)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
            .exists()
        ):
            raise ApplicationError(
                "A child's return needs an appointed guardian.", code="guardian_required"
            )
        bid = (
            person.best_interest_determinations.filter(decided_on__lte=day)
            .order_by("-decided_on")
            .first()
        )
        if bid is None:
            raise ApplicationError(
                "A child's return cannot be decided without a best-interest determination.",
                code="best_interest_required",
            )
        if not bid.return_in_best_interest:
            raise ApplicationError(
                "The best-interest determination of {} found return against the child's "
                "interest.".format(bid.decided_on),
                code="best_interest_against_return",
            )
        ret.best_interest_determination = bid
    ret.status, ret.decided_on = c.ReturnStatus.DECIDED, day
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=ret,
        after={"status": ret.status, "decided_on": str(day)},
    )
    return ret


@transaction.atomic
def return_complete(*, actor: AnyUser | None, ret: Return, return_date: dt.date) -> Return:
    user, _ = _owner_access(actor, ret.person.case)
    if ret.status != c.ReturnStatus.DECIDED:
        raise ApplicationError("Only a decided return can be completed.", code="invalid_transition")
    if ret.decided_on and return_date < ret.decided_on:
        raise ApplicationError("The return date is before the decision.", code="invalid_date")
    ret.status, ret.return_date = c.ReturnStatus.COMPLETED, return_date
    row_save(ret)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=ret, after={"status": ret.status})
    return ret


@transaction.atomic
def return_cancel(*, actor: AnyUser | None, ret: Return, reason: str = "") -> Return:
    """Cancel a planned or decided return (the person chose to stay, the risk changed)."""
    user, _ = _owner_access(actor, ret.person.case)
    if ret.status not in (c.ReturnStatus.PLANNED, c.ReturnStatus.DECIDED):
        raise ApplicationError(
            "Only a planned or decided return can be cancelled.", code="invalid_transition"
        )
    ret.status = c.ReturnStatus.CANCELLED
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=ret,
        after={"status": ret.status},
        reason=reason[:500],
    )
    return ret


@transaction.atomic
def follow_up_plan(*, actor: AnyUser | None, person: Person, planned_on: dt.date) -> FollowUpVisit:
    user, _ = _owner_access(actor, person.case)
    visit = FollowUpVisit(
        person=person, planned_on=planned_on, organisation=person.case.organisation
    )
    row_save(visit)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=visit,
        after={"person": person.pseudonym, "planned_on": str(planned_on)},
    )
    return visit


@transaction.atomic
def follow_up_record(
    *,
    actor: AnyUser | None,
    visit: FollowUpVisit,
    done_on: dt.date,
    outcome: str,
    retrafficked: bool = False,
) -> FollowUpVisit:
    user, _ = _owner_access(actor, visit.person.case)
    if done_on > _today():
        raise ApplicationError("A visit cannot be recorded in the future.", code="date_in_future")
    visit.done_on, visit.outcome, visit.retrafficked = done_on, outcome, retrafficked
    row_save(visit)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=visit,
        after={"done_on": str(done_on), "retrafficked": retrafficked},
    )
    return visit


# --- proceedings and support -----------------------------------------------------------------


@transaction.atomic
def proceeding_record(
    *,
    actor: AnyUser | None,
    case: Case,
    stage: str,
    started_on: dt.date,
    suspect: Person | None = None,
    **fields: Any,
) -> Proceeding:
    user, _ = _owner_access(actor, case)
    _check_choice(stage, c.ProceedingStage, "stage")
    if suspect is not None and (suspect.case_id != case.pk or suspect.role != c.PersonRole.SUSPECT):
        raise ApplicationError("The suspect must be a suspect in this case.", code="invalid")
    if fields.get("verdict"):
        _check_choice(fields["verdict"], c.Verdict, "verdict")
    allowed = {
        "charges",
        "verdict",
        "verdict_on",
        "sentence_months",
        "confiscated_amount",
        "compensation_ordered",
        "compensation_paid",
        "currency",
    }
    if set(fields) - allowed:
        raise ApplicationError(
            "Unknown proceeding field(s): {}.".format(", ".join(sorted(set(fields) - allowed))),
            code="unknown_field",
        )
    if fields.get("verdict_on") and fields["verdict_on"] < started_on:
        raise ApplicationError(
            "The verdict is dated before the proceedings started.", code="invalid_date"
        )
    proc = Proceeding(case=case, suspect=suspect, stage=stage, started_on=started_on, **fields)
    row_save(proc)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=proc,
        after={"case": str(case.pk), "stage": stage},
    )
    return proc


@transaction.atomic
def support_plan_add(
    *,
    actor: AnyUser | None,
    person: Person,
    plan_type: str,
    objectives: str = "",
    action_plan: str = "",
    planned_end: dt.date | None = None,
) -> SupportPlan:
    user, _ = _owner_access(actor, person.case)
    _check_choice(plan_type, h.SupportPlanType, "plan_type")
    plan = SupportPlan(
        person=person,
        plan_type=plan_type,
        objectives=objectives,
        action_plan=action_plan,
        planned_end=planned_end,
    )
    row_save(plan)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=plan,
        after={"person": person.pseudonym, "type": plan_type},
    )
    return plan


# --- retention -------------------------------------------------------------------------------


def _retention_days(case: Case, default_days: int | None) -> int:
    policy = CountryPolicy.objects.filter(country=case.country_id).first()
    if policy is not None:
        return policy.retention_days_after_closure
    return default_days if default_days is not None else settings.PALERMO_CASE_RETENTION_DAYS


@transaction.atomic
def case_anonymise(*, case: Case, actor_label: str = "retention") -> Case:
    """Remove everything that could identify a person; keep the coded facts for statistics."""
    if case.anonymised_at is not None:
        return case
    persons = list(case.persons.all())
    PersonIdentity.objects.filter(person__in=persons).delete()
    PersonPhoto.objects.filter(person__in=persons).delete()
    Guardian.objects.filter(person__in=persons).update(name_ciphertext="")
    Person.objects.filter(case=case).update(
        details_of_vulnerabilities="",
        perpetrator_role_details="",
        location_of_recruitment="",
        location_of_exploitation="",
    )
    Movement.objects.filter(person__in=persons).update(description="", city="", state="")
    Consent.objects.filter(person__in=persons).update(notes="")
    Screening.objects.filter(person__in=persons).update(reasoning="(removed by retention)")
    Identification.objects.filter(person__in=persons).update(reasoning="(removed by retention)")
    BestInterestDetermination.objects.filter(person__in=persons).update(
        reasoning="(removed by retention)"
    )
    Return.objects.filter(person__in=persons).update(
        risk_assessment="(removed by retention)", travel_documents=""
    )
    FollowUpVisit.objects.filter(person__in=persons).update(outcome="")
    Referral.objects.filter(person__in=persons).update(details="", response_note="")
    ProtectionMeasure.objects.filter(person__in=persons).update(notes="", reference="")
    SupportPlan.objects.filter(person__in=persons).update(objectives="", action_plan="")
    Proceeding.objects.filter(case=case).update(charges="")
    CaseComment.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(
        title="", incoming_referral_details="", reason_for_closure="", anonymised_at=timezone.now()
    )
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=AuditAction.UPDATE,
        obj=case,
        after={"anonymised": True, "persons": len(persons)},
    )
    case.refresh_from_db()
    return case


def cases_anonymise_due(*, today: dt.date | None = None, default_days: int | None = None) -> int:
    """Anonymise every closed case whose retention period has passed. Returns how many."""
    day = today or _today()
    done = 0
    closed = Case.objects.filter(
        anonymised_at__isnull=True,
        closed_on__isnull=False,
        status__in=[h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED],
    )
    for case in closed.select_related("country"):
        assert case.closed_on is not None  # noqa: S101 - filtered above
        if case.closed_on + dt.timedelta(days=_retention_days(case, default_days)) <= day:
            case_anonymise(case=case)
            done += 1
    return done
