"""Test-wide setup: no network beyond this machine, and helpers for end-to-end runs."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

#: `UNSTUCK_TEST_NOW=2026-10-01T08:59:00+08:00` runs the session as if started at that moment (the
#: clock keeps ticking from there), so CI can prove the time-sensitive tests pass at any hour.
TEST_NOW = "UNSTUCK_TEST_NOW"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now",
        default=os.environ.get(TEST_NOW, ""),
        help=f"ISO moment with its offset the session starts at, ticking from there (or ${TEST_NOW})",
    )


def pytest_configure(config: pytest.Config) -> None:
    # Anything external is a real local server started by the test; nothing leaves the machine.
    if config.pluginmanager.hasplugin("socket") and not config.getoption("allow_hosts", None):
        config.option.allow_hosts = "127.0.0.1,::1,localhost"
    now = config.getoption("now")
    if now:
        import time_machine

        moment = datetime.fromisoformat(now)
        if moment.tzinfo is None:
            raise pytest.UsageError(f"--now / {TEST_NOW} needs an offset, e.g. 2026-10-01T08:59:00+08:00")
        # Started here, so every xdist worker and pytest-django's database setup already see it.
        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    now = config.getoption("now")
    return f"clock pinned: the session starts at {now}" if now else None


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Row ids are reused once a test's transaction rolls back, so id-keyed caches must not outlive a test."""
    from unstuck.demo.tests.shared import id_keyed_caches_clear

    id_keyed_caches_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the migrated database before it starts.

    Reference rows (message templates, SLA policies, cause categories, calendars) come from data
    migrations, and a transactional test's flush removes them. With `serialized_rollback` on every
    such test, each starts from the migrated contents, and no flush re-runs post_migrate, whose
    content types would clash with the restored ones.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction") or marker.kwargs.get("serialized_rollback"):
            continue
        item.add_marker(
            pytest.mark.django_db(*marker.args, **{**marker.kwargs, "serialized_rollback": True}),
            append=False,
        )
