"""Writing case rows: the one place that saves case data.

Owns how rows of case data reach the database, by one of two ways:

- one row written by a service: `row_save` (validated; a case's facets untouched, a person's
  case facets refreshed) and `person_save` for some fields of a person;
- many planned cases at once, for the HTCDS and CTDC import and bulk demo data:
  `cases_bulk_create` takes `CasePlan`s (the final state of each case, every value already
  checked by the caller; a list, or a generator the import reads from its file), builds the
  rows of every table with one builder per model, computes each case's facets from its planned
  persons (`cases.facets`), prepares them for the database (`core.bulk.rows_prepare`: COPY's
  text on PostgreSQL, one executemany INSERT's parameters elsewhere) and has them written by a
  second thread on the same connection while the next batch is built (`cases.bulkwriting`),
  and records one audit entry per batch naming the cases created.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.audit_kinds import CASE
from palermo.cases.bulkwriting import (
    AHEAD,
    HeldFacts,
    NotWritten,
    chunks,
    foreign_keys_checked_as_written,
    writing_thread,
)
from palermo.cases.documents import identity_normalise
from palermo.cases.facets import FACET_FIELDS, case_facets, case_facets_refresh
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    Consent,
    FollowUpVisit,
    Guardian,
    Identification,
    Movement,
    Person,
    PersonFacts,
    PersonIdentity,
    PersonNameToken,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
    SupportPlan,
)
from palermo.cases.names import name_index_rows
from palermo.cases.personfacts import (
    case_facts_refresh,
    person_facts_create,
    person_facts_refresh,
    planned_facts,
)
from palermo.core.api_errors import message_without_value
from palermo.core.audit import audit_record
from palermo.core.bulk import PreparedRows, rows_insert, rows_prepare, rows_write
from palermo.core.choices import AuditAction
from palermo.core.crypto import encrypt_json, encrypt_text
from palermo.core.errors import ApplicationError
from palermo.core.ids import new_uuid, random_bytes
from palermo.core.models import Organisation, User
from palermo.core.progress import Progress

# --- one row, through a service ---------------------------------------------------------------

# An ordinary save of a case writes every field but its facets (cases.facets keeps those): a
# case loaded before a person changed must not put back the facets it was loaded with.
_CASE_SAVED_FIELDS = tuple(
    f.name for f in Case._meta.concrete_fields if not f.primary_key and f.name not in FACET_FIELDS
)


def _loaded_relations(obj: models.Model) -> set[str]:
    """Foreign keys that hold an object loaded from the database: full_clean need not ask the
    database again whether it exists (one query each on every write); a row deleted meanwhile
    is still refused by the foreign key constraint, which row_save reports the same way.
    Uniqueness and constraints are still checked over every field."""
    names = set()
    for f in obj._meta.concrete_fields:
        if not isinstance(f, models.ForeignKey) or f.remote_field.limit_choices_to:
            continue  # those with limits are checked against their limits
        related = obj._state.fields_cache.get(f.name)
        if related is not None and not related._state.adding and related._state.db is not None:
            names.add(f.name)
    return names


def refusal_text(obj: models.Model, exc: ValidationError) -> str:
    """Why a row was refused, each message after its field's name ("comment: Ensure this value
    has at most 4000 characters (it has 4012)."), without the value a message may quote."""
    if not hasattr(exc, "error_dict"):
        return " ".join(message_without_value(e) for e in exc.error_list)
    parts = []
    for name, errors in exc.error_dict.items():
        text = " ".join(message_without_value(e) for e in errors)
        if name == NON_FIELD_ERRORS:
            parts.append(text)
        else:
            try:
                label = getattr(obj._meta.get_field(name), "verbose_name", name)
            except FieldDoesNotExist:
                label = name
            parts.append("{}: {}".format(label, text))
    return " ".join(parts)


