"""Writing many checked rows at once: COPY on PostgreSQL, one executemany INSERT elsewhere.

Used by the import and by bulk demo data: the rows have been checked by the caller, and the
database still applies every constraint and foreign key. And one row many times over (the node
inbox): `instance_insert` and `pk_exists` with their statements built once per model. And
reading many rows at once: `collector_paused` while they become Python objects."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import json
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]  # C encoder, not in typeshed
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import signals
from django.utils import timezone
from psycopg import sql
from psycopg._copy_base import format_row_text  # what Copy.write_row runs (compiled)
from psycopg.adapt import Transformer

from palermo.core.prepared import Prepared


def _json_text(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str]:
    """`json.dumps(v, cls=encoder)`. Without an encoder of its own, a list or an object goes
    to the standard library's C encoder made once, with json.dumps's settings (the same text):
    json.dumps makes an encoder for every value, which costs several times the encoding of
    the short lists most JSON fields hold."""
    if encoder is not None or c_make_encoder is None:
        return lambda v: json.dumps(v, cls=encoder)
    base = json.JSONEncoder()
    # No markers (circular check): a value read from JSON cannot refer to itself, and markers
    # kept across calls would keep what a failed call left in them.
    encode = c_make_encoder(
        None, base.default, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    dumps = json.dumps

    def text(v: Any) -> str:
        if type(v) is list or type(v) is dict:
            return "".join(encode(v, 0))
        return dumps(v)

    return text


def _copy_prep(f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value goes into COPY before its text is written: JSON as its text (the server
    parses it into jsonb), the rest as it is (psycopg's text dumpers write it)."""
    if isinstance(f, models.JSONField):
        text = _json_text(f.encoder)
        # The text of each list of text values, made once: the rows of a batch hold the same
        # few lists of codes over and over. Only lists of text (a list holding anything else
        # is not joined): 1 and True are equal in a tuple but not in JSON.
        known: dict[tuple[str, ...], str] = {}

        def json_text(v: Any) -> str | None:
            if v.__class__ is list:
                if not v:  # most lists of a row are empty
                    return "[]"
                try:
                    "".join(v)
                except TypeError:
                    return text(v)
                key = tuple(v)
                found = known.get(key)
                if found is None:
                    found = known[key] = text(v)
                return found
            return None if v is None else text(v)

        return json_text
    return None


_COPY_LINES = 2000  # rows sent to the server together


def _stamp_texts(now: dt.datetime, n: int) -> list[str]:
    """The text of `now` plus 0, 1, ... n - 1 microseconds, as `datetime.isoformat` writes each
    (COPY takes the timestamps as text): within the same second only the microseconds change,
    so they are written into the second's text; past it each is made whole."""
    second = now.replace(microsecond=0)
    text = second.isoformat()
    head, tail = text[:19], text[19:]  # "YYYY-MM-DDTHH:MM:SS", the offset ("+00:00" or "")
    start = now.microsecond
    same = max(0, min(n, 1_000_000 - start))
    out = ["{}.{:06d}{}".format(head, us, tail) for us in range(start, start + same)]
    if same and start == 0:
        out[0] = text  # isoformat leaves out a microsecond of 0
    out += [(now + dt.timedelta(microseconds=i)).isoformat() for i in range(same, n)]
    return out


# Fields whose preparation for SQLite gives back a value of this exact type unchanged (text,
# whole numbers, booleans): an import passes millions of them, and a field's preparation costs
# more than the rest of storing the value. Exact classes only (a subclass may prepare its own).
_UNCHANGED_ON_SQLITE: dict[type[models.Field[Any, Any]], type] = {
    models.CharField: str,
    models.TextField: str,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}


