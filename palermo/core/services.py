"""Writes of the core app: organisations, users, API tokens, countries, sources, and the one
way a reference data loader brings a row in line with its file (`reference_row_sync`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import pycountry
from babel import Locale
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record, model_snapshot
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import (
    ApiToken,
    BearerFailure,
    Country,
    Document,
    Organisation,
    Source,
    User,
)
from palermo.core.permissions import AnyUser, require_role
from palermo.core.prepared import Prepared
from palermo.core.throttle import bearer_check, blocked_windows, window_values

UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
ORG_FIELDS = ["name", "kind", "country", "parent"]
USER_FIELDS = ["username", "organisation", "role", "is_active"]
TOKEN_PREFIX = "plm_"  # noqa: S105 - a public prefix, not a secret
NAME_MAX = 100  # of a token's name (ApiToken.name)


# --- countries -------------------------------------------------------------------------------


def country_get(code: str, field: str = "country") -> Country:
    """A country by ISO alpha-3 (or alpha-2); a clear error naming `field` (never the value
    given, which may be anything a person typed) when the code is unknown."""
    value = (code or "").strip().upper()
    country = Country.objects.filter(iso3=value).first()
    if country is None and len(value) == 2:
        country = Country.objects.filter(iso2=value).first()
    if country is None:  # a bad value in the input (400), not a missing resource (404)
        raise ApplicationError(
            _("Unknown country code in {}: use ISO 3166-1 alpha-3 such as BWA.").format(field),
            code="unknown_country",
        )
    return country


# Former states the registry's sources name, in the six languages: CLDR has no names for them;
# these are the names the UN's language versions used (UNTERM, https://unterm.un.org, and the
# UN Treaty Collection's participant lists of their time).
HISTORICAL_NAMES: dict[str, dict[str, str]] = {
    "SCG": {
        "ar": "صربيا والجبل الأسود",
        "zh": "塞尔维亚和黑山",
        "en": "Serbia and Montenegro",
        "fr": "Serbie-et-Monténégro",
        "ru": "Сербия и Черногория",
        "es": "Serbia y Montenegro",
    },
    "YUG": {
        "ar": "يوغوسلافيا",
        "zh": "南斯拉夫",
        "en": "Yugoslavia",
        "fr": "Yougoslavie",
        "ru": "Югославия",
        "es": "Yugoslavia",
    },
    "SUN": {
        "ar": "اتحاد الجمهوريات الاشتراكية السوفياتية",
        "zh": "苏维埃社会主义共和国联盟",
        "en": "Union of Soviet Socialist Republics",
        "fr": "Union des Républiques socialistes soviétiques",
        "ru": "Союз Советских Социалистических Республик",
        "es": "Unión de Repúblicas Socialistas Soviéticas",
    },
    "CSK": {
        "ar": "تشيكوسلوفاكيا",
        "zh": "捷克斯洛伐克",
        "en": "Czechoslovakia",
        "fr": "Tchécoslovaquie",
        "ru": "Чехословакия",
        "es": "Checoslovaquia",
    },
    "DDR": {
        "ar": "جمهورية ألمانيا الديمقراطية",
        "zh": "德意志民主共和国",
        "en": "German Democratic Republic",
        "fr": "République démocratique allemande",
        "ru": "Германская Демократическая Республика",
        "es": "República Democrática Alemana",
    },
}


def _cldr_names(alpha2: str, fallback: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for lang in UN_LANGUAGES:
        locale = Locale.parse("zh_Hans" if lang == "zh" else lang)
        name = locale.territories.get(alpha2) if alpha2 else None
        names[lang] = str(name) if name else fallback
    return names


def country_reference_rows() -> list[dict[str, Any]]:
    """Every ISO 3166-1 country plus ISO 3166-3 historical entities, with UN-language names."""
    rows: list[dict[str, Any]] = []
    for c in pycountry.countries:
        rows.append(
            {
                "iso3": c.alpha_3,
                "iso2": c.alpha_2,
                "numeric": c.numeric,
                "name": getattr(c, "common_name", None) or c.name,
                "official_name": getattr(c, "official_name", ""),
                "names": _cldr_names(c.alpha_2, getattr(c, "common_name", None) or c.name),
                "historical": False,
                "withdrawn": "",
            }
        )
    current = {r["iso3"] for r in rows}
    for h in pycountry.historic_countries:
        if h.alpha_3 in current:
            continue
        alpha2 = h.alpha_2 if len(getattr(h, "alpha_2", "")) == 2 else ""
        rows.append(
            {
                "iso3": h.alpha_3,
                "iso2": "",
                "numeric": getattr(h, "numeric", "") or "",
                "name": h.name,
                "official_name": "",
                "names": HISTORICAL_NAMES.get(h.alpha_3)
                or (_cldr_names(alpha2, h.name) if alpha2 == "CS" else {"en": h.name}),
                "historical": True,
                "withdrawn": getattr(h, "withdrawal_date", ""),
            }
        )
    return rows


@transaction.atomic
def countries_load() -> int:
    """Create or update the country table from pycountry and CLDR. Returns rows changed."""
    changed = 0
    existing = {c.iso3: c for c in Country.objects.all()}
    new = []
    for row in country_reference_rows():
        current = existing.get(row["iso3"])
        if current is None:
            new.append(Country(**row))
            changed += 1
            continue
        if any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            current.save()
            changed += 1
    Country.objects.bulk_create(new, batch_size=500)
    return changed


# --- organisations ---------------------------------------------------------------------------


def organisation_get(name: str) -> Organisation:
    org = Organisation.objects.filter(name=name).first()
    if org is None:
        raise NotFoundError(
            _("No organisation named '{}'.").format(name), code="unknown_organisation"
        )
    return org


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    kind: str,
    country: str | None = None,
    parent: str | None = None,
    system: bool = False,
) -> Organisation:
    """Create an organisation. Administrators only (the CLI acts as the system)."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if kind not in OrganisationKind.values:
        raise ApplicationError(
            _("Unknown organisation kind '{}': use one of {}.").format(
                kind, ", ".join(OrganisationKind.values)
            ),
            code="unknown_kind",
        )
    if Organisation.objects.filter(name=name).exists():
        raise ApplicationError(
            _("An organisation named '{}' already exists.").format(name), code="duplicate"
        )
    org = Organisation(
        name=name.strip(),
        kind=kind,
        country=country_get(country) if country else None,
        parent=organisation_get(parent) if parent else None,
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=org,
        after=model_snapshot(org, ORG_FIELDS),
    )
    return org


