"""Palermo's field screening forms as XForms (issue 18), for ODK Collect and KoboCollect.

One form per indicator list in use (`palermo_screening_<list key>`): where and when the
screening took place, the case's country, the person (names optional, sex, age, citizenship)
and the list's indicators observed, with notes. The form is written as an XLSForm (the format
field teams and KoboToolbox author in) and converted to an XForm by pyxform, as Kobo and ODK
do, so that what a client downloads is what those tools would have produced. Its version
follows the list's content: a changed list is a new version.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _
from openpyxl import Workbook  # type: ignore[import-untyped]
from pyxform.xls2xform import convert

from palermo.cases import htcds as h
from palermo.cases.models import IndicatorList
from palermo.core.models import Country

PREFIX = "palermo_screening_"


@dataclass(frozen=True)
class XForm:
    form_id: str
    title: str
    version: str
    xml: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml, usedforsecurity=False).hexdigest()


def form_id_of(indicator_list: IndicatorList) -> str:
    return PREFIX + indicator_list.key.replace("-", "_")


def lists_in_use() -> list[IndicatorList]:
    """The indicator lists a field team can screen with (in use, with indicators)."""
    return [
        lst
        for lst in IndicatorList.objects.filter(active=True).prefetch_related("indicators")
        if lst.indicators.all()
    ]


def _workbook(indicator_list: IndicatorList, version: str) -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "required", "constraint", "default"])
    rows = [
        ["today", "today", "", "", "", ""],
        ["date", "screened_on", _("Date of the screening"), "yes", ". <= today()", "today()"],
        ["text", "place", _("Where the screening took place"), "", "", ""],
        ["select_one countries", "case_country", _("Country of the case"), "yes", "", ""],
        ["begin group", "person", _("The person screened"), "", "", ""],
        ["text", "first_name", _("First name (optional)"), "", "", ""],
        ["text", "second_name", _("Family name (optional)"), "", "", ""],
        ["select_one gender", "gender", _("Gender"), "", "", ""],
        ["integer", "age", _("Age"), "", ". >= 0 and . <= 120", ""],
        ["select_one countries", "citizenship", _("Citizenship"), "", "", ""],
        ["end group", "person", "", "", "", ""],
        ["select_multiple indicators", "indicators", _("Indicators observed"), "", "", ""],
        ["text", "notes", _("Notes"), "", "", ""],
    ]
    for row in rows:
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for code, name in Country.objects.filter(historical=False).values_list("iso3", "name"):
        choices.append(["countries", code, "{} ({})".format(name, code)])
    for value, label in h.Gender.choices:
        choices.append(["gender", value, str(label)])
    for indicator in indicator_list.indicators.all():
        choices.append(["indicators", indicator.code, indicator.text])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "instance_name"])
    settings.append(
        [indicator_list.title[:250], form_id_of(indicator_list), version, "concat(${place})"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _version(indicator_list: IndicatorList) -> str:
    content = "|".join(
        "{}:{}:{}".format(i.code, i.strength, i.text) for i in indicator_list.indicators.all()
    )
    digest = hashlib.sha256("{}|{}".format(indicator_list.version, content).encode()).hexdigest()
    return "{}-{}".format(indicator_list.version, digest[:8])


@lru_cache(maxsize=16)
def _xml(list_pk: int, version: str, countries: int) -> bytes:
    """The XForm of a list's version (kept while the list and the countries are unchanged)."""
    indicator_list = IndicatorList.objects.prefetch_related("indicators").get(pk=list_pk)
    workbook = _workbook(indicator_list, version)
    result = convert(
        xlsform=io.BytesIO(workbook), file_type=".xlsx", form_name=form_id_of(indicator_list)
    )
    return str(result.xform).encode("utf-8")


def xform(indicator_list: IndicatorList) -> XForm:
    version = _version(indicator_list)
    return XForm(
        form_id=form_id_of(indicator_list),
        title=indicator_list.title,
        version=version,
        xml=_xml(indicator_list.pk, version, Country.objects.count()),
    )


def forms() -> list[XForm]:
    return [xform(lst) for lst in lists_in_use()]


def list_for(form_id: str) -> IndicatorList | None:
    return next((lst for lst in lists_in_use() if form_id_of(lst) == form_id), None)
