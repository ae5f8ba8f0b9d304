"""Background jobs of the cases app, run by `unstuck worker` (see cases.routing)."""

from __future__ import annotations

from django.conf import settings

from unstuck.cases.escalation import sla_timers_fire
from unstuck.cases.reassignment import cases_reassign_absent
from unstuck.cases.routing import cases_resolve_recovered, cases_route_stalls


def cases_route_stalls_job() -> int:
    """Open or extend a case for each new stall; returns how many stalls it routed."""
    return cases_route_stalls(batch=settings.UNSTUCK_WORKER_BATCH).stalls


def cases_resolve_recovered_job() -> int:
    """Resolve the cases whose items recovered; returns how many resolved stalls it looked at."""
    return cases_resolve_recovered(batch=settings.UNSTUCK_WORKER_BATCH)


def sla_timers_job() -> int:
    """Fire the SLA warnings, breaches and escalation levels that fell due; returns how many fired."""
    return sla_timers_fire(batch=settings.UNSTUCK_WORKER_BATCH)


def cases_reassign_absent_job() -> int:
    """Hand absent owners' cases nearing breach to their deputy or team; returns how many moved."""
    return cases_reassign_absent(batch=settings.UNSTUCK_WORKER_BATCH)
