"""Entering, checking, submitting and validating a country's figures."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.statistics import services as s
from palermo.statistics.models import ValidationIssue, Value
from palermo.statistics.tests.factories import GOOD, colleague, enter

pytestmark = pytest.mark.django_db
SCOPE = {"dataset": "tip-annual", "country": "BWA", "period": "2023"}


def test_coordinator_enters_drafts_in_one_audited_write(coordinator: User) -> None:
    entries = AuditEntry.objects.count()
    values = enter(coordinator, {**GOOD, "victims_detected:exploitation=SEXUAL": "<5"})
    assert len(values) == len(GOOD) + 1
    masked = Value.objects.get(country_id="BWA", exploitation="SEXUAL")
    assert masked.masked and masked.value is None and masked.display == "<5"
    assert {v.status for v in values} == {"draft"}
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("sequence")
    assert entry.object_id == "tip-annual BWA 2023"
    assert entry.after is not None and "victims_detected" in entry.after["cells"]


def test_thousands_separators_are_read_and_kept_as_written(coordinator: User) -> None:
    enter(coordinator, {"victims_detected": "1,192"})
    v = Value.objects.get(country_id="BWA", indicator__code="victims_detected")
    assert v.value == 1192 and v.value_text == "1,192" and not v.masked


def test_bad_cells_are_all_named_and_nothing_is_written(coordinator: User) -> None:
    with pytest.raises(s.CellErrors) as err:
        enter(
            coordinator,
            {
                "victims_detected": 4,
                "victims_detected:sex=X": 1,
                "persons_convicted:exploitation=SEXUAL": 1,
                "victims_detected:citizenship=ZZZ": 1,
                "no_such_indicator": 1,
                "victims_detected:sex=F": "many",
            },
        )
    cells = {e["cell"]: e["message"] for e in err.value.errors}
    assert cells["victims_detected:sex=X"] == "'X' is not a code of sex"
    assert "no breakdown by exploitation" in cells["persons_convicted:exploitation=SEXUAL"]
    assert cells["victims_detected:citizenship=ZZZ"] == "'ZZZ' is not a code of citizenship"
    assert "not in this data set" in cells["no_such_indicator"]
    assert "not a count" in cells["victims_detected:sex=F"]
    assert "victims_detected" not in cells
    assert not Value.objects.filter(country_id="BWA").exists()


def test_only_the_coordinator_of_the_country_enters(
    other_coordinator: User, stats_analyst: User, make_user: Callable[..., User]
) -> None:
    for user in (other_coordinator, stats_analyst, make_user("case_worker"), None):
        with pytest.raises(ForbiddenError):
            s.values_enter(
                actor=user,
                dataset="tip-annual",
                country="BWA",
                period="2023",
                cells=[s.CellInput(cell="victims_detected", value=3)],
            )
    assert not Value.objects.filter(country_id="BWA").exists()


def test_period_must_match_the_data_set(coordinator: User) -> None:
    with pytest.raises(ApplicationError, match="reported by year"):
        enter(coordinator, {"victims_detected": 3}, period="2023-Q1")
    enter(coordinator, {"victims_detected": 3}, period="2023-Q1", dataset="tip-quarterly")
    assert Value.objects.get(period="2023-Q1").period_end.isoformat() == "2023-03-31"


def test_a_blank_removes_a_draft(coordinator: User) -> None:
    enter(coordinator, {"victims_detected": 3, "persons_convicted": 1})
    enter(coordinator, {"persons_convicted": ""})
    assert list(
        Value.objects.filter(country_id="BWA").values_list("indicator__code", flat=True)
    ) == ["victims_detected"]


def test_clean_figures_submit_and_validate(coordinator: User) -> None:
    enter(coordinator, GOOD)
    report = s.values_submit(actor=coordinator, **SCOPE)
    assert report.issues == []
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "submitted"
    }
    with pytest.raises(s.CellErrors, match="return it to draft"):
        enter(coordinator, {"victims_detected": 21})
    with pytest.raises(ForbiddenError, match="so you cannot validate them") as refused:
        s.values_validate(actor=coordinator, **SCOPE)  # separation of duties
    assert refused.value.code == "separation_of_duties"
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "submitted"
    }
    validator = colleague(coordinator)
    assert s.values_validate(actor=validator, **SCOPE) == len(GOOD)
    stored = Value.objects.filter(country_id="BWA").first()
    assert stored is not None
    assert (stored.submitted_by, stored.validated_by) == (coordinator, validator)
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "validated"
    }
    assert s.values_return(actor=coordinator, reason="new court data", **SCOPE) == len(GOOD)
    enter(coordinator, {"victims_detected": 21, "victims_detected:sex=F:age_group=Y0T17": 7})


def test_breakdowns_that_do_not_add_up_block_submission_with_the_cell(coordinator: User) -> None:
    enter(coordinator, {**GOOD, "victims_detected": 25})
    with pytest.raises(s.CellErrors) as err:
        s.values_submit(actor=coordinator, **SCOPE)
    assert err.value.code == "validation_failed"
    (error,) = [e for e in err.value.errors if e["severity"] == "error"]
    assert error["cell"] == "victims_detected"
    assert error["message"] == "The sex x age group breakdown adds up to 20, but the total is 25."
    assert Value.objects.filter(status="draft").count() == len(GOOD)
    # The issue is kept for the form even though the submission was refused.
    issue = ValidationIssue.objects.get()
    assert issue.value.indicator.code == "victims_detected" and issue.value.sex == "_T"


def test_masked_cells_count_as_a_range_never_as_a_number(coordinator: User) -> None:
    cells: dict[str, int | str | None] = {
        "victims_detected": 10,
        "victims_detected:sex=F": 7,
        "victims_detected:sex=M": "<5",
    }
    enter(coordinator, cells)
    assert s.values_check(actor=coordinator, **SCOPE).issues == []  # 7 + (0..4) covers 10
    enter(coordinator, {"victims_detected": 12})
    (issue,) = s.values_check(actor=coordinator, **SCOPE).issues
    assert issue.message == "The sex breakdown adds up to 7-11, but the total is 12."


def test_negative_counts_are_errors(coordinator: User) -> None:
    enter(coordinator, {"persons_prosecuted": -3})
    report = s.values_check(actor=coordinator, **SCOPE)
    assert [(i.cell, i.severity) for i in report.issues] == [("persons_prosecuted", "error")]


def test_warnings_need_a_comment_before_submission(coordinator: User) -> None:
    enter(coordinator, {"persons_prosecuted": 4, "persons_convicted": 6})
    with pytest.raises(s.CellErrors) as err:
        s.values_submit(actor=coordinator, **SCOPE)
    (warning,) = err.value.errors
    assert warning["cell"] == "persons_convicted" and warning["severity"] == "warning"
    assert "6 persons convicted but 4 prosecuted in 2023" in warning["message"]
    assert warning["message"].endswith("A comment is required.")
    convicted = Value.objects.get(indicator__code="persons_convicted", country_id="BWA")
    s.value_explain(
        actor=coordinator, value=convicted, comment="Convictions of persons prosecuted in 2022."
    )
    report = s.values_submit(actor=coordinator, **SCOPE)
    assert len(report.warnings) == 1 and report.unexplained == []


def test_change_from_the_previous_period_is_flagged(coordinator: User) -> None:
    enter(coordinator, {"victims_detected": 12}, period="2022")
    enter(coordinator, {"victims_detected": 40})
    (issue,) = s.values_check(actor=coordinator, **SCOPE).issues
    assert issue.rule.code == "change-from-previous-period"
    assert issue.severity == "warning"
    assert "previous period's 12" in issue.message
    enter(coordinator, {"victims_detected": 20})
    assert s.values_check(actor=coordinator, **SCOPE).issues == []


def test_nothing_to_submit(coordinator: User) -> None:
    with pytest.raises(ApplicationError, match="no draft figures"):
        s.values_submit(actor=coordinator, **SCOPE)


def test_no_role_bypasses_separation_of_duties(coordinator: User, admin_user: User) -> None:
    """An administrator cannot validate (nor can anyone but a national coordinator of the
    country), and a coordinator who submitted part of the figures cannot validate the rest."""
    enter(coordinator, {"victims_detected": 3})
    s.values_submit(actor=coordinator, **SCOPE)
    with pytest.raises(ForbiddenError, match="Only a national coordinator of BWA"):
        s.values_validate(actor=admin_user, **SCOPE)
    validator = colleague(coordinator)
    s.values_return(actor=validator, reason="one more figure", **SCOPE)
    enter(validator, {"persons_arrested": 2})
    s.values_submit(actor=validator, **SCOPE)  # now submitted by the colleague
    with pytest.raises(ForbiddenError, match="separation of duties"):
        s.values_validate(actor=validator, **SCOPE)
    assert s.values_validate(actor=coordinator, **SCOPE) == 2
