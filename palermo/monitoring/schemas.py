"""Input and output schemas of the monitoring API."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class CountryListOut(Schema):
    """States in one line in UN editorial style, and how they were asked for."""

    text: str
    as_of: dt.date
    language: str
    context: str
    count: int
