"""Closing stalls an item has left behind (it moved on, finished, or was given a new promise)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from unstuck.stalls.models import Stall

if TYPE_CHECKING:
    from unstuck.tracking.item_state import ItemState


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
            resolved_at, why = state.last_at, f"promise superseded or kept: now at {state.step}"
        else:
            resolved_at, why = state.step_since, f"moved on to {state.step}"
        by_outcome[(resolved_at, why[:300])].append(stall_id)
    for (resolved_at, why), ids in by_outcome.items():
        Stall.objects.filter(id__in=ids).update(resolved_at=resolved_at, resolution=why)
    return sum(len(ids) for ids in by_outcome.values())
