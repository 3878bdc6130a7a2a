"""Partial breakdowns with a computed "not stated / other" remainder."""

from __future__ import annotations

import pytest

from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.statistics import breakdowns as b
from palermo.statistics import services as s
from palermo.statistics.models import REMAINDER, Value
from palermo.statistics.services import CellInput
from palermo.statistics.tests.factories import colleague, enter

pytestmark = pytest.mark.django_db
SCOPE = {"dataset": "tip-annual", "country": "BWA", "period": "2023"}
REST = b.RemainderRequest("victims_detected", "citizenship")


def save(user: User, cells: dict[str, int | str | None], *rest: b.RemainderRequest) -> None:
    b.values_enter_with_remainders(
        actor=user,
        **SCOPE,
        cells=[CellInput(cell=c, value=v) for c, v in cells.items()],
        remainders=rest,
    )


def remainder() -> Value | None:
    return Value.objects.filter(country_id="BWA", citizenship=REMAINDER).first()


def test_a_partial_citizenship_breakdown_gets_its_remainder_computed(coordinator: User) -> None:
    save(
        coordinator,
        {
            "victims_detected": 20,
            "victims_detected:citizenship=NGA": 7,
            "victims_detected:citizenship=ZWE": 5,
        },
        REST,
    )
    rest = remainder()
    assert rest is not None and rest.value == 8 and rest.status == "draft"
    assert "total minus the parts" in rest.notes
    # The breakdown now adds up: it is checked and submitted without an error, and validated.
    assert s.values_submit(actor=coordinator, **SCOPE).errors == []
    s.values_validate(actor=colleague(coordinator), **SCOPE)
    assert Value.objects.get(pk=rest.pk).status == "validated"


def test_the_remainder_follows_its_parts_and_can_be_removed(coordinator: User) -> None:
    save(coordinator, {"victims_detected": 20, "victims_detected:citizenship=NGA": 7}, REST)
    save(coordinator, {"victims_detected:citizenship=ZWE": 10}, REST)
    rest = remainder()
    assert rest is not None and rest.value == 3
    save(coordinator, {}, b.RemainderRequest("victims_detected", "citizenship", wanted=False))
    assert remainder() is None
    # Without it, the partial breakdown blocks submission, naming the numbers.
    with pytest.raises(s.CellErrors) as err:
        s.values_submit(actor=coordinator, **SCOPE)
    assert "The citizenship breakdown adds up to 17, but the total is 20." in str(err.value.errors)


def test_parts_above_the_total_are_refused_with_the_numbers_and_nothing_is_written(
    coordinator: User,
) -> None:
    enter(coordinator, {"victims_detected": 10})
    with pytest.raises(s.CellErrors) as err:
        save(
            coordinator,
            {"victims_detected:citizenship=NGA": 7, "victims_detected:citizenship=ZWE": 5},
            REST,
        )
    assert err.value.code == "parts_exceed_total"
    assert "The citizenship parts given add up to 12, more than the total 10" in err.value.detail
    assert not Value.objects.filter(country_id="BWA").exclude(citizenship="_T").exists()


def test_a_remainder_needs_a_total_and_numbers(coordinator: User) -> None:
    with pytest.raises(ApplicationError, match="Enter the total of victims_detected"):
        save(coordinator, {"victims_detected:citizenship=NGA": 7}, REST)
    assert not Value.objects.filter(country_id="BWA").exists()
    with pytest.raises(s.CellErrors, match=r"A masked part \(<5\)"):
        save(
            coordinator,
            {"victims_detected": 9, "victims_detected:citizenship=NGA": "<5"},
            REST,
        )
    with pytest.raises(ApplicationError, match="has no 'not stated / other' remainder"):
        save(coordinator, {"victims_detected": 9}, b.RemainderRequest("victims_detected", "sex"))
