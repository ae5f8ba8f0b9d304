"""How the desk words and colours things: rule names, "stuck for" durations and their urgency."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy

from unstuck.stalls.models import Stall

#: Plain words for the stall rules, in the order the board lists them (context keeps them apart from
#: the model's own labels, which other screens may word differently).
RULE_LABELS: dict[str, Promise] = {
    Stall.Rule.CONFIRMATION: pgettext_lazy("stall rule", "Unconfirmed"),
    Stall.Rule.DWELL: pgettext_lazy("stall rule", "Dwell overdue"),
    Stall.Rule.INTERRUPTION: pgettext_lazy("stall rule", "Interrupted"),
    Stall.Rule.PROMISE: pgettext_lazy("stall rule", "Overdue"),
}
RULE_ORDER = {rule: position for position, rule in enumerate(RULE_LABELS)}

#: Stuck longer than these many seconds turns a duration amber, then red.
AMBER_AFTER = 3600
RED_AFTER = 24 * 3600


def rule_label(rule: str) -> str:
    """The rule in plain words; an unknown rule shows as its key."""
    label = RULE_LABELS.get(rule)
    return str(label) if label is not None else rule


def human_duration(seconds: float) -> str:
    """A short human duration in the active language, at most two units: 3天4小时, 2小时5分, 12分钟.

    The "duration" context keeps the desk's compact wording apart from same-looking msgids in other
    apps (cases says "%(minutes)d min" as "30 分钟" in its SLA panel, and earlier apps win the merged
    catalogue)."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return pgettext("duration", "%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return pgettext("duration", "%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return pgettext("duration", "%(minutes)d min") % {"minutes": minutes}
    return pgettext("duration", "under a minute")


def urgency(seconds: float) -> str:
    """How alarming a stuck-for duration is: "calm", "amber" (over an hour) or "red" (over a day)."""
    if seconds > RED_AFTER:
        return "red"
    if seconds > AMBER_AFTER:
        return "amber"
    return "calm"


def countdown_text(seconds: int | None) -> str:
    """Remaining business time as the countdown shows it (desk.js ticks the same format):
    1:05:09 under a day, 2天 03:04 above, 超时 0:12:00 once past due."""
    if seconds is None:
        return "—"
    total = abs(int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = gettext("{days}d {hh}:{mm}").format(days=days, hh=f"{hours:02d}", mm=f"{minutes:02d}")
    else:
        text = f"{hours}:{minutes:02d}:{secs:02d}"
    return gettext("overdue {time}").format(time=text) if seconds < 0 else text


#: The desk's words for case fields (context keeps them apart from the cases app's model labels).
CASE_STATUS_LABELS: dict[str, Promise] = {
    "new": pgettext_lazy("case status", "New"),
    "in_progress": pgettext_lazy("case status", "In progress"),
    "waiting_customer": pgettext_lazy("case status", "Waiting on the customer"),
    "waiting_internal": pgettext_lazy("case status", "Waiting on a colleague"),
    "resolved": pgettext_lazy("case status", "Resolved"),
    "closed": pgettext_lazy("case status", "Closed"),
}
CASE_TYPE_LABELS: dict[str, Promise] = {
    "unconfirmed": pgettext_lazy("case type", "Unconfirmed"),
    "interrupted": pgettext_lazy("case type", "Process interrupted"),
    "overdue": pgettext_lazy("case type", "Overdue delivery"),
    "stuck": pgettext_lazy("case type", "Stuck in a step"),
    "contract_dispute": pgettext_lazy("case type", "Contract dispute"),
    "cross_department": pgettext_lazy("case type", "Cross-department"),
    "emergency": pgettext_lazy("case type", "Emergency"),
    "requirement_change": pgettext_lazy("case type", "Requirement change"),
    "complaint": pgettext_lazy("case type", "Complaint"),
    "other": pgettext_lazy("case type", "Other"),
}
PRIORITY_LABELS: dict[str, Promise] = {
    "P1": pgettext_lazy("priority", "P1 critical"),
    "P2": pgettext_lazy("priority", "P2 high"),
    "P3": pgettext_lazy("priority", "P3 medium"),
    "P4": pgettext_lazy("priority", "P4 low"),
}
SLA_STATE_LABELS: dict[str, Promise] = {
    "ok": pgettext_lazy("sla state", "On track"),
    "warning": pgettext_lazy("sla state", "Nearing breach"),
    "breached": pgettext_lazy("sla state", "Breached"),
    "paused": pgettext_lazy("sla state", "Paused (waiting on the customer)"),
}
TIMELINE_KIND_LABELS: dict[str, Promise] = {
    "opened": pgettext_lazy("timeline", "Opened"),
    "stall_added": pgettext_lazy("timeline", "Stall added"),
    "assigned": pgettext_lazy("timeline", "Assigned"),
    "status_changed": pgettext_lazy("timeline", "Status changed"),
    "note": pgettext_lazy("timeline", "Note"),
    "resolved_auto": pgettext_lazy("timeline", "Resolved by itself"),
    "reopened": pgettext_lazy("timeline", "Reopened"),
    "mail_attached": pgettext_lazy("timeline", "Quarantined mail attached"),
    "mail_discarded": pgettext_lazy("timeline", "Quarantined mail discarded"),
}


def label(labels: dict[str, Promise], value: str) -> str:
    """A value in the desk's words; one the table does not know shows as itself."""
    found = labels.get(value)
    return str(found) if found is not None else value


#: What the case page's buttons say to move a case to each status (a verb, not the status' name).
CASE_ACTION_LABELS: dict[str, Promise] = {
    "in_progress": pgettext_lazy("case action", "Work on it"),
    "waiting_customer": pgettext_lazy("case action", "Wait for the customer"),
    "waiting_internal": pgettext_lazy("case action", "Wait for a colleague"),
    "resolved": pgettext_lazy("case action", "Resolve"),
    "closed": pgettext_lazy("case action", "Close"),
}
