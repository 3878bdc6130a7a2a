"""The needs States stated in their accepted replies (`needs`: a question's `palermo_need`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from palermo.core.models import User
from palermo.monitoring.choices import QuestionKind, SubmissionStatus
from palermo.monitoring.models import Answer, Round
from palermo.monitoring.needs import ANY, parts
from palermo.monitoring.selectors import round_list


@dataclass(frozen=True)
class StatedNeed:
    """A need a State stated in its reply to a round."""

    country: str
    theme: str
    profession: str  # "": any profession
    year: int  # the round's year
    source: str  # the round and the question


def _stated(need: str, kind: str, value: object) -> Iterable[tuple[str, str]]:
    theme, profession = parts(need)
    if kind == QuestionKind.YES_NO:
        if value == "yes":
            yield theme, profession
        return
    chosen = value if isinstance(value, list) else [value]
    for name in chosen:
        if not isinstance(name, str) or not name:
            continue
        if theme == ANY:
            yield name, profession
        else:
            yield theme, name


def stated_needs(*, user: object, country: str = "", year: int | None = None) -> list[StatedNeed]:
    """The needs States stated in their accepted replies that the user may read."""
    readable = Q(submission__round__published_at__isnull=False)
    if isinstance(user, User) and user.is_authenticated:
        readable |= Q(submission__round__in=round_list(user=user).values("pk"))
    answers = (
        Answer.objects.filter(readable, submission__status=SubmissionStatus.ACCEPTED)
        .exclude(question__need="")
        .filter(value__isnull=False)
        .select_related("question", "submission__round")
        .only(
            "value",
            "question__name",
            "question__kind",
            "question__need",
            "submission__country_id",
            "submission__round__title",
            "submission__round__as_of",
        )
    )
    if country:
        answers = answers.filter(submission__country_id=country)
    if year is not None:
        answers = answers.filter(submission__round__as_of__year__in=(year, year - 1))
    found: dict[tuple[str, str, str, int, str], StatedNeed] = {}
    for answer in answers:
        round_: Round = answer.submission.round
        source = "{} ({})".format(round_.title, answer.question.name)
        for theme, profession in _stated(answer.question.need, answer.question.kind, answer.value):
            need = StatedNeed(
                answer.submission.country_id, theme, profession, round_.as_of.year, source
            )
            found[(need.country, theme, profession, need.year, source)] = need
    return list(found.values())
