"""The core app's configuration: log records without values (palermo.core.logs), its security
checks, when a login starts, failed logins audited, clearing expired sessions, old task results
and old finished jobs, and signing audit checkpoints on the node's schedule, the check that the
node's keys fit its database, SQLite files created private, and the empty choice of selects in
our catalogues."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "palermo.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.conf import settings  # noqa: PLC0415
        from django.contrib.auth.signals import user_logged_in, user_login_failed  # noqa: PLC0415
        from django.core import checks  # noqa: PLC0415

        from palermo.core import logs, security_checks  # noqa: F401, PLC0415 - registers the checks
        from palermo.core.checkpoints import checkpoint_job  # noqa: PLC0415
        from palermo.core.keys import (  # noqa: PLC0415
            keys_check,
            keys_deploy_check,
            sqlite_files_private,
        )
        from palermo.core.languages import language_on_login  # noqa: PLC0415
        from palermo.core.lockout import login_attempts_clear, login_failed  # noqa: PLC0415
        from palermo.core.middleware import session_start, sessions_clear  # noqa: PLC0415
        from palermo.core.schedule import periodic_register  # noqa: PLC0415

        logs.install()  # no exception message, so no request or model value, in a log line
        user_logged_in.connect(session_start, dispatch_uid="palermo.core.session_start")
        user_logged_in.connect(language_on_login, dispatch_uid="palermo.core.language_on_login")
        user_login_failed.connect(login_failed, dispatch_uid="palermo.core.login_failed")
        periodic_register("core.sessions_clear", every=dt.timedelta(hours=1), run=sessions_clear)
        periodic_register(
            "core.login_attempts_clear", every=dt.timedelta(hours=1), run=login_attempts_clear
        )
        periodic_register(
            "core.audit_checkpoint",
            every=dt.timedelta(minutes=settings.PALERMO_AUDIT_CHECKPOINT_MINUTES),
            run=checkpoint_job,
        )
        checks.register(keys_check)
        checks.register(keys_deploy_check, checks.Tags.security, deploy=True)
        sqlite_files_private()
        # Django 6.1's empty choice of a model's select; its own catalogues do not translate it
        # yet in every UN language, ours do.
        from django.db.models import fields as model_fields  # noqa: PLC0415

        model_fields.BLANK_CHOICE_LABEL = _("- Select an option -")
        periodic_register("core.task_results_prune", every=dt.timedelta(days=1), run=_results_prune)
        from palermo.core.jobs import jobs_prune  # noqa: PLC0415

        periodic_register("core.jobs_prune", every=dt.timedelta(days=1), run=jobs_prune)


def _results_prune() -> str:
    """Finished background task results older than a week are deleted (the task queue table
    would otherwise only grow)."""
    from django.utils import timezone  # noqa: PLC0415
    from django_tasks_db.models import DBTaskResult  # noqa: PLC0415

    old = timezone.now() - dt.timedelta(days=7)
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lte=old).delete()
    return "{} task results older than 7 days deleted".format(deleted)
