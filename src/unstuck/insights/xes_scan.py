"""A fast path for plain XES logs: the step and time of each event found by a byte-level scan.

Why not only the shared streaming reader: lxml builds every attribute element of every event, and
that alone takes ~4x longer than all the analysis; issue 6 asks for 10x pm4py end to end. The scan
accepts only the plain shape that XES writers (pm4py, ProM, our export) produce and raises `Irregular`
on anything else — namespace prefixes, nested or list attributes, comments, CDATA, attributes on
<trace>/<event>, elements that do not close themselves inside an event, a missing step or time, text
after </log> — so the caller falls back to the shared reader, which reads the file properly and
reports errors with their line. The fast path never reports an error of its own.

How: the decompressed text is cut into pieces that end just after a </trace>; each piece is split at
`<trace>` and each trace at `<event>` (C-speed splits), and inside an event the step and time are
found by searching for their whole `key="..." value="` text, so no Python code runs per attribute.
Times come out as integer microseconds since 1970 (what `dfg` computes with).
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from unstuck.tracking.readers.common import RowProblem, parse_moment
from unstuck.tracking.readers.csv_reader import is_gzip

READ = 1 << 20  # compressed bytes read at a time (~10-40 MB of text)
TRACE_END = b"</trace>"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Anything whose meaning a flat scan could get wrong sends the file to the shared reader.
_IRREGULAR = re.compile(
    rb"<!--|<!\[CDATA\[|<!DOCTYPE|<!ENTITY|</(?:string|date|int|float|boolean|id|list|container)>"
    rb"|<(?:list|container|values)\b|<[A-Za-z_][\w.-]*:(?:trace|event|string|date)\b"
)


class Irregular(Exception):
    """The file is not in the plain shape the scan understands; read it with the shared reader."""


#: A trace as the scan yields it: the case, then its activities and times (µs since 1970) in file order.
Trace = tuple[str, list[str], list[int]]


def _text_blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes, decompressed if gzip (also multi-member), in blocks."""
    with path.open("rb") as handle:
        if not is_gzip(path):
            while block := handle.read(READ * 8):
                yield block
            return
        inflate = zlib.decompressobj(wbits=31)
        while raw := handle.read(READ):
            while raw:
                yield inflate.decompress(raw)
                raw = inflate.unused_data  # a further gzip member follows
                if raw:
                    inflate = zlib.decompressobj(wbits=31)
        if not inflate.eof:
            raise EOFError("the gzip stream ends early")


def _chunks(path: Path) -> Iterator[bytes]:
    """The text in pieces that each end just after a </trace> (the last: at the end of the file)."""
    rest = b""
    for block in _text_blocks(path):
        rest = rest + block if rest else block  # no copy in the common case of nothing left over
        cut = rest.rfind(TRACE_END)
        if cut >= 0:
            cut += len(TRACE_END)
            yield rest[:cut]
            rest = rest[cut:]
    yield rest


def _text(raw: bytes) -> str:
    text = raw.decode()
    return html.unescape(text) if "&" in text else text


def _value(region: bytes, needle: bytes, end: int) -> bytes | None:
    """The value of the last `needle` (`key="k" value="`) before `end` in `region`, or None."""
    start = region.rfind(needle, 0, end)
    if start < 0:
        return None
    start += len(needle)
    stop = region.find(b'"', start, end)
    if stop < 0:
        raise Irregular
    return region[start:stop]


def _stamp(raw: bytes, column: str, zone: tzinfo | None) -> int:
    """Microseconds since 1970 of an event's time, read as the shared reader would read it."""
    try:
        moment = datetime.fromisoformat(raw.decode())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        try:
            moment = parse_moment(_text(raw), column=column, zone=zone)
        except RowProblem:
            raise Irregular from None
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _header_check(chunk: bytes) -> None:
    """The log's header (up to the first trace) must be plain."""
    first = chunk.find(b"<trace")
    if first < 0:
        raise Irregular  # no trace, or not XES at all: let the reader say which
    header = chunk[:first]
    if b"<log" not in header or _IRREGULAR.search(header.partition(b"<global")[0]):
        raise Irregular


