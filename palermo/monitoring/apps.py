"""The monitoring app's configuration."""

import importlib
from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "palermo.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring and reporting")

    def ready(self) -> None:
        """Rounds across nodes: the rounds' events and the monitoring envelopes go to `remote`,
        imported when one first happens (it loads the XLSForm libraries: not at start-up)."""
        from palermo.cooperation.transport import kind_handler_register  # noqa: PLC0415
        from palermo.monitoring import events  # noqa: PLC0415 - models are loaded only now

        def remote() -> Any:
            return importlib.import_module("palermo.monitoring.remote")

        events.listen(events.ROUND_SENT, lambda **kw: remote().round_sent(**kw))
        events.listen(events.REPLY_SUBMITTED, lambda **kw: remote().reply_submitted(**kw))
        events.listen(events.REPLY_REVIEWED, lambda **kw: remote().reply_reviewed(**kw))
        kind_handler_register(events.KINDS, lambda *args: remote().apply(*args))
