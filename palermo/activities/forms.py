"""The clearing house's forms (issue 17)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.activities.models import Kind


class FilterForm(forms.Form):
    country = forms.CharField(label=_("Country"), required=False, max_length=3)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("any")), *Kind.choices]
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "").strip().upper()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("IATI activity file (XML, version 2.0x)"))
