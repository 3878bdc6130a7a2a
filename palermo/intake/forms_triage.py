"""The triage pages' forms (issue 18)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.core.pickers import country_options
from palermo.intake import choices as c
from palermo.intake.forms import PUBLIC_FORMS, TEXT


class QueueFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("open")), ("", _("all")), *c.Status.choices],
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("any")), *c.Priority.choices]
    )
    situation = forms.CharField(label=_("Situation"), required=False, max_length=20)


class CallForm(forms.Form):
    """A call or message an operator takes down."""

    channel = forms.ChoiceField(label=_("Channel"), choices=c.Channel.choices)
    reporter_role = forms.ChoiceField(label=_("Who reports"), choices=c.ReporterRole.choices)
    what = forms.CharField(
        label=_("What is happening"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )
    country = forms.ChoiceField(label=_("Country where it happens"), required=False)
    where = forms.CharField(label=_("Place"), max_length=TEXT, required=False)
    employer = forms.CharField(
        label=_("Employer, business or recruiter"), max_length=TEXT, required=False
    )
    people = forms.CharField(
        label=_("People involved"),
        max_length=TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    forms_seen = forms.MultipleChoiceField(
        label=_("Forms of exploitation suspected"),
        required=False,
        choices=PUBLIC_FORMS,
        widget=forms.CheckboxSelectMultiple,
    )
    child = forms.ChoiceField(
        label=_("A child is involved"), choices=c.Answer.choices, initial=c.Answer.UNKNOWN
    )
    danger = forms.BooleanField(label=_("Someone is in danger now"), required=False)
    consent_law_enforcement = forms.ChoiceField(
        label=_("The victim agrees that law enforcement be told (when the victim calls)"),
        choices=c.Answer.choices,
        initial=c.Answer.UNKNOWN,
    )
    contact_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=60, required=False)
    contact_email = forms.EmailField(label=_("Email"), max_length=200, required=False)
    contact_safe = forms.CharField(
        label=_("When and how is it safe to contact them?"), max_length=500, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("not known")), *country_options()]  # type: ignore[attr-defined]


class ScreenForm(forms.Form):
    indicators = forms.MultipleChoiceField(
        label=_("Indicators observed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    child = forms.ChoiceField(label=_("A child is involved"), choices=c.Answer.choices)
    danger = forms.BooleanField(label=_("Someone is in danger now"), required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = choices  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What the report became"), choices=c.Outcome.choices)
    note = forms.CharField(label=_("The service or unit, or why"), max_length=500, required=False)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Why it is escalated"), max_length=500)


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The victim agrees that law enforcement be told"), choices=c.Answer.choices
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
