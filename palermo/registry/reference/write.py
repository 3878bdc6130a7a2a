"""Writing a validated `Plan` of the registry's data files to the database, and `load_reference`.

Everything is written in one transaction, each fact matched by its stable reference key, so
loading twice changes nothing; facts an editor changed since (`edited`) are left as they are;
reference facts no longer in the files are deleted. New facts of a kind are written in bulk;
every change is audited, one entry per kind of fact and its files (actor "load-reference")
listing what was created, changed (before and after) and deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from palermo.core.audit import audit_kind_of, audit_record
from palermo.core.choices import AuditAction, OrganisationKind
from palermo.core.models import Country, Document, Organisation, Source
from palermo.core.services import countries_load, organisation_ensure, reference_row_sync
from palermo.registry.choices import MechanismKind, Origin
from palermo.registry.models import (
    DirectoryEntry,
    Fact,
    Instrument,
    Legislation,
    LegislationTransmittal,
    Listing,
    Mechanism,
    Membership,
    StatusClaim,
    TreatyAction,
)
from palermo.registry.reference.files import DATA_DIR
from palermo.registry.reference.validate import Plan, validate
from palermo.registry.selectors.cache import reference_forget

ACTOR = "load-reference"
# The data files each kind of fact is read from (the audit entry of a load names them).
KIND_FILES = {
    "mechanism": "mechanisms.yaml",
    "instrument": "instruments.yaml, instrument_titles.yaml",
    "membership": "memberships.csv",
    "treaty_action": "treaty_actions.csv, depositary_status.csv",
    "listing": "listings.yaml, depositary_status.csv",
    "status_claim": "status_claims.csv",
    "legislation": "legislation.csv",
    "transmittal": "legislation_transmittals.csv",
    "directory_entry": "directory.csv",
}
Values = dict[str, Any]


@dataclass
class LoadReport:
    """What a load did, per kind of fact: created, updated, deleted, unchanged, kept_edit."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def bump(self, kind: str, what: str) -> None:
        self.counts.setdefault(
            kind, {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "kept_edit": 0}
        )
        self.counts[kind][what] += 1

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] + c["deleted"] for c in self.counts.values())


