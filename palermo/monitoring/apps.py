"""The monitoring app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "palermo.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and reporting")

    def ready(self) -> None:
        from palermo.monitoring import remote  # noqa: PLC0415 - models are loaded only now

        remote.register()
