"""A case-law entry drafted from a Palermo case (issue 17): a prosecutor starts from the case's
criminal proceedings, de-identified, and the draft says which of its victims' facts few persons
on this node share, so that whoever publishes it generalises them (or says why not) first.

What the draft takes from the case: each proceeding with a verdict as a finding (the suspect as
`D1`, `D2` ..., the charges as the provision applied, the verdict, the sentence, the assets
confiscated, the compensation ordered and paid); the victims as `V1`, `V2` ... (pseudonyms of
the draft, not the case's); their forms of exploitation; the countries of their routes; and, for
the facts, one line per victim with the age, citizenship and countries of the route, to be
rewritten by the prosecutor. Never a name, a date of birth, a document or a place below the
country. The court, its case number and the decision's date come from the prosecutor (the case
does not hold them).

**Re-identification risk**: for each victim, the combination of citizenship, age at registration
and country of exploitation is counted among the victims of every case on this node (the
statistics' stored facts); fewer than `K_ANONYMITY` sharing it is flagged. Publishing a flagged
draft needs a reason (audited): that the facts were generalised, or why they may stand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.caselaw import services
from palermo.caselaw.choices import Instance, Outcome, Status
from palermo.caselaw.models import Decision
from palermo.caselaw.schemas import FORMAT
from palermo.cases.access import case_get
from palermo.cases.caserecords import case_proceedings
from palermo.cases.choices import PersonRole, Verdict
from palermo.cases.htcds import TypeOfExploitation
from palermo.cases.models import Person, PersonFacts
from palermo.cases.selectors import case_persons
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.permissions import AnyUser, require_role

K_ANONYMITY = 5  # fewer victims than this sharing a victim's combination of facts: flagged
VICTIMS = (PersonRole.VICTIM, PersonRole.PRESUMED_VICTIM)
OUTCOMES = {
    Verdict.CONVICTED: Outcome.CONVICTED,
    Verdict.ACQUITTED: Outcome.ACQUITTED,
    Verdict.DISMISSED: Outcome.DISMISSED,
}


@dataclass(frozen=True)
class Court:
    """What the prosecutor says of the decision: the case does not hold it."""

    name: str
    country: str | None
    level: str
    decided_on: dt.date
    case_number: str
    language: str


def _victim_line(label: str, person: Person, facts: PersonFacts | None) -> str:
    age = (
        _("age not known")
        if person.age_at_registration is None
        else _("{} years old when registered").format(person.age_at_registration)
    )
    citizenship = ", ".join(person.citizenship) or _("citizenship not known")
    route = []
    if facts is not None:
        for code, text in (
            (facts.origin, _("recruited in {}")),
            (facts.destination, _("exploited in {}")),
        ):
            if code:
                route.append(text.format(code))
    return "{}: {}".format(label, "; ".join([age, citizenship, *route]))


def _risk(label: str, person: Person, facts: PersonFacts | None) -> str | None:
    """The flag of a victim whose combination of facts few victims on this node share."""
    citizenship = person.citizenship[0] if person.citizenship else ""
    destination = facts.destination if facts is not None else ""
    if not citizenship and person.age_at_registration is None and not destination:
        return None
    same = PersonFacts.objects.filter(
        role__in=VICTIMS,
        citizenship=citizenship,
        destination=destination,
        person__age_at_registration=person.age_at_registration,
    ).count()
    if same >= K_ANONYMITY:
        return None
    return _(
        "{label}: citizenship {citizenship}, age {age}, exploited in {place}: {n} victims on "
        "this node share this combination (fewer than {k}); generalise it before publishing."
    ).format(
        label=label,
        citizenship=citizenship or "—",
        age="—" if person.age_at_registration is None else person.age_at_registration,
        place=destination or "—",
        n=same,
        k=K_ANONYMITY,
    )


def _key(reference: str) -> str:
    base = "draft-{}".format("".join(ch for ch in reference.lower() if ch.isalnum())[:80])
    taken = set(Decision.objects.filter(key__startswith=base).values_list("key", flat=True))
    n = 1
    while "{}-{}".format(base, n) in taken:
        n += 1
    return "{}-{}".format(base, n)


def draft_from_case(*, actor: AnyUser | None, case: str, court: Court) -> Decision:
    """A draft decision from the proceedings of a case the prosecutor may see whole; its risks of
    re-identification flagged. The draft is seen by those who write case law only."""
    user = require_role(actor, Role.INVESTIGATOR)
    found, access = case_get(user, case)
    if not access.whole_case_facts:
        raise NotFoundError(_("No such case."), code="not_found")
    decided = [p for p in case_proceedings(found) if p.verdict in OUTCOMES]
    if not decided:
        raise ApplicationError(
            _("This case has no proceedings with a verdict: there is nothing to draft from."),
            code="conflict",
        )
    persons = case_persons(access)
    facts = {f.person_id: f for f in PersonFacts.objects.filter(person__in=persons)}
    victims = [p for p in persons if p.role in VICTIMS]
    victim_label = {p.pk: "V{}".format(i) for i, p in enumerate(victims, start=1)}
    suspects: dict[Any, str] = {}
    for proceeding in decided:
        key = proceeding.suspect_id or "unknown"
        suspects.setdefault(key, "D{}".format(len(suspects) + 1))
    known_forms = set(TypeOfExploitation.values)
    forms = sorted(
        {t for p in victims for t in (p.types_of_exploitation or ()) if t in known_forms}
    )
    countries = []
    for role, field in (
        ("origin", "origin"),
        ("transit", "transit"),
        ("destination", "destination"),
    ):
        codes = sorted({getattr(facts[p.pk], field) for p in victims if p.pk in facts} - {""})
        countries += [{"country": code, "role": role} for code in codes]
    lines = [_victim_line(victim_label[p.pk], p, facts.get(p.pk)) for p in victims]
    flags = [flag for p in victims if (flag := _risk(victim_label[p.pk], p, facts.get(p.pk)))]
    key = _key(found.reference)
    data = {
        "format": FORMAT,
        "decisions": [
            {
                "key": key,
                "title": _("Prosecutor v. {}").format(", ".join(suspects.values())),
                "court": {"name": court.name, "country": court.country, "level": court.level},
                "decided_on": court.decided_on.isoformat(),
                "case_number": court.case_number,
                "instance": court.level if court.level in Instance.values else Instance.FIRST,
                "language": court.language,
                "status": Status.DRAFT,
                "forms": forms,
                "countries": countries,
                "parties": [{"label": label, "role": "defendant"} for label in suspects.values()]
                + [{"label": label, "role": "victim"} for label in victim_label.values()],
                "findings": [
                    {
                        "party": suspects[p.suspect_id or "unknown"],
                        "provision": (p.charges or _("charges not recorded"))[:300],
                        "outcome": OUTCOMES[Verdict(p.verdict)],
                        "custody_months": p.sentence_months,
                        "confiscation": p.confiscated_amount,
                        "compensation_ordered": p.compensation_ordered,
                        "compensation_paid": p.compensation_paid,
                        "currency": p.currency,
                    }
                    for p in decided
                ],
                "summaries": [
                    {
                        "language": court.language,
                        "facts": "\n".join(
                            [_("Drafted from a case: rewrite these facts before publishing.")]
                            + lines
                        ),
                    }
                ],
            }
        ],
    }
    with transaction.atomic():
        services.decisions_import(actor=user, data=data)
        decision = Decision.objects.get(key=key)
        decision.from_case = found
        decision.risk_flags = flags
        decision.save(update_fields=["from_case", "risk_flags", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=decision,
            reason="case-law entry drafted from a case",
            after={"case": found.reference, "risks": len(flags)},
        )
    return decision
