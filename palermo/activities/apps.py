"""The clearing house's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "palermo.activities"
    label = "activities"
    verbose_name = _("Clearing house of technical assistance and training")
