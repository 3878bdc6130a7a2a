"""Reading a file of action plans (YAML; the layout is in the README, "Action plans"): every
plan, objective, activity, indicator and target checked before anything is written, each
problem named with where it is in the file (`plans[2] objectives[0] activities[1]: ...`)."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.monitoring.choices import Direction, IndicatorKind, PlanLevel, RollUp
from palermo.monitoring.metrics import metric_check
from palermo.monitoring.services.questionnaires import KEY

MAX_BYTES = 2_000_000
# Plans, objectives, activities, indicators and targets in one file at most: YAML aliases could
# otherwise make a small file name millions of them.
MAX_ITEMS = 20_000
_READ: ContextVar[int] = ContextVar("plan_items_read", default=0)


class _Loader(yaml.SafeLoader):
    """YAML without its own dates: a wrong date (2010-13-31) is then refused naming its field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class TargetSpec:
    start: dt.date
    end: dt.date
    value: Decimal
    illustrative: bool


@dataclass
class IndicatorSpec:
    number: str
    title: str
    kind: str
    metric: str
    unit: str
    direction: str
    baseline: Decimal | None
    baseline_date: dt.date | None
    responsible: str
    means_of_verification: str
    rolls_up_to: str
    roll_up: str
    source: str
    targets: list[TargetSpec]


@dataclass
class ActivitySpec:
    number: str
    title: str
    responsible: str
    start: dt.date | None
    end: dt.date | None
    done_on: dt.date | None
    source: str
    indicators: list[IndicatorSpec]


@dataclass
class ObjectiveSpec:
    number: str
    title: str
    source: str
    activities: list[ActivitySpec]
    indicators: list[IndicatorSpec]


@dataclass
class PlanSpec:
    key: str
    title: str
    short_title: str
    level: str
    mechanism: str
    country: str
    parent: str
    responsible: str
    start: dt.date
    end: dt.date
    dates_note: str
    adopted: str
    source: str
    objectives: list[ObjectiveSpec] = field(default_factory=list)


class _Reader:
    """Reads one mapping of the file, naming `where` in every refusal."""

    def __init__(self, item: object, where: str) -> None:
        read = _READ.get() + 1
        _READ.set(read)
        if read > MAX_ITEMS:
            raise ApplicationError(
                _(
                    "The file holds more than {} plans, objectives, activities, indicators and "
                    "targets."
                ).format(MAX_ITEMS),
                code="invalid",
            )
        if not isinstance(item, dict):
            raise ApplicationError(
                _("{}: expected a mapping of fields.").format(where), code="invalid"
            )
        self.item = item
        self.where = where

    def fail(self, message: str) -> ApplicationError:
        return ApplicationError(f"{self.where}: {message}", code="invalid")

    def text(self, name: str, *, required: bool = False, limit: int = 500) -> str:
        value = self.item.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(_("'{}' is required.").format(name))
            return ""
        if not isinstance(value, (str, int, float)):
            raise self.fail(_("'{}' is text.").format(name))
        text = " ".join(str(value).split())
        if len(text) > limit:
            raise self.fail(_("'{}' is longer than {} characters.").format(name, limit))
        return text

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        value = self.item.get(name)
        if value is None or value == "":
            if required:
                raise self.fail(_("'{}' is required.").format(name))
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(_("'{}' is not a date (YYYY-MM-DD).").format(name)) from None

    def number(self, name: str, value: object = None) -> Decimal | None:
        value = self.item.get(name) if value is None else value
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.fail(_("'{}' is not a number.").format(name))
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(_("'{}' is not a number.").format(name)) from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise self.fail(_("'{}' is not a number.").format(name))
        return number

    def choice(self, name: str, allowed: list[str], default: str = "") -> str:
        value = self.text(name) or default
        if value not in allowed:
            raise self.fail(_("'{}' is one of {}.").format(name, ", ".join(allowed)))
        return value

    def items(self, name: str) -> list[Any]:
        value = self.item.get(name) or []
        if not isinstance(value, list):
            raise self.fail(_("'{}' is a list.").format(name))
        return value


def _targets(r: _Reader) -> list[TargetSpec]:
    targets = []
    for n, item in enumerate(r.items("targets")):
        t = _Reader(item, f"{r.where} targets[{n}]")
        start = t.date("period_start", required=True)
        end = t.date("period_end", required=True)
        value = t.number("value")
        if start is None or end is None or value is None:
            raise t.fail(_("a target has period_start, period_end and value."))
        if end < start:
            raise t.fail(_("the period ends before it starts."))
        targets.append(TargetSpec(start, end, value, bool(t.item.get("illustrative"))))
    ends = [t.end for t in targets]
    if len(set(ends)) != len(ends):
        raise r.fail(_("two targets end on the same day."))
    return targets


