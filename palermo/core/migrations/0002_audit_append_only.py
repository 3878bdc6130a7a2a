"""Make the audit log append-only in the database itself (see palermo.core.dbguard)."""

from django.conf import settings
from django.db import migrations

from palermo.core.dbguard import install_guard, remove_guard


def forwards(apps, schema_editor):
    if getattr(settings, "PALERMO_AUDIT_DB_GUARD", True):
        install_guard(schema_editor.connection)


def backwards(apps, schema_editor):
    remove_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
