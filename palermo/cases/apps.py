"""The cases app: its configuration, the encrypted columns it registers for key rotation and for
the checks that they decrypt, and retention, which the node's scheduler runs daily."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "palermo.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from palermo.cases.models import Guardian, PersonIdentity, PersonPhoto  # noqa: PLC0415
        from palermo.cases.names import name_index_check  # noqa: PLC0415
        from palermo.core.crypto import (  # noqa: PLC0415
            column_decrypt_check,
            column_rotate,
            decrypt_check_register,
            rotation_register,
        )
        from palermo.core.keys import key_check_register  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        # `palermo cases rotate-key` re-encrypts identities, photos and guardians' names.
        rotation_register("identities", lambda: column_rotate(PersonIdentity, "ciphertext"))
        rotation_register("photos", lambda: column_rotate(PersonPhoto, "ciphertext"))
        rotation_register(
            "guardian names",
            lambda: column_rotate(Guardian, "name_ciphertext", exclude_empty=True),
        )
        # The start-up check and `palermo restore` check that these decrypt with the node's keys.
        decrypt_check_register(
            "identities", lambda limit: column_decrypt_check(PersonIdentity, "ciphertext", limit)
        )
        decrypt_check_register(
            "photos", lambda limit: column_decrypt_check(PersonPhoto, "ciphertext", limit)
        )
        decrypt_check_register(
            "guardian names",
            lambda limit: column_decrypt_check(Guardian, "name_ciphertext", limit),
        )
        # ... and that the name search index was built with the node's name index key.
        key_check_register(name_index_check)
        # Closed cases are anonymised once their retention period has passed.
        periodic_register("cases.retention", every=dt.timedelta(days=1), run=_retention)


def _retention() -> str:
    from palermo.cases.services import cases_anonymise_due  # noqa: PLC0415

    return "{} closed cases anonymised".format(cases_anonymise_due())
