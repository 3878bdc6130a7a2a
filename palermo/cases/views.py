"""Case worker pages: thin views over the cases selectors and services.

Every page finds its case or person through `palermo.cases.access`, so a case the user may not
see answers 404 (never 403) and lists simply leave it out; roles that never see cases get 404
too. Identifying data appears only after the user POSTs a reason (`person_identity_read` writes
the audit entry) and never in a URL. Forms only parse; services validate, write and audit, and
their `ApplicationError`s are shown as form errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Field, Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from palermo.cases import access as acl
from palermo.cases import choices as c
from palermo.cases import forms as f
from palermo.cases import selectors, services
from palermo.cases.models import Case, Indicator, IndicatorList, Person, Referral
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import has_role

CASE_PAGE_ROLES = (Role.CASE_WORKER, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR)
IDENTIFYING_SCOPES = frozenset({c.ShareScope.IDENTITY, c.ShareScope.CONTACT})
SCOPE_LABELS = dict(c.ShareScope.choices)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _render_htmx(
    request: HttpRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The partial for an htmx request, else the whole page (also for an htmx history restore)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    wants_partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, partial if wants_partial else page, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def _private(response: HttpResponse) -> HttpResponse:
    """Pages about cases are never cached by browsers or proxies."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _safe_next(request: HttpRequest, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback


class CasesView(View):
    """Base of every case page: login required; roles that never see cases get 404."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_role(request.user, *CASE_PAGE_ROLES):
            raise Http404(_("No such page."))
        try:
            response = super().dispatch(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.detail) from exc
        except ForbiddenError as exc:
            raise PermissionDenied(exc.detail) from exc
        if isinstance(response, HttpResponse):
            _private(response)
        return response


# --- lists ---------------------------------------------------------------------------------------


class CaseListView(CasesView):
    """Cases the user may see, searched and filtered; htmx swaps only the results."""

    template_name = "cases/case_list.html"
    partial_name = "cases/_case_results.html"
    paginate_by = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        form = f.CaseFilterForm(request.GET or None)
        cases = selectors.case_list(user=user, **form.filters())
        page = Paginator(cases, self.paginate_by).get_page(request.GET.get("page"))
        context = {
            "form": form,
            "page": page,
            "own_org": user.organisation_id,
            "sees_titles": user.role == Role.NATIONAL_COORDINATOR,
            "can_open": has_role(user, *acl.CASE_ROLES),
            "filtered": any(v not in ("", None) for v in form.filters().values()),
        }
        return _render_htmx(request, self.template_name, self.partial_name, context)


class DeadlineBoardView(CasesView):
    """What ends or is overdue in the coming days for the user's organisation."""

    template_name = "cases/deadlines.html"
    horizons = (7, 14, 30)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = _user(request)
        try:
            days = int(request.GET.get("days", "7"))
        except ValueError:
            days = 7
        if days not in self.horizons:
            days = 7
        today = timezone.localdate()
        board = selectors.deadline_board(user=user, days=days, today=today)
        rows = [(d, (d.day - today).days) for d in board]
        context = {
            "organisation": user.organisation,
            "days": days,
            "horizons": self.horizons,
            "today": today,
            "horizon": today + dt.timedelta(days=days),
            "overdue": [(d, -n) for d, n in rows if d.overdue],
            "upcoming": [(d, n) for d, n in rows if not d.overdue],
        }
        return render(request, self.template_name, context)


def _scope_labels(scopes: Iterable[str]) -> list[str]:
    """Short names of share scopes: "Case facts", not "Case facts (exploitation, ...)"."""
    return [str(SCOPE_LABELS.get(s, s)).split(" (", maxsplit=1)[0] for s in scopes]


# Events of one day in the order a case goes through them.
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
        closed = e.kind == "case" and e.text != "Case opened"
        return (e.day, len(TIMELINE_ORDER) + 1 if closed else rank)

    return sorted(selectors.case_timeline(access), key=order)


