"""Checking incoming events row by row, so a bad row is rejected by index and the rest go in."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ITEM_MAX = 200
STEP_MAX = 100
KEY_MAX = 200
CUSTOMER_FIELDS = {"id": 200, "name": 200, "email": 254, "phone": 40, "channel": 20}


class RowError(ValueError):
    """One event that cannot be stored: a stable `code`, the `field` at fault and a human message."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    """An event that passed every check, normalised (times in UTC, key filled in)."""

    index: int
    process: str
    item: str
    step: str
    at: datetime
    key: str
    attrs: dict[str, Any]
    promised_at: datetime | None
    customer: dict[str, str] | None


def parse_timestamp(value: Any, field: str) -> datetime:
    """An aware datetime from ISO-8601 text (with offset) or a datetime; naive times are refused."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowError(
                "invalid_timestamp", f"{field}: {value!r} is not an ISO-8601 timestamp", field
            ) from None
    else:
        raise RowError("invalid_timestamp", f"{field}: expected an ISO-8601 timestamp with offset", field)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RowError(
            "timestamp_without_offset",
            f"{field}: {value!s} has no UTC offset; write it like 2026-09-30T17:00:00+08:00",
            field,
        )
    return moment.astimezone(UTC)


def _text(row: Mapping[str, Any], field: str, limit: int) -> str:
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError("missing_field", f"{field} is required", field)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError("invalid_field", f"{field}: expected text, got {type(value).__name__}", field)
    text = str(value).strip()
    if len(text) > limit:
        raise RowError("invalid_field", f"{field}: longer than {limit} characters", field)
    return text


def _customer(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RowError(
            "invalid_field", "customer: expected an object with id, name, email, phone, channel", "customer"
        )
    unknown = set(value) - set(CUSTOMER_FIELDS)
    if unknown:
        raise RowError(
            "invalid_field", f"customer: unknown field(s) {', '.join(sorted(unknown))}", "customer"
        )
    customer: dict[str, str] = {}
    for name, limit in CUSTOMER_FIELDS.items():
        raw = value.get(name)
        if raw is None or raw == "":
            continue
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            raise RowError("invalid_field", f"customer.{name}: expected text", f"customer.{name}")
        text = str(raw).strip()
        if len(text) > limit:
            raise RowError(
                "invalid_field", f"customer.{name}: longer than {limit} characters", f"customer.{name}"
            )
        customer[name] = text
    if "id" not in customer:
        raise RowError("missing_field", "customer.id is required when a customer is given", "customer.id")
    return customer


def default_event_key(process: str, item: str, step: str, at: datetime) -> str:
    """The idempotency key of an event that brings none: the same fact always gets the same key."""
    raw = "\x1f".join((process, item, step, at.astimezone(UTC).isoformat()))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def check_event(index: int, row: Any) -> CheckedEvent:
    """Check one incoming event; raise RowError saying which field is wrong and why."""
    if not isinstance(row, Mapping):
        raise RowError("invalid_event", f"expected an object, got {type(row).__name__}")
    process = _text(row, "process", 63)
    item = _text(row, "item", ITEM_MAX)
    step = _text(row, "step", STEP_MAX)
    if row.get("at") in (None, ""):
        raise RowError("missing_field", "at is required", "at")
    at = parse_timestamp(row["at"], "at")
    promised_raw = row.get("promised_at")
    promised_at = parse_timestamp(promised_raw, "promised_at") if promised_raw not in (None, "") else None
    attrs = row.get("attrs")
    if attrs is None:
        attrs = {}
    elif not isinstance(attrs, Mapping):
        raise RowError("invalid_field", "attrs: expected an object", "attrs")
    key_raw = row.get("key")
    key = default_event_key(process, item, step, at) if key_raw in (None, "") else _text(row, "key", KEY_MAX)
    return CheckedEvent(
        index=index,
        process=process,
        item=item,
        step=step,
        at=at,
        key=key,
        attrs=dict(attrs),
        promised_at=promised_at,
        customer=_customer(row.get("customer")),
    )
