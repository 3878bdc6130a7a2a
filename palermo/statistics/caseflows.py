"""Route flows from the movements in case records: origin -> transit -> destination of victims,
as the statistics pages and the API list them (by persons, then route), read from the counts
the case services keep (`palermo.cases.personfacts`): per organisation and route (and year,
when years are asked for), or, for every case on the node over all years, the node's counts per
route (SQLite) or the counts per organisation read in the order of the route (PostgreSQL).
`palermo.statistics.derivation` re-exports what is here."""

from __future__ import annotations

import contextlib
import functools
from bisect import bisect_right
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from palermo.cases.models import NodeRouteCount, RouteCount, RouteTotal
from palermo.core.bulk import collector_paused
from palermo.core.errors import ForbiddenError
from palermo.core.permissions import AnyUser
from palermo.statistics.access import coordinator_country, reads_case_flows
from palermo.statistics.models import UNKNOWN


class CaseFlow(NamedTuple):
    """Victims recruited in `origin`, moved through `transit` ("" if none recorded), exploited
    in `destination`. `count` is None when suppressed (below the threshold, for analysts).

    A named tuple: a national table has a hundred thousand flows or more, and a tuple is made
    several times faster than a frozen dataclass."""

    origin: str
    transit: str
    destination: str
    count: int | None  # type: ignore[assignment]  # the field hides tuple.count, unused here

    @property
    def display(self) -> str:
        return "<{}".format(SUPPRESS_BELOW) if self.count is None else str(self.count)


SUPPRESS_BELOW = 5
# A flow from a row of four values, made by tuple's own constructor: what CaseFlow._make does,
# without a Python call per row (127,000 flows: about 20% less time).
_flow = functools.partial(tuple.__new__, CaseFlow)
STREAM_ROWS = 4096  # rows the server sends at a time when the flows are streamed


def route_flows_from_cases(
    *,
    user: AnyUser | None,
    year_from: int | None = None,
    year_to: int | None = None,
    threshold: int = SUPPRESS_BELOW,
) -> list[CaseFlow]:
    """Origin -> transit -> destination of victims from the movements in case records: each
    victim's first recruitment, transit and exploitation country (unknown origin or destination
    "_U"), victims with neither left out; `year_from`/`year_to` select the year their case was
    opened.

    A national coordinator gets the exact flows of the country's cases; an analyst gets the
    flows of every case on this node with flows below `threshold` suppressed (only counts of
    groups leave the node, never a case). Others: ForbiddenError."""
    if not reads_case_flows(user):
        raise ForbiddenError(_("Route flows from case records are for coordinators and analysts."))
    country = coordinator_country(user)
    if not country and year_from is None and year_to is None:
        return _node_flows(threshold) if _node_counted() else _all_flows(threshold)
    rows: QuerySet[Any]
    if year_from is None and year_to is None:
        rows = RouteTotal.objects.all()
    else:
        rows = RouteCount.objects.all()
        if year_from is not None:
            rows = rows.filter(year__gte=year_from)
        if year_to is not None:
            rows = rows.filter(year__lte=year_to)
    if country:
        rows = rows.filter(organisation__country_id=country)
    exact = bool(country)
    # One ordered query: the rows of every organisation (and year) added up per route, a
    # suppressed flow counted 0 (and listed as None once ordered), sorted by persons (down) then
    # route, by code point as Python sorts text (PostgreSQL told so: its default collation
    # would, for one, skip the "_" of "_U"). Nothing but the flows themselves made in Python.
    inner, params = (
        rows.values_list("origin", "transit", "destination", "persons")
        .order_by()
        .query.sql_with_params()
    )
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    count = (
        "SUM(r.persons)"
        if exact
        else "CASE WHEN SUM(r.persons) >= %s THEN SUM(r.persons) ELSE 0 END"
    )
    sql = (  # noqa: S608 - the query Django built, the rest fixed text; values as parameters
        "SELECT COALESCE(NULLIF(r.origin, ''), %s){c} AS o, r.transit{c} AS t, "
        "COALESCE(NULLIF(r.destination, ''), %s){c} AS d, {n} AS n "
        "FROM ({inner}) r GROUP BY 1, 2, 3 ORDER BY n DESC, o, t, d"
    ).format(c=collate, n=count, inner=inner)
    args = (UNKNOWN, UNKNOWN, *(() if exact else (threshold,)), *params)
    with collector_paused(), connection.cursor() as cursor:
        cursor.execute(sql, args)
        flows = list(map(_flow, cursor.fetchall()))
    if not exact:
        for i in range(len(flows) - 1, -1, -1):
            if flows[i].count:
                break
            flows[i] = flows[i]._replace(count=None)
    return flows


def _node_counted() -> bool:
    """True when the database keeps the node's counts per route (SQLite: see NodeRouteCount)."""
    return connection.vendor == "sqlite"


