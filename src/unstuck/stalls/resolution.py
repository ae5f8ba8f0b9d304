"""Closing stalls an item has left behind (it moved on, finished, or was given a new promise)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from unstuck.processes.spec import step_name
from unstuck.stalls.models import Stall

if TYPE_CHECKING:
    from unstuck.tracking.item_state import ItemState


#: How a stored `resolution` begins: English (the API's stable wording), then the step key.
MOVED_ON = "moved on to "
PROMISE_MOVED = "promise superseded or kept: now at "


def resolution_words(stall: Stall) -> str:
    """The stall's resolution in the active language, with the step's name (the stall's item comes loaded)."""
    text = stall.resolution
    version_id = stall.item.version_id if stall.item_id else None
    if text.startswith(MOVED_ON):
        return _("moved on to %(step)s") % {"step": step_name(version_id, text[len(MOVED_ON) :])}
    if text.startswith(PROMISE_MOVED):
        step = step_name(version_id, text[len(PROMISE_MOVED) :])
        return _("its promise was kept or replaced; now at %(step)s") % {"step": step}
    return text


def stalls_resolve_left_behind(current: dict[int, tuple[ItemState, set[str]]]) -> int:
    """Resolve each open stall whose visit or promise is no longer the item's current one."""
    if not current:
        return 0
    open_stalls = Stall.objects.filter(item_id__in=list(current), resolved_at__isnull=True).values_list(
        "id", "item_id", "rule", "visit_key"
    )
    by_outcome: dict[tuple[datetime, str], list[int]] = defaultdict(list)
    for stall_id, item_id, rule, visit_key in open_stalls:
        state, markers = current[item_id]
        if f"{rule}|{visit_key}" in markers:
            continue
        if rule == Stall.Rule.PROMISE:
            resolved_at, why = state.last_at, f"{PROMISE_MOVED}{state.step}"
        else:
            resolved_at, why = state.step_since, f"{MOVED_ON}{state.step}"
        by_outcome[(resolved_at, why[:300])].append(stall_id)
    for (resolved_at, why), ids in by_outcome.items():
        Stall.objects.filter(id__in=ids).update(resolved_at=resolved_at, resolution=why)
    return sum(len(ids) for ids in by_outcome.values())