def row_save(obj: models.Model) -> None:
    """Validate and save one row of case data; a case keeps its facets, a person refreshes its
    case's. What the statistics count of a person (`cases.personfacts`) follows a person, a
    movement, a return or a case saved. Errors come back as one ApplicationError (a race past
    full_clean too)."""
    try:
        obj.full_clean(
            exclude=_loaded_relations(obj), validate_unique=False, validate_constraints=False
        )
        # Every field, the relations not asked again included; not a new row's own generated
        # key (a UUID drawn now: a query for it finds nothing, and a clash still fails on save).
        pk = obj._meta.pk
        generated = obj._state.adding and pk is not None and pk.has_default()
        obj.validate_unique(exclude=[pk.name] if generated and pk is not None else None)
        obj.validate_constraints()
    except ValidationError as exc:
        raise ApplicationError(refusal_text(obj, exc), code="invalid") from exc
    adding = obj._state.adding
    try:
        if isinstance(obj, Case) and not adding:
            obj.save(update_fields=_CASE_SAVED_FIELDS)
        else:
            obj.save()
    except IntegrityError as exc:  # a race past full_clean: still one clear error
        raise ApplicationError(
            _("This record conflicts with an existing one."), code="conflict"
        ) from exc
    if isinstance(obj, Person):
        case_facets_refresh(obj.case_id)
        person_facts_refresh([obj.pk])
    elif isinstance(obj, Movement | Return):
        person_facts_refresh([obj.person_id])
    elif isinstance(obj, Case) and not adding:  # a new case has no persons yet
        case_facts_refresh(obj.pk, organisation_id=obj.organisation_id, opened_on=obj.opened_on)


def person_save(person: Person, fields: list[str]) -> None:
    """Save some fields of a person and bring its case's facets and its own counted facts up to
    date."""
    person.save(update_fields=[*fields, "updated_at"])
    case_facets_refresh(person.case_id)
    person_facts_refresh([person.pk])


# --- many cases at once: the plans ------------------------------------------------------------


@dataclass
class MeasurePlan:
    """A protection measure; `renewal_of` is the index of the measure it renews in the
    person's measures (written after it)."""

    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    decided_by: int | None = None  # organisation id
    linked_to_cooperation: bool = False
    reference: str = ""
    notes: str = ""
    renewal_of: int | None = None


@dataclass
class ReferralPlan:
    """A referral to another organisation and the share of the case that goes with it."""

    to_organisation: int
    service: str
    scopes: list[str]
    sent_on: dt.date
    status: str
    details: str = ""
    responded_on: dt.date | None = None
    delivered_on: dt.date | None = None
    closed_on: dt.date | None = None
    response_note: str = ""


@dataclass
class ReturnPlan:
    """A return home; `with_bid` ties it to the person's best-interest determination."""

    destination: str
    status: str
    risk_level: str
    risk_assessment: str = ""
    voluntary_consent: bool = False
    consent_on: dt.date | None = None
    travel_documents: str = ""
    decided_on: dt.date | None = None
    return_date: dt.date | None = None
    planned_for: dt.date | None = None
    receiving_authority: int | None = None  # registry directory entry id
    with_bid: bool = False


@dataclass
class PersonPlan:
    """One person and everything recorded about them (most parts empty by default: an empty
    tuple, shared, as an import plans thousands of persons). The dicts hold model fields by name
    (a foreign key as the id of its row: `country` an ISO3 code, `authority` an organisation
    id); `identity` is the plain identity, encrypted when written; an empty `pseudonym` gets a
    new one."""

    facts: dict[str, Any]  # Person fields, role included
    pseudonym: str = ""
    identity: dict[str, Any] = field(default_factory=dict)
    movements: Sequence[Mapping[str, Any]] = ()
    consents: Sequence[Mapping[str, Any]] = ()
    screenings: Sequence[Mapping[str, Any]] = ()
    identification: Mapping[str, Any] | None = None
    measures: Sequence[MeasurePlan] = ()
    guardian: Mapping[str, Any] | None = None  # its `name` in plain text
    bid: Mapping[str, Any] | None = None
    referrals: Sequence[ReferralPlan] = ()
    returns: Sequence[ReturnPlan] = ()
    follow_ups: Sequence[Mapping[str, Any]] = ()
    support_plans: Sequence[Mapping[str, Any]] = ()


