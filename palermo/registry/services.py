"""Writes to the registry by registry editors: each validated, atomic and audited.

Owns citing a source, recording and correcting treaty actions, and adding legislation, directory
entries and memberships. (The reference data files are written by `registry.reference`.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.audit import audit_record, model_snapshot
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Document, Organisation, Source, User
from palermo.core.permissions import AnyUser, require_role
from palermo.core.services import country_get
from palermo.registry.choices import (
    DirectoryRole,
    LegislationKind,
    LegislationStatus,
    MembershipRole,
    Origin,
    TreatyActionKind,
)
from palermo.registry.models import DirectoryEntry, Legislation, Membership, TreatyAction
from palermo.registry.selectors import instrument_get, mechanism_get

TREATY_ACTION_FIELDS = ["instrument", "country", "action", "date", "date_text", "note", "source"]
LEGISLATION_FIELDS = ["country", "title", "kind", "year", "date", "status", "implements", "summary"]
DIRECTORY_FIELDS = [
    "country",
    "organisation",
    "role",
    "unit",
    "description",
    "languages",
    "url",
    "address",
    "person_name",
    "email",
    "phone",
]
MEMBERSHIP_FIELDS = ["mechanism", "country", "role", "joined", "left", "note"]
ACTION = gettext_lazy("action")
ROLE = gettext_lazy("role")


def _choice(value: str, choices: Any, name: str, label: str | Promise) -> str:
    """`value` when it is one of `choices`; else an error with the code `unknown_<name>`."""
    if value not in choices.values:
        raise ApplicationError(
            _("Unknown {} '{}': use one of {}.").format(label, value, ", ".join(choices.values)),
            code="unknown_" + name,
        )
    return value


def registry_editor_required(user: AnyUser | None) -> User:
    """The user, when they are a registry editor; else ForbiddenError."""
    return require_role(user, Role.REGISTRY_EDITOR)


_editor = registry_editor_required


def _resolve_source(actor: User, source: Source | dict[str, Any]) -> Source:
    return source if isinstance(source, Source) else source_cite(actor=actor, **source)


@transaction.atomic
def source_cite(
    *,
    actor: AnyUser | None,
    document: str = "",
    locator: str = "",
    title: str = "",
    symbol: str = "",
    url: str = "",
    date: dt.date | None = None,
) -> Source:
    """A citation: an existing document by key, or a new document described by title/symbol."""
    editor = _editor(actor)
    if document:
        doc = Document.objects.filter(key=document).first()
        if doc is None:
            raise NotFoundError(
                _("Unknown source document '{}'.").format(document), code="unknown_document"
            )
    else:
        if not title.strip():
            raise ApplicationError(
                _("A source is required: name a known document or give the new document's title."),
                code="source_required",
            )
        base = (symbol or title).lower()
        key = "".join(ch if ch.isalnum() else "-" for ch in base).strip("-")[:80] or "document"
        doc = Document.objects.filter(key=key).first()
        if doc is None:
            doc = Document(
                key=key, title=title.strip(), symbol=symbol.strip(), url=url.strip(), date=date
            )
            doc.full_clean()
            doc.save()
            audit_record(
                actor=editor,
                action=AuditAction.CREATE,
                obj=doc,
                after=model_snapshot(doc, ["key", "symbol", "title", "url", "date"]),
            )
    source, _created = Source.objects.get_or_create(document=doc, locator=locator.strip())
    return source


@transaction.atomic
def treaty_action_record(
    *,
    actor: AnyUser | None,
    instrument: str,
    country: str,
    action: str,
    date: dt.date | None,
    source: Source | dict[str, Any],
    date_text: str = "",
    note: str = "",
) -> TreatyAction:
    """Record one source's statement of a signature, ratification, accession ..."""
    editor = _editor(actor)
    source = _resolve_source(editor, source)
    inst = instrument_get(instrument)
    if not inst.binding:
        raise ApplicationError(
            _("'{}' is a {}; states do not sign or ratify it.").format(
                inst.slug, inst.get_kind_display()
            ),
            code="not_a_treaty",
        )
    if date and inst.adopted and date < inst.adopted and action != TreatyActionKind.SIGNATURE:
        raise ApplicationError(
            _("The date {} is before the instrument was adopted ({}).").format(date, inst.adopted),
            code="date_before_adoption",
        )
    if date and date > dt.date.today():  # noqa: DTZ011
        raise ApplicationError(
            _("The date {} is in the future.").format(date), code="date_in_future"
        )
    obj = TreatyAction(
        instrument=inst,
        country=country_get(country),
        action=_choice(action, TreatyActionKind, "action", ACTION),
        date=date,
        date_text=date_text,
        note=note,
        source=source,
        origin=Origin.EDITOR,
    )
    obj.full_clean()
    obj.save()
    audit_record(
        actor=editor,
        action=AuditAction.CREATE,
        obj=obj,
        after=model_snapshot(obj, TREATY_ACTION_FIELDS),
    )
    return obj


