"""IATI activity files in and out (issue 17): the IATI activity standard, version 2.03.

`read` parses a file (no entities resolved, no network, no huge trees), validates it against
the standard's schema (`data/iati/`, taken unchanged from IATI-Schemas) and then against what
the schema leaves to the codelists Palermo relies on (organisation roles, activity status,
ISO 3166 country codes, ISO 4217 currencies, transaction types, dates): every problem named by
line and element, nothing returned unless all is well. `write` builds a 2.03 file from
activities and validates it against the same schema before it leaves.

Palermo's own facts travel as IATI tags of vocabulary 99 (the reporting organisation's own):
the kind of activity (`vocabulary-uri` KIND_URI) and the themes addressed (THEMES_URI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from lxml import etree

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "iati" / "iati-activities-schema.xsd"
VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
KIND_URI = "https://palermo.dev/iati/activity-kind"
THEMES_URI = "https://palermo.dev/iati/themes"
ORG_ROLES = frozenset({"1", "2", "3", "4"})
STATUSES = frozenset({"1", "2", "3", "4", "5", "6"})
TRANSACTION_TYPES = frozenset(str(n) for n in range(1, 14))
# IATI's ActivityDateType codelist: planned start, actual start, planned end, actual end.
DATE_FIELDS = {"1": "start_planned", "2": "start_actual", "3": "end_planned", "4": "end_actual"}
MAX_PROBLEMS = 50


class IatiError(ValueError):
    """What is wrong with a file: each problem by line and element."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:MAX_PROBLEMS]))
        self.problems = problems


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
    )


@dataclass
class Org:
    role: str
    ref: str
    name: str
    type: str


@dataclass
class Money:
    kind: str  # the transaction type, or the budget type
    day: dt.date  # the transaction date, or the budget period's start
    end: dt.date | None  # the budget period's end
    value: Decimal
    currency: str
    value_date: dt.date
    provider: str = ""
    receiver: str = ""


