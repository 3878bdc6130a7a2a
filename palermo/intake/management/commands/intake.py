"""`palermo intake`: public reports and hotlines from the command line (issue 18)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.management.base import PalermoCommand, user_named
from palermo.core.models import Organisation
from palermo.intake import htcdsforms, services


class Command(PalermoCommand):
    help = gettext_noop(
        "Public reports and hotline triage: make an organisation the hotline that takes the "
        "public's reports (its case workers triage them)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        hotline = sub.add_parser("hotline", help=_("make an organisation a hotline (idempotent)"))
        hotline.add_argument("organisation", help=_("the organisation's name"))
        hotline.add_argument("--name", required=True, help=_("the name shown to the public"))
        hotline.add_argument("--phone", default="", help=_("its phone number"))
        hotline.add_argument("--hours", default="", help=_("when it answers"))
        hotline.add_argument(
            "--inactive", action="store_true", help=_("it takes no reports for now")
        )
        hotline.add_argument("--as", dest="as_user", required=True, help=_("an administrator"))
        form = sub.add_parser(
            "form-add", help=_("serve an XLSForm of HTCDS fields to field teams (OpenRosa)")
        )
        form.add_argument("path", type=Path, metavar="FILE.xlsx", help=_("the XLSForm"))
        form.add_argument("--as", dest="as_user", required=True, help=_("an administrator"))

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "form-add":
            try:
                data = opts["path"].read_bytes()
            except OSError as exc:
                raise CommandError(
                    _("{}: not a readable file ({}).").format(opts["path"], type(exc).__name__)
                ) from exc
            added = htcdsforms.field_form_add(
                actor=user_named(opts["as_user"]), data=data, file_name=opts["path"].name
            )
            self.stdout.write(_("{} is served at /openrosa/formList.").format(added.form_id))
            return
        organisation = Organisation.objects.filter(name=opts["organisation"]).first()
        if organisation is None:
            raise CommandError(_("No organisation named {}.").format(opts["organisation"]))
        hotline = services.hotline_set(
            actor=user_named(opts["as_user"]),
            organisation=organisation,
            name=opts["name"],
            phone=opts["phone"],
            hours=opts["hours"],
            active=not opts["inactive"],
        )
        self.stdout.write(_("{} takes reports at /report/.").format(hotline.name))
