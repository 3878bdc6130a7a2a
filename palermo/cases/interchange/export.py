"""Exporting an organisation's cases as HTCDS records (JSON or CSV), de-identified by default.

Owns who may export (`_export_actor`), reading the cases a chunk at a time with a few `.values()`
queries (`export_records`), the CSV row of a record and `cases_export`, which writes the file,
records one audit entry (an interrupted export too) and measures the k-anonymity of a
de-identified file before it leaves.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import services
from palermo.cases.access import CASE_ROLES
from palermo.cases.documents import documents_text
from palermo.cases.interchange.fields import (
    BATCH,
    COMMENTS,
    CONSENTS,
    COUNTRY,
    FACT_COLUMNS,
    GROUPS,
    HTCDS_VERSION,
    IDENTITY_COLUMNS,
    MOVEMENTS,
    ORG,
    REFERRALS,
    SUPPORT_PLANS,
    Column,
    Group,
    csv_columns,
    join_values,
)
from palermo.cases.models import (
    Case,
    CaseComment,
    Consent,
    Movement,
    Person,
    PersonIdentity,
    Referral,
    SupportPlan,
)
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Organisation, User


def _export_actor(actor: User | None, organisation: Organisation, identifying: bool) -> User:
    """Who may export an organisation's cases: its case workers and investigators; a national
    coordinator of its country the de-identified facts only. Analysts, registry editors and
    administrators never see cases (access.py), so they export nothing."""
    if actor is None or not actor.is_active:
        raise ForbiddenError(_("Say who exports (an active user)."), code="not_authenticated")
    own = actor.organisation_id == organisation.pk and actor.role in CASE_ROLES
    if identifying:
        if not own:
            raise ForbiddenError(
                _(
                    "Only case workers and investigators of {} may export identifying data; {} "
                    "is {} of {}."
                ).format(
                    organisation.name,
                    actor.username,
                    actor.role or _("without a role"),
                    actor.organisation.name if actor.organisation else _("no organisation"),
                )
            )
        return actor
    coordinator = (
        actor.role == Role.NATIONAL_COORDINATOR
        and actor.organisation is not None
        and actor.organisation.country_id is not None
        and actor.organisation.country_id == organisation.country_id
    )
    if not (own or coordinator):
        raise ForbiddenError(
            _(
                "{} may not export the cases of {}: only its case workers and investigators, or "
                "a national coordinator of its country (de-identified)."
            ).format(actor.username, organisation.name)
        )
    return actor


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


CASE_VALUES = (
    "id",
    "reference",
    "country_id",
    "opened_on",
    "closed_on",
    "status",
    "title",
    "reason_for_closure",
    "owner__username",
    "referring_organisation__name",
    "incoming_referral_date",
    "reason_for_incoming_referral",
    "incoming_referral_details",
)
PERSON_VALUES = (
    "id",
    "case_id",
    "pseudonym",
    "role",
    "age_at_registration",
    "age_uncertain",
    *(col.attr for col in FACT_COLUMNS),
)


def _values_key(group: Group, col: Column) -> str:
    """The `.values()` name of a group column."""
    if col.kind == ORG:
        return col.attr + "__name"
    if col.kind == COUNTRY:
        return col.attr + "_id"
    if col.attr == "given":
        return "withdrawn_on"
    return col.attr


def _group_values(
    group: Group, qs: models.QuerySet[Any], owner: str
) -> dict[Any, list[dict[str, Any]]]:
    """The group's rows as {owner id: [row, ...]} in insertion order, one query."""
    names = sorted({_values_key(group, col) for col in group.columns})
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in qs.order_by("pk").values(owner, *names):
        out.setdefault(row[owner], []).append(row)
    return out


def _group_items(
    group: Group, rows: Iterable[dict[str, Any]], identifying: bool
) -> list[dict[str, Any]]:
    items = []
    for row in rows:
        item: dict[str, Any] = {}
        for col in group.columns:
            if col.identifying and not identifying:
                continue
            value = row[_values_key(group, col)]
            if col.attr == "given":
                value = value is None  # given and not withdrawn
            item[col.name] = value.isoformat() if isinstance(value, dt.date) else value
        items.append(_compact(item))
    return items


def _age(birthdate: str | None, opened: dt.date) -> int | None:
    if not birthdate:
        return None
    born = dt.date.fromisoformat(birthdate)
    return opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))


