"""What a report says, encrypted as one token, and the codes a report is known by (issue 18)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field

from palermo.core.crypto import decrypt_text, encrypt_text
from palermo.intake.models import Report

# Crockford's base 32: no I, L, O, U (read aloud over a phone without confusion).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 16  # 80 bits
TEXT_MAX = 20_000


@dataclass
class Account:
    """What a report says, encrypted as one token."""

    what: str  # what is happening
    where: str = ""  # the place: town, address, workplace
    employer: str = ""  # an employer, business or recruiter named
    people: str = ""  # the people named or described
    contact: dict[str, str] = field(default_factory=dict)  # name, phone, email, how to reach

    def encrypt(self) -> str:
        return encrypt_text(json.dumps(asdict(self), ensure_ascii=False, sort_keys=True))

    @classmethod
    def decrypt(cls, token: str) -> Account:
        data = json.loads(decrypt_text(token))
        return cls(**{k: data.get(k, "") for k in ("what", "where", "employer", "people")},
                   contact=dict(data.get("contact") or {}))  # fmt: skip


def random_code(n: int) -> str:
    """`n` characters of the alphabet, each from the system's secure source."""
    return "".join(secrets.choice(ALPHABET) for _i in range(n))


def code_format(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(code: str) -> str:
    """The stored form of a follow-up code, whatever its spacing, dashes or case (and O read
    as 0, I and L as 1, as Crockford's base 32 reads them)."""
    clean = "".join(ch for ch in code.upper() if ch.isalnum())
    clean = clean.translate(str.maketrans("OIL", "011"))
    return hashlib.sha256(clean.encode()).hexdigest()


def account_of(report: Report) -> Account:
    return Account.decrypt(report.ciphertext)
