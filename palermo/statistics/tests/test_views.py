"""Statistics pages through Django's test client.

Every page answers each role; analysts, other countries' coordinators and the anonymous see
public figures and publications only (never a country's unpublished figures: pages, charts and
downloads are checked); what a user may not see answers 404; forms show clear errors and write
nothing on bad input; the entry form blocks submission on errors and on warnings without a
comment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import Country, User
from palermo.statistics import charts
from palermo.statistics.models import Publication, Value
from palermo.statistics.publishing import publication_create
from palermo.statistics.tests.factories import (
    GOOD,
    PublicationFactory,
    PublicValueFactory,
    colleague,
    enter,
    victim,
)

pytestmark = pytest.mark.django_db

SECRET = 4242  # a figure only Botswana's coordinator may see
SECRET_ZWE = 4241


def html(response: Any) -> str:
    """The page's text with HTML entities resolved (quotes in messages are escaped)."""
    return unescape(response.content.decode())


def login(client: Client, user: User | None) -> Client:
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def secret(coordinator: User) -> User:
    """Botswana's draft figures, with a route from Zimbabwe."""
    enter(
        coordinator,
        {"victims_detected": SECRET, "victims_detected:citizenship=ZWE": SECRET_ZWE},
    )
    return coordinator


@pytest.fixture
def flows() -> None:
    """Public GLOTIP-like figures: Nigerians in Italy, Romanians in Germany, a masked route."""
    PublicValueFactory.create(country_id="ITA", figure=120, citizenship="NGA")
    PublicValueFactory.create(country_id="DEU", figure=60, citizenship="ROU")
    PublicValueFactory.create(country_id="DEU", figure="<5", citizenship="UKR")
    PublicValueFactory.create(country_id="ITA", figure=300)


@pytest.fixture
def users(
    make_user: Callable[..., User], stats_analyst: User, other_coordinator: User
) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "analyst": stats_analyst,
        "other coordinator": other_coordinator,
        "case worker": make_user(Role.CASE_WORKER, org="Shelter", country="BWA", kind="ngo"),
    }


# --- every page, every role -------------------------------------------------------------------


def test_public_pages_answer_everyone(
    users: dict[str, User | None], stats_analyst: User, flows: None
) -> None:
    publication = PublicationFactory.create(created_by=stats_analyst)
    pages = [
        reverse("statistics:index"),
        reverse("statistics:country", args=["LTU"]),
        reverse("statistics:indicator", args=["victims_detected"]),
        reverse("statistics:routes"),
        reverse("statistics:publications"),
        reverse("statistics:publication", args=[publication.key]),
        reverse("statistics:publication_version", args=[publication.key, 1]),
    ]
    for who, user in users.items():
        client = login(Client(), user)
        for url in pages:
            assert client.get(url).status_code == 200, (who, url)


def test_completeness_needs_a_login_and_entry_a_coordinator(
    users: dict[str, User | None], coordinator: User
) -> None:
    board, entry = reverse("statistics:completeness"), reverse("statistics:entry")
    anonymous = Client()
    assert anonymous.get(board)["Location"].startswith("/login/?next=")
    assert anonymous.get(entry)["Location"].startswith("/login/?next=")
    for who in ("analyst", "case worker"):
        client = login(Client(), users[who])
        assert client.get(board).status_code == 200, who
        assert client.get(entry).status_code == 404, who
    assert login(Client(), coordinator).get(entry).status_code == 200


def test_navigation_shows_data_entry_to_coordinators_only(
    coordinator: User, stats_analyst: User
) -> None:
    entry = 'href="{}"'.format(reverse("statistics:entry"))
    index = 'href="{}"'.format(reverse("statistics:index"))
    page = html(login(Client(), coordinator).get(reverse("web:home")))
    assert entry in page and index in page
    for user in (stats_analyst, None):
        page = html(login(Client(), user).get(reverse("web:home")))
        assert entry not in page and index in page


# --- only published or public figures for analysts and the anonymous -----------------------------


