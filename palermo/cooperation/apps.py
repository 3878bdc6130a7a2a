"""The cooperation app's start-up: its system checks, the encrypted columns it registers for key
rotation, the handler that applies request events the transport receives, and what the node
runs for it (the outbox delivery loop, the daily reminders)."""

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
        from palermo.cooperation.files import attachments_rotate, extracts_rotate  # noqa: PLC0415
        from palermo.cooperation.services import inbound_apply  # noqa: PLC0415
        from palermo.cooperation.transport import request_handler_register  # noqa: PLC0415
        from palermo.core.crypto import rotation_register  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415
        from palermo.core.serve import part_register  # noqa: PLC0415

        checks.register(node_key_check)
        checks.register(unsigned_bench_check)
        # `palermo cases rotate-key` re-encrypts attachments and case extracts too.
        rotation_register("cooperation attachments", attachments_rotate)
        rotation_register("cooperation case extracts", extracts_rotate)
        # Request events received from a peer are applied by the workflow, which the transport
        # does not import.
        request_handler_register(inbound_apply)
        # `palermo serve` runs the delivery loop, and its scheduler the reminders.
        part_register("delivery", ["cooperation", "deliver", "--loop"])
        periodic_register("cooperation.reminders", every=dt.timedelta(days=1), run=_reminders)


def _reminders() -> str:
    from palermo.cooperation.services import reminders_send  # noqa: PLC0415

    return "{} reminders sent".format(reminders_send())