def _referral_item(referral: Referral) -> dict[str, Any]:
    """A referral as the receiving organisation sees it: what it shares and nothing else."""
    share = referral.share
    return {
        "referral": referral,
        "scopes": _scope_labels(referral.scopes),
        "open": share.revoked_at is None,
        "actions": _referral_actions(referral),
    }


def _referral_actions(referral: Referral) -> list[tuple[str, str]]:
    labels = {
        "accept": _("Accept"),
        "decline": _("Decline"),
        "deliver": _("Service delivered"),
        "close": _("Close"),
    }
    return [
        (action, labels[action])
        for action, (allowed, _target) in services.REFERRAL_TRANSITIONS.items()
        if referral.status in allowed
    ]


class ReferralInboxView(CasesView):
    """Referrals addressed to the user's organisation, with their answers."""

    template_name = "cases/inbox.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        status = request.GET.get("status", "")
        if status not in c.ReferralStatus.values:
            status = ""
        referrals = selectors.referral_inbox(user=_user(request), status=status).select_related(
            "share"
        )
        context = {
            "items": [_referral_item(r) for r in referrals],
            "status": status,
            "statuses": c.ReferralStatus.choices,
            "organisation": _user(request).organisation,
        }
        return render(request, self.template_name, context)


class ReferralActionView(CasesView):
    """Accept, decline or deliver (receiving organisation); close (either side)."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        user = _user(request)
        if action not in services.REFERRAL_TRANSITIONS:
            raise Http404(_("No such action."))
        referral = selectors.referral_inbox(user=user).select_related("share").filter(pk=pk).first()
        if referral is None and action == "close":
            referral = (
                selectors.referral_outbox(user=user).select_related("share").filter(pk=pk).first()
            )
        if referral is None:
            raise Http404(_("No such referral."))
        form = f.ReferralActionForm(request.POST)
        error = ""
        if form.is_valid():
            try:
                services.referral_transition(
                    actor=user, referral=referral, action=action, note=form.cleaned_data["note"]
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                error = exc.detail
        else:
            error = _("The note is too long.")
        referral.refresh_from_db()
        if request.htmx:  # type: ignore[attr-defined]
            item = _referral_item(referral)
            return render(request, "cases/_referral.html", {"item": item, "error": error})
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("Referral {}: {}.").format(
                    referral.person.pseudonym, referral.get_status_display()
                ),
            )
        return redirect(_safe_next(request, reverse("cases:inbox")))


# --- the case page -------------------------------------------------------------------------------


def _fact_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """Non-identifying facts as (label, text) rows, leaving out what is empty."""
    rows: list[tuple[str, str]] = []
    for name, value in facts.items():
        if name in ("pseudonym", "is_child") or value in (None, "", [], False):
            continue
        field = cast(Field[Any, Any], Person._meta.get_field(name))
        if name in services.MULTI_FIELDS:
            labels = dict(services.MULTI_FIELDS[name].choices)
            text = ", ".join(str(labels.get(v, v)) for v in value)
        elif field.choices:
            text = str(dict(field.flatchoices).get(value, value))
        elif value is True:
            text = _("yes")
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((capfirst(str(field.verbose_name)), text))
    return rows


class CaseDetailView(CasesView):
    template_name = "cases/case_detail.html"

    def get(self, request: HttpRequest, case_id: str) -> HttpResponse:
        case, access = acl.case_get(_user(request), case_id)
        selectors.case_records_prefetch(case)
        facts = access.can(c.ShareScope.CASE_FACTS)
        exploitation = dict(services.MULTI_FIELDS["types_of_exploitation"].choices)
        persons = []
        for p in selectors.case_persons(access):
            pf = selectors.person_facts(p, access)
            kinds = [str(exploitation.get(v, v)) for v in pf.get("types_of_exploitation", [])]
            persons.append((p, pf, kinds))
        shares = (
            case.shares.filter(revoked_at__isnull=True).select_related("organisation")
            if access.owner
            else []
        )
        context = {
            "case": case,
            "access": access,
            "facts": facts,
            "persons": persons,
            "timeline": _timeline(access),
            # Proceedings name suspects: not for a share limited to some persons.
            "proceedings": (
                case.proceedings.select_related("suspect") if facts and not access.persons else []
            ),
            "comments": case.comments.select_related("author") if access.owner else [],
            "shares": [(share, _scope_labels(share.scopes)) for share in shares],
            "comment_form": f.CommentForm() if access.can_edit else None,
        }
        return render(request, self.template_name, context)


def _person_context(user: User, person: Person, access: acl.CaseAccess) -> dict[str, Any]:
    facts_scope = access.can(c.ShareScope.CASE_FACTS, person)
    protection = access.can(c.ShareScope.PROTECTION, person)

    def rows(related: str, *select: str) -> Iterable[Model]:
        manager = getattr(person, related)
        qs: Iterable[Model] = manager.select_related(*select) if select else manager.all()
        return qs

    referrals = person.referrals.select_related("to_organisation", "from_organisation")
    closable = services.REFERRAL_TRANSITIONS["close"][0]
    if not access.owner:
        referrals = referrals.filter(to_organisation_id=user.organisation_id)
    return {
        "person": person,
        "case": person.case,
        "access": access,
        "fact_rows": _fact_rows(selectors.person_facts(person, access)),
        "facts": facts_scope,
        "protection": protection,
        "consents": rows("consents") if facts_scope else [],
        "screenings": rows("screenings", "indicator_list", "screened_by") if facts_scope else [],
        "identifications": rows("identifications", "authority") if facts_scope else [],
        "movements": rows("movements", "country") if facts_scope else [],
        "guardians": rows("guardians", "organisation") if facts_scope else [],
        "bids": rows("best_interest_determinations", "decided_by") if facts_scope else [],
        "returns": (
            rows("returns", "destination", "receiving_authority__organisation")
            if facts_scope
            else []
        ),
        "follow_ups": rows("follow_ups") if facts_scope else [],
        "support_plans": rows("support_plans") if facts_scope else [],
        "measures": rows("measures", "decided_by") if protection else [],
        "referrals": [(r, _scope_labels(r.scopes), r.status in closable) for r in referrals],
        "timeline": [e for e in _timeline(access) if e.person == person.pseudonym],
        "may_read_identity": _may_read_identity(user, person, access),
        "reveal_form": f.IdentityRevealForm(),
        "identity_rows": None,
    }


def _may_read_identity(user: User, person: Person, access: acl.CaseAccess) -> bool:
    return (
        user.role in acl.CASE_ROLES
        and access.sees_person(person)
        and bool(IDENTIFYING_SCOPES & access.scopes_for(person))
    )


class PersonDetailView(CasesView):
    template_name = "cases/person_detail.html"

    def get(self, request: HttpRequest, pseudonym: str) -> HttpResponse:
        user = _user(request)
        person, access = acl.person_get(user, pseudonym)
        return render(request, self.template_name, _person_context(user, person, access))


class IdentityRevealView(CasesView):
    """POST a reason, get the identifying data the user may see; the service audits the read."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    template_name = "cases/person_detail.html"
    partial_name = "cases/_identity.html"

    def post(self, request: HttpRequest, pseudonym: str) -> HttpResponse:
        user = _user(request)
        person, access = acl.person_get(user, pseudonym)
        if not _may_read_identity(user, person, access):
            raise Http404(_("No such person."))
        context = _person_context(user, person, access)
        form = f.IdentityRevealForm(request.POST)
        context["reveal_form"] = form
        if form.is_valid():
            try:
                data = services.person_identity_read(
                    actor=user, person=person, reason=form.cleaned_data["reason"]
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error("reason", exc.detail)
            else:
                context["identity_rows"] = [
                    (
                        f.IDENTITY_LABELS.get(key, key),
                        ", ".join(value) if isinstance(value, list) else value,
                    )
                    for key, value in data.items()
                ]
        return _render_htmx(request, self.template_name, self.partial_name, context)


class ScreeningDetailView(CasesView):
    """A screening's reasoned outcome: the indicators observed and the dimensions met."""

    template_name = "cases/screening_detail.html"

    def get(self, request: HttpRequest, pseudonym: str, pk: int) -> HttpResponse:
        person, access = acl.person_get(_user(request), pseudonym)
        acl.require_scope(access, c.ShareScope.CASE_FACTS, person)
        screening = person.screenings.select_related("indicator_list").filter(pk=pk).first()
        if screening is None:
            raise Http404(_("No such screening."))
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


# --- steps: one form, one service call -----------------------------------------------------------


class StepView(CasesView):
    """A page with one form whose valid input goes to one service; errors stay on the form."""

    form_class: type[forms.Form]
    title: Any = ""
    intro: Any = ""
    submit_label: Any = gettext_lazy("Save")
    template_name = "cases/step.html"

    case: Case
    access: acl.CaseAccess
    person: Person | None = None

    def resolve(self, **kwargs: Any) -> None:
        raise NotImplementedError

    def form_kwargs(self) -> dict[str, Any]:
        return {}

    def initial(self) -> dict[str, Any]:
        return {}

    def perform(self, form: Any) -> Any:
        raise NotImplementedError

    def success_url(self, obj: Any) -> str:
        return self.cancel_url()

    def success_message(self, obj: Any) -> str:
        return _("Saved.")

    def cancel_url(self) -> str:
        """Back to the person, or to the case."""
        if self.person is not None:
            return reverse("cases:person", args=[self.person.pseudonym])
        return reverse("cases:detail", args=[self.case.pk])

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "case": self.case,
            "person": self.person,
            "cancel_url": self.cancel_url(),
        }

    def _setup(self, **kwargs: Any) -> None:
        self.resolve(**kwargs)
        if not self.access.can_edit:
            raise PermissionDenied(_("Only the organisation holding the case can change it."))

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._setup(**kwargs)
        return self.show(request)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._setup(**kwargs)
        return self.submit(request)

    def show(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(initial=self.initial(), **self.form_kwargs())
        return render(request, self.template_name, self.context(form))

    def submit(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, initial=self.initial(), **self.form_kwargs())
        if form.is_valid():
            try:
                obj = self.perform(form)
            except ApplicationError as exc:
                # Access was checked above, so this is about the input (an unknown code too).
                form.add_error(None, exc.detail)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, self.success_message(obj))
                return redirect(self.success_url(obj))
        return render(request, self.template_name, self.context(form))