class _Writer:
    """Writes the plan's facts in dependency order, resolving the references between them."""

    def __init__(self, plan: Plan, report: LoadReport) -> None:
        self.plan = plan
        self.report = report
        self.documents: dict[str, Document] = {}
        self.sources: dict[tuple[str, str], Source] = {}
        self.mechanisms: dict[str, Mechanism] = {}
        self.instruments: dict[str, Instrument] = {}

    def source(self, key: tuple[str, str]) -> Source:
        if key not in self.sources:
            self.sources[key], _created = Source.objects.get_or_create(
                document=self.documents[key[0]], locator=key[1]
            )
        return self.sources[key]

    def upsert(
        self,
        model: type[Fact],
        report_as: str,
        rows: Iterable[Values],
        resolve: Callable[[Values], Values],
    ) -> dict[str, Any]:
        """Create or update every row by ref_key; delete reference rows no longer in the files.
        New rows are written at once (bulk), changed ones together; one audit entry for the kind
        lists what was created, changed (before and after) and deleted."""
        queryset = model._default_manager.filter(origin=Origin.REFERENCE)
        with_sources = any(f.name == "sources" for f in model._meta.many_to_many)
        if with_sources:
            # `sources` is a field of the concrete models that have one, not of Fact.
            queryset = queryset.prefetch_related("sources")  # type: ignore[misc]
        existing = {obj.ref_key: obj for obj in queryset}
        # Related rows were just written or checked (countries against ISO 3166): full_clean need
        # not look each one up again.
        resolved = [f.name for f in model._meta.concrete_fields if f.is_relation]
        result: dict[str, Any] = {}
        seen: set[str] = set()
        created: list[tuple[Fact, list[Source] | None, Values]] = []
        updated: list[tuple[Fact, list[Source] | None, Values, Values]] = []
        fields: set[str] = set()
        for row in rows:
            values = resolve(row)
            sources: list[Source] | None = values.pop("_m2m_sources", None)
            key = values["ref_key"]
            seen.add(key)
            obj = existing.get(key)
            if obj is None:
                obj = model(origin=Origin.REFERENCE, **values)
                obj.full_clean(exclude=resolved, validate_unique=False)
                created.append((obj, sources, _after(values, sources)))
                self.report.bump(report_as, "created")
            elif obj.edited:
                self.report.bump(report_as, "kept_edit")
            elif (before := {k: _current(obj, k) for k in values}) != {
                k: _plain(v) for k, v in values.items()
            } or _sources_changed(obj, sources):
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.full_clean(exclude=resolved, validate_unique=False)
                fields.update(values)
                updated.append((obj, sources, before, _after(values, sources)))
                self.report.bump(report_as, "updated")
            else:
                self.report.bump(report_as, "unchanged")
            result[key] = obj
        gone = [obj for key, obj in existing.items() if key not in seen and not obj.edited]
        self._write(model, created, updated, fields, gone, with_sources=with_sources)
        for _gone in gone:
            self.report.bump(report_as, "deleted")
        if created or updated or gone:
            audit_record(
                actor=None,
                actor_label=ACTOR,
                action=AuditAction.UPDATE
                if updated or (created and gone)
                else (AuditAction.CREATE if created else AuditAction.DELETE),
                kind=audit_kind_of(model),
                object_id=KIND_FILES.get(report_as, report_as),
                after={
                    "created": {obj.ref_key: after for obj, _s, after in created},
                    "updated": {
                        obj.ref_key: {"before": before, "after": after}
                        for obj, _s, before, after in updated
                    },
                    "deleted": sorted(obj.ref_key for obj in gone),
                },
            )
        return result

    def _write(
        self,
        model: type[Fact],
        created: list[tuple[Fact, list[Source] | None, Values]],
        updated: list[tuple[Fact, list[Source] | None, Values, Values]],
        fields: set[str],
        gone: list[Fact],
        *,
        with_sources: bool,
    ) -> None:
        """The kind's writes: new rows in one bulk insert (their sources in another), changed
        rows in one bulk update, gone rows deleted."""
        manager = model._default_manager
        new = manager.bulk_create([obj for obj, _s, _a in created], batch_size=500)
        if with_sources:
            relation: Any = model._meta.get_field("sources")  # type: ignore[misc]  # concrete facts
            through = relation.remote_field.through
            own = relation.m2m_field_name()
            links = [
                through(**{own + "_id": obj.pk, "source_id": source.pk})
                for obj, (_o, sources, _a) in zip(new, created, strict=True)
                for source in sources or []
            ]
            through._default_manager.bulk_create(links, batch_size=1000)
        if updated:
            # bulk_update does not touch `updated_at` (auto_now): set here, so that other
            # processes see the data's fingerprint change (palermo.registry.selectors.cache).
            now = timezone.now()
            for obj, _s, _b, _a in updated:
                obj.updated_at = now
            names = [model._meta.get_field(f).name for f in sorted(fields)] + ["updated_at"]
            manager.bulk_update([obj for obj, _s, _b, _a in updated], names, batch_size=500)
            for obj, sources, _b, _a in updated:
                if sources is not None:
                    _sources(obj).set(sources)
        if gone:
            manager.filter(pk__in=[obj.pk for obj in gone]).delete()

    def write(self) -> None:
        self._documents()
        self._mechanisms()
        self._instruments()
        self._memberships()
        self._treaty_actions()
        listings = self._listings()
        self._claims(listings)
        self._legislation()
        self._transmittals()
        self._directory()

    def _documents(self) -> None:
        stored = {d.key: d for d in Document.objects.all()}  # read at once
        for doc in self.plan.documents:
            obj, outcome = reference_row_sync(
                model=Document,
                lookup={"key": doc["key"]},
                values=doc,
                actor_label=ACTOR,
                stored=stored,
            )
            self.report.bump("document", outcome)
            self.documents[doc["key"]] = obj
        # Every source the files cite: those not stored yet written at once, then all read.
        wanted: set[tuple[str, str]] = set()
        for rows in self.plan.fact_rows():
            for row in rows:
                wanted.update(tuple(k) for k in row.get("_sources") or [])
                if row.get("_source"):
                    wanted.add(tuple(row["_source"]))
        stored_keys = {
            (key, locator)
            for key, locator in Source.objects.values_list("document__key", "locator")
        }
        Source.objects.bulk_create(
            [
                Source(document=self.documents[key], locator=locator)
                for key, locator in sorted(wanted - stored_keys)
                if key in self.documents
            ],
            batch_size=500,
        )
        for source in Source.objects.select_related("document"):
            self.sources[(source.document.key, source.locator)] = source

    def _with_sources(self, row: Values) -> Values:
        """The row's own values (no `_` references) and its sources."""
        values = {k: v for k, v in row.items() if not k.startswith("_")}
        values["_m2m_sources"] = [self.source(s) for s in row["_sources"]]
        return values

    def _with_source(self, row: Values) -> Values:
        """The row's own values (no `_` references) and its one source."""
        values = {k: v for k, v in row.items() if not k.startswith("_")}
        values["source"] = self.source(row["_source"])
        return values

    def _mechanisms(self) -> None:
        mechanisms = self.upsert(Mechanism, "mechanism", self.plan.mechanisms, self._with_sources)
        for obj in mechanisms.values():
            self.mechanisms[obj.acronym] = obj
        for mech in self.mechanisms.values():
            if mech.organisation_id is None:
                international = mech.kind == MechanismKind.INTERNATIONAL
                org = organisation_ensure(
                    name=mech.name,
                    kind=OrganisationKind.INTERNATIONAL
                    if international
                    else OrganisationKind.REGIONAL_MECHANISM,
                    country=None,
                    actor_label=ACTOR,
                )
                Mechanism.objects.filter(pk=mech.pk).update(organisation=org)

    def _instruments(self) -> None:
        def values(row: Values) -> Values:
            out = self._with_sources(row)
            out["adopted_by"] = self.mechanisms[row["_adopted_by"]] if row["_adopted_by"] else None
            return out

        instruments = self.upsert(Instrument, "instrument", self.plan.instruments, values)
        for row in self.plan.instruments:  # parents once every instrument exists
            obj = instruments[row["ref_key"]]
            parent = instruments["instrument:" + row["_parent"]] if row["_parent"] else None
            if not obj.edited and obj.parent_id != (parent.pk if parent else None):
                Instrument.objects.filter(pk=obj.pk).update(parent=parent)
        self.instruments = {obj.slug: obj for obj in Instrument.objects.all()}

    def _memberships(self) -> None:
        def values(row: Values) -> Values:
            out = self._with_sources(row)
            out["mechanism"] = self.mechanisms[row["_mechanism"]]
            return out

        self.upsert(Membership, "membership", self.plan.memberships, values)

    def _treaty_actions(self) -> None:
        def values(row: Values) -> Values:
            out = self._with_source(row)
            out["instrument"] = self.instruments[row["_instrument"]]
            return out

        self.upsert(TreatyAction, "treaty_action", self.plan.treaty_actions, values)

    def _listings(self) -> dict[str, Listing]:
        def values(row: Values) -> Values:
            out = self._with_source(row)
            out["instrument"] = self.instruments[row["_instrument"]]
            out["scope"] = self.mechanisms[row["_scope"]] if row["_scope"] else None
            return out

        listings = self.upsert(Listing, "listing", self.plan.listings, values)
        return {obj.key: obj for obj in listings.values()}

    def _claims(self, listings: dict[str, Listing]) -> None:
        def values(row: Values) -> Values:
            out = {k: v for k, v in row.items() if not k.startswith("_")}
            out["listing"] = listings[row["_listing"]]
            return out

        self.upsert(StatusClaim, "status_claim", self.plan.claims, values)

    def _legislation(self) -> None:
        def values(row: Values) -> Values:
            out = self._with_sources(row)
            out["implements"] = self.instruments[row["_implements"]] if row["_implements"] else None
            return out

        self.upsert(Legislation, "legislation", self.plan.legislation, values)

    def _transmittals(self) -> None:
        def values(row: Values) -> Values:
            out = self._with_source(row)
            out["recipient"] = self.mechanisms[row["_recipient"]]
            return out

        self.upsert(LegislationTransmittal, "transmittal", self.plan.transmittals, values)

    def _directory(self) -> None:
        countries = {c.iso3: c for c in Country.objects.all()}
        organisations = {o.name: o for o in Organisation.objects.all()}

        def values(row: Values) -> Values:
            out = self._with_sources(row)
            mechanism = self.mechanisms[row["_mechanism"]] if row["_mechanism"] else None
            name = mechanism.name if mechanism else row["_organisation"]
            if name not in organisations:
                organisations[name] = organisation_ensure(
                    name=name,
                    kind=row["_organisation_kind"],
                    country=countries.get(row["country_id"]) if row["country_id"] else None,
                    actor_label=ACTOR,
                )
            out["organisation"] = organisations[name]
            out["mechanism"] = mechanism
            return out

        self.upsert(DirectoryEntry, "directory_entry", self.plan.directory, values)