def _node_flows(threshold: int) -> list[CaseFlow]:
    """The flows of every case on this node, of all years, from the node's counts per route
    (kept on SQLite only), read in their index's order: by persons (down), then route (by
    code point, as Python sorts text), an unknown origin or destination already stored as
    UNKNOWN; then the suppressed ones (below `threshold`, each a count of 1 or more) by route.
    """
    flows = NodeRouteCount.objects.values_list("origin", "transit", "destination", "persons")
    listed = flows.filter(persons__gte=threshold).order_by(
        "-persons", "origin", "transit", "destination"
    )
    with collector_paused(), connection.cursor() as cursor:
        cursor.execute(*listed.query.sql_with_params())
        out = list(map(_flow, cursor.fetchall()))
        if threshold > 1:
            hidden = flows.filter(persons__lt=threshold).order_by(
                "origin", "transit", "destination"
            )
            cursor.execute(*hidden.query.sql_with_params())
            out += [CaseFlow(o, t, d, None) for o, t, d, _n in cursor.fetchall()]
    return out


def _all_flows(threshold: int) -> list[CaseFlow]:
    """The flows of every case on this node, of all years, where the node's counts per route
    are not kept (PostgreSQL): the counts per organisation and route added up reading an index
    in the order of the route (migration 0014: code-point order, "C"), so the database neither
    hashes nor sorts; here, an unknown origin or destination moved to where UNKNOWN sorts, then
    a stable sort by persons (down), suppressed flows (below `threshold`) counted 0, keeps the
    route order among equal counts: the order of the flows."""
    table = RouteTotal._meta.db_table
    sql = (  # noqa: S608 - fixed text and the model's table name
        'SELECT origin COLLATE "C", transit COLLATE "C", destination COLLATE "C", '
        "SUM(persons) FROM {} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ).format(table)
    # The planner underestimates the routes (n_distinct of three columns) and would hash and
    # sort them; told not to, it reads the index (4x faster at 127k routes). Set for this query
    # only, and set back (SET LOCAL would last to the end of a caller's transaction).
    settings = ("enable_sort", "enable_hashagg")
    with collector_paused():  # 127,000 rows become as many flows
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s), current_setting(%s)", settings)
            before = cursor.fetchone()
            cursor.execute(
                "SELECT set_config(%s, 'off', true), set_config(%s, 'off', true)", settings
            )
            # Streamed (libpq's chunked rows): Python makes the flows of the rows that have
            # come while the server adds up the next ones, instead of waiting for all of them.
            raw = cursor.cursor  # psycopg's own
            raw.row_factory = lambda _cursor: _flow
            # Logged as Django logs its queries when it does (tests, debugging).
            debug = getattr(cursor, "debug_sql", None)
            with debug(sql) if debug is not None else contextlib.nullcontext():
                rows: list[CaseFlow] = list(raw.stream(sql, size=STREAM_ROWS))
            cursor.execute(
                "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                (settings[0], before[0], settings[1], before[1]),
            )
        rows = _unknown_in_place(rows, _flow)
        if threshold <= 1:  # every count is 1 or more: none suppressed
            rows.sort(key=itemgetter(3), reverse=True)
            return rows

        def listed(flow: CaseFlow) -> int:  # a suppressed flow counts 0
            n = flow.count or 0
            return n if n >= threshold else 0

        rows.sort(key=listed, reverse=True)
        shown = len(rows)
        while shown and not listed(rows[shown - 1]):
            shown -= 1
        hidden = [CaseFlow(o, t, d, None) for o, t, d, _n in rows[shown:]]
        del rows[shown:]
        rows += hidden
    return rows


def _unknown_in_place[R: tuple[Any, ...]](
    rows: list[R], make: Callable[[tuple[Any, ...]], R]
) -> list[R]:
    """Rows (origin, transit, destination, ...) in code-point order of the stored route, where
    "" (not known) comes before every code, as the flows show them: an unknown origin or
    destination as UNKNOWN, in the order of the route. The rows of an unknown origin (the first)
    are moved to where UNKNOWN sorts among the origins, then in each origin and transit the row
    of an unknown destination (its first) to where UNKNOWN sorts among the destinations. One
    pass each, no sort. A row moved or changed is made again by `make` (its own kind)."""
    k = 0
    while k < len(rows) and rows[k][0] == "":
        k += 1
    known = rows[k:]
    at = bisect_right(known, UNKNOWN, key=itemgetter(0))
    ordered = known[:at] + [make((UNKNOWN, *row[1:])) for row in rows[:k]] + known[at:]
    out: list[R] = []
    held: R | None = None  # the unknown destination of the current group
    for row in ordered:
        if held is not None and (row[2] > UNKNOWN or row[:2] != held[:2]):
            out.append(make((*held[:2], UNKNOWN, *held[3:])))
            held = None
        if row[2] == "":
            held = row
        else:
            out.append(row)
    if held is not None:
        out.append(make((*held[:2], UNKNOWN, *held[3:])))
    return out
