"""Opaque keyset-pagination cursors over (moment, id): the same for the API and the desk's pages."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from unstuck.core.moments import FIRST_YEAR, LAST_YEAR

#: Row ids fit a 64-bit signed integer; a larger number in a cursor is not one we gave out.
MAX_ROW_ID = 2**63 - 1


def row_id_parse(text: str) -> int | None:
    """A row id written as decimal digits, or None: `²` passes `isdigit()` but not `int()`, and a
    number past 64 bits overflows the database."""
    if not text.isdecimal() or len(text) > 19:
        return None
    row_id = int(text)
    return row_id if 0 < row_id <= MAX_ROW_ID else None


def cursor_encode(moment: datetime, row_id: int) -> str:
    """An opaque cursor holding the (moment, id) of the last row shown."""
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int] | None:
    """The (moment, id) inside a cursor from `cursor_encode`, or None if it is not one."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        moment_text, row_text = raw.split("|")
        moment = datetime.fromisoformat(moment_text)
        row_id = int(row_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    if moment.tzinfo is None or not FIRST_YEAR <= moment.year <= LAST_YEAR or not 0 < row_id <= MAX_ROW_ID:
        return None
    return moment, row_id
