"""How long free text may be: one set of limits for models, forms and API schemas.

- `NOTE_MAX` (a note, a comment, a reason), `TEXT_MAX` (a description, reasoning, a summary):
  characters, for `TextField(max_length=...)` (Django then gives its form field `maxlength` and
  checks it) plus `text_limit(...)` (checked by `full_clean`, so services refuse it too).
- `Note`, `Text`: `str` of at most NOTE_MAX / TEXT_MAX characters for a django-ninja schema
  (or `Field(max_length=...)`); a longer value is a 422 naming the field and the limit
  ("comment: String should have at most 4000 characters"), never echoing the value.
- `unlimited_text_fields(app_label)`: the TextFields of an app's models that have no limit (the
  tests of each app keep it empty), leaving out `NOT_FREE_TEXT`: fields whose stored value is not
  what a person typed (ciphertext), each with the reason. Their plaintext is limited where it is
  typed (the identity's, guardian's and extract's own fields); a character limit on the
  ciphertext would only refuse a valid encryption of valid input.
"""

from __future__ import annotations

from typing import Annotated

from django.apps import apps
from django.core.validators import MaxLengthValidator
from django.db import models
from pydantic import StringConstraints

NOTE_MAX = 4_000
TEXT_MAX = 20_000


def text_limit(most: int) -> MaxLengthValidator:
    """The validator of a TextField's `max_length` (which Django checks in forms only)."""
    return MaxLengthValidator(most)


# Schema field types (django-ninja/pydantic): `comment: Note`, `description: Text`.
Note = Annotated[str, StringConstraints(max_length=NOTE_MAX)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]


# "app_label.Model.field": why the TextField holds no free text (so it has no text limit).
NOT_FREE_TEXT: dict[str, str] = {
    "cases.PersonIdentity.ciphertext": "the encrypted identity (its fields are limited as typed)",
    "cases.PersonPhoto.ciphertext": "an encrypted image (its size is limited on upload)",
    "cases.Guardian.name_ciphertext": "the encrypted guardian's name (limited as typed)",
    "cooperation.SharedCaseExtract.ciphertext": "the encrypted extract built from limited fields",
}


def unlimited_text_fields(app_label: str) -> list[str]:
    """`Model.field` for every TextField of the app without a max_length and its validator,
    except those in NOT_FREE_TEXT."""
    found = []
    for model in apps.get_app_config(app_label).get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.TextField):
                continue
            if "{}.{}.{}".format(app_label, model.__name__, field.name) in NOT_FREE_TEXT:
                continue
            checked = any(isinstance(v, MaxLengthValidator) for v in field.validators)
            if not field.max_length or not checked:
                found.append("{}.{}".format(model.__name__, field.name))
    return found
