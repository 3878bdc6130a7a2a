"""The `palermo` console script: Django management commands with readable names.

`palermo load-reference` runs the `load_reference` command (either spelling works); every other
argument is passed on.
`palermo`, `palermo help` and `palermo --help` list Palermo's own commands first, hyphenated and
with one line each, then Django's and the libraries' commands under their own heading.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from django.core.management import ManagementUtility, get_commands, load_command_class
from django.utils.translation import gettext as _


def palermo_commands() -> dict[str, str]:
    """Palermo's own management commands: their name (with underscores) and app module."""
    return {name: app for name, app in sorted(get_commands().items()) if app.startswith("palermo.")}


def command_name(name: str) -> str:
    """How the README and the help write a command: `load_reference` -> `load-reference`."""
    return name.replace("_", "-")


SUMMARY_WIDTH = 100


def summary(app: str, name: str) -> str:
    """A command's help in one line: its first sentence, translated, without parentheses when
    too long, cut after the last comma or semicolon that fits (`help COMMAND` has it all)."""
    text = str(load_command_class(app, name).help or "")
    first = " ".join((_(text) if text else "").split())
    first = first.split(". ", maxsplit=1)[0].rstrip(".")
    if len(first) > SUMMARY_WIDTH:
        first = re.sub(r" \([^)]*\)", "", first)
    if len(first) > SUMMARY_WIDTH:
        head = first[:SUMMARY_WIDTH]
        cut = max(head.rfind(", "), head.rfind("; "))
        return (head[: cut + 1] if cut > 0 else head.rstrip()) + " …"
    return first + "." if first else ""


class PalermoUtility(ManagementUtility):
    """Django's command runner with Palermo's overview of the commands."""

    def fetch_command(self, subcommand: str) -> Any:
        """The command named `subcommand`, hyphens or underscores (its usage line says the name
        as it was typed)."""
        return super().fetch_command(subcommand.replace("-", "_"))

    def main_help_text(self, commands_only: bool = False) -> str:
        if commands_only or self.settings_exception is not None:
            return str(super().main_help_text(commands_only))
        ours = palermo_commands()
        width = max((len(command_name(n)) for n in ours), default=0)
        lines = [
            "",
            _(
                "Usage: palermo COMMAND [options]. Type 'palermo help COMMAND' for a command's "
                "options."
            ),
            "",
            _("Palermo"),
        ]
        for name, app in ours.items():
            lines.append("    {}  {}".format(command_name(name).ljust(width), summary(app, name)))
        others: dict[str, list[str]] = {}
        for name, app in get_commands().items():
            if name in ours:
                continue
            group = "django" if app == "django.core" else app.rpartition(".")[-1]
            others.setdefault(group, []).append(name)
        lines += ["", _("Django and libraries (for developers and operators)")]
        for group in sorted(others):
            lines.append("  [{}]".format(group))
            lines += ["    {}".format(name) for name in sorted(others[group])]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.settings.base")
    args[0] = "palermo"
    PalermoUtility(args).execute()


if __name__ == "__main__":
    main()
