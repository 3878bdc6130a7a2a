"""One order for dates and for dates with a time in each UN language (palermo/core/formats)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, translation

MOMENT = dt.datetime(2026, 12, 5, 23, 20, tzinfo=dt.UTC)


@pytest.mark.parametrize("language", ["ar", "es", "fr", "ru", "zh-hans", "en"])
def test_a_date_with_its_time_starts_as_the_date_alone(language: str) -> None:
    with translation.override(language):
        date = formats.date_format(MOMENT.date(), "DATE_FORMAT")
        moment = formats.date_format(MOMENT, "DATETIME_FORMAT")
    assert moment.startswith(date.split("،")[0].split(",")[0].strip()), (date, moment)


def test_arabic_dates_are_written_as_in_un_documents() -> None:
    """Day, both names of the month, year; then the time."""
    with translation.override("ar"):
        assert formats.date_format(MOMENT.date(), "DATE_FORMAT") == "5 كانون الأول/ديسمبر 2026"
        assert formats.date_format(MOMENT, "DATETIME_FORMAT") == "5 كانون الأول/ديسمبر 2026، 23:20"
        assert formats.date_format(dt.date(2026, 5, 1), "DATE_FORMAT") == "1 أيار/مايو 2026"
