"""The public report form (issue 18): a report from anyone without an account, anonymous or
with a contact, encrypted, nothing identifying of an anonymous sender kept; a code to add to it
later; the defences (proof of work, not too fast, rate limit, a trap field) without a third
party; wrong input named."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from palermo.core.choices import Role
from palermo.core.models import AuditEntry, User
from palermo.intake import abuse, accounts, attachments, services
from palermo.intake.models import (
    Hotline,
    Report,
    ReportAddition,
    ReportAttachment,
    ReportWindow,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
ACCOUNT = "Six women work at night in the laundry and never leave; their passports were taken."
FORM: dict[str, Any] = {
    "reporter_role": "witness",
    "what": ACCOUNT,
    "country": "ITA",
    "where": "Via Roma 12, Palermo",
    "employer": "Lavanderia Stella",
    "people": "Six women, about 20 to 30 years old",
    "forms_seen": ["ForcedLabour"],
    "child": "no",
    "consent_law_enforcement": "unknown",
    "stay_anonymous": "on",
}


@pytest.fixture
def hotline(make_user: Callable[..., User]) -> Hotline:
    admin = make_user(Role.ADMINISTRATOR, org="Node", country=None, username="admin")
    operator = make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA", username="op")
    return services.hotline_set(
        actor=admin,
        organisation=operator.organisation,  # type: ignore[arg-type]
        name="Anti-trafficking hotline",
        phone="800 290 290",
    )


def _form(client: Client, when: dt.datetime = T0) -> tuple[str, int]:
    with time_machine.travel(when, tick=False):
        page = client.get("/report/").content.decode()
    token = re.search(r'name="challenge" value="([^"]+)"', page)
    bits = re.search(r'data-difficulty="(\d+)"', page)
    assert token is not None and bits is not None
    return token.group(1), int(bits.group(1))


def _send(client: Client, data: dict[str, Any], *, proof: bool = True, after: int = 30) -> Any:
    token, bits = _form(client)
    body = {**data, "challenge": token, "proof": abuse.solve(token, bits) if proof else ""}
    with time_machine.travel(T0 + dt.timedelta(seconds=after), tick=False):
        return client.post("/report/", body, REMOTE_ADDR="203.0.113.7")


def test_an_anonymous_report_is_filed_encrypted_with_a_code(
    client: Client, hotline: Hotline
) -> None:
    page = client.get("/report/").content.decode()
    assert "Your report goes to Anti-trafficking hotline (Hotline NGO)" in page
    assert "800 290 290" in page and "no address of your phone or computer" in page
    done = _send(client, FORM)
    assert done.status_code == 200  # noqa: PLR2004
    text = done.content.decode()
    code = re.search(r'id="report-code"><bdi>([0-9A-Z-]+)<', text)
    assert code is not None and re.fullmatch(r"(?:[0-9A-Z]{4}-){3}[0-9A-Z]{4}", code.group(1))
    report = Report.objects.get()
    assert report.anonymous and report.hotline == hotline and report.country_id == "ITA"
    assert report.priority == "normal" and report.due_at == T0 + dt.timedelta(seconds=30, hours=72)
    # Encrypted: nothing of the account in clear in the row, nor in the audit.
    assert "laundry" not in report.ciphertext and "Stella" not in report.ciphertext
    assert accounts.account_of(report).employer == "Lavanderia Stella"
    assert accounts.account_of(report).contact == {}
    assert code.group(1) not in str(Report.objects.values().get())  # only its hash
    entry = AuditEntry.objects.filter(object_type="intake.report").get()
    assert "laundry" not in str(entry.after) and entry.actor_label == "public report form"
    # No address kept: the rate limit's count holds a keyed hash, not the address.
    assert all("203.0.113.7" not in w.key for w in ReportWindow.objects.all())
    assert "203.0.113.7" not in str(list(Report.objects.values()))
    # The reporter adds to it with the code, in any spelling.
    added = client.post(
        "/report/follow-up/",
        {"code": code.group(1).lower().replace("-", " "), "text": "They moved to Via Etnea."},
    )
    assert added.status_code == 200 and "Added to your report" in added.content.decode()  # noqa: PLR2004
    assert services.addition_text(ReportAddition.objects.get()) == "They moved to Via Etnea."
    wrong = client.post("/report/follow-up/", {"code": "0000-0000-0000-0000", "text": "x"})
    assert wrong.status_code == 404 and "No report has this code." in wrong.content.decode()  # noqa: PLR2004


def test_a_report_with_a_contact_and_a_child_is_urgent(client: Client, hotline: Hotline) -> None:
    data = {
        **FORM,
        "reporter_role": "victim",
        "child": "yes",
        "consent_law_enforcement": "no",
        "stay_anonymous": "",
        "contact_phone": "+39 333 000 0000",
        "contact_safe": "Weekdays after 22:00, text first",
    }
    assert _send(client, data).status_code == 200  # noqa: PLR2004
    report = Report.objects.get()
    assert not report.anonymous and report.priority == "urgent"
    assert report.consent_law_enforcement == "no"  # the victim said no
    assert accounts.account_of(report).contact["phone"] == "+39 333 000 0000"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"what": ""}, "This field is required."),
        ({"reporter_role": "alien"}, "Select a valid choice"),
        ({"country": "XXX"}, "Select a valid choice"),
        ({"contact_phone": "123"}, "You chose to stay anonymous and left a contact"),
        ({"stay_anonymous": ""}, "Leave a phone number or an email, or stay anonymous."),
        ({"contact_email": "not-an-email", "stay_anonymous": ""}, "Enter a valid email"),
    ],
)
def test_wrong_input_is_named_and_nothing_is_filed(
    client: Client, hotline: Hotline, change: dict[str, Any], message: str
) -> None:
    response = _send(client, {**FORM, **change})
    assert response.status_code == 400 and message in response.content.decode()  # noqa: PLR2004
    assert not Report.objects.exists()
    assert "Via Roma 12" in response.content.decode()  # what was typed is still there


def test_the_defences(client: Client, hotline: Hotline, settings: Any) -> None:
    # Too fast: a form sent a second after it was served.
    too_fast = _send(client, FORM, after=1)
    assert too_fast.status_code == 429 and "too fast" in too_fast.content.decode()  # noqa: PLR2004
    # A wrong proof of work.
    token, _bits = _form(client)
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        bad = client.post("/report/", {**FORM, "challenge": token, "proof": "1"})
        forged = client.post("/report/", {**FORM, "challenge": token + "x", "proof": "1"})
    assert bad.status_code in (200, 400, 429) and not Report.objects.exists()
    assert "check failed" in bad.content.decode() or "expired" in bad.content.decode()
    assert "expired" in forged.content.decode()
    # A solved challenge is used once.
    token, bits = _form(client)
    body = {**FORM, "challenge": token, "proof": abuse.solve(token, bits)}
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert client.post("/report/", body).status_code == 200  # noqa: PLR2004
        again = client.post("/report/", body)
    assert "sent already" in again.content.decode() and Report.objects.count() == 1
    # The trap field: answered as if filed, nothing written.
    trapped = _send(client, {**FORM, "website": "http://spam.example"})
    assert trapped.status_code == 200 and Report.objects.count() == 1  # noqa: PLR2004
    # The rate limit: fewer without the proof of work (the form without JavaScript).
    settings.PALERMO_INTAKE_REPORTS_PER_HOUR_WITHOUT_PROOF = 2
    assert _send(client, FORM, proof=False).status_code == 200  # noqa: PLR2004
    assert _send(client, FORM, proof=False).status_code == 200  # noqa: PLR2004
    limited = _send(client, FORM, proof=False)
    assert limited.status_code == 429 and "Too many reports" in limited.content.decode()  # noqa: PLR2004
    assert Report.objects.count() == 3  # noqa: PLR2004
    assert _send(client, FORM).status_code == 200  # noqa: PLR2004  (with the proof: its own limit)


def test_no_hotline_no_form(client: Client) -> None:
    response = client.get("/report/")
    assert response.status_code == 404 and "This node takes no public reports." in (  # noqa: PLR2004
        response.content.decode()
    )


def test_the_hotline_command(make_user: Callable[..., User]) -> None:
    make_user(Role.ADMINISTRATOR, org="Node", country=None, username="root")
    make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA")
    call_command("intake", "hotline", "Hotline NGO", "--name", "Hotline", "--as", "root")
    call_command("intake", "hotline", "Hotline NGO", "--name", "Hotline 24/7", "--as", "root")
    assert Hotline.objects.get().name == "Hotline 24/7"


def _photo() -> bytes:
    """A phone's photo: with its maker, model and time in EXIF."""
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0132] = "2026:12:01 22:14:03"  # DateTime
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_files_are_scanned_stripped_and_encrypted(
    client: Client, hotline: Hotline, make_user: Callable[..., User]
) -> None:
    photo = _photo()
    assert Image.open(io.BytesIO(photo)).getexif()[0x010F] == "PhoneMaker"
    files = [
        SimpleUploadedFile("IMG_2041 Via Roma.jpg", photo, content_type="image/jpeg"),
        SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    ]
    assert _send(client, {**FORM, "uploads": files}).status_code == 200  # noqa: PLR2004
    report = Report.objects.get()
    assert report.attachments == 2  # noqa: PLR2004
    stored = list(ReportAttachment.objects.order_by("position"))
    assert [a.kind for a in stored] == ["jpeg", "pdf"]
    kept = attachments.load(stored[0])
    assert not Image.open(io.BytesIO(kept)).getexif()  # no maker, model or time
    assert b"PhoneMaker" not in kept
    assert "Via Roma" not in str(list(ReportAttachment.objects.values()))  # no file name
    on_disk = (attachments.STORE.root() / stored[0].path).read_bytes()
    assert b"\xff\xd8\xff" not in on_disk[:10]  # encrypted at rest
    # The operator downloads it (the read audited).
    operator = User.objects.get(username="op")
    client.force_login(operator)
    download = client.get("/intake/{}/files/1/".format(report.reference))
    assert download.status_code == 200 and download.content == kept  # noqa: PLR2004
    assert download["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(object_type="intake.report", action="read").exists()
    client.logout()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("a.jpg", b"MZ\x90\x00 a program")], "File 1: send a photo"),
        ([("a.jpg", b"\xff\xd8\xff\xe0 broken")], "A photo could not be read"),
        ([("a.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))], "File 1 is over 5 MB."),
        ([("a.pdf", b"%PDF-1.4")] * 4, "At most 3 files with a report."),
    ],
)
def test_wrong_files_are_refused_and_nothing_is_filed(
    client: Client, hotline: Hotline, files: list[tuple[str, bytes]], message: str
) -> None:
    uploads = [SimpleUploadedFile(name, content) for name, content in files]
    response = _send(client, {**FORM, "uploads": uploads})
    assert response.status_code == 400 and message in response.content.decode()  # noqa: PLR2004
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()
