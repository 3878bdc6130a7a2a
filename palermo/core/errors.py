"""Domain errors that the API, the pages and the CLI map to one error shape.

Their `detail` is for people (translatable, see `gettext` at the raise); their `code` is a stable
machine-readable name.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class ApplicationError(Exception):
    """A request that cannot be carried out; `code` is a stable machine-readable name."""

    status = 400

    def __init__(self, detail: str, code: str = "invalid") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class NotFoundError(ApplicationError):
    status = 404

    def __init__(self, detail: str, code: str = "not_found") -> None:
        super().__init__(detail, code)


class ForbiddenError(ApplicationError):
    status = 403

    def __init__(self, detail: str | None = None, code: str = "forbidden") -> None:
        super().__init__(
            _("You do not have permission for this.") if detail is None else detail, code
        )
