"""Finding a person by name without decrypting identities: a blind index.

Identities are encrypted (palermo.core.crypto), so the database cannot compare names. Beside each
identity, `PersonNameToken` keeps keyed hashes (HMAC-SHA256 with the node's name index key,
PALERMO_NAME_INDEX_KEY or `name_index_key` in PALERMO_KEY_DIR, apart from the data and from the
field keys) of the forms of every token of the person's names (first, middle, family name and
aliases):

- `exact`: the token case-folded, accents stripped ("OKAFÒR" -> "okafor"), in its own script;
- `exact` too: its transliteration to Latin (anyascii: "Окафор" -> "okafor"), so a name written
  in another script finds the same person;
- `sound`: the Metaphone code of the transliteration ("Ocafor", "Okaphor" -> "OKFR"), for names
  heard and spelt differently. Metaphone (jellyfish, a maintained library with a compiled core)
  rather than Soundex (keeps the first letter, so "Ocafor" and "Kafor" never meet) or NYSIIS
  (keeps vowels, so fewer variants meet).

Names are split into tokens on spaces, hyphens, apostrophes and punctuation. A search computes
the same hashes of the words asked for; a person matches when every word matches one of their
tokens (exactly, or by sound), and exact matches rank first. Nothing in the table is plaintext
and nothing is decrypted to search. A hash reveals equal tokens to whoever reads the table (as
any blind index does), not what they are: without the key a guessed name cannot be tested.

The index is written in the transaction that writes the identity (`name_index_set`, from the
services and the bulk writer), goes with the identity when it is deleted or anonymised (the
rows cascade), and is rebuilt from the identities by `palermo cases reindex-names` (after the
name index key changes, or for identities written before the index existed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import jellyfish
from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

# The identity keys that hold names (services.fields.IDENTITY_FIELDS); `aliases` is a list.
NAME_FIELDS = ("first_name", "middle_name", "second_name", "aliases")
EXACT = "e"
SOUND = "s"
DIGEST_LENGTH = 32  # hex characters (128 bits)
# A search of more words than this is cut (a name is a few words; this bounds the query).
MAX_QUERY_TOKENS = 8

_SPLIT = re.compile(r"[\s\-\u2010-\u2015'\u2018\u2019\u02bc\u02bb`\u00b4.,;:/()\"]+")
_NOT_LATIN = re.compile(r"[^a-z]")


def name_index_key() -> bytes:
    """The name index key's 32 bytes (settings.PALERMO_NAME_INDEX_KEY, base64)."""
    try:
        key = base64.b64decode(settings.PALERMO_NAME_INDEX_KEY, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "PALERMO_NAME_INDEX_KEY (or name_index_key in PALERMO_KEY_DIR) is not base64 of 32 "
            "bytes"
        )
    return key


def _fold(text: str) -> str:
    """Case-folded, without accents (the marks NFKD splits off), recomposed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare)


def name_tokens(text: str) -> list[str]:
    """The words of a name, folded ("Okafor-Ádébáyọ̀ O'Neil" -> okafor, adebayo, o, neil)."""
    return [t for t in (_fold(part) for part in _SPLIT.split(text)) if any(c.isalnum() for c in t)]


def token_forms(token: str) -> set[tuple[str, str]]:
    """(kind, form) of one folded token: itself, its Latin transliteration, their sound."""
    latin = _NOT_LATIN.sub("", anyascii(token).lower())
    forms = {(EXACT, token)}
    if latin:
        forms.add((EXACT, latin))
        sound = jellyfish.metaphone(latin)
        if sound:
            forms.add((SOUND, sound))
    return forms


def digest(kind: str, form: str, key: bytes | None = None) -> str:
    mac = hmac.new(key or name_index_key(), "{}:{}".format(kind, form).encode(), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_LENGTH]


def identity_names(identity: Mapping[str, Any]) -> list[str]:
    """The name texts of an identity (first, middle, family name and each alias)."""
    texts: list[str] = []
    for name in NAME_FIELDS:
        value = identity.get(name)
        if isinstance(value, list):
            texts.extend(str(v) for v in value if v)
        elif value:
            texts.append(str(value))
    return texts


def identity_digests(identity: Mapping[str, Any], key: bytes | None = None) -> set[tuple[str, str]]:
    """(kind, digest) of every form of every token of the identity's names."""
    key = key or name_index_key()
    return {
        (kind, digest(kind, form, key))
        for text in identity_names(identity)
        for token in name_tokens(text)
        for kind, form in token_forms(token)
    }


def query_digests(text: str) -> list[dict[str, set[str]]]:
    """Per word asked for (at most MAX_QUERY_TOKENS), its digests by kind."""
    key = name_index_key()
    out: list[dict[str, set[str]]] = []
    for token in name_tokens(text)[:MAX_QUERY_TOKENS]:
        by_kind: dict[str, set[str]] = {EXACT: set(), SOUND: set()}
        for kind, form in token_forms(token):
            by_kind[kind].add(digest(kind, form, key))
        out.append(by_kind)
    return out


