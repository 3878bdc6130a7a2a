"""Checking HTCDS records and turning them into the cases to write.

Owns `Checker`: every record is parsed (`values.Values`) and checked (unknown fields and codes,
impossible dates and ages, duplicate pseudonyms, case fields that disagree between the records
of one case, overlapping consents); records of one case become one `writer.CasePlan`. Every
problem is collected with its record (and CSV line), so a refusal lists them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.interchange.errors import MAX_ERRORS, InterchangeError, RecordError
from palermo.cases.interchange.fields import (
    CASE_COLUMNS,
    COLUMN_BY_NAME,
    COMMENTS,
    CONSENTS,
    FACT_COLUMNS,
    GROUP_OF,
    GROUPS,
    IDENTITY_COLUMNS,
    MOVEMENTS,
    PERSON_COLUMNS,
    REFERRALS,
    SUPPORT_PLANS,
    Column,
)
from palermo.cases.interchange.reading import RawRecord
from palermo.cases.interchange.values import LIST_KINDS, TEXT_KINDS, Values
from palermo.cases.writer import CasePlan, PersonPlan
from palermo.core.models import Organisation

PSEUDONYM_RE = re.compile(r"^[A-Za-z0-9-]{3,20}$")
_KEYS = frozenset(COLUMN_BY_NAME) | {g.key for g in GROUPS}  # what a record may hold
_GROUPED = frozenset(GROUP_OF)  # fields that belong inside a group (in JSON)


def _column_of(columns: Iterable[Column], attr: str) -> str:
    return next((col.name for col in columns if col.attr == attr), attr)


class Checker:
    """Turns raw records into case plans, collecting every problem.

    After `plans`, `pseudonyms` holds the record of each pseudonym the file gives and
    `referrals` counts the outgoing referrals in it (exported, never imported)."""

    def __init__(self, *, file_name: str, organisation: Organisation, csv_mode: bool) -> None:
        self.file_name = file_name
        self.organisation = organisation
        self.values = Values(csv_mode=csv_mode)
        self.today = timezone.localdate()
        self.problems: list[str] = []
        self.total = 0
        self.pseudonyms: dict[str, RawRecord] = {}
        self.referrals = 0

    def fail(self, record: RawRecord, reason: str) -> None:
        self.total += 1
        if len(self.problems) < MAX_ERRORS:
            if record.line:
                where = _("record {} (line {})").format(record.number, record.line)
            else:
                where = _("record {}").format(record.number)
            self.problems.append(_("{}: {}: {}").format(self.file_name, where, reason))

    def raise_if_failed(self) -> None:
        if self.total:
            raise InterchangeError(self.problems, self.total)

    def plans(self, records: Sequence[RawRecord]) -> list[CasePlan]:
        cases: dict[str, CasePlan] = {}
        case_values: dict[str, dict[str, Any]] = {}
        first_record: dict[str, int] = {}
        for record in records:
            try:
                self._check_keys(record)
                fields = self._case_fields(record)
                person = self._person(record, fields)
                comments = [
                    i["text"] for i in self.values.group(COMMENTS, record.data) if i["text"]
                ]
            except RecordError as exc:
                self.fail(record, str(exc))
                continue
            key = fields.pop("reference") or "record-{}".format(record.number)
            if key in cases:
                differing = [n for n, v in fields.items() if v != case_values[key][n]]
                if differing:
                    self.fail(
                        record,
                        _("case {} has other {} than in record {}").format(
                            key,
                            ", ".join(_column_of(CASE_COLUMNS, n) for n in differing),
                            first_record[key],
                        ),
                    )
                    continue
            else:
                cases[key] = CasePlan(**fields)
                case_values[key] = fields
                first_record[key] = record.number
            if person.pseudonym:
                if person.pseudonym in self.pseudonyms:
                    self.fail(
                        record,
                        _("duplicate pseudonym '{}' (also in record {})").format(
                            person.pseudonym, self.pseudonyms[person.pseudonym].number
                        ),
                    )
                    continue
                self.pseudonyms[person.pseudonym] = record
            cases[key].comments.extend(comments)
            cases[key].persons.append(person)
        return list(cases.values())

    def _check_keys(self, record: RawRecord) -> None:
        if not _KEYS.issuperset(record.data):
            unknown = sorted(set(record.data) - _KEYS)
            raise RecordError(_("unknown field(s) {}").format(", ".join(unknown)))
        if not self.values.csv and not _GROUPED.isdisjoint(record.data):
            grouped = sorted(_GROUPED.intersection(record.data))
            if grouped:
                raise RecordError(
                    _("{} belong inside {} (a list of objects)").format(
                        ", ".join(grouped), GROUP_OF[grouped[0]].key
                    )
                )

    def _scalars(self, record: RawRecord, columns: Iterable[Column]) -> dict[str, Any]:
        data = record.data
        out: dict[str, Any] = {}
        for col in columns:
            raw = data.get(col.name)
            if raw is None or raw == "":  # most fields of a record are empty: no parsing
                out[col.attr] = (
                    [] if col.kind in LIST_KINDS else "" if col.kind in TEXT_KINDS else None
                )
            else:
                out[col.attr] = self.values.value(col, raw)
        return out

    def _case_fields(self, record: RawRecord) -> dict[str, Any]:
        """The case's fields by CasePlan name, `reference` too (the file's key of the case)."""
        f = self._scalars(record, CASE_COLUMNS)
        del f["owner"]  # the importer owns the case
        opened = f["opened_on"] or self.today
        f["opened_on"] = opened
        if opened > self.today:
            raise RecordError(_("plm_CaseOpenedOn {} is in the future").format(opened))
        if not f["country"]:
            if self.organisation.country_id is None:
                raise RecordError(
                    _("plm_CaseCountry is needed: {} has no country").format(self.organisation)
                )
            f["country"] = self.organisation.country_id
        f["status"] = f["status"] or h.CaseStatus.ACTIVE
        self._check_closure(f["status"], opened, f["closed_on"])
        incoming = f["incoming_referral_date"]
        if incoming is not None and incoming > self.today:
            raise RecordError(_("cas_IncomingReferralDate {} is in the future").format(incoming))
        return f

    def _check_closure(self, status: str, opened: dt.date, closed: dt.date | None) -> None:
        is_closed = status in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED)
        if is_closed and closed is None:
            raise RecordError(_("cas_Status {} needs plm_CaseClosedOn").format(status))
        if closed is None:
            return
        if not is_closed:
            raise RecordError(_("plm_CaseClosedOn is given but cas_Status is {}").format(status))
        if closed < opened:
            raise RecordError(
                _("impossible dates: the case is closed ({}) before it was opened ({})").format(
                    closed, opened
                )
            )
        if closed > self.today:
            raise RecordError(_("plm_CaseClosedOn {} is in the future").format(closed))

    def _person(self, record: RawRecord, case: dict[str, Any]) -> PersonPlan:
        facts = self._scalars(record, (*PERSON_COLUMNS[2:], *FACT_COLUMNS))
        for name in ("age_uncertain", "deceased", "agreement_to_manage_personal_data"):
            facts[name] = bool(facts[name])
        person_cols = self._scalars(record, PERSON_COLUMNS[:2])
        pseudonym = person_cols["pseudonym"]
        if pseudonym and not PSEUDONYM_RE.match(pseudonym):
            raise RecordError(
                _("plm_Pseudonym '{}' must be 3 to 20 letters, digits or '-'").format(pseudonym)
            )
        facts["role"] = person_cols["role"] or self._role(facts)
        identity = {
            k: v
            for k, v in self._scalars(record, IDENTITY_COLUMNS).items()
            if v not in (None, "", [])
        }
        opened: dt.date = case["opened_on"]
        born: dt.date | None = identity.get("birthdate")
        if born is not None:
            self._check_birthdate(facts, born, opened)
            identity["birthdate"] = born.isoformat()
        age = facts["age_at_registration"]
        trafficked = facts["age_when_trafficked"]
        if age is not None and trafficked is not None and trafficked > age:
            raise RecordError(
                _(
                    "impossible ages: trafficked at {} (vic_AgeWhenTrafficked) but aged {} when "
                    "registered"
                ).format(trafficked, age)
            )
        earliest = born or (
            dt.date(opened.year - age - 1, opened.month, 1) if age is not None else None
        )
        movements = self._movements(record, earliest)
        plans = self.values.group(SUPPORT_PLANS, record.data)
        for n, p in enumerate(plans, start=1):
            if not p["plan_type"]:
                raise RecordError(_("{} item {}: spl_Type is needed").format(SUPPORT_PLANS.key, n))
        consents = self._consents(record, opened)
        self.referrals += len(self.values.group(REFERRALS, record.data))
        return PersonPlan(
            facts=facts,
            pseudonym=pseudonym,
            identity=identity,
            movements=movements,
            support_plans=plans,
            consents=consents,
        )

    @staticmethod
    def _role(facts: dict[str, Any]) -> str:
        """A person's role when the record gives none: from what the record says of them."""
        if facts["perpetrator_roles"]:
            return c.PersonRole.SUSPECT
        if facts["trafficking_status"] == h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING:
            return c.PersonRole.VICTIM
        return c.PersonRole.PRESUMED_VICTIM

    def _check_birthdate(self, facts: dict[str, Any], born: dt.date, opened: dt.date) -> None:
        """A birthdate before the case opened, agreeing with the age at registration (which it
        gives when the record has none). The reasons never repeat the birthdate."""
        if born > self.today or born > opened:
            raise RecordError(
                _("impossible dates: prs_Birthdate is after the case was opened ({})").format(
                    opened
                )
            )
        age = opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))
        if facts["age_at_registration"] is None:
            facts["age_at_registration"] = age
        elif abs(facts["age_at_registration"] - age) > 1:
            raise RecordError(
                _(
                    "plm_AgeAtRegistration {} does not match prs_Birthdate (aged {} when the case "
                    "opened)"
                ).format(facts["age_at_registration"], age)
            )

    def _movements(self, record: RawRecord, earliest: dt.date | None) -> list[dict[str, Any]]:
        movements = self.values.group(MOVEMENTS, record.data)
        key = MOVEMENTS.key
        for n, m in enumerate(movements, start=1):
            if not m["event_type"] or not m["country"]:
                raise RecordError(
                    _("{} item {}: hte_Type and hte_Country are needed").format(key, n)
                )
            for day in (m["date"], m["end_date"]):
                if day is None:
                    continue
                if day > self.today:
                    raise RecordError(_("{} item {}: {} is in the future").format(key, n, day))
                if earliest is not None and day < earliest:
                    raise RecordError(
                        _(
                            "impossible dates: {} item {} ({} on {}) is before the person was born"
                        ).format(key, n, m["event_type"], day)
                    )
            if m["date"] and m["end_date"] and m["end_date"] < m["date"]:
                raise RecordError(
                    _("impossible dates: {} item {} ends ({}) before it starts ({})").format(
                        key, n, m["end_date"], m["date"]
                    )
                )
        return movements

    def _consents(self, record: RawRecord, opened: dt.date) -> list[dict[str, Any]]:
        consents = self.values.group(CONSENTS, record.data)
        key = CONSENTS.key
        by_purpose: dict[str, list[dict[str, Any]]] = {}
        for n, con in enumerate(consents, start=1):
            con["purpose"] = con["purpose"] or c.ConsentPurpose.ASSISTANCE
            con["given_on"] = con["given_on"] or opened
            given = con.pop("given")
            if con["given_on"] > self.today:
                raise RecordError(_("{} item {}: given in the future").format(key, n))
            withdrawn = con["withdrawn_on"]
            if given is False and withdrawn is None:
                raise RecordError(
                    _(
                        "{} item {}: con_Consent is false but no plm_ConsentWithdrawnOn is given "
                        "(a consent never given is left out)"
                    ).format(key, n)
                )
            if withdrawn is not None and withdrawn < con["given_on"]:
                raise RecordError(
                    _("impossible dates: {} item {} is withdrawn ({}) before it was given ({})")
                    .format(key, n, withdrawn, con["given_on"])
                )  # fmt: skip
            by_purpose.setdefault(con["purpose"], []).append(con)
        for purpose, unsorted in by_purpose.items():
            items = sorted(unsorted, key=lambda x: x["given_on"])
            for before, after in zip(items, items[1:], strict=False):
                if before["withdrawn_on"] is None or before["withdrawn_on"] > after["given_on"]:
                    raise RecordError(
                        _("two consents for {} overlap ({} and {})").format(
                            purpose, before["given_on"], after["given_on"]
                        )
                    )
        return consents
