"""Reading rows other apps write (new cases, reminders, resolution entries) as an index range.

The portal may not add markers to other apps' tables, so each scan keeps a cursor (the highest id
it has finished with) in `ScanCursor` and reads `id > cursor` by primary key. Ids are handed out
before commit, so on PostgreSQL a row with a lower id can become visible after a higher one; the
cursor therefore only moves past rows older than `GRACE`, and rows inside the grace window stay in
range until then — which is safe because each scan's effect is guarded by a unique row of its own
(one follow-up per case, one notice per reminder, one survey per case), and already-handled rows
are excluded in the work query itself so a busy window cannot starve the scan.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, models
from django.db.models import Max, Min

from unstuck.portal.models import ScanCursor

GRACE = timedelta(minutes=5)


def scan_claim(name: str) -> ScanCursor | None:
    """The cursor row of scan `name`, locked for this transaction; None when another worker holds
    it (PostgreSQL: SKIP LOCKED; SQLite has one writer anyway)."""
    ScanCursor.objects.get_or_create(name=name)
    query = ScanCursor.objects.filter(name=name)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True)
    return query.first()


def scan_advance(
    cursor: ScanCursor,
    *,
    model: type[models.Model],
    written_field: str,
    now: datetime,
    last_handled: int | None,
    full: bool,
) -> None:
    """Move the cursor as far as it may go after a pass.

    Up to the newest row, but never past a row written inside the grace window (a lower id may
    still appear before it) and, when the pass was `full`, never past the last row it handled
    (rows after it are still to do).
    """
    rows = model._default_manager.filter(pk__gt=cursor.position)
    top = rows.aggregate(top=Max("pk"))["top"]
    if top is None:
        return
    position = top
    young = rows.filter(**{f"{written_field}__gt": now - GRACE}).aggregate(first=Min("pk"))["first"]
    if young is not None:
        position = min(position, young - 1)
    if full and last_handled is not None:
        position = min(position, last_handled)
    if position > cursor.position:
        ScanCursor.objects.filter(pk=cursor.pk).update(position=position)
        cursor.position = position