def name_index_rows(person_id: Any, identity: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The PersonNameToken rows (as field values) of one identity."""
    return [
        {"identity_id": person_id, "kind": kind, "digest": value}
        for kind, value in sorted(identity_digests(identity))
    ]


def name_index_set(person_id: Any, identity: Mapping[str, Any]) -> int:
    """Replace the index rows of one identity; call in the transaction that writes it."""
    from palermo.cases.models import PersonNameToken  # noqa: PLC0415

    PersonNameToken.objects.filter(identity_id=person_id).delete()
    rows = [PersonNameToken(**row) for row in name_index_rows(person_id, identity)]
    PersonNameToken.objects.bulk_create(rows)
    return len(rows)


def match_scores(
    query: list[dict[str, set[str]]], found: Iterable[tuple[Any, str]]
) -> dict[Any, int]:
    """Persons whose tokens match every word of the query -> score (2 per exact word, 1 per word
    matched by sound only); `found` holds (person id, digest) rows matching any word."""
    digests: dict[Any, set[str]] = {}
    for pid, value in found:
        digests.setdefault(pid, set()).add(value)
    scores: dict[Any, int] = {}
    for pid, held in digests.items():
        score = 0
        for word in query:
            if word[EXACT] & held:
                score += 2
            elif word[SOUND] & held:
                score += 1
            else:
                break
        else:
            scores[pid] = score
    return scores


def name_index_check() -> str:
    """Why the stored index does not fit the name index key, or "": one indexed identity is
    decrypted and its digests computed again (the start-up check)."""
    from palermo.cases.models import PersonIdentity, PersonNameToken  # noqa: PLC0415
    from palermo.core.crypto import decrypt_json  # noqa: PLC0415
    from palermo.core.errors import ApplicationError  # noqa: PLC0415

    row = PersonNameToken.objects.order_by("-id").values_list("identity_id", flat=True).first()
    if row is None:
        return ""
    identity = PersonIdentity.objects.filter(pk=row).first()
    if identity is None:
        return ""
    try:
        data = decrypt_json(identity.ciphertext)
        expected = {d for _kind, d in identity_digests(data)}
    except (ApplicationError, ImproperlyConfigured):
        return ""  # an unreadable identity or key is reported by the other checks
    stored = set(PersonNameToken.objects.filter(identity_id=row).values_list("digest", flat=True))
    if stored != expected:
        return _(
            "The name search index was built with another name index key (PALERMO_NAME_INDEX_KEY, "
            "or name_index_key in PALERMO_KEY_DIR): use the key it was built with, or rebuild it "
            "with `palermo cases reindex-names`."
        )
    return ""


def name_key_new() -> str:
    """Replace the name index key file with a new key and use it (the index must be rebuilt
    next). Refused when the key comes from PALERMO_NAME_INDEX_KEY."""
    import os  # noqa: PLC0415

    from palermo.core.errors import ApplicationError  # noqa: PLC0415
    from palermo.settings import env  # noqa: PLC0415

    if os.environ.get("PALERMO_NAME_INDEX_KEY", "").strip():
        raise ApplicationError(
            _(
                "The name index key comes from PALERMO_NAME_INDEX_KEY: set a new one there "
                "(base64 of 32 random bytes), restart, and run `palermo cases reindex-names`."
            ),
            code="keys_from_environment",
        )
    path = env.key_file("name_index_key")
    tmp = path.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    env.private_file_write(tmp, env.new_key_text("name_index_key"), exclusive=True)
    tmp.replace(path)
    settings.PALERMO_NAME_INDEX_KEY = path.read_text().strip()
    return str(path)


def name_index_rebuild(batch_size: int = 500) -> tuple[int, int]:
    """Rebuild the whole index from the identities (each decrypted once) with the current key,
    in one transaction, audited. Returns (identities, index rows)."""
    from django.db import transaction  # noqa: PLC0415

    from palermo.cases.audit_kinds import NAME_INDEX  # noqa: PLC0415
    from palermo.cases.models import PersonIdentity, PersonNameToken  # noqa: PLC0415
    from palermo.core.audit import audit_record  # noqa: PLC0415
    from palermo.core.choices import AuditAction  # noqa: PLC0415
    from palermo.core.crypto import decrypt_json  # noqa: PLC0415

    key = name_index_key()
    identities = rows = 0
    with transaction.atomic():
        PersonNameToken.objects.all().delete()
        pending: list[PersonNameToken] = []
        qs = PersonIdentity.objects.order_by("pk").only("pk", "ciphertext")
        for identity in qs.iterator(chunk_size=batch_size):
            identities += 1
            for kind, value in sorted(identity_digests(decrypt_json(identity.ciphertext), key)):
                pending.append(PersonNameToken(identity_id=identity.pk, kind=kind, digest=value))
            if len(pending) >= batch_size * 10:
                PersonNameToken.objects.bulk_create(pending, batch_size=2000)
                rows += len(pending)
                pending = []
        PersonNameToken.objects.bulk_create(pending, batch_size=2000)
        rows += len(pending)
        audit_record(
            actor=None,
            actor_label="reindex-names",
            action=AuditAction.UPDATE,
            kind=NAME_INDEX,
            object_id="name-index",
            after={"identities": identities, "index_rows": rows},
        )
    return identities, rows
