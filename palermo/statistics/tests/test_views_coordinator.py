"""A national coordinator's pages for figures from case records: derive, trace (with the case
references the user may see only), and partial breakdowns with a computed remainder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import AuditEntry, User
from palermo.core.tests.factories import UserFactory
from palermo.statistics.choices import ValueOrigin
from palermo.statistics.derivation import traced_persons
from palermo.statistics.models import Value
from palermo.statistics.tests.factories import OrganisationFactory, enter, victim

pytestmark = pytest.mark.django_db
D = dt.date


def html(response: Any) -> str:
    return unescape(response.content.decode())


def login(user: User | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def grid_url(period: str = "2024") -> str:
    return reverse("statistics:entry_grid", args=["tip-annual", "BWA", period])


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_WORKER, org="Shelter Gaborone", country="BWA", kind="ngo")


def test_derive_from_cases_in_the_web_ui(
    coordinator: User, other_coordinator: User, stats_analyst: User, worker: User
) -> None:
    for _ in range(3):
        victim(worker, D(2024, 3, 1), cit=("ZWE",))
    victim(worker, D(2024, 4, 1), cit=("ZMB",))
    url = reverse("statistics:entry_derive")
    form = {"dataset": "tip-annual", "period": "2024"}
    # The same permission as the API: the country's coordinator only (404 for anyone else).
    for user in (stats_analyst, worker):
        assert login(user).post(url, form).status_code == 404
    assert Client().post(url, form)["Location"].startswith("/login/")
    assert not Value.objects.filter(origin=ValueOrigin.DERIVED).exists()
    # Another country's coordinator derives their own country's figures, never Botswana's.
    assert login(other_coordinator).post(url, form)["Location"] == grid_url().replace("BWA", "NAM")
    derived = Value.objects.filter(origin=ValueOrigin.DERIVED)
    assert derived.exists() and set(derived.values_list("country_id", flat=True)) == {"NAM"}

    client = login(coordinator)
    response = client.post(url, form)
    assert response.status_code == 302 and response["Location"] == grid_url()
    page = html(client.get(grid_url()))
    assert "Derived " in page and "from 4 person records" in page
    total = Value.objects.get(
        country_id="BWA",
        indicator__code="victims_detected",
        origin=ValueOrigin.DERIVED,
        sex="_T",
        age_group="_T",
        citizenship="_T",
        exploitation="_T",
        country_of_exploitation="_T",
    )
    assert total.value == 4 and total.status == "draft"
    assert reverse("statistics:figure_trace", args=[total.pk]) in page
    audit = AuditEntry.objects.filter(object_type__icontains="derivation").latest("sequence")
    assert audit.actor == coordinator and audit.action == "create"
    assert audit.after is not None and audit.after["scope"] == "tip-annual BWA 2024"

    # A bad period is said; nothing is derived for it.
    response = client.post(url, {"dataset": "tip-annual", "period": "2024-Q9"}, follow=True)
    assert "'2024-Q9' is not a period" in html(response)
    # The start page offers it too.
    assert 'formaction="{}"'.format(url) in html(client.get(reverse("statistics:entry")))


def test_trace_a_figure_to_its_cases_with_a_reason(
    coordinator: User, other_coordinator: User, worker: User, make_user: Callable[..., User]
) -> None:
    counted = [victim(worker, D(2024, 3, 1), cit=("ZWE",)) for _ in range(2)]
    victim(worker, D(2024, 3, 1), cit=("ZMB",))
    client = login(coordinator)
    client.post(reverse("statistics:entry_derive"), {"dataset": "tip-annual", "period": "2024"})
    figure = Value.objects.get(
        indicator__code="victims_detected", citizenship="ZWE", origin=ValueOrigin.DERIVED
    )
    url = reverse("statistics:figure_trace", args=[figure.pk])
    page = html(client.get(url))
    assert "Trace a figure to its cases" in page and "Zimbabwe" in page

    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "This field is required" in html(response)
    response = client.post(url, {"reason": "annual report check"})
    assert response.status_code == 200
    page = html(response)
    for person in counted:
        assert person.pseudonym in page and person.case.reference in page
        assert reverse("cases:detail", args=[person.case.reference]) in page
    case_page = client.get(reverse("cases:detail", args=[counted[0].case.reference]))
    assert case_page.status_code == 200  # the coordinator may open the linked case
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == "read" and entry.reason == "annual report check"
    assert entry.after is not None and sorted(entry.after["persons"]) == sorted(
        p.pseudonym for p in counted
    )
    assert entry.actor == coordinator
    # The reason and the persons are never in a URL.
    assert "annual" not in response.request["PATH_INFO"]

    # Another country's coordinator, and anyone else: no such page.
    for user in (other_coordinator, make_user(Role.ANALYST, org="Sec", country=None)):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, {"reason": "curious"}).status_code == 404


def test_the_trace_shows_only_case_references_the_user_may_see(
    coordinator: User, worker: User
) -> None:
    mine = victim(worker, D(2024, 3, 1))
    namibia = OrganisationFactory.create(name="NAM shelter", country_id="NAM")
    abroad = victim(
        UserFactory.create(username="nam-worker", organisation=namibia, role=Role.CASE_WORKER),
        D(2024, 3, 1),
    )
    rows = traced_persons(coordinator, [mine.pseudonym, abroad.pseudonym])
    assert [(r.pseudonym, r.case_reference) for r in rows] == [
        (mine.pseudonym, mine.case.reference),
        (abroad.pseudonym, None),
    ]


def test_entered_figures_cannot_be_traced(coordinator: User) -> None:
    (value,) = enter(coordinator, {"victims_detected": 5}, period="2024")
    client = login(coordinator)
    url = reverse("statistics:figure_trace", args=[value.pk])
    assert "Only figures derived from case records can be traced" in html(client.get(url))
    response = client.post(url, {"reason": "why not"})
    assert response.status_code == 400 and "Only derived figures can be traced." in html(response)


def test_a_partial_breakdown_with_its_remainder_in_the_entry_grid(coordinator: User) -> None:
    client = login(coordinator)
    url = grid_url("2023")
    page = html(client.get(url))
    box = "rest:victims_detected:citizenship"
    assert 'name="{}"'.format(box) in page and "The rest is not stated / other" in page
    form = {
        "v:victims_detected": "20",
        "add:victims_detected:citizenship": "nga",
        "add:victims_detected:citizenship:value": "7",
        box + ":shown": "1",
        box: "1",
        "action": "save",
    }
    assert client.post(url, form).status_code == 302
    rest = Value.objects.get(indicator__code="victims_detected", citizenship="_R")
    assert rest.value == 13
    page = html(client.get(url))
    assert "Not stated / other (remainder: total minus the parts given)" in page
    assert 'name="v:victims_detected:citizenship=_R"' not in page  # computed, not typed
    assert "checked" in page.split('name="{}"'.format(box))[1].split(">")[0]

    # Parts above the total: refused with the numbers, what was typed is kept.
    more = {
        box + ":shown": "1",
        box: "1",
        "v:victims_detected:citizenship=NGA": "25",
        "action": "save",
    }
    response = client.post(url, more)
    assert response.status_code == 400
    assert "The citizenship parts given add up to 25, more than the total 20" in html(response)
    assert 'value="25"' in html(response)
    assert Value.objects.get(pk=rest.pk).value == 13
