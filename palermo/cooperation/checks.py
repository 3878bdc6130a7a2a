"""System check: this node's private key must load, so the inbox never fails on it at runtime."""

from __future__ import annotations

import binascii
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.utils.translation import gettext as _

from palermo.cooperation import signing


def unsigned_bench_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The benchmark's unsigned mode must never be on outside the test settings."""
    on = bool(getattr(settings, "PALERMO_NODE_UNSIGNED_BENCH", False))
    if on and signing.settings_module() != signing.BENCH_SETTINGS_MODULE:
        return [
            Error(
                _(
                    "PALERMO_NODE_UNSIGNED_BENCH is on with {}: unsigned node messages are only "
                    "for the benchmark, under {}."
                ).format(signing.settings_module(), signing.BENCH_SETTINGS_MODULE),
                id="palermo.cooperation.E002",
            )
        ]
    return []


def node_key_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        signing.node_private_key()
    except (binascii.Error, ValueError) as exc:
        return [
            Error(
                _("PALERMO_NODE_KEY is not a base64 Ed25519 private key (32 raw bytes): {}").format(
                    exc
                ),
                id="palermo.cooperation.E001",
            )
        ]
    return []
