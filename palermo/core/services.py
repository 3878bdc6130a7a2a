"""Writes of the core app: organisations, users, API tokens, countries, sources, and the one
way a reference data loader brings a row in line with its file (`reference_row_sync`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import pycountry
from babel import Locale
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record, model_snapshot
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import ApiToken, Country, Document, Organisation, Source, User
from palermo.core.permissions import AnyUser, require_role

UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
ORG_FIELDS = ["name", "kind", "country", "parent"]
USER_FIELDS = ["username", "organisation", "role", "is_active"]
TOKEN_PREFIX = "plm_"  # noqa: S105 - a public prefix, not a secret


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
                "names": _cldr_names(alpha2, h.name) if alpha2 == "CS" else {"en": h.name},
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
    for row in country_reference_rows():
        current = existing.get(row["iso3"])
        if current is None:
            Country.objects.create(**row)
            changed += 1
            continue
        if any(getattr(current, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(current, k, v)
            current.save()
            changed += 1
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
) -> tuple[User, str | None]:
    """Create a user. Returns the user and the generated password when none was given."""
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


@transaction.atomic
def token_create(*, actor: User | None, user: User, name: str = "") -> str:
    """Issue an API token for `user`; the secret is returned once and never stored."""
    if actor is not None and actor.pk != user.pk:
        require_role(actor, Role.ADMINISTRATOR)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=token_digest(secret)
    )
    audit_record(
        actor=actor,
        action=AuditAction.TOKEN,
        obj=token,
        after={"user": user.pk, "name": name, "prefix": token.prefix},
    )
    return secret


def token_authenticate(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


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
    *, model: type[M], lookup: dict[str, Any], values: dict[str, Any], actor_label: str
) -> tuple[M, str]:
    """Make the row found by `lookup` hold `values` (a row of a reference data file): create it,
    change what differs, or leave it; validated and audited as written by `actor_label`.
    Returns the row and what happened: "created", "updated" or "unchanged"."""
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
