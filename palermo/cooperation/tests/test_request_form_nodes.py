"""Issue 12, prosecutor: the new request form with no peer node registered explains why a
request cannot travel yet and the command that registers one, instead of an empty list; with a
peer of the requested state, that node is offered and preselected."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from palermo.conftest import PASSWORD
from palermo.cooperation import signing
from palermo.cooperation.models import Node
from palermo.core.choices import Role
from palermo.core.models import User

from .factories import PEER_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def prosecutor(make_user: Callable[..., User]) -> User:
    return make_user(Role.INVESTIGATOR, org="Polizia di Stato", country="ITA", username="rossi")


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_no_peer_node_explains_how_to_register_one(prosecutor: User) -> None:
    assert not Node.objects.exists()
    client = login(prosecutor)
    text = client.get(reverse("cooperation:new")).content.decode()
    assert 'id="no-nodes"' in text
    assert "No other node is registered on this node" in text
    assert "palermo nodes add NAME https://node.example.org --key" in text
    assert "make run-pair" in text
    assert 'name="node"' not in text  # no empty list to choose from
    # The same in the part htmx swaps in when the state changes.
    part = client.get(
        reverse("cooperation:request_form_parts"), {"type": "mla", "requested_country": "ESP"}
    ).content.decode()
    assert "No other node is registered on this node" in part
    # A submit says what is missing, next to the explanation.
    sent = client.post(reverse("cooperation:new"), {"type": "mla", "requested_country": "ESP"})
    assert sent.status_code == 400
    assert "Choose the node the request travels to." in sent.content.decode()


def test_a_registered_peer_is_offered_and_preselected_for_its_state(prosecutor: User) -> None:
    """`palermo nodes add` (as `make run-pair` runs it) makes the node a choice at once."""
    key = signing.public_key_b64(PEER_KEY)
    call_command("nodes", "add", "pair", "http://127.0.0.1:8001", "--key", key, "--country", "ESP")
    node = Node.objects.get(name="pair")
    client = login(prosecutor)
    part = client.get(
        reverse("cooperation:request_form_parts"), {"type": "mla", "requested_country": "ESP"}
    ).content.decode()
    assert "No other node is registered" not in part
    assert 'value="{}" selected'.format(node.pk) in part
    other = client.get(
        reverse("cooperation:request_form_parts"), {"type": "mla", "requested_country": "NGA"}
    ).content.decode()
    assert 'id="no-country-node"' in other
    assert "No node of NGA is registered here" in other
