"""A person's identity documents: always a list of objects of strings where they are stored
(the encrypted identity) and answered (the API's `IdentityOut`); free text, as the web form and
the CSV column give it, becomes one document with a description. D1 of issue 11: a text where
the API promised a list answered 500."""

from __future__ import annotations

from typing import Any

# The keys of an identity document, in the order `documents_text` writes them.
DOCUMENT_KEYS = ("type", "number", "country", "description")


def documents_list(value: object) -> list[dict[str, str]]:
    """Identity documents as stored and answered: a list of objects of strings
    (`{"type": "passport", "number": "...", "country": "ZWE"}`). Free text (the web form's, an
    import's column, data written before it was a list) becomes one `{"description": text}`.
    Raises ValueError for anything else (the value is not quoted)."""
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else [value]
    out: list[dict[str, str]] = []
    for item in items:
        if isinstance(item, str):
            if item.strip():
                out.append({"description": item.strip()})
        elif isinstance(item, dict):
            doc = {str(k): str(v).strip() for k, v in item.items() if v not in (None, "")}
            if doc:
                out.append(doc)
        else:
            raise ValueError("documents must be a list of objects or a text")
    return out


def documents_text(value: object) -> str:
    """Identity documents as one line of text (pages, CSV exports): '; ' between documents."""
    try:
        docs = documents_list(value)
    except ValueError:
        return ""
    parts = []
    for doc in docs:
        known = [doc[k] for k in DOCUMENT_KEYS if doc.get(k)]
        known += [v for k, v in doc.items() if k not in DOCUMENT_KEYS and v]
        parts.append(" ".join(known))
    return "; ".join(parts)


def identity_normalise(identity: dict[str, Any]) -> dict[str, Any]:
    """An identity as stored: its documents a list (`documents_list`), dropped when empty."""
    if "documents" not in identity:
        return identity
    out = dict(identity)
    try:
        out["documents"] = documents_list(identity["documents"])
    except ValueError:
        out["documents"] = []
    if not out["documents"]:
        del out["documents"]
    return out
