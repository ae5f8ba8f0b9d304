"""A process version's steps drawn as an SVG graph, generated on the server (no JS library).

The process file is an ordered list of steps, so the main flow is that order, left to right;
interruption steps (中断) hang below the step before them with a dashed red edge, terminal steps
are drawn with a double border. Every text is escaped by `format_html`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

BOX_W = 168
BOX_H = 64
GAP = 44
MARGIN = 16
DROP = 56  # vertical distance from the main row to interruption steps


@dataclass(frozen=True)
class GraphStep:
    """What the graph needs to know about one step."""

    key: str
    name: str
    max_dwell: str
    team: str
    confirmation: bool
    interruption: bool
    terminal: bool


def _box(step: GraphStep, x: int, y: int) -> SafeString:
    tone = "interruption" if step.interruption else ("terminal" if step.terminal else "step")
    details = [part for part in (step.max_dwell and f"≤ {step.max_dwell}", step.team) if part]
    if step.confirmation:
        details.append(gettext("confirmation"))
    inner = (
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" rx="6" class="g-inner"/>',
            x + 4,
            y + 4,
            BOX_W - 8,
            BOX_H - 8,
        )
        if step.terminal
        else ""
    )
    return format_html(
        '<g class="g-node g-{}" data-step="{}"><title>{}</title>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="9"/>{}'
        '<text x="{}" y="{}" class="g-name">{}</text>'
        '<text x="{}" y="{}" class="g-detail">{}</text></g>',
        tone,
        step.key,
        step.key,
        x,
        y,
        BOX_W,
        BOX_H,
        inner,
        x + BOX_W // 2,
        y + 27,
        step.name[:14],
        x + BOX_W // 2,
        y + 47,
        " · ".join(details)[:28],
    )


def _edge(x1: int, y1: int, x2: int, y2: int, *, interruption: bool = False) -> SafeString:
    """A curved edge from the right or bottom of one box to the left or top of another."""
    if interruption:
        return format_html(
            '<path d="M{} {} C{} {} {} {} {} {}" class="g-edge g-edge-interruption" '
            'marker-end="url(#g-arrow-red)"/>',
            x1,
            y1,
            x1,
            (y1 + y2) // 2,
            x2,
            (y1 + y2) // 2,
            x2,
            y2 - 4,
        )
    middle = (x1 + x2) // 2
    return format_html(
        '<path d="M{} {} C{} {} {} {} {} {}" class="g-edge" marker-end="url(#g-arrow)"/>',
        x1,
        y1,
        middle,
        y1,
        middle,
        y2,
        x2 - 4,
        y2,
    )


def process_graph_svg(steps: Iterable[GraphStep], *, title: str) -> SafeString:
    """The SVG of `steps`: the main flow in file order on one row, interruptions below the step
    they break off from, terminal steps stacked in the last column; an accessible image."""
    main: list[tuple[GraphStep, int]] = []
    hanging: list[tuple[GraphStep, int, int]] = []  # step, x, x of the step it breaks off from
    terminals: list[GraphStep] = []
    x = MARGIN
    for step in steps:
        if step.terminal:
            terminals.append(step)
        elif step.interruption and main:
            parent_x = main[-1][1]
            taken = sum(1 for _, _, p in hanging if p == parent_x)
            hanging.append((step, parent_x + taken * (BOX_W + GAP) // 2, parent_x))
        else:
            main.append((step, x))
            x += BOX_W + GAP
    x_end = x
    y_main = MARGIN
    y_drop = y_main + BOX_H + DROP
    rows = max(len(terminals), 1)
    bottom = max(y_main + rows * (BOX_H + GAP // 2) - GAP // 2, y_drop + BOX_H if hanging else 0)
    width = max(
        x_end + (BOX_W if terminals else -GAP) + MARGIN,
        max((h[1] for h in hanging), default=0) + BOX_W + MARGIN,
    )
    height = bottom + MARGIN
    mid = BOX_H // 2
    edges = [
        _edge(x_from + BOX_W, y_main + mid, x_to, y_main + mid) for (_, x_from), (_, x_to) in pairwise(main)
    ]
    last_x = main[-1][1] if main else None
    terminal_boxes = []
    for row, step in enumerate(terminals):
        y = y_main + row * (BOX_H + GAP // 2)
        terminal_boxes.append(_box(step, x_end, y))
        if last_x is not None:
            edges.append(_edge(last_x + BOX_W, y_main + mid, x_end, y + mid))
    for _, x_step, x_from in hanging:
        edges.append(
            _edge(x_from + BOX_W // 2, y_main + BOX_H, x_step + BOX_W // 2, y_drop, interruption=True)
        )
    nodes = [_box(step, x_step, y_main) for step, x_step in main]
    nodes += [_box(step, x_step, y_drop) for step, x_step, _ in hanging] + terminal_boxes
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="process-graph" role="img" aria-label="{}" '
        'viewBox="0 0 {} {}" width="{}" height="{}"><defs>'
        '<marker id="g-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0 0 L10 5 L0 10 z" class="g-arrowhead"/></marker>'
        '<marker id="g-arrow-red" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0 0 L10 5 L0 10 z" class="g-arrowhead-red"/></marker></defs>{}{}</svg>',
        title,
        width,
        height,
        width,
        height,
        format_html_join("", "{}", ((edge,) for edge in edges)),
        format_html_join("", "{}", ((node,) for node in nodes)),
    )
