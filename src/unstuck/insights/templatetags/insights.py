"""Template helpers for the insights pages: durations, changes, shares and KPI tiles."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from unstuck.insights.durations import duration_text

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as 45s / 12.5min / 3.2h / 4.1d."""
    return duration_text(seconds)


@register.filter
def change(share: float | None) -> SafeString | str:
    """A relative change as +25% (longer: marked red) or −10% (shorter: green); "—" for none."""
    if share is None:
        return "—"
    css = "up" if share > 0.005 else "down" if share < -0.005 else "flat"
    text = f"{'+' if share > 0 else ''}{share * 100:.0f}%"  # format_html escapes to text first
    return format_html('<span class="change change-{}">{}</span>', css, text)


@register.filter
def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


@register.filter
def days_before(moment: datetime, days: int) -> datetime:
    return moment - timedelta(days=int(days))


@register.simple_tag
def kpi(label: str, now: int, before: int) -> SafeString:
    """A figure with the previous period's beside it."""
    return format_html(
        '<div class="kpi"><span class="kpi-label">{}</span><span class="kpi-value">{}</span>'
        '<span class="kpi-before">{}</span></div>',
        label,
        now,
        _("before: %(n)s") % {"n": before},
    )
