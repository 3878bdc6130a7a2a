"""What the statistics count of each person, kept beside the person, and the counts of victims
the derivation and the route flows read (palermo.cases.personfacts keeps them).

`PersonFacts` holds, per person, the facts a statistical cell is made of (the case's
organisation and opening date, role, gender, age group, forms of exploitation, first
citizenship, route: first recruitment, transit and exploitation country, last completed
return), computed from the person's records by the services and the bulk writer whenever they
change. The count tables add up the facts of the victims (victims and presumed victims) per
organisation and month, per organisation and year, per organisation, year and route, per
organisation and route, and (on SQLite) per route over the whole node: the database keeps them
by triggers on `PersonFacts` (migrations 0012 and 0014), so every write of a person's facts,
their deletion with the person or the case included, moves the counts in the same transaction.
No row holds anything that identifies a person.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.cases.models.persons import Person
from palermo.core.models import Organisation
from palermo.core.textlimits import NOTE_MAX, text_limit


class PersonFacts(models.Model):
    """The facts the statistics count of one person, derived from the person's records.

    Empty text stands for a fact not recorded (no transit, no completed return)."""

    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="facts",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owning organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    opened_on = models.DateField(_("opened on"))
    role = models.CharField(_("role in the case"), max_length=20)
    gender = models.CharField(_("gender"), max_length=30, blank=True)
    age_code = models.CharField(_("age group"), max_length=8, blank=True)
    # The distinct forms as a sorted JSON list (["ForcedLabour","SexualExploitation"]).
    forms = models.TextField(
        _("types of exploitation"),
        blank=True,
        max_length=NOTE_MAX,
        validators=[text_limit(NOTE_MAX)],
    )
    citizenship = models.TextField(  # the first one given
        _("citizenship"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    origin = models.CharField(_("origin"), max_length=3, blank=True)
    transit = models.CharField(_("Transit"), max_length=3, blank=True)
    destination = models.CharField(_("country of exploitation"), max_length=3, blank=True)
    returned_to = models.CharField(_("return to"), max_length=3, blank=True)

    class Meta:
        verbose_name = _("counted facts of a person")
        verbose_name_plural = _("counted facts of persons")

    def __str__(self) -> str:
        return "facts of {}".format(self.person_id)


class _Held(models.Model):
    """A count of the victims of one organisation (abstract)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owning organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    persons = models.IntegerField(_("persons"), default=0)

    class Meta:
        abstract = True


class _VictimCell(_Held):
    """The facts of a cell of the tables of victims, and how many victims have them
    (abstract: per month, per year)."""

    gender = models.CharField(_("gender"), max_length=30, blank=True)
    age_code = models.CharField(_("age group"), max_length=8, blank=True)
    forms = models.TextField(
        _("types of exploitation"),
        blank=True,
        max_length=NOTE_MAX,
        validators=[text_limit(NOTE_MAX)],
    )
    citizenship = models.TextField(
        _("citizenship"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    destination = models.CharField(_("country of exploitation"), max_length=3, blank=True)
    returned_to = models.CharField(_("return to"), max_length=3, blank=True)

    class Meta:
        abstract = True


# The facts of a cell, in the order of the counts' unique keys.
CELL_FACTS = ("gender", "age_code", "forms", "citizenship", "destination", "returned_to")


class VictimCount(_VictimCell):
    """Victims per organisation, month their case was opened and the facts of a cell
    (victims detected, and the input of every table of them)."""

    month = models.DateField(_("month"))  # its first day

    class Meta:
        verbose_name = _("victims by month")
        verbose_name_plural = _("victims by month")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", *CELL_FACTS], name="victim_count_key"
            ),
        ]
        # Regional tables read every organisation's rows of a period.
        indexes = [models.Index(fields=["month"], name="victim_count_month")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.organisation_id, self.month, self.persons)


class VictimYearCount(_VictimCell):
    """Victims per organisation, year their case was opened and the facts of a cell: the
    victims by month added up per year, read when every period asked for is whole calendar
    years (a country x year table reads one row per year where it would read twelve)."""

    year = models.IntegerField(_("year"))

    class Meta:
        verbose_name = _("victims by year")
        verbose_name_plural = _("victims by year")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", *CELL_FACTS], name="victim_year_count_key"
            ),
        ]
        indexes = [models.Index(fields=["year"], name="victim_year_count_year")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.organisation_id, self.year, self.persons)


class _Route(models.Model):
    """A route: first recruitment, transit ("" if none) and exploitation country (abstract)."""

    origin = models.CharField(_("origin"), max_length=3, blank=True)
    transit = models.CharField(_("Transit"), max_length=3, blank=True)
    destination = models.CharField(_("country of exploitation"), max_length=3, blank=True)

    class Meta:
        abstract = True


class RouteCount(_Route, _Held):
    """Victims per organisation, year their case was opened and route (route flows of some
    years)."""

    year = models.IntegerField(_("year"))

    class Meta:
        verbose_name = _("victims by route and year")
        verbose_name_plural = _("victims by route and year")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "origin", "transit", "destination"],
                name="route_count_key",
            ),
        ]
        indexes = [models.Index(fields=["year"], name="route_count_year")]

    def __str__(self) -> str:
        return "{} {} {}".format(self.organisation_id, self.year, self.persons)


class RouteTotal(_Route, _Held):
    """Victims per organisation and route, over every year (route flows of all years)."""

    class Meta:
        verbose_name = _("victims by route")
        verbose_name_plural = _("victims by route")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "origin", "transit", "destination"],
                name="route_total_key",
            ),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.organisation_id, self.persons)


# The code the route flows give an unknown origin or destination (the statistics' UNKNOWN),
# stored as such in `NodeRouteCount` so that its index is in the flows' order.
UNKNOWN_COUNTRY = "_U"


class NodeRouteCount(models.Model):
    """Victims per route over every organisation of this node, kept on SQLite only (empty on
    PostgreSQL): the analyst's route flows of all years read it in the order they are listed,
    by persons (down) then route, from its index, without adding up or sorting.

    An unknown origin or destination is stored as the flows show it (`UNKNOWN_COUNTRY`), so
    that the index orders it as the flows do. SQLite has one writer at a time for the whole
    database, so a count of the whole node makes no writer wait longer; on PostgreSQL it would
    make every writer of a popular route wait behind a running import, and the flows add up
    the counts per organisation (`RouteTotal`) there."""

    origin = models.CharField(_("origin"), max_length=3)
    transit = models.CharField(_("Transit"), max_length=3, blank=True)
    destination = models.CharField(_("country of exploitation"), max_length=3)
    persons = models.IntegerField(_("persons"), default=0)

    class Meta:
        verbose_name = _("victims by route on this node")
        verbose_name_plural = _("victims by route on this node")
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "transit", "destination"], name="node_route_count_key"
            ),
        ]
        # The flows' order: persons down, then the route (SQLite compares text by code point).
        indexes = [
            models.Index(
                fields=["-persons", "origin", "transit", "destination"],
                name="node_route_count_order",
            )
        ]

    def __str__(self) -> str:
        return "{}-{}-{} {}".format(self.origin, self.transit, self.destination, self.persons)
