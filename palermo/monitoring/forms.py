"""The forms of the monitoring pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

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
