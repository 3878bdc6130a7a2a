"""The audit log's MACs (palermo.core.audit.entry_mac): the column on entries and on the chain
head, the MACs of the entries written before it (with this node's audit key), and the triggers
that refuse inserts that are not appends (palermo.core.dbguard)."""

from django.conf import settings
from django.db import migrations, models

from palermo.core.dbguard import install_guard, remove_guard

GENESIS = "0" * 64


def forwards(apps, schema_editor):
    from palermo.core.auditmac import audit_key_bytes, entry_mac

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    connection = schema_editor.connection
    remove_guard(connection)  # the entries' MACs are written once, here
    key = None
    previous_mac = GENESIS
    pending = []
    for entry in AuditEntry.objects.order_by("sequence").only("pk", "sequence", "entry_hash"):
        key = key or audit_key_bytes()
        entry.mac = entry_mac(
            sequence=entry.sequence, entry_hash=entry.entry_hash, previous_mac=previous_mac, key=key
        )
        previous_mac = entry.mac
        pending.append(entry)
        if len(pending) >= 1000:
            AuditEntry.objects.bulk_update(pending, ["mac"])
            pending = []
    if pending:
        AuditEntry.objects.bulk_update(pending, ["mac"])
    AuditChainHead.objects.filter(id=1).update(mac=previous_mac)
    if getattr(settings, "PALERMO_AUDIT_DB_GUARD", True):
        install_guard(connection)


def backwards(apps, schema_editor):
    pass  # the triggers do not name the MAC column; the column goes with RemoveField


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]
    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64, verbose_name="MAC"),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="mac",
            field=models.CharField(default=GENESIS, max_length=64),
        ),
        migrations.RunPython(forwards, backwards),
    ]
