"""The rules of a case's life that are tables, not code: types, statuses, allowed transitions,
which type a stall rule opens, and the default urgency and impact × urgency → priority matrix."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    """What kind of trouble a case is about (the first four are opened by stall rules)."""

    UNCONFIRMED = "unconfirmed", _("Unconfirmed")  # 未确认
    INTERRUPTED = "interrupted", _("Process interrupted")  # 流程中断
    OVERDUE = "overdue", _("Overdue delivery")  # 未交货/逾期
    # A step took longer than its limit while the customer's promise may still hold: internal
    # slowness, a different playbook and urgency from a broken promise, hence its own type.
    STUCK = "stuck", _("Stuck in a step")  # 停滞
    CONTRACT_DISPUTE = "contract_dispute", _("Contract dispute")  # 合同争议
    CROSS_DEPARTMENT = "cross_department", _("Cross-department")  # 跨部门
    EMERGENCY = "emergency", _("Emergency")  # 紧急事件
    REQUIREMENT_CHANGE = "requirement_change", _("Requirement change")  # 需求变更
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    OTHER = "other", _("Other")  # 其他


class CaseStatus(models.TextChoices):
    """Where a case is in its life; `resolved` and `closed` are the finished ones."""

    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting on the customer")
    WAITING_INTERNAL = "waiting_internal", _("Waiting on a colleague")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    """P1 (drop everything) to P4 (when there is time)."""

    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 medium")
    P4 = "P4", _("P4 low")


class Level(models.TextChoices):
    """Impact and urgency levels of the priority matrix."""

    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


FINISHED: frozenset[str] = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})
OPEN: tuple[str, ...] = tuple(status for status in CaseStatus.values if status not in FINISHED)

_WORKING = {CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_INTERNAL}

#: status → statuses it may move to. Every open status may resolve (the item may recover at any
#: time); a finished case reopens to `in_progress`. Anything else is refused as `invalid_transition`.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    CaseStatus.IN_PROGRESS: frozenset(
        {CaseStatus.WAITING_CUSTOMER, CaseStatus.WAITING_INTERNAL, CaseStatus.RESOLVED}
    ),
    CaseStatus.WAITING_CUSTOMER: frozenset(_WORKING - {CaseStatus.WAITING_CUSTOMER} | {CaseStatus.RESOLVED}),
    CaseStatus.WAITING_INTERNAL: frozenset(_WORKING - {CaseStatus.WAITING_INTERNAL} | {CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.IN_PROGRESS}),
    CaseStatus.CLOSED: frozenset({CaseStatus.IN_PROGRESS}),
}

#: The case type a stall rule opens.
TYPE_FOR_RULE: dict[str, str] = {
    "confirmation": CaseType.UNCONFIRMED,
    "interruption": CaseType.INTERRUPTED,
    "promise": CaseType.OVERDUE,
    "dwell": CaseType.STUCK,
}

#: How fast a case of each type needs action, before anything is known about the item.
URGENCY_FOR_TYPE: dict[str, str] = {
    CaseType.UNCONFIRMED: Level.MEDIUM,
    CaseType.INTERRUPTED: Level.HIGH,
    CaseType.OVERDUE: Level.HIGH,
    CaseType.STUCK: Level.MEDIUM,
    CaseType.CONTRACT_DISPUTE: Level.MEDIUM,
    CaseType.CROSS_DEPARTMENT: Level.MEDIUM,
    CaseType.EMERGENCY: Level.HIGH,
    CaseType.REQUIREMENT_CHANGE: Level.LOW,
    CaseType.COMPLAINT: Level.HIGH,
    CaseType.OTHER: Level.LOW,
}

#: (impact, urgency) → priority, the usual ITIL-style matrix.
PRIORITY_MATRIX: dict[tuple[str, str], str] = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}

#: Impact when no ImpactRule matches the item (or the case has no item).
DEFAULT_IMPACT = Level.MEDIUM


def transition_allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())