@dataclass
class CasePlan:
    """One case to create: its fields, persons, proceedings (`suspect` is the index of a person
    in `persons`) and comments."""

    opened_on: dt.date
    country: str
    persons: list[PersonPlan] = field(default_factory=list)
    title: str = ""
    status: str = h.CaseStatus.ACTIVE
    closed_on: dt.date | None = None
    reason_for_closure: str = ""
    referring_organisation: int | None = None
    incoming_referral_date: dt.date | None = None
    reason_for_incoming_referral: str = ""
    incoming_referral_details: str = ""
    proceedings: Sequence[Mapping[str, Any]] = ()
    comments: list[str] = field(default_factory=list)
    # The new case's id (drawn when None). With `exists`, the case was created by an earlier
    # plan of the same write (an import file's case whose records are not next to each other):
    # only the persons, proceedings and comments are added to it, and its facets are refreshed
    # by the caller once all are written.
    id: uuid.UUID | None = None
    exists: bool = False


@dataclass
class BulkReport:
    """What `cases_bulk_create` wrote: rows per table ("case", "person", "identity",
    "movement", "consent", "support_plan", "comment", ...) and the new cases' ids."""

    rows: Counter[str] = field(default_factory=Counter)
    case_ids: list[str] = field(default_factory=list)


# --- many cases at once: the rows -------------------------------------------------------------

ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as in models.new_pseudonym

# The tables in the order they are written (a row's foreign keys point to rows written before).
# Renewals are protection measures that refer to an earlier measure, so they come second.
TABLES: tuple[tuple[str, type[models.Model]], ...] = (
    ("case", Case),
    ("person", Person),
    ("identity", PersonIdentity),
    ("name_token", PersonNameToken),
    ("movement", Movement),
    ("consent", Consent),
    ("screening", Screening),
    ("identification", Identification),
    ("measure", ProtectionMeasure),
    ("renewal", ProtectionMeasure),
    ("guardian", Guardian),
    ("bid", BestInterestDetermination),
    ("share", CaseShare),
    ("referral", Referral),
    ("return", Return),
    ("visit", FollowUpVisit),
    ("support_plan", SupportPlan),
    ("proceeding", Proceeding),
    ("comment", CaseComment),
)
# Rows that later rows refer to by their new (auto-increment) id: written with bulk_create,
# which returns the ids. The others go through rows_insert.
_REFERENCED = frozenset({"measure", "bid", "share"})
# Which column of which table holds a reference to such a row (a `_Ref` until it is written).
_LINKS = {
    "renewal": "renewal_of_id",
    "referral": "share_id",
    "return": "best_interest_determination_id",
}


@dataclass(eq=False)
class _Ref:
    """A foreign key to a row written earlier in the same batch, known once it is written."""

    row: dict[str, Any]


# Each byte's letter: 256 is a multiple of the 32 letters, so every letter is equally likely.
_ID_LETTERS = bytes.maketrans(bytes(range(256)), (ID_ALPHABET * 8).encode("ascii"))


def random_id(prefix: str) -> str:
    """Like models.new_pseudonym/new_case_reference: 10 letters from the system's randomness
    (drawn a few kilobytes at a time, `random_bytes`)."""
    return prefix + random_bytes(10).translate(_ID_LETTERS).decode("ascii")


@dataclass(frozen=True)
class _Template:
    """A model's row of defaults ({attname: default}, as a new instance has them; left out: the
    primary key, unique fields, which the builder gives, and timestamps, which rows_insert and
    bulk_create set), its attnames, and the attname of each field name that is not one (a
    foreign key: `country` -> `country_id`)."""

    defaults: dict[str, Any]
    attnames: frozenset[str]
    renamed: dict[str, str]
    renamed_names: frozenset[str]


