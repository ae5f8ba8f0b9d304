"""Recurring cause detection: the same cause category at the same step of one process, on items that
share an attribute value (warehouse, carrier …), in at least K cases within a window, and not yet
covered by an open Problem — proposed once to supervisors, who turn it into a Problem linking those
cases (through casework's problem services) or dismiss it.

Counting: the cases opened in `[now - window, now)` that carry a recorded cause (casework's
CaseCause); a case's step is the step of its first stall; cases already linked to an open problem
(open or fix in progress) are left out, so an accepted proposal stops recurring by itself. After a
dismissal, only cases opened after it count again for that signature.

Idempotent and safe with two workers: at most one open proposal per signature (a partial unique
constraint); a second worker's insert fails that constraint and is skipped.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.models import CaseStall
from unstuck.casework.models import CaseCause, ProblemCase, ProblemStatus
from unstuck.casework.permissions import require_supervisor
from unstuck.casework.services.problems import problem_case_link, problem_create
from unstuck.core.errors import DomainError
from unstuck.insights.brief import brief_teams_for
from unstuck.insights.brief_work import proposals_of_teams
from unstuck.insights.models_recurring import CauseProposal, CauseProposalStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.casework.models import Problem

#: Defaults; override with UNSTUCK_RECURRING_MIN_CASES / _WINDOW_DAYS / _ATTRIBUTES / _SCAN_SECONDS.
MIN_CASES = 5
WINDOW_DAYS = 7
ATTRIBUTES = ("warehouse", "carrier", "supplier", "region", "channel", "sku")
SCAN_SECONDS = 300


@dataclass(frozen=True)
class RecurringConfig:
    """How many cases in how many days, over which item attributes."""

    min_cases: int
    window: timedelta
    attributes: tuple[str, ...]


def recurring_config() -> RecurringConfig:
    """The configured thresholds (settings), with sensible defaults."""
    attributes = getattr(settings, "UNSTUCK_RECURRING_ATTRIBUTES", ATTRIBUTES)
    return RecurringConfig(
        min_cases=max(2, int(getattr(settings, "UNSTUCK_RECURRING_MIN_CASES", MIN_CASES))),
        window=timedelta(days=max(1, int(getattr(settings, "UNSTUCK_RECURRING_WINDOW_DAYS", WINDOW_DAYS)))),
        attributes=tuple(attributes),
    )


Signature = tuple[int, int, str, str, str]  # category, process, step, attribute, value


def _first_steps(case_ids: list[int]) -> dict[int, str]:
    steps: dict[int, str] = {}
    rows = CaseStall.objects.filter(case_id__in=case_ids).order_by("case_id", "stall_id")
    for case_id, step in rows.values_list("case_id", "stall__step"):
        steps.setdefault(case_id, step)
    return steps


def recurring_candidates(*, now: datetime, config: RecurringConfig) -> dict[Signature, list[int]]:
    """Signatures with at least `min_cases` uncovered cases in the window, and those cases."""
    since = now - config.window
    causes = CaseCause.objects.filter(
        case__opened_at__gte=since, case__opened_at__lt=now, case__item__isnull=False
    ).exclude(case__problem_link__problem__status__in=[ProblemStatus.OPEN, ProblemStatus.FIX_IN_PROGRESS])
    rows = list(
        causes.values_list(
            "case_id", "category_id", "case__item__process_id", "case__item__attrs", "case__opened_at"
        )
    )
    steps = _first_steps([row[0] for row in rows])
    last_dismissed = (
        CauseProposal.objects.filter(status=CauseProposalStatus.DISMISSED, decided_at__gte=since)
        .values("category_id", "process_id", "step", "attribute", "value")
        .annotate(last=Max("decided_at"))
        .values_list("category_id", "process_id", "step", "attribute", "value", "last")
    )
    dismissed = {(c, p, s, a, v): last for c, p, s, a, v, last in last_dismissed}
    found: dict[Signature, list[int]] = defaultdict(list)
    for case_id, category_id, process_id, attrs, opened_at in rows:
        step = steps.get(case_id)
        if step is None or not isinstance(attrs, dict):
            continue
        for attribute in config.attributes:
            value = attrs.get(attribute)
            if value is None or value == "" or isinstance(value, dict | list):
                continue
            signature = (category_id, process_id, step, attribute, str(value)[:200])
            cutoff = dismissed.get(signature)
            if cutoff is not None and opened_at <= cutoff:
                continue
            found[signature].append(case_id)
    return {key: sorted(ids) for key, ids in found.items() if len(ids) >= config.min_cases}


def recurring_causes_scan(*, now: datetime | None = None, config: RecurringConfig | None = None) -> int:
    """Record a proposal for each new recurring cause; refresh the cases of open ones. Returns how
    many proposals it created."""
    now = now or timezone.now()
    config = config or recurring_config()
    candidates = recurring_candidates(now=now, config=config)
    if not candidates:
        return 0
    open_ones = {
        (p.category_id, p.process_id, p.step, p.attribute, p.value): p
        for p in CauseProposal.objects.filter(status=CauseProposalStatus.OPEN)
    }
    created = 0
    for signature, case_ids in sorted(candidates.items()):
        existing = open_ones.get(signature)
        if existing is not None:
            merged = sorted(set(existing.case_ids) | set(case_ids))
            if merged != existing.case_ids:
                CauseProposal.objects.filter(pk=existing.pk, status=CauseProposalStatus.OPEN).update(
                    case_ids=merged, window_end=now
                )
            continue
        category_id, process_id, step, attribute, value = signature
        try:
            with transaction.atomic():
                CauseProposal.objects.create(
                    category_id=category_id,
                    process_id=process_id,
                    step=step,
                    attribute=attribute,
                    value=value,
                    case_ids=case_ids,
                    window_start=now - config.window,
                    window_end=now,
                    found_at=now,
                )
        except IntegrityError:  # another worker recorded the same proposal a moment ago
            continue
        created += 1
    return created


_last_scan = 0.0


def recurring_causes_due() -> int:
    """The worker's entry point: scan at most every UNSTUCK_RECURRING_SCAN_SECONDS per process."""
    global _last_scan
    interval = float(getattr(settings, "UNSTUCK_RECURRING_SCAN_SECONDS", SCAN_SECONDS))
    if time.monotonic() - _last_scan < interval and _last_scan:
        return 0
    _last_scan = time.monotonic()
    return recurring_causes_scan()


