"""Our own event log as XES 1.0 or CSV, for pm4py, ProM, Celonis and `unstuck analyze`.

Both writers are generators of text pieces fed by one ordered database pass (`event_log`), so a
file or an HTTP response of any size is written with flat memory.

XES: one `<trace>` per item (`concept:name` = item id), one `<event>` per event with the standard
extensions — `concept:name` (step), `time:timestamp` (UTC, milliseconds, microseconds when there are
any), `lifecycle:transition` (`complete`: our events are moments a step was reached) and
`org:group` (the step's team) unless the event's own attributes carry these keys. The event's other
attributes follow, typed (`int`, `float`, `boolean`, `string`; lists and objects as JSON text).

CSV: the pm4py/Celonis column names `case:concept:name, concept:name, time:timestamp,
lifecycle:transition, org:group`, then one column per attribute key (sorted), UTF-8, RFC 4180 quoting;
a cell a spreadsheet would run as a formula gets a leading `'` (`core.csv_cells`, which `unstuck
import` undoes).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unstuck.core.csv_cells import cell_escape
from unstuck.insights.event_log import LogEvent, LogFilter, log_attribute_keys, log_events
from unstuck.processes.models import Process

FORMATS = ("xes", "csv")
CONTENT_TYPES = {"xes": "application/xml; charset=utf-8", "csv": "text/csv; charset=utf-8"}
#: Events gathered into one written piece (fewer, larger writes; still small in memory).
PIECE = 500
STANDARD = ("concept:name", "time:timestamp")
DEFAULTED = ("lifecycle:transition", "org:group")
CSV_COLUMNS = ("case:concept:name", "concept:name", "time:timestamp", "lifecycle:transition", "org:group")

# Characters XML 1.0 cannot carry at all; they are replaced rather than producing a broken file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)

XES_HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xes.features="" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t\t<string key="lifecycle:transition" value="complete"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<classifier name="Activity and transition" keys="concept:name lifecycle:transition"/>
\t<string key="concept:name" value="{name}"/>
"""


def xml_text(value: str) -> str:
    """Text safe inside a double-quoted XML attribute."""
    return _NOT_XML.sub("\ufffd", value).translate(_ESCAPES)


def xes_moment(moment: datetime) -> str:
    """An XES (xs:dateTime) timestamp in UTC: milliseconds, or microseconds when they are not zero."""
    utc = moment.astimezone(UTC)
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.isoformat(timespec=spec)


def _xes_attribute(key: str, value: Any) -> str:
    name = xml_text(key)
    if isinstance(value, bool):
        return f'<boolean key="{name}" value="{"true" if value else "false"}"/>'
    if isinstance(value, int):
        return f'<int key="{name}" value="{value}"/>'
    if isinstance(value, float):
        return f'<float key="{name}" value="{value!r}"/>'
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return f'<string key="{name}" value="{xml_text(value)}"/>'


def _xes_event(event: LogEvent) -> str:
    attrs = event.attrs
    parts = [
        f'\t\t<event><string key="concept:name" value="{xml_text(event.step)}"/>',
        f'<date key="time:timestamp" value="{xes_moment(event.at)}"/>',
    ]
    if "lifecycle:transition" not in attrs:
        parts.append('<string key="lifecycle:transition" value="complete"/>')
    if event.team and "org:group" not in attrs:
        parts.append(f'<string key="org:group" value="{xml_text(event.team)}"/>')
    parts.extend(_xes_attribute(key, value) for key, value in attrs.items() if key and key not in STANDARD)
    parts.append("</event>\n")
    return "".join(parts)


def xes_pieces(*, process: Process, log_filter: LogFilter) -> Iterator[str]:
    """The XES document in pieces, one trace per item in item order."""
    yield XES_HEAD.format(name=xml_text(process.key))
    piece: list[str] = []
    current: str | None = None
    for event in log_events(process=process, log_filter=log_filter):
        if event.item != current:
            if current is not None:
                piece.append("\t</trace>\n")
            piece.append(f'\t<trace>\n\t\t<string key="concept:name" value="{xml_text(event.item)}"/>\n')
            current = event.item
        piece.append(_xes_event(event))
        if len(piece) >= PIECE:
            yield "".join(piece)
            piece = []
    if current is not None:
        piece.append("\t</trace>\n")
    piece.append("</log>\n")
    yield "".join(piece)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def csv_pieces(*, process: Process, log_filter: LogFilter) -> Iterator[str]:
    """The CSV file in pieces: a header naming every attribute key, then one row per event.

    The attribute keys need a first (keys-only) pass over the same rows: a header cannot grow later.
    """
    keys = [
        key
        for key in log_attribute_keys(process=process, log_filter=log_filter)
        if key and key not in CSV_COLUMNS
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *(cell_escape(key) for key in keys)])
    for rows, event in enumerate(log_events(process=process, log_filter=log_filter), 1):
        attrs = event.attrs
        cells = [
            event.item,
            event.step,
            xes_moment(event.at),
            _csv_value(attrs.get("lifecycle:transition", "complete")),
            _csv_value(attrs.get("org:group", event.team)),
            *(_csv_value(attrs.get(key)) for key in keys),
        ]
        writer.writerow([cell_escape(cell) for cell in cells])
        if rows % PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def log_pieces(*, process: Process, log_filter: LogFilter, fmt: str) -> Iterator[str]:
    """The log in `fmt` (`xes` or `csv`) as text pieces."""
    if fmt == "xes":
        return xes_pieces(process=process, log_filter=log_filter)
    return csv_pieces(process=process, log_filter=log_filter)


def log_write(*, process: Process, log_filter: LogFilter, fmt: str, path: Path) -> int:
    """Write the log to `path` (gzip when it ends in .gz; atomically: a temporary file renamed at the end);
    returns the characters written."""
    partial = path.with_name(path.name + ".partial")
    written = 0
    newline = "" if fmt == "csv" else None  # the csv module writes its own line ends
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(partial, "wt", encoding="utf-8", newline=newline) as handle:
            for piece in log_pieces(process=process, log_filter=log_filter, fmt=fmt):
                written += handle.write(piece)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return written
