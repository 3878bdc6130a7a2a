"""The forms of the monitoring pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.monitoring.choices import QuestionKind
from palermo.monitoring.xlsform import MAX_BYTES


class QuestionnaireForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=80,
        help_text=_(
            "Lower-case letters, digits and '-', such as unodc-tip-2004; it never changes."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=300)


class XLSFormUploadForm(forms.Form):
    file = forms.FileField(
        label=_("XLSForm (.xlsx)"),
        help_text=_(
            "A workbook with the survey, choices and settings sheets, as KoboToolbox and ODK "
            "read it; at most 10 MB. It becomes a new draft version."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is over {} MB.").format(MAX_BYTES // (1024 * 1024))
            )
        return upload


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Asks for"), choices=QuestionKind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("Letters, digits and '_'; other questions refer to it as ${name}."),
    )
    label = forms.CharField(label=_("Question"), max_length=2000, required=False)
    hint = forms.CharField(label=_("Help text"), max_length=2000, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    relevance = forms.CharField(
        label=_("Asked when"),
        max_length=500,
        required=False,
        help_text=_("An XLSForm condition, such as ${has_law} = 'yes'."),
    )
    constraint = forms.CharField(
        label=_("Constraint"),
        max_length=500,
        required=False,
        help_text=_("An XLSForm constraint, such as . >= 0."),
    )
    choices = forms.CharField(
        label=_("Choices (one choice or several)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name = label."),
    )
    section = forms.ChoiceField(label=_("In the section"), required=False)

    def __init__(self, *args: Any, sections: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("(the form itself)"))] + [(s, s) for s in sections]


def sections_of(version: Any) -> list[str]:
    return list(
        version.questions.filter(kind=QuestionKind.SECTION)
        .order_by("position")
        .values_list("name", flat=True)
    )
