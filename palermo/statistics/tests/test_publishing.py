"""Publications: suppression of submitted figures, DP of case-derived tables, the budget ledger."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from scipy.optimize import linprog  # type: ignore[import-untyped]

from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.statistics import publishing as pb
from palermo.statistics import services as s
from palermo.statistics.linked import LinkedTable, unprotected
from palermo.statistics.models import PrivacySpend, Publication, Value
from palermo.statistics.selectors import publication_get, publication_table
from palermo.statistics.tests.factories import colleague, enter, victim

pytestmark = pytest.mark.django_db
SCOPE: dict[str, Any] = {"dataset": "tip-annual", "period": "2023"}
SMALL: dict[str, int | str | None] = {
    "victims_detected": 40,
    "victims_detected:sex=F:age_group=Y0T17": 12,
    "victims_detected:sex=F:age_group=Y_GE18": 15,
    "victims_detected:sex=M:age_group=Y0T17": 2,  # below 5: must be suppressed
    "victims_detected:sex=M:age_group=Y_GE18": 11,
}


def validated(user: User, cells: Mapping[str, int | str | None], country: str = "BWA") -> None:
    """The figures entered and submitted by the country's coordinator, validated by a colleague."""
    enter(user, cells, country=country)
    s.values_submit(actor=user, country=country, **SCOPE)
    s.values_validate(actor=colleague(user), country=country, **SCOPE)


def test_suppressed_table_cannot_be_recovered_from_its_margins(coordinator: User) -> None:
    validated(coordinator, SMALL)
    pub = pb.publication_create(
        actor=coordinator,
        indicator="victims_detected",
        countries=["BWA"],
        dimensions=["sex", "age_group"],
        **SCOPE,
    )
    assert pub.method == "suppression" and pub.parameters["threshold"] == 5
    assert pub.parameters["primary"] == 1 and pub.parameters["secondary"] >= 1
    cells = {tuple(c["key"]): c for c in pub.cells}
    assert cells[("M", "Y0T17")]["value"] is None and cells[("M", "Y0T17")]["flag"] == "primary"
    assert cells[("_T", "_T")]["value"] == 40
    # An attacker solves the published margins for every suppressed cell: each must stay
    # uncertain by more than nothing (here: min and max of the cell differ).
    suppressed = [k for k, c in cells.items() if c["value"] is None]
    index = {k: i for i, k in enumerate(cells)}
    rows, rhs = [], []
    sexes, ages = ("F", "M", "_T"), ("Y0T17", "Y_GE18", "_T")
    for a in ages:  # total over sex
        row = np.zeros(len(cells))
        for sx in sexes[:2]:
            row[index[(sx, a)]] += 1
        row[index[("_T", a)]] -= 1
        rows.append(row)
        rhs.append(0)
    for sx in sexes:  # total over age
        row = np.zeros(len(cells))
        for a in ages[:2]:
            row[index[(sx, a)]] += 1
        row[index[(sx, "_T")]] -= 1
        rows.append(row)
        rhs.append(0)
    bounds = [
        (c["value"], c["value"]) if c["value"] is not None else (0, None) for c in cells.values()
    ]
    for k in suppressed:
        objective = np.zeros(len(cells))
        objective[index[k]] = 1
        low = linprog(objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds).fun
        high = -linprog(-objective, A_eq=np.array(rows), b_eq=rhs, bounds=bounds).fun
        assert high - low > 0, "cell {} can be recovered".format(k)
    # Frozen: the publication cannot be changed, only published again as a new version.
    with pytest.raises(RuntimeError):
        pub.save()
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "published"
    }
    again = pb.publication_create(
        actor=coordinator,
        indicator="victims_detected",
        countries=["BWA"],
        dimensions=["sex", "age_group"],
        threshold=3,
        **SCOPE,
    )
    assert (again.key, again.version) == (pub.key, 2)
    assert (
        publication_get(key=pub.key).version == 2
        and publication_get(key=pub.key, version=1).pk == pub.pk
    )
    table = publication_table(again)
    assert {c.labels for c in table if c.key == ("F", "Y0T17")} == {("Female", "0 to 17 years")}


