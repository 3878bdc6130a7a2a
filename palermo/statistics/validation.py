"""The validation rules, applied to the figures of one country, data set and period.

Rules are data (`ValidationRule`, loaded from rules.yaml); this module knows how each kind is
checked. Every issue names the cell it concerns, so a form can show it next to that cell.
A masked figure such as "<5" stands for any count from 0 to 4: sums are checked against the
range the masked cells allow, never against a number made up for them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext as _

from palermo.statistics.choices import RuleKind
from palermo.statistics.models import DIMENSIONS, TOTAL, ValidationRule, Value

Key = tuple[str, ...]
_MASK = re.compile(r"^\s*<\s*(\d+)\s*$")


def cell_id(indicator: str, key: Key) -> str:
    """A stable, readable name for a cell: `victims_detected:sex=F:age_group=Y0T17`."""
    parts = [indicator]
    parts += ["{}={}".format(d, c) for d, c in zip(DIMENSIONS, key, strict=True) if c != TOTAL]
    return ":".join(parts)


def parse_cell_id(text: str) -> tuple[str, Key]:
    """The indicator code and key of a cell id; ValueError when it is malformed."""
    indicator, *parts = text.split(":")
    codes = dict.fromkeys(DIMENSIONS, TOTAL)
    for part in parts:
        dim, sep, code = part.partition("=")
        if not sep or dim not in codes or not code:
            raise ValueError(_("'{}' is not a cell (indicator:dimension=code...)").format(text))
        codes[dim] = code
    if not indicator:
        raise ValueError(_("'{}' names no indicator").format(text))
    return indicator, tuple(codes[d] for d in DIMENSIONS)


def bounds(value: Value) -> tuple[int, int]:
    """The smallest and largest count a figure can stand for."""
    if value.masked:
        match = _MASK.match(value.value_text)
        top = int(match.group(1)) - 1 if match else 0
        return 0, max(top, 0)
    number = int(value.value or 0)
    return number, number


@dataclass(frozen=True)
class Issue:
    """One rule one figure breaks."""

    value: Value
    rule: ValidationRule
    message: str

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def cell(self) -> str:
        return cell_id(self.value.indicator.code, self.value.key)


def _message(rule: ValidationRule, **context: object) -> str:
    try:
        return rule.message.format(**context)
    except (KeyError, IndexError, ValueError):
        return "{} ({})".format(rule.message, rule.code)


def _non_negative(rule: ValidationRule, values: Sequence[Value]) -> Iterable[Issue]:
    for v in values:
        if not v.masked and v.value is not None and v.value < 0:
            yield Issue(v, rule, _message(rule, value=v.value, indicator=v.indicator.code))


def _sum_to_total(rule: ValidationRule, values: Sequence[Value]) -> Iterable[Issue]:
    """Each breakdown adds up to its total: the cells that differ from a total (or a margin)
    only in some dimensions, over all the codes of those dimensions, sum to it."""
    cells = {(v.indicator_id, v.period, v.label, v.key): v for v in values}
    groups: dict[tuple[int, str, str, tuple[str, ...], Key], list[Value]] = defaultdict(list)
    for v in values:
        broken = [i for i, code in enumerate(v.key) if code != TOTAL]
        for size in range(1, len(broken) + 1):
            for subset in combinations(broken, size):
                margin = tuple(TOTAL if i in subset else c for i, c in enumerate(v.key))
                dims = tuple(DIMENSIONS[i] for i in subset)
                groups[(v.indicator_id, v.period, v.label, dims, margin)].append(v)
    for (indicator_id, period, label, dims, parent_cell), children in sorted(
        groups.items(), key=lambda item: item[0]
    ):
        parent = cells.get((indicator_id, period, label, parent_cell))
        if parent is None:
            continue
        low = sum(bounds(c)[0] for c in children)
        high = sum(bounds(c)[1] for c in children)
        p_low, p_high = bounds(parent)
        if p_high < low or p_low > high:
            shown = str(low) if low == high else "{}-{}".format(low, high)
            yield Issue(
                parent,
                rule,
                _message(
                    rule,
                    dimension=" x ".join(d.replace("_", " ") for d in dims),
                    value=shown,
                    expected=parent.display,
                    indicator=parent.indicator.code,
                ),
            )


def _not_above(rule: ValidationRule, values: Sequence[Value]) -> Iterable[Issue]:
    target, reference = rule.params.get("indicator"), rule.params.get("reference")
    refs = {(v.period, v.key): v for v in values if v.indicator.code == reference}
    for v in values:
        if v.indicator.code != target or v.masked:
            continue
        ref = refs.get((v.period, v.key))
        if ref is not None and bounds(v)[0] > bounds(ref)[1]:
            yield Issue(
                v,
                rule,
                _message(
                    rule,
                    value=v.value,
                    other=ref.display,
                    period=v.period,
                    indicator=v.indicator.code,
                ),
            )


def _change_bound(
    rule: ValidationRule, values: Sequence[Value], previous: Sequence[Value]
) -> Iterable[Issue]:
    ratio = float(rule.params.get("max_ratio", 2.0))
    floor = float(rule.params.get("min_value", 0))
    before = {(p.indicator_id, p.key): p for p in previous if not p.masked}
    for v in values:
        prev = before.get((v.indicator_id, v.key))
        if prev is None or v.masked or v.value is None or prev.value is None:
            continue
        now, then = v.value, prev.value
        if max(now, then) < floor:
            continue
        if now > then * ratio or now * ratio < then:
            yield Issue(
                v,
                rule,
                _message(
                    rule,
                    value=now,
                    previous=then,
                    bound=ratio,
                    period=prev.period,
                    indicator=v.indicator.code,
                ),
            )


def check(
    values: Sequence[Value], rules: Iterable[ValidationRule], previous: Sequence[Value] = ()
) -> list[Issue]:
    """Every issue of `values` (one country, data set, period) under `rules`.

    `previous`: the same country's figures for the previous period (for change bounds)."""
    issues: list[Issue] = []
    for rule in rules:
        if rule.kind == RuleKind.NON_NEGATIVE:
            issues += _non_negative(rule, values)
        elif rule.kind == RuleKind.SUM_TO_TOTAL:
            issues += _sum_to_total(rule, values)
        elif rule.kind == RuleKind.NOT_ABOVE:
            issues += _not_above(rule, values)
        elif rule.kind == RuleKind.CHANGE_BOUND:
            issues += _change_bound(rule, values, previous)
    return issues


def parse_masked(text: str) -> int | None:
    """The threshold N of a masked figure "<N", or None when `text` is not one."""
    match = _MASK.match(text)
    return int(match.group(1)) if match else None
