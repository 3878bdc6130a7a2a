"""The OpenRosa API (issue 18) tried with a client that speaks it as ODK Collect does, built from
the OpenRosa specification (https://docs.getodk.org/openrosa/): it lists the forms, downloads
the screening form, fills two screenings offline (the form's own instance, filled in), and
submits each as multipart with its `xml_submission_file`; they become cases of the field
worker's organisation, with the person and the screening. A submission sent again is
recognised; wrong credentials, roles and XML are refused."""

from __future__ import annotations

import base64
import copy
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from lxml import etree
from openpyxl import Workbook  # type: ignore[import-untyped]

from palermo.cases.identification import indicator_lists_load
from palermo.cases.models import Case, IndicatorList, Screening
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.factories import bearer_headers
from palermo.intake.models import FieldSubmission
from palermo.settings.env import BASE_DIR

pytestmark = pytest.mark.django_db

XFORMS = "http://www.w3.org/2002/xforms"
LIST = "http://openrosa.org/xforms/xformsList"
RESPONSE = "http://openrosa.org/http/response"


class Collect:
    """A minimal OpenRosa client: Basic authentication with the user's name and API token, the
    X-OpenRosa-Version header on every request."""

    def __init__(self, client: Client, username: str, secret: str) -> None:
        self.client = client
        credentials = base64.b64encode("{}:{}".format(username, secret).encode()).decode()
        self.headers: dict[str, Any] = {
            "HTTP_AUTHORIZATION": "Basic " + credentials,
            "HTTP_X_OPENROSA_VERSION": "1.0",
        }

    def form_list(self) -> list[dict[str, str]]:
        response = self.client.get("/openrosa/formList", **self.headers)
        assert response.status_code == 200 and response["X-OpenRosa-Version"] == "1.0"  # noqa: PLR2004
        root = etree.fromstring(response.content)
        return [
            {etree.QName(child).localname: child.text or "" for child in form}
            for form in root.findall("{{{}}}xform".format(LIST))
        ]

    def download(self, url: str) -> etree._Element:
        response = self.client.get(url.replace("http://testserver", ""), **self.headers)
        assert response.status_code == 200  # noqa: PLR2004
        return etree.fromstring(response.content)

    def fill(self, xform: etree._Element, answers: dict[str, str]) -> bytes:
        """The form's primary instance, filled in as Collect fills it (offline)."""
        instance = xform.find(".//{{{}}}model/{{{}}}instance".format(XFORMS, XFORMS))
        assert instance is not None
        data = copy.deepcopy(instance[0])
        for element in data.iter():
            name = etree.QName(element).localname
            if name in answers:
                element.text = answers[name]
            if name == "instanceID":
                element.text = "uuid:{}".format(uuid.uuid4())
        return bytes(etree.tostring(data, xml_declaration=True, encoding="utf-8"))

    def submit(self, xml: bytes, *files: SimpleUploadedFile) -> Any:
        head = self.client.head("/openrosa/submission", **self.headers)
        assert head.status_code == 204 and int(head["X-OpenRosa-Accept-Content-Length"]) > 0  # noqa: PLR2004
        parts: dict[str, Any] = {
            "xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")
        }
        for n, f in enumerate(files):
            parts["file{}".format(n)] = f
        return self.client.post("/openrosa/submission", parts, **self.headers)


def _message(response: Any) -> str:
    root = etree.fromstring(response.content)
    found = root.find("{{{}}}message".format(RESPONSE))
    return found.text or "" if found is not None else ""


def _secret(user: User) -> str:
    return str(bearer_headers(user)["HTTP_AUTHORIZATION"]).split(" ", 1)[1]


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    indicator_lists_load()
    return make_user(Role.CASE_WORKER, org="Labour inspectorate", country="ITA", username="insp")


def test_collect_downloads_the_form_and_two_offline_screenings_become_cases(
    client: Client, worker: User
) -> None:
    collect = Collect(client, worker.username, _secret(worker))
    forms = collect.form_list()
    labour = IndicatorList.objects.get(key="ilo-ec-2009-adult-labour")
    entry = next(f for f in forms if f["formID"] == "palermo_screening_ilo_ec_2009_adult_labour")
    assert entry["hash"].startswith("md5:") and entry["version"].startswith(labour.version)
    assert all(not f["formID"].endswith("adult_sexual") for f in forms)  # no list in use
    xform = collect.download(entry["downloadUrl"])
    assert labour.indicators.first().code in etree.tostring(xform).decode()  # type: ignore[union-attr]
    strong = [i.code for i in labour.indicators.filter(strength="strong")[:3]]
    first = collect.fill(
        xform,
        {
            "screened_on": "2026-11-30",
            "place": "Greenhouses, Ragusa",
            "case_country": "ITA",
            "first_name": "Amina",
            "gender": "Feminine",
            "age": "24",
            "citizenship": "NGA",
            "indicators": " ".join(strong),
            "notes": "Passport held by the foreman.",
        },
    )
    second = collect.fill(
        xform,
        {"screened_on": "2026-12-01", "place": "Farm, Vittoria", "case_country": "ITA"},
    )
    photo = SimpleUploadedFile("1.jpg", b"\xff\xd8\xff\xe0 not kept", "image/jpeg")
    done = collect.submit(first, photo)
    assert done.status_code == 201, done.content  # noqa: PLR2004
    assert _message(done).startswith("Received")
    assert collect.submit(second).status_code == 201  # noqa: PLR2004
    cases = Case.objects.filter(organisation=worker.organisation).order_by("opened_on")
    assert cases.count() == 2  # noqa: PLR2004
    person = cases[0].persons.get()
    assert person.gender == "Feminine" and person.age_at_registration == 24  # noqa: PLR2004
    assert person.citizenship == ["NGA"]
    screening = Screening.objects.get(person=person)
    assert screening.indicators == sorted(strong) and screening.screened_by == worker
    assert "Amina" not in str(person.__dict__)  # the name is in the encrypted identity
    # Sent again (the client did not get the answer): recognised, not written twice.
    again = collect.submit(first)
    assert again.status_code == 202 and Case.objects.count() == 2  # noqa: PLR2004
    # The same instanceID with other content: refused.
    changed = first.replace(b"Ragusa", b"Comiso")
    assert collect.submit(changed).status_code == 409  # noqa: PLR2004
    assert FieldSubmission.objects.count() == 2  # noqa: PLR2004


