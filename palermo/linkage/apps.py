"""The linkage app's configuration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "palermo.linkage"
    label = "linkage"
    verbose_name = _("Record linkage")

    def ready(self) -> None:
        from palermo.linkage.inbound import handlers_register  # noqa: PLC0415

        handlers_register()
