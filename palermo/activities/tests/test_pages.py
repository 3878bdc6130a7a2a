"""The clearing house's pages (issue 17): each activity listed once with its reports, filters,
a report's page with the others' reports of it; the import form for the clearing house's staff
only, a bad file refused on the page with its reason and nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.activities import services
from palermo.activities.models import Activity
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
