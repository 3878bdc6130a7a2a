"""Signals grouped into situations (issue 18, the Polaris model): reports about the same
place, employer or person are one situation, handled together.

Each report's place, employer and people are indexed word by word as keyed hashes
(`ReportToken`, the name index's key: no plaintext); a new report is compared with the reports
of its hotline of the last `WINDOW_DAYS` that share a hashed word with it (at most
`CANDIDATES`, those sharing most), decrypted only then, with the linkage engine's comparison
(romanised tokens of any script, padded bigrams, Dice). Two reports are about the same when
their employers agree (`similarity` >= `EMPLOYER`), or their places do in one country (or where
the country is not known, `PLACE`; a house number that differs makes them different places), or
their people (`PEOPLE`). Matched reports join the oldest
situation among them (others merged into it), or make a new one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from palermo.cases.names import digest
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.intake.accounts import Account, account_of, random_code
from palermo.intake.models import Report, ReportToken, Situation
from palermo.linkage.normalise import bigrams, dice, latin_tokens

FIELDS = {"E": "employer", "P": "where", "N": "people"}
EMPLOYER = 0.8
PLACE = 0.8
PEOPLE = 0.9
WINDOW_DAYS = 365
CANDIDATES = 20
MIN_TOKEN = 3  # shorter words (articles, numbers of a street) are not indexed


def _tokens(text: str) -> tuple[str, ...]:
    """The words indexed: romanised, of `MIN_TOKEN` characters or more."""
    return tuple(t for t in latin_tokens(text, digits=True) if len(t) >= MIN_TOKEN)


def _words(text: str) -> tuple[str, ...]:
    """The words compared: romanised, numbers included (a house number tells places apart)."""
    return latin_tokens(text, digits=True)


def similarity(a: str, b: str, *, place: bool = False) -> float:
    """How alike two texts are: the Dice coefficient of their padded bigrams, or, when both
    have two words or more, the share of the shorter's bigrams in the longer's (an address
    with its floor added, a business with its legal form). Places whose numbers differ are
    different places."""
    left, right = _words(a), _words(b)
    if not left or not right:
        return 0.0
    if place:
        numbers_a = {t for t in left if t.isdigit()}
        numbers_b = {t for t in right if t.isdigit()}
        if numbers_a and numbers_b and not numbers_a & numbers_b:
            return 0.0
    ga, gb = set(bigrams(left)), set(bigrams(right))
    score = dice(ga, gb)
    if len(left) >= 2 and len(right) >= 2:  # noqa: PLR2004
        score = max(score, len(ga & gb) / min(len(ga), len(gb)))
    return score


def index(report: Report, account: Account) -> None:
    """The report's words as keyed hashes (replacing any before)."""
    ReportToken.objects.filter(report=report).delete()
    rows = {
        (code, digest("I" + code, token))
        for code, name in FIELDS.items()
        for token in _tokens(getattr(account, name))
    }
    ReportToken.objects.bulk_create(
        ReportToken(report=report, field=code, digest=value) for code, value in rows
    )


@dataclass(frozen=True)
class Match:
    report: Report
    field: str  # employer, where or people
    score: float


def _same(a: Account, a_country: str | None, b: Report) -> Match | None:
    other = account_of(b)
    best: Match | None = None
    for name, threshold in (("employer", EMPLOYER), ("where", PLACE), ("people", PEOPLE)):
        if name == "where" and a_country and b.country_id and a_country != b.country_id:
            continue
        score = similarity(getattr(a, name), getattr(other, name), place=name == "where")
        if score >= threshold and (best is None or score > best.score):
            best = Match(b, name, score)
    return best


def matches(report: Report, account: Account) -> list[Match]:
    """The reports of the same hotline in the window that are about the same."""
    since = report.received_at - dt.timedelta(days=WINDOW_DAYS)
    mine = ReportToken.objects.filter(report=report).values_list("field", "digest")
    if not mine:
        return []
    wanted: dict[str, list[str]] = {}
    for field, value in mine:
        wanted.setdefault(field, []).append(value)
    shared: Counter[str] = Counter()
    for field, values in wanted.items():  # one query per field, not one per word
        shared.update(
            str(other_id)
            for other_id in ReportToken.objects.filter(
                field=field,
                digest__in=values,
                report__hotline=report.hotline,
                report__received_at__gte=since,
            )
            .exclude(report=report)
            .values_list("report_id", flat=True)
        )
    top = [pk for pk, _n in shared.most_common(CANDIDATES)]
    found = []
    for candidate in Report.objects.filter(pk__in=top):
        match = _same(account, report.country_id, candidate)
        if match is not None:
            found.append(match)
    return sorted(found, key=lambda m: -m.score)


def _reference() -> str:
    return "S-{}".format(random_code(8))


def group(report: Report, account: Account | None = None) -> Situation | None:
    """Index the report and put it in the situation of the reports about the same (inside the
    caller's transaction); None when it matches none."""
    account = account or account_of(report)
    index(report, account)
    found = matches(report, account)
    if not found:
        return None
    with transaction.atomic():
        situations = list(
            Situation.objects.filter(
                pk__in={m.report.situation_id for m in found if m.report.situation_id}
            ).order_by("created_at")
        )
        if situations:
            kept = situations[0]
            for other in situations[1:]:  # two situations are one: merged into the oldest
                Report.objects.filter(situation=other).update(situation=kept)
                other.delete()
        else:
            kept = Situation.objects.create(hotline=report.hotline, reference=_reference())
        ids = [report.pk, *(m.report.pk for m in found)]
        Report.objects.filter(pk__in=ids).update(situation=kept)
        report.situation = kept
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=kept,
            after={
                "report": report.reference,
                "same_as": [m.report.reference for m in found],
                "by": sorted({m.field for m in found}),
            },
            actor_label="situations",
        )
    return kept


def situation_sizes(situations: list[Situation]) -> dict[str, int]:
    rows = (
        Report.objects.filter(situation__in=situations)
        .values("situation_id")
        .annotate(n=Count("id"))
    )
    return {str(r["situation_id"]): r["n"] for r in rows}
