from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(text: str) -> datetime:
    """A Shanghai wall-clock moment: sh("2026-09-30 17:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