def _insert_prep(f: models.Field[Any, Any], db: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """How a value goes into INSERT: prepared by its field, as a save would. On SQLite the
    usual values take a short way to the same result: text, numbers and booleans as they are
    (None too), dates as ISO text, UTC timestamps as naive text, UUIDs as hex, lists and
    objects as JSON text (what Django's SQLite backend makes of them); any other value is
    prepared by its field."""

    def prepared(v: Any) -> Any:
        return f.get_db_prep_save(v, db)

    if db.vendor != "sqlite":
        return prepared
    kind = type(f)
    if isinstance(f, models.ForeignKey) and kind is models.ForeignKey:
        target = _insert_prep(f.target_field, db)
        return lambda v: prepared(v) if v is None or v == "" else target(v)
    same = _UNCHANGED_ON_SQLITE.get(kind)
    if same is not None:  # None stays None (get_prep_value gives it back)
        return lambda v: v if type(v) is same or v is None else prepared(v)
    short: Callable[[Any], Any] | None = None
    if kind is models.DateField:
        short = lambda v: v.isoformat() if type(v) is dt.date else prepared(v)  # noqa: E731
    elif kind is models.DateTimeField and db.timezone is dt.UTC:
        # adapt_datetimefield_value: made naive in the connection's time zone (UTC), as text.
        short = lambda v: (  # noqa: E731
            str(v.replace(tzinfo=None))
            if type(v) is dt.datetime and v.tzinfo is dt.UTC
            else prepared(v)
        )
    elif kind is models.UUIDField:
        short = lambda v: v.hex if type(v) is uuid.UUID else prepared(v)  # noqa: E731
    elif isinstance(f, models.JSONField) and kind is models.JSONField:  # adapt_json_value
        text = _json_text(f.encoder)
        short = lambda v: text(v) if type(v) is list or type(v) is dict else prepared(v)  # noqa: E731
    return prepared if short is None else short


@dataclass
class PreparedRows:
    """Rows of a model made ready for the database by `rows_prepare`, written by `rows_write`:
    on PostgreSQL the text COPY takes (in chunks of `_COPY_LINES` rows), elsewhere the
    parameters of one executemany INSERT. Preparing is Python's work and writing the
    database's, so a caller can prepare the next rows on one thread while another thread
    writes these."""

    model: type[models.Model]
    columns: list[str]
    copy_text: list[bytes] = field(default_factory=list)
    parameters: list[list[Any]] = field(default_factory=list)
    rows: int = 0

    def extend(self, other: PreparedRows) -> None:
        """Add rows prepared for the same model and columns (written by one statement)."""
        if other.model is not self.model or other.columns != self.columns:
            raise ValueError("rows of another table")
        self.copy_text += other.copy_text
        self.parameters += other.parameters
        self.rows += other.rows


def rows_insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert checked rows ({attname: value}) inside the caller's transaction: with COPY into
    the model's table on PostgreSQL, with one executemany INSERT elsewhere. Constraints and
    foreign keys still apply (a refusal is Django's IntegrityError on every database); values
    are prepared by the model's fields, as a save would."""
    if rows:
        rows_write(rows_prepare(model, rows))


def rows_prepare(model: type[models.Model], rows: list[dict[str, Any]]) -> PreparedRows:
    """The rows ({attname: value}) ready for `rows_write`, their timestamps (auto_now and
    auto_now_add fields) taken now, one microsecond apart in the rows' order, as saves one by
    one would set them. No query."""
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the per-thread proxy
    now = timezone.now()
    auto: set[str] = set()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField"))
    ]
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            auto.add(f.attname)
        elif rows and f.attname not in rows[0]:
            defaults[f.attname] = f.get_default()
    copy = db.vendor == "postgresql"
    # COPY takes JSON as its text (the server parses it into jsonb) and the other values as
    # psycopg's text dumpers write them. For INSERT every field prepares its value.
    prepare = [_copy_prep(f) if copy else _insert_prep(f, db) for f in fields]

    spec = [
        (f.attname, f.attname in auto, defaults.get(f.attname), prep)
        for f, prep in zip(fields, prepare, strict=True)
    ]

    def field_by_field(row: dict[str, Any], stamp: dt.datetime | str) -> list[Any]:
        out = []
        for attname, is_auto, default, prep in spec:
            value = stamp if is_auto else row.get(attname, default)
            out.append(value if prep is None else prep(value))
        return out

    # The usual row holds a value for every field but the timestamps: they are taken in one
    # step (itemgetter), the timestamps put in their places, and the values that need it
    # prepared; the same list as field_by_field gives. A row without some field goes that way.
    kept = [attname for attname, is_auto, _default, _prep in spec if not is_auto]
    pick = itemgetter(*kept) if len(kept) > 1 and not defaults else None
    stamped = [i for i, (_a, is_auto, _d, _p) in enumerate(spec) if is_auto]
    prepared = [(i, prep) for i, (_a, _auto, _d, prep) in enumerate(spec) if prep is not None]

    # COPY takes the timestamps' text, made for all the rows at once (`_stamp_texts`).
    stamps = _stamp_texts(now, len(rows)) if copy and stamped else None

    def values() -> Iterator[list[Any]]:
        for index, row in enumerate(rows):
            # Timestamps one microsecond apart keep the insertion order, as saves one by one do.
            stamp = stamps[index] if stamps is not None else now + dt.timedelta(microseconds=index)
            if pick is None:
                yield field_by_field(row, stamp)
                continue
            try:
                out = list(pick(row))
            except KeyError:
                yield field_by_field(row, stamp)
                continue
            for i in stamped:  # in increasing order: each lands in its place
                out.insert(i, stamp)
            for i, prep in prepared:
                out[i] = prep(out[i])
            yield out

    out = PreparedRows(model, [str(f.column) for f in fields], rows=len(rows))
    if copy:
        out.copy_text = _copy_text(db, values())
    else:
        out.parameters = list(values())
    return out


def _copy_text(db: BaseDatabaseWrapper, rows: Iterator[list[Any]]) -> list[bytes]:
    """The rows in COPY's text format, `_COPY_LINES` rows a chunk: written by psycopg's own row
    formatter (compiled, what `Copy.write_row` runs), with the connection's text dumpers; a
    value psycopg refuses (text holding a NUL character) is Django's DataError, as COPY's
    refusals are."""
    transformer = Transformer(db.connection)
    chunks: list[bytes] = []
    with db.wrap_database_errors:
        for chunk in itertools.batched(rows, _COPY_LINES):
            out = bytearray()
            for row in chunk:
                format_row_text(row, transformer, out)
            chunks.append(bytes(out))
    return chunks


def rows_write(prepared: PreparedRows) -> None:
    """Write rows made ready by `rows_prepare` (see `rows_insert`)."""
    if not prepared.rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    table = prepared.model._meta.db_table
    # COPY goes through psycopg directly: its refusals become Django's (IntegrityError...) too.
    with db.wrap_database_errors, db.cursor() as cursor:
        if db.vendor == "postgresql":
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table),
                sql.SQL(", ").join([sql.Identifier(c) for c in prepared.columns]),
            )
            with cursor.cursor.copy(statement) as stream:
                for chunk in prepared.copy_text:
                    stream.write(chunk)
        else:
            qn = db.ops.quote_name
            # Table and column names come from the model, values are parameters.
            statement_text = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                qn(table),
                ", ".join(qn(c) for c in prepared.columns),
                ", ".join(["%s"] * len(prepared.columns)),
            )
            cursor.executemany(statement_text, prepared.parameters)


