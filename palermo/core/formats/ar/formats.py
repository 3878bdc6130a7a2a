"""Arabic dates as the UN's Arabic documents write them: day, both names of the month (from
Palermo's catalogue, palermo/core/months.py), year, with no comma ("5 كانون الأول/ديسمبر 2026");
with a time, the time after the date on the 24-hour clock (Django has no Arabic date-and-time
format: its default put the month first with Latin commas)."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"  # right-to-left marks, as Django's own
