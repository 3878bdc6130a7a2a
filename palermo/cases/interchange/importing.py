"""Importing a file of cases: everything or, when any record is wrong, nothing, in memory that
does not grow with the file.

Owns `cases_import` and `ImportReport`. The file is never held whole. When the import is one
transaction (PostgreSQL, or inside a caller's transaction) it is read once
(`_import_in_one_reading`): each batch of cases is written as soon as its records are read and
checked, and what concerns several records is checked from the ledger at the end, before the
commit; any problem rolls everything back, and the file is then checked again as below, for a
refusal in the same words. On SQLite, whose batches commit one by one, it is read twice:

1. every record is parsed and checked on its own (`Checker`), and what concerns several records
   (the case fields its records agree on, pseudonyms given twice or existing already) is kept in
   a `Ledger` on disk and checked at the end. Any problem refuses the file, listing them all
   (`file: record N (line L): reason`), and nothing is written. The reasons that need a record's
   key or pseudonym read those few records again.
2. the file is read again and its cases are written as they are read, in batches of 1,000
   (`writer.cases_bulk_create`, a batch stored while the next is read): each batch commits on
   its own and the batches written are deleted again if anything stops the import (see
   `_write`). A file whose bytes changed between the two readings is refused (nothing written).

A case's records are usually next to each other; one whose records are apart in the file is
written with its first records and completed as the others come (its facets refreshed at the
end).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from palermo.cases.access import CASE_ROLES
from palermo.cases.audit_kinds import CASE
from palermo.cases.facets import case_facets_refresh
from palermo.cases.interchange.checking import Checker, Parsed
from palermo.cases.interchange.ctdc import ctdc_check, ctdc_plans_read
from palermo.cases.interchange.errors import (
    MAX_ERRORS,
    InterchangeError,
    RecordError,
    file_changed,
    file_problem,
)
from palermo.cases.interchange.fields import BATCH
from palermo.cases.interchange.ledger import Found, Ledger
from palermo.cases.interchange.reading import RawRecord, Source, detect_format, htcds_source
from palermo.cases.models import Case, Person
from palermo.cases.writer import BulkReport, CasePlan, cases_bulk_create
from palermo.core.audit import audit_record
from palermo.core.bulk import collector_paused
from palermo.core.choices import AuditAction
from palermo.core.errors import ForbiddenError
from palermo.core.ids import new_uuid
from palermo.core.models import Organisation, User
from palermo.core.progress import Progress

Records = Callable[[Source], Generator[RawRecord, None, None]]


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


def _checking_progress(source: Source, checking: Progress | None) -> Callable[[], None]:
    """Tells `checking` how much of the file is read, in per cent, as it changes."""
    shown = -1

    def tell() -> None:
        nonlocal shown
        if checking is not None and source.size:
            percent = min(100, source.done * 100 // source.size)
            if percent != shown:
                shown = percent
                checking(percent, 100)

    return tell


def _first_reading(
    source: Source, records: Records, checker: Checker, ledger: Ledger, checking: Progress | None
) -> list[tuple[int, str]]:
    """Every record checked on its own and added to the ledger; the first problems found
    (record number, line of the refusal)."""
    problems: list[tuple[int, str]] = []
    tell = _checking_progress(source, checking)
    tell()
    for record in records(source):
        try:
            parsed = checker.record(record)
        except RecordError as exc:
            checker.total += 1
            if len(problems) < MAX_ERRORS:
                problems.append((record.number, _("{}: {}").format(checker.where(record), exc)))
            continue
        ledger.add(
            record.number, parsed.key, hash(tuple(parsed.case.values())), parsed.person.pseudonym
        )
        tell()
    tell()
    return problems


def _refusal(
    path: Path,
    fmt: str,
    checker: Checker,
    problems: list[tuple[int, str]],
    found: Found,
) -> InterchangeError:
    """The refusal of a file: its problems in the order of their records (those between
    records need the records' keys and pseudonyms: read again), then the pseudonyms that exist
    already; the first MAX_ERRORS listed, all counted."""
    between = sorted(
        [(n, "case", first) for n, first in found.mismatches]
        + [(n, "pseudonym", first) for n, first in found.duplicates]
    )
    listed: list[tuple[int, str, int]] = sorted(
        [(n, "", 0) for n, _line in problems] + between, key=lambda item: item[0]
    )[:MAX_ERRORS]
    listed += [(n, "taken", 0) for n in found.taken][: MAX_ERRORS - len(listed)]
    wanted = {n for n, kind, _first in listed if kind} | {
        first for _n, kind, first in listed if kind == "case"
    }
    again = _records(path, fmt, checker.organisation, wanted)
    texts = dict(problems)
    lines = []
    for number, kind, first in listed:
        if not kind:
            lines.append(texts[number])
            continue
        record, parsed = again[number]
        if kind == "case":
            reason = checker.case_differs(parsed.key, parsed.case, again[first][1].case, first)
        elif kind == "pseudonym":
            reason = _("duplicate pseudonym '{}' (also in record {})").format(
                parsed.person.pseudonym, first
            )
        else:
            reason = _(
                "duplicate pseudonym '{}': a person with it exists already (import with "
                "--new-pseudonyms to give new ones)"
            ).format(parsed.person.pseudonym)
        lines.append(_("{}: {}").format(checker.where(record), reason))
    return InterchangeError(lines, checker.total + found.total)


def _records(
    path: Path, fmt: str, organisation: Organisation, numbers: set[int]
) -> dict[int, tuple[RawRecord, Parsed]]:
    """Some records of the file, read again and parsed (they passed their own checks)."""
    out: dict[int, tuple[RawRecord, Parsed]] = {}
    if not numbers:
        return out
    source, records = htcds_source(path, fmt)
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
    last = max(numbers)
    with contextlib.closing(records(source)) as reading:  # the file closed at the last one
        for record in reading:
            if record.number in numbers:
                out[record.number] = (record, checker.record(record))
            if record.number >= last:
                break
    return out


def _plans(
    path: Path,
    fmt: str,
    *,
    organisation: Organisation,
    ledger: Ledger,
    digest: bytes,
    new_pseudonyms: bool,
) -> Generator[CasePlan, None, None]:
    """The file read again as the plans of its cases, in the file's order: consecutive records
    with the same case key make one plan; a case whose records are apart gets an id at its
    first plan, and its later plans add to it."""
    source, records = htcds_source(path, fmt)
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
    apart = ledger.apart()
    next_apart = next(apart, None)
    plan: CasePlan | None = None
    key = ""
    try:
        for record in records(source):
            parsed = checker.record(record)
            if plan is None or parsed.key != key:
                if plan is not None:
                    yield plan
                key = parsed.key
                plan = CasePlan(**parsed.case)
                while next_apart is not None and next_apart < record.number:
                    next_apart = next(apart, None)
                if next_apart == record.number:
                    case_id, first = ledger.case_id(key, str(uuid.uuid4()))
                    plan.id = uuid.UUID(case_id)
                    plan.exists = not first
            if new_pseudonyms:
                parsed.person.pseudonym = ""
            plan.persons.append(parsed.person)
            plan.comments.extend(parsed.comments)
    except (InterchangeError, RecordError):
        raise file_changed(path) from None
    if source.digest() != digest:
        raise file_changed(path)
    if plan is not None:
        yield plan


def _in_one_reading() -> bool:
    """Whether an import writes as it reads (one reading, everything in one transaction): on
    PostgreSQL, and inside a caller's transaction. On SQLite otherwise each batch commits on
    its own (see `_write`), so the file is checked whole before anything is written."""
    return connection.vendor != "sqlite" or connection.in_atomic_block


class _Refused(Exception):  # noqa: N818 - not an error to report: the file is read again
    """A record of a file imported in one reading failed its checks: nothing is kept, and the
    file is checked again as the two readings check it, for the refusal's text."""


def _read_plans(
    path: Path,
    fmt: str,
    *,
    checker: Checker,
    ledger: Ledger,
    new_pseudonyms: bool,
    checking: Progress | None,
) -> Generator[CasePlan, None, None]:
    """The file read once as the plans of its cases, every record checked on its own and
    added to the ledger as it comes (`_Refused` at the first that fails, and at the end of the
    file when the ledger finds problems between records): consecutive records with the same
    case key make one plan; a plan of a case whose key came earlier in the file adds to that
    case."""
    source, records = htcds_source(path, fmt)
    tell = _checking_progress(source, checking)
    tell()
    plan: CasePlan | None = None
    key = ""
    for record in records(source):
        try:
            parsed = checker.record(record)
        except RecordError:
            raise _Refused from None
        ledger.add(
            record.number, parsed.key, hash(tuple(parsed.case.values())), parsed.person.pseudonym
        )
        if plan is None or parsed.key != key:
            if plan is not None:
                yield plan
            key = parsed.key
            plan = CasePlan(**parsed.case)
            new = new_uuid()
            case_id, first = ledger.case_seen(key, str(new))
            plan.id = new if first else uuid.UUID(case_id)
            plan.exists = not first
        if new_pseudonyms:
            parsed.person.pseudonym = ""
        plan.persons.append(parsed.person)
        plan.comments.extend(parsed.comments)
        tell()
    tell()
    # What concerns several records, checked now: while the writing thread still writes the
    # batch before the last, not after everything is written.
    if ledger.problems(MAX_ERRORS).total:
        raise _Refused
    if plan is not None:
        yield plan


def _import_in_one_reading(
    path: Path,
    fmt: str,
    *,
    user: User,
    organisation: Organisation,
    new_pseudonyms: bool,
    batch_size: int,
    progress: Progress | None,
    checking: Progress | None,
    on_cases: Callable[[list[str]], None],
) -> ImportReport:
    """An import in one transaction, the file read once: each batch is written as soon as it is
    read and checked, while the next is read (the database works meanwhile instead of waiting
    for a whole first reading). What concerns several records is checked once the file is
    read, before the last batch is written. A record that fails its checks, a problem between
    records or a write the database refuses rolls everything back; then the file is checked
    again as `cases_import` checks it in two readings, and refused with the same reasons (or,
    when the checks find nothing, with the database's refusal). `checking` is told how much of
    the file is read; `progress`, batch by batch, how many cases are written (of an unknown
    total, 0, until the last report)."""
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
    failure: Exception | None = None
    with Ledger() as ledger:  # no pseudonym asked of the database: its unique index refuses
        plans = _read_plans(
            path,
            fmt,
            checker=checker,
            ledger=ledger,
            new_pseudonyms=new_pseudonyms,
            checking=checking,
        )
        try:
            with transaction.atomic():
                written = cases_bulk_create(
                    plans,
                    actor=user,
                    organisation=organisation,
                    label="import",
                    reason="import from {}".format(path.name),
                    batch_size=batch_size,
                    progress=progress,
                    on_batch=on_cases,
                )
                for case_ids in ledger.apart_cases():  # their facets, from all their persons
                    for case_id in case_ids:
                        case_facets_refresh(case_id)
        except (_Refused, IntegrityError) as exc:
            failure = exc
        finally:
            plans.close()  # its file, when the import stopped before its end
    if failure is None:
        cases = written.rows["case"]
        if progress is not None:
            progress(cases, cases)
        return _report(written, checker.referrals)
    # Rolled back: nothing was written. Why, with the reasons of the two readings.
    with Ledger(taken=None if new_pseudonyms else _existing_pseudonyms) as ledger:
        _checked(path, fmt, organisation=organisation, ledger=ledger, checking=None)
    if isinstance(failure, IntegrityError):
        raise _database_refusal(path, failure) from failure
    raise file_changed(path)  # a problem the second look did not see: the file changed


def _checked(
    path: Path,
    fmt: str,
    *,
    organisation: Organisation,
    ledger: Ledger,
    checking: Progress | None,
) -> tuple[Checker, Source]:
    """The first reading of an HTCDS file: every record checked, what concerns several records
    kept in `ledger`; the refusal (every reason, with its record and line) when anything is
    wrong, else the checker and the file's source (its digest for the second reading)."""
    source, records = htcds_source(path, fmt)
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
    problems = _first_reading(source, records, checker, ledger, checking)
    found = ledger.problems(MAX_ERRORS)
    if checker.total or found.total:
        raise _refusal(path, fmt, checker, problems, found)
    return checker, source


def _database_refusal(path: Path, exc: IntegrityError) -> InterchangeError:
    # The first line only: the database's details may repeat the row's values.
    cause = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return file_problem(
        path.name,
        _("the database refused the import ({}); nothing was written").format(cause),
    )


def _report(written: BulkReport, referrals: int) -> ImportReport:
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
    )


