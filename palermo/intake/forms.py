"""The public report form and the follow-up form (issue 18): plain HTML that works without
JavaScript and on a phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.cases.htcds import TypeOfExploitation
from palermo.core.formfields import MultipleFileField
from palermo.core.pickers import country_options
from palermo.intake import choices as c
from palermo.intake.accounts import TEXT_MAX, Account

TEXT = TEXT_MAX  # what an account's fields hold
# The forms a member of the public can name (the HTCDS codes, in plain words).
PUBLIC_FORMS = [
    (TypeOfExploitation.FORCED_LABOUR, _("Forced work, or work for no or little pay")),
    (TypeOfExploitation.SEXUAL_EXPLOITATION, _("Forced sex work or sexual exploitation")),
    (TypeOfExploitation.FORCED_BEGGING, _("Forced begging")),
    (TypeOfExploitation.FORCED_MARRIAGE, _("Forced marriage")),
    (TypeOfExploitation.FORCED_CRIMINALITY, _("Forced to commit crimes")),
    (TypeOfExploitation.ORGAN_REMOVAL, _("Removal of organs")),
]


def report_values(data: dict[str, Any], *, anonymous: bool) -> dict[str, Any]:
    """What a report form (the public one or an operator's) gives `services.report_file`
    besides its hotline, channel and language: the account (with a contact unless the reporter
    stays anonymous or leaves none) and the report's facts."""
    contact = {k: data.get("contact_" + k) or "" for k in ("name", "phone", "email", "safe")}
    return {
        "account": Account(
            what=data["what"],
            where=data.get("where") or "",
            employer=data.get("employer") or "",
            people=data.get("people") or "",
            contact=contact if not anonymous and any(contact.values()) else {},
        ),
        "reporter_role": data["reporter_role"],
        "country": data.get("country") or "",
        "child": data["child"],
        "danger": bool(data.get("danger")),
        "forms": list(data.get("forms_seen") or []),
        "consent_law_enforcement": data["consent_law_enforcement"],
    }


class ReportForm(forms.Form):
    reporter_role = forms.ChoiceField(
        label=_("Who are you?"), choices=c.ReporterRole.choices, widget=forms.RadioSelect
    )
    what = forms.CharField(
        label=_("What is happening?"),
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe what you saw or heard, when, and how often."),
    )
    country = forms.ChoiceField(label=_("In which country?"), required=False)
    where = forms.CharField(
        label=_("Where? (town, address, place of work)"), max_length=TEXT, required=False
    )
    employer = forms.CharField(
        label=_("The employer, business or recruiter, if you know"),
        max_length=TEXT,
        required=False,
    )
    people = forms.CharField(
        label=_("The people involved (how many, their age, what they look like)"),
        max_length=TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    forms_seen = forms.MultipleChoiceField(
        label=_("What do you think it is?"),
        required=False,
        choices=PUBLIC_FORMS,
        widget=forms.CheckboxSelectMultiple,
    )
    child = forms.ChoiceField(
        label=_("Is a child (under 18) involved?"),
        choices=c.Answer.choices,
        initial=c.Answer.UNKNOWN,
        widget=forms.RadioSelect,
    )
    danger = forms.BooleanField(label=_("Someone is in danger right now"), required=False)
    uploads = MultipleFileField(
        label=_("Photos, a document or a voice message (optional)"),
        required=False,
        help_text=_(
            "Up to 3 files of 5 MB: JPEG, PNG, PDF, MP3, M4A or OGG. Where and when a photo was "
            "taken is removed from it before it is kept."
        ),
    )
    consent_law_enforcement = forms.ChoiceField(
        label=_("If this is happening to you: may we tell the police?"),
        choices=c.Answer.choices,
        initial=c.Answer.UNKNOWN,
        widget=forms.RadioSelect,
        help_text=_("We tell the police only if you agree, unless a child is in danger."),
    )
    stay_anonymous = forms.BooleanField(
        label=_("I want to stay anonymous (leave no contact)"), required=False, initial=True
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    contact_email = forms.EmailField(label=_("Email"), max_length=200, required=False)
    contact_safe = forms.CharField(
        label=_("When and how is it safe to contact you?"), max_length=500, required=False
    )
    # Not for people: hidden by the style sheet; a bot fills it.
    website = forms.CharField(required=False, max_length=200)
    challenge = forms.CharField(widget=forms.HiddenInput, max_length=400)
    proof = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("I do not know")), *country_options()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contact = [data.get(k) for k in ("contact_name", "contact_phone", "contact_email")]
        if data.get("stay_anonymous") and any(contact):
            self.add_error(
                "stay_anonymous",
                _("You chose to stay anonymous and left a contact: untick one of them."),
            )
        if not data.get("stay_anonymous") and not any(
            data.get(k) for k in ("contact_phone", "contact_email")
        ):
            self.add_error(
                "contact_phone", _("Leave a phone number or an email, or stay anonymous.")
            )
        return data


class FollowUpForm(forms.Form):
    code = forms.CharField(
        label=_("Your report's code"),
        max_length=40,
        help_text=_("The code shown when you sent your report, such as 7KQ4-M2XP-9RTA-H3WD."),
    )
    text = forms.CharField(
        label=_("What do you want to add?"),
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class StatisticsForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
