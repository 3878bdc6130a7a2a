"""API tokens expire (D6); invalid bearer tokens are counted per client address (D4); the audit
log names failed logins, lockouts, token revocations and user deactivation.

Tokens issued before expiry existed get the default lifetime from the migration on (a token
without an expiry is not valid), so no client stops working on the day of the upgrade.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def tokens_expire(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    days = getattr(settings, "PALERMO_TOKEN_DAYS", 90)
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_mac'),
    ]

    operations = [
        migrations.CreateModel(
            name='BearerFailure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.CharField(max_length=64, unique=True, verbose_name='client address')),
                ('window_start', models.DateTimeField(db_index=True, verbose_name='window start')),
                ('count', models.PositiveIntegerField(default=0, verbose_name='failures')),
            ],
            options={
                'verbose_name': 'bearer token failure count',
                'verbose_name_plural': 'bearer token failure counts',
            },
        ),
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expires at'),
        ),
        migrations.RunPython(tokens_expire, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'Create'), ('update', 'Update'), ('delete', 'Delete'), ('read', 'Read personal data'), ('login', 'Log in'), ('token', 'API token issued'), ('token_revoke', 'API token revoked'), ('login_failed', 'Failed login'), ('lockout', 'Logins locked out'), ('unlock', 'Logins unlocked'), ('deactivate', 'User deactivated'), ('reactivate', 'User reactivated'), ('password', 'Password set')], max_length=20, verbose_name='action'),
        ),
    ]
