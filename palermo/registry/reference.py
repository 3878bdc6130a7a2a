"""Load the registry's reference data (palermo/registry/data/) into the database.

Every file is parsed and validated first; the first malformed row stops the load with the
file, the line and the reason, and nothing is written. Then everything is written in one
transaction, each fact matched by a stable reference key, so loading twice changes nothing.
Facts an editor changed since (`edited`) are left as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from palermo.core.audit import audit_kind_of, audit_record
from palermo.core.choices import AuditAction, OrganisationKind
from palermo.core.models import Country, Document, Source
from palermo.core.services import countries_load, country_reference_rows, organisation_ensure
from palermo.registry.choices import (
    DirectoryRole,
    InstrumentKind,
    LegislationKind,
    LegislationStatus,
    MechanismKind,
    MembershipRole,
    Origin,
    PartyStatus,
    Region,
    TreatyActionKind,
)
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

DATA_DIR = Path(__file__).resolve().parent / "data"
ACTOR = "load-reference"

CSV_COLUMNS: dict[str, list[str]] = {
    "treaty_actions.csv": [
        "instrument",
        "country",
        "name_in_source",
        "action",
        "date",
        "date_text",
        "source",
        "locator",
        "note",
    ],
    "status_claims.csv": ["listing", "country", "name_in_source", "status", "note"],
    "memberships.csv": [
        "mechanism",
        "country",
        "name_in_source",
        "role",
        "joined",
        "left",
        "source",
        "locator",
        "note",
    ],
    "legislation.csv": [
        "country",
        "name_in_source",
        "title",
        "kind",
        "year",
        "date",
        "status",
        "implements",
        "summary",
        "source",
        "locator",
    ],
    "legislation_transmittals.csv": [
        "country",
        "name_in_source",
        "recipient",
        "date",
        "date_text",
        "source",
        "locator",
    ],
    "directory.csv": [
        "country",
        "name_in_source",
        "organisation",
        "organisation_kind",
        "role",
        "unit",
        "description",
        "languages",
        "url",
        "email",
        "phone",
        "address",
        "person_name",
        "source",
        "locator",
    ],
}


class ReferenceDataError(Exception):
    """A malformed row in the reference data: names the file, the line and the reason."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__("{}:{}: {}".format(self.path, line, reason))


@dataclass
class Row:
    """One record from a data file with the place it came from."""

    path: Path
    line: int
    data: dict[str, Any]

    def fail(self, reason: str) -> ReferenceDataError:
        return ReferenceDataError(self.path.name, self.line, reason)

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.data.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            raise self.fail("'{}' is required".format(name))
        return text

    def date(self, name: str) -> dt.date | None:
        value = self.data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.fail("'{}' is not a date (YYYY-MM-DD): '{}'".format(name, value)) from None

    def choice(self, name: str, choices: type[models.TextChoices], *, required: bool = True) -> str:
        value = self.text(name, required=required)
        if value and value not in choices.values:
            raise self.fail(
                "'{}' has unknown value '{}' (expected one of: {})".format(
                    name, value, ", ".join(choices.values)
                )
            )
        return value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise self.fail("'{}' is not a whole number: '{}'".format(name, value)) from None


def _read_yaml(path: Path) -> list[Row]:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ReferenceDataError(
            path.name, (mark.line + 1) if mark else 0, "invalid YAML: {}".format(exc)
        ) from exc
    if data is None:
        return []
    if not isinstance(data, list) or node is None or not isinstance(node, yaml.SequenceNode):
        raise ReferenceDataError(path.name, 1, "the file must hold a list of records")
    rows = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise ReferenceDataError(path.name, line, "each record must be a mapping")
        rows.append(Row(path, line, item))
    return rows


def _read_csv(path: Path) -> list[Row]:
    expected = CSV_COLUMNS[path.name]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if list(header) != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            raise ReferenceDataError(
                path.name,
                1,
                "columns do not match (missing: {}; unexpected: {})".format(
                    ", ".join(missing) or "none", ", ".join(extra) or "none"
                ),
            )
        rows = []
        for record in reader:
            if None in record:
                raise ReferenceDataError(path.name, reader.line_num, "more cells than columns")
            if all(not (v or "").strip() for v in record.values()):
                continue
            rows.append(Row(path, reader.line_num, dict(record)))
        return rows


