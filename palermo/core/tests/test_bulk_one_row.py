"""One row many times over (palermo.core.bulk.instance_insert and pk_exists): the same row as a
save, the database's constraints, and save() itself when a model has save receivers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save

from palermo.core.bulk import instance_insert, pk_exists
from palermo.core.choices import OrganisationKind
from palermo.core.models import Country, Organisation

pytestmark = pytest.mark.django_db


def test_an_inserted_instance_is_the_row_a_save_writes() -> None:
    country = Country.objects.create(iso3="XNA", name="Narnia", names={"fr": "Narnia"})
    saved = Organisation(name="Saved", kind=OrganisationKind.GOVERNMENT, country=country)
    saved.save()
    inserted = Organisation(name="Inserted", kind=OrganisationKind.GOVERNMENT, country=country)
    instance_insert(inserted)

    assert inserted.pk is not None and inserted.pk != saved.pk  # the auto id, read back
    assert not inserted._state.adding
    fields = ["kind", "country_id", "parent_id"]
    row = Organisation.objects.values(*fields, "created_at").get(pk=inserted.pk)
    assert row == {f: getattr(inserted, f) for f in [*fields, "created_at"]}
    assert row["created_at"] is not None  # auto_now_add, as a save sets it
    other = Country(iso3="XGO", name="Gondor", names={"sjn": "Gondor"})
    instance_insert(other)  # a primary key given: no id read back; JSON prepared
    assert Country.objects.get(iso3="XGO").names == {"sjn": "Gondor"}


def test_an_insert_the_database_refuses_raises_integrity_error() -> None:
    Country.objects.create(iso3="XNA", name="Narnia")
    with pytest.raises(IntegrityError), transaction.atomic():
        instance_insert(Country(iso3="XNA", name="Narnia again"))
    Organisation.objects.create(name="Twice", kind=OrganisationKind.NGO)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance_insert(Organisation(name="Twice", kind=OrganisationKind.NGO))
    assert Country.objects.get(iso3="XNA").name == "Narnia"
    assert Organisation.objects.filter(name="Twice").count() == 1


def test_a_model_with_save_receivers_is_saved_by_save() -> None:
    seen: list[str] = []

    def receiver(sender: type[Country], instance: Country, created: bool, **kw: Any) -> None:
        seen.append(instance.iso3)

    post_save.connect(receiver, sender=Country)
    try:
        instance_insert(Country(iso3="XNA", name="Narnia"))
    finally:
        post_save.disconnect(receiver, sender=Country)
    assert seen == ["XNA"]


def test_pk_exists() -> None:
    Country.objects.create(iso3="XNA", name="Narnia")
    assert pk_exists(Country, "XNA")
    assert not pk_exists(Country, "XGO")
