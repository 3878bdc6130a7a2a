"""A country profile in headless Chromium: dense and readable, with the same figures as before.

Nigeria's GLOTIP figures (its rows of UNODC's published file, vendored in tests/data) made a
profile 18,686 px tall: every row repeated the full source citation in a narrow column. The
profile now has, per indicator, one chart and a compact table with the years as columns, and
cites each source once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.statistics.interchange import data_import_run
from palermo.statistics.models import DIMENSIONS, TOTAL, Value
from palermo.statistics.tests.test_browser import (  # noqa: F401 - fixtures
    SCREENSHOTS,
    offline_page,
    reference,
)

pytestmark = pytest.mark.browser
NIGERIA = Path(__file__).resolve().parent / "data" / "glotip_nga.csv"
HEIGHT_BEFORE = 18_686  # px, the same page with the same figures before (main at a53743d)


def test_nigeria_profile_is_dense_and_cites_its_source_once(
    offline_page: Callable[[], Page],  # noqa: F811 - the fixture imported above
) -> None:
    data_import_run(actor=None, path=NIGERIA, fmt="glotip", public=True)
    totals = Value.objects.filter(
        country_id="NGA", label="", **dict.fromkeys(DIMENSIONS, TOTAL)
    ).select_related("source__document")
    page = offline_page()
    page.goto("/statistics/countries/NGA/")
    charts = page.locator("figure.chart")
    for n in range(charts.count()):
        expect(charts.nth(n)).to_have_attribute("data-rendered", "true")
    # The same figures as before: every total of the country is in a table, once.
    figures = page.locator("table.profile-table td:not(.muted)")
    assert figures.count() == totals.count() == 68
    expect(page.locator("table.profile-table").first).to_contain_text("1,269")  # grouped (en)
    # The source is cited once, as a note, and each table points to it.
    first = totals.first()
    assert first is not None and first.source is not None
    citation = str(first.source)
    assert page.locator("main").inner_text().count(citation) == 1
    expect(page.locator("#sources li")).to_have_count(1)
    assert page.locator("table.profile-table sup a[href='#source-1']").count() >= 5
    # Years side by side: no table scrolls sideways on a 1280 px screen.
    assert page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)"
    )
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < HEIGHT_BEFORE / 3, height
    page.screenshot(path=str(SCREENSHOTS / "statistics-profile-nga.png"), full_page=True)