def _write(
    plans: Iterable[CasePlan],
    *,
    user: User,
    organisation: Organisation,
    path: Path,
    size: int,
    total: int,
    ledger: Ledger,
    progress: Progress | None = None,
    on_cases: Callable[[list[str]], None] | None = None,
) -> BulkReport:
    """Write the checked plans, all or nothing.

    On PostgreSQL (or inside a caller's transaction) in one transaction: other writers are not
    held up by it. On SQLite, whose one write lock a long transaction would hold for the whole
    import (seconds for thousands of cases, while every other write waits), each batch commits
    on its own, so other writers get the lock between batches; if anything stops it (the
    database refuses a batch, another error, Ctrl-C), the cases of the batches before are deleted
    again (audited, one entry per batch), so nothing stays. Only a crash of the process itself
    can leave the batches written so far (each batch's audit entry lists its cases). The ids of
    the cases written are kept in the ledger, not in memory."""

    def written(case_ids: list[str]) -> None:
        ledger.written(case_ids)
        if on_cases is not None:
            on_cases(case_ids)

    def write() -> BulkReport:
        report = cases_bulk_create(
            plans,
            actor=user,
            organisation=organisation,
            label="import",
            reason="import from {}".format(path.name),
            batch_size=size,
            progress=progress,
            total=total,
            on_batch=written,
        )
        for case_ids in ledger.apart_cases():  # their facets, from all their persons
            for case_id in case_ids:
                case_facets_refresh(case_id)
        return report

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            return write()
    try:
        return write()
    except BaseException:  # refused by the database, another error, or Ctrl-C: undo it all
        with transaction.atomic():
            for case_ids in ledger.written_cases():
                Case.objects.filter(pk__in=case_ids).delete()
                audit_record(
                    actor=user,
                    action=AuditAction.DELETE,
                    kind=CASE,
                    object_id="import",
                    reason="import from {} stopped: undone".format(path.name)[:500],
                    after={"organisation": organisation.pk, "cases": case_ids},
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
    checking: Progress | None = None,
    on_cases: Callable[[list[str]], None] | None = None,
) -> ImportReport:
    """Import an HTCDS JSON or CSV file, or a CTDC file, into the organisation: everything or,
    when any record is wrong, nothing (InterchangeError lists file, record and reason).
    `checking` is told how much of the file (per cent) the first reading has checked;
    `progress`, batch by batch, how many of the file's cases are written; `on_cases`, batch by
    batch, the ids of the cases created (those of a stopped import are not kept).

    Python's cycle collector is paused meanwhile (`collector_paused`, the process's: a job's
    other threads too): an import makes millions of objects (records, rows, values) that hold no
    cycle and live a batch long, and the collections their numbers set off took about 40% of its
    CPU. The memory an import holds does not grow with the file with or without it (measured)."""
    user = _import_actor(actor, organisation)
    fmt = detect_format(path, fmt)
    with collector_paused():
        return _cases_import(
            user=user,
            organisation=organisation,
            path=path,
            fmt=fmt,
            new_pseudonyms=new_pseudonyms,
            batch_size=batch_size,
            progress=progress,
            checking=checking,
            on_cases=on_cases,
        )


