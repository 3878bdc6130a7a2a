"""Reads for the pages: scoped figures, trends, indicator across countries, flows, board, grid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palermo.core.models import User
from palermo.statistics import charts
from palermo.statistics import selectors as sel
from palermo.statistics import services as s
from palermo.statistics.tests.factories import GOOD, colleague, enter

pytestmark = pytest.mark.django_db


def test_value_list_is_scoped_to_the_user(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    enter(coordinator, GOOD)
    enter(other_coordinator, {"victims_detected": 3}, country="NAM")
    mine = sel.value_list(user=coordinator, filters=sel.ValueFilters(dataset="tip-annual"))
    assert {v.country_id for v in mine} == {"BWA"}
    theirs = sel.value_list(user=other_coordinator, filters=sel.ValueFilters(dataset="tip-annual"))
    assert {v.country_id for v in theirs} == {"NAM"}
    for user in (stats_analyst, None):
        assert not sel.value_list(
            user=user, filters=sel.ValueFilters(dataset="tip-annual")
        ).exists()
        # ... but they see public figures, e.g. those the seeds state.
        assert sel.value_list(user=user, filters=sel.ValueFilters(country="LTU")).count() == 9


def test_every_disaggregation_filters(coordinator: User) -> None:
    enter(coordinator, GOOD)
    f = sel.ValueFilters(country="BWA", dims={"sex": "F", "age_group": "Y0T17"})
    assert [v.value for v in sel.value_list(user=coordinator, filters=f)] == [6]
    f = sel.ValueFilters(country="BWA", indicator="victims_detected", dims={"sex": "_T"})
    assert [v.value for v in sel.value_list(user=coordinator, filters=f)] == [20]


def test_country_profile_series_keep_annual_and_other_periods_apart() -> None:
    series = sel.country_profile(user=None, country="UKR")
    annual = next(
        x
        for x in series
        if x.indicator == "investigations_initiated" and x.points[0].period == "1998"
    )
    assert [(p.period, p.value) for p in annual.points] == [
        ("1998", 2),
        ("1999", 11),
        ("2000", 42),
        ("2001", 90),
        ("2002", 169),
        ("2003", 289),
    ]
    other = [x for x in series if x.indicator == "investigations_initiated" and x is not annual]
    assert sorted((x.kind, [p.period for p in x.points]) for x in other) == [
        ("quarter", ["2004-Q1"]),
        ("range", ["1998-03/2004-07"]),
    ]
    # The chart of the profile: Ukraine's 1998-2004 total is never on the line of its years
    # or its 2004 quarter.
    rows = charts.trend_rows([x for x in series if x.indicator == "investigations_initiated"])
    total = next(r for r in rows if r["period"] == "1998-03/2004-07")
    assert [r["period"] for r in rows if r["segment"] == total["segment"]] == ["1998-03/2004-07"]
    quarter = next(r for r in rows if r["period"] == "2004-Q1")
    assert [r["period"] for r in rows if r["segment"] == quarter["segment"]] == ["2004-Q1"]


def test_indicator_across_countries() -> None:
    rows = sel.indicator_across_countries(user=None, indicator="persons_convicted", period="2003")
    assert [(r.country, r.value) for r in rows] == [("LTU", 7)]


def test_entry_grid_has_every_cell_and_the_issues(coordinator: User) -> None:
    enter(coordinator, {**GOOD, "victims_detected": 25})
    s.values_check(actor=coordinator, dataset="tip-annual", country="BWA", period="2023")
    blocks = sel.entry_grid(user=coordinator, dataset="tip-annual", country="BWA", period="2023")
    by_cell = {c.cell: c for b in blocks for c in b.cells}
    total = by_cell["victims_detected"]
    assert total.display == "25" and total.errors and not total.warnings
    child = by_cell["victims_detected:sex=F:age_group=Y0T17"]
    assert child.labels == {"sex": "Female", "age_group": "0 to 17 years"} and child.display == "6"
    assert by_cell["victims_detected:sex=_U:age_group=_U"].value is None
    assert "victims_detected:exploitation=SEXUAL" in by_cell
    assert "cooperation_requests_sent" in by_cell


def test_entry_grid_is_for_the_coordinator_only(other_coordinator: User) -> None:
    from palermo.core.errors import ForbiddenError

    with pytest.raises(ForbiddenError):
        sel.entry_grid(user=other_coordinator, dataset="tip-annual", country="BWA", period="2023")


def test_completeness_board_counts_without_figures(
    coordinator: User, other_coordinator: User
) -> None:
    enter(coordinator, GOOD)
    s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2023")
    enter(other_coordinator, {"victims_detected": 3}, country="NAM")
    board = sel.completeness_board(dataset="tip-annual")
    assert board["countries"] == ["BWA", "NAM"] and board["periods"] == ["2023"]
    bwa = board["cells"][("BWA", "2023")]
    assert (bwa.figures, bwa.indicators, bwa.status) == (len(GOOD), 3, "submitted")
    assert board["cells"][("NAM", "2023")].status == "draft"


def test_route_flows_from_values(coordinator: User) -> None:
    enter(
        coordinator,
        {
            "victims_detected": 9,
            "victims_detected:citizenship=ZWE": 6,
            "victims_detected:citizenship=ZMB": "<5",
            "victims_detected:citizenship=BWA": 3,
        },
    )
    flows = sel.route_flows_from_values(user=coordinator, country="BWA")
    assert [(f.origin, f.destination, f.count, f.display) for f in flows] == [
        ("ZWE", "BWA", 6, "6"),
        ("ZMB", "BWA", None, "<5"),
    ]
    assert sel.route_flows_from_values(user=None, country="BWA") == []


def test_sources_that_disagree_are_both_kept_and_listed(tmp_path: Path) -> None:
    from palermo.statistics import interchange as ix

    path = tmp_path / "g.csv"
    path.write_text(
        ",".join(ix.GLOTIP_COLUMNS)
        + "\nLTU,Lithuania,Europe,Northern Europe,Persons convicted,Total,Total,Total,Total,"
        "2003,Counts,<5,GLOTIP\n"
    )
    ix.data_import_run(actor=None, path=path, fmt="glotip", public=True)
    (conflict,) = sel.value_conflicts(user=None, country="LTU", indicator="persons_convicted")
    assert (conflict.period, conflict.key[0]) == ("2003", "_T")
    assert sorted((f.dataset.code, f.display) for f in conflict.figures) == [
        ("glotip", "<5"),
        ("survey-2005", "7"),
    ]


def test_entry_state_says_what_can_be_done_next(coordinator: User) -> None:
    def state() -> sel.EntryState:
        grid = sel.entry_grid(user=coordinator, dataset="tip-annual", country="BWA", period="2023")
        return sel.entry_state(grid)

    def actions() -> tuple[bool, bool, bool, bool]:
        st = state()
        return st.has_draft, st.can_validate, st.can_return, st.can_publish

    assert state().statuses == [] and actions() == (False, False, False, False)
    enter(coordinator, GOOD)
    assert state().statuses == ["draft"] and actions() == (True, False, False, False)
    scope: dict[str, Any] = {
        "actor": coordinator,
        "dataset": "tip-annual",
        "country": "BWA",
        "period": "2023",
    }
    s.values_submit(**scope)
    assert actions() == (False, True, True, False)
    enter(coordinator, {"persons_arrested": 4})  # a draft next to submitted figures
    assert state().statuses == ["draft", "submitted"]
    s.values_validate(**{**scope, "actor": colleague(coordinator)})
    assert state().statuses == ["draft", "validated"]
    assert actions() == (True, False, True, True)


def test_a_grid_cell_is_editable_while_empty_or_draft(coordinator: User) -> None:
    enter(coordinator, GOOD)
    scope: dict[str, Any] = {
        "actor": coordinator,
        "dataset": "tip-annual",
        "country": "BWA",
        "period": "2023",
    }

    def editable() -> dict[str, bool]:
        grid = sel.entry_grid(user=coordinator, dataset="tip-annual", country="BWA", period="2023")
        cells = {c.cell: c for b in grid for c in b.cells}
        return {name: cells[name].editable for name in ("victims_detected", "persons_arrested")}

    assert editable() == {"victims_detected": True, "persons_arrested": True}
    s.values_submit(**scope)
    assert editable() == {"victims_detected": False, "persons_arrested": True}


def test_who_reads_case_flows_and_budget_ledgers(
    coordinator: User, other_coordinator: User, stats_analyst: User, make_user: Callable[..., User]
) -> None:
    from palermo.core.choices import Role
    from palermo.statistics.access import reads_case_flows, sees_budget_ledger
    from palermo.statistics.models import Publication

    worker = make_user(Role.CASE_WORKER, org="Shelter", country="BWA", kind="ngo")
    assert [reads_case_flows(u) for u in (coordinator, stats_analyst, worker, None)] == [
        True,
        True,
        False,
        False,
    ]
    dp = Publication(method="dp", country_id="BWA")
    suppressed = Publication(method="suppression", country_id="BWA")
    assert sees_budget_ledger(coordinator, dp)
    assert not sees_budget_ledger(coordinator, suppressed)
    for user in (other_coordinator, stats_analyst, worker, None):
        assert not sees_budget_ledger(user, dp)
