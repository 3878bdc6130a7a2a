"""Lists in a sentence as the reader's language writes them: "a, b, c" in English, French,
Spanish and Russian, "甲、乙、丙" in Chinese, "أ، ب، ج" in Arabic."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def list_text(items: Iterable[object]) -> str:
    """The items joined with the language's list separator."""
    return pgettext("list separator", ", ").join(str(item) for item in items)


def labels_text(labels: Iterable[object]) -> str:
    """Choice labels as one list: the first as written, the others starting in lower case
    where their first word is an ordinary word ("At a business, through family"); acronyms
    ("ILO ...") and scripts without case are left as they are."""
    out = []
    for index, text in enumerate(str(label) for label in labels):
        ordinary = len(text) > 1 and text[0].isupper() and text[1].islower()
        out.append(text[0].lower() + text[1:] if index and ordinary else text)
    return list_text(out)
