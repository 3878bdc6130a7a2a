"""Forms of the statistics pages. They only parse what was typed; the services validate."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country
from palermo.statistics.derivation import DERIVABLE
from palermo.statistics.models import DataSet, Dimension, Indicator
from palermo.statistics.periods import PeriodError, parse_period
from palermo.statistics.selectors import GridBlock

UPLOAD_FORMATS = {"csv": "csv", "xlsx": "xlsx"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - a programming error otherwise
    field.choices = choices


def _indicator_choices() -> list[tuple[str, str]]:
    # Reference data names in the reader's language (palermo/core/reference_data.txt).
    return [(i.code, gettext(i.name)) for i in Indicator.objects.order_by("position", "code")]


def _dataset_choices(*, entry: bool = False) -> list[tuple[str, str]]:
    qs = DataSet.objects.order_by("code")
    if entry:  # figures a country enters itself come in data sets with validation rules
        qs = qs.filter(rules__isnull=False).distinct()
    return [(d.code, gettext(d.name)) for d in qs]


class AcrossForm(forms.Form):
    """Which period (and data set) to compare countries in."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    dataset = forms.ChoiceField(label=_("Data set"), required=False)

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "period", [(p, p) for p in periods])
        _set_choices(self, "dataset", [("", _("All data sets")), *_dataset_choices()])


ROUTE_SOURCES = [
    ("figures", _("Reported figures (by citizenship)")),
    ("cases", _("Case records of this node (movements)")),
]


class RouteForm(forms.Form):
    """Which figures the routes are drawn from. Case records are offered only to the users the
    derivation lets read them (national coordinators, analysts)."""

    source = forms.ChoiceField(label=_("Source"), required=False)
    indicator = forms.ChoiceField(label=_("Indicator"), initial="victims_detected")
    year_from = forms.IntegerField(label=_("From year"), required=False, min_value=1900)
    year_to = forms.IntegerField(label=_("To year"), required=False, max_value=2100)
    dataset = forms.ChoiceField(label=_("Data set"), required=False)

    def __init__(self, *args: Any, cases: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "source", ROUTE_SOURCES if cases else ROUTE_SOURCES[:1])
        if not cases:
            self.fields["source"].widget = forms.HiddenInput()
        _set_choices(self, "indicator", _indicator_choices())
        _set_choices(self, "dataset", [("", _("All data sets")), *_dataset_choices()])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("year_from"), data.get("year_to")
        if first is not None and last is not None and first > last:
            self.add_error("year_to", _("The last year comes before the first year."))
        return data


class CompletenessForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Data set"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "dataset", _dataset_choices())


