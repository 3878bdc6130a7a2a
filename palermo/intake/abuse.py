"""The public form's defences against abuse, with no third-party service (issue 18):

- **Proof of work** (hashcash): the form carries a signed challenge; the browser finds a
  number whose SHA-256 with the challenge starts with `difficulty` zero bits (about 65,000
  tries at 16 bits: under a second on a phone, `static/intake/pow.js`), the server checks it
  with one hash. A challenge is used once and expires.
- **Not too fast**: a form sent less than `MIN_SECONDS` after it was served is refused (a
  person takes longer to type a report).
- **Rate limit per network**: reports from one address per hour, fewer for a form sent without
  the proof of work (the form works without JavaScript, with that limit). The address is never
  stored: only a keyed hash of it that changes every day, with the hour's count, apart from the
  reports.
- A hidden field people do not fill (a bot fills every field).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.intake.models import ReportWindow, SpentChallenge

SALT = "palermo.intake.challenge"
MIN_SECONDS = 3
MAX_AGE = 2 * 3600  # a challenge older than this is refused: the page is loaded again


class RefusedError(ApplicationError):
    """Too many reports, or a form that failed the checks (HTTP 429 or 400)."""

    status = 429


@dataclass(frozen=True)
class Challenge:
    token: str
    difficulty: int


def difficulty() -> int:
    return settings.PALERMO_INTAKE_POW_BITS


def challenge_new() -> Challenge:
    """A fresh signed challenge for a form."""
    bits = difficulty()
    token = signing.TimestampSigner(salt=SALT).sign("{}:{}".format(secrets.token_hex(12), bits))
    return Challenge(token, bits)


def _zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def solves(token: str, solution: str, bits: int) -> bool:
    digest = hashlib.sha256("{}:{}".format(token, solution).encode()).digest()
    return _zero_bits(digest) >= bits


def solve(token: str, bits: int) -> str:
    """The proof of work, as a browser computes it (for tests and benchmarks)."""
    n = 0
    while not solves(token, str(n), bits):
        n += 1
    return str(n)


def challenge_check(token: str, solution: str, *, now: dt.datetime | None = None) -> bool:
    """Whether the form was sent with the proof of work (True) or without it (False);
    RefusedError when the challenge is forged, expired, sent too fast or used already."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=MAX_AGE)
        issued = dt.datetime.fromtimestamp(signing.b62_decode(token.split(":")[-2]), tz=dt.UTC)
    except (signing.BadSignature, ValueError, IndexError):
        raise RefusedError(
            _("The form has expired: load the page again and send the report again."),
            code="expired_form",
        ) from None
    current = now or timezone.now()
    if (current - issued).total_seconds() < MIN_SECONDS:
        raise RefusedError(
            _("The form was sent too fast: take a moment, then send it again."), code="too_fast"
        )
    nonce, _sep, bits = value.partition(":")
    if not solution:
        return False
    if not solves(token, solution, int(bits)):
        raise RefusedError(
            _("The form's check failed: load the page again and send the report again."),
            code="bad_proof",
        )
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(nonce=nonce)
    except IntegrityError:
        raise RefusedError(
            _("This form was sent already: load the page again to send another report."),
            code="spent",
        ) from None
    SpentChallenge.objects.filter(spent_at__lt=current - dt.timedelta(seconds=MAX_AGE)).delete()
    return True


def _network_key(address: str, day: dt.date) -> str:
    secret = "{}:intake:{}".format(settings.SECRET_KEY, day.isoformat()).encode()
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()


def rate_check(address: str, *, proven: bool, now: dt.datetime | None = None) -> None:
    """Count a report from `address` in its hour; RefusedError over the limit (fewer without
    the proof of work). The address itself is not stored."""
    current = now or timezone.now()
    hour = current.replace(minute=0, second=0, microsecond=0)
    limit = int(
        settings.PALERMO_INTAKE_REPORTS_PER_HOUR
        if proven
        else settings.PALERMO_INTAKE_REPORTS_PER_HOUR_WITHOUT_PROOF
    )
    key = _network_key("{}:{}".format("proven" if proven else "plain", address), current.date())
    with transaction.atomic():
        window, _created = ReportWindow.objects.get_or_create(key=key, window_start=hour)
        if window.count >= limit:
            raise RefusedError(
                _(
                    "Too many reports from your network this hour: try again later, or call the "
                    "hotline."
                ),
                code="throttled",
            )
        ReportWindow.objects.filter(pk=window.pk).update(count=F("count") + 1)
    ReportWindow.objects.filter(window_start__lt=hour - dt.timedelta(hours=1)).delete()
