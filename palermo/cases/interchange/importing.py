"""Importing a file of cases: everything or, when any record is wrong, nothing.

Owns `cases_import` (who may import, reading and checking the whole file first, pseudonyms
that exist already, then writing) and `ImportReport`. The cases are written by the one bulk
writer of case rows (`writer.cases_bulk_create`): in one transaction, one audit entry per batch
of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from palermo.cases.access import CASE_ROLES
from palermo.cases.audit_kinds import CASE
from palermo.cases.interchange.checking import Checker
from palermo.cases.interchange.ctdc import ctdc_plans
from palermo.cases.interchange.errors import file_problem
from palermo.cases.interchange.fields import BATCH
from palermo.cases.interchange.reading import detect_format, read_csv, read_json
from palermo.cases.models import Case, Person
from palermo.cases.writer import BulkReport, CasePlan, cases_bulk_create
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ForbiddenError
from palermo.core.models import Organisation, User
from palermo.core.progress import Progress


@dataclass
class ImportReport:
    """What an import created."""

    cases: int = 0
    persons: int = 0
    identities: int = 0
    movements: int = 0
    support_plans: int = 0
    consents: int = 0
    comments: int = 0
    referrals_not_imported: int = 0
    case_ids: list[str] = field(default_factory=list)


def _import_actor(actor: User | None, organisation: Organisation) -> User:
    if (
        actor is None
        or not actor.is_active
        or actor.role not in CASE_ROLES
        or actor.organisation_id != organisation.pk
    ):
        raise ForbiddenError(
            _("Only case workers and investigators of {} may import its cases.").format(
                organisation.name
            )
        )
    return actor


def _existing_pseudonyms(names: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(names), 2000):
        found.update(
            Person.objects.filter(pseudonym__in=names[i : i + 2000]).values_list(
                "pseudonym", flat=True
            )
        )
    return found


def _htcds_plans(
    path: Path, fmt: str, *, organisation: Organisation, new_pseudonyms: bool
) -> tuple[list[CasePlan], int]:
    """The cases of an HTCDS file and how many outgoing referrals it holds (not imported)."""
    records = read_json(path) if fmt == "htcds-json" else read_csv(path)
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
    plans = checker.plans(records)
    if new_pseudonyms:
        for plan in plans:
            for p in plan.persons:
                p.pseudonym = ""
    else:
        taken = _existing_pseudonyms(list(checker.pseudonyms))
        for name in sorted(taken, key=lambda n: checker.pseudonyms[n].number):
            checker.fail(
                checker.pseudonyms[name],
                _(
                    "duplicate pseudonym '{}': a person with it exists already (import with "
                    "--new-pseudonyms to give new ones)"
                ).format(name),
            )
    checker.raise_if_failed()
    return plans, checker.referrals


def _write(
    plans: list[CasePlan],
    *,
    user: User,
    organisation: Organisation,
    path: Path,
    size: int,
    progress: Progress | None = None,
) -> BulkReport:
    """Write the checked plans, all or nothing.

    On PostgreSQL (or inside a caller's transaction) in one transaction: other writers are not
    held up by it. On SQLite, whose one write lock a long transaction would hold for the whole
    import (seconds for thousands of cases, while every other write waits), each batch commits
    on its own, so other writers get the lock between batches; if anything stops it (the
    database refuses a batch, another error, Ctrl-C), the cases of the batches before are deleted
    again (audited), so nothing stays. Only a crash of the process itself can leave the batches
    written so far (each batch's audit entry lists its cases)."""
    write = partial(
        cases_bulk_create,
        plans,
        actor=user,
        organisation=organisation,
        label="import",
        reason="import from {}".format(path.name),
        batch_size=size,
        progress=progress,
    )
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            return write()
    report = BulkReport()
    try:
        return write(report=report)
    except BaseException:  # refused by the database, another error, or Ctrl-C: undo it all
        if report.case_ids:
            with transaction.atomic():
                Case.objects.filter(pk__in=report.case_ids).delete()
                audit_record(
                    actor=user,
                    action=AuditAction.DELETE,
                    kind=CASE,
                    object_id="import",
                    reason="import from {} stopped: undone".format(path.name)[:500],
                    after={"organisation": organisation.pk, "cases": report.case_ids},
                )
        raise


def cases_import(
    *,
    actor: User | None,
    organisation: Organisation,
    path: Path,
    fmt: str | None = None,
    new_pseudonyms: bool = False,
    batch_size: int = BATCH,
    progress: Progress | None = None,
) -> ImportReport:
    """Import an HTCDS JSON or CSV file, or a CTDC file, into the organisation: everything or,
    when any record is wrong, nothing (InterchangeError lists file, record and reason).
    `progress` is told, batch by batch, how many cases of the file are written."""
    user = _import_actor(actor, organisation)
    fmt = detect_format(path, fmt)
    if fmt == "ctdc":
        plans, referrals = ctdc_plans(path, organisation=organisation), 0
    else:
        plans, referrals = _htcds_plans(
            path, fmt, organisation=organisation, new_pseudonyms=new_pseudonyms
        )
    try:
        written = _write(
            plans,
            user=user,
            organisation=organisation,
            path=path,
            size=batch_size,
            progress=progress,
        )
    except IntegrityError as exc:
        # The first line only: the database's details may repeat the row's values.
        cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise file_problem(
            path.name,
            _("the database refused the import ({}); nothing was written").format(cause),
        ) from exc
    rows = written.rows
    return ImportReport(
        cases=rows["case"],
        persons=rows["person"],
        identities=rows["identity"],
        movements=rows["movement"],
        support_plans=rows["support_plan"],
        consents=rows["consent"],
        comments=rows["comment"],
        referrals_not_imported=referrals,
        case_ids=written.case_ids,
    )
