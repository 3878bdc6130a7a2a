"""The cases app: its configuration, the encrypted columns it registers for key rotation, and
retention, which the node's scheduler runs daily."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "palermo.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from palermo.cases.models import Guardian, PersonIdentity, PersonPhoto  # noqa: PLC0415
        from palermo.core.crypto import column_rotate, rotation_register  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        # `palermo cases rotate-key` re-encrypts identities, photos and guardians' names.
        rotation_register("identities", lambda: column_rotate(PersonIdentity, "ciphertext"))
        rotation_register("photos", lambda: column_rotate(PersonPhoto, "ciphertext"))
        rotation_register(
            "guardian names",
            lambda: column_rotate(Guardian, "name_ciphertext", exclude_empty=True),
        )
        # Closed cases are anonymised once their retention period has passed.
        periodic_register("cases.retention", every=dt.timedelta(days=1), run=_retention)


def _retention() -> str:
    from palermo.cases.services import cases_anonymise_due  # noqa: PLC0415

    return "{} closed cases anonymised".format(cases_anonymise_due())
