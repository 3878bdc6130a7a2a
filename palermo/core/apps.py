"""The core app's configuration: log records without values (palermo.core.logs), its security
checks, when a login starts, and clearing expired sessions on the node's schedule."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "palermo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from palermo.core import logs, security_checks  # noqa: F401, PLC0415 - registers the checks
        from palermo.core.middleware import session_start, sessions_clear  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        logs.install()  # no exception message, so no request or model value, in a log line
        user_logged_in.connect(session_start, dispatch_uid="palermo.core.session_start")
        periodic_register("core.sessions_clear", every=dt.timedelta(hours=1), run=sessions_clear)
