"""Free text of the registry has a limit: in the models (full_clean, so the services refuse it),
the API (a 422 naming the field and the limit, never the value) and the editor's forms."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from palermo.core.models import AuditEntry, User
from palermo.core.tests.factories import bearer_headers
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, unlimited_text_fields
from palermo.registry import forms
from palermo.registry.models import Membership
from palermo.registry.services import membership_record

pytestmark = pytest.mark.django_db
SOURCE = {"document": "sg-2005-intl-cooperation", "locator": "para. 9"}
SECRET = "confidential-" + "n" * NOTE_MAX


def test_every_text_field_of_the_registry_has_a_limit() -> None:
    assert unlimited_text_fields("registry") == []


def test_an_over_long_note_is_refused_by_the_service(editor: User) -> None:
    before = (Membership.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError) as err:
        membership_record(actor=editor, mechanism="AU", country="FRA", source=SOURCE, note=SECRET)
    assert err.value.message_dict == {
        "note": [
            "Ensure this value has at most {} characters (it has {}).".format(NOTE_MAX, len(SECRET))
        ]
    }
    assert (Membership.objects.count(), AuditEntry.objects.count()) == before


def test_the_api_names_the_field_and_the_limit(client: Client, editor: User) -> None:
    res = client.post(
        "/api/v1/registry/legislation",
        {
            "country": "FRA",
            "title": "Loi X",
            "kind": "law",
            "summary": SECRET + "s" * TEXT_MAX,
            "source": SOURCE,
        },
        content_type="application/json",
        **bearer_headers(editor),
    )
    assert res.status_code == 422
    assert res.json() == {
        "detail": "summary: String should have at most {} characters".format(TEXT_MAX),
        "code": "invalid_input",
    }
    assert "confidential" not in res.content.decode()


def test_the_editor_forms_carry_maxlength() -> None:
    assert 'maxlength="{}"'.format(TEXT_MAX) in str(forms.LegislationForm()["summary"])
    assert 'maxlength="{}"'.format(NOTE_MAX) in str(forms.DirectoryEntryForm()["address"])
    assert 'maxlength="{}"'.format(NOTE_MAX) in str(forms.MembershipForm()["note"])
    assert 'maxlength="{}"'.format(TEXT_MAX) in str(forms.TreatyActionForm()["note"])