class CaseStepView(StepView):
    def resolve(self, **kwargs: Any) -> None:
        self.case, self.access = acl.case_get(_user(self.request), kwargs["case_id"])


class PersonStepView(StepView):
    def resolve(self, **kwargs: Any) -> None:
        person, self.access = acl.person_get(_user(self.request), kwargs["pseudonym"])
        self.person, self.case = person, person.case

    @property
    def p(self) -> Person:
        assert self.person is not None  # noqa: S101 - resolve() sets it
        return self.person


class ObjectStepView(PersonStepView):
    """A step on one record of a person (a consent, a measure, a return, a visit)."""

    related: str
    obj: Any

    def resolve(self, **kwargs: Any) -> None:
        super().resolve(**kwargs)
        self.obj = getattr(self.p, self.related).filter(pk=kwargs["pk"]).first()
        if self.obj is None:
            raise Http404(_("No such record."))


# Cases


class CaseOpenView(StepView):
    form_class = f.CaseOpenForm
    title = gettext_lazy("Open a case")
    intro = gettext_lazy(
        "The case is held by your organisation. Add the persons in it on the next page."
    )
    submit_label = gettext_lazy("Open the case")

    def _setup(self, **kwargs: Any) -> None:
        if not has_role(self.request.user, *acl.CASE_ROLES):
            raise PermissionDenied(_("Only case workers and investigators open cases."))

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "cancel_url": reverse("cases:list"),
        }

    def perform(self, form: f.CaseOpenForm) -> Case:
        d = form.cleaned_data
        return services.case_open(
            actor=self.request.user,
            opened_on=d["opened_on"],
            title=d["title"],
            country=d["country"] or None,
            referring_organisation=d["referring_organisation"],
            incoming_referral_date=d["incoming_referral_date"],
            reason_for_incoming_referral=d["reason_for_incoming_referral"],
            incoming_referral_details=d["incoming_referral_details"],
        )

    def success_url(self, obj: Any) -> str:
        return reverse("cases:detail", args=[obj.pk])

    def success_message(self, obj: Any) -> str:
        return _("Case {} opened.").format(obj.reference)


