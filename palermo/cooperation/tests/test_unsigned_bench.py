"""The benchmark's unsigned mode: refused unless explicitly enabled under the test settings."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import Settings

from palermo.cooperation import checks, services, signing
from palermo.cooperation.models import InboundMessage, Node
from palermo.core.errors import ApplicationError

from .helpers import client_transport, peer_envelope, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def me() -> Node:
    return services.node_add(
        name=signing.node_name(), url="http://localhost:8000", public_key=signing.node_public_key()
    )


def test_unsigned_is_refused_by_default(client: Client, me: Node) -> None:
    assert not signing.unsigned_allowed()
    services.outbox_enqueue(target=me, kind="information", payload={"n": 1})
    with pytest.raises(ApplicationError) as err:
        services.outbox_deliver(transport=client_transport(client), unsigned=True)
    assert err.value.code == "unsigned_refused"
    body = signing.canonical(peer_envelope(sender=me.name))
    resp = post(client, body, {signing.NODE_HEADER: me.name, signing.SIGNATURE_HEADER: "unsigned"})
    assert (resp.status_code, resp.json()["code"]) == (401, "bad_signature")
    assert not InboundMessage.objects.exists()


def test_unsigned_when_enabled_for_the_benchmark(
    settings: Settings, client: Client, me: Node
) -> None:
    settings.PALERMO_NODE_UNSIGNED_BENCH = True
    services.outbox_enqueue(target=me, kind="information", payload={"n": 1})
    report = services.outbox_deliver(transport=client_transport(client), unsigned=True)
    assert report.acknowledged == 1
    # Signed delivery still works (and verifies) with the switch on.
    services.outbox_enqueue(target=me, kind="information", payload={"n": 2})
    assert services.outbox_deliver(transport=client_transport(client)).acknowledged == 1
    assert InboundMessage.objects.count() == 2


def test_check_fails_outside_the_test_settings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PALERMO_NODE_UNSIGNED_BENCH = True
    assert checks.unsigned_bench_check() == []
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "palermo.settings.base")
    assert not signing.unsigned_allowed()
    (error,) = checks.unsigned_bench_check()
    assert error.id == "palermo.cooperation.E002"
