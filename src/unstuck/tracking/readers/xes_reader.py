"""Streaming XES reader (.xes, .xes.gz): one event per <event>, numbered by the line its tag opens on.

lxml's iterparse is used rather than ElementTree's because lxml knows each element's `sourceline`;
every event is cleared and detached once read, so memory stays flat however long the log.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from unstuck.tracking.readers.common import (
    EventDict,
    ImportFileError,
    ReadOptions,
    RowError,
    RowProblem,
    SourceRow,
    parse_moment,
    text_value,
)
from unstuck.tracking.readers.csv_reader import is_gzip

XES_NAMESPACE = "http://www.xes-standard.org/"
ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id", "list", "container"})
_Element = Any  # lxml's _Element; its stubs are not installed, and the reader only reads tags and attributes


_LOCAL_NAMES: dict[str, str | None] = {}


def local_name(tag: Any) -> str | None:
    """The XES element name of a tag, or None for comments and elements of another namespace."""
    if not isinstance(tag, str):
        return None
    name = _LOCAL_NAMES.get(tag, "")
    if name == "":
        if tag.startswith("{"):
            namespace, _, local = tag[1:].partition("}")
            name = local if namespace == XES_NAMESPACE else None
        else:
            name = tag
        if len(_LOCAL_NAMES) < 1000:  # tags are few; a hostile file must not grow this without bound
            _LOCAL_NAMES[tag] = name
    return name


def absent(key: str) -> RowProblem:
    """The problem of an event (or trace) without a required attribute."""
    return RowProblem("missing_field", key, _("no %(key)s attribute") % {"key": key})


def typed_value(kind: str | None, element: _Element) -> Any:
    """An XES attribute's value as JSON: int, float, bool, text (dates stay ISO text), list or dict."""
    raw = element.get("value")
    if kind == "int":
        try:
            return int(raw)
        except (TypeError, ValueError):
            return raw
    if kind == "float":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return raw
        return number if math.isfinite(number) else raw
    if kind == "boolean":
        return (raw or "").strip().lower() == "true"
    if kind == "list":
        # XES 2.0 puts a list's items inside <values>; older writers put them directly inside <list>.
        holder = next((c for c in element if local_name(c.tag) == "values"), element)
        return [typed_value(local_name(c.tag), c) for c in holder if local_name(c.tag) in ATTRIBUTE_TAGS]
    if kind == "container":
        return {
            c.get("key"): typed_value(local_name(c.tag), c)
            for c in element
            if local_name(c.tag) in ATTRIBUTE_TAGS and c.get("key") is not None
        }
    return raw