@functools.cache
def _template(model: type[models.Model]) -> _Template:
    defaults: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for f in model._meta.concrete_fields:
        if f.name != f.attname:
            renamed[f.name] = f.attname
        stamped = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        if not (f.primary_key or f.unique or stamped):
            defaults[f.attname] = f.get_default()
    attnames = frozenset(f.attname for f in model._meta.concrete_fields)
    return _Template(defaults, attnames, renamed, frozenset(renamed))


def _row(model: type[models.Model], values: Mapping[str, Any], **ids: Any) -> dict[str, Any]:
    """A complete row of `model`: its defaults, then `values` by field name or attname (a
    foreign key as the id of its row), then `ids` by attname (`person_id=...`)."""
    t = _template(model)
    row = {**t.defaults, **values, **ids}
    if not t.renamed_names.isdisjoint(values):
        for name in t.renamed_names.intersection(values):
            row[t.renamed[name]] = row.pop(name)
    if not t.attnames.issuperset(row):
        raise KeyError(sorted(set(row) - t.attnames))  # not a field of the model
    return row


class _Batch:
    """The rows of one batch of cases, table by table, built from their plans."""

    def __init__(
        self, *, actor: User, organisation: Organisation, held: HeldFacts | None = None
    ) -> None:
        self.held = held  # where the counted facts wait to be written with later batches'
        self.actor_id = actor.pk
        self.organisation_id = organisation.pk
        self.now = timezone.now()
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in TABLES}
        self.add = {name: rows.append for name, rows in self.tables.items()}  # add["case"](row)
        # What the statistics count of each new person, computed from its rows here (the
        # values `personfacts` reads back from the database), and the persons added to a case
        # written by an earlier plan, whose facts are computed from the database instead.
        self.facts: list[dict[str, Any]] = []
        self.later_persons: list[uuid.UUID] = []
        self.null_smallest = connections[DEFAULT_DB_ALIAS].vendor == "sqlite"
        self.opened_on: dt.date | None = None  # of the case being built
        self.prepared: dict[str, PreparedRows] = {}  # by `prepare`
        self.facts_prepared: PreparedRows | None = None

    def case(self, plan: CasePlan) -> uuid.UUID | None:
        """Rows of the plan; the new case's id (None: more of a case created earlier)."""
        case_id = plan.id or new_uuid()
        if plan.exists:
            self.contents(case_id, plan)
            return None
        self.add["case"](
            _row(
                Case,
                {
                    "title": plan.title,
                    "status": plan.status,
                    "reason_for_closure": plan.reason_for_closure,
                    "country": plan.country,
                    "opened_on": plan.opened_on,
                    "closed_on": plan.closed_on,
                    "referring_organisation": plan.referring_organisation,
                    "incoming_referral_date": plan.incoming_referral_date,
                    "reason_for_incoming_referral": plan.reason_for_incoming_referral,
                    "incoming_referral_details": plan.incoming_referral_details,
                },
                id=case_id,
                reference=random_id("C-"),
                organisation_id=self.organisation_id,
                owner_id=self.actor_id,
                **case_facets(p.facts for p in plan.persons),
            ),
        )
        self.contents(case_id, plan)
        return case_id

    def contents(self, case_id: uuid.UUID, plan: CasePlan) -> None:
        """The persons, proceedings and comments of a case."""
        self.opened_on = None if plan.exists else plan.opened_on
        person_ids = [self.person(case_id, p) for p in plan.persons]
        for proc in plan.proceedings:
            values = {k: v for k, v in proc.items() if k != "suspect"}
            self.add["proceeding"](
                _row(Proceeding, values, case_id=case_id, suspect_id=person_ids[proc["suspect"]]),
            )
        for text in plan.comments:
            self.add["comment"](
                _row(CaseComment, {"text": text}, case_id=case_id, author_id=self.actor_id),
            )

    def person(self, case_id: uuid.UUID, plan: PersonPlan) -> uuid.UUID:
        pid = new_uuid()
        pseudonym = plan.pseudonym or random_id("P-")
        person = _row(Person, plan.facts, id=pid, case_id=case_id, pseudonym=pseudonym)
        self.add["person"](person)
        if plan.identity:
            identity = identity_normalise(plan.identity)
            self.add["identity"](
                _row(PersonIdentity, {}, person_id=pid, ciphertext=encrypt_json(identity)),
            )
            for row in name_index_rows(pid, identity):  # the blind index of the names
                self.add["name_token"](_row(PersonNameToken, row))
        movements = [_row(Movement, m, person_id=pid) for m in plan.movements]
        self.tables["movement"] += movements
        for x in plan.consents:
            self.add["consent"](_row(Consent, x, person_id=pid, recorded_by_id=self.actor_id))
        for sc in plan.screenings:
            self.add["screening"](_row(Screening, sc, person_id=pid, screened_by_id=self.actor_id))
        if plan.identification:
            self.add["identification"](
                _row(
                    Identification, plan.identification, person_id=pid, recorded_by_id=self.actor_id
                ),
            )
        self.measures(pid, plan.measures)
        if plan.guardian:
            values = {k: v for k, v in plan.guardian.items() if k != "name"}
            name = plan.guardian.get("name") or ""
            cipher = encrypt_text(name) if name else ""
            self.add["guardian"](_row(Guardian, values, person_id=pid, name_ciphertext=cipher))
        bid = _row(BestInterestDetermination, plan.bid, person_id=pid) if plan.bid else None
        if bid is not None:
            self.add["bid"](bid)
        for ref in plan.referrals:
            self.referral(case_id, pid, pseudonym, ref)
        returns = [self.return_row(pid, ret, bid) for ret in plan.returns]
        self.tables["return"] += returns
        for v in plan.follow_ups:
            self.add["visit"](
                _row(FollowUpVisit, v, person_id=pid, organisation_id=self.organisation_id)
            )
        for sp in plan.support_plans:
            self.add["support_plan"](_row(SupportPlan, sp, person_id=pid))
        if self.opened_on is None:
            self.later_persons.append(pid)
        else:
            self.facts.append(
                {
                    "person_id": pid,
                    **planned_facts(
                        person,
                        movements,
                        returns,
                        organisation_id=self.organisation_id,
                        opened_on=self.opened_on,
                        null_smallest=self.null_smallest,
                    ),
                }
            )
        return pid

    def measures(self, pid: uuid.UUID, plans: Sequence[MeasurePlan]) -> None:
        rows: list[dict[str, Any]] = []
        for m in plans:
            row = _row(
                ProtectionMeasure,
                {
                    "kind": m.kind,
                    "starts_on": m.starts_on,
                    "ends_on": m.ends_on,
                    "status": m.status,
                    "linked_to_cooperation": m.linked_to_cooperation,
                    "decided_by": m.decided_by,
                    "reference": m.reference,
                    "notes": m.notes,
                },
                person_id=pid,
                organisation_id=self.organisation_id,
            )
            if m.renewal_of is not None:
                renewed = rows[m.renewal_of]
                if isinstance(renewed["renewal_of_id"], _Ref):  # written in the same insert
                    raise ValueError("a renewal renews a measure that is not itself a renewal")
                row["renewal_of_id"] = _Ref(renewed)
                self.add["renewal"](row)
            else:
                self.add["measure"](row)
            rows.append(row)

    def referral(
        self, case_id: uuid.UUID, pid: uuid.UUID, pseudonym: str, ref: ReferralPlan
    ) -> None:
        closed = ref.status in (c.ReferralStatus.DECLINED, c.ReferralStatus.CLOSED)
        share = _row(
            CaseShare,
            {
                "scopes": ref.scopes,
                "persons": [pseudonym],
                "reason": "referral: {}".format(ref.service),
                "revoked_at": self.now if closed else None,
            },
            case_id=case_id,
            organisation_id=ref.to_organisation,
            granted_by_id=self.actor_id,
        )
        self.add["share"](share)
        self.add["referral"](
            _row(
                Referral,
                {
                    "service": ref.service,
                    "details": ref.details,
                    "scopes": ref.scopes,
                    "status": ref.status,
                    "sent_on": ref.sent_on,
                    "responded_on": ref.responded_on,
                    "delivered_on": ref.delivered_on,
                    "closed_on": ref.closed_on,
                    "response_note": ref.response_note,
                },
                person_id=pid,
                from_organisation_id=self.organisation_id,
                to_organisation_id=ref.to_organisation,
                share_id=_Ref(share),
                sent_by_id=self.actor_id,
            ),
        )

    @staticmethod
    def return_row(pid: uuid.UUID, ret: ReturnPlan, bid: dict[str, Any] | None) -> dict[str, Any]:
        return _row(
            Return,
            {
                "destination": ret.destination,
                "receiving_authority": ret.receiving_authority,
                "risk_level": ret.risk_level,
                "risk_assessment": ret.risk_assessment,
                "voluntary_consent": ret.voluntary_consent,
                "consent_on": ret.consent_on,
                "travel_documents": ret.travel_documents,
                "status": ret.status,
                "decided_on": ret.decided_on,
                "return_date": ret.return_date,
                "planned_for": ret.planned_for,
            },
            person_id=pid,
            best_interest_determination_id=_Ref(bid) if ret.with_bid and bid is not None else None,
        )

    def prepare(self) -> None:
        """Make the rows ready for the database (`rows_prepare`: Python's work, done by the
        thread that builds the batches while the writing thread writes the batch before), all
        but those that refer to rows written by bulk_create or are referred to by others (their
        ids are known once written)."""
        for name, model in TABLES:
            rows = self.tables[name]
            if rows and name not in _REFERENCED and name not in _LINKS:
                self.prepared[name] = rows_prepare(model, rows)
        self.facts_prepared = rows_prepare(PersonFacts, self.facts)

    def write(self) -> None:
        """Every table in order: rows that others refer to with bulk_create (their new ids are
        put into the rows), the rest with rows_insert once their references are known (as
        prepared by `prepare`, when it ran); then what the statistics count of the new persons
        (`cases.personfacts`), computed from their rows as they were built (`planned_facts`:
        no query), or from the database for persons added to a case an earlier plan wrote. A
        refusal is Django's IntegrityError on every database (rows_insert turns COPY's into
        one)."""
        for name, model in TABLES:
            prepared = self.prepared.get(name)
            if prepared is not None:
                rows_write(prepared)
            else:
                self.write_table(name, model, self.tables[name])
        facts = self.facts_prepared or rows_prepare(PersonFacts, self.facts)
        if self.held is None:
            rows_write(facts)
        else:
            self.held.add(facts)
        person_facts_create(self.later_persons)

    @staticmethod
    def write_table(name: str, model: type[models.Model], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        link = _LINKS.get(name)
        if link is not None:
            for row in rows:
                if isinstance(row[link], _Ref):
                    row[link] = row[link].row["id"]
        if name in _REFERENCED:
            objs = model._default_manager.bulk_create(
                [model(**row) for row in rows], batch_size=2000
            )
            for row, obj in zip(rows, objs, strict=True):
                row["id"] = obj.pk
        else:
            rows_insert(model, rows)


def _batch_write(
    batch: _Batch, case_ids: list[str], *, label: str, reason: str, actor: User
) -> None:
    """One batch with its audit entry: in a transaction of its own when none is open; inside
    the caller's transaction without a savepoint (a refused batch fails that transaction, as an
    all-or-nothing write wants; and on PostgreSQL, past 64 savepoints in one transaction every
    check of a row's visibility looks its subtransaction up, which made a 200,000-case import's
    writes several times slower)."""
    with transaction.atomic(savepoint=False):
        batch.write()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            kind=CASE,
            object_id=label,
            reason=reason[:500],
            after={
                "organisation": batch.organisation_id,
                "cases": case_ids,
                "persons": len(batch.tables["person"]),
                "identities": len(batch.tables["identity"]),
            },
        )


