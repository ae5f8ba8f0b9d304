"""The demo seed gives the demo organisation's cases causes from their stalls' attributes, some
remedies, one incident and one problem with action items — once."""

from __future__ import annotations

import pytest

from unstuck.cases.models import Case
from unstuck.casework.demo import casework_demo_seed
from unstuck.casework.models import ActionItem, CaseCause, Incident, Problem, Remedy
from unstuck.demo.services import demo_seed
from unstuck.demo.tests.conftest import NOW


@pytest.mark.django_db
def test_the_demo_seed_works_its_cases_once() -> None:
    demo_seed(now=NOW, weeks=1)
    causes = CaseCause.objects.select_related("case__item", "category")
    assert causes.exists()
    for cause in causes.exclude(case__incident__isnull=False)[:50]:
        attrs = cause.case.item.attrs if cause.case.item else {}
        expected = {"staffing": "staffing_absence"}.get(attrs["cause_category"], attrs["cause_category"])
        assert cause.category.key == expected and cause.text == attrs["note"]
    cased = Case.objects.filter(item__isnull=False).count()
    with_cause_attr = Case.objects.filter(item__isnull=False, cause__isnull=True).count()
    assert cased > with_cause_attr  # most stuck items carry a cause; those without stay without
    assert (
        Remedy.objects.filter(status="pending").exists() and Remedy.objects.filter(status="approved").exists()
    )
    problem = Problem.objects.get()
    assert problem.links.exists() and problem.action_items.count() == 2
    assert ActionItem.objects.filter(done_at__isnull=False).count() == 1
    incident = Incident.objects.get()
    assert incident.filter == {"process": "order-delivery", "attrs": {"warehouse": "广州仓"}}
    assert incident.links.count() > 1
    incidents = 1
    before = (CaseCause.objects.count(), Remedy.objects.count(), Problem.objects.count())
    again = casework_demo_seed()
    assert (again.causes, again.remedies, again.incidents, again.problems) == (0, 0, 0, 0)
    assert (CaseCause.objects.count(), Remedy.objects.count(), Problem.objects.count()) == before
    assert Incident.objects.count() == incidents