class CaseEditView(CaseStepView):
    form_class = f.CaseEditForm
    title = gettext_lazy("Edit the case details")

    def initial(self) -> dict[str, Any]:
        return {name: getattr(self.case, name) for name in services.CASE_FIELDS}

    def perform(self, form: f.CaseEditForm) -> Case:
        return services.case_update(actor=self.request.user, case=self.case, **form.cleaned_data)


class CaseCloseView(CaseStepView):
    form_class = f.CaseCloseForm
    title = gettext_lazy("Close the case")
    intro = gettext_lazy(
        "A closed case is anonymised when the retention period of its country has passed."
    )
    submit_label = gettext_lazy("Close the case")

    def perform(self, form: f.CaseCloseForm) -> Case:
        d = form.cleaned_data
        return services.case_close(
            actor=self.request.user,
            case=self.case,
            reason=d["reason"],
            closed_on=d["closed_on"],
            referred=d["referred"],
        )

    def success_message(self, obj: Any) -> str:
        return _("Case {} closed.").format(obj.reference)


class CaseReopenView(CaseStepView):
    form_class = f.ConfirmForm
    title = gettext_lazy("Reopen the case")
    intro = gettext_lazy("The case goes back to follow-up.")
    submit_label = gettext_lazy("Reopen the case")

    def perform(self, form: f.ConfirmForm) -> Case:
        return services.case_reopen(actor=self.request.user, case=self.case)

    def success_message(self, obj: Any) -> str:
        return _("Case {} reopened.").format(obj.reference)


