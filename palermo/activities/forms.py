"""The clearing house's forms (issue 17)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.activities.models import Kind, Profession
from palermo.activities.themes import THEMES
from palermo.core.pickers import country_options


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


def _themes() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in THEMES.items()]


class SupplyFilterForm(forms.Form):
    country = forms.CharField(label=_("Country"), required=False, max_length=3)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    profession = forms.ChoiceField(
        label=_("Profession"), required=False, choices=[("", _("any")), *Profession.choices]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["theme"].choices = [("", _("any")), *_themes()]  # type: ignore[attr-defined]

    def clean_country(self) -> str:
        return str(self.cleaned_data.get("country") or "").strip().upper()


class NeedForm(forms.Form):
    """A need a State stated, recorded by hand (one not in a questionnaire reply)."""

    country = forms.ChoiceField(label=_("Country"))
    theme = forms.ChoiceField(label=_("Theme"))
    profession = forms.ChoiceField(
        label=_("Profession"),
        required=False,
        choices=[("", _("any profession")), *Profession.choices],
    )
    year = forms.IntegerField(label=_("Year stated"), min_value=1900, max_value=2200)
    source = forms.CharField(
        label=_("Source (document, paragraph)"),
        max_length=300,
        help_text=_("Where the State stated the need: a reply, a national action plan, a request."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "need-%s")  # ids apart from the filter's on the same page
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [("", "—"), *country_options()]  # type: ignore[attr-defined]
        self.fields["theme"].choices = [("", "—"), *_themes()]  # type: ignore[attr-defined]


class TrainingForm(forms.Form):
    joint = forms.BooleanField(label=_("Joint training of several agencies"), required=False)
    curriculum = forms.CharField(
        label=_("Curriculum"), required=False, max_length=20_000, widget=forms.Textarea
    )
    results = forms.CharField(
        label=_("Results"), required=False, max_length=20_000, widget=forms.Textarea
    )


class AudienceForm(forms.Form):
    """One group a training reached: a profession in a country, participants by sex."""

    profession = forms.ChoiceField(
        label=_("Profession"), required=False, choices=[("", "—"), *Profession.choices]
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    women = forms.IntegerField(label=_("Women"), required=False, min_value=0, max_value=1_000_000)
    men = forms.IntegerField(label=_("Men"), required=False, min_value=0, max_value=1_000_000)
    other = forms.IntegerField(
        label=_("Other or not recorded"), required=False, min_value=0, max_value=1_000_000
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [("", "—"), *country_options()]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        filled = any(data.get(k) for k in ("profession", "country", "women", "men", "other"))
        if filled:
            if not data.get("profession"):
                self.add_error("profession", _("Choose the profession."))
            if not data.get("country"):
                self.add_error("country", _("Choose the country."))
        return data


AudienceFormSet = forms.formset_factory(AudienceForm, extra=3, max_num=200, validate_max=True)
