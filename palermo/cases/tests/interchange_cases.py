"""Test data and helpers shared by the HTCDS import/export tests and the `cases` command's.

`two_cases` records, through the services, two cases with every kind of HTCDS fact, identifying
data and free text; the helpers run the `cases` command and read what it wrote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.core.management import call_command

from palermo.cases import interchange as ix
from palermo.cases import services as s
from palermo.cases.models import Case, Person, PersonIdentity
from palermo.core.choices import OrganisationKind
from palermo.core.models import AuditEntry, User
from palermo.core.services import organisation_create

D = dt.date
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Okafor",
    "birthdate": "2001-05-05",
    "aliases": ["Mimi; the small one"],
    "mobile_phone": "+39 333 000 000",
    "identity_number": "A1234567",
}
NAMES = ("Amina", "Okafor", "Mimi", "A1234567", "2001-05-05", "+39 333")


def two_cases(worker: User) -> list[Case]:
    """An active case (a victim with movements, consents, a support plan and a referral; a
    suspect; a comment) and a closed one with a boy of 16."""
    police = organisation_create(
        actor=None,
        system=True,
        name="Squadra mobile",
        kind=OrganisationKind.GOVERNMENT,
        country="ITA",
    )
    legal = organisation_create(
        actor=None,
        system=True,
        name="Legal aid",
        kind=OrganisationKind.SERVICE_PROVIDER,
        country="ITA",
    )
    case = s.case_open(
        actor=worker,
        opened_on=D(2025, 3, 1),
        title="Amina's case",
        referring_organisation=police,
        incoming_referral_date=D(2025, 2, 27),
        reason_for_incoming_referral="AdditionalServicesRequired",
        incoming_referral_details="Found by the police in Castel Volturno",
    )
    victim = s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        identity=IDENTITY,
        gender="Feminine",
        citizenship=["NGA"],
        primary_language="en",
        education="LowerSecondaryEducation",
        types_of_exploitation=["SexualExploitation"],
        types_of_sex_exploitation=["Prostitution"],
        methods_of_control=["DebtBondage", "PhysicalThreats"],
        methods_of_recruitment=["ThroughFriendsOrSocialEvents"],
        relationship_to_trafficker="Acquainted",
        age_when_trafficked=22,
        location_of_exploitation="Castel Volturno",
        details_of_vulnerabilities="Owes 30,000 euros to her madam",
        vulnerabilities=["Poverty", "Migration"],
    )
    s.movement_add(
        actor=worker,
        person=victim,
        event_type="Recruitment",
        country="NGA",
        city="Benin City",
        date=D(2024, 6, 1),
    )
    s.movement_add(
        actor=worker,
        person=victim,
        event_type="Transit",
        country="NER",
        city="Agadez",
        date=D(2024, 7, 10),
        end_date=D(2024, 8, 1),
        description="Held in a ghetto; moved on; by truck",
    )
    s.movement_add(actor=worker, person=victim, event_type="Exploitation", country="ITA")
    s.consent_record(actor=worker, person=victim, purpose="assistance", given_on=D(2025, 3, 1))
    sharing = s.consent_record(
        actor=worker, person=victim, purpose="data_sharing", given_on=D(2025, 3, 2), notes="oral"
    )
    s.consent_withdraw(actor=worker, consent=sharing, withdrawn_on=D(2025, 4, 1))
    s.support_plan_add(
        actor=worker,
        person=victim,
        plan_type="Health",
        objectives="Treat injuries",
        planned_end=D(2025, 9, 1),
    )
    s.referral_send(
        actor=worker,
        person=victim,
        to_organisation=legal,
        service="legal_aid",
        scopes=["case_facts"],
        sent_on=D(2025, 3, 5),
    )
    s.person_add(
        actor=worker,
        case=case,
        role="suspect",
        gender="Feminine",
        perpetrator_roles=["RecruiterOrIntermediary", "Exploiter"],
        perpetrator_role_details="the madam",
        citizenship=["NGA"],
    )
    s.comment_add(actor=worker, case=case, text="First interview with an interpreter")
    closed = s.case_open(actor=worker, opened_on=D(2024, 1, 10), country="ITA")
    s.person_add(
        actor=worker,
        case=closed,
        role="presumed_victim",
        gender="Masculine",
        age_at_registration=16,
        citizenship=["BGD"],
        types_of_exploitation=["ForcedLabour"],
        forced_labour_industry="A_AgricultureForestryAndFishing",
    )
    s.case_close(actor=worker, case=closed, reason="Returned home", closed_on=D(2024, 11, 30))
    return [case, closed]


def export(user: User, org: str, fmt: str = "htcds-json", *extra: str) -> str:
    """What `palermo cases export` prints."""
    out = io.StringIO()
    call_command(
        "cases", "export", "--org", org, "--as", user.username, "--format", fmt, *extra, stdout=out
    )
    return out.getvalue()


def import_file(path: Path, org: str, user: User, *extra: str) -> str:
    """What `palermo cases import` prints."""
    out = io.StringIO()
    call_command(
        "cases", "import", str(path), "--org", org, "--as", user.username, *extra, stdout=out
    )
    return out.getvalue()


def records_of(text: str, fmt: str = "htcds-json") -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    records: list[dict[str, Any]] = json.loads(text)["records"]
    return records


def comparable(records: list[dict[str, Any]]) -> list[str]:
    """Records without what an import assigns anew (references, pseudonyms, owner, referrals)."""
    out = []
    for record in records:
        kept = {
            k: v
            for k, v in record.items()
            if k not in ("plm_CaseReference", "plm_Pseudonym", "cas_CaseOwner")
            and k not in ("OutgoingReferrals", *(c.name for c in ix.REFERRALS.columns))
        }
        out.append(json.dumps(kept, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Person.objects.count(),
        PersonIdentity.objects.count(),
        AuditEntry.objects.count(),
    )
