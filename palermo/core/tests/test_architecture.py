"""The layering of the apps (README, "Architecture"): an app never imports an app above it.

Imports are read with `ast` from every module of every app, tests included, at any depth (a
function-level import counts as much as one at the top of the file).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # palermo/

# Which apps each app may import, as in ../shared/docs/architecture.md. `settings` (the
# project's configuration) may be read by any app.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "disclosure": frozenset(),
    "registry": frozenset({"core"}),
    "cases": frozenset({"core", "registry", "disclosure"}),
    "cooperation": frozenset({"core", "registry", "cases"}),
    "statistics": frozenset({"core", "registry", "cases", "cooperation", "disclosure"}),
    "web": frozenset({"core", "registry", "cases", "cooperation", "statistics", "disclosure"}),
}
EVERYONE = frozenset({"settings"})
# Tests may also use the project's shared fixtures and its assembled API.
TESTS_ALSO = frozenset({"conftest", "api"})


def _apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def imported_apps(path: Path, package: Path = PACKAGE) -> set[tuple[str, int]]:
    """(app, line) for every `palermo.<app>` a module imports, relative imports resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    parts = path.relative_to(package.parent).with_suffix("").parts
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            if node.level:  # relative: from the module's own package upwards
                base = list(parts[: len(parts) - node.level])
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
            if names[0] == "palermo":
                names = ["palermo." + alias.name for alias in node.names]
        for name in names:
            bits = name.split(".")
            if len(bits) > 1 and bits[0] == "palermo":
                found.add((bits[1], node.lineno))
    return found


def upward_imports() -> list[str]:
    problems = []
    for app in _apps():
        if app == "settings":
            continue
        allowed = MAY_IMPORT.get(app)
        if allowed is None:
            problems.append("palermo/{}: not in the layering table".format(app))
            continue
        for path in sorted((PACKAGE / app).rglob("*.py")):
            may = allowed | EVERYONE | (TESTS_ALSO if "tests" in path.parts else frozenset())
            for imported, line in sorted(imported_apps(path)):
                if imported != app and imported not in may:
                    problems.append(
                        "{}:{} imports palermo.{}".format(
                            path.relative_to(PACKAGE.parent), line, imported
                        )
                    )
    return problems


def test_no_app_imports_an_app_above_it() -> None:
    assert upward_imports() == []


def test_every_app_is_in_the_layering_table() -> None:
    assert set(_apps()) - {"settings"} == set(MAY_IMPORT)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from palermo.cases.models import Case\n", "palermo/core/x.py", {"cases"}),
        ("import palermo.statistics.models\n", "palermo/core/x.py", {"statistics"}),
        ("from palermo import cooperation\n", "palermo/core/x.py", {"cooperation"}),
        ("def f():\n    from palermo.web import views\n", "palermo/core/x.py", {"web"}),
        ("from ..cases import models\n", "palermo/core/x.py", {"cases"}),
        ("from ..cases import models\n", "palermo/core/sub/x.py", {"core"}),
        ("from . import models\n", "palermo/core/x.py", {"core"}),
        ("import json\n", "palermo/core/x.py", set()),
    ],
)
def test_imports_are_found_wherever_they_are(
    tmp_path: Path, source: str, module: str, expected: set[str]
) -> None:
    """The checker itself: absolute, package, function-level and relative imports."""
    fake = tmp_path / module
    fake.parent.mkdir(parents=True, exist_ok=True)
    fake.write_text(source)
    assert {app for app, _line in imported_apps(fake, tmp_path / "palermo")} == expected