def _after(values: Values, sources: list[Source] | None) -> Values:
    """A written fact for the audit log: its values (related rows by id) and its sources."""
    after = {k: _plain(v) for k, v in values.items()}
    if sources is not None:
        after["sources"] = [str(s) for s in sources]
    return after


def _sources_changed(obj: Fact, sources: list[Source] | None) -> bool:
    if sources is None:
        return False
    return sorted(s.pk for s in _sources(obj).all()) != sorted(s.pk for s in sources)


def _current(obj: Fact, name: str) -> Any:
    """A field's stored value without loading related rows (foreign keys by id)."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(obj, field.attname)
    return _plain(getattr(obj, name))


def _sources(obj: Fact) -> Any:
    """The `sources` relation of a fact that has one (mechanisms, laws, directory ...)."""
    return obj.sources  # type: ignore[attr-defined]  # only the facts that have sources get here


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def load_reference(data_dir: Path = DATA_DIR) -> LoadReport:
    """Validate every file, then write countries and all facts in one transaction."""
    plan = validate(data_dir)
    report = LoadReport()
    with transaction.atomic():
        changed = countries_load()
        report.counts["country"] = {
            "created": 0,
            "updated": changed,
            "deleted": 0,
            "unchanged": 0,
            "kept_edit": 0,
        }
        _Writer(plan, report).write()
    if changed or report.changed:
        # Bulk writes send no save signals: this process's kept answers are forgotten here.
        reference_forget()
    return report