def test_who_may_submit_and_what_is_refused(
    client: Client, worker: User, make_user: Callable[..., User]
) -> None:
    assert client.get("/openrosa/formList").status_code == 401  # noqa: PLR2004
    unauth = client.get("/openrosa/formList")
    assert unauth["WWW-Authenticate"].startswith("Basic")
    wrong = Collect(client, worker.username, "not-a-token")
    assert client.get("/openrosa/formList", **wrong.headers).status_code == 401  # noqa: PLR2004
    other = make_user(Role.CASE_WORKER, org="Shelter", country="ITA", username="other")
    mismatched = Collect(client, other.username, _secret(worker))  # another user's token
    assert client.get("/openrosa/formList", **mismatched.headers).status_code == 401  # noqa: PLR2004
    analyst = make_user(Role.ANALYST, org="Office", country="ITA", username="an")
    assert (
        client.get("/openrosa/formList", **Collect(client, "an", _secret(analyst)).headers)
    ).status_code == 403  # noqa: PLR2004
    collect = Collect(client, worker.username, _secret(worker))
    bad = collect.submit(b"<not xml")
    assert bad.status_code == 400 and "not well-formed" in _message(bad)  # noqa: PLR2004
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x id="y">&e;</x>'
    assert "DOCTYPE" in _message(collect.submit(entity))
    unknown = collect.submit(
        b'<data id="some_other_form"><meta><instanceID>uuid:1</instanceID></meta></data>'
    )
    assert unknown.status_code == 400 and "not one this node serves" in _message(unknown)  # noqa: PLR2004
    xform = collect.download("/openrosa/forms/palermo_screening_ilo_ec_2009_adult_labour.xml")
    bad_country = collect.fill(xform, {"screened_on": "2026-11-30", "case_country": "XXX"})
    refused = collect.submit(bad_country)
    assert refused.status_code == 400 and "case_country" in _message(refused)  # noqa: PLR2004
    assert not Case.objects.exists()


HTCDS_XLSFORM = BASE_DIR.parent / "shared" / "data" / "htcds" / "htcds_xlsform.xlsx"


def test_the_htcds_xlsform_is_served_and_its_submissions_become_cases(
    client: Client, worker: User, make_user: Callable[..., User], tmp_path: Path
) -> None:
    if not HTCDS_XLSFORM.exists():
        pytest.skip("IOM's HTCDS XLSForm is not at {} (../shared/data)".format(HTCDS_XLSFORM))
    make_user(Role.ADMINISTRATOR, org="Node", country=None, username="root")
    out = io.StringIO()
    call_command("intake", "form-add", str(HTCDS_XLSFORM), "--as", "root", stdout=out)
    collect = Collect(client, worker.username, _secret(worker))
    entry = next(f for f in collect.form_list() if f["formID"] == "htcds_xlsform")
    xform = collect.download(entry["downloadUrl"])
    filled = collect.fill(
        xform,
        {
            "prs_First_Name": "Amina",
            "prs_Gender": "Feminine",
            "prs_Citizenship": "NG",
            "vic_TypeOfExploitation": "ForcedLabour SexualExploitation",
            "vic_LocationOfExploitation": "Ragusa",
            "cas_IncomingReferralDetails": "Met during a labour inspection.",
        },
    )
    done = collect.submit(filled)
    assert done.status_code == 201, _message(done)  # noqa: PLR2004
    case = Case.objects.get(organisation=worker.organisation)
    person = case.persons.get()
    assert person.gender == "Feminine" and person.citizenship == ["NGA"]
    assert sorted(person.types_of_exploitation) == ["ForcedLabour", "SexualExploitation"]
    assert case.incoming_referral_details == "Met during a labour inspection."
    assert collect.submit(filled).status_code == 202  # noqa: PLR2004
    # A form whose questions are not HTCDS fields is refused, naming them.
    bad = tmp_path / "other.xlsx"
    book = Workbook()
    book.active.title = "survey"
    book["survey"].append(["type", "name", "label"])
    book["survey"].append(["text", "favourite_colour", "Favourite colour"])
    book.save(bad)
    with pytest.raises(CommandError, match="favourite_colour"):
        call_command("intake", "form-add", str(bad), "--as", "root")
