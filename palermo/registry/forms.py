"""Forms of the registry editor pages (a source cited with every fact). They only parse;
services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.core.choices import OrganisationKind
from palermo.core.models import Document
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX
from palermo.registry.choices import (
    DirectoryRole,
    LegislationKind,
    LegislationStatus,
    MembershipRole,
    TreatyActionKind,
)
from palermo.registry.models import Instrument


class DateInput(forms.DateInput):
    input_type = "date"


class SourceFields(forms.Form):
    """A citation: a known document, or a new one by title/symbol/URL; plus the locator."""

    source_document = forms.ChoiceField(label=_("Source document"), required=False)
    source_locator = forms.CharField(
        label=_("Paragraph, page or footnote"), required=False, max_length=200
    )
    source_title = forms.CharField(
        label=_("or a new document: title"), required=False, max_length=500
    )
    source_symbol = forms.CharField(label=_("document symbol"), required=False, max_length=100)
    source_url = forms.URLField(label=_("URL"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source_document"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", "—")] + [(d.key, str(d)) for d in Document.objects.order_by("key")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("source_document") and not data.get("source_title"):
            raise forms.ValidationError(
                _("Cite a source: pick a document or give a new document's title.")
            )
        return data

    def source(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "document": d.get("source_document") or "",
            "locator": d.get("source_locator") or "",
            "title": d.get("source_title") or "",
            "symbol": d.get("source_symbol") or "",
            "url": d.get("source_url") or "",
        }


class TreatyActionForm(SourceFields):
    instrument = forms.ChoiceField(label=_("Instrument"))
    country = forms.CharField(label=_("State (ISO alpha-3)"), max_length=3, min_length=3)
    action = forms.ChoiceField(label=_("Action"), choices=TreatyActionKind.choices)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    date_text = forms.CharField(
        label=_("Date as printed in the source"), required=False, max_length=100
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [
            (i.slug, "{} ({})".format(i.short_name, i.slug))
            for i in Instrument.objects.order_by("slug")
        ]
        self.order_fields(["instrument", "country", "action", "date", "date_text", "note"])


class TreatyActionCorrectForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=TreatyActionKind.choices)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    date_text = forms.CharField(
        label=_("Date as printed in the source"), required=False, max_length=100
    )
    note = forms.CharField(
        label=_("Reason for the correction / note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LegislationForm(SourceFields):
    country = forms.CharField(label=_("Country (ISO alpha-3)"), max_length=3, min_length=3)
    title = forms.CharField(label=_("Title"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=LegislationKind.choices)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1800, max_value=2200)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    status = forms.ChoiceField(
        label=_("Status"), choices=LegislationStatus.choices, initial="unknown"
    )
    implements = forms.CharField(label=_("Implements (instrument slug)"), required=False)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(
            ["country", "title", "kind", "year", "date", "status", "implements", "summary"]
        )


class DirectoryEntryForm(SourceFields):
    organisation = forms.CharField(label=_("Organisation"), max_length=300)
    organisation_kind = forms.ChoiceField(
        label=_("Kind of organisation"), choices=OrganisationKind.choices
    )
    country = forms.CharField(label=_("Country (ISO alpha-3)"), required=False, max_length=3)
    role = forms.ChoiceField(label=_("Role"), choices=DirectoryRole.choices)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    languages = forms.CharField(
        label=_("Languages (ISO 639-1, separated by commas)"), required=False
    )
    url = forms.URLField(label=_("Website"), required=False)
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    person_name = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Telephone"), required=False, max_length=50)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(
            [
                "organisation",
                "organisation_kind",
                "country",
                "role",
                "unit",
                "description",
                "languages",
                "url",
                "address",
                "person_name",
                "email",
                "phone",
            ]
        )


class MembershipForm(SourceFields):
    mechanism = forms.CharField(label=_("Mechanism (acronym)"), max_length=30)
    country = forms.CharField(label=_("State (ISO alpha-3)"), max_length=3, min_length=3)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    joined = forms.DateField(label=_("Joined"), required=False, widget=DateInput)
    left = forms.DateField(label=_("Left"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["mechanism", "country", "role", "joined", "left", "note"])
