"""Checking incoming events row by row, so a bad row is rejected by index and the rest go in.

Every limit an event must respect lives here (docs/api-limits.md explains them to integrators): a row
the database could not hold, or that would make no sense in a live system, is refused with a stable
code and the field at fault instead of failing the whole batch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone

ITEM_MAX = 200
STEP_MAX = 100
KEY_MAX = 200
PROCESS_MAX = 63
CUSTOMER_FIELDS = {"id": 200, "name": 200, "email": 254, "phone": 40, "channel": 20}
#: Nesting levels of attrs: {"a": 1} is 1, {"a": {"b": [1]}} is 3.
ATTRS_MAX_DEPTH = 10
#: Bytes of one event's attrs, as compact UTF-8 JSON.
ATTRS_MAX_BYTES = 16 * 1024
#: Bytes of an item's attrs merged from all its events (latest wins per key), as compact UTF-8 JSON.
ITEM_ATTRS_MAX_BYTES = 64 * 1024
#: No event or promise before this moment: earlier dates in a live feed are data errors.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# Integers JSON storage takes exactly (orjson writes 64-bit integers only).
_INT_RANGE = (-(2**63), 2**64 - 1)
# PostgreSQL text and jsonb cannot hold NUL; lone surrogates cannot be encoded at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Identifiers (process, item, step, key, customer id) are printed, put in URLs and compared:
# no control characters either. A "/" is allowed: the item API reads ids with slashes.
_NOT_IN_IDS = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
# orjson would write datetimes, dataclasses and subclasses of JSON types; attrs take JSON types only.
_PLAIN_JSON_ONLY = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)


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
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-08:00 is in year 10000 in UTC
        raise RowError(
            "invalid_timestamp", f"{field}: {value!s} is outside the supported range", field
        ) from None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The moments an event may name: from 1970 to `UNSTUCK_EVENT_MAX_FUTURE_DAYS` days after now.

    A date outside it is a data error in a live feed (a year typed wrong, a default of 0001-01-01),
    and would otherwise become a stall "overdue by 2,000 years" or a deadline that never comes.
    """

    earliest: datetime
    latest: datetime

    @classmethod
    def around(cls, now: datetime | None = None) -> TimeWindow:
        ahead = timedelta(days=settings.UNSTUCK_EVENT_MAX_FUTURE_DAYS)
        return cls(EARLIEST, (now or timezone.now()) + ahead)

    def check(self, moment: datetime, field: str) -> datetime:
        if moment < self.earliest:
            raise RowError("invalid_timestamp", f"{field}: {moment.isoformat()} is before 1970", field)
        if moment > self.latest:
            raise RowError(
                "invalid_timestamp",
                f"{field}: {moment.isoformat()} is more than {settings.UNSTUCK_EVENT_MAX_FUTURE_DAYS} days"
                " ahead (UNSTUCK_EVENT_MAX_FUTURE_DAYS)",
                field,
            )
        return moment


def _bad_character(field: str, bad: re.Match[str]) -> RowError:
    return RowError(
        "invalid_field",
        f"{field}: character U+{ord(bad.group()):04X} at position {bad.start()} is not allowed",
        field,
    )


def _text(row: Mapping[str, Any], field: str, limit: int) -> str:
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RowError("missing_field", f"{field} is required", field)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise RowError("invalid_field", f"{field}: expected text, got {type(value).__name__}", field)
    text = str(value).strip()
    if len(text) > limit:
        raise RowError("invalid_field", f"{field}: longer than {limit} characters", field)
    bad = _NOT_IN_IDS.search(text)  # every field read here is an identifier
    if bad:
        raise _bad_character(field, bad)
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
            "invalid_field", f"customer: unknown field(s) {', '.join(sorted(map(repr, unknown)))}", "customer"
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
        bad = (_NOT_IN_IDS if name == "id" else _UNSTORABLE).search(text)
        if bad:
            raise _bad_character(f"customer.{name}", bad)
        customer[name] = text
    if "id" not in customer:
        raise RowError("missing_field", "customer.id is required when a customer is given", "customer.id")
    return customer


def _attrs_field(path: tuple[Any, ...]) -> str:
    """The field named in a rejection: the top-level attribute at fault ("attrs.note") when its name
    is short plain text, else just "attrs"."""
    if path and isinstance(path[0], str) and len(path[0]) <= 64 and not _NOT_IN_IDS.search(path[0]):
        return f"attrs.{path[0]}"
    return "attrs"


