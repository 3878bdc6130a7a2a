"""`palermo node key`: this node's name and Ed25519 public key, for peer administrators.

The bare key is the last line, so that a script can pass it on:
`palermo nodes add NAME URL --key "$(palermo node key | tail -1)"`."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _

from palermo.cooperation import signing
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "This node's identity for node-to-node cooperation."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("key", help="print this node's name and public key (base64)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("name: {}".format(signing.node_name()))
        self.stdout.write(_("public key (base64, on the next line):"))
        self.stdout.write(signing.node_public_key())