class CommentView(CaseStepView):
    form_class = f.CommentForm
    title = gettext_lazy("Add a comment")
    submit_label = gettext_lazy("Add the comment")

    def perform(self, form: f.CommentForm) -> Any:
        return services.comment_add(
            actor=self.request.user, case=self.case, text=form.cleaned_data["text"]
        )

    def success_url(self, obj: Any) -> str:
        return reverse("cases:detail", args=[self.case.pk]) + "#comments"


class ProceedingView(CaseStepView):
    form_class = f.ProceedingForm
    title = gettext_lazy("Record criminal proceedings")

    def form_kwargs(self) -> dict[str, Any]:
        return {"suspects": self.case.persons.filter(role=c.PersonRole.SUSPECT)}

    def perform(self, form: f.ProceedingForm) -> Any:
        d = form.cleaned_data
        return services.proceeding_record(
            actor=self.request.user,
            case=self.case,
            stage=d["stage"],
            started_on=d["started_on"],
            suspect=d["suspect"],
            **form.details(),
        )


class PersonAddView(CaseStepView):
    form_class = f.PersonForm
    title = gettext_lazy("Add a person")
    submit_label = gettext_lazy("Add the person")

    def initial(self) -> dict[str, Any]:
        return {"role": c.PersonRole.PRESUMED_VICTIM}

    def perform(self, form: f.PersonForm) -> Person:
        return services.person_add(
            actor=self.request.user,
            case=self.case,
            role=form.cleaned_data["role"],
            identity=form.identity(),
            **form.facts(),
        )

    def success_url(self, obj: Any) -> str:
        return reverse("cases:person", args=[obj.pseudonym])

    def success_message(self, obj: Any) -> str:
        return _("{} added to the case.").format(obj.pseudonym)


# Persons


