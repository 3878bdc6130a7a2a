"""JSON answers rendered once and served as bytes.

django-ninja checks every answer against its response schema by reading each field of each
object through its `DjangoGetter`, then encodes it: for a large answer that is kept in memory
(the registry's party lists) this costs ten times what finding the answer does. An answer kept
for many requests is checked and encoded once, by `rendered_json`, and the view returns the
bytes in a `JsonBytes` response, which ninja passes through unchanged; the operation keeps its
`response=` schema for the OpenAPI document, and the bytes are exactly what that schema checked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Schema

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def rendered_json(schema: type[Schema], answer: Any) -> bytes:
    """`answer` checked against `schema` (pydantic's validation; a mismatch raises as ninja
    would) and encoded as UTF-8 JSON, field names as the schema's aliases."""
    return schema.model_validate(answer).model_dump_json(by_alias=True).encode()


class JsonBytes(HttpResponse):
    """A 200 answer whose body is JSON already rendered by `rendered_json`."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        super().__init__(body, status=status, content_type=JSON_CONTENT_TYPE)