def organisation_ensure(
    *, name: str, kind: str, country: Country | None, actor_label: str
) -> Organisation:
    """Get or create an organisation for reference data (directory); audited when created."""
    org = Organisation.objects.filter(name=name).first()
    if org is not None:
        return org
    org = Organisation(name=name, kind=kind, country=country)
    org.full_clean()
    org.save()
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=AuditAction.CREATE,
        obj=org,
        after=model_snapshot(org, ORG_FIELDS),
    )
    return org


# --- users and tokens ------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    organisation: str,
    role: str,
    password: str | None = None,
    email: str = "",
    system: bool = False,
    one_time: bool = False,
) -> tuple[User, str | None]:
    """Create a user. Returns the user and the generated password when none was given; with
    `one_time`, the user must replace a generated password at the first login."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if role not in Role.values:
        raise ApplicationError(
            _("Unknown role '{}': use one of {}.").format(role, ", ".join(Role.values)),
            code="unknown_role",
        )
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("User '{}' already exists.").format(username), code="duplicate")
    org = organisation_get(organisation)
    generated = None
    if not password:
        generated = secrets.token_urlsafe(18)
        password = generated
    user = User(
        username=username,
        organisation=org,
        role=role,
        email=email,
        is_staff=role == Role.ADMINISTRATOR,
        must_change_password=one_time and generated is not None,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password") from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        after=model_snapshot(user, USER_FIELDS),
    )
    return user, generated


def token_digest(secret: str) -> str:
    """What is stored of a token: its SHA-256 (the secret itself never is)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token_days(expires_days: int | None) -> int:
    days = settings.PALERMO_TOKEN_DAYS if expires_days is None else expires_days
    if not 1 <= days <= settings.PALERMO_TOKEN_MAX_DAYS:
        raise ApplicationError(
            _("A token is valid for 1 to {} days, not {}.").format(
                settings.PALERMO_TOKEN_MAX_DAYS, days
            ),
            code="invalid_expiry",
        )
    return days


