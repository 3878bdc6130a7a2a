"""Indexes that let the case list and its counts read indexes instead of tables.

On PostgreSQL also one partial index per form of exploitation: the GIN index finds the
persons, but a count then reads every one of them from the table; these hold just the case
ids of the persons with that form, so a count reads the index alone.
"""

from django.conf import settings
from django.db import migrations, models

# HTCDS vic_TypeOfExploitation codes and Palermo's two extensions (cases.htcds), frozen here
# as a migration must be; a new code gets its index in a new migration.
EXPLOITATION_CODES = (
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
    "ForcedCriminality",
    "DomesticServitude",
)


def _index_name(code):
    return "person_expl_{}".format(code.lower())[:63]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in EXPLOITATION_CODES:
        schema_editor.execute(
            # The codes are the constants above (letters only), not input.
            "CREATE INDEX IF NOT EXISTS {} ON cases_person (case_id) "
            "WHERE types_of_exploitation @> '[\"{}\"]'::jsonb".format(_index_name(code), code)
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in EXPLOITATION_CODES:
        schema_editor.execute("DROP INDEX IF EXISTS {}".format(_index_name(code)))


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0003_person_exploitation_gin'),
        ('core', '0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='cases_case_organis_a852da_idx',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['organisation', 'status', 'country', 'opened_on'], include=('id',), name='case_list_filter'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(condition=models.Q(('age_uncertain', True), ('age_at_registration__lt', 18), _connector='OR'), fields=['case'], name='person_child_case'),
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['role', 'case'], name='person_role_case'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
