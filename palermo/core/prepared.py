"""Queries of a fixed shape, compiled to SQL once per database connection and run many times.

Building SQL from a queryset (joins, select_related columns, orderings, converters) takes Django
about half a millisecond of CPU per query, often far more than SQLite or PostgreSQL take to
answer it; a page that reads a case's records one query per kind of record spends most of its
time there. A `Prepared` query is a queryset that differs from call to call only by a few values
(a case's id, a token's digest and the time, say): it is compiled once per connection with
stand-in values, and each call runs the kept SQL with the stand-ins replaced by the values, then
makes model instances the way Django's own `ModelIterable` does (converters, `select_related`
objects).

    CASE_SCREENINGS = Prepared(
        lambda case_id: Screening.objects.filter(person__case_id=case_id).order_by("-screened_on"),
        value_fields=lambda: [Case._meta.pk],
    )
    screenings = CASE_SCREENINGS.fetch(case.pk)

`build` receives one value per field of `value_fields` (the fields they are compared with, which
prepare them for the database) and must use each of them as it is: a value computed inside
`build` (`timezone.now() - window`, a setting) would be kept in the SQL for good. The first
compilation guards against that: it builds and compiles the query twice with two sets of
stand-ins and refuses it unless the SQL is the same and the parameters differ exactly where the
stand-ins are. Only for querysets of model instances (annotations set as attributes, as Django
does), without `prefetch_related`.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

type AnyField = Field[Any, Any]

_EPOCH = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


class PreparedQueryError(RuntimeError):
    """The queryset cannot be prepared (a programming error, raised at its first use)."""


def _stand_in(field: AnyField, index: int, round_: int, connection: BaseDatabaseWrapper) -> Any:
    """A value no real call passes, distinct for each value position and compilation round (an
    integer near the top of the field's range: Django simplifies comparisons with a value out of
    it, and the parameter would be gone)."""
    kind = field.get_internal_type()
    n = index * 2 + round_
    if kind == "UUIDField":
        return uuid.UUID(int=0x5F0C1D2E3A4B4C5D8E6F7A8B9C0D0000 + n)
    if kind in ("CharField", "TextField"):
        return "\x00prepared-stand-in-{}\x00".format(n)
    if kind.endswith("IntegerField") or kind.endswith("AutoField"):
        _low, high = connection.ops.integer_field_range(kind)
        return (high or 2**31 - 1) - 1000 - n
    if kind == "DateTimeField":
        return _EPOCH + dt.timedelta(seconds=n)
    if kind == "DateField":
        return _EPOCH.date() + dt.timedelta(days=n)
    raise PreparedQueryError("no stand-in value for a {}".format(kind))


class _Compiled:
    __slots__ = (
        "annotations",
        "compiler",
        "converters",
        "fetch_mode",
        "init_list",
        "model",
        "model_slice",
        "params",
        "slots",
        "sql",
    )

    def __init__(
        self,
        build: Callable[..., QuerySet[Any]],
        connection: BaseDatabaseWrapper,
        fields: Sequence[AnyField],
    ) -> None:
        rounds = []
        for round_ in (0, 1):
            stand_ins = [_stand_in(f, i, round_, connection) for i, f in enumerate(fields)]
            queryset = build(*stand_ins)
            compiler: SQLCompiler = queryset.query.get_compiler(connection=connection)
            sql, round_params = compiler.as_sql()
            prepared = [
                f.get_db_prep_value(v, connection, prepared=False)
                for f, v in zip(fields, stand_ins, strict=True)
            ]
            rounds.append((queryset, compiler, sql, list(round_params), prepared))
        (queryset, compiler, sql, params, first), (_, _, sql_again, params_again, second) = rounds
        if sql != sql_again or len(params) != len(params_again):
            raise PreparedQueryError("the SQL depends on the values, not only its parameters")
        # slots[i]: the index of the value whose prepared form goes in parameter i, or None.
        self.slots: list[int | None] = []
        for one, other in zip(params, params_again, strict=True):
            if one == other:
                self.slots.append(None)
                continue
            found = [k for k in range(len(fields)) if one == first[k] and other == second[k]]
            if len(found) != 1:
                raise PreparedQueryError("a parameter is computed from the values inside build")
            self.slots.append(found[0])
        if set(self.slots) - {None} != set(range(len(fields))):
            raise PreparedQueryError("a value does not reach the SQL as a parameter")
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise PreparedQueryError("prefetch_related is not supported")
        klass_info = compiler.klass_info
        if klass_info is None:
            raise PreparedQueryError("only querysets of model instances can be prepared")
        self.annotations = list((compiler.annotation_col_map or {}).items())
        self.sql = sql
        self.params = params
        self.compiler = compiler
        self.model = queryset.model
        self.fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]
        select_fields = klass_info["select_fields"]
        self.model_slice = slice(select_fields[0], select_fields[-1] + 1)
        self.init_list = [f[0].target.attname for f in compiler.select[self.model_slice]]
        columns = [s[0] for s in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)


class Prepared[M: Model]:
    """A query built by `build(*values)`, compiled once per connection; `fetch(*values)` runs
    it. `value_fields()` names the field each value is compared with (called once per use, so
    that models are only touched once apps are loaded)."""

    def __init__(
        self,
        build: Callable[..., QuerySet[M]],
        *,
        value_fields: Callable[[], Sequence[AnyField]],
    ) -> None:
        self._build = build
        self._value_fields = value_fields
        self._lock = threading.Lock()
        self._compiled: WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = WeakKeyDictionary()

    def _get(self, connection: BaseDatabaseWrapper, fields: Sequence[AnyField]) -> _Compiled:
        with self._lock:
            kept = self._compiled.get(connection)
        if kept is None:
            kept = _Compiled(self._build, connection, fields)
            with self._lock:
                self._compiled[connection] = kept
        return kept

    def fetch(self, *values: Any, using: str = "default") -> list[M]:
        """The query's rows for `values`, as model instances (with their select_related)."""
        connection = connections[using]
        fields = self._value_fields()
        if len(values) != len(fields):
            raise TypeError("{} values expected, {} given".format(len(fields), len(values)))
        compiled = self._get(connection, fields)
        prepared = [
            f.get_db_prep_value(v, connection, prepared=False)
            for f, v in zip(fields, values, strict=True)
        ]
        params = [
            value if slot is None else prepared[slot]
            for value, slot in zip(compiled.params, compiled.slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        compiler = compiled.compiler
        if compiled.converters:
            rows = list(compiler.apply_converters(rows, compiled.converters))
        model: type[M] = compiled.model
        fetch_mode = compiled.fetch_mode
        populators = get_related_populators(compiler.klass_info, compiler.select, using, fetch_mode)
        out: list[M] = []
        for row in rows:
            obj = model.from_db(
                using, compiled.init_list, row[compiled.model_slice], fetch_mode=fetch_mode
            )
            for populator in populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            out.append(obj)
        return out
