"""Plain dicts of registry objects, shared by the API, the CLI and page exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from palermo.core.models import Country
from palermo.registry.models import (
    DirectoryEntry,
    Instrument,
    Legislation,
    Mechanism,
    Membership,
    TreatyAction,
)
from palermo.registry.selectors.standing import coverage


def sources_of(obj: Any) -> list[dict[str, Any]]:
    return [s.as_dict() for s in obj.sources.all()]


def instrument_dict(
    inst: Instrument, *, current_to: dict[str, dt.date] | None = None
) -> dict[str, Any]:
    """An instrument for the API; `registry_current_to` is the date of the registry's newest
    source on it (`current_to`: the coverage map when already computed)."""
    rule = None
    if inst.eif_instruments_required is not None:
        rule = {
            "instruments_required": inst.eif_instruments_required,
            "days_after_threshold": inst.eif_days_after_threshold,
            "days_after_later_deposit": inst.eif_days_after_later_deposit,
            "article": inst.eif_article,
            "not_before_parent": inst.parent.slug if inst.parent else None,
        }
    return {
        "slug": inst.slug,
        "short_name": inst.short_name,
        "title": inst.title,
        "titles": dict(inst.titles or {}),
        "titles_source": inst.titles_source,
        "kind": inst.kind,
        "adopted": inst.adopted,
        "opened_for_signature": inst.opened_for_signature,
        "entry_into_force": inst.entry_into_force,
        "depositary": inst.depositary,
        "parent": inst.parent.slug if inst.parent else None,
        "adopted_by": inst.adopted_by.acronym if inst.adopted_by else None,
        "entry_into_force_rule": rule,
        "url": inst.url,
        "summary": inst.summary,
        "sources": sources_of(inst),
        "registry_current_to": (
            current_to.get(inst.slug) if current_to is not None else coverage(inst)
        ),
    }


def treaty_action_dict(action: TreatyAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "instrument": action.instrument.slug,
        "country": action.country_id,
        "action": action.action,
        "date": action.date,
        "date_text": action.date_text,
        "name_in_source": action.name_in_source,
        "note": action.note,
        "source": action.source.as_dict(),
    }


def mechanism_dict(mech: Mechanism) -> dict[str, Any]:
    return {
        "acronym": mech.acronym,
        "name": mech.name,
        "kind": mech.kind,
        "region": mech.region,
        "founded": mech.founded,
        "url": mech.url,
        "summary": mech.summary,
        "sources": sources_of(mech),
    }


def membership_dict(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "mechanism": m.mechanism.acronym,
        "country": m.country_id,
        "country_name": m.country.name,
        "role": m.role,
        "joined": m.joined,
        "left": m.left,
        "sources": sources_of(m),
    }


def legislation_dict(law: Legislation) -> dict[str, Any]:
    return {
        "id": law.pk,
        "country": law.country_id,
        "title": law.title,
        "kind": law.kind,
        "year": law.year,
        "date": law.date,
        "status": law.status,
        "implements": law.implements.slug if law.implements else None,
        "summary": law.summary,
        "sources": sources_of(law),
    }


def directory_dict(entry: DirectoryEntry, *, show_contacts: bool) -> dict[str, Any]:
    """A directory entry; people's contact details only for logged-in users."""
    contact = None
    if show_contacts:
        contact = {"person_name": entry.person_name, "email": entry.email, "phone": entry.phone}
    return {
        "id": entry.pk,
        "country": entry.country_id,
        "organisation": entry.organisation.name,
        "mechanism": entry.mechanism.acronym if entry.mechanism else None,
        "role": entry.role,
        "unit": entry.unit,
        "description": entry.description,
        "languages": list(entry.languages or []),
        "url": entry.url,
        "address": entry.address,
        "contact": contact,
        "sources": sources_of(entry),
    }


def country_dict(c: Country) -> dict[str, Any]:
    return {
        "iso3": c.iso3,
        "iso2": c.iso2,
        "name": c.name,
        "names": c.names,
        "historical": c.historical,
    }
