"""Reads of the coding of a round's narrative answers: how far two coders agree (Cohen's kappa),
where they disagree, and which States' answers carry each theme, with the passages that show
it ("16 States mentioned awareness-raising campaigns" as a query, traceable to its passages).

The units are every text answer of a submitted or accepted reply to the round (to the code's
question, when the code is for one) and every code of the codebook. A coder applies a code to an
answer when they tagged at least one passage of it with the code. The final coding of a unit is
the decision taken on it if any; else the coders' agreement; units on which the coders disagree
without a decision are listed as unresolved and count nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from palermo.core.models import User
from palermo.monitoring.choices import QuestionKind
from palermo.monitoring.models import Answer, Code, Codebook, Coding, CodingDecision, Round
from palermo.monitoring.services.coding import CODED_STATUSES


def cohen_kappa(first: list[bool], second: list[bool]) -> float:
    """Cohen's kappa of two coders' yes/no judgements on the same units: 1 when they agree on
    every unit, 0 when they agree as often as chance would have them."""
    n = len(first)
    if n == 0 or n != len(second):
        raise ValueError("two equally long, non-empty lists of judgements")
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    yes_a, yes_b = sum(first) / n, sum(second) / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected == 1:
        return 1.0  # both coders said the same thing of every unit
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Unit:
    answer: int
    code: str
    country: str
    question: str


@dataclass
class Agreement:
    """Two coders on one round: kappa over every unit and per code, and their disagreements."""

    coders: tuple[str, str]
    units: int
    kappa: float
    by_code: dict[str, float]
    disagreements: list[tuple[Unit, bool, bool]] = field(default_factory=list)


def coded_answers(round_: Round) -> list[Answer]:
    """The round's narrative answers that are coded: those of submitted or accepted replies."""
    return _answers(round_)


@dataclass(frozen=True)
class Segment:
    """A stretch of an answer's text and the tags covering all of it (none: not coded)."""

    text: str
    codings: tuple[Coding, ...]


def segments(text: str, codings: list[Coding]) -> list[Segment]:
    """The answer's text cut where a tag starts or ends, each piece with the tags covering it;
    joined again, the pieces are the text (a page highlights the tagged ones)."""
    cuts = sorted({0, len(text)} | {c.start for c in codings} | {c.end for c in codings})
    cuts = [c for c in cuts if 0 <= c <= len(text)]
    out = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = tuple(c for c in codings if c.start <= start and c.end >= end)
        out.append(Segment(text[start:end], covering))
    return out


def _answers(round_: Round) -> list[Answer]:
    return list(
        Answer.objects.filter(
            submission__round=round_,
            submission__status__in=CODED_STATUSES,
            question__kind=QuestionKind.TEXT,
            value__isnull=False,
        )
        .select_related("question", "submission")
        .order_by("submission__country_id", "question__position")
    )


def _units(round_: Round, codebook: Codebook) -> list[tuple[Unit, Answer, Code]]:
    codes = list(codebook.codes.all())
    out = []
    for answer in _answers(round_):
        for code in codes:
            if code.question and code.question != answer.question.name:
                continue
            unit = Unit(answer.pk, code.key, answer.submission.country_id, answer.question.name)
            out.append((unit, answer, code))
    return out


def _tagged(
    round_: Round, codebook: Codebook
) -> tuple[dict[int, set[tuple[int, str]]], dict[tuple[int, str], list[str]]]:
    """By coder id, the (answer, code key) pairs they tagged; and by pair, its passages (each
    once, in the order of the answer)."""
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    passages: dict[tuple[int, str], list[str]] = defaultdict(list)
    for coder, answer, key, passage in (
        Coding.objects.filter(answer__submission__round=round_, code__codebook=codebook)
        .order_by("start")
        .values_list("coder_id", "answer_id", "code__key", "passage")
    ):
        found[coder].add((answer, key))
        if passage not in passages[(answer, key)]:
            passages[(answer, key)].append(passage)
    return found, passages


def agreement(round_: Round, codebook: Codebook, coders: tuple[int, int]) -> Agreement:
    """How far two coders (user ids) agree on the round's coding."""
    tagged, _passages = _tagged(round_, codebook)
    units = _units(round_, codebook)
    first = [(u.answer, u.code) in tagged.get(coders[0], set()) for u, _a, _c in units]
    second = [(u.answer, u.code) in tagged.get(coders[1], set()) for u, _a, _c in units]
    by_code: dict[str, tuple[list[bool], list[bool]]] = defaultdict(lambda: ([], []))
    for (unit, _a, _c), a, b in zip(units, first, second, strict=True):
        by_code[unit.code][0].append(a)
        by_code[unit.code][1].append(b)
    names = dict(User.objects.filter(pk__in=coders).values_list("pk", "username"))
    return Agreement(
        coders=(names.get(coders[0], "?"), names.get(coders[1], "?")),
        units=len(units),
        kappa=cohen_kappa(first, second) if units else 1.0,
        by_code={k: cohen_kappa(a, b) for k, (a, b) in sorted(by_code.items())},
        disagreements=[
            (unit, a, b)
            for (unit, _x, _y), a, b in zip(units, first, second, strict=True)
            if a != b
        ],
    )


@dataclass
class ThemeCount:
    """Which States' answers carry a theme, the passages that show it, and what is unresolved."""

    code: str
    label: dict[str, str]
    countries: list[str]
    passages: dict[str, list[str]]
    unresolved: list[str]


def theme_counts(round_: Round, codebook: Codebook) -> list[ThemeCount]:
    """Every code of the codebook with the States whose final coding carries it."""
    tagged, passages = _tagged(round_, codebook)
    coders = [c for c, pairs in tagged.items() if pairs]
    decisions = {
        (d.answer_id, d.code.key): d.applies
        for d in CodingDecision.objects.filter(
            answer__submission__round=round_, code__codebook=codebook
        ).select_related("code")
    }
    found: dict[str, ThemeCount] = {
        code.key: ThemeCount(code.key, code.label, [], {}, []) for code in codebook.codes.all()
    }
    for unit, _answer, _code in _units(round_, codebook):
        pair = (unit.answer, unit.code)
        says = [pair in tagged[c] for c in coders]
        if pair in decisions:
            applies: bool | None = decisions[pair]
        elif says and all(says):
            applies = True
        elif any(says):
            applies = None
        else:
            applies = False
        theme = found[unit.code]
        if applies is None:
            theme.unresolved.append(unit.country)
        elif applies and unit.country not in theme.countries:
            theme.countries.append(unit.country)
            theme.passages.setdefault(unit.country, [])
        if applies:
            theme.passages[unit.country] += passages.get(pair, [])
    for theme in found.values():
        theme.countries.sort()
        theme.unresolved = sorted(set(theme.unresolved) - set(theme.countries))
    return list(found.values())
