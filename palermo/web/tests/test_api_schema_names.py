"""Every schema of the API has a name of its own: the OpenAPI document keeps one schema per
name, so two classes with the same name would describe each other's endpoints wrongly (a
response checked against another app's schema)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import palermo.api  # noqa: F401 - every router, so every schema, is imported


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_no_two_api_schemas_share_a_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("palermo."):
            by_name[cls.__name__].append(cls.__module__)
    shared = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert shared == {}
