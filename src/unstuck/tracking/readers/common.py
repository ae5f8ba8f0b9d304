"""What every event-file reader shares: the row and error shapes, column names and timestamp parsing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

#: An event as `event_ingest_batch` takes it: process, item, step, at, and optionally key, attrs,
#: promised_at, customer.
EventDict = dict[str, Any]

CUSTOMER_FIELDS = ("id", "name", "email", "phone", "channel")

# Slash-separated dates are what spreadsheet software in China writes by default ("2024/3/5 14:30").
# Day-first and month-first forms are ambiguous and deliberately not guessed.
_FALLBACK_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S.%f")


class ImportFileError(Exception):
    """A file that cannot be imported at all (wrong structure, not the format it claims, unreadable).

    `line` is the physical line (CSV, XES) or the row as the spreadsheet shows it (XLSX), when known.
    """

    def __init__(self, message: str, line: int | None = None, code: str = "invalid_file") -> None:
        self.message = message
        self.line = line
        self.code = code
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that will not be stored: where it is in the file, a stable code, the field and why."""

    line: int
    code: str
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "field": self.field, "message": self.message}


#: What a reader yields: the row's line (or spreadsheet row) and the event, or why the row is bad.
SourceRow = tuple[int, EventDict | RowError]


class EventReader(Protocol):
    """A lazy, re-openable stream of the events in one file."""

    format: str

    def __iter__(self) -> Iterator[SourceRow]: ...

    def source_field(self, field: str | None) -> str | None:
        """The column or attribute name in the file behind an event field ("at" -> "time:timestamp")."""
        ...


@dataclass(frozen=True)
class ColumnMap:
    """Which column (or XES attribute) holds the item, the step and the time; None means the defaults."""

    item: str | None = None
    step: str | None = None
    at: str | None = None
    promised_at: str | None = None


@dataclass(frozen=True)
class ReadOptions:
    """Everything a reader needs besides the path."""

    process_key: str
    columns: ColumnMap = ColumnMap()
    zone: tzinfo | None = None
    sheet: str | None = None
    encoding: str = "utf-8-sig"


class RowProblem(ValueError):
    """Raised while building one event; the reader turns it into a RowError with the row's line."""

    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message

    def at_line(self, line: int) -> RowError:
        return RowError(line=line, code=self.code, field=self.field, message=self.message)


def zone_from_name(name: str | None) -> tzinfo | None:
    """The IANA time zone for --timezone, or None; an unknown name is a usage error, not a row error."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFileError(
            _("unknown time zone %(name)r: use an IANA name such as Asia/Shanghai or UTC") % {"name": name},
            code="unknown_timezone",
        ) from None


def parse_moment(value: Any, *, column: str, zone: tzinfo | None) -> datetime:
    """An aware datetime from a cell or attribute; naive values take `zone` or are refused.

    Accepts ISO-8601 with "T" or a space ("2017-07-09 21:57:05"), "Z", fractions, datetime and date
    objects (spreadsheet cells) and "2024/3/5 14:30".
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        moment = _parse_text(value.strip(), column)
    else:
        raise RowProblem(
            "invalid_timestamp",
            column,
            _("column %(column)s: %(value)r is not a date and time") % {"column": column, "value": value},
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        if zone is None:
            raise RowProblem(
                "timestamp_without_offset",
                column,
                _(
                    "column %(column)s: %(value)s has no UTC offset; pass --timezone (e.g. Asia/Shanghai)"
                    " to say which zone the file's times are in"
                )
                % {"column": column, "value": value},
            )
        moment = moment.replace(tzinfo=zone)
    return moment


def _parse_text(text: str, column: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in _FALLBACK_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007  (naive until the caller adds the file's zone)
        except ValueError:
            continue
    raise RowProblem(
        "invalid_timestamp",
        column,
        _("column %(column)s: %(value)r is not a date and time such as 2024-03-05T14:30:00+08:00")
        % {"column": column, "value": text},
    )


def missing(column: str) -> RowProblem:
    """The problem of a required column left empty in one row."""
    return RowProblem("missing_field", column, _("column %(column)s is empty") % {"column": column})


def text_value(value: Any) -> str:
    """A cell as identifier text: 123.0 from a spreadsheet is "123", whitespace is trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else str(value)


def json_value(value: Any) -> Any:
    """A cell or typed attribute as a JSON-able attribute value (datetimes become ISO text)."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
