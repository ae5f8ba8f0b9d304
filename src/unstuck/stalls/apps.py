from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from unstuck.tracking.item_state import ItemState


def resolve_left_behind(sender: Any, *, current: dict[int, tuple[ItemState, set[str]]], **kwargs: Any) -> int:
    """Receiver of `tracking.signals.items_rescheduled`: close the stalls the items have left behind."""
    from unstuck.stalls.resolution import stalls_resolve_left_behind

    return stalls_resolve_left_behind(current)


class StallsConfig(AppConfig):
    name = "unstuck.stalls"
    label = "stalls"
    verbose_name = _("Stalls")

    def ready(self) -> None:
        from unstuck.tracking.signals import items_rescheduled

        items_rescheduled.connect(resolve_left_behind, dispatch_uid="stalls.resolve_left_behind")
