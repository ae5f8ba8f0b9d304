"""Header rows of tabular files (CSV, XLSX): which column feeds which event field, and rows to events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from unstuck.tracking.readers.common import (
    CUSTOMER_FIELDS,
    EventDict,
    ImportFileError,
    ReadOptions,
    json_value,
    missing,
    parse_moment,
    text_value,
)

# XES names first: logs exported by process-mining tools are the common case; then our own names.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "item": ("case:concept:name", "item"),
    "step": ("concept:name", "step"),
    "at": ("time:timestamp", "at"),
    "promised_at": ("promised_at",),
    "key": ("key",),
}
OVERRIDE_OPTIONS = {
    "item": "--item-col",
    "step": "--step-col",
    "at": "--at-col",
    "promised_at": "--promised-at-col",
}
REQUIRED = ("item", "step", "at")


def _listing(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


class TabularLayout:
    """Where each event field sits in a header row; builds events from the rows below it."""

    def __init__(self, header: Sequence[Any], *, options: ReadOptions, line: int) -> None:
        self.options = options
        self.names = [text_value(cell) or f"column_{number}" for number, cell in enumerate(header, 1)]
        self._check_duplicates(line)
        overrides = options.columns
        found = {field: self._find(field, getattr(overrides, field, None), line) for field in DEFAULT_COLUMNS}
        self.item, self.step, self.at = (found[f] for f in REQUIRED)
        missing_fields = [field for field in REQUIRED if found[field] is None]
        if missing_fields:
            wanted = "; ".join(
                _("%(field)s: %(names)s (or %(option)s)")
                % {"field": f, "names": _listing(DEFAULT_COLUMNS[f]), "option": OVERRIDE_OPTIONS[f]}
                for f in missing_fields
            )
            raise ImportFileError(
                _("the header row lacks required columns (%(wanted)s); the file has: %(names)s")
                % {"wanted": wanted, "names": _listing(self.names)},
                line=line,
                code="missing_column",
            )
        self.key = found["key"]
        self.promised_at = found["promised_at"]
        lowered = {name.lower(): index for index, name in enumerate(self.names)}
        self.customer = [
            (field, lowered[f"customer_{field}"])
            for field in CUSTOMER_FIELDS
            if f"customer_{field}" in lowered
        ]
        used = {index for index in found.values() if index is not None} | {i for _, i in self.customer}
        self.attrs = [(name, index) for index, name in enumerate(self.names) if index not in used]
        self.width = len(self.names)

    def _check_duplicates(self, line: int) -> None:
        seen: dict[str, int] = {}
        for number, name in enumerate(self.names, 1):
            if name in seen:
                raise ImportFileError(
                    _("column %(name)r appears twice in the header (columns %(first)d and %(second)d)")
                    % {"name": name, "first": seen[name], "second": number},
                    line=line,
                    code="duplicate_column",
                )
            seen[name] = number

    def _find(self, field: str, override: str | None, line: int) -> int | None:
        candidates = (override,) if override else DEFAULT_COLUMNS[field]
        for candidate in candidates:
            if candidate in self.names:
                return self.names.index(candidate)
        for candidate in candidates:
            folded = candidate.strip().lower()
            for index, name in enumerate(self.names):
                if name.lower() == folded:
                    return index
        if override:
            raise ImportFileError(
                _("column %(name)r (%(option)s) is not in the header; the file has: %(names)s")
                % {"name": override, "option": OVERRIDE_OPTIONS[field], "names": _listing(self.names)},
                line=line,
                code="missing_column",
            )
        return None

    def source_field(self, field: str | None) -> str | None:
        """The header name behind an event field, for error reports ("at" -> "time:timestamp")."""
        if field is None:
            return None
        index = {"item": self.item, "step": self.step, "at": self.at, "key": self.key}.get(field)
        if field == "promised_at":
            index = self.promised_at
        if field.startswith("customer.") and (name := field.partition(".")[2]) in CUSTOMER_FIELDS:
            index = next((i for f, i in self.customer if f == name), None)
        if field.startswith("attrs."):
            index = next((i for name, i in self.attrs if name == field[len("attrs.") :]), None)
        return self.names[index] if index is not None else field

    def event(self, values: Sequence[Any]) -> EventDict:
        """The event of one data row; raises RowProblem for an empty or unreadable required cell."""
        size = len(values)
        names = self.names
        assert self.item is not None and self.step is not None and self.at is not None
        item = text_value(values[self.item]) if self.item < size else ""
        if not item:
            raise missing(names[self.item])
        step = text_value(values[self.step]) if self.step < size else ""
        if not step:
            raise missing(names[self.step])
        raw_at = values[self.at] if self.at < size else None
        if raw_at is None or raw_at == "":
            raise missing(names[self.at])
        zone = self.options.zone
        event: EventDict = {
            "process": self.options.process_key,
            "item": item,
            "step": step,
            "at": parse_moment(raw_at, column=names[self.at], zone=zone),
        }
        if self.key is not None and self.key < size and (key := text_value(values[self.key])):
            event["key"] = key
        if self.promised_at is not None and self.promised_at < size:
            promised = values[self.promised_at]
            if promised is not None and promised != "":
                event["promised_at"] = parse_moment(promised, column=names[self.promised_at], zone=zone)
        if self.customer:
            customer = {f: text for f, i in self.customer if i < size and (text := text_value(values[i]))}
            if customer:
                event["customer"] = customer
        attrs: dict[str, Any] = {}
        for name, index in self.attrs:
            if index < size:
                value = values[index]
                if value is not None and value != "":
                    attrs[name] = value if type(value) is str else json_value(value)
        event["attrs"] = attrs
        return event
