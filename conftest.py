"""Test-wide setup: no network beyond this machine, and helpers for end-to-end runs."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # Anything external is a real local server started by the test; nothing leaves the machine.
    if config.pluginmanager.hasplugin("socket") and not config.getoption("allow_hosts", None):
        config.option.allow_hosts = "127.0.0.1,::1,localhost"


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Row ids are reused once a test's transaction rolls back, so id-keyed caches must not outlive a test."""
    from unstuck.calendars.business_time import calendars_changed
    from unstuck.processes.spec import spec_for_version

    spec_for_version.cache_clear()
    calendars_changed()


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
