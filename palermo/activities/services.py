"""Every write of the clearing house (issue 17): IATI activity files imported all or nothing.

A file is read and checked whole (`iati.read`: the standard's schema, then the codelists),
then written in one transaction: an activity whose IATI identifier is here already is replaced
whole (its publisher's newer report), the others added; one audit entry per file lists what
changed. Who imports: the clearing house's staff (registry editors, analysts) and national
coordinators (a State's own reports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.activities import duplicates, iati
from palermo.activities.audit_kinds import IATI_FILE
from palermo.activities.models import (
    TEXT,
    Activity,
    Audience,
    Budget,
    Kind,
    Need,
    Participation,
    Profession,
    RecipientCountry,
    Training,
    Transaction,
)
from palermo.activities.themes import THEMES
from palermo.core.audit import audit_record
from palermo.core.bulk import rows_insert
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError
from palermo.core.ids import new_uuid
from palermo.core.models import Country, User
from palermo.core.permissions import AnyUser, require_role

IMPORT_ROLES = (Role.REGISTRY_EDITOR, Role.ANALYST, Role.NATIONAL_COORDINATOR)
BATCH = 2000


def importer_required(user: AnyUser | None) -> User:
    return require_role(user, *IMPORT_ROLES)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    grouped: int = 0  # activities reported several times (on this node, after the import)
    identifiers: list[str] = field(default_factory=list)


def activities_import(*, actor: AnyUser | None, content: bytes, source: str) -> ImportReport:
    """Import an IATI activity file (ApplicationError naming every problem; nothing written)."""
    user = importer_required(actor)
    try:
        found = iati.read(content)
    except iati.IatiError as exc:
        shown = exc.problems[: iati.MAX_PROBLEMS]
        more = len(exc.problems) - len(shown)
        raise ApplicationError(
            _("The IATI file was not imported, nothing was written: {}").format(
                "; ".join(shown) + (_(" (and {} more)").format(more) if more else "")
            ),
            code="invalid",
        ) from None
    known = set(Country.objects.values_list("iso3", flat=True))
    missing = sorted({c for a in found for c, _share in a.countries} - known)
    if missing:
        raise ApplicationError(
            _("The IATI file was not imported: countries not loaded here: {}.").format(
                ", ".join(missing)
            ),
            code="invalid",
        )
    identifiers = [a.identifier for a in found]
    report = ImportReport(identifiers=identifiers)
    with transaction.atomic():
        existing = set(
            Activity.objects.filter(iati_identifier__in=identifiers).values_list(
                "iati_identifier", flat=True
            )
        )
        Activity.objects.filter(iati_identifier__in=existing).delete()
        _write(found, user, source)
        report.grouped = duplicates.regroup()
        report.updated = len(existing)
        report.created = len(found) - len(existing)
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            kind=IATI_FILE,
            object_id=source[:200],
            after={
                "created": report.created,
                "updated": report.updated,
                "reported_several_times": report.grouped,
            },
        )
    return report


KINDS = frozenset(Kind.values)
DATES = ("start_planned", "start_actual", "end_planned", "end_actual")


def _write(found: list[iati.ActivityIn], user: User | None, source: str) -> None:
    """Write the checked activities and their parts (the bulk writer: COPY on PostgreSQL, one
    executemany elsewhere), in the caller's transaction."""
    now = timezone.now()
    ids = [new_uuid() for _a in found]
    rows_insert(
        Activity,
        [
            {
                "id": pk,
                "iati_identifier": a.identifier,
                "reporting_org_ref": a.reporting_ref,
                "reporting_org_name": a.reporting_name[:300],
                "reporting_org_type": a.reporting_type,
                "title": a.title,
                "description": a.description,
                "kind": a.kind if a.kind in KINDS else "",
                "status": a.status,
                "default_currency": a.currency,
                "default_language": a.language[:8],
                "themes": a.themes,
                "group": None,
                "last_updated": a.last_updated,
                "source": source[:300],
                "created_by_id": user.pk if user else None,
                "created_at": now,
                **{name: a.dates.get(name) for name in DATES},
            }
            for pk, a in zip(ids, found, strict=True)
        ],
    )
    rows_insert(
        Participation,
        [
            {"activity_id": pk, "role": o.role, "ref": o.ref, "name": o.name[:300], "type": o.type}
            for pk, a in zip(ids, found, strict=True)
            for o in a.orgs
        ],
    )
    rows_insert(
        RecipientCountry,
        [
            {"activity_id": pk, "country_id": code, "percentage": share}
            for pk, a in zip(ids, found, strict=True)
            for code, share in dict(a.countries).items()
        ],
    )
    rows_insert(
        Transaction,
        [
            {
                "activity_id": pk,
                "type": t.kind,
                "date": t.day,
                "value": t.value,
                "currency": t.currency,
                "value_date": t.value_date,
                "provider": t.provider[:300],
                "receiver": t.receiver[:300],
            }
            for pk, a in zip(ids, found, strict=True)
            for t in a.transactions
        ],
    )
    rows_insert(
        Budget,
        [
            {
                "activity_id": pk,
                "type": b.kind,
                "period_start": b.day,
                "period_end": b.end or b.day,
                "value": b.value,
                "currency": b.currency,
                "value_date": b.value_date,
            }
            for pk, a in zip(ids, found, strict=True)
            for b in a.budgets
        ],
    )


