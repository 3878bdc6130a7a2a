"""Forms of the administration pages (palermo.web.admin_views): what an administrator types;
the rules are the services' (palermo.core.services), which these forms call nothing of."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from palermo.core.audit import audit_kinds
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.models import Organisation
from palermo.core.pickers import OrganisationChoiceField


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.CharField(
        label=_("Country"),
        max_length=3,
        required=False,
        help_text=_("ISO 3166-1 alpha-3 code, e.g. ITA; empty for an international body."),
    )
    parent = OrganisationChoiceField(
        label=_("Parent organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        to_field_name="name",
    )


class InviteMethod:
    LINK = "link"
    PASSWORD = "password"  # noqa: S105 - a choice's name, not a secret


class UserNewForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, validators=[UnicodeUsernameValidator()]
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="name",
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    access = forms.ChoiceField(
        label=_("How the user gets in"),
        widget=forms.RadioSelect,
        initial=InviteMethod.LINK,
        choices=[
            (
                InviteMethod.LINK,
                _("An invitation link: the user sets their own password (the link works once)"),
            ),
            (
                InviteMethod.PASSWORD,
                _(
                    "A one-time password, shown to you once: the user replaces it at the "
                    "first login"
                ),
            ),
        ],
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Username or e-mail"), required=False, max_length=150)
    organisation = OrganisationChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="name",
        required=False,
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=_blank(_("any")) + list(Role.choices), required=False
    )
    state = forms.ChoiceField(
        label=pgettext_lazy("of an account or token", "State"),
        required=False,
        choices=[("", _("any")), ("active", _("active")), ("inactive", _("deactivated"))],
    )


class AuditSearchForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=200,
        help_text=_("A username, or system, anonymous, a loader's name."),
    )
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=_blank(_("any")) + list(AuditAction.choices)
    )
    object_type = forms.ChoiceField(label=_("Object"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=100)
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [(name, "{} ({})".format(kind.label, name)) for name, kind in audit_kinds().items()]
        self.fields["object_type"].choices = _blank(_("any")) + kinds  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data
