"""The `palermo` console script: Django management commands with readable names.

`palermo load-reference` runs the `load_reference` command; every other argument is passed on.
"""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.settings.base")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "palermo"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
