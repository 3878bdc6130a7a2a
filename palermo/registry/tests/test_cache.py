"""The parties answer kept in process memory is computed again once the reference data changes,
whether this process wrote it or another one did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max
from django.test import Client

from palermo.registry.models import TreatyAction

pytestmark = pytest.mark.django_db
PARTIES = "/api/v1/registry/parties"
QUERY = {"instrument": "trafficking-protocol", "as_of": "2005-01-01", "member_of": "AALCO"}


def _bwa(client: Client) -> dict[str, object]:
    res = client.get(PARTIES, QUERY)
    assert res.status_code == 200
    items: dict[str, dict[str, object]] = {i["country"]: i for i in res.json()["items"]}
    return items["BWA"]


def _bwa_signature() -> TreatyAction:
    return TreatyAction.objects.get(
        instrument__slug="trafficking-protocol",
        country_id="BWA",
        action="signature",
        source__document__key__startswith="untc-",  # the newest statement, the one shown
    )


def test_a_write_in_this_process_is_seen_at_once(client: Client) -> None:
    assert _bwa(client)["signed"] == "2002-04-10"
    signature = _bwa_signature()
    signature.date = dt.date(2002, 4, 11)
    signature.save()  # the same second as the data was loaded, under a frozen clock too
    assert _bwa(client)["signed"] == "2002-04-11"


def test_a_write_by_another_process_is_seen_at_once(client: Client) -> None:
    assert _bwa(client)["signed"] == "2002-04-10"
    # A queryset update sends no signal: as if another worker had written it.
    latest = TreatyAction.objects.aggregate(m=Max("updated_at"))["m"]
    TreatyAction.objects.filter(pk=_bwa_signature().pk).update(
        date=dt.date(2002, 4, 12), updated_at=latest + dt.timedelta(seconds=1)
    )
    assert _bwa(client)["signed"] == "2002-04-12"


def test_a_deleted_fact_is_seen_at_once(client: Client) -> None:
    assert _bwa(client)["signed"] == "2002-04-10"
    TreatyAction.objects.filter(  # every source's statement of it, without a signal
        instrument__slug="trafficking-protocol", country_id="BWA", action="signature"
    )._raw_delete("default")
    assert _bwa(client)["signed"] != "2002-04-10"
