"""Checking the registry's data files: every row parsed and validated (known codes, known
documents and references, no duplicates, plausible dates) into a `Plan`, before anything is
written. The first malformed row raises `ReferenceDataError` with its file and line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.choices import OrganisationKind
from palermo.core.services import country_reference_rows
from palermo.registry.choices import (
    DirectoryRole,
    InstrumentKind,
    LegislationKind,
    LegislationStatus,
    MechanismKind,
    MembershipRole,
    PartyStatus,
    Region,
    TreatyActionKind,
)
from palermo.registry.reference.files import DATA_DIR, Row, read_csv, read_yaml
from palermo.registry.reference.names import UnknownName, iso3_for

# The languages an instrument's official titles may be given in (English is its `title`).
TITLE_LANGUAGES = frozenset({"ar", "es", "fr", "ru", "zh"})


def short_hash(*parts: object) -> str:
    """A short stable digest of some values, for reference keys of rows without a natural one."""
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

    def fact_rows(self) -> list[list[dict[str, Any]]]:
        """The rows of every kind of fact (not the documents), in writing order."""
        return [
            self.mechanisms,
            self.instruments,
            self.memberships,
            self.treaty_actions,
            self.listings,
            self.claims,
            self.legislation,
            self.transmittals,
            self.directory,
        ]


class _Validator:
    """One pass over the files in dependency order; each file's rows become the plan's dicts
    (keys starting with `_` are references the writer resolves)."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.countries = {c["iso3"] for c in country_reference_rows()}
        self.plan = Plan()
        self.doc_keys: set[str] = set()
        self.mech_keys: set[str] = set()
        self.instrument_keys: set[str] = set()
        self.listing_keys: set[str] = set()

    def run(self) -> Plan:
        self._documents()
        self._mechanisms()
        self._instruments()
        self._memberships()
        self._treaty_actions()
        self._depositary()
        self._listings()
        self._claims()
        self._legislation()
        self._transmittals()
        self._directory()
        return self.plan

    def rows(self, name: str) -> list[Row]:
        path = self.dir / name
        if not path.exists():
            return []
        return read_yaml(path) if name.endswith(".yaml") else read_csv(path)

    def country(self, row: Row, name: str = "country", *, required: bool = True) -> str | None:
        code = row.text(name, required=required).upper()
        if not code:
            return None
        if code not in self.countries:
            raise row.fail(_("unknown country code '{}' (use ISO 3166-1 alpha-3)").format(code))
        return code

    def source(
        self, row: Row, doc_field: str = "source", loc_field: str = "locator"
    ) -> tuple[str, str]:
        key = row.text(doc_field, required=True)
        if key not in self.doc_keys:
            raise row.fail(_("unknown source document '{}' (not in documents.yaml)").format(key))
        return key, row.text(loc_field)

    def sources_list(self, row: Row) -> list[tuple[str, str]]:
        value = row.data.get("sources") or []
        if not isinstance(value, list):
            raise row.fail(_("'sources' must be a list of {source, locator}"))
        out = []
        for item in value:
            if not isinstance(item, dict):
                raise row.fail(
                    _("each item of 'sources' must be a mapping with source and locator")
                )
            out.append(self.source(Row(row.path, row.line, item)))
        return out

    def ref(
        self, row: Row, name: str, known: set[str], what: str | Promise, *, required: bool = False
    ) -> str | None:
        value = row.text(name, required=required)
        if not value:
            return None
        if value not in known:
            raise row.fail(_("unknown {} '{}'").format(what, value))
        return value

    def unique(self, row: Row, seen: set[str], key: str, what: str | Promise) -> None:
        if key in seen:
            raise row.fail(_("duplicate {} '{}'").format(what, key))
        seen.add(key)

    def _documents(self) -> None:
        p = self.plan
        for row in self.rows("documents.yaml"):
            key = row.text("key", required=True)
            self.unique(row, self.doc_keys, key, gettext_lazy("document key"))
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

    def _mechanisms(self) -> None:
        p = self.plan
        for row in self.rows("mechanisms.yaml"):
            acronym = row.text("acronym", required=True)
            self.unique(row, self.mech_keys, acronym, gettext_lazy("mechanism"))
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

    def _instruments(self) -> None:
        p = self.plan
        instrument_rows = self.rows("instruments.yaml")
        for row in instrument_rows:
            self.unique(
                row,
                self.instrument_keys,
                row.text("slug", required=True),
                gettext_lazy("instrument slug"),
            )
        for row in instrument_rows:
            rule = row.data.get("eif_rule") or {}
            if not isinstance(rule, dict):
                raise row.fail(_("'eif_rule' must be a mapping"))
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
                    "_parent": self.ref(
                        row, "parent", self.instrument_keys, gettext_lazy("parent instrument")
                    ),
                    "_adopted_by": self.ref(
                        row, "adopted_by", self.mech_keys, gettext_lazy("mechanism")
                    ),
                    "eif_instruments_required": rule_row.integer("instruments_required"),
                    "eif_days_after_threshold": rule_row.integer("days_after_threshold"),
                    "eif_days_after_later_deposit": rule_row.integer("days_after_later_deposit"),
                    "eif_article": rule_row.text("article"),
                    "url": row.text("url"),
                    "summary": row.text("summary"),
                    "titles": {},
                    "titles_source": "",
                    "_sources": self.sources_list(row),
                }
            )
            if slug == row.text("parent"):
                raise row.fail(_("an instrument cannot supplement itself"))
        self._instrument_titles()

    def _instrument_titles(self) -> None:
        """instrument_titles.yaml: each instrument's official titles in the other UN languages,
        with their source, merged into the instrument's row."""
        by_slug = {row["slug"]: row for row in self.plan.instruments}
        seen: set[str] = set()
        for row in self.rows("instrument_titles.yaml"):
            slug = row.text("slug", required=True)
            self.unique(row, seen, slug, gettext_lazy("instrument slug"))
            if slug not in by_slug:
                raise row.fail(_("unknown instrument '{}' (not in instruments.yaml)").format(slug))
            titles = row.data.get("titles")
            if not isinstance(titles, dict) or not titles:
                raise row.fail(_("'titles' must map languages (ar, es, fr, ru, zh) to titles"))
            for language, title in titles.items():
                if language not in TITLE_LANGUAGES:
                    raise row.fail(
                        _("'{}' is not one of the other UN languages (ar, es, fr, ru, zh)").format(
                            language
                        )
                    )
                if not isinstance(title, str) or not title.strip():
                    raise row.fail(_("the {} title is empty").format(language))
            by_slug[slug]["titles"] = {k: v.strip() for k, v in sorted(titles.items())}
            by_slug[slug]["titles_source"] = row.text("source", required=True)

    def _memberships(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("memberships.csv"):
            mech = self.ref(
                row, "mechanism", self.mech_keys, gettext_lazy("mechanism"), required=True
            )
            country = self.country(row)
            role = row.choice("role", MembershipRole)
            joined, left = row.date("joined"), row.date("left")
            if joined and left and left < joined:
                raise row.fail(_("'left' ({}) is before 'joined' ({})").format(left, joined))
            key = "membership:{}:{}:{}:{}".format(mech, country, role, joined or "")
            self.unique(row, seen, key, gettext_lazy("membership"))
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

    def _treaty_actions(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("treaty_actions.csv"):
            instrument = self.ref(
                row, "instrument", self.instrument_keys, gettext_lazy("instrument"), required=True
            )
            country = self.country(row)
            action = row.choice("action", TreatyActionKind)
            src = self.source(row)
            key = "ta:{}:{}:{}:{}:{}".format(
                instrument, country, action, src[0], short_hash(src[1])
            )
            self.unique(
                row,
                seen,
                key,
                gettext_lazy("treaty action (same state, instrument, action and source)"),
            )
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

    def _depositary(self) -> None:
        """depositary_status.csv: a depositary's participant table as printed (UNTC style:
        `12 Dec 2000`, consent with its marker, `7 Jun 2004 a`). Each participant name maps to
        ISO alpha-3 (names.py) or the load fails naming it; each date becomes a treaty action
        keyed like treaty_actions.csv's rows. Participants that are not states are kept apart,
        in a listing of the source (`depositary:<document>`) that names them in its notes."""
        p = self.plan
        seen = {a["ref_key"] for a in p.treaty_actions}
        non_state: dict[tuple[str, str, str], list[str]] = {}
        for row in self.rows("depositary_status.csv"):
            instrument = self.ref(
                row, "instrument", self.instrument_keys, gettext_lazy("instrument"), required=True
            )
            participant = row.text("participant", required=True)
            src = self.source(row)
            try:
                country = iso3_for(participant)
            except UnknownName:
                raise row.fail(
                    _(
                        "unmapped participant name '{}': add it to ALIASES in "
                        "palermo/registry/reference/names.py"
                    ).format(participant)
                ) from None
            if country is not None and country not in self.countries:
                raise row.fail(_("unknown country code '{}' for '{}'").format(country, participant))
            statements = []
            signature = row.text("signature")
            if signature:
                date, marker = _printed_date(row, "signature")
                if marker:
                    raise row.fail(_("a signature date carries no marker: '{}'").format(signature))
                statements.append((TreatyActionKind.SIGNATURE.value, date, signature))
            consent = row.text("consent")
            if consent:
                date, marker = _printed_date(row, "consent")
                statements.append((_MARKERS[marker], date, consent))
            if not statements:
                raise row.fail(_("neither a signature nor a consent date"))
            if country is None:
                key3 = (instrument or "", src[0], src[1])
                non_state.setdefault(key3, []).append(
                    "{}: {}".format(participant, "; ".join(s[2] for s in statements))
                )
                continue
            for action, date, printed in statements:
                key = "ta:{}:{}:{}:{}:{}".format(
                    instrument, country, action, src[0], short_hash(src[1])
                )
                self.unique(
                    row,
                    seen,
                    key,
                    gettext_lazy("treaty action (same state, instrument, action and source)"),
                )
                p.treaty_actions.append(
                    {
                        "ref_key": key,
                        "_instrument": instrument,
                        "country_id": country,
                        "action": action,
                        "date": date,
                        "date_text": printed,
                        "name_in_source": participant,
                        "note": "",
                        "_source": src,
                    }
                )
        for (instrument, doc, locator), names in non_state.items():
            key = "depositary-{}".format(doc)[:100]
            self.listing_keys.add(key)
            p.listings.append(
                {
                    "ref_key": "listing:{}".format(key),
                    "key": key,
                    "_instrument": instrument,
                    "_scope": None,
                    "as_of": None,
                    "exhaustive": False,
                    "stated_counts": {},
                    "notes": "Participants that are not states, kept apart: {}.".format(
                        " | ".join(names)
                    ),
                    "_source": (doc, locator),
                }
            )

    def _listings(self) -> None:
        p = self.plan
        for row in self.rows("listings.yaml"):
            key = row.text("key", required=True)
            self.unique(row, self.listing_keys, key, gettext_lazy("listing key"))
            counts = row.data.get("stated_counts") or {}
            if not isinstance(counts, dict) or not all(
                isinstance(v, int) and v >= 0 for v in counts.values()
            ):
                raise row.fail(_("'stated_counts' must map statuses to whole numbers"))
            bad = [k for k in counts if k not in {*PartyStatus.values, "total"}]
            if bad:
                raise row.fail(_("'stated_counts' has unknown status '{}'").format(bad[0]))
            p.listings.append(
                {
                    "ref_key": "listing:" + key,
                    "key": key,
                    "_instrument": self.ref(
                        row,
                        "instrument",
                        self.instrument_keys,
                        gettext_lazy("instrument"),
                        required=True,
                    ),
                    "_scope": self.ref(row, "scope", self.mech_keys, gettext_lazy("mechanism")),
                    "as_of": row.date("as_of"),
                    "exhaustive": bool(row.data.get("exhaustive")),
                    "stated_counts": counts,
                    "notes": row.text("notes"),
                    "_source": self.source(row),
                }
            )

    def _claims(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("status_claims.csv"):
            listing = self.ref(
                row, "listing", self.listing_keys, gettext_lazy("listing"), required=True
            )
            country = self.country(row)
            key = "claim:{}:{}".format(listing, country)
            self.unique(row, seen, key, gettext_lazy("state in listing"))
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

    def _legislation(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("legislation.csv"):
            country = self.country(row)
            title = row.text("title", required=True)
            year = row.integer("year")
            if year is not None and not 1800 <= year <= 2200:
                raise row.fail(_("'year' {} is not plausible").format(year))
            key = "leg:{}:{}".format(country, short_hash(title, year))
            self.unique(row, seen, key, gettext_lazy("law (same country, title and year)"))
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
                    "_implements": self.ref(
                        row, "implements", self.instrument_keys, gettext_lazy("instrument")
                    ),
                    "summary": row.text("summary"),
                    "name_in_source": row.text("name_in_source"),
                    "_sources": [self.source(row)],
                }
            )

    def _transmittals(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("legislation_transmittals.csv"):
            country = self.country(row)
            recipient = self.ref(
                row, "recipient", self.mech_keys, gettext_lazy("mechanism"), required=True
            )
            key = "tx:{}:{}:{}".format(
                country, recipient, row.text("date_text") or row.text("date")
            )
            self.unique(row, seen, key, gettext_lazy("transmittal"))
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

    def _directory(self) -> None:
        p = self.plan
        seen: set[str] = set()
        for row in self.rows("directory.csv"):
            country = self.country(row, required=False)
            org = row.text("organisation", required=True)
            role = row.choice("role", DirectoryRole)
            unit = row.text("unit")
            key = "dir:{}:{}:{}".format(country or "-", role, short_hash(org, unit))
            self.unique(
                row,
                seen,
                key,
                gettext_lazy("directory entry (same country, role, organisation, unit)"),
            )
            languages = [
                code.strip().lower() for code in row.text("languages").split(";") if code.strip()
            ]
            for code in languages:
                if len(code) != 2 or not code.isalpha():
                    raise row.fail(_("language '{}' is not an ISO 639-1 code").format(code))
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


# A depositary's marker after a consent date (UNTC: "Ratification, Acceptance(A), Approval(AA),
# Accession(a), Succession(d), Formal confirmation(c), Definitive signature(s)"). UNTC prints it
# bare (`7 Jun 2004 a`); OHCHR's treaty body database prints it in brackets (`05 Feb 2008 (a)`).
_MARKERS: dict[str, str] = {
    "": TreatyActionKind.RATIFICATION.value,
    "A": TreatyActionKind.ACCEPTANCE.value,
    "AA": TreatyActionKind.APPROVAL.value,
    "a": TreatyActionKind.ACCESSION.value,
    "d": TreatyActionKind.SUCCESSION.value,
    "c": TreatyActionKind.FORMAL_CONFIRMATION.value,
    "s": TreatyActionKind.DEFINITIVE_SIGNATURE.value,
}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_PRINTED = re.compile(r"(\d{1,2} [A-Z][a-z]{2} \d{4})(?: (AA|A|a|d|c|s)| \((AA|A|a|d|c|s)\))?")


def _printed_date(row: Row, name: str) -> tuple[dt.date, str]:
    """A date as a depositary prints it (`7 Jun 2004 a`, `07 Jun 2004 (a)`) and its marker
    ('' when none)."""
    text = row.text(name)
    match = _PRINTED.fullmatch(text)
    if match is None:
        raise row.fail(_("'{}' is not a date like '7 Jun 2004 a': '{}'").format(name, text))
    try:
        day, month, year = match.group(1).split()
        date = dt.date(int(year), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        raise row.fail(_("'{}' is not a real date: '{}'").format(name, text)) from None
    return date, match.group(2) or match.group(3) or ""


def validate(data_dir: Path = DATA_DIR) -> Plan:
    """Parse and check every data file; raise ReferenceDataError at the first bad row."""
    return _Validator(data_dir).run()
