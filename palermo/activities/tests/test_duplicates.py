"""One activity, several reports (issue 17): the donor's, the implementer's and the host
State's reports of one training are one activity, counted once; a training of the same donor
in the same country a year later, or a different project of the same organisations at the same
time, stays apart."""

from __future__ import annotations

import datetime as dt

import pytest

from palermo.activities import selectors, services
from palermo.activities.models import Activity
from palermo.activities.tests.test_iati import EXAMPLE
from palermo.core.models import User

pytestmark = pytest.mark.django_db


def _activity(
    identifier: str, reporter: str, title: str, start: str, orgs: str, lang: str = "en"
) -> str:
    return (
        '<iati-activity xml:lang="{lang}"><iati-identifier>{id}</iati-identifier>'
        '<reporting-org ref="{rep}" type="10"><narrative>{rep}</narrative></reporting-org>'
        "<title><narrative>{title}</narrative></title>"
        "<description><narrative>{title}</narrative></description>{orgs}"
        '<activity-status code="2"/><activity-date type="2" iso-date="{start}"/>'
        '<recipient-country code="NG"/></iati-activity>'
    ).format(id=identifier, rep=reporter, title=title, start=start, orgs=orgs, lang=lang)


def _file(*activities: str) -> bytes:
    return '<?xml version="1.0"?><iati-activities version="2.03">{}</iati-activities>'.format(
        "".join(activities)
    ).encode()


DONOR = (
    '<participating-org role="1" ref="XM-DAC-41-EXAMPLE">'
    "<narrative>Example donor agency</narrative></participating-org>"
)


def test_reports_of_one_activity_are_counted_once(editor: User) -> None:
    report = services.activities_import(actor=editor, content=EXAMPLE.read_bytes(), source="a")
    assert report.grouped == 1
    host = _activity(
        "XM-EXAMPLE-GOV-NGA-7",
        "XM-EXAMPLE-NGA-GOV",
        "Formation conjointe sur la traite aux fins de travail forcé: police, parquet, "
        "inspection du travail",
        "2026-03-03",
        DONOR,
        lang="fr",
    )
    later = _activity(
        "XM-DAC-41-EXAMPLE-TIP-TRAINING-2027",
        "XM-DAC-41-EXAMPLE",
        "Joint training of police, prosecutors and labour inspectors on trafficking for "
        "forced labour",
        "2027-03-01",
        DONOR,
    )
    other = _activity(
        "XM-DAC-41-EXAMPLE-SHELTER-2026",
        "XM-DAC-41-EXAMPLE",
        "Equipment for two shelters for women and girls",
        "2026-03-02",
        DONOR,
    )
    report = services.activities_import(actor=editor, content=_file(host, later, other), source="b")
    groups = {
        frozenset(a.iati_identifier for a in reports)
        for reports in selectors.grouped(Activity.objects.all())
    }
    assert (
        frozenset(
            {
                "XM-DAC-41-EXAMPLE-TIP-TRAINING-2026",
                "XI-EXAMPLE-IMPLEMENTER-NGA-TRAINING-01",
                "XM-EXAMPLE-GOV-NGA-7",
            }
        )
        in groups
    )
    assert frozenset({"XM-DAC-41-EXAMPLE-TIP-TRAINING-2027"}) in groups
    assert frozenset({"XM-DAC-41-EXAMPLE-SHELTER-2026"}) in groups
    assert len(groups) == 4 and report.grouped == 1  # noqa: PLR2004
    row = selectors.group_row(
        next(r for r in selectors.grouped(Activity.objects.all()) if len(r) == 3)  # noqa: PLR2004
    )
    assert row["countries"] == ["NGA"] and len(row["reports"]) == 3  # noqa: PLR2004
    assert Activity.objects.get(iati_identifier="XM-EXAMPLE-GOV-NGA-7").start_actual == dt.date(
        2026, 3, 3
    )
