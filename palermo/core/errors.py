"""Domain errors that the API and CLI map to one error shape."""

from __future__ import annotations


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

    def __init__(
        self, detail: str = "You do not have permission for this.", code: str = "forbidden"
    ) -> None:
        super().__init__(detail, code)
