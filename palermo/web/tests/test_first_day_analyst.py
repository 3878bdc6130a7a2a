"""An analyst's first day on a fresh demo node, in headless Chromium (issue 12).

`palermo setup-demo` makes the node's users (the analyst of the demo secretariat, Italy's
national coordinator); Nigeria's coordinator is added. Italy's coordinator validates and
publishes its 2023 victims by sex and age group and by form of exploitation (publishing
releases them); Nigeria's coordinator validates its figures but never releases them. The
analyst then:

1. publishes a regional table (Italy + Nigeria): Italy contributed, Nigeria is listed as
   "no data", and Nigeria's unreleased figures appear nowhere (page, download, profile, API);
2. publishes a second breakdown of the same indicator: a new publication, not "v2";
3. reads the publication page: facts in words, no Python lists, one "Method" row;
4. opens Nigeria's country profile (its published GLOTIP figures): compact, sourced once.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import log_in
from palermo.statistics import publishing
from palermo.statistics import services as stats
from palermo.statistics.definitions import definitions_load
from palermo.statistics.interchange import data_import_run
from palermo.statistics.models import DataSet, Publication, Value
from palermo.statistics.tests.factories import colleague, enter

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
NIGERIA_GLOTIP = (
    Path(__file__).resolve().parents[2] / "statistics" / "tests" / "data" / "glotip_nga.csv"
)
SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
SCOPE: dict[str, Any] = {"dataset": "tip-annual", "period": "2023"}
ITALY = {
    "victims_detected": 1269,
    "victims_detected:sex=F:age_group=Y0T17": 250,
    "victims_detected:sex=F:age_group=Y_GE18": 761,
    "victims_detected:sex=M:age_group=Y0T17": 52,
    "victims_detected:sex=M:age_group=Y_GE18": 206,
    "victims_detected:exploitation=SEXUAL": 802,
    "victims_detected:exploitation=FORCED_LABOUR": 467,
}
NIGERIA_SECRET = 4637  # validated by Nigeria, never released
NIGERIA = {
    "victims_detected": NIGERIA_SECRET,
    "victims_detected:sex=F:age_group=Y0T17": 1208,
    "victims_detected:sex=F:age_group=Y_GE18": 2813,
    "victims_detected:sex=M:age_group=Y0T17": 409,
    "victims_detected:sex=M:age_group=Y_GE18": 207,
    "victims_detected:exploitation=SEXUAL": 3100,
    "victims_detected:exploitation=FORCED_LABOUR": 1537,
}


@pytest.fixture
def demo_node(live_reference: None, settings: Settings, tmp_path: Path) -> str:
    """A fresh demo node (`palermo setup-demo`); the demo password."""
    if not DataSet.objects.exists():
        definitions_load()
    settings.DATA_DIR = tmp_path
    call_command("setup_demo", stdout=io.StringIO())
    return (tmp_path / "demo-credentials.txt").read_text().strip()


def validated(user: User, cells: Mapping[str, int | str | None], country: str) -> None:
    enter(user, cells, country=country)
    stats.values_submit(actor=user, country=country, **SCOPE)
    stats.values_validate(actor=colleague(user), country=country, **SCOPE)  # not the submitter


def publish_regional(page: Page, table: str) -> None:
    page.goto("/statistics/publications/")
    page.get_by_role("link", name="Publish a regional table").click()
    page.get_by_label("Data set").select_option("tip-annual")
    page.get_by_label("Period").fill("2023")
    page.get_by_label("Table").select_option(table)
    page.get_by_label("Countries").fill("ITA, NGA")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("Published")


def secret_nowhere(text: str) -> None:
    for shown in ("4637", "4,637", "1,208", "2,813", "3,100", "1,537", "2813", "3100", "1537"):
        assert shown not in text, shown


def test_analyst_first_day(
    page: Page, demo_node: str, make_user: Callable[..., User], live_server: object
) -> None:
    italy = User.objects.get(username="coordinator")
    nigeria = make_user(Role.NATIONAL_COORDINATOR, org="NAPTIP", country="NGA")
    validated(italy, ITALY, "ITA")
    for dims in (
        ["sex", "age_group"],
        ["exploitation"],
    ):  # Italy releases both tables by publishing them
        publishing.publication_create(
            actor=italy, indicator="victims_detected", countries=["ITA"], dimensions=dims, **SCOPE
        )
    validated(nigeria, NIGERIA, "NGA")
    data_import_run(actor=None, path=NIGERIA_GLOTIP, fmt="glotip", public=True)

    # 1. A regional table of Italy and Nigeria, by sex.
    log_in(page, "analyst", demo_node)
    publish_regional(page, "victims_detected|sex,age_group")
    regional = Publication.objects.get(country=None)
    expect(page).to_have_url("/statistics/publications/{}/v1/".format(regional.key))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Victims of trafficking in persons detected by sex and age group, Italy and Nigeria, 2023"
    )
    expect(page.locator("#contributed")).to_have_text("Italy")
    expect(page.locator("#no-data")).to_have_text("Nigeria")
    table = page.locator("#publication-table")
    expect(table).to_contain_text("1,269")
    expect(table).not_to_contain_text("Nigeria")
    secret_nowhere(page.locator("main").inner_text())
    page.screenshot(path=str(SCREENSHOTS / "first-day-analyst-regional.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    secret_nowhere(Path(download.value.path()).read_text())
    assert set(
        Value.objects.filter(country_id="NGA", origin="entry").values_list("status", flat=True)
    ) == {"validated"}

    # 2. A second breakdown of the same indicator: its own publication, version 1.
    publish_regional(page, "victims_detected|exploitation")
    by_age = Publication.objects.exclude(pk=regional.pk).get(country=None)
    assert by_age.key != regional.key and by_age.version == 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("by form of exploitation")
    page.goto("/statistics/publications/")
    listing = page.locator("#publications")
    expect(listing).to_contain_text("detected by sex and age group, Italy and Nigeria, 2023")
    expect(listing).to_contain_text("detected by form of exploitation, Italy and Nigeria, 2023")
    expect(listing).not_to_contain_text("v2")

    # 3. The publication page reads as facts.
    listing.get_by_role("link", name="by form of exploitation, Italy and Nigeria").click()
    facts = page.locator("#method")
    expect(facts.locator("dt", has_text="Method")).to_have_count(1)
    text = facts.inner_text()
    assert "['" not in text and "[" not in text and "{" not in text
    expect(page.locator("#breakdown")).to_have_text("Form of exploitation")
    expect(page.locator("#threshold")).to_contain_text("5")
    secret_nowhere(page.locator("main").inner_text())
    page.screenshot(path=str(SCREENSHOTS / "first-day-analyst-publication.png"), full_page=True)

    # 4. Nigeria's country profile: its published GLOTIP figures, never the unreleased ones.
    page.goto("/statistics/")
    page.get_by_role("link", name="Nigeria").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nigeria")
    expect(page.locator("figure.chart").first).to_have_attribute("data-rendered", "true")
    expect(page.locator("table.profile-table").first).to_contain_text("1,269")
    expect(page.locator("#sources li")).to_have_count(1)
    secret_nowhere(page.locator("main").inner_text())
    assert page.evaluate("document.documentElement.scrollHeight") < 18_686 / 3
    page.screenshot(path=str(SCREENSHOTS / "first-day-analyst-profile.png"), full_page=True)
    response = page.request.get("/api/v1/statistics/values?country=NGA&origin=entry")
    secret_nowhere(response.text())
