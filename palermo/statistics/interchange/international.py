"""International data sets: UNODC GLOTIP (as published, masked values kept masked) and the
CTDC synthetic victim records (counted into cells). Each import replaces the previous import of
its kind into the data set, so importing the same file again changes nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from palermo.cases import interchange as cases_interchange
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Document, Source, User
from palermo.core.permissions import AnyUser, active_user
from palermo.statistics.choices import ValueOrigin, ValueStatus
from palermo.statistics.interchange.files import (
    CountryNames,
    ImportFileError,
    Raw,
    fold,
    read_rows,
    year_period,
)
from palermo.statistics.interchange.rows import figure_row
from palermo.statistics.models import DIMENSIONS, OTHER, TOTAL, UNKNOWN, DataSet, Dimension
from palermo.statistics.periods import PeriodError
from palermo.statistics.services import parse_figure

GLOTIP_COLUMNS = [
    "Iso3_code",
    "Country",
    "Region",
    "Subregion",
    "Indicator",
    "Dimension",
    "Category",
    "Sex",
    "Age",
    "Year",
    "Unit of measurement",
    "txtVALUE",
    "Source",
]
GLOTIP_DIMENSIONS = {
    "Total": None,
    "by form of exploitation": "exploitation",
    "by citizenship": "citizenship",
    "by country of repatriation": "country_of_repatriation",
}
# A count of persons above this is not plausible for one country and year; GLOTIP holds a few
# such cells (questionnaire references and dates read as numbers): kept, and flagged `suspect`.
SUSPECT_ABOVE = 100_000
# Category labels that mean the reporting country's own nationals, or no known country.
OWN_NATIONALS = {"nationals", "own country", "ciudadanos de su país", "ciudadanos de su pa�s"}
UNKNOWN_LABELS = {
    "unknown",
    "no information",
    "desconocido",
    "desconocida",
    "no determinada",
    "no determinadas",
    "no determinado",
    "sin determinar",
    "no registra",
    "(nationality not stated)",
}
# The CTDC synthetic victim dataset layout, as the cases import reads it.
CTDC_COLUMNS = list(cases_interchange.CTDC_COLUMNS)
CTDC_FLAGS = [c for c in CTDC_COLUMNS if c.startswith(("means", "is", "typeOf", "recruiter"))]


def require_importer(actor: AnyUser | None) -> User | None:
    """International data sets: imported from the command line, or by an analyst or admin."""
    if actor is None:
        return None
    user = active_user(actor)
    if user is None or user.role not in (Role.ANALYST, Role.ADMINISTRATOR):
        raise ForbiddenError(_("Only analysts and administrators import international data sets."))
    return user


def _source(document_key: str, locator: str) -> Source:
    document = Document.objects.filter(key=document_key).first()
    if document is None:
        raise ApplicationError(
            _("Document '{}' is not loaded: run palermo load-reference.").format(document_key)
        )
    source, _created = Source.objects.get_or_create(document=document, locator=locator)
    return source


def _codes_by_label(dimension: str, field: str) -> dict[str, str]:
    dim = Dimension.objects.get(code=dimension)
    out: dict[str, str] = {}
    for c in dim.codes:
        for label in c.get(field, []):
            out[str(label)] = str(c["code"])
    return out


# --- GLOTIP -----------------------------------------------------------------------------------


def glotip_figures(  # noqa: PLR0912, PLR0915 - one check per column
    path: Path, dataset: DataSet, public: bool
) -> tuple[list[dict[str, Any]], int, str]:
    indicators = {i.glotip_name: i for i in dataset.indicators.all() if i.glotip_name}
    sexes = _codes_by_label("sex", "glotip")
    ages = _codes_by_label("age_group", "glotip")
    forms = _codes_by_label("exploitation", "glotip")
    names = CountryNames()
    source = _source("unodc-glotip-2025", path.name)
    figures: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    rows = 0
    for raw in read_rows(path, GLOTIP_COLUMNS):
        rows += 1

        def fail(reason: str, raw: Raw = raw) -> ImportFileError:
            return ImportFileError(path.name, raw.line, reason)

        iso3 = raw.text("Iso3_code").upper()
        if not iso3:
            skipped[raw.text("Country") or "(no name)"] += 1
            continue
        if iso3 not in names.iso3:
            raise fail(_("unknown country code '{}'").format(iso3))
        indicator = indicators.get(raw.text("Indicator"))
        if indicator is None:
            raise fail(_("unknown indicator '{}'").format(raw.text("Indicator")))
        dimension_text = raw.text("Dimension")
        if dimension_text not in GLOTIP_DIMENSIONS:
            raise fail(_("unknown dimension '{}'").format(dimension_text))
        sex = "_T" if raw.text("Sex") == "Total" else sexes.get(raw.text("Sex"))
        age = "_T" if raw.text("Age") == "Total" else ages.get(raw.text("Age"))
        if sex is None:
            raise fail(_("unknown sex '{}'").format(raw.text("Sex")))
        if age is None:
            raise fail(_("unknown age '{}'").format(raw.text("Age")))
        try:
            period = year_period(raw.text("Year"))
        except PeriodError as exc:
            raise fail(_("'Year': {}").format(exc)) from None
        if raw.text("Unit of measurement") != "Counts":
            raise fail(_("unit '{}' is not Counts").format(raw.text("Unit of measurement")))
        try:
            figure = parse_figure(raw.text("txtVALUE"))
        except ValueError as exc:
            raise fail(_("'txtVALUE': {}").format(exc)) from None
        if figure is None:
            raise fail(_("'txtVALUE' is empty"))
        number, text, masked = figure
        if number is not None and number < 0:
            raise fail(_("'txtVALUE' is negative"))
        cell = dict.fromkeys(DIMENSIONS, TOTAL)
        cell["sex"], cell["age_group"] = sex, age
        label = ""
        dim = GLOTIP_DIMENSIONS[dimension_text]
        category = raw.text("Category")
        if dim is None:
            if category != "Total":
                raise fail(_("category '{}' with dimension Total").format(category))
        elif dim == "exploitation":
            code = forms.get(category)
            if code is None:
                raise fail(_("unknown form of exploitation '{}'").format(category))
            cell[dim] = code
        else:
            label = category[:200]
            folded = fold(category)
            if folded in OWN_NATIONALS:
                cell[dim] = iso3
            elif folded in UNKNOWN_LABELS or not folded:
                cell[dim] = UNKNOWN
            else:
                cell[dim] = names.code(category) or OTHER
        figures.append(
            figure_row(
                dataset_id=dataset.pk,
                indicator_id=indicator.pk,
                country=iso3,
                period=period,
                cell=[cell[d] for d in DIMENSIONS],
                number=number,
                text=text,
                masked=masked,
                label=label,
                suspect=number is not None and number > SUSPECT_ABOVE,
                status=ValueStatus.PUBLISHED.value,
                origin=ValueOrigin.GLOTIP.value,
                public=public,
                source_id=source.pk,
                source_ref="line {}".format(raw.line),
            )
        )
    notes = ""
    if skipped:
        notes = _("rows without an ISO 3166 code not imported: {}").format(
            ", ".join("{} ({})".format(k, v) for k, v in sorted(skipped.items()))
        )
    return figures, rows, notes


# --- CTDC -------------------------------------------------------------------------------------


def ctdc_figures(  # noqa: PLR0912 - one check per column
    path: Path, dataset: DataSet, public: bool
) -> tuple[list[dict[str, Any]], int, str]:
    indicator = dataset.indicators.get(code="victims_registered")
    sexes = _codes_by_label("sex", "ctdc")
    ages = _codes_by_label("age_group", "ctdc")
    forms = _codes_by_label("exploitation", "ctdc")
    names = CountryNames()
    source = _source("ctdc-synthetic-2024", path.name)
    counts: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
    rows = 0
    no_country = 0
    for raw in read_rows(path, CTDC_COLUMNS):
        rows += 1

        def fail(reason: str, raw: Raw = raw) -> ImportFileError:
            return ImportFileError(path.name, raw.line, reason)

        year_text = raw.text("yearOfRegistration")
        if not year_text.isdigit() or not 1900 <= int(year_text) <= 2100:
            raise fail(_("'yearOfRegistration' is not a year: '{}'").format(year_text))
        flags = {}
        for name in CTDC_FLAGS:
            value = raw.text(name)
            if value not in ("", "1"):
                raise fail(_("'{}' must be 1 or empty, not '{}'").format(name, value))
            flags[name] = value == "1"
        sex = sexes.get(raw.text("gender"))
        if sex is None:
            raise fail(_("unknown gender '{}'").format(raw.text("gender")))
        age = ages.get(raw.text("ageBroad"))
        if age is None:
            raise fail(_("unknown ageBroad '{}'").format(raw.text("ageBroad")))
        codes = {}
        for column in ("citizenship", "CountryOfExploitation"):
            text = raw.text(column)
            code = names.code(text) if text else UNKNOWN
            if code is None:
                raise fail(_("unknown country '{}' in '{}'").format(text, column))
            codes[column] = code
        exploited = [
            forms[f] for f in ("isSexualExploit", "isForcedLabour", "isOtherExploit") if flags[f]
        ]
        form = exploited[0] if len(exploited) == 1 else ("MULTIPLE" if exploited else UNKNOWN)
        where = codes["CountryOfExploitation"]
        if where == UNKNOWN:
            no_country += 1
            continue
        key: tuple[str, ...] = (sex, age, form, codes["citizenship"], where, TOTAL)
        counts[(where, int(year_text), key)] += 1
    cells: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
    for (where, year, key), n in counts.items():
        for breakdown in indicator.breakdowns:
            cell = tuple(
                code if dim in breakdown else TOTAL
                for dim, code in zip(DIMENSIONS, key, strict=True)
            )
            cells[(where, year, cell)] += n
    figures = [
        figure_row(
            dataset_id=dataset.pk,
            indicator_id=indicator.pk,
            country=where,
            period=year_period(str(year)),
            cell=cell,
            number=n,
            text=str(n),
            masked=False,
            status=ValueStatus.PUBLISHED.value,
            origin=ValueOrigin.CTDC.value,
            public=public,
            source_id=source.pk,
            source_ref=path.name,
        )
        for (where, year, cell), n in sorted(cells.items())
    ]
    notes = (
        _("{} records without a country of exploitation not counted").format(no_country)
        if no_country
        else ""
    )
    return figures, rows, notes