def check_attrs(attrs: Mapping[Any, Any]) -> dict[str, Any]:
    """Attributes the database can hold: JSON types, text keys, storable text, within the limits."""
    attrs = dict(attrs)
    # Fast path, in orjson's C: plain JSON types encode, the text holds no NUL (escaped "\u0000")
    # and there are too few brackets to nest too deep. Anything else is walked to name the fault.
    try:
        encoded: bytes | None = orjson.dumps(attrs, option=_PLAIN_JSON_ONLY)
    except orjson.JSONEncodeError:  # a type JSON has not, a surrogate, a 65-bit integer ...
        encoded = None
    if (
        encoded is None
        or b"\\u0000" in encoded
        or encoded.count(b"{") + encoded.count(b"[") > ATTRS_MAX_DEPTH
    ):
        _attrs_fault(attrs)  # raises RowError, unless the suspicion was a bracket inside a text
        encoded = orjson.dumps(attrs)
    if len(encoded) > ATTRS_MAX_BYTES:
        raise RowError(
            "attrs_too_large",
            f"attrs: {len(encoded):,} bytes as JSON, at most {ATTRS_MAX_BYTES:,} per event",
            "attrs",
        )
    return attrs


def _attrs_fault(attrs: dict[str, Any]) -> None:
    """Walk attributes (without recursion: they may nest deeper than Python's stack) and raise
    RowError for the first value the database could not hold, naming its top-level attribute."""
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(attrs, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, (dict, list, tuple)) and depth > ATTRS_MAX_DEPTH:
            raise RowError(
                "attrs_too_deep", f"attrs: nested more than {ATTRS_MAX_DEPTH} levels deep", _attrs_field(path)
            )
        if isinstance(value, dict):
            for key, inner in value.items():
                if not isinstance(key, str):
                    raise RowError("invalid_field", "attrs: keys must be text", _attrs_field(path))
                if _UNSTORABLE.search(key):
                    raise RowError(
                        "invalid_field", "attrs: a key holds a NUL or surrogate", _attrs_field(path)
                    )
                stack.append((inner, depth + 1, (*path, key)))
        elif isinstance(value, (list, tuple)):
            stack.extend((inner, depth + 1, path) for inner in value)
        elif isinstance(value, str):
            if _UNSTORABLE.search(value):
                raise RowError("invalid_field", "attrs: a value holds a NUL or surrogate", _attrs_field(path))
        elif isinstance(value, int) and not isinstance(value, bool):
            if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
                raise RowError(
                    "invalid_field", "attrs: integers must fit in 64 bits (send text)", _attrs_field(path)
                )
        elif not (value is None or isinstance(value, (bool, float))):
            raise RowError(
                "invalid_field", f"attrs: {type(value).__name__} is not a JSON value", _attrs_field(path)
            )


def attrs_size(attrs: Mapping[str, Any]) -> int:
    """Bytes of attributes as compact UTF-8 JSON: the measure of every attrs limit."""
    return len(orjson.dumps(attrs))


def default_event_key(process: str, item: str, step: str, at: datetime) -> str:
    """The idempotency key of an event that brings none: the same fact always gets the same key."""
    raw = "\x1f".join((process, item, step, at.astimezone(UTC).isoformat()))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def check_event(index: int, row: Any, window: TimeWindow | None = None) -> CheckedEvent:
    """Check one incoming event; raise RowError saying which field is wrong and why.

    `window` bounds the event's times (default: around now); a batch computes it once.
    """
    if not isinstance(row, Mapping):
        raise RowError("invalid_event", f"expected an object, got {type(row).__name__}")
    window = window or TimeWindow.around()
    process = _text(row, "process", PROCESS_MAX)
    item = _text(row, "item", ITEM_MAX)
    step = _text(row, "step", STEP_MAX)
    if row.get("at") in (None, ""):
        raise RowError("missing_field", "at is required", "at")
    at = window.check(parse_timestamp(row["at"], "at"), "at")
    promised_raw = row.get("promised_at")
    promised_at = (
        window.check(parse_timestamp(promised_raw, "promised_at"), "promised_at")
        if promised_raw not in (None, "")
        else None
    )
    attrs = row.get("attrs")
    if attrs is None:
        attrs = {}
    elif not isinstance(attrs, Mapping):
        raise RowError("invalid_field", "attrs: expected an object", "attrs")
    else:
        attrs = check_attrs(attrs)
    key_raw = row.get("key")
    key = default_event_key(process, item, step, at) if key_raw in (None, "") else _text(row, "key", KEY_MAX)
    return CheckedEvent(
        index=index,
        process=process,
        item=item,
        step=step,
        at=at,
        key=key,
        attrs=attrs,
        promised_at=promised_at,
        customer=_customer(row.get("customer")),
    )
