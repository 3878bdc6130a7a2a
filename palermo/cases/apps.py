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
        from palermo.core.crypto import encrypted_column_register  # noqa: PLC0415
        from palermo.core.keys import key_check_register  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        # `palermo cases rotate-key` re-encrypts identities, photos and guardians' names; the
        # start-up check and `palermo restore` check that they decrypt with the node's keys.
        encrypted_column_register("identities", PersonIdentity, "ciphertext")
        encrypted_column_register("photos", PersonPhoto, "ciphertext")
        encrypted_column_register("guardian names", Guardian, "name_ciphertext", exclude_empty=True)
        # ... and that the name search index was built with the node's name index key.
        key_check_register(name_index_check)
        # Closed cases are anonymised once their retention period has passed.
        periodic_register("cases.retention", every=dt.timedelta(days=1), run=_retention)


def _retention() -> str:
    from palermo.cases.services import cases_anonymise_due  # noqa: PLC0415

    return "{} closed cases anonymised".format(cases_anonymise_due())