def _proposal_locked(proposal_id: int, actor: User) -> CauseProposal:
    """The proposal, locked, if `actor` may decide it: a supervisor only those with a case of a team
    they supervise (another team's answers 404, as if it did not exist)."""
    proposal = (
        CauseProposal.objects.select_for_update().select_related("category").filter(pk=proposal_id).first()
    )
    if proposal is None or not proposals_of_teams([proposal], brief_teams_for(user=actor)):
        raise DomainError("proposal_not_found", f"No recurring-cause proposal {proposal_id}.", status=404)
    if proposal.status != CauseProposalStatus.OPEN:
        raise DomainError(
            "proposal_decided", f"Proposal {proposal_id} was already {proposal.status}.", status=409
        )
    return proposal


def proposal_title(proposal: CauseProposal) -> str:
    """What the Problem made from a proposal is called."""
    return _("Recurring: %(cause)s at %(step)s, %(attribute)s = %(value)s") % {
        "cause": proposal.category.name,
        "step": proposal.step,
        "attribute": proposal.attribute,
        "value": proposal.value,
    }


@transaction.atomic
def proposal_accept(*, proposal_id: int, actor: User) -> Problem:
    """Create the Problem (owned by `actor`, a supervisor) and link the proposal's cases to it;
    cases meanwhile linked to another open problem stay where they are."""
    require_supervisor(actor, "turn a recurring cause into a problem")
    proposal = _proposal_locked(proposal_id, actor)
    problem = problem_create(
        actor=actor,
        title=proposal_title(proposal),
        owner_username=actor.get_username(),
        description=_("%(count)s cases between %(start)s and %(end)s (found by the recurring-cause scan).")
        % {
            "count": len(proposal.case_ids),
            "start": timezone.localtime(proposal.window_start).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(proposal.window_end).strftime("%Y-%m-%d %H:%M"),
        },
        cause_category=proposal.category.key,
    )
    taken = set(
        ProblemCase.objects.filter(
            case_id__in=proposal.case_ids,
            problem__status__in=[ProblemStatus.OPEN, ProblemStatus.FIX_IN_PROGRESS],
        ).values_list("case_id", flat=True)
    )
    for case_id in proposal.case_ids:
        if case_id not in taken:
            try:
                problem_case_link(problem_id=problem.pk, case_id=case_id, actor=actor)
            except DomainError as missing:  # a case deleted since the scan
                if missing.status != 404:
                    raise
    proposal.status = CauseProposalStatus.ACCEPTED
    proposal.problem = problem
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "problem", "decided_by", "decided_at"])
    return problem


@transaction.atomic
def proposal_dismiss(*, proposal_id: int, actor: User) -> CauseProposal:
    """Dismiss a proposal (supervisors); only cases opened after now count again for its signature."""
    require_supervisor(actor, "dismiss a recurring cause")
    proposal = _proposal_locked(proposal_id, actor)
    proposal.status = CauseProposalStatus.DISMISSED
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    return proposal
