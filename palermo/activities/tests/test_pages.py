"""The clearing house's pages (issue 17): each activity listed once with its reports, filters,
a report's page with the others' reports of it; the import form for the clearing house's staff
only, a bad file refused on the page with its reason and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.activities import services
from palermo.activities.models import Activity, Audience, Need
from palermo.activities.tests.test_iati import EXAMPLE
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import User

pytestmark = pytest.mark.django_db


def test_the_list_counts_each_activity_once(client: Client, editor: User) -> None:
    services.activities_import(actor=editor, content=EXAMPLE.read_bytes(), source="example.xml")
    page = client.get("/activities/").content.decode()
    assert "2 activities (3 reports)" in page
    assert page.count("Joint training") == 1  # one row for the donor's and implementer's
    assert "Example implementing organisation" in page and 'id="import-form"' not in page
    assert "<td>Training</td>" in page  # the donor's report says what the implementer's does not
    page = client.get("/activities/", {"country": "civ"}).content.decode()
    assert "1 activity (1 reports)" in page and "rédaction de la loi" in page
    page = client.get("/activities/", {"kind": "research"}).content.decode()
    assert "No activity matches." in page
    page = client.get("/activities/XI-EXAMPLE-IMPLEMENTER-NGA-TRAINING-01/").content.decode()
    assert "The same activity, reported by others" in page and "Example donor agency" in page
    assert client.get("/activities/NO-SUCH-ID/").status_code == 404


def test_the_import_form(client: Client, editor: User, make_user: Callable[..., User]) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    client.login(username=worker.username, password=PASSWORD)
    assert 'id="import-form"' not in client.get("/activities/").content.decode()
    upload = SimpleUploadedFile("a.xml", EXAMPLE.read_bytes(), content_type="application/xml")
    assert client.post("/activities/", {"file": upload}).status_code == 403  # noqa: PLR2004
    client.login(username=editor.username, password=PASSWORD)
    assert 'id="import-form"' in client.get("/activities/").content.decode()
    bad = SimpleUploadedFile("bad.xml", b"<iati-activities version='2.03'/>")
    response = client.post("/activities/", {"file": bad})
    assert response.status_code == 400 and "nothing was written" in response.content.decode()
    assert not Activity.objects.exists()
    upload = SimpleUploadedFile("a.xml", EXAMPLE.read_bytes(), content_type="application/xml")
    response = client.post("/activities/", {"file": upload}, follow=True)
    assert "3 activities added, 0 replaced; 1 reported several times." in response.content.decode()


def test_supply_against_need_map_table_and_a_need_recorded(
    client: Client, editor: User, make_user: Callable[..., User]
) -> None:
    services.activities_import(actor=editor, content=EXAMPLE.read_bytes(), source="example.xml")
    page = client.get("/activities/supply/").content.decode()
    assert 'id="supply-map"' in page and 'id="need-form"' not in page  # anonymous: no form
    spec = json.loads(page.split('id="supply-map-spec" type="application/json">')[1].split("<")[0])
    countries = {r["code"]: r for r in spec["layer"][1]["transform"][0]["from"]["data"]["values"]}
    assert countries["NGA"]["id"] == "566" and countries["NGA"]["name"] == "Nigeria"
    assert countries["NGA"]["state"] == "activities, no need stated"
    assert spec["layer"][0]["data"]["url"].endswith("statistics/vendor/countries-110m.json")
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    client.login(username=worker.username, password=PASSWORD)
    need = {
        "country": "NGA",
        "theme": "protocol-art-10",
        "profession": "judges",
        "year": "2026",
        "source": "Nigeria's national action plan 2026-2030, para. 12",
    }
    assert client.post("/activities/supply/", need).status_code == 403  # noqa: PLR2004
    assert not Need.objects.exists()
    client.login(username=editor.username, password=PASSWORD)
    assert 'id="need-form"' in client.get("/activities/supply/").content.decode()
    wrong = client.post("/activities/supply/", {**need, "theme": "astrology", "year": "1066"})
    assert wrong.status_code == 400 and not Need.objects.exists()  # noqa: PLR2004
    body = wrong.content.decode()
    assert "Select a valid choice" in body and "greater than or equal to 1900" in body
    done = client.post("/activities/supply/", need, follow=True).content.decode()
    assert "The need is recorded." in done and Need.objects.count() == 1
    page = client.get("/activities/supply/", {"profession": "judges"}).content.decode()
    assert "1 gaps, 0 overlaps" in page and "<td>Judges</td>" in page
    assert "<td>Police and law enforcement</td>" not in page  # another profession's cells
    spec = json.loads(page.split('id="supply-map-spec" type="application/json">')[1].split("<")[0])
    values = spec["layer"][1]["transform"][0]["from"]["data"]["values"]
    nigeria = next(r for r in values if r["code"] == "NGA")
    assert nigeria["state"] == "a need no activity answers" and nigeria["gaps"] == 1


def test_a_training_and_its_audience_recorded_on_the_page(
    client: Client, editor: User, make_user: Callable[..., User]
) -> None:
    services.activities_import(actor=editor, content=EXAMPLE.read_bytes(), source="example.xml")
    identifier = "XM-DAC-41-EXAMPLE-TIP-TRAINING-2026"
    url = "/activities/{}/training/".format(identifier)
    detail = "/activities/{}/".format(identifier)
    assert client.get(url).status_code == 302  # noqa: PLR2004  (log in first)
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    client.login(username=worker.username, password=PASSWORD)
    assert client.get(url).status_code == 403  # noqa: PLR2004
    assert "Record the training" not in client.get(detail).content.decode()
    client.login(username=editor.username, password=PASSWORD)
    assert "Record the training" in client.get(detail).content.decode()
    form = {
        "joint": "on",
        "curriculum": "Identification; financial investigations.",
        "results": "",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-profession": "police",
        "form-0-country": "NGA",
        "form-0-women": "12",
        "form-0-men": "18",
        "form-1-profession": "labour_inspectors",
        "form-1-country": "",
        "form-1-women": "4",
    }
    wrong = client.post(url, form)
    assert wrong.status_code == 400 and "Choose the country." in wrong.content.decode()  # noqa: PLR2004
    assert not Audience.objects.exists()
    form["form-1-country"] = "GHA"
    done = client.post(url, form, follow=True).content.decode()
    assert "The training is recorded." in done and "Ghana" in done and "Labour inspectors" in done
    assert sorted(Audience.objects.values_list("profession", "country_id", "women", "men")) == [
        ("labour_inspectors", "GHA", 4, 0),
        ("police", "NGA", 12, 18),
    ]
    again = client.get(url).content.decode()  # the recorded audience, to change
    assert 'value="12"' in again and "Identification; financial investigations." in again