class PersonFactsView(PersonStepView):
    form_class = f.PersonFactsForm
    title = gettext_lazy("Edit the case facts")

    def initial(self) -> dict[str, Any]:
        return f.PersonFactsForm.initial_for(self.p)

    def perform(self, form: f.PersonFactsForm) -> Person:
        return services.person_update(actor=self.request.user, person=self.p, **form.facts())


class IdentityEditView(PersonStepView):
    form_class = f.IdentityEditForm
    title = gettext_lazy("Correct the identifying data")
    intro = f.IdentityFields.IDENTITY_NOTE
    submit_label = gettext_lazy("Save the identifying data")

    def perform(self, form: f.IdentityEditForm) -> Person:
        identity = form.identity()
        if not identity:
            raise ApplicationError(_("Fill in at least one field: empty fields stay as they are."))
        return services.person_identity_set(
            actor=self.request.user, person=self.p, identity=identity
        )

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        return super().context(form) | {
            "intro": "{} {}".format(self.intro, _("Fields left empty keep what is stored."))
        }


class ConsentView(PersonStepView):
    form_class = f.ConsentForm
    title = gettext_lazy("Record consent")

    def perform(self, form: f.ConsentForm) -> Any:
        d = form.cleaned_data
        return services.consent_record(
            actor=self.request.user,
            person=self.p,
            purpose=d["purpose"],
            given_on=d["given_on"],
            notes=d["notes"],
        )


class ConsentWithdrawView(ObjectStepView):
    form_class = f.ConsentWithdrawForm
    related = "consents"
    title = gettext_lazy("Withdraw consent")
    submit_label = gettext_lazy("Withdraw consent")

    def perform(self, form: f.ConsentWithdrawForm) -> Any:
        return services.consent_withdraw(
            actor=self.request.user,
            consent=self.obj,
            withdrawn_on=form.cleaned_data["withdrawn_on"],
        )


class ScreeningView(PersonStepView):
    """Screen against an indicator list: pick the list, tick what was observed."""

    form_class = f.ScreeningForm
    title = gettext_lazy("Screen against indicators")
    template_name = "cases/screening_form.html"
    submit_label = gettext_lazy("Save the screening")
    indicator_list: IndicatorList | None = None

    def _setup(self, **kwargs: Any) -> None:
        super()._setup(**kwargs)
        lists = IndicatorList.objects.filter(active=True)
        chosen = self.request.POST.get("indicator_list") or self.request.GET.get("list") or ""
        self.lists = list(lists)
        self.indicator_list = (
            lists.filter(pk=chosen).first() if chosen.isdigit() else None
        ) or self._default_list()

    def _default_list(self) -> IndicatorList | None:
        """The first list for children when the person is a child, else for adults."""
        prefix = "child" if self.p.is_child else "adult"
        for lst in self.lists:
            if lst.target.startswith(prefix) and lst.indicators.exists():
                return lst
        return self.lists[0] if self.lists else None

    def form_kwargs(self) -> dict[str, Any]:
        return {"indicator_list": self.indicator_list}

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._setup(**kwargs)
        if self.indicator_list is None:
            return render(request, self.template_name, self.context(None))
        return self.show(request)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self._setup(**kwargs)
        if self.indicator_list is None:
            raise Http404(_("No indicator list is loaded."))
        return self.submit(request)

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        return super().context(form) | {
            "lists": self.lists,
            "indicator_list": self.indicator_list,
        }

    def perform(self, form: f.ScreeningForm) -> Any:
        assert self.indicator_list is not None  # noqa: S101 - checked in post()
        d = form.cleaned_data
        return services.screening_record(
            actor=self.request.user,
            person=self.p,
            indicator_list=self.indicator_list,
            indicators=d["indicators"],
            screened_on=d["screened_on"],
            notes=d["notes"],
        )

    def success_url(self, obj: Any) -> str:
        return reverse("cases:screening", args=[self.p.pseudonym, obj.pk])

    def success_message(self, obj: Any) -> str:
        return _("Screening saved: {}.").format(obj.get_outcome_display())