@dataclass
class ActivityIn:
    """One activity of a file, checked."""

    line: int
    identifier: str
    reporting_ref: str
    reporting_type: str
    reporting_name: str
    title: dict[str, str]
    description: dict[str, str]
    status: str
    dates: dict[str, dt.date]
    currency: str
    language: str
    last_updated: dt.datetime | None
    orgs: list[Org] = field(default_factory=list)
    countries: list[tuple[str, Decimal | None]] = field(default_factory=list)  # ISO3
    transactions: list[Money] = field(default_factory=list)
    budgets: list[Money] = field(default_factory=list)
    kind: str = ""
    themes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, node: Any, text: str) -> None:
        self.problems.append("line {}: {}".format(node.sourceline, text))

    def narratives(self, node: Any, default: str) -> dict[str, str]:
        out: dict[str, str] = {}
        if node is None:
            return out
        for n in node.findall("narrative"):
            language = (n.get(XML_LANG) or default or "en").lower()
            text = " ".join((n.text or "").split())
            if text:
                out.setdefault(language, text)
        return out

    def day(self, node: Any, attribute: str = "iso-date") -> dt.date | None:
        value = node.get(attribute)
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            self.problem(node, "{} {}: not a date (YYYY-MM-DD)".format(node.tag, attribute))
            return None

    def currency(self, node: Any, default: str) -> str:
        code = (node.get("currency") or default or "").upper()
        if pycountry.currencies.get(alpha_3=code) is None:
            self.problem(node, "{}: currency is not an ISO 4217 code".format(node.tag))
        return code

    def money(
        self, node: Any, kind: str, default: str, day_node: Any, end_node: Any = None
    ) -> Money | None:
        value_node = node.find("value")
        if value_node is None or day_node is None:
            return None
        try:
            value = Decimal((value_node.text or "").strip())
        except InvalidOperation:
            self.problem(value_node, "value: not a number")
            return None
        day = self.day(day_node)
        end = self.day(end_node) if end_node is not None else None
        value_date = self.day(value_node, "value-date")
        currency = self.currency(value_node, default)
        if day is None or value_date is None:
            return None
        return Money(kind, day, end, value, currency, value_date)

    def dates(self, node: Any) -> dict[str, dt.date]:
        dates: dict[str, dt.date] = {}
        for d in node.findall("activity-date"):
            kind = d.get("type", "")
            if kind not in DATE_FIELDS:
                self.problem(d, "activity-date type: not a code of IATI's ActivityDateType")
                continue
            day = self.day(d)
            if day is not None:
                dates[DATE_FIELDS[kind]] = day
        return dates

    def activity(self, node: Any) -> ActivityIn:
        language = (node.get(XML_LANG) or "en").lower()
        currency = (node.get("default-currency") or "").upper()
        identifier = " ".join((node.findtext("iati-identifier") or "").split())
        if not identifier:
            self.problem(node, "iati-identifier: empty")
        reporting = node.find("reporting-org")
        status_node = node.find("activity-status")
        status = status_node.get("code", "") if status_node is not None else ""
        if status not in STATUSES:
            self.problem(
                status_node if status_node is not None else node,
                "activity-status: not a code of IATI's ActivityStatus",
            )
        dates = self.dates(node)
        last = node.get("last-updated-datetime")
        try:
            last_updated = dt.datetime.fromisoformat(last) if last else None
            if last_updated is not None and last_updated.tzinfo is None:
                last_updated = last_updated.replace(tzinfo=dt.UTC)  # IATI: UTC when not said
        except ValueError:
            self.problem(node, "last-updated-datetime: not a date and time")
            last_updated = None
        found = ActivityIn(
            line=node.sourceline or 0,
            identifier=identifier,
            reporting_ref=reporting.get("ref", "") if reporting is not None else "",
            reporting_type=reporting.get("type", "") if reporting is not None else "",
            reporting_name=next(iter(self.narratives(reporting, language).values()), ""),
            title=self.narratives(node.find("title"), language),
            description=self.narratives(node.find("description"), language),
            status=status,
            dates=dates,
            currency=currency,
            language=language,
            last_updated=last_updated,
        )
        self.parts(node, found, language, currency)
        return found

    def parts(self, node: Any, found: ActivityIn, language: str, currency: str) -> None:
        """The organisations, countries, tags, budgets and transactions of an activity."""
        for org in node.findall("participating-org"):
            role = org.get("role", "")
            if role not in ORG_ROLES:
                self.problem(org, "participating-org role: not a code of IATI's OrganisationRole")
            name = next(iter(self.narratives(org, language).values()), "")
            found.orgs.append(Org(role, org.get("ref", ""), name, org.get("type", "")))
        for country in node.findall("recipient-country"):
            code = pycountry.countries.get(alpha_2=country.get("code", "").upper())
            if code is None:
                self.problem(country, "recipient-country code: not an ISO 3166-1 alpha-2 code")
                continue
            share = country.get("percentage")
            found.countries.append((code.alpha_3, Decimal(share) if share else None))
        for tag in node.findall("tag"):
            uri, code = tag.get("vocabulary-uri", ""), tag.get("code", "")
            if uri == KIND_URI:
                found.kind = code
            elif uri == THEMES_URI:
                found.themes.append(code)
        for budget in node.findall("budget"):
            money = self.money(
                budget,
                budget.get("type", "1"),
                currency,
                budget.find("period-start"),
                budget.find("period-end"),
            )
            if money is not None:
                found.budgets.append(money)
        for t in node.findall("transaction"):
            kind_node = t.find("transaction-type")
            kind = kind_node.get("code", "") if kind_node is not None else ""
            if kind not in TRANSACTION_TYPES:
                self.problem(t, "transaction-type: not a code of IATI's TransactionType")
            money = self.money(t, kind, currency, t.find("transaction-date"))
            if money is not None:
                money.provider = next(
                    iter(self.narratives(t.find("provider-org"), language).values()), ""
                )
                money.receiver = next(
                    iter(self.narratives(t.find("receiver-org"), language).values()), ""
                )
                found.transactions.append(money)


def read(content: bytes) -> list[ActivityIn]:
    """The activities of an IATI activity file (IatiError naming every problem)."""
    try:
        tree = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        raise IatiError(["line {}: not well-formed XML ({})".format(exc.lineno, exc.msg)]) from None
    if tree.getroottree().docinfo.doctype:  # entities and DTDs have no place in IATI files
        raise IatiError(["line 1: a DOCTYPE (DTD or entities) is not accepted in an IATI file"])
    if tree.tag != "iati-activities":
        raise IatiError(
            ["line {}: not an IATI activity file (iati-activities)".format(tree.sourceline)]
        )
    version = tree.get("version", "")
    if not version.startswith("2."):
        raise IatiError(
            ["line {}: IATI version {} (2.0x is read)".format(tree.sourceline, version or "?")]
        )
    checker = schema()
    try:
        valid = checker.validate(tree)
    except etree.XMLSchemaValidateError:
        raise IatiError(["line 1: the file cannot be validated against the schema"]) from None
    if not valid:
        problems = ["line {}: {}".format(e.line, e.message) for e in checker.error_log]
        raise IatiError(problems)
    reader = _Reader()
    activities = [reader.activity(node) for node in tree.findall("iati-activity")]
    seen: dict[str, int] = {}
    for a in activities:
        if a.identifier in seen:
            reader.problems.append(
                "line {}: iati-identifier given twice in the file".format(a.line)
            )
        seen[a.identifier] = a.line
    if reader.problems:
        raise IatiError(reader.problems)
    return activities