def _indicators(r: _Reader) -> list[IndicatorSpec]:
    found = []
    for n, item in enumerate(r.items("indicators")):
        i = _Reader(item, f"{r.where} indicators[{n}]")
        kind = i.choice("kind", IndicatorKind.values)
        metric = i.text("metric", limit=120)
        if kind == IndicatorKind.COMPUTED:
            if not metric:
                raise i.fail(_("a computed indicator names its 'metric'."))
            try:
                metric_check(metric)
            except ApplicationError as exc:
                raise i.fail(exc.detail) from None
        elif metric:
            raise i.fail(_("only a computed indicator has a 'metric'."))
        baseline = i.item.get("baseline") or {}
        b = _Reader(baseline if isinstance(baseline, dict) else {"value": baseline}, i.where)
        found.append(
            IndicatorSpec(
                number=i.text("number", required=True, limit=20),
                title=i.text("title", required=True),
                kind=kind,
                metric=metric,
                unit=i.text("unit", limit=60),
                direction=i.choice("direction", Direction.values, Direction.INCREASE),
                baseline=b.number("value"),
                baseline_date=b.date("date"),
                responsible=i.text("responsible", limit=300),
                means_of_verification=i.text("means_of_verification", limit=2000),
                rolls_up_to=i.text("rolls_up_to", limit=120),
                roll_up=i.choice("roll_up", RollUp.values, RollUp.SUM),
                source=i.text("source", limit=300),
                targets=_targets(i),
            )
        )
    return found


def _activities(r: _Reader) -> list[ActivitySpec]:
    found = []
    for n, item in enumerate(r.items("activities")):
        a = _Reader(item, f"{r.where} activities[{n}]")
        start, end = a.date("start"), a.date("end")
        if start and end and end < start:
            raise a.fail(_("the activity ends before it starts."))
        found.append(
            ActivitySpec(
                number=a.text("number", required=True, limit=20),
                title=a.text("title", required=True),
                responsible=a.text("responsible", limit=300),
                start=start,
                end=end,
                done_on=a.date("done_on"),
                source=a.text("source", limit=300),
                indicators=_indicators(a),
            )
        )
    return found


def _plan(item: object, where: str) -> PlanSpec:
    r = _Reader(item, where)
    key = r.text("key", required=True, limit=80).lower()
    if not KEY.match(key):
        raise r.fail(_("key: 2 to 80 lower-case letters, digits or '-'."))
    r.where = f"{where} ({key})"
    start = r.date("start", required=True)
    end = r.date("end", required=True)
    if start is None or end is None:  # required: refused above
        raise r.fail(_("a plan has a start and an end."))
    if end < start:
        raise r.fail(_("the plan ends before it starts."))
    spec = PlanSpec(
        key=key,
        title=r.text("title", required=True, limit=300),
        short_title=r.text("short_title", limit=120),
        level=r.choice("level", PlanLevel.values),
        mechanism=r.text("mechanism", limit=30),
        country=r.text("country", limit=3).upper(),
        parent=r.text("parent", limit=80).lower(),
        responsible=r.text("organisation", limit=300),
        start=start,
        end=end,
        dates_note=r.text("dates_note", limit=300),
        adopted=r.text("adopted"),
        source=r.text("source", limit=4000),
    )
    if spec.level == PlanLevel.NATIONAL and not spec.country:
        raise r.fail(_("a national plan names its 'country' (ISO 3166-1 alpha-3)."))
    numbers: set[str] = set()
    for n, item_ in enumerate(r.items("objectives")):
        o = _Reader(item_, f"{r.where} objectives[{n}]")
        objective = ObjectiveSpec(
            number=o.text("number", required=True, limit=20),
            title=o.text("title", required=True),
            source=o.text("source", limit=300),
            activities=_activities(o),
            indicators=_indicators(o),
        )
        spec.objectives.append(objective)
        indicators = objective.indicators + [i for a in objective.activities for i in a.indicators]
        for indicator in indicators:
            if indicator.number in numbers:
                raise o.fail(
                    _("indicator {} is numbered twice in the plan.").format(indicator.number)
                )
            numbers.add(indicator.number)
    return spec


def read_plans(text: str | bytes) -> list[PlanSpec]:
    """The plans of a YAML file, checked; ApplicationError naming the first problem."""
    if len(text) > MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than {} MB.").format(MAX_BYTES // 1_000_000), code="invalid"
        )
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line {}").format(mark.line + 1) if mark is not None else _("the file")
        raise ApplicationError(
            _("Not a YAML file of plans ({}).").format(where), code="invalid"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("plans"), list) or not data["plans"]:
        raise ApplicationError(
            _("The file has a list 'plans:' of one plan or more."), code="invalid"
        )
    _READ.set(0)
    specs = [_plan(item, f"plans[{n}]") for n, item in enumerate(data["plans"])]
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise ApplicationError(_("Two plans of the file have the same key."), code="invalid")
    return specs
