"""The intake app's configuration."""

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _conflict_notices(access: Any) -> Any:
    """Loaded when a case's page asks, not when a process starts."""
    from palermo.intake.views_sync import conflict_notices  # noqa: PLC0415

    return conflict_notices(access)


class IntakeConfig(AppConfig):
    name = "palermo.intake"
    label = "intake"
    verbose_name = _("Public reports and hotline triage")

    def ready(self) -> None:
        from palermo.cases.notices import provider_register  # noqa: PLC0415
        from palermo.core.crypto import (  # noqa: PLC0415
            decrypt_check_register,
            encrypted_column_register,
            rotation_register,
        )
        from palermo.intake.attachments import STORE  # noqa: PLC0415
        from palermo.intake.models import (  # noqa: PLC0415
            Conflict,
            Report,
            ReportAddition,
            ReportAttachment,
        )

        # The reports' accounts and contacts, what was added, their files and the values of
        # offline conflicts: re-encrypted by `palermo cases rotate-key`, checked at start-up and
        # by `palermo restore`.
        encrypted_column_register("reports", Report, "ciphertext")
        encrypted_column_register("report additions", ReportAddition, "ciphertext")
        encrypted_column_register("offline conflicts", Conflict, "ciphertext")
        rotation_register(
            "report attachments",
            lambda: STORE.rotate(ReportAttachment.objects.values_list("path", flat=True)),
        )
        decrypt_check_register(
            "report attachments",
            lambda limit: STORE.decrypt_check(
                ReportAttachment.objects.order_by("-pk").values_list("path", "sha256")[:limit]
                if limit is not None
                else ReportAttachment.objects.values_list("path", "sha256")
            ),
        )
        # The case's page tells of offline edits to decide (`views_sync`).
        provider_register("offline conflicts", _conflict_notices)
