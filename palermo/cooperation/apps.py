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
        from palermo.core.crypto import rotation_register  # noqa: PLC0415

        checks.register(node_key_check)
        checks.register(unsigned_bench_check)
        # `palermo cases rotate-key` re-encrypts attachments and case extracts too.
        rotation_register("cooperation attachments", attachments_rotate)
        rotation_register("cooperation case extracts", extracts_rotate)
