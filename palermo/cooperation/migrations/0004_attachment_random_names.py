"""Attachment files get random names on disk (issue 11, D10).

They were stored as `<sha256 of the plaintext>-<id>.bin`: anyone able to list the data
directory could confirm that a known document is attached to a request. Each file is linked
under a random name (`palermo.cooperation.files.new_name`), its row updated, and the old name
removed once the migration has committed (a failed migration leaves the old names in use).
A file missing from disk keeps its row (it is reported as missing when read).
"""

import os
from pathlib import Path

from django.db import migrations, transaction


def forwards(apps, schema_editor):
    from palermo.cooperation.files import new_name, root  # noqa: PLC0415

    Attachment = apps.get_model("cooperation", "Attachment")
    base = root()
    for row in Attachment.objects.only("pk", "path", "sha256").iterator(chunk_size=500):
        if row.sha256 and row.sha256 not in Path(row.path).name:
            continue  # already a random name
        old = base / row.path
        if not old.exists():
            continue
        relative = new_name()
        new = base / relative
        new.parent.mkdir(parents=True, exist_ok=True)
        os.link(old, new)
        row.path = relative
        row.save(update_fields=["path"])
        transaction.on_commit(lambda old=old: old.unlink(missing_ok=True))


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0003_witness")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
