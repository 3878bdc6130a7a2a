"""The case-law app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaselawConfig(AppConfig):
    name = "palermo.caselaw"
    label = "caselaw"
    verbose_name = _("Case law")

    def ready(self) -> None:
        from palermo.caselaw.judgments import (  # noqa: PLC0415
            judgments_decrypt_check,
            judgments_rotate,
        )
        from palermo.core.crypto import (  # noqa: PLC0415
            decrypt_check_register,
            rotation_register,
        )

        # Judgment files are encrypted with the node's field keys: re-encrypted with them, and
        # checked at start-up and by `palermo restore`.
        rotation_register("caselaw judgment files", judgments_rotate)
        decrypt_check_register("caselaw judgment files", judgments_decrypt_check)
