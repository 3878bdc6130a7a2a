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
    "monitoring": frozenset(
        {"core", "registry", "cases", "cooperation", "statistics", "disclosure"}
    ),
    "linkage": frozenset({"core", "registry", "cases", "cooperation", "disclosure"}),
    # Case law: the registry's legislation, the cases' HTCDS codes (and drafting from a case),
    # the disclosure control of its statistics.
    "caselaw": frozenset({"core", "registry", "cases", "disclosure", "linkage"}),
    # The clearing house: the registry's countries and organisations; linkage for duplicates;
    # the needs States stated in their replies to monitoring's questionnaires.
    "activities": frozenset({"core", "registry", "cases", "disclosure", "linkage", "monitoring"}),
    # Public reports and hotline triage: the cases (screening lists, a case opened from a
    # report), linkage's comparisons (reports grouped into situations), disclosure control.
    "intake": frozenset({"core", "registry", "cases", "linkage", "disclosure"}),
    "web": frozenset(
        {
            "intake",
            "core",
            "registry",
            "cases",
            "cooperation",
            "statistics",
            "monitoring",
            "linkage",
            "caselaw",
            "activities",
            "disclosure",
        }
    ),
}
EVERYONE = frozenset({"settings"})
# Tests may also use the project's shared fixtures, its assembled API and its console script.
TESTS_ALSO = frozenset({"conftest", "api", "cli"})


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


# --- cycles, size and what each module owns ----------------------------------------------------

MAX_LINES = 800  # a module that passes this is split by concern (architecture.md)


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the project's code (tests and migrations aside), by dotted name."""
    found: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the project's modules it imports (at any depth in the file)."""
    modules = _modules(package)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package_name = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                deps |= {known(a.name) for a in node.names if a.name.startswith("palermo")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package_name.split(".")[: len(package_name.split(".")) - node.level + 1]
                    module = ".".join([*base, node.module] if node.module else base)
                else:
                    module = node.module or ""
                if module.startswith("palermo"):
                    for alias in node.names:
                        full = "{}.{}".format(module, alias.name)
                        deps.add(full if full in modules else known(module))
        graph[name] = {d for d in deps if d is not None and d != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles() -> None:
    """Function-level imports count too: a cycle hidden in a function is still a cycle."""
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle_through_a_third_module() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_every_module_is_small_and_says_what_it_owns() -> None:
    problems = []
    for name, path in sorted(_modules().items()):
        lines = len(path.read_text().splitlines())
        if lines > MAX_LINES and not name.endswith(".htcds"):  # generated from the standard
            problems.append("{}: {} lines".format(name, lines))
        if lines and not ast.get_docstring(ast.parse(path.read_text())):
            problems.append("{}: no docstring saying what it owns".format(name))
    assert problems == []
