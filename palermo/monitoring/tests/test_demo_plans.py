"""The action plans the seed documents describe, as demo data: every plan, objective, activity
and indicator says where in the seeds it comes from; targets the seeds do not give are marked
illustrative; computed indicators count from the registry as of a date."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from palermo.core.models import User
from palermo.monitoring.choices import IndicatorKind
from palermo.monitoring.demo import demo_plans_load
from palermo.monitoring.models import Activity, Objective, Plan, PlanIndicator, Target
from palermo.monitoring.progress import plan_progress

pytestmark = pytest.mark.django_db


def test_the_seed_plans_load_once_with_their_sources(secretariat: User) -> None:
    loaded = demo_plans_load(actor=secretariat)
    keys = {p.key for p in loaded}
    assert {
        "ouagadougou-action-plan",
        "ecowas-eccas-joint-plan-2006-2008",
        "sadc-plan-of-action-2009-2019",
        "oas-work-plan-2010-2012",
        "commit-spa-1",
        "commit-spa-2",
        "osce-action-plan-2003",
    } <= keys
    assert demo_plans_load(actor=secretariat) == []
    assert not Plan.objects.filter(source="").exists()
    assert not Objective.objects.filter(source="").exists()
    assert not Activity.objects.filter(source="").exists()
    assert not PlanIndicator.objects.filter(source="").exists()
    computed = PlanIndicator.objects.filter(kind=IndicatorKind.COMPUTED)
    assert computed.exists() and not computed.filter(metric="").exists()
    illustrative = Target.objects.filter(illustrative=True)
    assert set(illustrative.values_list("indicator__metric", flat=True)) <= {
        "parties:trafficking-protocol",
        "parties:untoc",
    }
    spa1 = Plan.objects.get(key="commit-spa-1")
    assert (spa1.mechanism.acronym if spa1.mechanism else None, spa1.start, spa1.end) == (
        "COMMIT",
        dt.date(2005, 1, 1),
        dt.date(2007, 12, 31),
    )


def test_the_joint_plan_counts_eccas_parties_by_its_end(secretariat: User) -> None:
    demo_plans_load(actor=secretariat)
    plan = Plan.objects.get(key="ecowas-eccas-joint-plan-2006-2008")
    progress = plan_progress(plan, dt.date(2009, 1, 1))
    rows = {
        r.indicator.metric: r
        for o in progress.objectives
        for r in o.indicators + [i for a in o.activities for i in a.indicators]
    }
    protocol = rows["parties:trafficking-protocol"].periods[-1]
    # Cameroon, the Central African Republic, the Democratic Republic of the Congo, Equatorial
    # Guinea, Rwanda and Sao Tome and Principe were parties by the end of 2008.
    assert protocol.actual == Decimal(6)
    assert protocol.detail.startswith("Registry: 6 of 11 States parties")


def test_make_run_loads_them_with_the_command(secretariat: User) -> None:
    out = io.StringIO()
    call_command("monitoring", "demo-plans", "--as", "sec", stdout=out)
    assert "action plans loaded" in out.getvalue()
    out = io.StringIO()
    call_command("monitoring", "demo-plans", "--as", "sec", stdout=out)
    assert "loaded before" in out.getvalue()
