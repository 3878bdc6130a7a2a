"""`palermo monitoring country-list`: monitoring and reporting from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.management.base import PalermoCommand
from palermo.monitoring.countrylists import CONTEXTS, LANGUAGES, country_list
from palermo.registry.selectors import parse_as_of


class Command(PalermoCommand):
    help = gettext_noop(
        "Monitoring and reporting: country-list prints States in United Nations editorial "
        "style, as a consolidated report names them."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        cl = sub.add_parser(
            "country-list",
            help=_(
                "States on one line in UN editorial style: their UN short names as at a date, "
                "in alphabetical order of the language, joined as the language joins a list"
            ),
        )
        cl.add_argument("codes", nargs="+", metavar="ISO3", help=_("ISO 3166-1 alpha-3 codes"))
        cl.add_argument(
            "--as-of",
            default="",
            help=_("the document's date, YYYY-MM-DD (default: today): the names of that date"),
        )
        cl.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        cl.add_argument(
            "--context",
            default="running",
            choices=CONTEXTS,
            help=_(
                "running: in a sentence, with articles (the Philippines); list: after a colon, "
                "without them"
            ),
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        text = country_list(
            opts["codes"],
            as_of=parse_as_of(opts["as_of"]),
            language=opts["lang"],
            context=opts["context"],
        )
        self.stdout.write(text)