# --- out -------------------------------------------------------------------------------------


def _narratives(parent: Any, texts: dict[str, str], default: str) -> None:
    for language, text in texts.items():
        n = etree.SubElement(parent, "narrative")
        if language != default:
            n.set(XML_LANG, language)
        n.text = text


def _iso2(iso3: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country is not None else iso3


def _activity_node(root: Any, a: Any) -> None:
    language = a.default_language or "en"
    node = etree.SubElement(root, "iati-activity")
    node.set(XML_LANG, language)
    if a.default_currency:
        node.set("default-currency", a.default_currency)
    if a.last_updated:
        node.set("last-updated-datetime", a.last_updated.isoformat(timespec="seconds"))
    etree.SubElement(node, "iati-identifier").text = a.iati_identifier
    reporting = etree.SubElement(
        node, "reporting-org", ref=a.reporting_org_ref, type=a.reporting_org_type
    )
    _narratives(
        reporting, {language: a.reporting_org_name} if a.reporting_org_name else {}, language
    )
    _narratives(etree.SubElement(node, "title"), a.title, language)
    _narratives(etree.SubElement(node, "description", type="1"), a.description or a.title, language)
    for org in a.orgs.all():
        attributes = {"role": org.role, "ref": org.ref, "type": org.type}
        p = etree.SubElement(node, "participating-org", {k: v for k, v in attributes.items() if v})
        _narratives(p, {language: org.name} if org.name else {}, language)
    etree.SubElement(node, "activity-status", code=a.status)
    for code, name in DATE_FIELDS.items():
        day = getattr(a, name)
        if day is not None:
            etree.SubElement(node, "activity-date", type=code).set("iso-date", day.isoformat())
    for c in a.countries.all():
        r = etree.SubElement(node, "recipient-country", code=_iso2(c.country_id))
        if c.percentage is not None:
            r.set("percentage", str(c.percentage))
    if a.kind:
        etree.SubElement(node, "tag", vocabulary="99", code=a.kind).set("vocabulary-uri", KIND_URI)
    for theme in a.themes:
        etree.SubElement(node, "tag", vocabulary="99", code=theme).set("vocabulary-uri", THEMES_URI)
    _money_nodes(node, a, language)


def _money_nodes(node: Any, a: Any, language: str) -> None:
    """An activity's budgets and transactions, in the schema's order."""
    for b in a.budgets.all():
        budget = etree.SubElement(node, "budget", type=b.type)
        etree.SubElement(budget, "period-start").set("iso-date", b.period_start.isoformat())
        etree.SubElement(budget, "period-end").set("iso-date", b.period_end.isoformat())
        value = etree.SubElement(budget, "value", currency=b.currency)
        value.set("value-date", b.value_date.isoformat())
        value.text = str(b.value)
    for t in a.transactions.all():
        tr = etree.SubElement(node, "transaction")
        etree.SubElement(tr, "transaction-type", code=t.type)
        etree.SubElement(tr, "transaction-date").set("iso-date", t.date.isoformat())
        value = etree.SubElement(tr, "value", currency=t.currency)
        value.set("value-date", t.value_date.isoformat())
        value.text = str(t.value)
        for tag, name in (("provider-org", t.provider), ("receiver-org", t.receiver)):
            if name:
                _narratives(etree.SubElement(tr, tag), {language: name}, language)


def write(activities: Iterable[Any], now: dt.datetime) -> bytes:
    """An IATI 2.03 activity file of these activities (`models.Activity` with their parts),
    validated against the standard's schema."""
    root = etree.Element("iati-activities", version=VERSION)
    root.set("generated-datetime", now.isoformat(timespec="seconds"))
    for a in activities:
        _activity_node(root, a)
    checker = schema()
    if not checker.validate(root):
        raise IatiError(["{}".format(e.message) for e in checker.error_log])
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return out
