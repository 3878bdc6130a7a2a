"""The linkage pages (issue 16), for case workers, investigators and national coordinators:

- `/linkage/`: the node's exercises; a national coordinator searches for duplicates (long work:
  a job with a progress bar, `palermo.core.jobs`) or proposes an exercise to another node;
- `/linkage/<id>/`: an exercise, its counts, and the matches the user may see (audited); a
  national coordinator accepts or declines an exercise another node proposed;
- `/linkage/matches/<id>/`: a match side by side (what the user may see of each person: the
  pseudonym, the case's organisation, role, sex, age, citizenship; identities on the person's
  own page, with a reason), the decision with its reason, and for a confirmed match between nodes
  the cooperation request it starts.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases.models import Person
from palermo.cooperation.models import Node
from palermo.core import jobs
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.views import PalermoView, job_response
from palermo.linkage import exchange, review, selectors
from palermo.linkage import jobs as linkage_jobs
from palermo.linkage.models import Decision, Exercise, Match
from palermo.linkage.models import Role as Side
from palermo.linkage.models import Status as ExerciseStatus

HERE = ""  # the node choice that means "duplicates within this node"


class RunForm(forms.Form):
    node = forms.ChoiceField(label=gettext_lazy("With"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = Node.objects.filter(active=True).order_by("name")
        choice = self.fields["node"]
        assert isinstance(choice, forms.ChoiceField)  # noqa: S101 - declared above
        choice.choices = [(HERE, _("this node: search for duplicates"))] + [
            (n.name, _("node {}").format(n.name)) for n in nodes
        ]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=500)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            (Decision.CONFIRMED, Decision.CONFIRMED.label),
            (Decision.REJECTED, Decision.REJECTED.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class LinkageView(PalermoView):
    """Base of the linkage pages: for those who may list exercises (others: 404)."""

    forbidden_as_404 = True

    def allowed(self, user: User) -> bool:
        return user.has_role(*selectors.LIST_ROLES)

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # noqa: S101 - PalermoView lets only users in
        return user

    def exercise(self, pk: uuid.UUID) -> Exercise:
        exercise = selectors.exercise_get(self.user, str(pk))
        if exercise is None:
            raise NotFoundError(_("No linkage exercise {}.").format(pk))
        return exercise


class ExerciseListView(LinkageView):
    template_name = "linkage/exercise_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(RunForm())

    def page(self, form: RunForm, status: int = 200) -> HttpResponse:
        rows = [(e, selectors.exercise_row(e)) for e in selectors.exercises(self.user)[:200]]
        coordinator = self.user.has_role(Role.NATIONAL_COORDINATOR)
        return render(
            self.request,
            self.template_name,
            {"rows": rows, "form": form if coordinator else None},
            status=status,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RunForm(request.POST)
        if not form.is_valid():
            return self.page(form, 400)
        node_name = form.cleaned_data["node"]
        exchange.coordinator_check(self.user)
        if node_name == HERE:
            job = jobs.job_start(
                actor=self.user,
                kind=linkage_jobs.DUPLICATES,
                parameters={},
                subject=_("Duplicates within this node"),
                back_url=reverse("linkage:list"),
            )
            return job_response(request, job)
        node = Node.objects.filter(name=node_name, active=True).first()
        if node is None:
            form.add_error("node", _("No active node named '{}'.").format(node_name))
            return self.page(form, 400)
        exercise = exchange.exercise_propose(actor=self.user, node=node)
        messages.success(
            request,
            _("Exercise proposed to {}: it runs when that node accepts it.").format(node.name),
        )
        return redirect("linkage:detail", exercise.pk)


class ExerciseDetailView(LinkageView):
    template_name = "linkage/exercise_detail.html"

    def get(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self.page(self.exercise(pk), DeclineForm())

    def page(self, exercise: Exercise, decline: DeclineForm, status: int = 200) -> HttpResponse:
        matches = review.matches_visible(self.user, exercise)
        answerable = (
            exercise.role == Side.RESPONDER
            and exercise.status == ExerciseStatus.PROPOSED
            and self.user.has_role(Role.NATIONAL_COORDINATOR)
        )
        return render(
            self.request,
            self.template_name,
            {
                "exercise": exercise,
                "row": selectors.exercise_row(exercise),
                "matches": [(m, selectors.match_row(m, exercise.threshold)) for m in matches],
                "decline": decline if answerable else None,
            },
            status=status,
        )

    def post(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        exercise = self.exercise(pk)
        if "accept" in request.POST:
            exercise = exchange.exercise_accept(actor=self.user, exercise=exercise)
            messages.success(
                request,
                _("Exercise accepted: {} persons encoded here.").format(exercise.persons),
            )
            return redirect("linkage:detail", exercise.pk)
        form = DeclineForm(request.POST)
        if not form.is_valid():
            return self.page(exercise, form, 400)
        try:
            exchange.exercise_decline(
                actor=self.user, exercise=exercise, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, exc.detail)
            return self.page(exercise, form, 400)
        messages.success(request, _("Exercise declined."))
        return redirect("linkage:detail", exercise.pk)


def _facts(person: Person) -> list[tuple[str, str]]:
    """What a reviewer may see of a person on this page: no identity (that is read on the
    person's page, with a reason, audited)."""
    return [
        (_("Pseudonym"), person.pseudonym),
        (_("Organisation"), person.case.organisation.name),
        (_("Role in the case"), person.get_role_display()),
        (_("Gender"), person.get_gender_display() or "—"),
        (
            _("Age at registration"),
            "—" if person.age_at_registration is None else str(person.age_at_registration),
        ),
        (_("Citizenship"), ", ".join(person.citizenship) or "—"),
        (_("Case opened"), str(person.case.opened_on or "—")),
    ]


class MatchView(LinkageView):
    template_name = "linkage/match.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(review.match_get(self.user, pk), DecisionForm())

    def page(self, match: Match, form: DecisionForm, status: int = 200) -> HttpResponse:
        exercise = match.exercise
        other = match.other.person if match.other else None
        return render(
            self.request,
            self.template_name,
            {
                "match": match,
                "row": selectors.match_row(match, exercise.threshold),
                "exercise": exercise,
                "ours": _facts(match.ours.person),
                "ours_person": match.ours.person,
                "other": _facts(other) if other else None,
                "other_person": other,
                "form": form,
                "may_request": (
                    exercise.node is not None
                    and match.decision == Decision.CONFIRMED
                    and match.request is None
                    and self.user.has_role(Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR)
                ),
            },
            status=status,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        match = review.match_get(self.user, pk)
        if "request" in request.POST:
            created = review.match_request(actor=self.user, match=match)
            messages.success(
                request,
                _("Draft request {} created: complete and send it.").format(
                    created.requester_reference
                ),
            )
            return redirect("cooperation:detail", created.pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.page(match, form, 400)
        review.match_decide(
            actor=self.user,
            match=match,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Decision recorded."))
        return redirect("linkage:match", match.pk)
