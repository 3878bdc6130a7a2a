"""D10 of issue 11: an attachment's file name on disk says nothing about its content (it was
the plaintext's SHA-256, so a known document could be confirmed by listing the directory)."""

from __future__ import annotations

import importlib
import os

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from palermo.cooperation import files
from palermo.cooperation.models import Message, Node
from palermo.core.models import User

from .helpers import _peer_message, _receive

pytestmark = pytest.mark.django_db


def test_files_are_stored_under_random_names(
    client: Client, investigator: User, bravo: Node
) -> None:
    request = _receive(client)
    assert _peer_message(str(request.pk), 2, client).status_code == 200
    attachment = Message.objects.get(kind="message").attachments.get()
    assert attachment.sha256 not in attachment.path
    assert files.sha256(files.load(attachment.path, attachment.sha256)) == attachment.sha256
    on_disk = [p.name for p in files.root().rglob("*.bin")]
    assert on_disk and all(attachment.sha256 not in name for name in on_disk)


def test_migration_renames_files_named_by_their_hash(
    client: Client,
    investigator: User,
    bravo: Node,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    request = _receive(client)
    assert _peer_message(str(request.pk), 2, client).status_code == 200
    attachment = Message.objects.get(kind="message").attachments.get()
    # As the code before issue 11 stored it.
    old = "{}/{}-{}.bin".format(attachment.sha256[:2], attachment.sha256, attachment.pk)
    (files.root() / old).parent.mkdir(parents=True, exist_ok=True)
    os.replace(files.root() / attachment.path, files.root() / old)
    attachment.path = old
    attachment.save(update_fields=["path"])

    migration = importlib.import_module(
        "palermo.cooperation.migrations.0004_attachment_random_names"
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        migration.forwards(apps, None)
    attachment.refresh_from_db()
    assert attachment.sha256 not in attachment.path
    assert not (files.root() / old).exists()
    assert files.sha256(files.load(attachment.path, attachment.sha256)) == attachment.sha256