def _cases_import(
    *,
    user: User,
    organisation: Organisation,
    path: Path,
    fmt: str,
    new_pseudonyms: bool,
    batch_size: int,
    progress: Progress | None,
    checking: Progress | None,
    on_cases: Callable[[list[str]], None] | None,
) -> ImportReport:
    if fmt != "ctdc" and _in_one_reading():
        return _import_in_one_reading(
            path,
            fmt,
            user=user,
            organisation=organisation,
            new_pseudonyms=new_pseudonyms,
            batch_size=batch_size,
            progress=progress,
            checking=checking,
            on_cases=on_cases or (lambda case_ids: None),
        )
    with Ledger(taken=None if new_pseudonyms or fmt == "ctdc" else _existing_pseudonyms) as ledger:
        if fmt == "ctdc":
            digest, total = ctdc_check(path, organisation=organisation, checking=checking)
            plans = ctdc_plans_read(path, organisation=organisation, digest=digest)
            referrals = 0
        else:
            checker, source = _checked(
                path, fmt, organisation=organisation, ledger=ledger, checking=checking
            )
            referrals = checker.referrals
            total = ledger.counts()[1]
            plans = _plans(
                path,
                fmt,
                organisation=organisation,
                ledger=ledger,
                digest=source.digest(),
                new_pseudonyms=new_pseudonyms,
            )
        try:
            written = _write(
                plans,
                user=user,
                organisation=organisation,
                path=path,
                size=batch_size,
                total=total,
                ledger=ledger,
                progress=progress,
                on_cases=on_cases,
            )
        except IntegrityError as exc:
            raise _database_refusal(path, exc) from exc
        finally:
            plans.close()  # its file, when the import stopped before its end
    return _report(written, referrals)
