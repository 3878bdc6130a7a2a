"""The core app's configuration: its security checks, when a login starts, clearing expired
sessions and signing audit checkpoints on the node's schedule, the check that the node's keys
fit its database, and SQLite files created private."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "palermo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings  # noqa: PLC0415
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415
        from django.core import checks  # noqa: PLC0415

        from palermo.core import security_checks  # noqa: F401, PLC0415 - registers the checks
        from palermo.core.checkpoints import checkpoint_job  # noqa: PLC0415
        from palermo.core.keys import (  # noqa: PLC0415
            keys_check,
            keys_deploy_check,
            sqlite_files_private,
        )
        from palermo.core.middleware import session_start, sessions_clear  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        user_logged_in.connect(session_start, dispatch_uid="palermo.core.session_start")
        periodic_register("core.sessions_clear", every=dt.timedelta(hours=1), run=sessions_clear)
        periodic_register(
            "core.audit_checkpoint",
            every=dt.timedelta(minutes=settings.PALERMO_AUDIT_CHECKPOINT_MINUTES),
            run=checkpoint_job,
        )
        checks.register(keys_check)
        checks.register(keys_deploy_check, checks.Tags.security, deploy=True)
        sqlite_files_private()
