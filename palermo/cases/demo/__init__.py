"""Synthetic, realistic-looking cases for demos, tests and benchmarks (`palermo demo-data`).

Every person, name and story here is invented. Names come from a small list in the scripts of
the victims' countries (Latin, Arabic, Cyrillic, Devanagari, Bengali, Thai, Burmese, Khmer,
Chinese, Ge'ez), kept with the routes in `palermo/cases/data/demo_routes.yaml`; the routes
follow those in the seeds and the UNODC Global Reports (Nigeria -> Niger -> Libya -> Italy,
Myanmar -> Thailand, Nepal -> India, Ukraine -> Poland -> Germany, the Mekong, West Africa,
Latin America, the Gulf). Every code is an HTCDS value or a Palermo code list value.

`generate` draws a list of `DCase` (the intended final state of each case, deterministic for a
seed) from the reference data; two writers create them:

- `write_with_services` calls the services one step at a time, as a case worker would (every
  rule checked, every step audited). Used for small sets (`make run` loads 40 cases).
- `write_bulk` inserts the same final state through the one bulk writer of case rows
  (`palermo.cases.writer.cases_bulk_create`), one audit entry per batch of cases, for benchmark
  sizes.

The first cases of a set are made to cover every stage at least once (see `COVERAGE`): a
negative screening, screening only, identification, referrals in every status, reflection
periods and permits ending this week or overdue, a renewed and a revoked permit, children with
guardians and best-interest determinations, returns in every status, follow-up visits with
re-trafficking, proceedings up to compensation paid, consents given and withdrawn, closed cases.

Modules: `data` (the data file, read and checked once), `story` (the state a case ends in),
`draw` (the seeded generator, what is read from the database), `generator` (a case),
`victim` and `aftercare` (a victim's story), `partners`, `via_services`, `bulk` and `create`
(`demo_cases_create`). The names callers use are re-exported here.
"""

from __future__ import annotations

from palermo.cases.demo.bulk import write_bulk
from palermo.cases.demo.create import demo_cases_create
from palermo.cases.demo.data import DemoData, Names, Profile, Route, demo_data
from palermo.cases.demo.draw import Draw, Reference
from palermo.cases.demo.generator import Generator, Pseudonyms, assign_pseudonyms, generate
from palermo.cases.demo.partners import Partners, demo_actor, partners_ensure
from palermo.cases.demo.story import (
    COVERAGE,
    DCase,
    DMeasure,
    DPerson,
    DReferral,
    DReturn,
    all_dates,
    consent_on,
    open_measures,
    person_is_child,
)
from palermo.cases.demo.via_services import write_with_services

__all__ = [
    "COVERAGE",
    "DCase",
    "DMeasure",
    "DPerson",
    "DReferral",
    "DReturn",
    "DemoData",
    "Draw",
    "Generator",
    "Names",
    "Partners",
    "Profile",
    "Pseudonyms",
    "Reference",
    "Route",
    "all_dates",
    "assign_pseudonyms",
    "consent_on",
    "demo_actor",
    "demo_cases_create",
    "demo_data",
    "generate",
    "open_measures",
    "partners_ensure",
    "person_is_child",
    "write_bulk",
    "write_with_services",
]
