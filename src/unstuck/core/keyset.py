"""Opaque keyset-pagination cursors over (moment, id): the same for the API and the desk's pages."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime


def cursor_encode(moment: datetime, row_id: int) -> str:
    """An opaque cursor holding the (moment, id) of the last row shown."""
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int] | None:
    """The (moment, id) inside a cursor from `cursor_encode`, or None if it is not one."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        moment_text, row_id = raw.split("|")
        moment = datetime.fromisoformat(moment_text)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
    return (moment, int(row_id)) if moment.tzinfo is not None else None