def _private_urls() -> list[str]:
    across = reverse("statistics:indicator", args=["victims_detected"]) + "?period=2023"
    return [
        reverse("statistics:index"),
        reverse("statistics:country", args=["BWA"]),
        reverse("statistics:country_data", args=["BWA", "csv"]),
        reverse("statistics:country_data", args=["BWA", "sdmx-csv"]),
        across,
        reverse("statistics:indicator_data", args=["victims_detected", "csv"]) + "?period=2023",
        reverse("statistics:indicator_chart", args=["victims_detected", "svg"]) + "?period=2023",
        reverse("statistics:routes"),
        reverse("statistics:route_chart", args=["sankey", "svg"]),
        reverse("statistics:route_chart", args=["map", "svg"]),
        reverse("statistics:completeness"),
    ]


def test_unpublished_figures_reach_only_their_coordinator(
    users: dict[str, User | None], secret: User
) -> None:
    for who, user in users.items():
        client = login(Client(), user)
        for url in _private_urls():
            response = client.get(url)
            body = response.content.decode()
            assert str(SECRET) not in body and str(SECRET_ZWE) not in body, (who, url)
            assert "Zimbabwe" not in body, (who, url)
        # Botswana has no figures they may see: no chart to export either.
        chart = reverse("statistics:country_chart", args=["BWA", 0, "svg"])
        assert client.get(chart).status_code == 404, who
    # The coordinator sees them on the same pages.
    client = login(Client(), secret)
    assert str(SECRET) in html(client.get(reverse("statistics:country", args=["BWA"])))
    assert "Zimbabwe" in html(client.get(reverse("statistics:routes")))
    svg = client.get(reverse("statistics:country_chart", args=["BWA", 0, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert svg["Cache-Control"].count("private") == 1


def test_the_completeness_board_counts_without_showing_figures(
    secret: User, stats_analyst: User
) -> None:
    page = html(login(Client(), stats_analyst).get(reverse("statistics:completeness")))
    assert "Botswana" in page and "2 figures" in page and "draft" in page
    assert str(SECRET) not in page


def test_public_figures_are_charted_for_everyone(flows: None) -> None:
    page = html(Client().get(reverse("statistics:routes")))
    for name in ("Nigeria", "Italy", "Romania", "Germany", "Ukraine"):
        assert name in page
    assert 'id="flow-map-spec"' in page and 'id="sankey-spec"' in page
    assert "countries-110m.json" in page  # the boundaries come from our own static files
    assert "https://" not in page.replace("https://vega.github.io/schema/vega-lite/v6.json", "")
    png = Client().get(reverse("statistics:route_chart", args=["sankey", "png"]))
    assert png["Content-Type"] == "image/png" and png.content[:4] == b"\x89PNG"
    page = html(Client().get(reverse("statistics:indicator", args=["victims_detected"])))
    assert "Italy" in page and "300" in page and "2019" in page


# --- 404 for what does not exist or may not be seen ----------------------------------------------


def test_unknown_or_forbidden_objects_answer_404(
    coordinator: User, other_coordinator: User
) -> None:
    client = login(Client(), coordinator)
    for url in (
        reverse("statistics:country", args=["XYZ"]),
        reverse("statistics:indicator", args=["no-such-indicator"]),
        reverse("statistics:publication", args=["no-such-table"]),
        reverse("statistics:publication_version", args=["no-such-table", 3]),
        reverse("statistics:entry_grid", args=["no-such-set", "BWA", "2023"]),
        reverse("statistics:entry_grid", args=["tip-annual", "BWA", "2023-Q9"]),
        reverse("statistics:entry_grid", args=["tip-annual", "NAM", "2023"]),
        reverse("statistics:entry_template", args=["tip-annual", "NAM", "2023", "csv"]),
        reverse("statistics:route_chart", args=["pie", "svg"]),
        reverse("statistics:route_chart", args=["map", "gif"]),
        reverse("statistics:country_data", args=["LTU", "json"]),
    ):
        assert client.get(url).status_code == 404, url
    other = login(Client(), other_coordinator)
    grid = reverse("statistics:entry_grid", args=["tip-annual", "BWA", "2023"])
    assert other.get(grid).status_code == 404
    before = Value.objects.count()
    assert other.post(grid, {"v:victims_detected": "5"}).status_code == 404
    assert Value.objects.count() == before


# --- form errors ------------------------------------------------------------------------------


def test_filter_forms_explain_bad_input() -> None:
    client = Client()
    response = client.get(reverse("statistics:routes"), {"year_from": 2020, "year_to": 2010})
    assert response.status_code == 400
    assert "The last year comes before the first year." in html(response)
    response = client.get(
        reverse("statistics:indicator", args=["victims_detected"]), {"period": "1850"}
    )
    assert response.status_code == 400 and "Select a valid choice" in html(response)


def test_entry_start_checks_the_period(coordinator: User) -> None:
    client = login(Client(), coordinator)
    url = reverse("statistics:entry")
    response = client.post(url, {"dataset": "tip-annual", "period": "2023-Q9"})
    assert response.status_code == 400 and "is not a period" in html(response)
    response = client.post(url, {"dataset": "tip-quarterly", "period": "2023"})
    assert response.status_code == 400 and "reported by quarter" in html(response)
    response = client.post(url, {"dataset": "tip-annual", "period": "2023"})
    assert response["Location"] == reverse(
        "statistics:entry_grid", args=["tip-annual", "BWA", "2023"]
    )


# --- the entry form ---------------------------------------------------------------------------


def grid_url(period: str = "2023") -> str:
    return reverse("statistics:entry_grid", args=["tip-annual", "BWA", period])


def figures() -> dict[str, tuple[str, str]]:
    return {
        ":".join(
            [
                v.indicator.code,
                *(
                    "{}={}".format(k, c)
                    for k, c in zip(
                        (
                            "sex",
                            "age_group",
                            "exploitation",
                            "citizenship",
                            "country_of_exploitation",
                            "country_of_repatriation",
                        ),
                        v.key,
                        strict=True,
                    )
                    if c != "_T"
                ),
            ]
        ): (v.value_text, v.status)
        for v in Value.objects.filter(country_id="BWA").select_related("indicator")
    }


def test_entry_rejects_unreadable_cells_and_writes_nothing(coordinator: User) -> None:
    client = login(Client(), coordinator)
    page = html(client.get(grid_url()))
    assert 'name="v:victims_detected:sex=F:age_group=Y0T17"' in page
    response = client.post(
        grid_url(), {"v:victims_detected": "12", "v:persons_convicted": "abc", "action": "save"}
    )
    assert response.status_code == 400
    body = html(response)
    assert "'abc' is not a count" in body
    assert 'value="abc"' in body and 'value="12"' in body  # the input is kept
    assert Value.objects.filter(country_id="BWA").count() == 0


def test_entry_blocks_submission_on_errors_and_uncommented_warnings(coordinator: User) -> None:
    client = login(Client(), coordinator)
    cells = {"v:" + k: str(v) for k, v in GOOD.items()}
    cells["v:victims_detected"] = "25"  # the sex x age breakdown adds up to 20
    cells["v:persons_convicted"] = "12"  # more than the 9 prosecuted: a warning
    cells["add:victims_detected:citizenship"] = "zwe"  # a country row added on the form
    cells["add:victims_detected:citizenship:value"] = "<5"
    response = client.post(grid_url(), {**cells, "action": "save"})
    assert response.status_code == 302
    assert figures()["victims_detected:citizenship=ZWE"] == ("<5", "draft")

    response = client.post(grid_url(), {"action": "submit"})
    assert response.status_code == 400
    body = html(response)
    assert "Not submitted: 2 error(s) and 1 warning(s) without a comment." in body
    assert "2 error(s), 1 warning(s) without a comment: see the cells marked below." in body
    assert "Error: The sex x age group breakdown adds up to 20, but the total is 25." in body
    assert "Error: The citizenship breakdown adds up to 0-4, but the total is 25." in body
    assert "Warning: 12 persons convicted but 9 prosecuted in 2023" in body
    assert "Comment (required)" in body
    assert {s for _v, s in figures().values()} == {"draft"}

    # Correct the total and explain the warning: now it goes through.
    response = client.post(
        grid_url(),
        {
            "v:victims_detected": "20",
            "add:victims_detected:citizenship": "BWA",
            "add:victims_detected:citizenship:value": "16",
            "c:persons_convicted": "Cohort of 2022 convicted in 2023.",
        },
    )
    assert response.status_code == 302
    response = client.post(grid_url(), {"action": "submit"})
    assert response.status_code == 302
    assert {s for _v, s in figures().values()} == {"submitted"}
    page = html(client.get(grid_url()))
    assert "The figures were submitted." in page and "readonly" in page

    # A submitted figure cannot be changed from the form; validation, then return to draft.
    response = client.post(grid_url(), {"v:victims_detected": "21", "action": "save"})
    assert response.status_code == 400 and "return it to draft to change it" in html(response)
    # The submitter cannot validate (separation of duties): no button, and a post is refused.
    page = html(client.get(grid_url()))
    assert 'value="validate"' not in page and "another national coordinator" in page
    response = client.post(grid_url(), {"action": "validate"})
    assert response.status_code == 400 and "so you cannot validate them" in html(response)
    assert {s for _v, s in figures().values()} == {"submitted"}
    client = login(Client(), colleague(coordinator))
    assert client.post(grid_url(), {"action": "validate"}).status_code == 302
    assert {s for _v, s in figures().values()} == {"validated"}
    response = client.post(grid_url(), {"action": "return", "reason": ""})
    assert response.status_code == 400 and "This field is required" in html(response)
    response = client.post(grid_url(), {"action": "return", "reason": "Late police figures"})
    assert response.status_code == 302
    assert {s for _v, s in figures().values()} == {"draft"}


def test_template_download_and_upload(coordinator: User) -> None:
    enter(coordinator, {"victims_detected": 20})
    client = login(Client(), coordinator)
    url = reverse("statistics:entry_template", args=["tip-annual", "BWA", "2023", "csv"])
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    total = next(r for r in rows if r["indicator"] == "victims_detected" and r["sex"] == "_T")
    assert total["value"] == "20" and total["country"] == "BWA" and total["period"] == "2023"
    xlsx = client.get(url.replace("template.csv", "template.xlsx"))
    assert xlsx.content[:2] == b"PK"

    total["value"] = "23"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = reverse("statistics:entry_upload", args=["tip-annual", "BWA", "2023"])
    response = client.post(
        upload, {"file": SimpleUploadedFile("bwa.csv", out.getvalue().encode(), "text/csv")}
    )
    assert response.status_code == 302
    assert figures()["victims_detected"] == ("23", "draft")
    page = html(client.get(grid_url()))
    assert "figures read from bwa.csv" in page

    # A file that is not a template: a clear message and nothing written.
    response = client.post(
        upload, {"file": SimpleUploadedFile("notes.txt", b"hello", "text/plain")}, follow=True
    )
    assert "Upload a .csv or .xlsx file" in html(response)
    bad = out.getvalue().replace(",23,", ",lots,")
    response = client.post(
        upload, {"file": SimpleUploadedFile("bad.csv", bad.encode(), "text/csv")}, follow=True
    )
    assert "Nothing was imported" in html(response) and "bad.csv" in html(response)
    assert figures()["victims_detected"] == ("23", "draft")


# --- publications -----------------------------------------------------------------------------


def test_publication_shows_suppressed_cells_and_its_method(coordinator: User) -> None:
    PublicationFactory.create(created_by=coordinator)
    latest = PublicationFactory.create(created_by=coordinator, version=2)
    client = Client()
    page = html(client.get(reverse("statistics:publications")))
    assert "Victims detected in Botswana by sex, 2023" in page and "v2" in page
    page = html(client.get(reverse("statistics:publication", args=[latest.key])))
    assert "v2" in page and "Small-cell suppression with secondary suppression" in page
    assert "suppressed (small cell)" in page and "suppressed (protects another cell)" in page
    assert "2 cells are suppressed" in page and ">17<" in page
    assert "Small-cell threshold" in page and "Information loss" in page
    csv_url = reverse("statistics:publication_data", args=[latest.key, 2, "csv"])
    assert 'href="{}"'.format(csv_url) in page
    response = client.get(csv_url)
    assert response.status_code == 200 and b"17" in response.content
    assert (
        client.get(reverse("statistics:publication_version", args=[latest.key, 1])).status_code
        == 200
    )


# --- exports ----------------------------------------------------------------------------------


def test_table_downloads_in_every_format(flows: None) -> None:
    client = Client()
    base = reverse("statistics:indicator_data", args=["victims_detected", "x"])[:-1]
    csv_response = client.get(base + "csv?period=2019")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert b"ITA" in csv_response.content and b"300" in csv_response.content
    assert client.get(base + "xlsx?period=2019").content[:2] == b"PK"
    sdmx = client.get(base + "sdmx-csv?period=2019")
    assert (
        sdmx.content.startswith(b"DATAFLOW,")
        and b"-sdmx.csv" in sdmx["Content-Disposition"].encode()
    )


def test_coordinator_publishes_validated_figures_with_suppression(
    coordinator: User, stats_analyst: User
) -> None:
    enter(coordinator, GOOD)
    client = login(Client(), coordinator)
    assert "Publish a table" not in html(client.get(grid_url()))  # drafts cannot be published
    assert client.post(grid_url(), {"action": "submit"}).status_code == 302
    assert (
        login(Client(), colleague(coordinator)).post(grid_url(), {"action": "validate"}).status_code
        == 302
    )
    page = html(client.get(grid_url()))
    assert "Publish a table" in page
    table = "victims_detected|sex,age_group"
    assert 'value="{}"'.format(table) in page
    response = client.post(grid_url(), {"action": "publish", "table": table, "threshold": "0"})
    assert response.status_code == 400 and "greater than or equal to 1" in html(response)
    assert not Publication.objects.exists()
    response = client.post(grid_url(), {"action": "publish", "table": table, "threshold": "5"})
    publication = Publication.objects.get()
    assert response["Location"] == reverse(
        "statistics:publication_version", args=[publication.key, publication.version]
    )
    # Anyone reads it; the small cells (2 and 4 males) are suppressed, with a protecting cell.
    page = html(login(Client(), stats_analyst).get(response["Location"]))
    assert "suppressed (small cell)" in page and "suppressed (protects another cell)" in page
    assert ">20<" in page  # the published total
    cells = {tuple(c["key"]): c["value"] for c in publication.cells}
    assert cells[("M", "Y0T17")] is None and cells[("M", "Y_GE18")] is None
    assert {s for _v, s in figures().values() if s} >= {"published"}


def test_routes_chart_the_largest_and_list_them_all() -> None:
    origins = list(
        Country.objects.filter(historical=False).exclude(iso3="ITA").values_list("iso3", flat=True)
    )[:45]
    for i, code in enumerate(origins):
        PublicValueFactory.create(country_id="ITA", figure=100 + i, citizenship=code)
    response = Client().get(reverse("statistics:routes"))
    page = html(response)
    assert "The charts show the 40 largest of 45 routes" in page
    assert page.count('<td class="num">') == 45  # the table lists every route
    spec = response.context["sankey_spec"]
    assert len({f["origin"] for f in charts.sankey_flows(spec)}) == 40
    assert min(f["count"] for f in charts.sankey_flows(spec)) == 105  # the 5 smallest left out


def test_routes_from_case_records_for_coordinators_and_analysts(
    make_user: Callable[..., User], coordinator: User, stats_analyst: User
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter Gaborone", country="BWA", kind="ngo")
    day = dt.date(2024, 2, 1)
    for _ in range(5):
        victim(worker, day, route=[("Recruitment", "ZMB"), ("Exploitation", "BWA")])
    victim(worker, day, route=[("Recruitment", "ZWE"), ("Transit", "ZAF"), ("Exploitation", "BWA")])
    url = reverse("statistics:routes")
    query = {"source": "cases", "indicator": "victims_detected"}
    # The coordinator: every route of the country's cases, the transit one included.
    response = login(Client(), coordinator).get(url, query)
    flows = charts.sankey_flows(response.context["sankey_spec"])
    assert sorted({(f["origin"], f["transit"], f["display"]) for f in flows}) == [
        ("ZMB", "", "5"),
        ("ZWE", "ZAF", "1"),
    ]
    assert "South Africa" in html(response)
    # The analyst: the small route is suppressed, in the table and in the charts.
    response = login(Client(), stats_analyst).get(url, query)
    flows = charts.sankey_flows(response.context["sankey_spec"])
    assert sorted({(f["origin"], f["display"]) for f in flows}) == [("ZMB", "5"), ("ZWE", "<5")]
    assert all(f["count"] is None for f in flows if f["origin"] == "ZWE")
    # Anyone else cannot have case records: told so, and shown the reported figures.
    for user in (None, worker):
        response = login(Client(), user).get(url, query)
        assert response.status_code == 200 and response.context["source"] == "figures"
        assert "Routes from case records are for national coordinators" in html(response)
        assert "Zambia" not in html(response)


def test_routes_from_cases_opened_directly_use_defaults(
    make_user: Callable[..., User], coordinator: User, stats_analyst: User
) -> None:
    """`/statistics/routes/?source=cases` as a bookmark or a link: no indicator, no years."""
    worker = make_user(Role.CASE_WORKER, org="Shelter Gaborone", country="BWA", kind="ngo")
    for _ in range(5):
        victim(worker, dt.date(2024, 2, 1), route=[("Recruitment", "ZMB"), ("Exploitation", "BWA")])
    url = reverse("statistics:routes") + "?source=cases"
    for user in (coordinator, stats_analyst):
        response = login(Client(), user).get(url)
        assert response.status_code == 200, html(response)
        assert response.context["source"] == "cases" and not response.context["form"].errors
        assert [(f.origin, f.display) for f in response.context["flows"]] == [("ZMB", "5")]
        assert "Zambia" in html(response)
    response = Client().get(url)
    assert response.status_code == 200 and response.context["source"] == "figures"


def test_analysts_publish_regional_tables(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    url = reverse("statistics:publication_new")
    assert Client().get(url)["Location"].startswith("/login/?next=")
    assert login(Client(), coordinator).get(url).status_code == 404
    client = login(Client(), stats_analyst)
    assert "Publish a regional table" in html(client.get(reverse("statistics:publications")))
    form = {
        "dataset": "tip-annual",
        "period": "2023",
        "table": "victims_detected|",
        "countries": "BWA, XXX",
        "threshold": "5",
    }
    response = client.post(url, form)
    assert response.status_code == 400 and "Not ISO 3166 alpha-3 codes: XXX." in html(response)
    response = client.post(url, {**form, "countries": "BWA"})
    assert "Name at least two countries." in html(response)
    response = client.post(url, {**form, "countries": "BWA, NAM"})
    assert response.status_code == 400
    assert "No figures of victims_detected by country released for publication" in html(response)
    for user, iso3, n in ((coordinator, "BWA", 30), (other_coordinator, "NAM", 3)):
        enter(user, {"victims_detected": n, "victims_detected:sex=F": n}, country=iso3)
        s_url = reverse("statistics:entry_grid", args=["tip-annual", iso3, "2023"])
        own = login(Client(), user)
        assert own.post(s_url, {"action": "submit"}).status_code == 302
        validator = login(Client(), colleague(user))
        assert validator.post(s_url, {"action": "validate"}).status_code == 302
    # Validated is not released: the countries have not published these figures.
    response = client.post(url, {**form, "countries": "nam, bwa"})
    assert response.status_code == 400
    assert "released for publication by BWA, NAM" in html(response)
    assert not Publication.objects.exists()
    for user, iso3 in ((coordinator, "BWA"), (other_coordinator, "NAM")):
        publication_create(
            actor=user,
            dataset="tip-annual",
            indicator="victims_detected",
            period="2023",
            dimensions=["sex"],
            countries=[iso3],
        )
    response = client.post(url, {**form, "countries": "nam, bwa"})
    assert response.status_code == 302
    publication = Publication.objects.get(country=None)
    assert publication.dimensions == ["country"] and publication.country is None
    page = html(Client().get(response["Location"]))
    assert "Botswana" in page and "Namibia" in page and "x" in page
    assert {tuple(c["key"]): c["value"] for c in publication.cells}[("NAM",)] is None


def test_publication_page_reads_as_facts(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    """A regional table's page names the countries that contributed and those with no released
    data, in words: no Python lists, one "Method" row, figures grouped per language."""
    table: dict[str, Any] = {
        "dataset": "tip-annual",
        "indicator": "victims_detected",
        "period": "2023",
    }
    for user, iso3, n in ((coordinator, "BWA", 1269), (other_coordinator, "NAM", 3)):
        enter(user, {"victims_detected": n, "victims_detected:sex=F": n}, country=iso3)
        s_url = reverse("statistics:entry_grid", args=["tip-annual", iso3, "2023"])
        own = login(Client(), user)
        assert own.post(s_url, {"action": "submit"}).status_code == 302
        validator = login(Client(), colleague(user))
        assert validator.post(s_url, {"action": "validate"}).status_code == 302
    publication_create(actor=coordinator, countries=["BWA"], dimensions=["sex"], **table)
    regional = publication_create(
        actor=stats_analyst, countries=["BWA", "NAM", "ZAF"], dimensions=["sex"], **table
    )
    page = html(Client().get(reverse("statistics:publication", args=[regional.key])))
    assert "[&#x27;" not in page and "['" not in page and "{&#x27;" not in page
    assert page.count("<dt>Method</dt>") == 1
    assert '<dd id="contributed">Botswana</dd>' in page
    assert '<dd id="no-data">Namibia, South Africa</dd>' in page
    assert '<dd id="breakdown">Sex</dd>' in page
    assert ">1,269<" in page and ">1269<" not in page
    assert "Countries" not in regional.title or "Botswana" in regional.title
    french = html(
        Client(headers={"accept-language": "fr"}).get(
            reverse("statistics:publication", args=[regional.key])
        )
    )
    assert ">1\xa0269<" in french  # French groups thousands with a no-break space
    # Countries named in French and in French order; the breakdown in French.
    assert '<dd id="no-data">Afrique du Sud, Namibie</dd>' in french
    assert '<dd id="breakdown">Sexe</dd>' in french


# --- differentially private releases -----------------------------------------------------------

RELEASE = {
    "dataset": "tip-annual",
    "indicator": "victims_detected",
    "period": "2024",
    "dimensions": ["sex", "age_group"],
    "epsilon": "2.5",
    "max_contributions": "1",
}


@pytest.fixture
def victims(make_user: Callable[..., User]) -> None:
    """Victims in Botswana's and Namibia's case records, 2024."""

    for country in ("BWA", "NAM"):
        worker = make_user(Role.CASE_WORKER, org="Shelter " + country, country=country, kind="ngo")
        for gender, age in (("Feminine", 15), ("Masculine", 30), ("Feminine", 30)):
            victim(worker, dt.date(2024, 3, 1), gender=gender, age=age, cit=(), forms=())


def written() -> tuple[int, int, int]:
    from palermo.core.models import AuditEntry
    from palermo.statistics.models import PrivacySpend

    return Publication.objects.count(), PrivacySpend.objects.count(), AuditEntry.objects.count()


def test_dp_releases_are_for_national_coordinators_only(
    users: dict[str, User | None], coordinator: User, victims: None
) -> None:
    release = reverse("statistics:publication_release")
    budget = reverse("statistics:publication_budget")
    for url in (release, budget):
        assert Client().get(url, {"dataset": "tip-annual"})["Location"].startswith("/login/?next=")
    assert Client().post(release, RELEASE)["Location"].startswith("/login/?next=")
    before = written()
    # (A coordinator of another country releases for their own country only: see below.)
    for name in ("analyst", "case worker"):
        client = login(Client(), users[name])
        assert client.get(release).status_code == 404, name
        assert client.get(budget, {"dataset": "tip-annual"}).status_code == 404, name
        assert client.post(release, RELEASE).status_code == 404, name
        page = html(client.get(reverse("statistics:publications")))
        assert "New differentially private release" not in page
    assert written() == before
    page = html(login(Client(), coordinator).get(reverse("statistics:publications")))
    assert "New differentially private release" in page and release in page


def test_coordinator_releases_within_the_budget_and_is_refused_beyond_it(
    coordinator: User, victims: None
) -> None:
    from palermo.statistics.models import PrivacySpend

    client = login(Client(), coordinator)
    url = reverse("statistics:publication_release")
    page = html(client.get(url))
    assert "Privacy budget" in page and "Trafficking in persons, annual" in page
    assert '<dd id="budget-total">3</dd>' in page and '<dd id="budget-left">3</dd>' in page
    assert "Nothing has been released from this budget yet." in page
    # htmx: the budget of another data set, for the coordinator's own country.
    part = html(
        client.get(
            reverse("statistics:publication_budget"),
            {"dataset": "tip-quarterly"},
            headers={"HX-Request": "true"},
        )
    )
    assert part.startswith('<section id="budget"') and "quarterly victim statistics" in part
    assert "<html" not in part
    assert (
        client.get(reverse("statistics:publication_budget"), {"dataset": "nope"}).status_code == 404
    )

    response = client.post(url, RELEASE)
    assert response.status_code == 302
    publication = Publication.objects.get()
    assert response["Location"] == reverse(
        "statistics:publication_version", args=[publication.key, publication.version]
    )
    assert publication.method == "dp" and publication.country_id == "BWA"
    spend = PrivacySpend.objects.get()
    assert (spend.country_id, spend.epsilon, spend.publication) == ("BWA", 2.5, publication)
    page = html(client.get(response["Location"]))
    assert "Released: " in page and "Epsilon 2.5 spent; 0.5 left." in page
    assert '<dd id="dp-epsilon">2.5</dd>' in page
    assert '<dd id="dp-mechanism">{}</dd>'.format(publication.parameters["mechanism"]) in page
    assert '<dd id="dp-contributions">1</dd>' in page
    assert "0.5 of 3 left after this release" in page
    assert 'id="budget-ledger"' in page and '<dd id="budget-left">0.5</dd>' in page
    assert 'aria-current="true"' in page  # this release, in the ledger

    # Over the budget: refused with the service's message, and nothing is written.
    before = written()
    response = client.post(url, {**RELEASE, "epsilon": "0.6", "dimensions": ["sex"]})
    page = html(response)
    assert response.status_code == 400 and "Nothing was released:" in page
    assert "Refused: epsilon 0.6 exceeds the privacy budget left for BWA in tip-annual" in page
    assert "(0.5 of 3.0)" in page
    assert '<dd id="budget-left">0.5</dd>' in page  # the budget is shown with the refusal
    assert written() == before
    # What is left can still be spent.
    assert client.post(url, {**RELEASE, "epsilon": "0.5"}).status_code == 302
    assert PrivacySpend.objects.filter(country_id="BWA").count() == 2


def test_dp_release_form_explains_bad_input_and_writes_nothing(
    coordinator: User, victims: None
) -> None:
    client = login(Client(), coordinator)
    url = reverse("statistics:publication_release")
    before = written()
    for change, message in (
        ({"epsilon": "lots"}, "Enter a number."),
        ({"epsilon": "-1"}, "Epsilon must be positive."),
        ({"dimensions": []}, "This field is required."),
        ({"max_contributions": "0"}, "Each person contributes at least one record."),
        ({"period": "2024-Q9"}, "'2024-Q9' is not a period"),
        ({"indicator": "persons_acquitted", "dimensions": ["age_group"]}, "has no breakdown by"),
        ({"dataset": "glotip"}, "Select a valid choice"),
    ):
        response = client.post(url, {**RELEASE, **change})
        assert response.status_code == 400, change
        assert message in html(response), (change, html(response)[:3000])
        assert "Nothing was released:" in html(response)
    assert written() == before


def test_other_coordinators_spend_their_own_budget_and_do_not_see_others_ledgers(
    coordinator: User, other_coordinator: User, stats_analyst: User, victims: None
) -> None:
    from palermo.statistics.models import PrivacySpend

    login(Client(), coordinator).post(reverse("statistics:publication_release"), RELEASE)
    bwa = Publication.objects.get()
    other = login(Client(), other_coordinator)
    page = html(other.get(reverse("statistics:publication_release")))
    assert "— Namibia" in page and '<dd id="budget-left">3</dd>' in page
    assert bwa.title not in page
    # The Botswana release is public, with its method; its ledger is Botswana's coordinator's.
    detail = reverse("statistics:publication_version", args=[bwa.key, bwa.version])
    for client in (other, login(Client(), stats_analyst), Client()):
        page = html(client.get(detail))
        assert '<dd id="dp-epsilon">2.5</dd>' in page and 'id="budget-ledger"' not in page
    response = other.post(reverse("statistics:publication_release"), {**RELEASE, "epsilon": "3"})
    assert response.status_code == 302
    assert dict(PrivacySpend.objects.values_list("country_id", "epsilon")) == pytest.approx(
        {"BWA": 2.5, "NAM": 3.0}
    )
    assert Publication.objects.get(country_id="NAM").created_by == other_coordinator
