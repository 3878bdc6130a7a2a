"""The cooperation app's start-up: its system checks, the encrypted data it registers for key
rotation and decrypt checks, the handler that applies request events the transport receives,
the audit checkpoints it sends to and keeps for peer nodes (cooperation.witness), and what the
node runs for it (the outbox delivery loop, the daily reminders)."""

import datetime as dt

from django.apps import AppConfig
from django.core import checks


class CooperationConfig(AppConfig):
    name = "palermo.cooperation"
    label = "cooperation"
    verbose_name = "Cooperation"

    def ready(self) -> None:
        from palermo.cooperation.checks import (  # noqa: PLC0415 - apps are loaded
            node_key_check,
            unsigned_bench_check,
        )
        from palermo.cooperation.files import (  # noqa: PLC0415
            attachments_decrypt_check,
            attachments_rotate,
        )
        from palermo.cooperation.models import SharedCaseExtract  # noqa: PLC0415
        from palermo.cooperation.services import inbound_apply  # noqa: PLC0415
        from palermo.cooperation.transport import request_handler_register  # noqa: PLC0415
        from palermo.cooperation.witness import witness_register  # noqa: PLC0415
        from palermo.core.crypto import (  # noqa: PLC0415
            decrypt_check_register,
            encrypted_column_register,
            rotation_register,
        )
        from palermo.core.schedule import periodic_register  # noqa: PLC0415
        from palermo.core.serve import part_register  # noqa: PLC0415

        checks.register(node_key_check)
        checks.register(unsigned_bench_check)
        # `palermo cases rotate-key` re-encrypts attachments and case extracts too.
        rotation_register("cooperation attachments", attachments_rotate)
        # The start-up check and `palermo restore` check that these decrypt with the node's keys.
        decrypt_check_register("cooperation attachments", attachments_decrypt_check)
        encrypted_column_register("cooperation case extracts", SharedCaseExtract, "ciphertext")
        # Signed audit checkpoints: this node's go to its peers, the peers' are kept as witnesses.
        witness_register()
        # Request events received from a peer are applied by the workflow, which the transport
        # does not import.
        request_handler_register(inbound_apply)
        # `palermo serve` runs the delivery loop, and its scheduler the reminders.
        part_register("delivery", ["cooperation", "deliver", "--loop"])
        periodic_register("cooperation.reminders", every=dt.timedelta(days=1), run=_reminders)


def _reminders() -> str:
    from palermo.cooperation.services import reminders_send  # noqa: PLC0415

    return "{} reminders sent".format(reminders_send())
