"""Free text has limits: in the models (checked by full_clean, shown by forms as maxlength) and
in the API's schemas (a 422 that names the field and the limit, never the value)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from ninja import Schema

from palermo.core import textlimits
from palermo.core.models import Document, User
from palermo.core.textlimits import (
    NOT_FREE_TEXT,
    NOTE_MAX,
    TEXT_MAX,
    Note,
    unlimited_text_fields,
)


def test_core_has_no_text_field_without_a_limit() -> None:
    assert unlimited_text_fields("core") == []


def test_the_check_finds_a_field_without_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    # A core model: core's tests import no app above it (test_architecture).
    assert "Document.notes" not in unlimited_text_fields("core")
    field = Document._meta.get_field("notes")
    monkeypatch.setattr(field, "max_length", None)
    assert unlimited_text_fields("core") == ["Document.notes"]
    monkeypatch.undo()
    monkeypatch.setattr(field, "validators", [])  # max_length alone: forms only, not full_clean
    assert unlimited_text_fields("core") == ["Document.notes"]


def test_only_what_is_not_free_text_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ciphertext is no person's text: it is left out by name, each with its reason."""
    assert all(reason for reason in NOT_FREE_TEXT.values())
    assert "PersonIdentity.ciphertext" not in unlimited_text_fields("cases")
    monkeypatch.setattr(textlimits, "NOT_FREE_TEXT", {})
    assert "PersonIdentity.ciphertext" in unlimited_text_fields("cases")


@pytest.mark.django_db
def test_a_document_note_over_the_limit_is_refused() -> None:
    doc = Document(key="too-long", title="A report", notes="x" * (TEXT_MAX + 1))
    with pytest.raises(ValidationError) as exc:
        doc.full_clean()
    assert "notes" in exc.value.message_dict
    doc.notes = "x" * TEXT_MAX
    doc.full_clean()


def test_a_schema_note_over_the_limit_is_refused() -> None:
    class CommentIn(Schema):
        comment: Note

    assert CommentIn(comment="y" * NOTE_MAX).comment
    with pytest.raises(ValueError, match="at most 4000 characters"):
        CommentIn(comment="y" * (NOTE_MAX + 1))


@pytest.mark.django_db
def test_the_api_names_the_field_and_the_limit(
    client: Client, admin_user: User, bearer: Callable[[User], dict[str, Any]]
) -> None:
    name = "Ministry of " + "very " * 80
    res = client.post(
        "/api/v1/organisations",
        {"name": name, "kind": "ngo"},
        content_type="application/json",
        **bearer(admin_user),
    )
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "invalid_input"
    assert body["detail"] == "name: String should have at most 300 characters"
    assert "very very" not in body["detail"]