@transaction.atomic
def token_issue(
    *, actor: User | None, user: User, name: str = "", expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue an API token for `user`, valid `expires_days` (default PALERMO_TOKEN_DAYS). Returns
    the token and its secret, which is shown once and never stored (only its digest is)."""
    if actor is not None and actor.pk != user.pk:
        require_role(actor, Role.ADMINISTRATOR)
    if not user.is_active:
        raise ApplicationError(
            _("User '{}' is deactivated.").format(user.username), code="inactive_user"
        )
    name = name.strip()
    if len(name) > NAME_MAX:
        raise ApplicationError(
            _("A token's name has at most {} characters.").format(NAME_MAX), code="invalid_name"
        )
    days = _token_days(expires_days)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:12],
        digest=token_digest(secret),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(
        actor=actor,
        action=AuditAction.TOKEN,
        obj=token,
        after={
            "user": user.pk,
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )
    return token, secret


def token_create(
    *, actor: User | None, user: User, name: str = "", expires_days: int | None = None
) -> str:
    """Issue an API token for `user` (see `token_issue`); returns the secret alone."""
    return token_issue(actor=actor, user=user, name=name, expires_days=expires_days)[1]


def _valid_tokens(digest: str, now: dt.datetime) -> models.QuerySet[ApiToken]:
    return (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=digest, revoked_at__isnull=True, expires_at__gt=now)
        .order_by("pk")
    )


# The token lookup of every API request, with its address's throttle (compiled once).
TOKEN_LOOKUP: Prepared[ApiToken] = Prepared(
    lambda digest, now, address, since, limit: _valid_tokens(digest, now).annotate(
        address_blocked=Exists(blocked_windows(address, since=since, limit=limit))
    )[:1],
    value_fields=lambda: [
        ApiToken._meta.get_field("digest"),
        ApiToken._meta.get_field("expires_at"),
        BearerFailure._meta.get_field("address"),
        BearerFailure._meta.get_field("window_start"),
        BearerFailure._meta.get_field("count"),
    ],
)


def token_find(secret: str, *, address: str | None = None) -> ApiToken | None:
    """The valid token (not revoked, not expired, of an active user) with this secret, or None.
    Marks it used (at most every few minutes, to spare writes).

    With the client's `address`, the same query asks whether that address is refused for its
    invalid tokens (palermo.core.throttle), and ThrottledError is raised if it is, valid token
    or not."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    digest = token_digest(secret)
    if address is not None:
        found = TOKEN_LOOKUP.fetch(digest, now, *window_values(address))
        token = found[0] if found else None
    else:
        token = _valid_tokens(digest, now).first()
    if token is not None and getattr(token, "address_blocked", False):
        bearer_check(address or "")  # raises, with the time left
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_authenticate(secret: str) -> User | None:
    """The active user a valid bearer token belongs to, or None."""
    token = token_find(secret)
    return token.user if token is not None else None


@transaction.atomic
def token_revoke(*, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token: its owner or an administrator (the CLI acts as the system). A token that
    is someone else's does not exist for other users. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None or (
        actor is not None and token.user_id != actor.pk and not actor.has_role(Role.ADMINISTRATOR)
    ):
        raise NotFoundError(_("No API token {}.").format(token_id), code="unknown_token")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TOKEN_REVOKE,
        obj=token,
        after={"user": token.user_id, "prefix": token.prefix},
    )
    return token


# --- deactivation, reactivation, roles, passwords, invitations --------------------------------


def _keep_an_administrator(user: User) -> None:
    """Refuse a change that would leave the node without an active administrator (the
    administrators' rows are locked, so two of them cannot remove each other at once)."""
    if user.role != Role.ADMINISTRATOR or not user.is_active:
        return
    admins = User.objects.select_for_update().filter(role=Role.ADMINISTRATOR, is_active=True)
    if not [pk for pk in admins.values_list("pk", flat=True) if pk != user.pk]:
        raise ApplicationError(
            _("'{}' is the last active administrator of this node.").format(user.username),
            code="last_administrator",
        )


@transaction.atomic
def user_set_role(*, actor: User | None, user: User, role: str, system: bool = False) -> User:
    """Give a user another role (an administrator also gets `is_staff`); the node keeps at
    least one active administrator. Setting the role a user has changes nothing."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if role not in Role.values:
        raise ApplicationError(
            _("Unknown role '{}': use one of {}.").format(role, ", ".join(Role.values)),
            code="unknown_role",
        )
    if user.role == role:
        return user
    if role != Role.ADMINISTRATOR:
        _keep_an_administrator(user)
    before = {"role": user.role}
    user.role = role
    user.is_staff = role == Role.ADMINISTRATOR
    user.save(update_fields=["role", "is_staff"])
    audit_record(
        actor=actor, action=AuditAction.UPDATE, obj=user, before=before, after={"role": role}
    )
    return user


@transaction.atomic
def user_invitation(*, actor: User | None, user: User, system: bool = False) -> str:
    """A link path with which `user` sets their own password (Django's password-reset token:
    valid PASSWORD_RESET_TIMEOUT seconds, and only until the password changes, so it works
    once). Administrators only; audited (never the token)."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if not user.is_active:
        raise ApplicationError(
            _("User '{}' is deactivated.").format(user.username), code="inactive_user"
        )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    audit_record(
        actor=actor,
        action=AuditAction.INVITE,
        obj=user,
        after={"valid_seconds": settings.PASSWORD_RESET_TIMEOUT},
    )
    return reverse("web:invitation", kwargs={"uidb64": uid, "token": token})


