"""A demo victim's story, from recruitment to screening and identification.

Owns `victim`: who the person is (`_facts`, `_identity`), the journey (`_movements`), the
consents, the screening with an indicator list (`screening`) and the identification decision;
what follows for a presumed or identified victim (protection, referrals, return, support) is in
`aftercare`. Every random choice is drawn from the set's `Draw`, in a fixed order, so a seed
always tells the same story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.demo import aftercare
from palermo.cases.demo.data import Profile, Route, demo_data
from palermo.cases.demo.draw import Draw
from palermo.cases.demo.story import POLICE, VULNERABILITIES, DCase, DPerson, person_is_child
from palermo.cases.identification import assess, requires_means
from palermo.cases.models import Indicator

M = h.MethodOfControl


@dataclass(frozen=True)
class Victim:
    """What a victim's story is drawn from: the route, the form of exploitation, the case, who
    the person is, and what the case is made to show (`want`, one of story.COVERAGE or "")."""

    route: Route
    profile: Profile
    case: DCase
    child: bool
    age: int
    female: bool
    age_uncertain: bool
    want: str = ""
    stop_after_screening: bool = False
    target_end: dt.date | None = None  # when the reflection period must end (COVERAGE)


def victim(d: Draw, v: Victim) -> DPerson:
    """A victim's story: facts, journey, consents, screening, identification, then aftercare."""
    opened = v.case.opened_on
    born = opened - dt.timedelta(days=365 * v.age + d.rng.randint(1, 360))
    months_exploited = d.rng.randint(1, min(36, max(1, 12 * (v.age - 6))))
    trafficked_on = opened - dt.timedelta(days=30 * months_exploited + d.rng.randint(10, 90))
    trafficked_age = max(0, v.age - (opened - trafficked_on).days // 365)
    if trafficked_on < born:
        trafficked_on = born + dt.timedelta(days=365 * 6)
    facts = _facts(d, v, trafficked_age)
    person = DPerson(role=c.PersonRole.PRESUMED_VICTIM, facts=facts, identity=_identity(d, v, born))
    person.movements = _movements(d, v.route, trafficked_on, opened)
    _consents(d, person, opened, v.want)
    # Screening and identification.
    screened = d.past(opened + d.days(0, 5))
    negative = v.want == "screened_out"
    screening(d, person, screened, child=person_is_child(facts), negative=negative)
    if negative or v.want == "screening_only" or v.stop_after_screening:
        return person
    presumed = person.screenings[-1]["outcome"] == c.ScreeningOutcome.PRESUMED_VICTIM
    identified_on = screened + d.days(5, 45)
    if v.want in ("reflection_this_week", "reflection_overdue"):
        identified_on = d.today + dt.timedelta(days=1)  # not yet
    identified = identified_on <= d.today
    if identified:
        if not _identification(d, person, identified_on, v.want):
            return person
    elif not presumed:
        return person
    aftercare.aftercare(
        d,
        person,
        aftercare.Stage(
            route=v.route,
            case=v.case,
            want=v.want,
            screened=screened,
            identified=identified,
            identified_on=identified_on,
            target_end=v.target_end,
        ),
    )
    return person


def _facts(d: Draw, v: Victim, trafficked_age: int) -> dict[str, Any]:
    """The person's HTCDS facts as first recorded (the dict's order is the order of drawing)."""
    route, profile, child = v.route, v.profile, v.child
    return {
        "gender": h.Gender.FEMININE if v.female else h.Gender.MASCULINE,
        "age_at_registration": None if v.age_uncertain else v.age,
        "age_uncertain": v.age_uncertain,
        "citizenship": [route.legs[0][0]],
        "primary_language": route.languages[0],
        "secondary_language": route.languages[1]
        if len(route.languages) > 1 and d.chance(0.5)
        else "",
        "marital_status": ""
        if child
        else d.pick(["Single", "Single", "Married", "Divorced", "Separated"]),
        "number_of_children": None if child else d.rng.choice([0, 0, 1, 2, 3]),
        "education": d.pick(
            ["PrimaryEducation", "LowerSecondaryEducation"]
            if child
            else [
                "PrimaryEducation",
                "LowerSecondaryEducation",
                "UpperSecondaryEducation",
                "ShortCycleTertiaryEducation",
            ]
        ),
        "age_when_trafficked": trafficked_age,
        "methods_of_recruitment": d.some(route.recruitment, 1, 2),
        "recruitment_websites_and_apps": d.some(route.websites, 0, 2) if route.websites else [],
        "methods_of_control": d.some(
            [*profile.control, M.FALSE_PROMISES, M.PSYCHOLOGICAL_ABUSE, M.PHYSICAL_THREATS], 2, 4
        ),
        "types_of_exploitation": sorted(profile.exploitation),
        "types_of_sex_exploitation": list(profile.sex),
        "forced_labour_industry": d.pick(profile.industries) if profile.industries else "",
        "exploitation_websites_and_apps": d.some(route.websites, 0, 1)
        if profile.sex and route.websites
        else [],
        "vulnerabilities": d.some(VULNERABILITIES, 1, 3),
        "relationship_to_trafficker": d.pick(
            ["Familial", "Acquainted", "Acquainted", "Unaquainted"]
        ),
        "location_of_recruitment": d.pick(route.legs[0][1]),
        "location_of_exploitation": d.pick(route.legs[-1][1]),
        "details_of_vulnerabilities": d.pick(
            [
                "Left school early to support the family.",
                "Debt to the recruiter for the journey.",
                "Irregular stay; afraid of deportation.",
                "Lost contact with family during the journey.",
            ]
        ),
        "deceased": False,
        "agreement_to_manage_personal_data": False,
    }


def _identity(d: Draw, v: Victim, born: dt.date) -> dict[str, Any]:
    """An invented name, the birthdate when the age is known, maybe a nickname, the state of
    the person's documents and a phone number."""
    identity = d.name(v.route.names, v.female)
    if not v.age_uncertain:
        identity["birthdate"] = born.isoformat()
    if d.chance(0.2):
        identity["aliases"] = [d.pick(demo_data().nicknames)]
    if d.chance(0.4):
        identity["documents"] = [
            {
                "description": d.pick(
                    [
                        "Passport confiscated by the employer",
                        "No documents",
                        "Expired national ID card",
                    ]
                )
            }
        ]
    if d.chance(0.5):
        identity["mobile_phone"] = "+{} {:03d} {:03d} {:03d}".format(
            d.rng.randint(20, 998),
            d.rng.randint(0, 999),
            d.rng.randint(0, 999),
            d.rng.randint(0, 999),
        )
    return identity


def _movements(
    d: Draw, route: Route, trafficked_on: dt.date, opened: dt.date
) -> list[dict[str, Any]]:
    """Recruitment, transits, exploitation (ended when the person got out), none after the
    case opened."""
    movements = []
    day = trafficked_on
    for n, (iso3, places) in enumerate(route.legs):
        last = n == len(route.legs) - 1
        kind = (
            h.EventType.RECRUITMENT
            if n == 0
            else h.EventType.EXPLOITATION
            if last
            else h.EventType.TRANSIT
        )
        start = day
        end = None
        if kind == h.EventType.TRANSIT:
            end = start + d.days(3, 60)
            day = end + d.days(1, 5)
        elif kind == h.EventType.EXPLOITATION:
            end = opened - d.days(0, 5) if d.chance(0.8) else None
            if end is not None and end < start:
                end = start
        else:
            day = start + d.days(1, 10)
        start = min(start, opened)
        if end is not None and end > opened:
            end = opened
        movements.append(
            {
                "event_type": kind,
                "country": iso3,
                "city": d.pick(places),
                "date": start if (kind != h.EventType.EXPLOITATION or d.chance(0.9)) else None,
                "end_date": end if end is None or end >= start else start,
                "description": "",
            }
        )
    return movements


def _consents(d: Draw, person: DPerson, opened: dt.date, want: str) -> None:
    """Consent to assistance, often to data sharing (sometimes withdrawn), some to research."""
    if d.chance(0.95) or want:
        person.consents.append(
            {
                "purpose": c.ConsentPurpose.ASSISTANCE,
                "given_on": opened,
                "withdrawn_on": None,
                "notes": "",
            }
        )
    sharing = want in ("consent_withdrawn", "referrals_every_status") or d.chance(0.55)
    if sharing:
        given = d.past(opened + d.days(0, 3))
        withdrawn = None
        if want == "consent_withdrawn" or d.chance(0.08):
            withdrawn = d.past(given + d.days(10, 120))
        person.consents.append(
            {
                "purpose": c.ConsentPurpose.DATA_SHARING,
                "given_on": given,
                "withdrawn_on": withdrawn,
                "notes": "explained with an interpreter",
            }
        )
        person.facts["agreement_to_manage_personal_data"] = True
    if d.chance(0.25):
        person.consents.append(
            {
                "purpose": c.ConsentPurpose.RESEARCH,
                "given_on": d.past(opened + d.days(0, 20)),
                "withdrawn_on": None,
                "notes": "",
            }
        )


def _identification(d: Draw, person: DPerson, identified_on: dt.date, want: str) -> bool:
    """The police's decision, which sets the person's role and status; True if identified."""
    identified = not (want == "not_identified" or (not want and d.chance(0.07)))
    decision = (
        c.IdentificationDecision.IDENTIFIED
        if identified
        else c.IdentificationDecision.NOT_IDENTIFIED
    )
    person.identification = {
        "authority": POLICE,
        "decision": decision,
        "decision_org_type": h.StatusDecisionOrg.POLICE,
        "decided_on": identified_on,
        "reasoning": "Interview with an interpreter and the screening; {}.".format(
            "indicators corroborated by the labour inspection"
            if identified
            else "the account could not be corroborated"
        ),
    }
    facts = person.facts
    if identified:
        facts["trafficking_status"] = h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
        facts["role"] = c.PersonRole.VICTIM
    else:
        facts["trafficking_status"] = h.TraffickingStatus.NOT_A_VICTIM_OF_TRAFFICKING
        facts["role"] = c.PersonRole.PRESUMED_VICTIM
    facts["status_decision_org"] = h.StatusDecisionOrg.POLICE
    return identified


_RANK: dict[str, int] = {
    c.IndicatorStrength.STRONG: 0,
    c.IndicatorStrength.MEDIUM: 1,
    c.IndicatorStrength.WEAK: 2,
}


def screening(d: Draw, person: DPerson, day: dt.date, *, child: bool, negative: bool) -> None:
    """A screening with the indicator list for the person's age and form of exploitation: made
    negative (the weakest indicators only) or positive (indicators of recruitment, exploitation
    and, where the list needs means, coercion). A presumed victim's role and status follow."""
    sexual = h.TypeOfExploitation.SEXUAL_EXPLOITATION in person.facts["types_of_exploitation"]
    targets = (
        (["child_sexual", "child_labour"] if sexual else ["child_labour"])
        if child
        else (["adult_sexual", "adult_labour"] if sexual else ["adult_labour"])
    )
    lists = d.ref.lists
    target = next((t for t in targets if t in lists), None) or sorted(lists)[0]
    lst, indicators = lists[target]
    by_dim: dict[str, list[Indicator]] = {}
    for ind in indicators:
        by_dim.setdefault(ind.dimension, []).append(ind)
    for items in by_dim.values():
        items.sort(key=lambda i: (_RANK.get(i.strength, 3), i.code))
    chosen = _negative(by_dim) if negative else _positive(d, by_dim, requires_means(lst))
    result = assess(chosen, requires_means=requires_means(lst))
    notes = "Screened with an interpreter."
    person.screenings.append(
        {
            "list": lst,
            "indicators": sorted({i.code for i in chosen}),
            "dimensions_met": result.dimensions_met,
            "outcome": result.outcome,
            "reasoning": result.reasoning + "\n\nNotes: " + notes,
            "notes": notes,
            "screened_on": day,
        }
    )
    if (
        result.outcome == c.ScreeningOutcome.PRESUMED_VICTIM
        and person.facts.get("trafficking_status")
        != h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
    ):
        person.facts["role"] = c.PersonRole.PRESUMED_VICTIM
        person.facts["trafficking_status"] = h.TraffickingStatus.POSSIBLE_VICTIM_OF_TRAFFICKING


def _negative(by_dim: dict[str, list[Indicator]]) -> list[Indicator]:
    """The weakest indicator of deceptive recruitment and of exploitation: not enough."""
    chosen: list[Indicator] = []
    for dim in (c.IndicatorDimension.DECEPTIVE_RECRUITMENT, c.IndicatorDimension.EXPLOITATION):
        weakest = [i for i in by_dim.get(dim, []) if i.strength != c.IndicatorStrength.STRONG]
        chosen += weakest[:1]
    return chosen


def _positive(d: Draw, by_dim: dict[str, list[Indicator]], means: bool) -> list[Indicator]:
    """The strongest indicator and up to two more of recruitment, exploitation and (always when
    the list needs means, else sometimes) coercion at destination."""
    recruitment = d.pick(
        [
            dim
            for dim in (
                c.IndicatorDimension.DECEPTIVE_RECRUITMENT,
                c.IndicatorDimension.COERCIVE_RECRUITMENT,
            )
            if by_dim.get(dim)
        ]
        or [c.IndicatorDimension.RECRUITMENT_ABUSE_OF_VULNERABILITY]
    )
    dims = [recruitment, c.IndicatorDimension.EXPLOITATION]
    if means or d.chance(0.5):
        dims.append(c.IndicatorDimension.COERCION_AT_DESTINATION)
    chosen: list[Indicator] = []
    for dim in dims:
        items = by_dim.get(dim, [])
        if not items:
            continue
        chosen.append(items[0])
        rest = items[1:]
        chosen += d.rng.sample(rest, min(len(rest), 2))
    return chosen