@transaction.atomic
def treaty_action_correct(
    *,
    actor: AnyUser | None,
    treaty_action: TreatyAction,
    date: dt.date | None,
    action: str | None = None,
    date_text: str | None = None,
    note: str | None = None,
) -> TreatyAction:
    """Correct a recorded statement (a misread date, a wrong action). Audited before/after."""
    editor = _editor(actor)
    before = model_snapshot(treaty_action, TREATY_ACTION_FIELDS)
    if date and date > dt.date.today():  # noqa: DTZ011
        raise ApplicationError(
            _("The date {} is in the future.").format(date), code="date_in_future"
        )
    treaty_action.date = date
    if action is not None:
        treaty_action.action = _choice(action, TreatyActionKind, "action", ACTION)
    if date_text is not None:
        treaty_action.date_text = date_text
    if note is not None:
        treaty_action.note = note
    treaty_action.edited = True
    treaty_action.full_clean()
    treaty_action.save()
    audit_record(
        actor=editor,
        action=AuditAction.UPDATE,
        obj=treaty_action,
        before=before,
        after=model_snapshot(treaty_action, TREATY_ACTION_FIELDS),
    )
    return treaty_action


@transaction.atomic
def legislation_record(
    *,
    actor: AnyUser | None,
    country: str,
    title: str,
    kind: str,
    source: Source | dict[str, Any],
    year: int | None = None,
    date: dt.date | None = None,
    status: str = LegislationStatus.UNKNOWN,
    implements: str = "",
    summary: str = "",
) -> Legislation:
    editor = _editor(actor)
    source = _resolve_source(editor, source)
    if not title.strip():
        raise ApplicationError(_("The title of the law is required."), code="title_required")
    if date and year and date.year != year:
        raise ApplicationError(
            _("The date {} is not in the year {}.").format(date, year), code="year_mismatch"
        )
    obj = Legislation(
        country=country_get(country),
        title=title.strip(),
        kind=_choice(kind, LegislationKind, "kind", gettext_lazy("kind")),
        year=year or (date.year if date else None),
        date=date,
        status=_choice(status, LegislationStatus, "status", gettext_lazy("status")),
        implements=instrument_get(implements) if implements else None,
        summary=summary,
        origin=Origin.EDITOR,
    )
    obj.full_clean()
    obj.save()
    obj.sources.set([source])
    audit_record(
        actor=editor,
        action=AuditAction.CREATE,
        obj=obj,
        after=model_snapshot(obj, LEGISLATION_FIELDS) | {"sources": [str(source)]},
    )
    return obj


@transaction.atomic
def directory_entry_record(
    *,
    actor: AnyUser | None,
    organisation: str,
    role: str,
    source: Source | dict[str, Any],
    country: str = "",
    unit: str = "",
    description: str = "",
    languages: list[str] | None = None,
    url: str = "",
    address: str = "",
    person_name: str = "",
    email: str = "",
    phone: str = "",
    organisation_kind: str = OrganisationKind.GOVERNMENT,
) -> DirectoryEntry:
    editor = _editor(actor)
    source = _resolve_source(editor, source)
    if not organisation.strip():
        raise ApplicationError(_("The organisation is required."), code="organisation_required")
    country_obj = country_get(country) if country else None
    org = Organisation.objects.filter(name=organisation.strip()).first()
    if org is None:
        org = Organisation(
            name=organisation.strip(),
            kind=_choice(
                organisation_kind,
                OrganisationKind,
                "organisation_kind",
                gettext_lazy("organisation kind"),
            ),
            country=country_obj,
        )
        org.full_clean()
        org.save()
        audit_record(
            actor=editor,
            action=AuditAction.CREATE,
            obj=org,
            after=model_snapshot(org, ["name", "kind", "country"]),
        )
    langs = [code.strip().lower() for code in (languages or []) if code.strip()]
    for code in langs:
        if len(code) != 2 or not code.isalpha():
            raise ApplicationError(
                _("'{}' is not an ISO 639-1 language code.").format(code),
                code="unknown_language",
            )
    obj = DirectoryEntry(
        country=country_obj,
        organisation=org,
        role=_choice(role, DirectoryRole, "role", ROLE),
        unit=unit,
        description=description,
        languages=langs,
        url=url,
        address=address,
        person_name=person_name,
        email=email,
        phone=phone,
        origin=Origin.EDITOR,
    )
    obj.full_clean()
    obj.save()
    obj.sources.set([source])
    # The log records that contact details changed, not the details themselves.
    snapshot = model_snapshot(obj, DIRECTORY_FIELDS[:8])
    snapshot["has_person_contact"] = bool(person_name or email or phone)
    audit_record(
        actor=editor,
        action=AuditAction.CREATE,
        obj=obj,
        after=snapshot,
    )
    return obj


@transaction.atomic
def membership_record(
    *,
    actor: AnyUser | None,
    mechanism: str,
    country: str,
    source: Source | dict[str, Any],
    role: str = MembershipRole.MEMBER,
    joined: dt.date | None = None,
    left: dt.date | None = None,
    note: str = "",
) -> Membership:
    editor = _editor(actor)
    source = _resolve_source(editor, source)
    if joined and left and left < joined:
        raise ApplicationError(
            _("A membership cannot end ({}) before it starts ({}).").format(left, joined),
            code="left_before_joined",
        )
    obj = Membership(
        mechanism=mechanism_get(mechanism),
        country=country_get(country),
        role=_choice(role, MembershipRole, "role", ROLE),
        joined=joined,
        left=left,
        note=note,
        origin=Origin.EDITOR,
    )
    obj.full_clean()
    obj.save()
    obj.sources.set([source])
    audit_record(
        actor=editor,
        action=AuditAction.CREATE,
        obj=obj,
        after=model_snapshot(obj, MEMBERSHIP_FIELDS),
    )
    return obj
