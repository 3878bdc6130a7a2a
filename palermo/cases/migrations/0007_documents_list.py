"""Identity documents stored as text become a list (issue 11, D1).

The web form, the CSV import and the demo data stored `documents` as a text, the API as a list
of objects; the identity endpoint promised a list and answered 500 for the text. Every stored
identity whose documents are not a list of objects is decrypted, its documents made a list
(`palermo.cases.documents.documents_list`: a text becomes one `{"description": text}`), and
encrypted again with the current key. Identities without documents are not touched (and so
need no key). Backwards: nothing to undo (a list is what the code reads either way).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from palermo.cases.documents import identity_normalise  # noqa: PLC0415
    from palermo.core.crypto import decrypt_json, encrypt_json  # noqa: PLC0415

    PersonIdentity = apps.get_model("cases", "PersonIdentity")
    for row in PersonIdentity.objects.only("pk", "ciphertext").iterator(chunk_size=500):
        data = decrypt_json(row.ciphertext)
        if "documents" not in data:
            continue
        fixed = identity_normalise(data)
        if fixed != data:
            row.ciphertext = encrypt_json(fixed)
            row.save(update_fields=["ciphertext"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_search_trigram")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