class EntryScopeForm(forms.Form):
    """Which figures to enter: a data set, the coordinator's country and a period."""

    dataset = forms.ChoiceField(label=_("Data set"))
    period = forms.CharField(
        label=_("Period"),
        max_length=24,
        help_text=_("A year (2024) or a quarter (2024-Q3), as the data set is reported."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "dataset", _dataset_choices(entry=True))

    def clean_period(self) -> str:
        text = str(self.cleaned_data["period"]).strip()
        try:
            period = parse_period(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None
        if "/" in period.text:
            raise forms.ValidationError(_("Enter one year or one quarter, not a range."))
        return period.text


class UploadForm(forms.Form):
    """A filled-in data-set template (CSV or XLSX, as downloaded)."""

    file = forms.FileField(label=_("Filled-in template (CSV or XLSX)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if suffix not in UPLOAD_FORMATS:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file (the template)."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    @property
    def format(self) -> str:
        name = self.cleaned_data["file"].name
        return UPLOAD_FORMATS[name.rsplit(".", 1)[-1].lower()]


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why return the figures to draft?"), max_length=500)


class TraceForm(forms.Form):
    """Why a derived figure is traced to the persons it counts (kept in the audit log)."""

    reason = forms.CharField(
        label=_("Why do you trace this figure?"),
        max_length=500,
        help_text=_("Kept in the audit log with the persons or requests shown."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PublishForm(forms.Form):
    """Publish one breakdown of validated figures with small-cell and secondary suppression."""

    table = forms.ChoiceField(label=_("Table"))
    threshold = forms.IntegerField(
        label=_("Small-cell threshold"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("Cells below it are suppressed; empty: the data set's threshold."),
    )

    def __init__(self, *args: Any, tables: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "table", tables)

    @property
    def indicator(self) -> str:
        return str(self.cleaned_data["table"]).split("|", 1)[0]

    @property
    def dimensions(self) -> list[str]:
        return [d for d in str(self.cleaned_data["table"]).split("|", 1)[1].split(",") if d]


def _table(indicator: Indicator, breakdown: Sequence[str]) -> str:
    """The choice value of a table: "indicator|dim,dim" (PublishForm reads it back)."""
    return "{}|{}".format(indicator.code, ",".join(breakdown))


def _breakdown(breakdown: Sequence[str], names: dict[str, str]) -> str:
    return " × ".join(str(names.get(d, d)).lower() for d in breakdown)


def _dimension_names() -> dict[str, str]:
    return {d.code: gettext(d.name) for d in Dimension.objects.all()}


def breakdown_tables(*, totals: bool = False) -> list[tuple[str, str]]:
    """Every breakdown an indicator collects, as "indicator|dim,dim" choices for a table;
    `totals`: also each indicator's total by country (for tables of several countries)."""
    names = _dimension_names()
    out: list[tuple[str, str]] = []
    for indicator in Indicator.objects.order_by("position", "code"):
        for breakdown in indicator.breakdowns:
            if not breakdown and not totals:
                continue
            label = _breakdown(breakdown, names) or _("total by country")
            out.append(
                (_table(indicator, breakdown), "{}, {}".format(gettext(indicator.name), label))
            )
    return out


def grid_tables(blocks: Iterable[GridBlock]) -> list[tuple[str, str]]:
    """The breakdowns of an entry grid that can be published as tables, as choices."""
    names = _dimension_names()
    return [
        (
            _table(b.indicator, b.dimensions),
            _("{indicator}, by {breakdown}").format(
                indicator=gettext(b.indicator.name), breakdown=_breakdown(b.dimensions, names)
            ),
        )
        for b in blocks
        if b.dimensions
    ]


class RegionalPublishForm(PublishForm):
    """An analyst's table of several countries' figures released for publication."""

    dataset = forms.ChoiceField(label=_("Data set"))
    period = forms.CharField(label=_("Period"), max_length=24)
    countries = forms.CharField(
        label=_("Countries"),
        max_length=2000,
        help_text=_("ISO 3166 alpha-3 codes separated by commas, e.g. BWA, NAM, ZAF."),
    )
    field_order = ["dataset", "period", "table", "countries", "threshold"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, tables=breakdown_tables(totals=True), **kwargs)
        _set_choices(self, "dataset", _dataset_choices(entry=True))

    def clean_countries(self) -> list[str]:
        codes = [c.strip().upper() for c in str(self.cleaned_data["countries"]).split(",")]
        codes = [c for c in codes if c]
        known = set(Country.objects.filter(iso3__in=codes).values_list("iso3", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError(
                _("Not ISO 3166 alpha-3 codes: {}.").format(", ".join(unknown))
            )
        if len(set(codes)) < 2:  # noqa: PLR2004 - a regional table needs two countries
            raise forms.ValidationError(_("Name at least two countries."))
        return sorted(set(codes))


class DPReleaseForm(forms.Form):
    """A differentially private table of the coordinator's case records: what to count, and how
    much of the data set's privacy budget (epsilon) the release spends."""

    dataset = forms.ChoiceField(
        label=_("Data set"),
        # The budget beside the form follows the data set chosen.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("statistics:publication_budget"),
                "hx-target": "#budget",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        ),
    )
    indicator = forms.ChoiceField(label=_("Indicator"))
    period = forms.CharField(
        label=_("Period"),
        max_length=24,
        help_text=_("A year (2024) or a quarter (2024-Q3), as the data set is reported."),
    )
    dimensions = forms.MultipleChoiceField(
        label=_("Dimensions"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The breakdown of the table; the indicator must collect each of them."),
    )
    epsilon = forms.FloatField(
        label=_("Epsilon"),
        help_text=_(
            "The privacy this release spends from the budget: smaller is more private and noisier."
        ),
    )
    max_contributions = forms.IntegerField(
        label=_("Max contributions per person"),
        initial=1,
        help_text=_(
            "The most records one person adds to the table (more are left out); the noise "
            "grows with it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        budgeted = DataSet.objects.filter(privacy_budget__isnull=False).order_by("code")
        _set_choices(self, "dataset", [(d.code, gettext(d.name)) for d in budgeted])
        indicators = Indicator.objects.filter(code__in=DERIVABLE).order_by("position", "code")
        _set_choices(self, "indicator", [(i.code, gettext(i.name)) for i in indicators])
        _set_choices(
            self, "dimensions", [(d.code, gettext(d.name)) for d in Dimension.objects.all()]
        )
