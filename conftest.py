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
