"""The clearing house's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "palermo.activities"
    label = "activities"
    verbose_name = _("Clearing house of technical assistance and training")

    def ready(self) -> None:
        from palermo.activities.themes import vocabulary  # noqa: PLC0415
        from palermo.monitoring.needs import register_vocabulary  # noqa: PLC0415

        register_vocabulary(vocabulary)
