"""`palermo demo-data --cases N --org NAME`: synthetic cases for demos, tests and benchmarks."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.cases import demo
from palermo.cases.models import Case
from palermo.core.choices import OrganisationKind
from palermo.core.management.base import PalermoCommand
from palermo.core.models import Organisation
from palermo.core.services import organisation_create

BULK_ABOVE = 200  # larger sets are inserted in bulk unless --services


class Command(PalermoCommand):
    help = gettext_noop(
        "Create synthetic cases (invented names in several scripts, routes from the seeds, every "
        "stage and deadline) held by an organisation. Does nothing when the organisation already "
        "has cases, unless --force. Deterministic for a --seed (and --today)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--cases", type=int, default=40, help=_("how many cases (default 40)"))
        parser.add_argument("--org", required=True, help=_("organisation holding the cases"))
        parser.add_argument(
            "--country",
            default="ITA",
            help=_("country of the organisation when it is created here (default ITA)"),
        )
        parser.add_argument("--seed", type=int, default=1, help=_("random seed (default 1)"))
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            help=_("date the deadlines are arranged around (default: today; not in the future)"),
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            help=_("case worker recording the cases (default: the organisation's first)"),
        )
        parser.add_argument("--force", action="store_true", help=_("add cases even if it has some"))
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--bulk",
            action="store_true",
            help=_("bulk inserts (default above {} cases)").format(BULK_ABOVE),
        )
        mode.add_argument(
            "--services",
            action="store_true",
            help=_("one service call per step, even for many cases"),
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        count: int = opts["cases"]
        if count < 1:
            self.stdout.write(_("nothing to do: --cases {}").format(count))
            return
        org = Organisation.objects.filter(name=opts["org"]).first()
        if org is None:
            org = organisation_create(
                actor=None,
                system=True,
                name=opts["org"],
                kind=OrganisationKind.NGO,
                country=opts["country"],
            )
            self.stdout.write(_("created organisation {} ({})").format(org.name, org.country_id))
        existing = Case.objects.filter(organisation=org).count()
        if existing and not opts["force"]:
            self.stdout.write(
                _("{} already holds {} cases: no demo data added (--force adds more)").format(
                    org.name, existing
                )
            )
            return
        today: dt.date | None = opts["today"]
        if today is not None and today > timezone.localdate():
            raise CommandError(_("--today cannot be in the future ({}).").format(today))
        started = time.perf_counter()
        actor = demo.demo_actor(org, opts["as_user"])
        bulk = opts["bulk"] or (count > BULK_ABOVE and not opts["services"])
        cases, persons = demo.demo_cases_create(
            organisation=org, actor=actor, count=count, seed=opts["seed"], today=today, bulk=bulk
        )
        self.stdout.write(
            _("{} demo cases ({} persons) for {} recorded by {} in {:.1f} s ({})").format(
                cases,
                persons,
                org.name,
                actor.username,
                time.perf_counter() - started,
                _("bulk") if bulk else _("through the services"),
            )
        )
