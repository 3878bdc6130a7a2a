"""Facets of a case (a child among its persons, their roles and forms of exploitation) kept on
the case, so that the case list filters and counts read one index of the case table.

Existing cases get their facets from their persons here (cases.facets computes them for new
writes). On PostgreSQL one partial index per role and per form of exploitation holds one
organisation's matching cases in list order, with the columns a count needs; the person-side
partial indexes of migration 0004 are no longer read by the list and are dropped.
"""

from django.conf import settings
from django.db import migrations, models

# Frozen copies, as a migration must hold them: the HTCDS vic_TypeOfExploitation codes with
# Palermo's two extensions (cases.htcds), and cases.choices.PersonRole. A code added later needs
# its index in a new migration (a test fails until it has one).
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
ROLES = ("victim", "presumed_victim", "suspect", "witness")
BATCH = 2000


def _partial_indexes():
    for code in EXPLOITATION_CODES:
        yield "case_expl_{}".format(code.lower())[:63], "exploitation_types", code
    for role in ROLES:
        yield "case_role_{}".format(role)[:63], "person_roles", role


def _is_child(row):
    age = row["age_at_registration"]
    return bool(row["age_uncertain"]) or (age is not None and age < 18)


def facets_fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Person = apps.get_model("cases", "Person")
    facets = {}
    fields = ("case_id", "role", "types_of_exploitation", "age_uncertain", "age_at_registration")
    for row in Person.objects.order_by().values(*fields).iterator(chunk_size=BATCH):
        f = facets.setdefault(row["case_id"], (set(), set(), [False]))
        if row["role"]:
            f[0].add(row["role"])
        f[1].update(row["types_of_exploitation"] or ())
        f[2][0] = f[2][0] or _is_child(row)
    changed = []
    for case_id, (roles, forms, child) in facets.items():
        changed.append(
            Case(
                pk=case_id,
                has_child=child[0],
                person_roles=sorted(roles),
                exploitation_types=sorted(forms),
            )
        )
        if len(changed) >= BATCH:
            Case.objects.bulk_update(changed, ["has_child", "person_roles", "exploitation_types"])
            changed = []
    Case.objects.bulk_update(changed, ["has_child", "person_roles", "exploitation_types"])


def indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in EXPLOITATION_CODES:
        name = "person_expl_{}".format(code.lower())[:63]
        schema_editor.execute("DROP INDEX IF EXISTS {}".format(name))
    for name, column, code in _partial_indexes():
        schema_editor.execute(
            # Names and codes are the constants above (letters and underscores), not input.
            "CREATE INDEX IF NOT EXISTS {} ON cases_case "
            "(organisation_id, opened_on DESC, reference) INCLUDE (status, country_id, id) "
            "WHERE {} @> '[\"{}\"]'::jsonb".format(name, column, code)
        )


def indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column, _code in _partial_indexes():
        schema_editor.execute("DROP INDEX IF EXISTS {}".format(name))
    for code in EXPLOITATION_CODES:
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS {} ON cases_person (case_id) "
            "WHERE types_of_exploitation @> '[\"{}\"]'::jsonb".format(
                "person_expl_{}".format(code.lower())[:63], code
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_list_filter_indexes'),
        ('core', '0002_audit_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='person',
            name='person_child_case',
        ),
        migrations.AddField(
            model_name='case',
            name='exploitation_types',
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name='forms of exploitation of its persons'),
        ),
        migrations.AddField(
            model_name='case',
            name='has_child',
            field=models.BooleanField(default=False, editable=False, verbose_name='a child among its persons'),
        ),
        migrations.AddField(
            model_name='case',
            name='person_roles',
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name='roles of its persons'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('has_child', True)), fields=['organisation', '-opened_on', 'reference'], include=('status', 'country', 'id'), name='case_child_list'),
        ),
        migrations.RunPython(facets_fill, migrations.RunPython.noop),
        migrations.RunPython(indexes_create, indexes_drop),
    ]
