"""A victim or presumed victim whose age is unknown is presumed a child (issue 12; CoE Convention
art. 10(3), the UNODC Model Law's presumption of age): the case's "a child among its persons" facet is
recomputed with that rule (cases.models.child_status; frozen here, as a migration must)."""

from django.db import migrations

PRESUMPTION_ROLES = ("victim", "presumed_victim")
BATCH = 2000


def _is_child(row):
    age = row["age_at_registration"]
    if age is not None and age < 18:
        return True
    return bool(row["age_uncertain"]) or (age is None and row["role"] in PRESUMPTION_ROLES)


def facets_fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Person = apps.get_model("cases", "Person")
    fields = ("case_id", "role", "age_uncertain", "age_at_registration")
    child_cases = set()
    for row in Person.objects.order_by().values(*fields).iterator(chunk_size=BATCH):
        if _is_child(row):
            child_cases.add(row["case_id"])
    ids = sorted(child_cases)
    for start in range(0, len(ids), BATCH):
        Case.objects.filter(pk__in=ids[start : start + BATCH], has_child=False).update(
            has_child=True
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_person_name_index")]

    operations = [migrations.RunPython(facets_fill, migrations.RunPython.noop)]
