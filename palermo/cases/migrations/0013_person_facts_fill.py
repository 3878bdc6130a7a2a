"""The counted facts of every existing person (cases.personfacts), in batches; the triggers of
0012 fill the count tables as the facts are written. Reversed by emptying the facts (the
triggers empty the counts with them)."""

from django.db import migrations


def facts_fill(apps, schema_editor):
    # The same computation the services run (one definition of a person's route), on the
    # historical models.
    from palermo.cases.personfacts import Tables, person_facts_fill

    tables = Tables(
        person=apps.get_model("cases", "Person"),
        movement=apps.get_model("cases", "Movement"),
        ret=apps.get_model("cases", "Return"),
        facts=apps.get_model("cases", "PersonFacts"),
    )
    person_facts_fill(tables)


def facts_empty(apps, schema_editor):
    apps.get_model("cases", "PersonFacts").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_person_facts"),
    ]

    operations = [
        migrations.RunPython(facts_fill, facts_empty),
    ]
