from django.apps import AppConfig
from django.core import checks


class CooperationConfig(AppConfig):
    name = "palermo.cooperation"
    label = "cooperation"
    verbose_name = "Cooperation"

    def ready(self) -> None:
        from palermo.cooperation.checks import node_key_check  # noqa: PLC0415 - apps are loaded

        checks.register(node_key_check)
