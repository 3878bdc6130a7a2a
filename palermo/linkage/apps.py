"""The linkage app's configuration."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from palermo.cooperation.models import Node


def _apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """The transport's handler of linkage messages; the module that applies them (and the
    model it runs) is loaded when one comes, not when a process starts."""
    from palermo.linkage.inbound import inbound_apply  # noqa: PLC0415

    inbound_apply(sender, envelope, now)


class LinkageConfig(AppConfig):
    name = "palermo.linkage"
    label = "linkage"
    verbose_name = _("Record linkage")

    def ready(self) -> None:
        from palermo.cases.same_person import provider_register  # noqa: PLC0415
        from palermo.cooperation.transport import kind_handler_register  # noqa: PLC0415
        from palermo.core.crypto import (  # noqa: PLC0415
            column_decrypt_check,
            column_rotate,
            decrypt_check_register,
            rotation_register,
        )
        from palermo.linkage import jobs  # noqa: PLC0415
        from palermo.linkage.kinds import KINDS  # noqa: PLC0415
        from palermo.linkage.models import Exercise  # noqa: PLC0415
        from palermo.linkage.same import same_person_of  # noqa: PLC0415

        kind_handler_register(KINDS, _apply)
        # A person's page and the person API show the records reviewers confirmed to be the
        # same person.
        provider_register("linkage", same_person_of)
        jobs.register()
        # An exercise's private key waits, encrypted, for the other node's answer: re-encrypted
        # with the node's other encrypted data, and checked with it.
        rotation_register(
            "linkage exercise keys",
            lambda: column_rotate(Exercise, "private_key", exclude_empty=True),
        )
        decrypt_check_register(
            "linkage exercise keys",
            lambda limit: column_decrypt_check(Exercise, "private_key", limit),
        )
