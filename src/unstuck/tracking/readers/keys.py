"""Idempotency keys for imported rows that bring none.

The ingest service keys a keyless event by (process, item, step, at), which makes a replay a no-op,
but also folds rows that repeat exactly into one. Real logs contain such repeats that are distinct
events (the Helpdesk log has 127), so the second and later copies of a row get the default key with
a counter. The first copy keeps the service's own default key, so the same fact sent later through
the API is still recognised as a duplicate.
"""

from __future__ import annotations

from typing import Any

from unstuck.tracking.readers.common import EventDict
from unstuck.tracking.validation import default_event_key

# Repeats sit next to each other in practice (same item and same instant, whether the file is
# sorted by case or by time), so remembering the last 50,000-100,000 rows is plenty and keeps memory
# flat: two generations of plain dicts of 64-bit hashes, a few MB.
WINDOW = 100_000


class RepeatKeys:
    """Numbers exact repeats of (item, step, at) among the last `window` / 2 to `window` rows of a file.

    A hash collision between two different rows (odds ~1e-19 per pair) only gives the second one a
    numbered key: it is still stored, it just would not match the same fact sent later via the API.
    """

    def __init__(self, window: int = WINDOW) -> None:
        self.half = max(1, window // 2)
        self._current: dict[int, int] = {}
        self._previous: dict[int, int] = {}

    def assign(self, event: EventDict) -> None:
        """Give `event` a key if it has none and repeats an earlier row; leaves other events alone."""
        if event.get("key"):
            return
        at: Any = event["at"]
        # hash() of the tuple: an aware datetime hashes by its instant, so +00:00 and Z agree.
        fingerprint = hash((event["item"], event["step"], at))
        count = self._current.get(fingerprint) or self._previous.get(fingerprint, 0)
        count += 1
        self._current[fingerprint] = count
        if len(self._current) >= self.half:
            self._previous, self._current = self._current, {}
        if count > 1:
            base = default_event_key(event["process"], event["item"], event["step"], at)
            event["key"] = f"{base}#{count}"