def test_only_validated_figures_are_published_and_by_whom(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    enter(coordinator, SMALL)  # drafts only
    with pytest.raises(ApplicationError, match="No validated figures"):
        pb.publication_create(
            actor=coordinator,
            indicator="victims_detected",
            countries=["BWA"],
            dimensions=["sex", "age_group"],
            **SCOPE,
        )
    s.values_submit(actor=coordinator, country="BWA", **SCOPE)
    s.values_validate(actor=colleague(coordinator), country="BWA", **SCOPE)
    table: dict[str, Any] = {
        "indicator": "victims_detected",
        "countries": ["BWA"],
        "dimensions": ["sex"],
    }
    for wrong, code in (
        ({"method": "guess"}, "invalid_method"),
        ({"threshold": 0}, "invalid_threshold"),
    ):
        with pytest.raises(ApplicationError) as refused:
            pb.publication_create(actor=coordinator, **table, **wrong, **SCOPE)
        assert refused.value.code == code
    with pytest.raises(ForbiddenError):
        pb.publication_create(
            actor=other_coordinator,
            indicator="victims_detected",
            countries=["BWA"],
            dimensions=["sex", "age_group"],
            **SCOPE,
        )
    validated(
        other_coordinator,
        {"victims_detected": 9, "victims_detected:sex=F:age_group=Y_GE18": 9},
        country="NAM",
    )
    with pytest.raises(ForbiddenError, match="or an analyst can publish"):
        pb.publication_create(
            actor=coordinator,
            indicator="victims_detected",
            countries=["BWA", "NAM"],
            dimensions=["sex"],
            **SCOPE,
        )
    table = {"indicator": "victims_detected", "dimensions": ["sex", "age_group"], **SCOPE}
    with pytest.raises(ApplicationError, match="released for publication"):  # validated only
        pb.publication_create(actor=stats_analyst, countries=["BWA", "NAM"], **table)
    pb.publication_create(actor=coordinator, countries=["BWA"], **table)
    pb.publication_create(actor=other_coordinator, countries=["NAM"], **table)
    regional = pb.publication_create(actor=stats_analyst, countries=["BWA", "NAM"], **table)
    assert regional.dimensions == ["country", "sex", "age_group"] and regional.country is None
    assert (
        regional.title == "Victims of trafficking in persons detected by sex and age group, "
        "Botswana and Namibia, 2023"
    )
    assert regional.key == "victims_detected-by-sex-agegroup-bwa-nam-2023"
    cells = {tuple(c["key"]): c["value"] for c in regional.cells}
    assert cells[("_T", "_T", "_T")] == 49
    assert cells[("BWA", "M", "Y0T17")] is None


@pytest.fixture
def case_records(make_user: Callable[..., User]) -> User:
    """Victims of 2024 in a Botswana shelter's cases (3 to 6 per sex and age); its worker."""
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    for i, (gender, age) in enumerate(itertools.product(["Feminine", "Masculine"], [15, 30])):
        for _ in range(3 + i):
            victim(
                worker, dt.date(2024, 3, 1), gender=gender, age=age, cit=(), forms=["ForcedLabour"]
            )
    return worker


def test_dp_release_spends_the_budget_and_is_refused_beyond_it(
    case_records: User, coordinator: User, stats_analyst: User
) -> None:
    pub = pb.publication_release_dp(
        actor=coordinator,
        dataset="tip-annual",
        indicator="victims_detected",
        country="BWA",
        period="2024",
        dimensions=["sex", "age_group"],
        epsilon=1.0,
    )
    assert pub.method == "dp" and pub.basis == "cases"
    assert pub.parameters["epsilon"] == 1.0 and pub.parameters["max_contributions"] == 1
    assert pub.parameters["mechanism"]
    keys = {tuple(c["key"]) for c in pub.cells}
    assert ("F", "Y0T17") in keys and ("_U", "_U") in keys  # every category, not only those seen
    assert [c for c in pub.cells if not (isinstance(c["value"], int) and c["value"] >= 0)] == []
    assert pb.privacy_budget_left(pub.dataset, "BWA") == pytest.approx(2.0)
    pb.publication_release_dp(
        actor=coordinator,
        dataset="tip-annual",
        indicator="victims_detected",
        country="BWA",
        period="2024",
        dimensions=["exploitation"],
        epsilon=1.5,
    )
    before = (Publication.objects.count(), PrivacySpend.objects.count())
    with pytest.raises(ApplicationError) as err:
        pb.publication_release_dp(
            actor=coordinator,
            dataset="tip-annual",
            indicator="victims_detected",
            country="BWA",
            period="2024",
            dimensions=["sex"],
            epsilon=0.6,
        )
    assert err.value.code == "budget_exceeded"
    assert "0.5 of 3.0" in err.value.detail
    assert (Publication.objects.count(), PrivacySpend.objects.count()) == before
    ledger = list(PrivacySpend.objects.filter(country_id="BWA").values_list("epsilon", flat=True))
    assert ledger == pytest.approx([1.0, 1.5])
    with pytest.raises(ForbiddenError):
        pb.publication_release_dp(
            actor=stats_analyst,
            dataset="tip-annual",
            indicator="victims_detected",
            country="BWA",
            period="2024",
            dimensions=["sex"],
            epsilon=0.1,
        )


def _all_published_numbers() -> list[tuple[str, tuple[str, ...], int | None]]:
    """Everything any publication shows: (key, cell key, value), as an attacker downloads it."""
    return sorted(
        (p.key, tuple(c["key"]), c["value"]) for p in Publication.objects.all() for c in p.cells
    )


def test_a_regional_table_uses_only_figures_the_countries_released(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    """The bug: an analyst published a country's validated but unreleased figures through a
    regional table. Released for publication = published by the country (its own table, or
    imported as already public); a regional table lists who contributed and who had no data."""
    validated(coordinator, SMALL)  # BWA: validated and published by its coordinator
    own = pb.publication_create(
        actor=coordinator,
        indicator="victims_detected",
        countries=["BWA"],
        dimensions=["sex", "age_group"],
        **SCOPE,
    )
    secret = {"victims_detected": 31, "victims_detected:sex=F:age_group=Y_GE18": 31}
    validated(other_coordinator, secret, country="NAM")  # NAM: validated, never released
    regional = pb.publication_create(
        actor=stats_analyst,
        indicator="victims_detected",
        countries=["BWA", "NAM"],
        dimensions=["sex", "age_group"],
        **SCOPE,
    )
    assert "NAM" not in {c["key"][0] for c in regional.cells}
    assert regional.parameters["contributed"] == ["BWA"]
    assert regional.parameters["no_data"] == ["NAM"]
    assert set(Value.objects.filter(country_id="NAM").values_list("status", flat=True)) == {
        "validated"
    }
    # The attacker's view: change NAM's unreleased figures and publish the same tables again:
    # nothing any publication shows may change (so nothing about them can be derived, e.g.
    # the regional total minus BWA's published parts).
    before = [(c[1], c[2]) for c in _all_published_numbers() if c[0] == regional.key]
    own_cells = {tuple(c["key"]): c["value"] for c in own.cells}
    regional_cells = {tuple(c["key"]): c["value"] for c in regional.cells}
    assert regional_cells[("_T", "_T", "_T")] == own_cells[("_T", "_T")] == 40
    s.values_return(actor=other_coordinator, country="NAM", reason="recount", **SCOPE)
    Value.objects.filter(country_id="NAM").delete()
    validated(
        other_coordinator,
        {"victims_detected": 3, "victims_detected:sex=M:age_group=Y0T17": 3},
        country="NAM",
    )
    again = pb.publication_create(
        actor=stats_analyst,
        indicator="victims_detected",
        countries=["BWA", "NAM"],
        dimensions=["sex", "age_group"],
        **SCOPE,
    )
    assert [(tuple(c["key"]), c["value"]) for c in again.cells] == before
    # An analyst cannot weaken the country's small-cell protection either.
    with pytest.raises(ApplicationError) as weaker:
        pb.publication_create(
            actor=stats_analyst,
            indicator="victims_detected",
            countries=["BWA"],
            dimensions=["sex", "age_group"],
            threshold=1,
            **SCOPE,
        )
    assert weaker.value.code == "invalid_threshold"
    # Only NAM asked, nothing released: refused, naming what is missing.
    with pytest.raises(ApplicationError, match="released") as nothing:
        pb.publication_create(
            actor=stats_analyst,
            indicator="victims_detected",
            countries=["NAM"],
            dimensions=["sex"],
            **SCOPE,
        )
    assert nothing.value.code == "no_figures"


def test_each_table_is_its_own_publication_and_its_versions(coordinator: User) -> None:
    """A second breakdown of the same indicator is a new publication, not "v2" of the first;
    the same table published again is its next version. Titles say what the table is."""
    margins = {
        "victims_detected:sex=F": 27,
        "victims_detected:sex=M": 13,
        "victims_detected:age_group=Y0T17": 14,
        "victims_detected:age_group=Y_GE18": 26,
    }
    validated(coordinator, {**SMALL, **margins})
    table = {"actor": coordinator, "indicator": "victims_detected", "countries": ["BWA"], **SCOPE}
    by_sex = pb.publication_create(dimensions=["sex"], **table)
    by_age = pb.publication_create(dimensions=["age_group"], **table)
    by_both = pb.publication_create(dimensions=["sex", "age_group"], **table)
    assert {p.version for p in (by_sex, by_age, by_both)} == {1}
    assert len({by_sex.key, by_age.key, by_both.key}) == 3
    assert by_sex.title == "Victims of trafficking in persons detected by sex, Botswana, 2023"
    assert by_age.title == "Victims of trafficking in persons detected by age group, Botswana, 2023"
    again = pb.publication_create(dimensions=["sex"], threshold=3, **table)
    assert (again.key, again.version) == (by_sex.key, 2)


def _linked(publications: Iterable[Publication]) -> list[LinkedTable]:
    return [
        LinkedTable(
            list(p.dimensions),
            list(p.parameters.get("contributed") or [p.country_id]),
            p.parameters["threshold"],
            list(p.cells),
        )
        for p in publications
    ]


class _RolledBackError(Exception):
    pass


def test_no_small_cell_is_given_away_by_the_tables_together(
    coordinator: User,
    other_coordinator: User,
    stats_analyst: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attacker's view over every publication: Botswana's small cell (2 boys) is
    suppressed in its own table with its other children and adults; in the regional table of
    Botswana and Namibia hiding it with Namibia's boys is cheaper, and that table alone is
    safe, but with Botswana's own table it gives the cell away (14 children - 12 girls)."""
    validated(coordinator, SMALL)
    namibia = {
        "victims_detected": 113,
        "victims_detected:sex=F:age_group=Y0T17": 50,
        "victims_detected:sex=F:age_group=Y_GE18": 50,
        "victims_detected:sex=M:age_group=Y0T17": 6,
        "victims_detected:sex=M:age_group=Y_GE18": 7,
    }
    validated(other_coordinator, namibia, country="NAM")
    table = {"indicator": "victims_detected", "dimensions": ["sex", "age_group"], **SCOPE}
    pb.publication_create(actor=coordinator, countries=["BWA"], **table)
    pb.publication_create(actor=other_coordinator, countries=["NAM"], **table)
    assert unprotected(_linked(Publication.objects.order_by("pk"))) == []
    # Each table checked alone (as before): the regional table gives Botswana's cell away.
    with pytest.raises(_RolledBackError), transaction.atomic():
        with monkeypatch.context() as m:
            m.setattr(pb, "protect", lambda earlier, new: 0)
            pb.publication_create(actor=stats_analyst, countries=["BWA", "NAM"], **table)
        leaks = unprotected(_linked(Publication.objects.order_by("pk")))
        assert (0, ("M", "Y0T17")) in leaks
        raise _RolledBackError
    # Checked with every table published before: more cells suppressed, nothing given away.
    regional = pb.publication_create(actor=stats_analyst, countries=["BWA", "NAM"], **table)
    assert regional.parameters["linked"] > 0
    assert unprotected(_linked(Publication.objects.order_by("pk"))) == []
    cells = {tuple(c["key"]): c for c in regional.cells}
    assert cells[("BWA", "M", "Y0T17")]["value"] is None
    assert cells[("BWA", "F", "Y0T17")]["value"] is None
