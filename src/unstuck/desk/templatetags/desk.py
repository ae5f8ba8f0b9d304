"""Template helpers for the desk: durations, rule words, filter links, the page's `lang`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils import translation
from django.utils.translation import gettext

from unstuck.desk import display
from unstuck.desk.case_page import CasePage
from unstuck.desk.filters import StallFilter
from unstuck.desk.queue_filters import QueueFilter
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


@register.filter
def countdown(seconds: int | None) -> str:
    """Remaining business time as the queue's countdown shows it: 1:05:09, 2天 03:04, 超时 0:12:00."""
    return display.countdown_text(seconds)


@register.simple_tag
def countdown_formats() -> str:
    """The countdown's formats for desk.js, as JSON (same words as `countdown`)."""
    return json.dumps(
        {"day": gettext("{days}d {hh}:{mm}"), "overdue": gettext("overdue {time}")}, ensure_ascii=False
    )


@register.simple_tag
def queue_query(filters: QueueFilter, **changes: str) -> str:
    """The queue's query string with some filters changed (back to the first page)."""
    return filters.query(**{name: str(value) for name, value in changes.items()})


@register.simple_tag
def queue_next_query(filters: QueueFilter, cursor: str) -> str:
    """The query string of the queue page after the one ending at `cursor`."""
    return filters.next_page(cursor)


@register.filter
def step_of_page(page: CasePage, step: str) -> str:
    """A step's name in the case item's process version (its key if the version does not list it)."""
    return page.step_name(step)


@register.simple_tag
def nav_roles(user: Any) -> dict[str, bool]:
    """Which role-bound navigation links `user` gets: the live wall (`desk.wall.wall_allowed`),
    incidents (`casework.permissions.user_is_supervisor`), the morning brief
    (`insights.brief.brief_teams_for`) and the settings screens (admins change them, auditors read).
    Every page renders this, so it asks the database at most once (the user's memberships) instead
    of once per rule."""
    from unstuck.accounts.models import Membership, Role
    from unstuck.accounts.selectors import user_role

    if not getattr(user, "is_authenticated", False):
        return {"wall": False, "incidents": False, "brief": False, "admin": False}
    role = user_role(user)
    if role == Role.ADMIN:
        return {"wall": True, "incidents": True, "brief": True, "admin": True}
    if role == Role.AUDITOR:  # reads the wall and every brief, runs nothing
        return {"wall": True, "incidents": False, "brief": True, "admin": True}
    if role == Role.SUPERVISOR:  # a global supervisor reads the briefs of the teams they are in
        in_a_team = Membership.objects.filter(user_id=user.pk).exists()
        return {"wall": True, "incidents": True, "brief": in_a_team, "admin": False}
    supervises = Membership.objects.filter(user_id=user.pk, role=Role.SUPERVISOR).exists()
    return {"wall": supervises, "incidents": supervises, "brief": supervises, "admin": False}


@register.filter
def status_label(value: str) -> str:
    """A case status in the desk's words: 新建, 处理中 ..."""
    return display.label(display.CASE_STATUS_LABELS, value)


@register.filter
def type_label(value: str) -> str:
    """A case type in the desk's words: 停滞, 逾期 ..."""
    return display.label(display.CASE_TYPE_LABELS, value)


@register.filter
def priority_label(value: str) -> str:
    return display.label(display.PRIORITY_LABELS, value)


@register.filter
def kind_label(value: str) -> str:
    """A timeline entry's kind in the desk's words."""
    return display.label(display.TIMELINE_KIND_LABELS, value)
