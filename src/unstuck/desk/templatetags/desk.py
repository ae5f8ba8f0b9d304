"""Template helpers for the desk: durations, rule words, filter links, the page's `lang`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils import translation

from unstuck.desk import display
from unstuck.desk.filters import StallFilter
from unstuck.desk.selectors import ItemStory

register = template.Library()


@register.filter
def stuck_for(seconds: float) -> str:
    """A duration in seconds as short human text: 3天4小时."""
    return display.human_duration(seconds)


@register.filter
def urgency(seconds: float) -> str:
    """calm, amber (over an hour) or red (over a day): a CSS modifier."""
    return display.urgency(seconds)


@register.filter
def rule_label(rule: str) -> str:
    """A stall rule in plain words: 未确认, 停留超时, 流程中断, 逾期."""
    return display.rule_label(rule)


@register.filter
def as_json(value: Any) -> str:
    """Attributes shown as compact JSON (non-ASCII kept readable)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.simple_tag
def html_lang() -> str:
    """The active language as a BCP 47 tag for `<html lang>` (zh-hans → zh-Hans)."""
    code = translation.get_language() or "zh-hans"
    language, _, script = code.partition("-")
    return f"{language}-{script.title()}" if len(script) == 4 else code


@register.simple_tag
def filter_query(filters: StallFilter, **changes: str) -> str:
    """The board's query string with some filters changed (back to the first page)."""
    return filters.query(**{name: str(value) for name, value in changes.items()})


@register.simple_tag
def next_page_query(filters: StallFilter, cursor: str) -> str:
    """The query string of the board page after the one ending at `cursor`."""
    return filters.next_page(cursor)


@register.simple_tag
def seconds_between(start: datetime, end: datetime) -> float:
    """Seconds from `start` to `end` (use with `as`)."""
    return (end - start).total_seconds()


@register.filter
def step_of(story: ItemStory, step: str) -> str:
    """A step's name in the item's process version (its key if the version does not list it)."""
    return story.step_name(step)
