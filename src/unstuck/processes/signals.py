"""What processes tells the apps above it, which it may not import (the layers in pyproject.toml).

Sent inside the sender's transaction, so a receiver's writes commit or roll back with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

#: `process_load(migrate_open=True)` made `version` the current version of `process` and asks that its
#: open items move to it. Each receiver returns how many items it moved. Receiver: tracking
#: (`tracking.services.items_move_to_version`, connected in `TrackingConfig.ready`).
open_items_migrate = Signal()
