"""What tracking tells the apps above it, which it may not import (the layers in pyproject.toml).

Sent inside the sender's transaction, so a receiver's writes commit or roll back with the change.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Items whose visit or promise may have changed. `current` maps each item id to (its new state, the
#: markers of its current moments). Sent after an ingest batch and after open items move to a new
#: process version. Receiver: stalls closes the open stalls they left behind
#: (`stalls.resolution.stalls_resolve_left_behind`, connected in `StallsConfig.ready`).
items_rescheduled = Signal()
