"""The process map: the directly-follows graph as an SVG laid out and drawn on the server.

Layout: the steps stand in one column in process order (or, for activities the process does not
list, in the order items first reach them). An edge to the next step is a straight arrow; an edge
that skips ahead curves out to the right, one that goes back (rework) to the left, further out the
more steps it spans; a repeat of the same step is a small loop. Thickness grows with the edge's
count (square root, so rare paths stay visible), colour with its mean transition time (log scale,
green → red). Every node and edge carries a <title>, which browsers show as a tooltip and screen
readers read. No JavaScript, no external assets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from unstuck.insights.durations import duration_text

#: Edges drawn at most (by count); the rest are listed in the table only.
MAX_EDGES = 40
NODE_WIDTH, NODE_HEIGHT, ROW = 240, 46, 92
TOP, SIDE = 36, 330
#: Green → amber → red, readable on white (edge and arrow colours by transition-time bucket).
COLOURS = ("#15803d", "#65a30d", "#ca8a04", "#ea580c", "#b91c1c")


@dataclass(frozen=True)
class MapNode:
    """A step on the map: its key, display name, event count and mean sojourn."""

    key: str
    name: str
    count: int
    mean_seconds: float | None


@dataclass(frozen=True)
class MapEdge:
    """A directly-follows edge to draw."""

    source: str
    target: str
    count: int
    mean_seconds: float
    median_seconds: float


def _bucket(seconds: float, longest: float) -> int:
    if longest <= 0:
        return 0
    share = math.log1p(max(seconds, 0.0)) / math.log1p(longest)
    return min(len(COLOURS) - 1, int(share * len(COLOURS)))


def _width(count: int, most: int) -> float:
    return round(1.5 + 8.5 * math.sqrt(count / most), 2) if most else 1.5


def _label(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="pm-edge-label">{escape(text)}</text>'


def process_map_svg(*, nodes: Sequence[MapNode], edges: Sequence[MapEdge]) -> SafeString:
    """The SVG of the map (empty string when there is nothing to draw)."""
    if not nodes:
        return mark_safe("")
    row_of = {node.key: number for number, node in enumerate(nodes)}
    drawn = sorted(
        (e for e in edges if e.source in row_of and e.target in row_of),
        key=lambda e: (-e.count, e.source, e.target),
    )[:MAX_EDGES]
    most = max((e.count for e in drawn), default=0)
    longest = max((e.mean_seconds for e in drawn), default=0.0)
    centre = SIDE + NODE_WIDTH / 2
    width = 2 * SIDE + NODE_WIDTH
    height = TOP + ROW * (len(nodes) - 1) + NODE_HEIGHT + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="process-map"'
        f' role="img" aria-labelledby="pm-title">',
        f'<title id="pm-title">{escape(_("Process map: steps and the paths between them"))}</title>',
        "<defs>",
    ]
    for number, colour in enumerate(COLOURS):
        parts.append(
            f'<marker id="pm-arrow-{number}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5"'
            f' markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/>'
            "</marker>"
        )
    parts.append("</defs>")

    def middle(row: int) -> float:
        return TOP + row * ROW + NODE_HEIGHT / 2

    for edge in drawn:
        start, end = row_of[edge.source], row_of[edge.target]
        bucket = _bucket(edge.mean_seconds, longest)
        label = f"{edge.count} · {duration_text(edge.mean_seconds)}"
        if start == end:
            x, y = centre + NODE_WIDTH / 2, middle(start)
            path = f"M{x},{y - 10} C{x + 46},{y - 36} {x + 46},{y + 36} {x},{y + 10}"
            text = _label(x + 44, y + 4, label)
        elif end == start + 1:
            y0, y1 = float(TOP + start * ROW + NODE_HEIGHT), float(TOP + end * ROW)
            path = f"M{centre},{y0} L{centre},{y1 - 2}"
            text = _label(centre + 8, (y0 + y1) / 2 + 4, label)
        else:
            side = 1 if end > start else -1
            x = centre + side * NODE_WIDTH / 2
            bulge = min(SIDE - 90, 34 + 26 * abs(end - start))
            y0, y1 = middle(start), middle(end)
            c = x + side * bulge
            path = f"M{x},{y0} C{c},{y0} {c},{y1} {x + side * 2},{y1}"
            # The point of the curve halfway along (a cubic Bézier at t = 1/2).
            mid_x, mid_y = (x + 3 * c + 3 * c + x) / 8, (y0 + y1) / 2
            text = _label(mid_x + side * 6, mid_y + 4, label, "start" if side > 0 else "end")
        title = _("%(source)s → %(target)s: %(count)d times, mean %(mean)s, median %(median)s") % {
            "source": edge.source,
            "target": edge.target,
            "count": edge.count,
            "mean": duration_text(edge.mean_seconds),
            "median": duration_text(edge.median_seconds),
        }
        parts.append(
            f'<g class="pm-edge"><title>{escape(title)}</title><path d="{path}" fill="none"'
            f' stroke="{COLOURS[bucket]}" stroke-width="{_width(edge.count, most)}"'
            f' stroke-linecap="round" marker-end="url(#pm-arrow-{bucket})"/>{text}</g>'
        )
    for number, node in enumerate(nodes):
        y = TOP + number * ROW
        name = node.name if len(node.name) <= 22 else node.name[:21] + "…"
        detail = _("%(count)d events · stays %(mean)s") % {
            "count": node.count,
            "mean": duration_text(node.mean_seconds),
        }
        parts.append(
            f'<g class="pm-node"><title>{escape(node.name)} ({escape(node.key)}): {escape(detail)}</title>'
            f'<rect x="{SIDE}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="8"/>'
            f'<text x="{centre}" y="{y + 19}" text-anchor="middle" class="pm-node-name">{escape(name)}</text>'
            f'<text x="{centre}" y="{y + 36}" text-anchor="middle" class="pm-node-detail">{escape(detail)}'
            "</text></g>"
        )
    parts.append(_legend(height - 30, width, longest, len(edges) - len(drawn)))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above went through escape()


def _legend(y: float, width: float, longest: float, hidden: int) -> str:
    items = [f'<g class="pm-legend"><text x="16" y="{y}">{escape(_("Mean time:"))}</text>']
    for number, colour in enumerate(COLOURS):
        # The lower bound of each colour bucket, back on the time scale.
        seconds = math.expm1(math.log1p(longest) * number / len(COLOURS)) if longest else 0.0
        x = 110 + number * 120
        items.append(
            f'<rect x="{x}" y="{y - 10}" width="26" height="8" fill="{colour}"/>'
            f'<text x="{x + 32}" y="{y}">≥ {escape(duration_text(seconds))}</text>'
        )
    if hidden > 0:
        note = _("%(n)d rarer paths are not drawn (see the table)") % {"n": hidden}
        items.append(f'<text x="16" y="{y + 20}">{escape(note)}</text>')
    items.append("</g>")
    return "".join(items)
