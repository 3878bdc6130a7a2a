"""A registry user's first day (issue 12): the ratification matrix and the instrument and country
pages show the depositaries' current statuses, and "no record" apart from "signatory only".

Runs in headless Chromium against the live server (`pytest -m browser`); the reference data is
the shipped data, loaded as `palermo load-reference` loads it on a fresh node.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def test_a_user_sees_current_statuses_and_no_record_apart_from_signatory(page: Page) -> None:
    # The AALCO ratification matrix as of a day in 2026: not 2005 any more.
    page.goto("/registry/mechanisms/AALCO/?as_of=2026-12-05")
    matrix = page.locator("#matrix")
    # Each instrument says how far its sources reach.
    expect(matrix.locator("thead th").nth(1)).to_contain_text("sources to Jan. 27, 2014")
    expect(matrix.locator("thead th").nth(3)).to_contain_text("sources to July 10, 2014")

    # Nigeria: party to UNTOC, the Trafficking Protocol and (no longer blank) the Smuggling
    # Protocol, with the years of the UN Treaty Collection's list.
    nigeria = matrix.locator("tr[data-country=NGA] td")
    expect(nigeria.nth(0)).to_have_text("party 2001")
    expect(nigeria.nth(1)).to_have_text("party 2001")
    expect(nigeria.nth(2)).to_have_text("party 2001")

    # Japan had signed only: "signatory only". North Korea: no source names it, "no record",
    # drawn differently (dashed) and with the date in its title.
    japan = matrix.locator("tr[data-country=JPN] td").nth(0)
    expect(japan.locator(".badge")).to_have_text(re.compile(r"^signatory only \d{4}$"))
    expect(japan.locator(".badge")).to_have_class(re.compile(r"status-signatory"))
    north_korea = matrix.locator("tr[data-country=PRK] td").nth(0)
    expect(north_korea.locator(".badge")).to_have_text("no record")
    expect(north_korea.locator(".badge")).to_have_class(re.compile(r"status-no_record"))
    expect(north_korea.locator(".badge")).to_have_attribute(
        "title", "The registry holds no record for PRK up to Jan. 27, 2014"
    )
    dashed = north_korea.locator(".badge").evaluate("e => getComputedStyle(e).borderTopStyle")
    solid = japan.locator(".badge").evaluate("e => getComputedStyle(e).borderTopStyle")
    assert (dashed, solid) == ("dashed", "solid")

    # The instrument page says how current the registry is.
    page.locator("#matrix thead").get_by_role("link", name="UNTOC").click()
    expect(page.locator("h1")).to_have_text("UNTOC")
    expect(page.locator("#current-to")).to_contain_text("Jan. 27, 2014")
    expect(page.locator(".no-record-note")).to_contain_text("not “not bound”")
    italy = page.locator("#parties-table tr[data-country=ITA]")
    expect(italy).to_contain_text("ratification Aug. 2, 2006")
    expect(italy.get_by_role("link", name="MTDSG XVIII-12")).to_have_attribute(
        "href", re.compile(r"^https://treaties\.un\.org/")
    )
    expect(italy.locator(".badge")).to_have_text("party")

    # A country page: three different badges, "no record" with the date.
    page.goto("/registry/countries/PSE/?as_of=2026-12-05")
    untoc = page.locator("tr[data-instrument=untoc]")
    expect(untoc).to_have_attribute("data-status", "no_record")
    expect(untoc.locator(".badge")).to_have_text("no record up to Jan. 27, 2014")
    page.goto("/registry/countries/LKA/?as_of=2026-12-05")
    expect(page.locator("tr[data-instrument=untoc] .badge")).to_have_text("party")
    expect(page.locator("tr[data-instrument=trafficking-protocol] .badge")).to_have_text(
        "signatory only"
    )
