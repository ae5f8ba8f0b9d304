"""The words messages are made of: channel kinds, template keys and the variables each key may use.

Kept apart from the models so the customers app, the template checker and the API share one list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    """How a message travels. `in_app` needs no address: it is shown in Unstuck itself."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu/Lark bot")
    SLACK = "slack", _("Slack incoming webhook")
    WEBHOOK = "webhook", _("Outgoing webhook")
    IN_APP = "in_app", _("In-app notification")


#: Kinds that need a configured `Channel` row (URL, secret ...); email can use Django's settings alone.
CONFIGURED_KINDS = frozenset(
    {ChannelKind.SMS, ChannelKind.WECOM, ChannelKind.DINGTALK, ChannelKind.FEISHU, ChannelKind.SLACK}
    | {ChannelKind.WEBHOOK}
)

#: Every variable a template may use (what `message_enqueue` callers may pass), plus `message`:
#: an agent's own words when composing.
VARIABLES: tuple[str, ...] = (
    "customer_name",
    "item",
    "reason",
    "eta",
    "agent_name",
    "confirm_link",
    "status_link",
    "survey_link",
    "case_number",
    "case_title",
    "case_link",
    "message",
)

_BASE = ("customer_name", "item", "agent_name", "case_number", "case_title", "case_link", "status_link")

#: Template key → the variables its templates may use. A template using any other is refused.
TEMPLATE_VARIABLES: dict[str, tuple[str, ...]] = {
    "confirmation_request": (*_BASE, "reason", "eta", "confirm_link"),
    "confirmation_reminder": (*_BASE, "reason", "eta", "confirm_link"),
    "stall_update": (*_BASE, "reason", "eta"),
    "survey_invitation": (*_BASE, "survey_link"),
    "case_escalation": (*_BASE, "reason", "eta"),
    "sla_warning": (*_BASE, "reason", "eta"),
    "incident_notice": (*_BASE, "reason", "eta"),
    "case_reply": (*_BASE, "reason", "eta", "message"),
    "channel_test": ("agent_name",),
}


class TemplateKey(models.TextChoices):
    """What a message is for; other apps enqueue messages by these keys."""

    CONFIRMATION_REQUEST = "confirmation_request", _("Confirmation request")
    CONFIRMATION_REMINDER = "confirmation_reminder", _("Confirmation reminder")
    STALL_UPDATE = "stall_update", _("Update while stalled")
    SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
    CASE_ESCALATION = "case_escalation", _("Case escalation")
    SLA_WARNING = "sla_warning", _("SLA warning")
    INCIDENT_NOTICE = "incident_notice", _("Incident notice")
    CASE_REPLY = "case_reply", _("Agent's message on a case")
    CHANNEL_TEST = "channel_test", _("Channel test")


class MessageLanguage(models.TextChoices):
    """Languages templates are written in (Chinese first)."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


def language_of(value: str | None) -> str:
    """A stored language preference as a template language: anything not English reads Chinese."""
    return MessageLanguage.EN if (value or "").lower().startswith("en") else MessageLanguage.ZH_HANS