def export_records(
    *,
    actor: User | None,
    organisation: Organisation,
    identifying: bool = False,
    reason: str = "",
) -> Iterator[dict[str, Any]]:
    """The organisation's cases as HTCDS records, one per person (see the module docstring).

    With `identifying`, each person's identity is read through `person_identity_read`, which
    writes one audit entry per person with `reason`. Permissions are checked at the call, before
    the first record."""
    user = _export_actor(actor, organisation, identifying)
    if identifying and not reason.strip():
        raise ApplicationError(
            _("Say why identifying data is exported (--reason)."), code="reason_required"
        )
    return _records(user, organisation, identifying=identifying, reason=reason)


def _records(  # noqa: PLR0914 - one record assembled from several queries
    user: User, organisation: Organisation, *, identifying: bool, reason: str
) -> Iterator[dict[str, Any]]:
    """Reads a chunk of cases at a time with a few `.values()` queries (no model instances)."""
    ids = list(
        Case.objects.filter(organisation=organisation)
        .order_by("opened_on", "reference")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        cases = {row["id"]: row for row in Case.objects.filter(pk__in=chunk).values(*CASE_VALUES)}
        persons: dict[Any, list[dict[str, Any]]] = {}
        for row in (
            Person.objects.filter(case_id__in=chunk)
            .order_by("created_at", "pseudonym")
            .values(*PERSON_VALUES)
        ):
            persons.setdefault(row["case_id"], []).append(row)
        person_ids = [p["id"] for rows in persons.values() for p in rows]
        by_person = Q(person_id__in=person_ids)
        groups = {
            MOVEMENTS.key: _group_values(
                MOVEMENTS, Movement.objects.filter(by_person), "person_id"
            ),
            SUPPORT_PLANS.key: _group_values(
                SUPPORT_PLANS, SupportPlan.objects.filter(by_person), "person_id"
            ),
            CONSENTS.key: _group_values(CONSENTS, Consent.objects.filter(by_person), "person_id"),
            REFERRALS.key: _group_values(
                REFERRALS, Referral.objects.filter(by_person), "person_id"
            ),
        }
        comments = (
            _group_values(COMMENTS, CaseComment.objects.filter(case_id__in=chunk), "case_id")
            if identifying
            else {}
        )
        no_age = [
            p["id"] for rows in persons.values() for p in rows if p["age_at_registration"] is None
        ]
        # The age when the case opened, from the encrypted birthdate: nothing identifying leaves.
        born = {
            pid: decrypt_json(token).get("birthdate")
            for pid, token in PersonIdentity.objects.filter(person_id__in=no_age).values_list(
                "person_id", "ciphertext"
            )
        }
        instances = (
            Person.objects.select_related("case", "case__organisation").in_bulk(person_ids)
            if identifying
            else {}
        )
        for case_id in chunk:
            case = cases[case_id]
            case_part: dict[str, Any] = {
                "plm_CaseReference": case["reference"],
                "plm_CaseCountry": case["country_id"],
                "plm_CaseOpenedOn": _iso(case["opened_on"]),
                "plm_CaseClosedOn": _iso(case["closed_on"]),
                "cas_Status": case["status"],
                "cas_ReferringOrganisation": case["referring_organisation__name"],
                "cas_IncomingReferralDate": _iso(case["incoming_referral_date"]),
                "cas_ReasonForIncomingReferral": case["reason_for_incoming_referral"],
            }
            if identifying:
                case_part |= {
                    "plm_CaseTitle": case["title"],
                    "cas_ReasonForCaseClosure": case["reason_for_closure"],
                    "cas_CaseOwner": case["owner__username"],
                    "cas_IncomingReferralDetails": case["incoming_referral_details"],
                }
            for index, person in enumerate(persons.get(case_id, [])):
                pid = person["id"]
                record = dict(case_part)
                record |= {
                    "plm_Pseudonym": person["pseudonym"],
                    "plm_Role": person["role"],
                    "plm_AgeAtRegistration": person["age_at_registration"]
                    if person["age_at_registration"] is not None
                    else _age(born.get(pid), case["opened_on"]),
                    "plm_AgeUncertain": person["age_uncertain"],
                }
                if identifying:
                    identity = services.person_identity_read(
                        actor=user, person=instances[pid], reason=reason
                    )
                    for col in IDENTITY_COLUMNS:
                        record[col.name] = identity.get(col.attr)
                    if identity.get("documents"):
                        record["plm_Documents"] = documents_text(identity["documents"])
                for col in FACT_COLUMNS:
                    if identifying or not col.identifying:
                        record[col.name] = person[col.attr]
                for group in (MOVEMENTS, SUPPORT_PLANS, CONSENTS, REFERRALS):
                    record[group.key] = _group_items(
                        group, groups[group.key].get(pid, []), identifying
                    )
                if identifying and index == 0:
                    record[COMMENTS.key] = _group_items(
                        COMMENTS, comments.get(case_id, []), identifying
                    )
                yield _compact(record)


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty values (None, "", []); booleans stay."""
    return {k: v for k, v in record.items() if v is not None and v not in ("", [])}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return join_values(_csv_cell(v) for v in value)
    return str(value)


def record_to_csv_row(record: dict[str, Any], *, identifying: bool) -> dict[str, str]:
    row: dict[str, str] = {}
    for name, value in record.items():
        group = next((g for g in GROUPS if g.key == name), None)
        if group is None:
            row[name] = _csv_cell(value)
            continue
        for col in group.columns:
            if col.identifying and not identifying:
                continue
            cells = [_csv_cell(item.get(col.name)) for item in value]
            row[col.name] = join_values(cells) if any(cells) else ""
    return row


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass
class ExportReport:
    records: int
    cases: int
    identifying: bool
    # Of a de-identified export: the smallest number of records sharing the same
    # EXPORT_QUASI_IDENTIFIERS (pycanon), measured before the file leaves; None if identifying.
    k_anonymity: int | None = None


# What someone holding other data could link a de-identified record by: sex, age at
# registration, citizenship and the country of the case.
EXPORT_QUASI_IDENTIFIERS = (
    "prs_Gender",
    "plm_AgeAtRegistration",
    "prs_Citizenship",
    "plm_CaseCountry",
)


def _quasi_identifiers(record: dict[str, Any]) -> dict[str, object]:
    return {
        name: ",".join(value) if isinstance(value, list) else value
        for name in EXPORT_QUASI_IDENTIFIERS
        for value in [record.get(name)]
    }


def cases_export(
    *,
    actor: User | None,
    organisation: Organisation,
    stream: Writable,
    fmt: str = "htcds-json",
    identifying: bool = False,
    reason: str = "",
) -> ExportReport:
    """Write the organisation's cases to `stream` as HTCDS JSON or CSV; audited."""
    if fmt not in ("htcds-json", "csv"):
        raise ApplicationError(
            _("Export formats are htcds-json and csv, not '{}'.").format(fmt), code="invalid"
        )
    records = export_records(
        actor=actor, organisation=organisation, identifying=identifying, reason=reason
    )
    count = 0
    cases: set[str] = set()
    quasi: list[dict[str, object]] = []
    complete = False
    try:
        if fmt == "csv":
            writer = csv.DictWriter(
                stream, fieldnames=csv_columns(identifying=identifying), extrasaction="raise"
            )
            writer.writeheader()
            for record in records:
                writer.writerow(record_to_csv_row(record, identifying=identifying))
                count += 1
                cases.add(record["plm_CaseReference"])
                quasi.append(_quasi_identifiers(record))
        else:
            header = {
                "htcds_version": HTCDS_VERSION,
                "generator": "Palermo",
                "exported_at": timezone.now().isoformat(timespec="seconds"),
                "org_Name": organisation.name,
                "org_ShippingCountry": organisation.country_id,
                "identifying": identifying,
            }
            stream.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "records": [')
            for record in records:
                stream.write(",\n" if count else "\n")
                stream.write(json.dumps(record, ensure_ascii=False))
                count += 1
                cases.add(record["plm_CaseReference"])
                quasi.append(_quasi_identifiers(record))
            stream.write("\n]}\n")
        complete = True
    finally:  # an interrupted export is recorded too, with what it wrote
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            obj=organisation,
            reason=reason.strip()[:500] or "export",
            after={
                "export": fmt,
                "identifying": identifying,
                "records": count,
                "cases": len(cases),
                "complete": complete,
            },
        )
    # Loaded here: the disclosure library brings NumPy, SciPy and pandas with it.
    from palermo.disclosure import k_anonymity  # noqa: PLC0415

    k = None if identifying else k_anonymity(quasi, EXPORT_QUASI_IDENTIFIERS)
    return ExportReport(records=count, cases=len(cases), identifying=identifying, k_anonymity=k)
