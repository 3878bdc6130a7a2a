"""The registry app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "palermo.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from palermo.registry.selectors.cache import reference_signals_connect  # noqa: PLC0415

        reference_signals_connect()
