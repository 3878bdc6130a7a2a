"""Generating demo cases: a route, a victim's story, suspects, witnesses, proceedings, closure.

Owns `generate` and `Generator.case` (one case, made to show a stage of `story.COVERAGE` or
drawn freely), the other persons of a case (`_suspect`, `_witness`), its proceedings, comments
and closure, and the demo pseudonyms (`Pseudonyms`). The victim's story is in `victim` and
`aftercare`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.demo.data import Profile, Route, demo_data
from palermo.cases.demo.draw import Draw, Reference
from palermo.cases.demo.story import (
    COVERAGE,
    POLICE,
    DCase,
    DMeasure,
    DPerson,
    all_dates,
    open_measures,
)
from palermo.cases.demo.victim import Victim, victim
from palermo.cases.models import Person
from palermo.cases.writer import ID_ALPHABET

# When a case opened, by what it is made to show (days before today); "" is drawn freely.
_RECENT = ("screened_out", "screening_only")
_MONTHS_AGO = ("return_planned", "referrals_every_status", "not_identified")


class Generator(Draw):
    """Draws cases; all randomness comes from one seeded generator."""

    def case(self, index: int, want: str) -> DCase:
        """One case; `want` is the stage it is made to show (story.COVERAGE) or ""."""
        routes = demo_data().routes
        route: Route = self.rng.choices(routes, weights=[r.weight for r in routes])[0]
        profile: Profile = self.rng.choices(
            route.profiles, weights=[p.weight for p in route.profiles]
        )[0]
        country = route.legs[-1][0]
        origin = route.legs[0][0]
        child = want in ("child_return_completed", "age_uncertain") or (
            want == "" and self.chance(profile.child)
        )
        female = self.chance(profile.female)
        target_end, opened = self._opened(want, self.ref.reflection_days(country))
        age = self.rng.randint(9, 17) if child else self.rng.randint(18, 45)
        age_uncertain = want == "age_uncertain" or (child and self.chance(0.1))
        title = "{} {}".format(
            "Girl" if child and female else "Boy" if child else "Woman" if female else "Man",
            "from {} in {}".format(dict(route.legs)[origin][0], self.pick(route.legs[-1][1])),
        )
        case = DCase(
            title=title, country=country, opened_on=opened, persons=[], features={want} - {""}
        )
        if self.chance(0.5):
            case.referring = POLICE
            case.incoming_referral_date = opened - self.days(0, 3)
            case.reason_for_incoming_referral = self.pick(
                [
                    h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
                    h.ReferralReason.MIGRATION_OR_CHANGE_OF_LOCATION,
                ]
            )
            case.incoming_referral_details = "Found during a labour inspection with the police."
        story = Victim(
            route=route,
            profile=profile,
            case=case,
            child=child,
            age=age,
            female=female,
            age_uncertain=age_uncertain,
            want=want,
            target_end=target_end,
        )
        case.persons.append(victim(self, story))
        if self.chance(0.15) and want == "":  # a second victim of the same exploiter
            second = Victim(
                route=route,
                profile=profile,
                case=case,
                child=False,
                age=self.rng.randint(18, 40),
                female=female,
                age_uncertain=False,
                stop_after_screening=self.chance(0.3),
                target_end=target_end,
            )
            case.persons.append(victim(self, second))
        suspects = (
            self.rng.randint(1, 2) if (want == "proceeding_compensation" or self.chance(0.6)) else 0
        )
        for _ in range(suspects):
            case.persons.append(self._suspect(route))
        if want == "witness_protection" or self.chance(0.15):
            case.persons.append(self._witness(route, case, force=want == "witness_protection"))
        self._proceedings(case, force=want == "proceeding_compensation")
        self._comments(case)
        self._closure(case, want)
        return case

    def _opened(self, want: str, minimum: int) -> tuple[dt.date | None, dt.date]:
        """When the case opened (recent cases are in the early stages), and when its reflection
        period is made to end (this week, or overdue) if that is what it shows."""
        if want in _RECENT:
            return None, self.today - self.days(0, 6)
        if want in ("reflection_this_week", "reflection_overdue"):
            target_end = (
                self.today + self.days(0, 6)
                if want == "reflection_this_week"
                else self.today - self.days(1, 9)
            )
            return target_end, target_end - dt.timedelta(days=minimum) - self.days(8, 15)
        if want in _MONTHS_AGO:
            return None, self.today - self.days(60, 200)
        if want:
            return None, self.today - self.days(400, 900)
        if self.chance(0.35):
            return None, self.today - self.days(0, 120)
        return None, self.today - self.days(120, 1100)

    def _suspect(self, route: Route) -> DPerson:
        female = self.chance(0.35)
        roles = self.some(
            [
                h.PerpetratorRole.RECRUITER_OR_INTERMEDIARY,
                h.PerpetratorRole.TRANSPORTER,
                h.PerpetratorRole.EXPLOITER,
                h.PerpetratorRole.CONTROLLED_INDIVIDUAL,
                h.PerpetratorRole.SMUGGLER,
            ],
            1,
            2,
        )
        person = DPerson(
            role=c.PersonRole.SUSPECT,
            facts={
                "role": c.PersonRole.SUSPECT,
                "gender": h.Gender.FEMININE if female else h.Gender.MASCULINE,
                "age_at_registration": self.rng.randint(24, 60),
                "citizenship": [self.pick([route.legs[0][0], route.legs[-1][0]])],
                "perpetrator_roles": roles,
                "perpetrator_role_details": "Known to the victims by a nickname.",
                "deceased": False,
                "age_uncertain": False,
                "agreement_to_manage_personal_data": False,
            },
        )
        if self.chance(0.5):
            person.identity = self.name(route.names, female)
        return person

    def _witness(self, route: Route, case: DCase, *, force: bool) -> DPerson:
        female = self.chance(0.5)
        person = DPerson(
            role=c.PersonRole.WITNESS,
            facts={
                "role": c.PersonRole.WITNESS,
                "gender": h.Gender.FEMININE if female else h.Gender.MASCULINE,
                "age_at_registration": self.rng.randint(20, 60),
                "citizenship": [route.legs[-1][0]],
                "deceased": False,
                "age_uncertain": False,
                "agreement_to_manage_personal_data": False,
            },
            identity=self.name(route.names, female),
        )
        if force or self.chance(0.4):
            start = self.past(case.opened_on + self.days(10, 60))
            person.measures.append(
                DMeasure(
                    c.MeasureKind.WITNESS_PROTECTION,
                    start,
                    None if self.chance(0.5) else start + self.days(180, 720),
                    c.MeasureStatus.ACTIVE,
                    POLICE,
                    True,
                )
            )
        return person

    def _proceedings(self, case: DCase, *, force: bool) -> None:
        suspects = [i for i, p in enumerate(case.persons) if p.role == c.PersonRole.SUSPECT]
        for index in suspects:
            if not (force or self.chance(0.6)):
                continue
            started = self.past(case.opened_on + self.days(10, 90))
            age = (self.today - started).days
            stages = [c.ProceedingStage.INVESTIGATION]
            if age > 120:
                stages += [c.ProceedingStage.PROSECUTION, c.ProceedingStage.TRIAL]
            if age > 300:
                stages += [
                    c.ProceedingStage.VERDICT,
                    c.ProceedingStage.APPEAL,
                    c.ProceedingStage.CLOSED,
                ]
            stage = c.ProceedingStage.VERDICT if force else self.pick(stages)
            item: dict[str, Any] = {
                "suspect": index,
                "stage": stage,
                "started_on": started,
                "charges": "Trafficking in persons (art. 3 of the Palermo Protocol as enacted).",
            }
            if stage in (
                c.ProceedingStage.VERDICT,
                c.ProceedingStage.APPEAL,
                c.ProceedingStage.CLOSED,
            ):
                self._verdict(item, case, started, force=force)
            case.proceedings.append(item)

    def _verdict(self, item: dict[str, Any], case: DCase, started: dt.date, *, force: bool) -> None:
        """A verdict; a conviction with a sentence, and maybe confiscation and compensation."""
        verdict = (
            c.Verdict.CONVICTED
            if force
            else self.pick(
                [c.Verdict.CONVICTED, c.Verdict.CONVICTED, c.Verdict.ACQUITTED, c.Verdict.DISMISSED]
            )
        )
        item["verdict"] = verdict
        item["verdict_on"] = self.past(started + self.days(200, 600))
        if verdict != c.Verdict.CONVICTED:
            return
        item["sentence_months"] = self.rng.randint(18, 144)
        item["currency"] = demo_data().currency.get(case.country, "USD")
        if force or self.chance(0.5):
            item["confiscated_amount"] = Decimal(self.rng.randint(5, 500) * 1000)
        if force or self.chance(0.5):
            ordered = Decimal(self.rng.randint(5, 80) * 1000)
            item["compensation_ordered"] = ordered
            if force or self.chance(0.4):
                item["compensation_paid"] = (
                    ordered
                    if force
                    else (ordered * Decimal(self.pick(["0.25", "0.5", "1"]))).quantize(Decimal("1"))
                )

    def _comments(self, case: DCase) -> None:
        texts = [
            "Interpreter booked for the next interview.",
            "Met the lawyer; the complaint will be filed next week.",
            "Safe house confirmed; transport arranged.",
            "Family contacted with the person's agreement.",
        ]
        for _ in range(self.rng.randint(0, 2)):
            case.comments.append(self.pick(texts))

    def _closure(self, case: DCase, want: str) -> None:
        victim_ = case.persons[0]
        last = max([case.opened_on, *all_dates(case)])
        if want == "screened_out":
            case.status = h.CaseStatus.CLOSED
            case.closed_on = self.past(last + self.days(0, 2))
            case.reason_for_closure = (
                "Not a presumed victim on the indicators; referred to general migrant services."
            )
            return
        if want == "closed_referred" or (
            not want and self.chance(0.05) and last < self.today - dt.timedelta(days=60)
        ):
            case.status = h.CaseStatus.CLOSED_REFERRED
            case.closed_on = self.past(last + self.days(1, 30))
            case.reason_for_closure = "Moved to another region; case handed over to the local NGO."
            return
        completed = any(r.status == c.ReturnStatus.COMPLETED for r in victim_.returns)
        pending_visit = any(v["done_on"] is None for v in victim_.follow_ups)
        if want == "follow_up" or (completed and pending_visit and not want):
            case.status = h.CaseStatus.FOLLOW_UP
            case.closed_on = None
            case.reason_for_closure = "Returned home; follow-up visits continue."
            case.features.add("reopened")
            return
        old = last < self.today - dt.timedelta(days=90)
        if want == "closed" or (
            not want
            and old
            and (completed or self.chance(0.3))
            and not pending_visit
            and not open_measures(case)
        ):
            case.status = h.CaseStatus.CLOSED
            case.closed_on = self.past(last + self.days(1, 60))
            case.reason_for_closure = (
                "Recovered; living independently."
                if not completed
                else "Returned home; reintegration completed."
            )


def generate(
    *, count: int, seed: int, today: dt.date | None = None, ref: Reference | None = None
) -> list[DCase]:
    """`count` cases; the first ones cover every stage (COVERAGE), the rest are drawn freely."""
    gen = Generator(seed=seed, today=today or timezone.localdate(), ref=ref or Reference.load())
    return [gen.case(i, COVERAGE[i] if i < len(COVERAGE) else "") for i in range(count)]


class Pseudonyms:
    """Deterministic pseudonyms for a seed and an organisation, so that two organisations loaded
    with the same seed do not collide; those already taken are skipped."""

    def __init__(self, *, seed: int, salt: str) -> None:
        self.rng = random.Random("{}:{}".format(seed, salt))  # noqa: S311 - demo ids, not secrets
        self.taken = set(
            Person.objects.filter(pseudonym__startswith="P-").values_list("pseudonym", flat=True)
        )

    def assign(self, cases: Sequence[DCase]) -> None:
        for case in cases:
            for person in case.persons:
                while True:
                    name = "P-" + "".join(self.rng.choice(ID_ALPHABET) for _ in range(10))
                    if name not in self.taken:
                        self.taken.add(name)
                        person.pseudonym = name
                        break


def assign_pseudonyms(cases: Sequence[DCase], *, seed: int, salt: str) -> None:
    Pseudonyms(seed=seed, salt=salt).assign(cases)