def instance_row(obj: models.Model) -> dict[str, Any]:
    """A model instance as the {attname: value} row rows_insert takes (its pk too if set).

    Foreign keys to instances saved after this one was built (bulk_create set their pk) are
    taken from those instances, as bulk_create itself does."""
    obj._prepare_related_fields_for_save(operation_name="rows_insert")  # type: ignore[attr-defined]  # Django API, not in the stubs
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not (f.primary_key and getattr(obj, f.attname) is None)
    }


# --- one row, many times ----------------------------------------------------------------------
#
# A batch of node messages inserts a few rows per message. The ORM compiles each INSERT (and each
# lookup) anew, which costs more than the database takes to run it; these build the statement
# once per model and run it with the values the fields prepare, as save() would.


@dataclass(frozen=True)
class _InsertPlan:
    statement: str
    fields: list[models.Field[Any, Any]]
    returns_pk: bool  # an auto-incremented primary key, read back


_insert_plans: dict[tuple[type[models.Model], str], _InsertPlan] = {}
_exists_queries: dict[type[models.Model], Prepared[Any]] = {}


def _insert_plan(model: type[models.Model], db: BaseDatabaseWrapper) -> _InsertPlan:
    key = (model, db.alias)
    plan = _insert_plans.get(key)
    if plan is None:
        pk = model._meta.pk
        auto = pk is not None and pk.get_internal_type() in ("AutoField", "BigAutoField")
        fields = [f for f in model._meta.concrete_fields if not (auto and f.primary_key)]
        qn = db.ops.quote_name
        # Table and column names come from the model, values are parameters.
        statement = "INSERT INTO {} ({}) VALUES ({}){}".format(  # noqa: S608
            qn(model._meta.db_table),
            ", ".join(qn(str(f.column)) for f in fields),
            ", ".join(["%s"] * len(fields)),
            " RETURNING {}".format(qn(str(pk.column))) if auto and pk is not None else "",
        )
        plan = _insert_plans[key] = _InsertPlan(statement, fields, auto)
    return plan


def instance_insert(obj: models.Model) -> None:
    """Insert a new instance, as obj.save(force_insert=True) does (same values, the database's
    constraints and foreign keys apply, IntegrityError on a refusal), with its INSERT built once
    per model. A model with pre_save or post_save receivers is saved by save() (they run)."""
    model = type(obj)
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        obj.save(force_insert=True)
        return
    db = connections[DEFAULT_DB_ALIAS]
    plan = _insert_plan(model, db)
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # Django API, not in the stubs
    values = [f.get_db_prep_save(f.pre_save(obj, add=True), db) for f in plan.fields]
    with db.cursor() as cursor:
        cursor.execute(plan.statement, values)
        if plan.returns_pk:
            row = cursor.fetchone()
            obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = db.alias


def pk_exists(model: type[models.Model], pk: Any) -> bool:
    """Whether a row of `model` has this primary key (a prepared query per model)."""
    query = _exists_queries.get(model)
    if query is None:
        query = _exists_queries[model] = Prepared(
            lambda value: model._default_manager.filter(pk=value).only("pk")[:1],
            value_fields=lambda: [model._meta.pk],
        )
    return bool(query.fetch(pk))


# --- many rows read -----------------------------------------------------------------------------


@contextlib.contextmanager
def collector_paused() -> Generator[None, None, None]:
    """Python's cycle collector paused while a large result becomes Python objects (rows,
    named tuples), and resumed after: every 700 new objects start a collection, which walks the
    young objects and, every tenth, older ones, all of them rows that can hold no cycle. The
    route flows of a million persons (127,000 rows fetched, then as many named tuples) took
    about 1.4x longer with it running. Left paused if it was paused before."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
