from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count

from unstuck.accounts.models import Membership, Team
from unstuck.customers.models import Customer
from unstuck.demo.catalog import CAUSES
from unstuck.demo.history import history_build
from unstuck.demo.models import DemoSeed
from unstuck.demo.services import demo_admin_password_ensure, demo_seed, demo_seed_pending
from unstuck.demo.tests.conftest import NOW
from unstuck.demo.tests.shared import demo_week_rolled_back
from unstuck.stalls.models import Stall
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Event, Item

RULES = {"dwell", "confirmation", "interruption", "promise"}


def snapshot():
    return {
        "events": Event.objects.count(),
        "items": list(
            Item.objects.order_by("id").values_list("id", "current_step", "next_deadline", "fired")
        ),
        "stalls": list(Stall.objects.order_by("id").values_list("id", "resolved_at")),
        "customers": list(Customer.objects.order_by("id").values_list("id", "name", "phone", "email")),
        "users": get_user_model().objects.count(),
        "teams": Team.objects.count(),
        "seeds": list(DemoSeed.objects.values_list("id", "finished_at", "events")),
    }


@pytest.mark.django_db
def test_the_history_is_the_same_for_the_same_seed_and_differs_for_another():
    def keys(seed):
        return [(e.key, e.at, e.step) for e in history_build(now=NOW, weeks=1, seed=seed).events]

    assert keys(7) == keys(7)
    assert keys(7) != keys(8)


@pytest.mark.django_db
def test_the_admin_password_is_kept_in_the_data_dir_and_reused(tmp_path):
    secret = tmp_path / "demo-admin-password"
    password = demo_admin_password_ensure(secret_file=secret)
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert secret.stat().st_mode & 0o777 == 0o600
    assert demo_admin_password_ensure(secret_file=secret) == password
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("changed-by-someone")
    admin.save()
    assert demo_admin_password_ensure(secret_file=secret) != password


@pytest.mark.django_db
def test_an_interrupted_seed_resumes_with_its_own_end_time():
    DemoSeed.objects.create(anchor=NOW, weeks=1, seed=7)  # as left by a Ctrl-C during the first start
    result = demo_seed_pending(now=NOW + timedelta(days=2), weeks=4, seed=1)
    assert result is not None and result.accepted == result.events
    assert list(DemoSeed.objects.values_list("anchor", "weeks", "seed")) == [(NOW, 1, 7)]
    assert DemoSeed.objects.get().finished_at is not None
    assert demo_seed_pending(now=NOW + timedelta(days=3)) is None


@pytest.fixture(scope="class")
def seeded_week(django_db_setup, django_db_blocker):
    """One demo week shared by the tests of a class, rolled back after them."""
    with demo_week_rolled_back(django_db_blocker, now=NOW) as seeded:
        yield seeded


class TestOneSeededWeek:
    @pytest.fixture
    def seeded(self, seeded_week, db):
        return seeded_week

    def test_seeding_twice_changes_nothing(self, seeded):
        assert seeded.accepted == seeded.events > 1000
        before = snapshot()
        again = demo_seed(now=NOW, weeks=1)
        assert (again.accepted, again.duplicates, again.stalls) == (0, seeded.events, 0)
        assert snapshot() == before

    def test_after_a_worker_pass_every_rule_kind_has_open_stalls(self, seeded):
        while deadlines_process_due(now=NOW).items:
            pass
        open_stalls = Stall.objects.filter(resolved_at__isnull=True)
        assert set(open_stalls.values_list("rule", flat=True)) == RULES
        per_process = dict(open_stalls.values_list("process__key").annotate(n=Count("id")))
        assert set(per_process) >= {"order-delivery", "b-dispatch-confirmation", "account-closure"}
        # Stalls of the past were recorded while they happened, and most have since recovered.
        resolved = Stall.objects.filter(resolved_at__isnull=False)
        assert resolved.count() > open_stalls.count()
        assert set(resolved.values_list("rule", flat=True)) == RULES
        assert all(s.detected_at - s.since < timedelta(minutes=25) for s in resolved)

    def test_yesterday_has_stalls_to_brief_on(self, seeded):
        today = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
        yesterday = Stall.objects.filter(since__gte=today - timedelta(days=1), since__lt=today)
        assert yesterday.count() >= 10
        assert yesterday.values("process").distinct().count() >= 2

    def test_stuck_items_carry_a_named_cause(self, seeded):
        causes = Event.objects.filter(attrs__has_key="cause").values_list("attrs", flat=True)
        seen = {attrs["cause"] for attrs in causes}
        assert len(seen) >= 7, seen
        for attrs in causes:
            cause = CAUSES[attrs["cause"]]
            assert (attrs["cause_zh"], attrs["cause_category"]) == (cause.zh, cause.category)
            assert attrs["note"]
        stocked_out = Item.objects.filter(
            process__key="order-delivery", current_step="picking", attrs__cause="stock_out"
        )
        assert stocked_out.filter(attrs__warehouse="广州仓").exists(), (
            "yesterday's sell-out at 广州仓 is still open"
        )

    def test_the_organisation_and_customers_look_real(self, seeded):
        user_model = get_user_model()
        admin = user_model.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()
        assert Membership.objects.filter(team__key="service-1", role="supervisor").exists()
        assert Team.objects.get(key="warehouse").name == "仓储组"
        customer = Customer.objects.order_by("id")[0]
        assert customer.name[-2:] in ("女士", "先生")
        assert customer.phone.startswith("1") and len(customer.phone) == 11
        assert customer.email.split("@")[1] in ("example.com", "example.cn")
        assert Item.objects.filter(customer__isnull=True).count() == 0