class IdentificationView(PersonStepView):
    form_class = f.IdentificationForm
    title = gettext_lazy("Formal identification")
    intro = gettext_lazy("The decision of a competent authority on the person's status.")

    def initial(self) -> dict[str, Any]:
        return {"decision": c.IdentificationDecision.IDENTIFIED}

    def perform(self, form: f.IdentificationForm) -> Any:
        d = form.cleaned_data
        return services.identification_record(
            actor=self.request.user,
            person=self.p,
            authority=d["authority"],
            decision=d["decision"],
            decision_org_type=d["decision_org_type"],
            reasoning=d["reasoning"],
            decided_on=d["decided_on"],
        )


class MovementView(PersonStepView):
    form_class = f.MovementForm
    title = gettext_lazy("Add a movement")
    intro = gettext_lazy("Where and when the person was recruited, moved through or exploited.")

    def perform(self, form: f.MovementForm) -> Any:
        d = form.cleaned_data
        return services.movement_add(
            actor=self.request.user,
            person=self.p,
            event_type=d["event_type"],
            country=d["country"],
            date=d["date"],
            end_date=d["end_date"],
            city=d["city"],
            state=d["state"],
            description=d["description"],
        )


class ReferralView(PersonStepView):
    form_class = f.ReferralForm
    title = gettext_lazy("Refer to a service provider")
    submit_label = gettext_lazy("Send the referral")

    def form_kwargs(self) -> dict[str, Any]:
        return {"sender": self.case.organisation}

    def perform(self, form: f.ReferralForm) -> Any:
        d = form.cleaned_data
        return services.referral_send(
            actor=self.request.user,
            person=self.p,
            to_organisation=d["to_organisation"],
            service=d["service"],
            scopes=d["scopes"],
            details=d["details"],
            reason=d["reason"],
            sent_on=d["sent_on"],
        )

    def success_message(self, obj: Any) -> str:
        return _("Referral sent to {}.").format(obj.to_organisation.name)


