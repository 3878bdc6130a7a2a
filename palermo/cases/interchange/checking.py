"""Checking HTCDS records, one at a time, and turning each into its part of a case.

Owns `Checker`: a record is parsed (`values.Values`) and checked on its own (unknown fields and
codes, impossible dates and ages, overlapping consents) into a `Parsed` record: the file's key of
its case, the case's fields, the person and the case comments it carries. Every problem is
collected with its record (and CSV line), so a refusal lists them all. What concerns several
records (duplicate pseudonyms, case fields that disagree between the records of one case) is
checked by the import (`importing`, with `ledger`), which streams the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

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
from palermo.cases.interchange.values import LIST_KINDS, Parser, Values
from palermo.cases.writer import PersonPlan
from palermo.core.models import Organisation

_PERSON_FACT_COLUMNS = (*PERSON_COLUMNS[2:], *FACT_COLUMNS)
_PERSON_KEY_COLUMNS = PERSON_COLUMNS[:2]
_SECTIONS = (CASE_COLUMNS, _PERSON_FACT_COLUMNS, _PERSON_KEY_COLUMNS, IDENTITY_COLUMNS)
_IDENTITY = _SECTIONS.index(IDENTITY_COLUMNS)
PSEUDONYM_RE = re.compile(r"^[A-Za-z0-9-]{3,20}$")
_KEYS = frozenset(COLUMN_BY_NAME) | {g.key for g in GROUPS}  # what a record may hold
_GROUPED = frozenset(GROUP_OF)  # fields that belong inside a group (in JSON)


def _column_of(columns: Iterable[Column], attr: str) -> str:
    return next((col.name for col in columns if col.attr == attr), attr)


_Parsers = tuple[tuple[str, str, Parser], ...]  # (name, attr, parser) of columns


class _Sections(NamedTuple):
    case: dict[str, Any]
    facts: dict[str, Any]
    keys: dict[str, Any]  # pseudonym and role
    identity: dict[str, Any]


class Parsed(NamedTuple):
    """One record checked on its own: the file's key of its case (its plm_CaseReference, else
    "record-N"), the case's fields by CasePlan name, the person and the case comments."""

    key: str
    case: dict[str, Any]
    person: PersonPlan
    comments: list[str]


class Checker:
    """Parses and checks records one at a time, collecting every problem.

    `referrals` counts the outgoing referrals of the records parsed (exported, never
    imported)."""

    def __init__(self, *, file_name: str, organisation: Organisation, csv_mode: bool) -> None:
        self.file_name = file_name
        self.organisation = organisation
        self.values = Values(csv_mode=csv_mode)
        self.today = timezone.localdate()
        self.problems: list[str] = []
        self.total = 0
        self.referrals = 0
        self._dispatch: dict[str, tuple[int, str, Parser]] | None = None
        # Of each section: its values when the record holds none of its fields, its lists.
        self._templates: list[tuple[dict[str, Any], tuple[str, ...]]] = []
        self._columns: dict[int, tuple[tuple[Column, ...], _Parsers]] = {}

    def where(self, record: RawRecord) -> str:
        """Where a record is, as a refusal names it: "file: record N (line L)"."""
        if record.line:
            where = _("record {} (line {})").format(record.number, record.line)
        else:
            where = _("record {}").format(record.number)
        return _("{}: {}").format(self.file_name, where)

    def fail(self, record: RawRecord, reason: str) -> None:
        self.total += 1
        if len(self.problems) < MAX_ERRORS:
            self.problems.append(_("{}: {}").format(self.where(record), reason))

    def raise_if_failed(self) -> None:
        if self.total:
            raise InterchangeError(self.problems, self.total)

    def record(self, record: RawRecord) -> Parsed:
        """The record parsed and checked on its own; RecordError names its first problem."""
        self._check_keys(record)
        try:
            sections = self._sections(record.data)
        except RecordError:
            # Parsed again column set by column set, checks in between, as the reasons are
            # reported: the first problem in that order is the one named.
            sections = None
        fields = self._case_fields(record, sections)
        person = self._person(record, fields, sections)
        comments = [i["text"] for i in self.values.group(COMMENTS, record.data) if i["text"]]
        key = fields.pop("reference") or "record-{}".format(record.number)
        return Parsed(key, fields, person, comments)

    @staticmethod
    def case_differs(key: str, case: dict[str, Any], first_case: dict[str, Any], first: int) -> str:
        """Why a record is refused whose case fields differ from its case's first record's."""
        differing = [n for n, v in case.items() if v != first_case[n]]
        return _("case {} has other {} than in record {}").format(
            key, ", ".join(_column_of(CASE_COLUMNS, n) for n in differing), first
        )

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

    def _sections(self, data: dict[str, Any]) -> _Sections:
        """Every field of a record at once, by the columns it holds (most records hold about
        half of them): the case's fields, the person's facts, pseudonym and role, identity."""
        if self._dispatch is None:
            self._dispatch = {}
            self._templates = []
            for index, columns in enumerate(_SECTIONS):
                self._templates.append(
                    (
                        {col.attr: self.values.parser(col)(None) for col in columns},
                        tuple(col.attr for col in columns if col.kind in LIST_KINDS),
                    )
                )
                for col in columns:
                    self._dispatch[col.name] = (index, col.attr, self.values.parser(col))
        out = []
        for template, lists in self._templates:
            section = template.copy()
            for attr in lists:  # a list of its own for each record
                section[attr] = []
            out.append(section)
        dispatch = self._dispatch
        for name, raw in data.items():
            entry = dispatch.get(name)
            if entry is not None:
                out[entry[0]][entry[1]] = entry[2](raw)
        case, facts, keys, identity = out
        return _Sections(case, facts, keys, identity)

    def _scalars(self, record: RawRecord, columns: tuple[Column, ...]) -> dict[str, Any]:
        """{attr: value} of the columns, in their order (the first bad one is reported)."""
        known = self._columns.get(id(columns))  # by identity: hashing the columns costs more
        if known is None or known[0] is not columns:
            known = self._columns[id(columns)] = (
                columns,
                tuple((col.name, col.attr, self.values.parser(col)) for col in columns),
            )
        parsers = known[1]
        get = record.data.get
        return {attr: parse(get(name)) for name, attr, parse in parsers}

    def _case_fields(self, record: RawRecord, sections: _Sections | None) -> dict[str, Any]:
        """The case's fields by CasePlan name, `reference` too (the file's key of the case)."""
        f = sections.case if sections is not None else self._scalars(record, CASE_COLUMNS)
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

    def _person(
        self, record: RawRecord, case: dict[str, Any], sections: _Sections | None
    ) -> PersonPlan:
        facts = (
            sections.facts if sections is not None else self._scalars(record, _PERSON_FACT_COLUMNS)
        )
        for name in ("age_uncertain", "deceased", "agreement_to_manage_personal_data"):
            facts[name] = bool(facts[name])
        person_cols = (
            sections.keys if sections is not None else self._scalars(record, _PERSON_KEY_COLUMNS)
        )
        pseudonym = person_cols["pseudonym"]
        if pseudonym and not PSEUDONYM_RE.match(pseudonym):
            raise RecordError(
                _("plm_Pseudonym '{}' must be 3 to 20 letters, digits or '-'").format(pseudonym)
            )
        facts["role"] = person_cols["role"] or self._role(facts)
        given = sections.identity if sections is not None else None
        if given is not None and given == self._templates[_IDENTITY][0]:
            identity: dict[str, Any] = {}  # none of its fields (a de-identified record)
        else:
            identity = {
                k: v
                for k, v in (given or self._scalars(record, IDENTITY_COLUMNS)).items()
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
