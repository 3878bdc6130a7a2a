"""What every case page shares: the base view (who may use the case pages at all), the step
views (one form, one service call, on a case, a person or one record of a person) and the short
names of share scopes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.cases import access as acl
from palermo.cases import choices as c
from palermo.cases.models import Case, Person
from palermo.core.errors import NotFoundError
from palermo.core.models import User
from palermo.core.permissions import has_role
from palermo.core.views import FormServiceView, PalermoView, page_user

SCOPE_LABELS = dict(c.ShareScope.choices)


def scope_labels(scopes: Iterable[str]) -> list[str]:
    """Short names of share scopes: "Case facts", not "Case facts (exploitation, ...)"."""
    return [str(SCOPE_LABELS.get(s, s)).split(" (", maxsplit=1)[0] for s in scopes]


class CasesView(PalermoView):
    """Base of every case page: login required; roles that never see cases get 404; a case or
    person the user may not see answers 404 (access raises NotFoundError), a change they may
    not make 403."""

    def allowed(self, user: User) -> bool:
        return has_role(user, *acl.CASE_VIEWER_ROLES)


class StepView(CasesView, FormServiceView):
    """One form whose valid input goes to one service, on a case the user's organisation holds;
    the service's errors stay on the form."""

    template_name = "cases/step.html"

    case: Case
    access: acl.CaseAccess
    person: Person | None = None

    @property
    def actor(self) -> User:
        return page_user(self.request)

    def find(self, **kwargs: Any) -> None:
        """Set `case` and `access` (and `person`) from the URL."""
        raise NotImplementedError

    def resolve(self, **kwargs: Any) -> None:
        self.find(**kwargs)
        acl.require_edit(self.access)

    def cancel_url(self) -> str:
        """Back to the person, or to the case."""
        if self.person is not None:
            return reverse("cases:person", args=[self.person.pseudonym])
        return reverse("cases:detail", args=[self.case.pk])

    def get_success_url(self, obj: Any) -> str:
        return self.cancel_url()

    def get_context_data(self, form: forms.Form | None) -> dict[str, Any]:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "case": self.case,
            "person": self.person,
            "cancel_url": self.cancel_url(),
        }


class CaseStepView(StepView):
    """A step on a case."""

    def find(self, **kwargs: Any) -> None:
        self.case, self.access = acl.case_get(self.actor, kwargs["case_id"])


class PersonStepView(StepView):
    """A step on a person of a case."""

    def find(self, **kwargs: Any) -> None:
        person, self.access = acl.person_get(self.actor, kwargs["pseudonym"])
        self.person, self.case = person, person.case

    @property
    def p(self) -> Person:
        assert self.person is not None  # noqa: S101 - find() sets it
        return self.person


class ObjectStepView(PersonStepView):
    """A step on one record of a person (a consent, a measure, a return, a visit)."""

    related: str
    obj: Any

    def find(self, **kwargs: Any) -> None:
        super().find(**kwargs)
        self.obj = getattr(self.p, self.related).filter(pk=kwargs["pk"]).first()
        if self.obj is None:
            raise NotFoundError(_("No such record."))
