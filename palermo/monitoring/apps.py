"""The monitoring app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "palermo.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and reporting")
