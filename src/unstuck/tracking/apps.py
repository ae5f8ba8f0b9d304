from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from unstuck.processes.models import Process, ProcessVersion


def move_open_items(sender: Any, *, process: Process, version: ProcessVersion, **kwargs: Any) -> int:
    """Receiver of `processes.signals.open_items_migrate`: put the open items on the new version."""
    from unstuck.tracking.services import items_move_to_version

    return items_move_to_version(process=process, version=version)


class TrackingConfig(AppConfig):
    name = "unstuck.tracking"
    label = "tracking"
    verbose_name = _("Tracking")

    def ready(self) -> None:
        from unstuck.processes.signals import open_items_migrate

        open_items_migrate.connect(move_open_items, dispatch_uid="tracking.move_open_items")
