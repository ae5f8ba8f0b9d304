"""API shapes for events, documented field by field in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


class CustomerIn(Schema):
    id: str = Field(..., description="The customer's id in the source system.")
    name: str | None = Field(None, description="Display name, e.g. 王女士.")
    email: str | None = Field(None, description="Email address for updates.")
    phone: str | None = Field(None, description="Mobile number for SMS, with country code.")
    channel: str | None = Field(
        None, description="Preferred channel: email, sms, wecom, dingtalk, feishu, slack."
    )


class EventIn(Schema):
    process: str = Field(..., description="Key of a loaded process, e.g. order-delivery.")
    item: str = Field(
        ...,
        description="The item's id in the source system (order number ...), max 200 chars, no control"
        " characters; may contain /.",
    )
    step: str = Field(
        ..., description="The step the item reached; steps the process does not list are stored and reported."
    )
    at: datetime = Field(
        ...,
        description="When the item reached the step: ISO-8601 with UTC offset, from 1970 to"
        " UNSTUCK_EVENT_MAX_FUTURE_DAYS (365) days after now.",
    )
    key: str | None = Field(
        None, description="Idempotency key, unique per process; default derived from process+item+step+at."
    )
    attrs: dict[str, Any] | None = Field(
        None,
        description="Free attributes (warehouse, carrier, order value ...): at most 10 levels deep and"
        " 16 KiB as JSON per event, 64 KiB merged per item (see docs/api-limits.md).",
    )
    promised_at: datetime | None = Field(
        None, description="A (new) promised-by moment, ISO-8601 with offset; overrides the process's promise."
    )
    customer: CustomerIn | None = Field(None, description="The customer the promise is made to.")


class EventBatchIn(Schema):
    events: list[EventIn] = Field(..., description="Up to 10,000 events; each is checked on its own.")


class RejectionOut(Schema):
    index: int = Field(..., description="Position of the rejected event in the batch (0-based).")
    code: str = Field(
        ...,
        description="Stable error code: missing_field, invalid_field, invalid_event, invalid_timestamp,"
        " timestamp_without_offset, attrs_too_deep, attrs_too_large, unknown_process, forbidden_process.",
    )
    message: str = Field(..., description="What is wrong, naming the field.")
    field: str | None = Field(None, description="The field at fault, when there is one.")


class IngestOut(Schema):
    accepted: int = Field(..., description="Events stored by this request.")
    duplicates: int = Field(
        ..., description="Events whose key was already stored (or repeated in the batch)."
    )
    rejected: list[RejectionOut] = Field(..., description="Events not stored, by index, with the reason.")
    unknown_steps: dict[str, dict[str, int]] = Field(
        ...,
        description="Per process, steps named by accepted events that the process does not list (counts).",
    )
    notices: list[RejectionOut] = Field(
        default_factory=list,
        description=(
            "Stored events of which something was not applied, by index: `customer_kept` when the "
            "customer also has items in processes the token may not write (their details stay)."
        ),
    )


class ItemEventOut(Schema):
    id: int = Field(..., description="Arrival order of the event.")
    step: str = Field(..., description="The step reached.")
    at: datetime = Field(..., description="When.")
    key: str = Field(..., description="Idempotency key.")
    attrs: dict[str, Any] = Field(..., description="Attributes carried by the event.")
    known_step: bool = Field(..., description="Whether the process lists this step.")


class ItemOut(Schema):
    process: str = Field(..., description="Process key.")
    item: str = Field(..., description="The item's external id.")
    version: int = Field(..., description="Process version the item runs under.")
    current_step: str = Field(..., description="Step of the latest event (by time, ties by arrival).")
    step_since: datetime = Field(..., description="Since when the item is in its current step.")
    promised_at: datetime | None = Field(None, description="Promised-by moment, if any.")
    is_terminal: bool = Field(..., description="Whether the item has reached a terminal step.")
    next_deadline: datetime | None = Field(None, description="Earliest moment a stall rule could fire next.")
    attrs: dict[str, Any] = Field(..., description="Attributes merged from its events (latest wins).")
    customer: str | None = Field(None, description="External id of the customer.")
    events: list[ItemEventOut] = Field(..., description="The item's events in time order.")
