"""Role checks shared by every app (who is logged in, who holds which role); object-level rules
live in each app's selectors."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError
from palermo.core.models import User

AnyUser = User | AnonymousUser


def is_authenticated(user: AnyUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def active_user(user: AnyUser | None) -> User | None:
    """The user when logged in and active, else None."""
    if isinstance(user, User) and is_authenticated(user):
        return user
    return None


def has_role(user: AnyUser | None, *roles: Role) -> bool:
    return is_authenticated(user) and isinstance(user, User) and user.role in roles


def require_role(user: AnyUser | None, *roles: Role) -> User:
    """Return the user when they hold one of `roles`, else raise ForbiddenError."""
    if not is_authenticated(user) or not isinstance(user, User):
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    if user.role not in roles:
        raise ForbiddenError(
            _("This needs the role {}.").format(_(" or ").join(str(r.value) for r in roles))
        )
    return user


def can_edit_registry(user: AnyUser | None) -> bool:
    return has_role(user, Role.REGISTRY_EDITOR)


def can_administer(user: AnyUser | None) -> bool:
    return has_role(user, Role.ADMINISTRATOR)
