"""Action plans: loaded from a file whole or not at all, indicators computed from the registry
as of a date, reported values through draft, submitted, returned and approved, national values
rolling up to the regional plan, late activities and off-track indicators."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from pdfminer.high_level import extract_text

from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.monitoring.choices import Progress, ValueStatus
from palermo.monitoring.models import Activity, Plan, PlanIndicator
from palermo.monitoring.plan_reports import plan_report_file
from palermo.monitoring.progress import plan_progress
from palermo.monitoring.services import plans as svc
from palermo.monitoring.tests.plans import PLANS

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(secretariat: User) -> dict[str, Plan]:
    return {p.key: p for p in svc.plan_import(actor=secretariat, text=PLANS, source_name="t.yaml")}


@pytest.fixture
def khm_coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="Cambodia NCC", country="KHM")


def _row(plan: Plan, number: str, as_of: dt.date) -> list[tuple[str, object, str]]:
    progress = plan_progress(plan, as_of)
    for objective in progress.objectives:
        for row in objective.indicators + [i for a in objective.activities for i in a.indicators]:
            if row.indicator.number == number:
                return [(p.end.isoformat(), p.actual, p.status) for p in row.periods]
    raise AssertionError(number)


def test_a_file_of_plans_is_loaded_with_its_tree_and_audited(loaded: dict[str, Plan]) -> None:
    spa, khm = loaded["spa-test"], loaded["khm-test"]
    assert khm.parent == spa
    assert spa.mechanism is not None and spa.mechanism.acronym == "COMMIT"
    assert [i.number for i in spa.indicators.order_by("order")] == ["1.a", "1.b"]
    national = PlanIndicator.objects.get(plan=khm, number="1.a")
    assert national.rolls_up_to == PlanIndicator.objects.get(plan=spa, number="1.b")
    assert AuditEntry.objects.filter(object_type="monitoring.plan").count() == 2


def test_ratification_is_computed_from_the_registry_as_of_the_date(
    loaded: dict[str, Plan],
) -> None:
    spa = loaded["spa-test"]
    # Cambodia, Lao PDR and Myanmar were parties by 2008; China acceded in February 2010.
    assert _row(spa, "1.a", dt.date(2009, 1, 15)) == [
        ("2008-12-31", Decimal(3), Progress.MISSED),
        ("2010-12-31", Decimal(3), Progress.OFF_TRACK),
    ]
    assert _row(spa, "1.a", dt.date(2011, 1, 1))[1] == ("2010-12-31", Decimal(4), Progress.MISSED)
    assert _row(spa, "1.a", dt.date(2007, 6, 1)) == [
        ("2008-12-31", None, Progress.NOT_DUE),
        ("2010-12-31", None, Progress.NOT_DUE),
    ]


def test_on_track_against_the_line_from_the_previous_target(
    loaded: dict[str, Plan],
) -> None:
    indicator = PlanIndicator.objects.get(plan=loaded["spa-test"], number="1.a")
    target = indicator.targets.get(period_end=dt.date(2010, 12, 31))
    target.value = Decimal(4)  # from 4 to 4: China's accession in 2010 is ahead of the line
    target.save()
    progress = plan_progress(loaded["spa-test"], dt.date(2010, 6, 30))
    row = progress.objectives[0].indicators[0]
    assert row.periods[1].status == Progress.MET
    target.value = Decimal(10)
    target.save()
    row = plan_progress(loaded["spa-test"], dt.date(2010, 6, 30)).objectives[0].indicators[0]
    assert row.periods[1].status == Progress.OFF_TRACK
    # 545 of 729 days from 4 to 10: 4 + 6 * 545 / 729
    assert row.periods[1].expected == Decimal("8.49")


def test_an_activity_past_its_end_is_late_until_done(
    loaded: dict[str, Plan], secretariat: User
) -> None:
    spa = loaded["spa-test"]
    activity = Activity.objects.get(objective__plan=spa, number="1.1")
    assert plan_progress(spa, dt.date(2009, 6, 30)).late == []
    assert plan_progress(spa, dt.date(2009, 7, 1)).late == [activity]
    svc.activity_done(actor=secretariat, activity=activity, on=dt.date(2009, 7, 10))
    assert plan_progress(spa, dt.date(2009, 7, 5)).late == [activity]
    assert plan_progress(spa, dt.date(2009, 8, 1)).late == []


def test_a_reported_value_is_approved_by_another_keeper_then_rolls_up(
    loaded: dict[str, Plan],
    secretariat: User,
    khm_coordinator: User,
    make_user: Callable[..., User],
) -> None:
    national = PlanIndicator.objects.get(plan=loaded["khm-test"], number="1.a")
    rv = svc.value_save(
        actor=khm_coordinator,
        indicator=national,
        period_start=dt.date(2009, 1, 1),
        period_end=dt.date(2009, 12, 31),
        value=Decimal(1),
        evidence="Sub-decree establishing the national task force",
    )
    assert _row(loaded["khm-test"], "1.a", dt.date(2010, 1, 2)) == [
        ("2009-12-31", None, Progress.NOT_REPORTED)
    ]
    rv = svc.value_submit(actor=khm_coordinator, value=rv)
    with pytest.raises(ApplicationError, match="submitted"):
        svc.value_save(
            actor=khm_coordinator,
            indicator=national,
            period_start=dt.date(2009, 1, 1),
            period_end=dt.date(2009, 12, 31),
            value=Decimal(2),
            evidence="changed",
        )
    with pytest.raises(ForbiddenError):
        svc.value_decide(actor=khm_coordinator, value=rv, approve=True)
    with pytest.raises(ApplicationError, match="why"):
        svc.value_decide(actor=secretariat, value=rv, approve=False)
    rv = svc.value_decide(actor=secretariat, value=rv, approve=False, reason="Attach the decree")
    assert rv.status == ValueStatus.RETURNED
    rv = svc.value_save(
        actor=khm_coordinator,
        indicator=national,
        period_start=dt.date(2009, 1, 1),
        period_end=dt.date(2009, 12, 31),
        value=Decimal(1),
        evidence="Sub-decree No. 1 of 2009, attached",
        evidence_url="https://example.org/decree.pdf",
    )
    rv = svc.value_submit(actor=khm_coordinator, value=rv)
    rv = svc.value_decide(actor=secretariat, value=rv, approve=True)
    assert rv.status == ValueStatus.APPROVED
    assert _row(loaded["khm-test"], "1.a", dt.date(2010, 1, 2)) == [
        ("2009-12-31", Decimal(1), Progress.MET)
    ]
    regional = plan_progress(loaded["spa-test"], dt.date(2010, 1, 2))
    row = regional.objectives[0].indicators[1]
    assert [(c.plan.key, c.actual) for c in row.periods[0].contributions] == [
        ("khm-test", Decimal(1))
    ]
    assert (row.periods[0].actual, row.periods[0].status) == (Decimal(1), Progress.MISSED)
    assert [(r.indicator.number, p.status) for r, p in regional.attention] == [
        ("1.a", Progress.OFF_TRACK),
        ("1.b", Progress.MISSED),
    ]
    assert AuditEntry.objects.filter(object_type="monitoring.reported_value").count() == 6
    del make_user


def test_who_submitted_a_value_does_not_approve_it(
    loaded: dict[str, Plan], secretariat: User
) -> None:
    indicator = PlanIndicator.objects.get(plan=loaded["spa-test"], number="1.b")
    rv = svc.value_save(
        actor=secretariat,
        indicator=indicator,
        period_start=dt.date(2009, 1, 1),
        period_end=dt.date(2009, 12, 31),
        value=Decimal(2),
        evidence="Country reports",
    )
    rv = svc.value_submit(actor=secretariat, value=rv)
    with pytest.raises(ForbiddenError, match="other than who submitted"):
        svc.value_decide(actor=secretariat, value=rv, approve=True)


def test_a_computed_indicator_is_not_reported(loaded: dict[str, Plan], secretariat: User) -> None:
    indicator = PlanIndicator.objects.get(plan=loaded["spa-test"], number="1.a")
    with pytest.raises(ApplicationError, match="computed"):
        svc.value_save(
            actor=secretariat,
            indicator=indicator,
            period_start=dt.date(2008, 1, 1),
            period_end=dt.date(2008, 12, 31),
            value=Decimal(5),
            evidence="x",
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("parties:trafficking-protocol", "parties:no-such-treaty"), "no instrument"),
        (("kind: computed", "kind: measured"), "'kind' is one of"),
        (("end: 2010-12-31", "end: 2010-13-31"), "'end' is not a date"),
        (("country: KHM", "country: XXX"), "XXX is not an ISO"),
        (("mechanism: COMMIT", "mechanism: NOPE"), "no mechanism"),
        (('rolls_up_to: "spa-test/1.b"', 'rolls_up_to: "spa-test/9.z"'), "names no indicator"),
        (("parent: spa-test", "parent: nothing"), "no plan has the key nothing"),
        (("value: 4}", "value: four}"), "'value' is not a number"),
        (('number: "1.b"', 'number: "1.a"'), "numbered twice"),
        (("plans:", "plan:"), "list 'plans:'"),
        (("    end: 2009-12-31\n", "    end: [2009\n"), "Not a YAML file"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_problem_and_nothing_is_written(
    secretariat: User, change: tuple[str, str], message: str
) -> None:
    assert change[0] in PLANS
    with pytest.raises(ApplicationError, match=message):
        svc.plan_import(actor=secretariat, text=PLANS.replace(change[0], change[1], 1))
    assert not Plan.objects.exists()


def test_the_same_plan_is_not_loaded_twice(loaded: dict[str, Plan], secretariat: User) -> None:
    with pytest.raises(ApplicationError, match="exist already: khm-test, spa-test"):
        svc.plan_import(actor=secretariat, text=PLANS)


def test_who_loads_which_plans(make_user: Callable[..., User], khm_coordinator: User) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="KHM")
    with pytest.raises(ForbiddenError):
        svc.plan_import(actor=worker, text=PLANS)
    with pytest.raises(ForbiddenError, match="spa-test"):
        svc.plan_import(actor=khm_coordinator, text=PLANS)
    national = PLANS.split("  - key: khm-test")[1].replace("parent: spa-test", "")
    national = national.replace('rolls_up_to: "spa-test/1.b"', "")
    loaded = svc.plan_import(actor=khm_coordinator, text="plans:\n  - key: khm-test" + national)
    assert loaded[0].owner == khm_coordinator.organisation
    other = make_user(
        Role.NATIONAL_COORDINATOR, org="Thai NCC", country="THA", kind=OrganisationKind.GOVERNMENT
    )
    assert not svc.can_report(other, loaded[0])
    assert svc.can_report(khm_coordinator, loaded[0])


def test_a_file_of_aliases_naming_millions_of_items_is_refused(secretariat: User) -> None:
    # 100 objectives of 100 activities of 100 indicators: a million, in a few kilobytes.
    many = ", ".join(["*{}"] * 100)
    text = "\n".join(
        [
            "i: &i {number: '1', title: I, kind: reported}",
            "a: &a {number: '1', title: A, indicators: [" + many.format(*["i"] * 100) + "]}",
            "o: &o {number: '1', title: O, activities: [" + many.format(*["a"] * 100) + "]}",
            "plans:",
            "  - {key: bomb, title: B, level: regional, start: 2009-01-01, end: 2009-12-31,",
            "     objectives: [" + many.format(*["o"] * 100) + "]}",
        ]
    )
    assert len(text) < 5_000
    with pytest.raises(ApplicationError, match="more than 20000"):
        svc.plan_import(actor=secretariat, text=text)


def test_a_plan_report_for_a_period_in_docx_and_pdf(
    loaded: dict[str, Plan], tmp_path: Path, secretariat: User
) -> None:
    docx = plan_report_file(
        loaded["spa-test"],
        start=dt.date(2008, 1, 1),
        end=dt.date(2008, 12, 31),
        fmt="docx",
        language="en",
    )
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        body = z.read("word/document.xml").decode()
        notes = z.read("word/footnotes.xml").decode()
    assert body.count("<w:tbl>") == 1  # the 2008 period of 1.a; 1.b's starts in 2009
    assert "Registry: 3 of 6 States parties to Trafficking in Persons Protocol on 2008-12-31" in (
        notes
    )
    assert "Target missed" in body
    pdf = plan_report_file(
        loaded["spa-test"],
        start=dt.date(2008, 1, 1),
        end=dt.date(2010, 12, 31),
        fmt="pdf",
        language="ar",
    )
    text = extract_text(io.BytesIO(pdf))
    # The date in Arabic, laid out right to left (a PDF holds glyphs in visual order).
    assert "ديسمبر"[::-1] in text
    with translation.override("ar"):
        missed = str(Progress.MISSED.label)
    # Each word of the status reads backwards (glyphs in visual order); a cell may wrap.
    assert missed != "Target missed"
    assert all(word[::-1] in text for word in missed.split())
    out = tmp_path / "r.pdf"
    call_command(
        "monitoring", "plan", "report", "spa-test", "--format", "pdf", "-o", str(out), "--as", "sec"
    )
    assert out.read_bytes().startswith(b"%PDF")
    with pytest.raises(ApplicationError, match="ends before it starts"):
        plan_report_file(
            loaded["spa-test"],
            start=dt.date(2010, 1, 1),
            end=dt.date(2009, 1, 1),
            fmt="pdf",
            language="en",
        )
    del secretariat


def test_only_keepers_mark_activities_and_only_reporters_report(
    loaded: dict[str, Plan], make_user: Callable[..., User]
) -> None:
    spa = loaded["spa-test"]
    activity = Activity.objects.get(objective__plan=spa, number="1.1")
    outsider = make_user(Role.ANALYST, org="Another secretariat", country=None,
                         kind=OrganisationKind.INTERNATIONAL)  # fmt: skip
    with pytest.raises(ForbiddenError, match="keepers"):
        svc.activity_done(actor=outsider, activity=activity, on=dt.date(2009, 7, 10))
    indicator = PlanIndicator.objects.get(plan=spa, number="1.b")
    with pytest.raises(ForbiddenError):
        svc.value_save(
            actor=outsider,
            indicator=indicator,
            period_start=dt.date(2009, 1, 1),
            period_end=dt.date(2009, 12, 31),
            value=Decimal(1),
            evidence="x",
        )
    activity.refresh_from_db()
    assert activity.done_on is None and not indicator.values.exists()
