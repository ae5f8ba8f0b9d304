"""The morning brief's charts, drawn with matplotlib: SVG for the page, PNG for the e-mail.

The e-mail carries PNG images inline (Content-ID) so it reads the same in any mail client; Chinese
labels need a CJK font (Debian: fonts-noto-cjk). `cjk_font()` finds one among the fonts installed;
without one the charts are still drawn, and `charts_font_warning()` says why labels show boxes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoize
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported when a chart is drawn, not with this module: the brief's views load it with
# the URLs, and importing matplotlib costs over a second at every process start.

from unstuck.insights.brief import Brief

#: Fonts that carry simplified Chinese, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK JP",
)
ACCENT, MUTED, WARN = "#2f6f6a", "#b8c4c2", "#c0612b"


@memoize
def cjk_font() -> str | None:
    """The first installed font family able to draw Chinese, or None."""
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    found = next((family for family in CJK_FAMILIES if family in installed), None)
    if found is None:
        # matplotlib caches its font list; a CJK font installed after the cache was built is missing
        # from it, so look at the system's fonts once and add the CJK ones.
        for path in font_manager.findSystemFonts():
            if "cjk" in path.lower():
                font_manager.fontManager.addfont(path)
        installed = {entry.name for entry in font_manager.fontManager.ttflist}
        found = next((family for family in CJK_FAMILIES if family in installed), None)
    return found


def charts_font_warning() -> str:
    """'' when Chinese labels render; else what to install."""
    if cjk_font():
        return ""
    return "No CJK font found: install fonts-noto-cjk (Debian/Ubuntu) so chart labels show Chinese."


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a name usable as a Content-ID, its title and the image bytes."""

    name: str
    title: str
    data: bytes
    mime: str


def _figure(rows: int) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(7.2, max(2.2, 0.42 * rows + 1.0)), dpi=110, layout="constrained")


def _render(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


def _style() -> dict[Any, Any]:
    family = cjk_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
        "svg.fonttype": "none",  # SVG text stays text: the browser draws it with its own CJK font
    }


def _time_lost(brief: Brief, fmt: str) -> bytes | None:
    rows = list(reversed(brief.time_lost))
    if not rows:
        return None
    figure = _figure(len(rows))
    axes = figure.add_subplot()
    labels = [f"{row.process_name} · {row.step_name}" for row in rows]
    positions = range(len(rows))
    axes.barh(
        [p + 0.2 for p in positions],
        [r.previous_total_hours for r in rows],
        0.4,
        color=MUTED,
        label="上期 previous",
    )
    axes.barh(
        [p - 0.2 for p in positions],
        [r.total_hours for r in rows],
        0.4,
        color=ACCENT,
        label="本期 this period",
    )
    axes.set_yticks(list(positions), labels)
    axes.set_xlabel("小时 hours")
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _render(figure, fmt)


def _causes(brief: Brief, fmt: str) -> bytes | None:
    rows = brief.causes
    if not rows:
        return None
    figure = _figure(6)
    axes = figure.add_subplot()
    names = [row.name for row in rows]
    axes.bar(names, [row.cases for row in rows], color=ACCENT)
    axes.set_ylabel("工单 cases")
    axes.tick_params(axis="x", labelrotation=30)
    share = axes.twinx()
    share.plot(names, [row.cumulative_share * 100 for row in rows], color=WARN, marker="o")
    share.set_ylim(0, 105)
    share.set_ylabel("累计 % cumulative")
    axes.spines[["top"]].set_visible(False)
    return _render(figure, fmt)


def _teams(brief: Brief, fmt: str) -> bytes | None:
    rows = brief.teams
    if not rows:
        return None
    figure = _figure(6)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    width = 0.27
    axes.bar(
        [p - width for p in positions],
        [r.cases_opened for r in rows],
        width,
        color=ACCENT,
        label="新开 opened",
    )
    axes.bar(positions, [r.cases_resolved for r in rows], width, color=MUTED, label="解决 resolved")
    axes.bar(
        [p + width for p in positions], [r.backlog for r in rows], width, color=WARN, label="积压 backlog"
    )
    axes.set_xticks(positions, [row.name for row in rows], rotation=30)
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _render(figure, fmt)


def _remedy_cost(brief: Brief, fmt: str) -> bytes | None:
    rows = brief.remedy_cost.by_cause
    if not rows:
        return None
    figure = _figure(6)
    axes = figure.add_subplot()
    labels = [f"{row.name} ({row.currency})" for row in rows]
    axes.barh(labels[::-1], [float(row.amount) for row in rows][::-1], color=WARN)
    axes.set_xlabel("补救金额 remedy cost")
    axes.spines[["top", "right"]].set_visible(False)
    return _render(figure, fmt)


def brief_charts(brief: Brief, *, fmt: str = "svg") -> list[Chart]:
    """The brief's charts in `fmt` ("svg" or "png"); sections without data draw nothing."""
    mime = {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    drawn = []
    from matplotlib import rc_context

    with rc_context(_style()):
        drawn = _draw_all(brief, fmt, mime)
    return drawn


#: How long a drawn chart is reused for the same figures (drawing one takes ~100 ms of matplotlib).
CHART_CACHE_SECONDS = 3600


def _cached(name: str, fmt: str, rows: object, draw: Callable[[], bytes | None]) -> bytes | None:
    """`draw()`, or the picture drawn before from exactly the same rows (keyed by their repr)."""
    key = "brief-chart:" + hashlib.sha256(f"{name}|{fmt}|{cjk_font()}|{rows!r}".encode()).hexdigest()
    found = cache.get(key)
    if isinstance(found, bytes):
        return found
    data = draw()
    if data is not None:
        cache.set(key, data, CHART_CACHE_SECONDS)
    return data


def _draw_all(brief: Brief, fmt: str, mime: str) -> list[Chart]:
    drawn = []
    for name, title, draw, rows in (
        ("time-lost", "时间耗在哪里 Where time was lost", _time_lost, brief.time_lost),
        ("causes", "原因帕累托 Causes", _causes, brief.causes),
        ("teams", "各组工单 Cases by team", _teams, brief.teams),
        ("remedy-cost", "补救成本（按原因）Remedy cost by cause", _remedy_cost, brief.remedy_cost.by_cause),
    ):
        data = _cached(name, fmt, rows, lambda draw=draw: draw(brief, fmt))  # type: ignore[misc]
        if data is not None:
            drawn.append(Chart(name=name, title=title, data=data, mime=mime))
    return drawn
