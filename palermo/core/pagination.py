"""One way to page a list, for the API and for the pages: a page number out of range never
reaches the database (an offset past SQLite's 64-bit integers was a 500).

- API (`Pagination`, for `@paginate(Pagination)`): `page` from 1 to `MAX_PAGE`, `page_size`
  from 1 to `NINJA_MAX_PER_PAGE_SIZE` (both declared in the OpenAPI schema; anything else is a
  422 in the one error shape); a page past the last answers no items and the true `count`.
- Pages (`page_get`): anything that is not a page number shows the first page, a number past
  the last shows the last page (Django's `Paginator.get_page`), bounded before it is parsed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# The largest page number the API accepts: with the largest page size the offset stays far
# below 2**63 (SQLite's and PostgreSQL's bigint).
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE: int = getattr(settings, "NINJA_MAX_PER_PAGE_SIZE", 500)
PAGE_SIZE: int = getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50)


class Pagination(PageNumberPagination):
    """`PageNumberPagination` with declared bounds, and no query for a page past the last."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="page number, from 1")
        page_size: int | None = Field(
            None,
            ge=1,
            le=MAX_PAGE_SIZE,
            description="items per page (default {}, at most {})".format(PAGE_SIZE, MAX_PAGE_SIZE),
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        size = self._get_page_size(pagination.page_size)
        count = self._items_count(queryset)
        offset = (pagination.page - 1) * size
        items = queryset[offset : offset + size] if offset < count else []
        return {self.items_attribute: items, "count": count}


def page_get(object_list: Any, number: object, per_page: int) -> Page[Any]:
    """The page `number` (a query-string value) of `object_list` for a web page: the first page
    for anything that is not a positive number, the last for a number past it."""
    text = str(number or "").strip()
    value = int(text) if text.isdigit() and len(text) <= len(str(MAX_PAGE)) else None
    paginator = Paginator(object_list, per_page)
    if value is None or value < 1:
        return paginator.page(1)
    return paginator.get_page(min(value, max(paginator.num_pages, 1)))


def page_slice(queryset: QuerySet[Any], page: int, size: int) -> tuple[Any, int]:
    """The items of page `page` (from 1) of `size` items, and the count of all items; a page
    past the last is empty without a query for it."""
    count = queryset.count()
    offset = (page - 1) * size
    return (queryset[offset : offset + size] if 0 <= offset < count else []), count