def _short_hash(*parts: object) -> str:
    return hashlib.sha1(
        "|".join(str(p) for p in parts).encode("utf-8"), usedforsecurity=False
    ).hexdigest()[:16]


@dataclass
class Plan:
    """Validated content of the data files, ready to write."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    mechanisms: list[dict[str, Any]] = field(default_factory=list)
    instruments: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    treaty_actions: list[dict[str, Any]] = field(default_factory=list)
    listings: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    legislation: list[dict[str, Any]] = field(default_factory=list)
    transmittals: list[dict[str, Any]] = field(default_factory=list)
    directory: list[dict[str, Any]] = field(default_factory=list)


class _Validator:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.countries = {c["iso3"]: c for c in _country_codes()}
        self.plan = Plan()
        self.doc_keys: set[str] = set()
        self.mech_keys: set[str] = set()
        self.instrument_keys: set[str] = set()
        self.listing_keys: set[str] = set()

    def rows(self, name: str) -> list[Row]:
        path = self.dir / name
        if not path.exists():
            return []
        return _read_yaml(path) if name.endswith(".yaml") else _read_csv(path)

    def country(self, row: Row, name: str = "country", *, required: bool = True) -> str | None:
        code = row.text(name, required=required).upper()
        if not code:
            return None
        if code not in self.countries:
            raise row.fail("unknown country code '{}' (use ISO 3166-1 alpha-3)".format(code))
        return code

    def source(
        self, row: Row, doc_field: str = "source", loc_field: str = "locator"
    ) -> tuple[str, str]:
        key = row.text(doc_field, required=True)
        if key not in self.doc_keys:
            raise row.fail("unknown source document '{}' (not in documents.yaml)".format(key))
        return key, row.text(loc_field)

    def sources_list(self, row: Row) -> list[tuple[str, str]]:
        value = row.data.get("sources") or []
        if not isinstance(value, list):
            raise row.fail("'sources' must be a list of {source, locator}")
        out = []
        for item in value:
            if not isinstance(item, dict):
                raise row.fail("each item of 'sources' must be a mapping with source and locator")
            out.append(self.source(Row(row.path, row.line, item)))
        return out

    def ref(
        self, row: Row, name: str, known: set[str], what: str, *, required: bool = False
    ) -> str | None:
        value = row.text(name, required=required)
        if not value:
            return None
        if value not in known:
            raise row.fail("unknown {} '{}'".format(what, value))
        return value

    def unique(self, row: Row, seen: set[str], key: str, what: str) -> None:
        if key in seen:
            raise row.fail("duplicate {} '{}'".format(what, key))
        seen.add(key)

    def run(self) -> Plan:  # noqa: PLR0912, PLR0915 - one pass over every file, in dependency order
        p = self.plan
        for row in self.rows("documents.yaml"):
            key = row.text("key", required=True)
            self.unique(row, self.doc_keys, key, "document key")
            p.documents.append(
                {
                    "key": key,
                    "symbol": row.text("symbol"),
                    "title": row.text("title", required=True),
                    "publisher": row.text("publisher"),
                    "date": row.date("date"),
                    "url": row.text("url"),
                    "notes": row.text("notes"),
                }
            )
        for row in self.rows("mechanisms.yaml"):
            acronym = row.text("acronym", required=True)
            self.unique(row, self.mech_keys, acronym, "mechanism")
            p.mechanisms.append(
                {
                    "ref_key": "mechanism:" + acronym,
                    "acronym": acronym,
                    "name": row.text("name", required=True),
                    "kind": row.choice("kind", MechanismKind),
                    "region": row.choice("region", Region),
                    "founded": row.date("founded"),
                    "url": row.text("url"),
                    "summary": row.text("summary"),
                    "_sources": self.sources_list(row),
                }
            )
        instrument_rows = self.rows("instruments.yaml")
        for row in instrument_rows:
            self.unique(
                row, self.instrument_keys, row.text("slug", required=True), "instrument slug"
            )
        for row in instrument_rows:
            rule = row.data.get("eif_rule") or {}
            if not isinstance(rule, dict):
                raise row.fail("'eif_rule' must be a mapping")
            rule_row = Row(row.path, row.line, rule)
            slug = row.text("slug")
            kind = row.choice("kind", InstrumentKind)
            p.instruments.append(
                {
                    "ref_key": "instrument:" + slug,
                    "slug": slug,
                    "short_name": row.text("short_name") or slug,
                    "title": row.text("title", required=True),
                    "kind": kind,
                    "adopted": row.date("adopted"),
                    "opened_for_signature": row.date("opened_for_signature"),
                    "entry_into_force": row.date("entry_into_force"),
                    "depositary": row.text("depositary"),
                    "_parent": self.ref(row, "parent", self.instrument_keys, "parent instrument"),
                    "_adopted_by": self.ref(row, "adopted_by", self.mech_keys, "mechanism"),
                    "eif_instruments_required": rule_row.integer("instruments_required"),
                    "eif_days_after_threshold": rule_row.integer("days_after_threshold"),
                    "eif_days_after_later_deposit": rule_row.integer("days_after_later_deposit"),
                    "eif_article": rule_row.text("article"),
                    "url": row.text("url"),
                    "summary": row.text("summary"),
                    "_sources": self.sources_list(row),
                }
            )
            if slug == row.text("parent"):
                raise row.fail("an instrument cannot supplement itself")
        seen: set[str] = set()
        for row in self.rows("memberships.csv"):
            mech = self.ref(row, "mechanism", self.mech_keys, "mechanism", required=True)
            country = self.country(row)
            role = row.choice("role", MembershipRole)
            joined, left = row.date("joined"), row.date("left")
            if joined and left and left < joined:
                raise row.fail("'left' ({}) is before 'joined' ({})".format(left, joined))
            key = "membership:{}:{}:{}:{}".format(mech, country, role, joined or "")
            self.unique(row, seen, key, "membership")
            p.memberships.append(
                {
                    "ref_key": key,
                    "_mechanism": mech,
                    "country_id": country,
                    "role": role,
                    "joined": joined,
                    "left": left,
                    "name_in_source": row.text("name_in_source"),
                    "note": row.text("note"),
                    "_sources": [self.source(row)],
                }
            )
        seen = set()
        for row in self.rows("treaty_actions.csv"):
            instrument = self.ref(
                row, "instrument", self.instrument_keys, "instrument", required=True
            )
            country = self.country(row)
            action = row.choice("action", TreatyActionKind)
            src = self.source(row)
            key = "ta:{}:{}:{}:{}:{}".format(
                instrument, country, action, src[0], _short_hash(src[1])
            )
            self.unique(row, seen, key, "treaty action (same state, instrument, action and source)")
            p.treaty_actions.append(
                {
                    "ref_key": key,
                    "_instrument": instrument,
                    "country_id": country,
                    "action": action,
                    "date": row.date("date"),
                    "date_text": row.text("date_text"),
                    "name_in_source": row.text("name_in_source"),
                    "note": row.text("note"),
                    "_source": src,
                }
            )
        for row in self.rows("listings.yaml"):
            key = row.text("key", required=True)
            self.unique(row, self.listing_keys, key, "listing key")
            counts = row.data.get("stated_counts") or {}
            if not isinstance(counts, dict) or not all(
                isinstance(v, int) and v >= 0 for v in counts.values()
            ):
                raise row.fail("'stated_counts' must map statuses to whole numbers")
            bad = [k for k in counts if k not in {*PartyStatus.values, "total"}]
            if bad:
                raise row.fail("'stated_counts' has unknown status '{}'".format(bad[0]))
            p.listings.append(
                {
                    "ref_key": "listing:" + key,
                    "key": key,
                    "_instrument": self.ref(
                        row, "instrument", self.instrument_keys, "instrument", required=True
                    ),
                    "_scope": self.ref(row, "scope", self.mech_keys, "mechanism"),
                    "as_of": row.date("as_of"),
                    "exhaustive": bool(row.data.get("exhaustive")),
                    "stated_counts": counts,
                    "notes": row.text("notes"),
                    "_source": self.source(row),
                }
            )
        seen = set()
        for row in self.rows("status_claims.csv"):
            listing = self.ref(row, "listing", self.listing_keys, "listing", required=True)
            country = self.country(row)
            key = "claim:{}:{}".format(listing, country)
            self.unique(row, seen, key, "state in listing")
            p.claims.append(
                {
                    "ref_key": key,
                    "_listing": listing,
                    "country_id": country,
                    "status": row.choice("status", PartyStatus),
                    "name_in_source": row.text("name_in_source"),
                    "note": row.text("note"),
                }
            )
        seen = set()
        for row in self.rows("legislation.csv"):
            country = self.country(row)
            title = row.text("title", required=True)
            year = row.integer("year")
            if year is not None and not 1800 <= year <= 2200:
                raise row.fail("'year' {} is not plausible".format(year))
            key = "leg:{}:{}".format(country, _short_hash(title, year))
            self.unique(row, seen, key, "law (same country, title and year)")
            p.legislation.append(
                {
                    "ref_key": key,
                    "country_id": country,
                    "title": title,
                    "kind": row.choice("kind", LegislationKind),
                    "year": year,
                    "date": row.date("date"),
                    "status": row.choice("status", LegislationStatus, required=False)
                    or LegislationStatus.UNKNOWN,
                    "_implements": self.ref(row, "implements", self.instrument_keys, "instrument"),
                    "summary": row.text("summary"),
                    "name_in_source": row.text("name_in_source"),
                    "_sources": [self.source(row)],
                }
            )
        seen = set()
        for row in self.rows("legislation_transmittals.csv"):
            country = self.country(row)
            recipient = self.ref(row, "recipient", self.mech_keys, "mechanism", required=True)
            key = "tx:{}:{}:{}".format(
                country, recipient, row.text("date_text") or row.text("date")
            )
            self.unique(row, seen, key, "transmittal")
            p.transmittals.append(
                {
                    "ref_key": key,
                    "country_id": country,
                    "_recipient": recipient,
                    "date": row.date("date"),
                    "date_text": row.text("date_text"),
                    "name_in_source": row.text("name_in_source"),
                    "_source": self.source(row),
                }
            )
        seen = set()
        for row in self.rows("directory.csv"):
            country = self.country(row, required=False)
            org = row.text("organisation", required=True)
            role = row.choice("role", DirectoryRole)
            unit = row.text("unit")
            key = "dir:{}:{}:{}".format(country or "-", role, _short_hash(org, unit))
            self.unique(row, seen, key, "directory entry (same country, role, organisation, unit)")
            languages = [
                code.strip().lower() for code in row.text("languages").split(";") if code.strip()
            ]
            for code in languages:
                if len(code) != 2 or not code.isalpha():
                    raise row.fail("language '{}' is not an ISO 639-1 code".format(code))
            p.directory.append(
                {
                    "ref_key": key,
                    "country_id": country,
                    "_organisation": org,
                    "_organisation_kind": row.choice("organisation_kind", OrganisationKind),
                    "_mechanism": org if org in self.mech_keys else None,
                    "role": role,
                    "unit": unit,
                    "description": row.text("description"),
                    "languages": languages,
                    "url": row.text("url"),
                    "email": row.text("email"),
                    "phone": row.text("phone"),
                    "address": row.text("address"),
                    "person_name": row.text("person_name"),
                    "name_in_source": row.text("name_in_source"),
                    "_sources": [self.source(row)],
                }
            )
        return p


def _country_codes() -> list[dict[str, Any]]:
    return country_reference_rows()


def validate(data_dir: Path = DATA_DIR) -> Plan:
    """Parse and check every data file; raise ReferenceDataError at the first bad row."""
    return _Validator(data_dir).run()


@dataclass
class LoadReport:
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
    def __init__(self, plan: Plan, report: LoadReport) -> None:
        self.plan = plan
        self.report = report
        self.documents: dict[str, Document] = {}
        self.sources: dict[tuple[str, str], Source] = {}
        self.mechanisms: dict[str, Mechanism] = {}
        self.instruments: dict[str, Instrument] = {}
        self.listings: dict[str, Listing] = {}

    def source(self, key: tuple[str, str]) -> Source:
        if key not in self.sources:
            self.sources[key], _ = Source.objects.get_or_create(
                document=self.documents[key[0]], locator=key[1]
            )
        return self.sources[key]

    def upsert(
        self,
        model: type[Fact],
        kind: str,
        rows: Iterable[dict[str, Any]],
        resolve: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Create or update every row by ref_key; delete reference rows no longer in the files."""
        queryset = model._default_manager.filter(origin=Origin.REFERENCE)
        if any(f.name == "sources" for f in model._meta.many_to_many):
            queryset = queryset.prefetch_related("sources")  # type: ignore[misc]
        existing = {obj.ref_key: obj for obj in queryset}
        result: dict[str, Any] = {}
        seen: set[str] = set()
        for row in rows:
            values = resolve(row)
            sources = values.pop("_m2m_sources", None)
            key = values["ref_key"]
            seen.add(key)
            obj = existing.get(key)
            if obj is None:
                obj = model(origin=Origin.REFERENCE, **values)
                obj.full_clean(validate_unique=False)
                obj.save()
                if sources is not None:
                    _sources(obj).set(sources)
                self.audit(kind, obj, AuditAction.CREATE, None, values, sources)
                self.report.bump(kind, "created")
            elif obj.edited:
                self.report.bump(kind, "kept_edit")
            else:
                before = {k: _current(obj, k) for k in values}
                old_sources = (
                    sorted(s.pk for s in _sources(obj).all()) if sources is not None else None
                )
                new_sources = sorted(s.pk for s in sources) if sources is not None else None
                after = {k: _plain(v) for k, v in values.items()}
                if before != after or old_sources != new_sources:
                    for k, v in values.items():
                        setattr(obj, k, v)
                    obj.full_clean(validate_unique=False)
                    obj.save()
                    if sources is not None:
                        _sources(obj).set(sources)
                    self.audit(kind, obj, AuditAction.UPDATE, before, values, sources)
                    self.report.bump(kind, "updated")
                else:
                    self.report.bump(kind, "unchanged")
            result[key] = obj
        for key, obj in existing.items():
            if key not in seen and not obj.edited:
                snapshot = {"ref_key": key}
                obj.delete()
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.DELETE,
                    kind=audit_kind_of(model),
                    object_id=key or "",
                    before=snapshot,
                )
                self.report.bump(kind, "deleted")
        return result

    def audit(
        self,
        kind: str,
        obj: models.Model,
        action: AuditAction,
        before: dict[str, Any] | None,
        values: dict[str, Any],
        sources: list[Source] | None,
    ) -> None:
        after = {k: _plain(v) for k, v in values.items()}
        if sources is not None:
            after["sources"] = [str(s) for s in sources]
        audit_record(
            actor=None,
            actor_label=ACTOR,
            action=action,
            obj=obj,
            before=before,
            after=after,
        )

    def write(self) -> None:  # noqa: PLR0915 - the files in dependency order
        p = self.plan
        for doc in p.documents:
            obj, created = Document.objects.get_or_create(key=doc["key"], defaults=doc)
            if not created and any(getattr(obj, k) != v for k, v in doc.items()):
                before = {k: _plain(getattr(obj, k)) for k in doc}
                for k, v in doc.items():
                    setattr(obj, k, v)
                obj.full_clean()
                obj.save()
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.UPDATE,
                    obj=obj,
                    before=before,
                    after={k: _plain(v) for k, v in doc.items()},
                )
                self.report.bump("document", "updated")
            elif created:
                obj.full_clean()
                audit_record(
                    actor=None,
                    actor_label=ACTOR,
                    action=AuditAction.CREATE,
                    obj=obj,
                    after={k: _plain(v) for k, v in doc.items()},
                )
                self.report.bump("document", "created")
            else:
                self.report.bump("document", "unchanged")
            self.documents[doc["key"]] = obj

        def with_sources(row: dict[str, Any]) -> dict[str, Any]:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values["_m2m_sources"] = [self.source(s) for s in row["_sources"]]
            return values

        for obj in self.upsert(Mechanism, "mechanism", p.mechanisms, with_sources).values():
            self.mechanisms[obj.acronym] = obj
        for mech in self.mechanisms.values():
            if mech.organisation_id is None:
                org = organisation_ensure(
                    name=mech.name if mech.kind != "international_organisation" else mech.name,
                    kind=OrganisationKind.INTERNATIONAL
                    if mech.kind == "international_organisation"
                    else OrganisationKind.REGIONAL_MECHANISM,
                    country=None,
                    actor_label=ACTOR,
                )
                Mechanism.objects.filter(pk=mech.pk).update(organisation=org)

        def instrument_values(row: dict[str, Any]) -> dict[str, Any]:
            values = with_sources(row)
            values["adopted_by"] = (
                self.mechanisms[row["_adopted_by"]] if row["_adopted_by"] else None
            )
            return values

        instruments = self.upsert(Instrument, "instrument", p.instruments, instrument_values)
        for row in p.instruments:  # parents once every instrument exists
            obj = instruments[row["ref_key"]]
            parent = instruments["instrument:" + row["_parent"]] if row["_parent"] else None
            if not obj.edited and obj.parent_id != (parent.pk if parent else None):
                Instrument.objects.filter(pk=obj.pk).update(parent=parent)
        self.instruments = {obj.slug: obj for obj in Instrument.objects.all()}

        def membership_values(row: dict[str, Any]) -> dict[str, Any]:
            values = with_sources(row)
            values["mechanism"] = self.mechanisms[row["_mechanism"]]
            return values

        self.upsert(Membership, "membership", p.memberships, membership_values)

        def action_values(row: dict[str, Any]) -> dict[str, Any]:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values["instrument"] = self.instruments[row["_instrument"]]
            values["source"] = self.source(row["_source"])
            return values

        self.upsert(TreatyAction, "treaty_action", p.treaty_actions, action_values)

        def listing_values(row: dict[str, Any]) -> dict[str, Any]:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values["instrument"] = self.instruments[row["_instrument"]]
            values["scope"] = self.mechanisms[row["_scope"]] if row["_scope"] else None
            values["source"] = self.source(row["_source"])
            return values

        listings = self.upsert(Listing, "listing", p.listings, listing_values)
        by_key = {obj.key: obj for obj in listings.values()}

        def claim_values(row: dict[str, Any]) -> dict[str, Any]:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values["listing"] = by_key[row["_listing"]]
            return values

        self.upsert(StatusClaim, "status_claim", p.claims, claim_values)

        def legislation_values(row: dict[str, Any]) -> dict[str, Any]:
            values = with_sources(row)
            values["implements"] = (
                self.instruments[row["_implements"]] if row["_implements"] else None
            )
            return values

        self.upsert(Legislation, "legislation", p.legislation, legislation_values)

        def transmittal_values(row: dict[str, Any]) -> dict[str, Any]:
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values["recipient"] = self.mechanisms[row["_recipient"]]
            values["source"] = self.source(row["_source"])
            return values

        self.upsert(LegislationTransmittal, "transmittal", p.transmittals, transmittal_values)

        countries = {c.iso3: c for c in Country.objects.all()}

        def directory_values(row: dict[str, Any]) -> dict[str, Any]:
            values = with_sources(row)
            country = countries.get(row["country_id"]) if row["country_id"] else None
            values["organisation"] = organisation_ensure(
                name=row["_organisation"]
                if not row["_mechanism"]
                else self.mechanisms[row["_mechanism"]].name,
                kind=row["_organisation_kind"],
                country=country,
                actor_label=ACTOR,
            )
            values["mechanism"] = self.mechanisms[row["_mechanism"]] if row["_mechanism"] else None
            return values

        self.upsert(DirectoryEntry, "directory_entry", p.directory, directory_values)


def _current(obj: Fact, name: str) -> Any:
    """A field's stored value without loading related rows (foreign keys by id)."""
    field = obj._meta.get_field(name)
    if field.is_relation and field.many_to_one:
        return getattr(obj, field.attname)  # type: ignore[union-attr]
    return _plain(getattr(obj, name))


def _sources(obj: Fact) -> Any:
    """The `sources` relation of a fact that has one (mechanisms, laws, directory ...)."""
    return obj.sources  # type: ignore[attr-defined]


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
    return report