# --- trainings and needs ----------------------------------------------------------------------


def training_record(
    *,
    actor: AnyUser | None,
    activity: Activity,
    joint: bool,
    curriculum: str,
    results: str,
    audience: list[dict[str, Any]],
) -> Training:
    """What a training was and whom it reached (its audience replaced whole); audited."""
    user = importer_required(actor)
    known = set(Country.objects.values_list("iso3", flat=True))
    for i, row in enumerate(audience):
        if row.get("profession") not in Profession.values:
            raise ApplicationError(
                _("Audience {}: not a profession of the list.").format(i + 1), code="invalid"
            )
        if row.get("country") not in known:
            raise ApplicationError(
                _("Audience {}: not a country (ISO alpha-3).").format(i + 1), code="invalid"
            )
    with transaction.atomic():
        training, _created = Training.objects.update_or_create(
            activity=activity,
            defaults={"joint": joint, "curriculum": curriculum, "results": results},
        )
        training.full_clean()
        Audience.objects.filter(activity=activity).delete()
        Audience.objects.bulk_create(
            Audience(
                activity=activity,
                profession=row["profession"],
                country_id=row["country"],
                women=int(row.get("women", 0)),
                men=int(row.get("men", 0)),
                other=int(row.get("other", 0)),
            )
            for row in audience
        )
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=activity,
            after={"joint": joint, "audience": len(audience)},
            reason="training recorded",
        )
    return training


def need_record(
    *, actor: AnyUser | None, country: str, theme: str, profession: str, year: int, source: str
) -> Need:
    """A need a State stated (its theme, the profession if named, the year, the source); the
    same need from the same source recorded again is the one recorded before."""
    user = importer_required(actor)
    country, source = country.strip().upper(), source.strip()[:TEXT]
    if theme not in THEMES:
        raise ApplicationError(_("Not a theme of the list."), code="invalid")
    if profession and profession not in Profession.values:
        raise ApplicationError(_("Not a profession of the list."), code="invalid")
    if not Country.objects.filter(iso3=country).exists():
        raise ApplicationError(_("Not a country (ISO alpha-3)."), code="invalid")
    if not source:
        raise ApplicationError(_("Give the source of the need."), code="invalid")
    key = {"country_id": country, "theme": theme, "profession": profession, "year": year}
    Need(**key, source=source, created_by=user).full_clean(validate_constraints=False)
    with transaction.atomic():  # the same statement recorded again (even at once): one need
        need, created = Need.objects.get_or_create(
            **key, source=source, defaults={"created_by": user}
        )
        if created:
            audit_record(actor=user, action=AuditAction.CREATE, obj=need, after={"theme": theme})
    return need
