"""How the desk words and colours things: rule names, "stuck for" durations and their urgency."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

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
    """A short human duration in the active language, at most two units: 3天4小时, 2小时5分, 12分钟."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    return gettext("under a minute")


def urgency(seconds: float) -> str:
    """How alarming a stuck-for duration is: "calm", "amber" (over an hour) or "red" (over a day)."""
    if seconds > RED_AFTER:
        return "red"
    if seconds > AMBER_AFTER:
        return "amber"
    return "calm"
