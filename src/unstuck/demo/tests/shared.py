"""A seeded demo week that several tests read, for modules beyond the demo app's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction

from unstuck.demo.services import DemoSeedResult, demo_seed


def id_keyed_caches_clear() -> None:
    """Forget caches keyed by row id: ids are reused once a test's transaction rolls back."""
    from unstuck.calendars.business_time import calendars_changed
    from unstuck.processes.spec import spec_for_version

    spec_for_version.cache_clear()
    calendars_changed()


@contextmanager
def demo_week_rolled_back(django_db_blocker: Any, *, now: datetime) -> Iterator[DemoSeedResult]:
    """Seed one demo week ending at `now` in an outer transaction rolled back at the end.

    For a module- or class-scoped fixture: each test inside still runs in its own savepoint (the
    `db` fixture), so what one test writes the next does not see.
    """
    # A module-scoped fixture starts before the per-test cache reset of its first test, so the
    # versions an earlier module's rolled-back test cached under the same ids must be forgotten here.
    id_keyed_caches_clear()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_seed(now=now, weeks=1)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
