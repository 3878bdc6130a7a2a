"""The case page, the person page (with the audited reveal of identifying data) and a
screening's reasoned outcome: what the user's access covers, nothing more."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from palermo.cases import access as acl
from palermo.cases import caserecords, selectors, services
from palermo.cases import choices as c
from palermo.cases import forms as f
from palermo.cases.dates import day_text
from palermo.cases.documents import documents_text
from palermo.cases.models import Indicator, Person
from palermo.cases.notices import notices as case_notices
from palermo.cases.same_person import same_person
from palermo.cases.views.base import CasesView, scope_labels
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.lists import labels_text, list_text
from palermo.core.models import User
from palermo.core.views import page_user, render_htmx

# Events of one day in the order a case goes through them (the closing of the case last).
TIMELINE_ORDER = [
    "case",
    "screening",
    "identification",
    "movement",
    "referral",
    "measure",
    "best_interest",
    "return",
    "follow_up",
]


def _timeline(access: acl.CaseAccess) -> list[selectors.TimelineEvent]:
    def order(e: selectors.TimelineEvent) -> tuple[dt.date, int]:
        rank = TIMELINE_ORDER.index(e.kind) if e.kind in TIMELINE_ORDER else len(TIMELINE_ORDER)
        return (e.day, len(TIMELINE_ORDER) + 1 if e.closes else rank)

    return sorted(selectors.case_timeline(access), key=order)


def _fact_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """Non-identifying facts as (label, text) rows, leaving out what is empty."""
    rows: list[tuple[str, str]] = []
    for name, value in facts.items():
        if name in ("pseudonym", "is_child", "presumed_child") or value in (None, "", [], False):
            continue
        field = cast(Field[Any, Any], Person._meta.get_field(name))
        if name in services.MULTI_FIELDS:
            labels = dict(services.MULTI_FIELDS[name].choices)
            text = labels_text(labels.get(v, v) for v in value)
        elif field.choices:
            text = str(dict(field.flatchoices).get(value, value))
        elif value is True:
            text = _("yes")
        elif isinstance(value, list):
            text = list_text(value)
        else:
            text = str(value)
        rows.append((capfirst(str(field.verbose_name)), text))
    return rows


class CaseDetailView(CasesView):
    template_name = "cases/case_detail.html"

    def get(self, request: HttpRequest, case_id: str) -> HttpResponse:
        case, access = acl.case_get(page_user(request), case_id)
        selectors.case_records_prefetch(case)
        exploitation = dict(services.MULTI_FIELDS["types_of_exploitation"].choices)
        persons = []
        for p in selectors.case_persons(access):
            pf = selectors.person_facts(p, access)
            kinds = [str(exploitation.get(v, v)) for v in pf.get("types_of_exploitation", [])]
            persons.append((p, pf, kinds))
        shares = caserecords.case_shares(case, active_only=True) if access.owner else []
        context = {
            "case": case,
            "access": access,
            "facts": access.can(c.ShareScope.CASE_FACTS),
            "persons": persons,
            "timeline": _timeline(access),
            # Proceedings name suspects: only with the case facts of the whole case.
            "proceedings": caserecords.case_proceedings(case) if access.whole_case_facts else [],
            "comments": caserecords.case_comments(case) if access.owner else [],
            "shares": [(share, scope_labels(share.scopes)) for share in shares],
            "comment_form": f.CommentForm() if access.can_edit else None,
            "notices": case_notices(access),
        }
        return render(request, self.template_name, context)


def _person_context(user: User, person: Person, access: acl.CaseAccess) -> dict[str, Any]:
    records = selectors.person_records(person, access)
    return {
        "person": person,
        "case": person.case,
        "access": access,
        "fact_rows": _fact_rows(selectors.person_facts(person, access)),
        "facts": access.can(c.ShareScope.CASE_FACTS, person),
        "protection": access.can(c.ShareScope.PROTECTION, person),
        "consents": records["consents"],
        "screenings": records["screenings"],
        "identifications": records["identifications"],
        "movements": records["movements"],
        "guardians": records["guardians"],
        "bids": records["best_interest_determinations"],
        "returns": records["returns"],
        "follow_ups": records["follow_ups"],
        "support_plans": records["support_plans"],
        "measures": records["measures"],
        "referrals": [
            (r, scope_labels(r.scopes), "close" in acl.referral_actions(user, r))
            for r in records["referrals"]
        ],
        "timeline": [e for e in _timeline(access) if e.person == person.pseudonym],
        "same_person": same_person(user, person),
        "counted_under": selectors.person_counted_under(user, person),
        "may_read_identity": acl.identity_readable(user, person, access),
        "reveal_form": f.IdentityRevealForm(),
        "identity_rows": None,
    }


class PersonDetailView(CasesView):
    template_name = "cases/person_detail.html"

    def get(self, request: HttpRequest, pseudonym: str) -> HttpResponse:
        user = page_user(request)
        person, access = acl.person_get(user, pseudonym)
        return render(request, self.template_name, _person_context(user, person, access))


def _identity_text(key: str, value: Any) -> Any:
    """An identity field as the page shows it: documents and lists as one line."""
    if key == "documents":
        return documents_text(value)
    if key == "birthdate" and value:  # stored as ISO 8601: shown as every other date
        try:
            return day_text(dt.date.fromisoformat(str(value)))
        except ValueError:
            return value
    return list_text(value) if isinstance(value, list) else value


class IdentityRevealView(CasesView):
    """POST a reason, get the identifying data the user may see; the service audits the read."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    template_name = "cases/person_detail.html"
    partial_name = "cases/_identity.html"

    def post(self, request: HttpRequest, pseudonym: str) -> HttpResponse:
        user = page_user(request)
        person, access = acl.person_get(user, pseudonym)
        if not acl.identity_readable(user, person, access):
            raise NotFoundError(_("No such person."))
        context = _person_context(user, person, access)
        form = f.IdentityRevealForm(request.POST)
        context["reveal_form"] = form
        if form.is_valid():
            try:
                data = services.person_identity_read(
                    actor=user, person=person, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):  # not theirs to see: as the base view says
                    raise
                form.add_error("reason", exc.detail)
            else:
                context["identity_rows"] = [
                    (f.IDENTITY_LABELS.get(key, key), _identity_text(key, value))
                    for key, value in data.items()
                ]
        return render_htmx(request, self.template_name, self.partial_name, context)


class ScreeningDetailView(CasesView):
    """A screening's reasoned outcome: the indicators observed and the dimensions met."""

    template_name = "cases/screening_detail.html"

    def get(self, request: HttpRequest, pseudonym: str, pk: int) -> HttpResponse:
        person, access = acl.person_get(page_user(request), pseudonym)
        acl.require_scope(access, c.ShareScope.CASE_FACTS, person)
        screening = person.screenings.select_related("indicator_list").filter(pk=pk).first()
        if screening is None:
            raise NotFoundError(_("No such screening."))
        labels = dict(c.IndicatorDimension.choices)
        observed: dict[str, list[Indicator]] = {}
        for ind in Indicator.objects.filter(
            indicator_list=screening.indicator_list, code__in=screening.indicators
        ).order_by("dimension", "code"):
            observed.setdefault(ind.dimension, []).append(ind)
        dimensions = [
            (labels[d], d in screening.dimensions_met, observed.get(d, []))
            for d in c.IndicatorDimension.values
        ]
        context = {
            "person": person,
            "case": person.case,
            "access": access,
            "screening": screening,
            "verdict": screening.reasoning.split("\n", 1)[0],
            "dimensions": dimensions,
        }
        return render(request, self.template_name, context)
