"""Answers computed from the reference data, kept in process memory until the data changes.

The registry's reference data (instruments, treaty actions, memberships, countries, sources)
changes rarely and is read on every `GET /api/v1/registry/parties`, whose answer takes a dozen
queries and the positions of every state. `reference_cached(key, compute)` keeps the answer per
key (the caller puts in it every argument and the language), and computes it again once the data
may have changed:

- a write in this process (a `post_save` or `post_delete` of a registry fact, a country or a
  source) forgets every answer at once;
- a write by another process (another web worker, `palermo load_reference`) changes the data's
  fingerprint, read with one short query per call: for each table, its row count and its latest
  `updated_at` (the latest primary key for countries and sources, which have no such field).

Only answers are kept, never errors, and at most `MAX_ANSWERS` of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

MAX_ANSWERS = 256

_lock = threading.Lock()
_answers: dict[Hashable, tuple[Hashable, Any]] = {}
_generation = [0]
_fingerprint_sql: list[str] = []


def _tables() -> list[tuple[str, str]]:
    """(table, column of its latest change) of every model whose rows an answer may use."""
    models = list(apps.get_app_config("registry").get_models())
    models += [apps.get_model("core", "Country"), apps.get_model("core", "Source")]
    out = []
    for model in models:
        fields = {f.name for f in model._meta.concrete_fields}
        column = "updated_at" if "updated_at" in fields else str(model._meta.pk.column)
        out.append((model._meta.db_table, column))
    return out


def _fingerprint() -> Hashable:
    if not _fingerprint_sql:
        quote = connection.ops.quote_name
        parts = [
            "(SELECT COUNT(*) FROM {t}), (SELECT MAX({c}) FROM {t})".format(  # noqa: S608 - model tables
                t=quote(table), c=quote(column)
            )
            for table, column in _tables()
        ]
        _fingerprint_sql.append("SELECT " + ", ".join(parts))
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql[0])
        return tuple(str(value) for value in cursor.fetchone() or ())


def reference_cached[T](key: Hashable, compute: Callable[[], T]) -> T:
    """The answer for `key`: kept from an earlier call if the reference data has not changed
    since, else `compute()` (kept for the next call)."""
    stamp = (_generation[0], _fingerprint())
    with _lock:
        kept = _answers.get(key)
    if kept is not None and kept[0] == stamp:
        return kept[1]  # type: ignore[no-any-return]
    answer = compute()
    with _lock:
        if len(_answers) >= MAX_ANSWERS:
            _answers.clear()
        _answers[key] = (stamp, answer)
    return answer


def reference_forget(**_kwargs: Any) -> None:
    """Forget every kept answer (connected to the writes of the reference data's models)."""
    with _lock:
        _generation[0] += 1
        _answers.clear()


def reference_signals_connect() -> None:
    """From RegistryConfig.ready: forget the answers on every write of a model they use."""
    models: list[type[Model]] = list(apps.get_app_config("registry").get_models())
    models += [apps.get_model("core", "Country"), apps.get_model("core", "Source")]
    for model in models:
        uid = "palermo.registry.cache.{}".format(model._meta.label_lower)
        post_save.connect(reference_forget, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(reference_forget, sender=model, dispatch_uid=uid + ".delete")
