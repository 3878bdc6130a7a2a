"""Creating a demo set for an organisation: draw the cases, then write them one way or the other.

Owns `demo_cases_create`, what `palermo demo-data` runs: the partners are ensured, the cases are
drawn and given pseudonyms a chunk at a time (memory stays flat for large sets) and written
through the services (`via_services`, one transaction) or in bulk (`bulk`, one transaction per
batch).
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.db import transaction
from django.utils import timezone

from palermo.cases.demo.bulk import write_bulk
from palermo.cases.demo.draw import Reference
from palermo.cases.demo.generator import Generator, Pseudonyms
from palermo.cases.demo.partners import partners_ensure
from palermo.cases.demo.story import COVERAGE
from palermo.cases.demo.via_services import write_with_services
from palermo.core.models import Organisation, User


def demo_cases_create(
    *,
    organisation: Organisation,
    actor: User,
    count: int,
    seed: int,
    today: dt.date | None = None,
    bulk: bool = False,
    chunk: int = 1000,
) -> tuple[int, int]:
    """Generate and write `count` cases in chunks (memory stays flat for large sets): through
    the services in one transaction, or in bulk with one transaction per chunk. Returns
    (cases, persons)."""
    partners = partners_ensure(organisation, with_workers=not bulk)
    gen = Generator(seed=seed, today=today or timezone.localdate(), ref=Reference.load())
    names = Pseudonyms(seed=seed, salt=organisation.name)
    persons = 0
    with contextlib.nullcontext() if bulk else transaction.atomic():
        for start in range(0, count, chunk):
            batch = [
                gen.case(i, COVERAGE[i] if i < len(COVERAGE) else "")
                for i in range(start, min(count, start + chunk))
            ]
            names.assign(batch)
            persons += sum(len(x.persons) for x in batch)
            if bulk:
                write_bulk(batch, actor=actor, organisation=organisation, partners=partners)
            else:
                write_with_services(batch, actor=actor, partners=partners)
    return count, persons