def cases_bulk_create(
    plans: Iterable[CasePlan],
    *,
    actor: User,
    organisation: Organisation,
    label: str,
    reason: str,
    batch_size: int = 1000,
    report: BulkReport | None = None,
    progress: Progress | None = None,
    total: int | None = None,
    on_batch: Callable[[list[str]], None] | None = None,
) -> BulkReport:
    """Create the planned cases for `organisation`, owned by `actor`, in batches of
    `batch_size` plans (smaller at first, see `bulkwriting.chunks`): one transaction (none of
    its own inside the caller's) and one audit entry per batch, whose object id is `label`
    ("import", "demo-data") and whose `after` names the cases. Every value has been checked by the
    caller; the database still applies every constraint and foreign key.

    `plans` may be a generator (an import reads them from its file as they are written): a
    batch is written by a second thread on this connection while the next one is read and
    built. `report`, when given, is filled batch by batch (so a caller outside a transaction
    knows what was committed before a batch failed); `on_batch`, when given, is told each
    written batch's case ids instead of `report.case_ids` (which then stays empty: an import
    of any size keeps them elsewhere). `progress`, when given, is told after each batch how
    many cases of how many (`total`, or the number of plans) are written."""
    report = BulkReport() if report is None else report
    if total is None:
        total = len(plans) if isinstance(plans, Sized) else 0
    if progress is not None:
        progress(0, total)  # the total, before the first batch
    written = 0

    def account(batch: _Batch, case_ids: list[str]) -> None:
        nonlocal written
        report.rows.update({name: len(rows) for name, rows in batch.tables.items()})
        written += len(case_ids)
        if on_batch is not None:
            on_batch(case_ids)
        else:
            report.case_ids += case_ids
        if progress is not None:
            progress(written, total)

    failed = threading.Event()  # a batch failed: those after it are not written

    def write(batch: _Batch, case_ids: list[str]) -> None:
        if failed.is_set():
            raise NotWritten
        try:
            _batch_write(batch, case_ids, label=label, reason=reason, actor=actor)
        except BaseException:
            failed.set()
            raise

    db = connections[DEFAULT_DB_ALIAS]
    one_transaction = db.vendor == "postgresql" and db.in_atomic_block
    held = HeldFacts() if one_transaction else None
    with foreign_keys_checked_as_written(one_transaction), writing_thread() as pool:
        pending: deque[tuple[Future[None], _Batch, list[str]]] = deque()

        def settle_oldest() -> None:  # written and counted, or its error raised here
            pending[0][0].result()
            account(*pending.popleft()[1:])

        try:
            for chunk in chunks(plans, batch_size):
                batch = _Batch(actor=actor, organisation=organisation, held=held)
                case_ids = [str(i) for i in map(batch.case, chunk) if i is not None]
                batch.prepare()
                while len(pending) >= AHEAD:
                    settle_oldest()
                pending.append((pool.submit(write, batch, case_ids), batch, case_ids))
            while pending:
                settle_oldest()
            if held is not None:  # the writing thread is idle: the connection is free
                held.flush()
        except BaseException:
            # Batches not yet started are not written; one being written is waited for (the
            # connection is not free before). Those written are counted: a caller outside a
            # transaction undoes them too.
            for future, *_rest in pending:
                future.cancel()
            for future, written_batch, written_ids in pending:
                if not future.cancelled() and future.exception() is None:
                    account(written_batch, written_ids)
            raise
    return report
