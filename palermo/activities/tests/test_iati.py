"""IATI activity files in and out (issue 17): a 2.03 file built on the standard's published
example imported whole; files the schema or the codelists refuse named by line, nothing
written; the export valid against the standard's schema and read back to the same
activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from palermo.activities import iati, selectors, services
from palermo.activities.models import Activity, Transaction
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.core.tests.factories import bearer_headers

pytestmark = pytest.mark.django_db
EXAMPLE = Path(services.__file__).parent / "data" / "example-activities.xml"
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def _example() -> bytes:
    return EXAMPLE.read_bytes()


def test_the_example_file_is_imported_whole(editor: User) -> None:
    report = services.activities_import(actor=editor, content=_example(), source="example.xml")
    assert (report.created, report.updated) == (3, 0)
    training = selectors.activity_get("XM-DAC-41-EXAMPLE-TIP-TRAINING-2026")
    assert training.kind == "training" and training.themes == ["protocol-art-10"]
    assert training.title["fr"].startswith("Formation conjointe")
    assert [c.country_id for c in training.countries.all()] == ["NGA"]
    assert {(o.role, o.ref) for o in training.orgs.all()} == {
        ("1", "XM-DAC-41-EXAMPLE"),
        ("4", "XI-EXAMPLE-IMPLEMENTER"),
    }
    assert training.start_planned == dt.date(2026, 3, 2)
    assert Transaction.objects.filter(activity__iati_identifier__startswith="XI-").count() == 2
    assert AuditEntry.objects.filter(object_type="activities.iati_file").exists()
    # The same file again replaces the same activities.
    again = services.activities_import(actor=editor, content=_example(), source="example.xml")
    assert (again.created, again.updated) == (0, 3)
    assert Activity.objects.count() == 3


def test_the_export_is_valid_and_reads_back_the_same(editor: User) -> None:
    services.activities_import(actor=editor, content=_example(), source="example.xml")
    exported = iati.write(selectors.activities(), NOW)
    assert b'version="2.03"' in exported  # write() validated it against the schema
    before = {a.identifier: a for a in iati.read(_example())}
    after = {a.identifier: a for a in iati.read(exported)}
    assert before.keys() == after.keys()
    for key, old in before.items():
        new = after[key]
        for name in ("title", "status", "dates", "kind", "themes", "currency"):
            assert getattr(new, name) == getattr(old, name), (key, name)
        assert {(o.role, o.ref) for o in new.orgs} == {(o.role, o.ref) for o in old.orgs}
        assert [(t.kind, t.value) for t in new.transactions] == [
            (t.kind, t.value) for t in old.transactions
        ]


def _broken(replace: tuple[bytes, bytes]) -> bytes:
    content = _example()
    assert replace[0] in content
    return content.replace(replace[0], replace[1], 1)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ((b"<iati-activities", b"<not-iati"), "not well-formed XML"),  # mismatched closing tag
        ((b'<activity-status code="2"/>', b""), "activity-status"),  # the schema: missing
        ((b'role="4" ref="XI-EXAMPLE-IMPLEMENTER" type="21"', b'role="9"'), "OrganisationRole"),
        (
            (b'<recipient-country code="NG" percentage="100"/>', b'<recipient-country code="XX"/>'),
            "ISO 3166-1",
        ),
        (
            (
                b'<value currency="EUR" value-date="2026-01-15">',
                b'<value currency="EUROS" value-date="2026-01-15">',
            ),
            "ISO 4217",
        ),
        (
            (b"XI-EXAMPLE-IMPLEMENTER-NGA-TRAINING-01<", b"XM-DAC-41-EXAMPLE-TIP-TRAINING-2026<"),
            "given twice",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_line_and_nothing_written(
    editor: User, change: tuple[bytes, bytes], said: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.activities_import(actor=editor, content=_broken(change), source="bad.xml")
    assert said in str(caught.value.detail) and "line " in str(caught.value.detail)
    assert not Activity.objects.exists()


def test_entities_are_not_expanded(editor: User) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><iati-activities version="2.03">'
        b"<iati-activity><iati-identifier>&b;</iati-identifier></iati-activity></iati-activities>"
    )
    with pytest.raises(ApplicationError, match="DOCTYPE"):
        services.activities_import(actor=editor, content=bomb, source="bomb.xml")
    assert not Activity.objects.exists()


def test_an_export_of_nothing_is_a_clear_404(client: Client) -> None:
    response = client.get("/api/v1/activities/iati")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_who_imports_and_the_api(
    editor: User,
    client: Client,
    make_user: Callable[..., User],
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    with pytest.raises(ForbiddenError):
        services.activities_import(actor=worker, content=_example(), source="x.xml")
    upload = SimpleUploadedFile("example.xml", _example(), content_type="application/xml")
    response = client.post("/api/v1/activities/iati", {"file": upload}, **bearer_headers(editor))
    assert response.status_code == 200
    assert response.json() == {"created": 3, "updated": 0, "grouped": 1}
    body = client.get("/api/v1/activities/", {"country": "NGA"}).json()
    assert body["count"] == 1  # the donor's and the implementer's reports: one training
    assert len(body["items"][0]["reports"]) == 2  # noqa: PLR2004
    one = client.get("/api/v1/activities/XM-EXAMPLE-GOV-CIV-TIP-0007").json()
    assert one["kind"] == "legislative_drafting" and one["countries"] == ["CIV"]
    exported = client.get("/api/v1/activities/iati", {"country": "CIV"})
    assert exported.status_code == 200 and len(iati.read(exported.content)) == 1
    out = tmp_path / "out.xml"
    call_command("activities", "export", "--out", str(out))
    assert len(iati.read(out.read_bytes())) == 3
    call_command("activities", "import", str(out), "--as", editor.username)
    assert "0 created, 3 updated" in capsys.readouterr().out
