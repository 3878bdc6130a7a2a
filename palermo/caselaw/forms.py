"""The case-law search form (issue 17)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from palermo.caselaw import choices as c
from palermo.caselaw.selectors import SENTENCES, Filters
from palermo.cases.htcds import TypeOfExploitation

ANY = [("", _("any"))]
# The facets, in the order the page shows them, with their headings.
FACET_NAMES = {
    "country": _("Country of the court"),
    "year": _("Year"),
    "form": _("Form of exploitation"),
    "outcome": _("Outcome"),
    "legislation": _("Provision applied"),
    "sentence": _("Custody imposed"),
    "keyword": _("Keyword"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words"), required=False, max_length=500)
    country = forms.CharField(label=_("Country"), required=False, max_length=3)
    year_from = forms.IntegerField(label=_("From"), required=False, min_value=1800, max_value=2200)
    year_to = forms.IntegerField(label=_("To"), required=False, min_value=1800, max_value=2200)
    form = forms.ChoiceField(
        label=_("Form of exploitation"), required=False, choices=ANY + TypeOfExploitation.choices
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=ANY + c.Outcome.choices)
    legislation = forms.IntegerField(
        label=_("Provision applied"), required=False, min_value=1, max_value=2**31 - 1
    )
    keyword = forms.SlugField(label=_("Keyword"), required=False, max_length=60)
    instance = forms.ChoiceField(
        label=_("Instance"), required=False, choices=ANY + c.Instance.choices
    )
    sentence = forms.ChoiceField(
        label=_("Custody imposed"),
        required=False,
        choices=ANY + [(name, name) for name, _low, _high in SENTENCES],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "").strip().upper()

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            q=data.get("q") or "",
            country=data.get("country") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
            form=data.get("form") or "",
            outcome=data.get("outcome") or "",
            legislation=data.get("legislation"),
            keyword=data.get("keyword") or "",
            instance=data.get("instance") or "",
            sentence=data.get("sentence") or "",
        )


class DraftForm(forms.Form):
    """A case-law entry from a case: what the prosecutor knows of the decision."""

    case = forms.CharField(label=_("Case reference"), max_length=40)
    court = forms.CharField(label=_("Court"), max_length=300)
    court_country = forms.CharField(label=_("Country of the court"), max_length=3, required=False)
    level = forms.ChoiceField(label=_("Instance"), choices=c.Instance.choices)
    decided_on = forms.DateField(
        label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    case_number = forms.CharField(label=_("Case number"), max_length=120)
    language = forms.ChoiceField(label=_("Language of the summary"), choices=settings.LANGUAGES)

    def clean_court_country(self) -> str | None:
        return str(self.cleaned_data.get("court_country") or "").strip().upper() or None


class PublishForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it may be published (the facts generalised, or why they may stand)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The statistics' columns (caselaw.statistics.COLUMNS), as the page heads them.
STATISTICS_COLUMNS = (
    _("Convicted, custody 0-11 months"),
    _("Convicted, custody 12-59 months"),
    _("Convicted, custody 60-119 months"),
    _("Convicted, custody 120 months or more"),
    _("Convicted, no custody"),
    _("Acquitted"),
    _("Dismissed"),
    _("Pending"),
)


class StatisticsForm(forms.Form):
    country = forms.CharField(label=_("Country"), required=False, max_length=3)
    year_from = forms.IntegerField(label=_("From"), required=False, min_value=1800, max_value=2200)
    year_to = forms.IntegerField(label=_("To"), required=False, min_value=1800, max_value=2200)

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "").strip().upper()


class JudgmentForm(forms.Form):
    file = forms.FileField(label=_("The judgment's file (anonymised: PDF, DOCX, HTML or text)"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
