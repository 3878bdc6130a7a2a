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

        checks.register(node_key_check)
        checks.register(unsigned_bench_check)
