"""Writes for the admin's SLA settings: a priority's targets and its escalation ladder.

A clock keeps the budget it started with, so a change here applies to clocks started afterwards;
every change is checked in full (the model's validators plus rules across fields) before it is saved.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from unstuck.cases.sla_models import EscalationLevel, SlaPolicy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def _fractions_check(fractions: list[float]) -> None:
    if fractions != sorted(fractions):
        raise ValidationError(
            {"warn_fractions": _("List the warning fractions in ascending order, e.g. 0.5, 0.75.")}
        )


def sla_policy_update(
    *,
    policy: SlaPolicy,
    actor: User,
    first_response: str,
    next_update: str,
    resolution: str,
    pause_statuses: list[str],
    warn_fractions: list[float],
    active: bool,
) -> SlaPolicy:
    """Change one priority's targets, pausing statuses and warnings; raises ValidationError by field."""
    policy.first_response = first_response.strip()
    policy.next_update = next_update.strip()
    policy.resolution = resolution.strip()
    policy.pause_statuses = pause_statuses
    policy.warn_fractions = warn_fractions
    policy.active = active
    policy.full_clean(validate_unique=False)
    _fractions_check(warn_fractions)
    with transaction.atomic():
        policy.save()
    log.info("SLA policy %s changed by %s", policy.priority, actor.get_username())
    return policy


def escalation_level_save(
    *,
    policy: SlaPolicy,
    actor: User,
    level: EscalationLevel | None = None,
    target: str,
    at_fraction: float,
    delay: str,
    notify: str,
    reassign: str,
    user: User | None,
) -> EscalationLevel:
    """Add a rung to `policy`'s ladder (at the end) or change `level`; raises ValidationError by field."""
    with transaction.atomic():
        if level is None:
            last = policy.levels.order_by("-position").values_list("position", flat=True).first()
            level = EscalationLevel(policy=policy, position=(last or 0) + 1)
        elif level.policy_id != policy.pk:
            raise ValidationError(_("That level belongs to another policy."))
        level.target = target
        level.at_fraction = at_fraction
        level.delay = delay.strip()
        level.notify = notify
        level.reassign = reassign
        level.user = user
        level.full_clean(exclude=["policy"], validate_unique=False)
        level.save()
    log.info("Escalation level %s/%s saved by %s", policy.priority, level.position, actor.get_username())
    return level


def escalation_level_delete(*, level: EscalationLevel, actor: User) -> None:
    """Remove a rung and close the gap, so the ladder stays 1, 2, 3 ...; timers already made keep firing
    nothing for it (they fall back to no level)."""
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=level.policy_id)
        level.delete()
        for position, rung in enumerate(policy.levels.order_by("position"), start=1):
            if rung.position != position:
                EscalationLevel.objects.filter(pk=rung.pk).update(position=position)
    log.info("Escalation level of %s deleted by %s", policy.priority, actor.get_username())
