"""Every column of Fernet tokens is re-encrypted by `palermo cases rotate-key` and checked at
start-up and by `palermo restore`: an app that adds one and does not register it would leave
tokens that no key reads once the old key is dropped (found for the offline conflicts)."""

from __future__ import annotations

import pytest
from django.apps import apps

from palermo.core.crypto import encrypted_data_check, registered_columns, registered_rotations


@pytest.mark.django_db
def test_every_ciphertext_column_is_rotated_and_checked() -> None:
    columns = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name.endswith("ciphertext")
    }
    assert ("intake.Conflict", "ciphertext") in columns  # the test sees the columns it must
    assert columns <= registered_columns(), sorted(columns - registered_columns())
    labels = dict(registered_rotations()).keys() & encrypted_data_check(0).keys()
    assert {"identities", "reports", "offline conflicts", "cooperation case extracts"} <= labels