def scan_traces(
    path: Path, *, item_key: str, step_key: str, at_key: str, zone: tzinfo | None
) -> Iterator[Trace]:
    """`(case, activities, times)` of each trace with events, in file order; raises Irregular to ask for
    the shared reader."""
    item_needle = b'key="' + item_key.encode() + b'" value="'
    step_needle = b'key="' + step_key.encode() + b'" value="'
    at_needle = b'key="' + at_key.encode() + b'" value="'
    activities: dict[bytes, str] = {}  # a log has few activity names and many events
    started = ended = False
    for chunk in _chunks(path):
        if ended:
            if chunk.strip():
                raise Irregular
            continue
        if not started:
            if not chunk.strip():
                continue
            _header_check(chunk)
        # Namespace prefixes could put attributes in another namespace (the reader ignores those).
        if b"xmlns:" in chunk:
            raise Irregular
        # Split at "<trace" (not "<trace>"): each piece must then start with ">", which rules out
        # attributes on a trace and self-closing traces without a separate search.
        pieces = chunk.split(b"<trace")
        if not chunk.endswith(TRACE_END):  # the text after the last </trace>: only </log> may be there
            if len(pieces) > 1 or pieces[0].strip() != b"</log>":
                raise Irregular
            ended = True
            continue
        header = pieces[0]
        if started and header.strip():
            raise Irregular  # text between two traces (the first chunk's first piece is the header)
        started = True
        traces = []
        events = 0
        for number in range(1, len(pieces)):
            trace = _trace(pieces[number], item_needle, step_needle, at_needle, at_key, zone, activities)
            if trace is not None:
                traces.append(trace)
                events += len(trace[1])
        # Every <trace and <event tag is a plain one and has its close tag (checked piece by piece);
        # every other element closes itself, so no list, container, comment or unknown element can
        # hide a nested attribute.
        tags = chunk.count(b"<") - header.count(b"<")
        if tags != chunk.count(b"/>") - header.count(b"/>") + 2 * (len(pieces) - 1 + events):
            raise Irregular
        yield from traces
    if not ended:
        raise Irregular  # no </log>: a truncated file the shared reader reports properly


def _trace(
    piece: bytes,
    item_needle: bytes,
    step_needle: bytes,
    at_needle: bytes,
    at_key: str,
    zone: tzinfo | None,
    activities: dict[bytes, str],
) -> Trace | None:
    """One trace from the text between its `<trace` and the next one (hot: written for speed)."""
    if not piece.startswith(b">"):
        raise Irregular  # <trace id="...">, <trace/>, <traces>
    parts = piece.split(b"<event")
    head = parts[0]
    if len(parts) == 1:  # a trace without events: nothing to yield, but it must close properly
        close = head.find(TRACE_END)
        if close < 0 or head[close + len(TRACE_END) :].strip():
            raise Irregular
        return None
    raw_case = _value(head, item_needle, len(head))
    case = _text(raw_case).strip() if raw_case is not None else ""
    if not case or TRACE_END in head:
        raise Irregular
    final = parts[-1].rstrip()
    if not final.endswith(TRACE_END):
        raise Irregular
    parts[-1] = final[: -len(TRACE_END)]
    steps: list[str] = []
    stamps: list[int] = []
    step_size, at_size = len(step_needle), len(at_needle)
    fromisoformat = datetime.fromisoformat
    for number in range(1, len(parts)):
        part = parts[number]
        end = part.rfind(b"</event>")
        # A plain <event> tag, and no element between its end and the next event (text is ignored
        # by XML readers, an element there would be a trace attribute the reader sees differently).
        if end < 0 or part[0] != 62 or part.find(b"<", end + 8) >= 0:  # 62: ">"
            raise Irregular
        start = part.rfind(step_needle, 0, end) + step_size
        stop = part.find(b'"', start, end)
        if start < step_size or stop < 0:
            raise Irregular
        raw_step = part[start:stop]
        activity = activities.get(raw_step)
        if activity is None:
            activity = activities[raw_step] = _text(raw_step).strip()
            if not activity:
                raise Irregular
        steps.append(activity)
        start = part.rfind(at_needle, 0, end) + at_size
        stop = part.find(b'"', start, end)
        if start < at_size or stop < 0:
            raise Irregular
        try:
            moment = fromisoformat(part[start:stop].decode())
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            stamps.append(_stamp(part[start:stop], at_key, zone))
        else:
            delta = moment - EPOCH
            stamps.append((delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return case, steps, stamps


def scan_events(
    path: Path, *, item_key: str, step_key: str, at_key: str, zone: tzinfo | None
) -> Iterator[tuple[str, str, datetime]]:
    """`(case, activity, at)` of each event in file order (at in UTC); raises Irregular like `scan_traces`."""
    traces = scan_traces(path, item_key=item_key, step_key=step_key, at_key=at_key, zone=zone)
    for case, steps, stamps in traces:
        for step, stamp in zip(steps, stamps, strict=True):
            yield case, step, EPOCH + timedelta(microseconds=stamp)
