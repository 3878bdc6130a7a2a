"""Arabic: Django gives a date format but no date-and-time format (the default, "N j, Y, P",
put the month first with Latin commas next to dates written "5 ديسمبر، 2026"). One order for
both: day, month, year, then the time on the 24-hour clock."""

DATETIME_FORMAT = "j F، Y، H:i"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"  # right-to-left marks, as Django's own
