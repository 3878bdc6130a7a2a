"""Who deals with demo cases: the partner organisations and the case worker who records them.

Owns `partners_ensure` (the demo service providers and authorities next to the demo
organisation, created once, with a case worker each when referrals are answered through the
services), `demo_actor`, and the registry's authority that receives a return to a country
(`directory_entry`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from palermo.cases.demo.story import AUTHORITIES, SERVICE_PARTNERS
from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation, User
from palermo.core.services import organisation_ensure, user_create
from palermo.registry.models import DirectoryEntry


@dataclass
class Partners:
    """The other organisations a demo case deals with, by name, and a worker in each."""

    orgs: dict[str, Organisation]
    workers: dict[str, User]


def partners_ensure(organisation: Organisation, *, with_workers: bool) -> Partners:
    """Service providers and authorities next to the demo organisation (created once)."""
    country = organisation.country
    orgs: dict[str, Organisation] = {}
    for name in sorted(set(SERVICE_PARTNERS.values())):
        orgs[name] = organisation_ensure(
            name=name,
            kind=OrganisationKind.SERVICE_PROVIDER,
            country=country,
            actor_label="demo-data",
        )
    for name, kind in AUTHORITIES.items():
        orgs[name] = organisation_ensure(
            name=name, kind=kind, country=country, actor_label="demo-data"
        )
    workers: dict[str, User] = {}
    if with_workers:
        for name in SERVICE_PARTNERS.values():
            org = orgs[name]
            user = (
                User.objects.filter(organisation=org, role=Role.CASE_WORKER, is_active=True)
                .order_by("pk")
                .first()
            )
            if user is None:
                username = "demo-" + "".join(
                    ch if ch.isalnum() else "-" for ch in name.lower()
                ).strip("-")
                user, _password = user_create(
                    actor=None,
                    system=True,
                    username=username[:150],
                    organisation=name,
                    role=Role.CASE_WORKER,
                )
            workers[name] = user
    return Partners(orgs=orgs, workers=workers)


def demo_actor(organisation: Organisation, username: str | None = None) -> User:
    """Who records the demo cases: the given user, else the organisation's first case worker,
    else a new case worker `demo-worker-<id>` (its generated password is not shown)."""
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise ApplicationError(_("No user named '{}'.").format(username), code="unknown_user")
        return user
    user = (
        User.objects.filter(
            organisation=organisation,
            role__in=[Role.CASE_WORKER, Role.INVESTIGATOR],
            is_active=True,
        )
        .order_by("pk")
        .first()
    )
    if user is not None:
        return user
    user, _password = user_create(
        actor=None,
        system=True,
        username="demo-worker-{}".format(organisation.pk),
        organisation=organisation.name,
        role=Role.CASE_WORKER,
    )
    return user


def directory_entry(country: str) -> int | None:
    """The registry directory's first entry for a country: who receives a return there."""
    return (
        DirectoryEntry.objects.filter(country_id=country)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