def user_get(username: str) -> User:
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is None:
        raise NotFoundError(_("No user named '{}'.").format(username), code="unknown_user")
    return user


def sessions_end(user: User) -> int:
    """Delete every session logged in as `user`. Returns how many were ended."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User, system: bool = False) -> dict[str, int]:
    """The user can no longer log in: their API tokens are revoked and their sessions end.
    Returns how many tokens were revoked and sessions ended."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if not user.is_active:
        raise ApplicationError(
            _("User '{}' is already deactivated.").format(user.username), code="inactive_user"
        )
    if actor is not None and actor.pk == user.pk:
        raise ApplicationError(_("You cannot deactivate yourself."), code="self_deactivation")
    _keep_an_administrator(user)
    now = timezone.now()
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    summary = {"tokens_revoked": tokens, "sessions_ended": sessions_end(user)}
    audit_record(
        actor=actor,
        action=AuditAction.DEACTIVATE,
        obj=user,
        before={"is_active": True},
        after={"is_active": False, **summary},
    )
    return summary


@transaction.atomic
def user_reactivate(*, actor: User | None, user: User, system: bool = False) -> User:
    """The user can log in again (their old API tokens stay revoked)."""
    if not system:
        require_role(actor, Role.ADMINISTRATOR)
    if user.is_active:
        raise ApplicationError(
            _("User '{}' is already active.").format(user.username), code="active_user"
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.REACTIVATE,
        obj=user,
        before={"is_active": False},
        after={"is_active": True},
    )
    return user


@transaction.atomic
def user_set_password(
    *, actor: User | None, user: User, password: str, system: bool = False
) -> User:
    """Set a user's password, checked by the node's password validators; the user's sessions
    elsewhere end with the change (Django ties a session to the password)."""
    if not system and (actor is None or actor.pk != user.pk):
        require_role(actor, Role.ADMINISTRATOR)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password") from exc
    user.set_password(password)
    if actor is not None and actor.pk == user.pk:
        user.must_change_password = False  # their own choice ends a one-time password
    user.save(update_fields=["password", "must_change_password"])
    audit_record(actor=actor, action=AuditAction.PASSWORD, obj=user)
    return user


# --- sources ---------------------------------------------------------------------------------


def source_get_or_create(*, document: Document, locator: str) -> Source:
    source, _created = Source.objects.get_or_create(document=document, locator=locator.strip())
    return source


def document_get(key: str) -> Document:
    doc = Document.objects.filter(key=key).first()
    if doc is None:
        raise NotFoundError(_("Unknown document '{}'.").format(key), code="unknown_document")
    return doc


def actor_of(user: AnyUser | None) -> User | None:
    return user if isinstance(user, User) and user.is_authenticated else None


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def reference_row_sync[M: models.Model](
    *,
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    actor_label: str,
    stored: dict[Any, M] | None = None,
) -> tuple[M, str]:
    """Make the row found by `lookup` hold `values` (a row of a reference data file): create it,
    change what differs, or leave it; validated and audited as written by `actor_label`.
    Returns the row and what happened: "created", "updated" or "unchanged". `stored`, when a
    caller has read every row at once, holds them by the (one) lookup value: no query then."""
    if stored is not None:
        (key,) = lookup.values()
        obj = stored.get(key)
    else:
        obj = model._default_manager.filter(**lookup).first()
    after = {k: _plain(v) for k, v in values.items()}
    if obj is None:
        obj = model(**{**lookup, **values})
        obj.full_clean()
        obj.save()
        audit_record(
            actor=None, actor_label=actor_label, action=AuditAction.CREATE, obj=obj, after=after
        )
        return obj, "created"
    before = {k: _plain(getattr(obj, k)) for k in values}
    if before == after:
        return obj, "unchanged"
    for k, v in values.items():
        setattr(obj, k, v)
    obj.full_clean()
    obj.save()
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=AuditAction.UPDATE,
        obj=obj,
        before=before,
        after=after,
    )
    return obj, "updated"
