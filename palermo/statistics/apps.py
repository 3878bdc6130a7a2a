"""The statistics app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "palermo.statistics"
    label = "statistics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from palermo.statistics import jobs  # noqa: PLC0415

        jobs.register()  # its long work, run by the task worker from its pages