class XesReader:
    """Events from an XES log: trace concept:name is the item, event concept:name the step."""

    format = "xes"

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.path = path
        self.options = options
        columns = options.columns
        self.item_key = columns.item or "concept:name"
        self.step_key = columns.step or "concept:name"
        self.at_key = columns.at or "time:timestamp"
        self.promised_key = columns.promised_at

    def source_field(self, field: str | None) -> str | None:
        names = {"item": f"case:{self.item_key}", "step": self.step_key, "at": self.at_key}
        if self.promised_key:
            names["promised_at"] = self.promised_key
        if field and field.startswith("attrs."):
            return field[len("attrs.") :]  # an event attribute under its own key
        return names.get(field, field) if field else None

    def __iter__(self) -> Iterator[SourceRow]:
        opener = gzip.open if is_gzip(self.path) else open
        try:
            with opener(self.path, "rb") as handle:
                yield from self._rows(handle)
        except etree.XMLSyntaxError as error:
            raise ImportFileError(
                _("not well-formed XML: %(error)s") % {"error": error.msg or error},
                line=error.lineno or None,
                code="invalid_xml",
            ) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise ImportFileError(
                _("the gzip stream is damaged: %(error)s") % {"error": error or type(error).__name__},
                code="invalid_gzip",
            ) from None

    def _check_root(self, root: _Element) -> None:
        if local_name(root.tag) != "log":
            raise ImportFileError(
                _("not an XES log: the root element is <%(tag)s>, expected <log>") % {"tag": root.tag},
                line=root.sourceline,
                code="invalid_xes",
            )

    def _trace_attributes(self, trace: _Element) -> tuple[str | None, dict[str, Any]]:
        """The item and the `case:` attributes of a trace, from the attributes read so far."""
        item: str | None = None
        case_attrs: dict[str, Any] = {}
        for child in trace:
            kind = local_name(child.tag)
            key = child.get("key")
            if kind not in ATTRIBUTE_TAGS or key is None:
                continue
            if key == self.item_key:
                item = text_value(child.get("value")) or None
            else:
                case_attrs[f"case:{key}"] = typed_value(kind, child)
        return item, case_attrs

    def _rows(self, handle: Any) -> Iterator[SourceRow]:
        # Only <event> and <trace> ends reach Python (lxml filters the rest in C); a trace's own
        # attributes stay in the tree until the trace ends and are read when its first event does.
        tags = ["event", "trace", f"{{{XES_NAMESPACE}}}event", f"{{{XES_NAMESPACE}}}trace"]
        parser = etree.iterparse(
            handle,
            events=("end",),
            tag=tags,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        root_checked = False
        trace: _Element | None = None
        item: str | None = None
        case_attrs: dict[str, Any] = {}
        waiting: list[SourceRow] = []  # events read before their trace named itself (rare)
        for _end, element in parser:
            if not root_checked:
                self._check_root(element.getroottree().getroot())
                root_checked = True
            parent = element.getparent()
            if local_name(element.tag) == "event":
                in_trace = parent is not None and local_name(parent.tag) == "trace"
                if in_trace and (parent is not trace or item is None):
                    trace = parent
                    item, case_attrs = self._trace_attributes(parent)
                    if item is not None and waiting:
                        yield from self._named(waiting, item)
                        waiting = []
                row = self._event(element, item, case_attrs, in_trace=in_trace)
                element.clear()
                if parent is not None:
                    parent.remove(element)
                if in_trace and item is None:
                    waiting.append(row)
                else:
                    yield row
            else:
                if waiting:
                    late_item, _attrs = self._trace_attributes(element)
                    yield from self._named(waiting, late_item)
                    waiting = []
                trace, item, case_attrs = None, None, {}
                element.clear()
                if parent is not None:
                    parent.remove(element)
        if not root_checked and getattr(parser, "root", None) is not None:
            self._check_root(parser.root)

    def _named(self, waiting: list[SourceRow], item: str | None) -> Iterator[SourceRow]:
        """Events read before their trace's name, now given it (or refused when it never came)."""
        for line, row in waiting:
            if item is None:
                yield line, absent(f"case:{self.item_key}").at_line(line)
            else:
                if isinstance(row, dict):
                    row["item"] = item
                yield line, row

    def _event(
        self, element: _Element, item: str | None, case_attrs: dict[str, Any], *, in_trace: bool
    ) -> SourceRow:
        line = element.sourceline
        step: str | None = None
        raw_at: str | None = None
        raw_promised: str | None = None
        attrs: dict[str, Any] = {}
        for child in element:
            kind = local_name(child.tag)
            key = child.get("key")
            if kind not in ATTRIBUTE_TAGS or key is None:
                continue
            if key == self.step_key:
                step = text_value(child.get("value"))
            elif key == self.at_key:
                raw_at = child.get("value")
            elif key == self.promised_key:
                raw_promised = child.get("value")
            else:
                attrs[key] = typed_value(kind, child)
        attrs.update(case_attrs)
        if not in_trace:
            return line, RowError(
                line, "missing_field", f"case:{self.item_key}", _("the event is not in a trace")
            )
        try:
            if not step:
                raise absent(self.step_key)
            if not raw_at or not raw_at.strip():
                raise absent(self.at_key)
            event: EventDict = {
                "process": self.options.process_key,
                "item": item,
                "step": step,
                "at": parse_moment(raw_at, column=self.at_key, zone=self.options.zone),
                "attrs": attrs,
            }
            if raw_promised and self.promised_key:
                event["promised_at"] = parse_moment(
                    raw_promised, column=self.promised_key, zone=self.options.zone
                )
        except RowProblem as problem:
            return line, problem.at_line(line)
        return line, event
