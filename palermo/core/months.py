"""The names of the months, in Palermo's catalogues as well as Django's, so that Arabic dates
are written as the UN's Arabic documents write them, with both names of the month
("5 كانون الأول/ديسمبر 2026"); the other languages keep Django's names. Django's date formats
("F") look these texts up; marking them here puts them in our catalogues, which come first."""

from __future__ import annotations

from django.utils.translation import gettext_noop

MONTH_NAMES = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