class MeasureGrantView(PersonStepView):
    form_class = f.MeasureGrantForm
    title = gettext_lazy("Grant a protection measure")

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        minimum = services.reflection_days_min(self.case.country)
        intro = _(
            "A reflection and recovery period lasts at least {} days in {}. Residence permits "
            "are temporary and renewable."
        ).format(minimum, self.case.country.name)
        return super().context(form) | {"intro": intro}

    def perform(self, form: f.MeasureGrantForm) -> Any:
        d = form.cleaned_data
        return services.measure_grant(
            actor=self.request.user,
            person=self.p,
            kind=d["kind"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            linked_to_cooperation=d["linked_to_cooperation"],
            decided_by=d["decided_by"],
            reference=d["reference"],
            notes=d["notes"],
        )

    def success_message(self, obj: Any) -> str:
        if obj.ends_on:
            return _("{} granted until {}.").format(obj.get_kind_display(), obj.ends_on)
        return _("{} granted.").format(obj.get_kind_display())


class MeasureRenewView(ObjectStepView):
    form_class = f.MeasureRenewForm
    related = "measures"
    title = gettext_lazy("Renew the measure")

    def perform(self, form: f.MeasureRenewForm) -> Any:
        d = form.cleaned_data
        return services.measure_renew(
            actor=self.request.user,
            measure=self.obj,
            ends_on=d["ends_on"],
            reference=d["reference"],
        )


class MeasureEndView(ObjectStepView):
    form_class = f.MeasureEndForm
    related = "measures"
    title = gettext_lazy("End the measure")
    submit_label = gettext_lazy("End the measure")

    def perform(self, form: f.MeasureEndForm) -> Any:
        d = form.cleaned_data
        return services.measure_end(
            actor=self.request.user, measure=self.obj, revoke=d["revoke"], notes=d["notes"]
        )


class GuardianView(PersonStepView):
    form_class = f.GuardianForm
    title = gettext_lazy("Appoint a guardian")
    intro = gettext_lazy("A child, or a person whose age is uncertain, needs a guardian.")

    def perform(self, form: f.GuardianForm) -> Any:
        d = form.cleaned_data
        return services.guardian_appoint(
            actor=self.request.user,
            person=self.p,
            appointed_on=d["appointed_on"],
            name=d["name"],
            organisation=d["organisation"],
        )


class BestInterestView(PersonStepView):
    form_class = f.BestInterestForm
    title = gettext_lazy("Best-interest determination")
    intro = gettext_lazy(
        "No return of a child can be decided without a determination that return is in the "
        "child's best interest."
    )

    def initial(self) -> dict[str, Any]:
        return {"decided_by": self.case.organisation_id}

    def perform(self, form: f.BestInterestForm) -> Any:
        d = form.cleaned_data
        return services.best_interest_record(
            actor=self.request.user,
            person=self.p,
            decided_on=d["decided_on"],
            return_in_best_interest=d["return_in_best_interest"],
            reasoning=d["reasoning"],
            decided_by=d["decided_by"],
        )


class ReturnPlanView(PersonStepView):
    form_class = f.ReturnPlanForm
    title = gettext_lazy("Plan a return")

    def perform(self, form: f.ReturnPlanForm) -> Any:
        d = form.cleaned_data
        authority = d["receiving_authority"]
        return services.return_plan(
            actor=self.request.user,
            person=self.p,
            destination=d["destination"],
            risk_level=d["risk_level"],
            risk_assessment=d["risk_assessment"],
            voluntary_consent=d["voluntary_consent"],
            consent_on=d["consent_on"],
            travel_documents=d["travel_documents"],
            receiving_authority_id=authority.pk if authority else None,
        )


class ReturnDecideView(ObjectStepView):
    form_class = f.ReturnDecideForm
    related = "returns"
    title = gettext_lazy("Decide the return")
    submit_label = gettext_lazy("Decide the return")

    def context(self, form: forms.Form | None) -> dict[str, Any]:
        ret = self.obj
        intro = _("Return to {}: {} risk.").format(
            ret.destination.name, ret.get_risk_level_display()
        )
        if self.p.is_child:
            intro += " " + _(
                "For a child this needs an appointed guardian and a best-interest determination "
                "that found return in the child's interest."
            )
        return super().context(form) | {"intro": intro}

    def perform(self, form: f.ReturnDecideForm) -> Any:
        return services.return_decide(
            actor=self.request.user, ret=self.obj, decided_on=form.cleaned_data["decided_on"]
        )


class ReturnCompleteView(ObjectStepView):
    form_class = f.ReturnCompleteForm
    related = "returns"
    title = gettext_lazy("Record the return")

    def perform(self, form: f.ReturnCompleteForm) -> Any:
        return services.return_complete(
            actor=self.request.user, ret=self.obj, return_date=form.cleaned_data["return_date"]
        )


class FollowUpPlanView(PersonStepView):
    form_class = f.FollowUpPlanForm
    title = gettext_lazy("Plan a follow-up visit")

    def perform(self, form: f.FollowUpPlanForm) -> Any:
        return services.follow_up_plan(
            actor=self.request.user, person=self.p, planned_on=form.cleaned_data["planned_on"]
        )


class FollowUpRecordView(ObjectStepView):
    form_class = f.FollowUpRecordForm
    related = "follow_ups"
    title = gettext_lazy("Record a follow-up visit")

    def perform(self, form: f.FollowUpRecordForm) -> Any:
        d = form.cleaned_data
        return services.follow_up_record(
            actor=self.request.user,
            visit=self.obj,
            done_on=d["done_on"],
            outcome=d["outcome"],
            retrafficked=d["retrafficked"],
        )


class SupportPlanView(PersonStepView):
    form_class = f.SupportPlanForm
    title = gettext_lazy("Add a support plan")

    def perform(self, form: f.SupportPlanForm) -> Any:
        d = form.cleaned_data
        return services.support_plan_add(
            actor=self.request.user,
            person=self.p,
            plan_type=d["plan_type"],
            objectives=d["objectives"],
            action_plan=d["action_plan"],
            planned_end=d["planned_end"],
        )
