"""Trigram indexes for the case list's search (`q`: part of a reference or working title).

Django's `icontains` is `UPPER(column::text) LIKE UPPER('%...%')`: no b-tree can serve a pattern
that starts with a wildcard, so the search read the whole case table (about 190 ms at 200,000
cases). A GIN trigram index on the same UPPER() expression serves it. PostgreSQL only: pg_trgm
is a trusted extension (the database owner may create it); SQLite keeps scanning.
"""

from django.db import migrations

INDEXES = {
    "case_reference_trgm": "reference",
    "case_title_trgm": "title",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            # Names and columns are the constants above, not input.
            "CREATE INDEX IF NOT EXISTS {} ON cases_case "
            "USING gin (UPPER({}::text) gin_trgm_ops)".format(name, column)
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute("DROP INDEX IF EXISTS {}".format(name))


class Migration(migrations.Migration):

    dependencies = [("cases", "0005_case_facets")]

    operations = [migrations.RunPython(forwards, backwards)]
