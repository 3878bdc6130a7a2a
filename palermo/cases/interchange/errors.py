"""How an import refuses a file: one problem per bad value, the whole file refused at once.

Owns `RecordError` (one problem with one record, raised while it is read or checked) and
`InterchangeError` (the refusal of a file, listing its problems "file: record N: reason").
The reasons name fields and codes, never the value of an identifying field.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from palermo.core.errors import ApplicationError

MAX_ERRORS = 25  # problems listed in a refusal; the rest are counted


class RecordError(Exception):
    """One problem with one value; becomes a line of the refusal."""


class InterchangeError(ApplicationError):
    """A file refused as a whole; `problems` are its lines "file: record N: reason"."""

    def __init__(self, problems: list[str], total: int) -> None:
        more = total - len(problems)
        lines = [*problems, _("... and {} more").format(more)] if more > 0 else problems
        super().__init__(
            ngettext(
                "import refused, nothing was written ({} problem):\n  {}",
                "import refused, nothing was written ({} problems):\n  {}",
                total,
            ).format(total, "\n  ".join(lines)),
            code="invalid_file",
        )
        self.problems = problems


def file_problem(file_name: str, reason: str) -> InterchangeError:
    """A file refused for one reason about the whole file."""
    return InterchangeError([_("{}: {}").format(file_name, reason)], 1)


def file_changed(file_name: str | Path) -> InterchangeError:
    """A file whose second reading (to write it) did not find the bytes the first checked."""
    name = file_name.name if isinstance(file_name, Path) else file_name
    return file_problem(name, _("the file changed while it was being imported"))
