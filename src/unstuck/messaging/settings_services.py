"""Writes and reads for the admin's message settings: templates (checked, previewed) and channels.

A template is refused on save when it uses a variable its key does not allow (`template_check`),
so a message can never print a blank; a preview renders unsaved text with a sample case's values.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role
from unstuck.messaging.channel_secrets import options_merged
from unstuck.messaging.models import Channel, Message, MessageTemplate
from unstuck.messaging.templating import SAMPLE_VALUES, render_parts, template_check

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

#: The same sample case in English, so a preview shows how both languages read.
SAMPLE_VALUES_EN: dict[str, str] = {
    **SAMPLE_VALUES,
    "customer_name": "Ms Wang",
    "reason": "The warehouse system failed; today's orders leave late",
    "agent_name": "Li Ming",
    "case_title": "Order SO-1001 overdue",
    "message": "We have expedited it and will contact you again tomorrow morning.",
}
_SETTINGS_READERS = {Role.ADMIN, Role.AUDITOR}


def _reader(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in _SETTINGS_READERS


def template_list(
    *, user: AbstractBaseUser | AnonymousUser, key: str = "", language: str = ""
) -> QuerySet[MessageTemplate]:
    """Templates by key, language and scope (case type, cause, step) for admins and auditors."""
    templates = MessageTemplate.objects.order_by("key", "language", "case_type", "cause", "step")
    if key:
        templates = templates.filter(key=key)
    if language:
        templates = templates.filter(language=language)
    return templates if _reader(user) else templates.none()


def channel_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Channel]:
    """Configured channels for admins and auditors (their secrets are never shown back)."""
    channels = Channel.objects.order_by("kind", "key")
    return channels if _reader(user) else channels.none()


def channel_test_message(*, user: AbstractBaseUser | AnonymousUser, message_id: int) -> Message | None:
    """A channel-test message and its delivery log, for the page that queued it."""
    if not _reader(user):
        return None
    return (
        Message.objects.filter(pk=message_id, template_key="channel_test")
        .select_related("channel_config")
        .prefetch_related("attempt_log")
        .first()
    )


def template_preview(
    *, key: str, subject: str, body_text: str, body_html: str, values: dict[str, str]
) -> tuple[str, str, str]:
    """Unsaved template text rendered with `values`; raises TemplateRefused naming the bad variable."""
    template_check(key=key, subject=subject, body_text=body_text, body_html=body_html)
    return render_parts(key=key, subject=subject, body_text=body_text, body_html=body_html, context=values)


def template_save(
    *,
    actor: User,
    template: MessageTemplate | None,
    key: str,
    language: str,
    case_type: str,
    cause: str,
    step: str,
    subject: str,
    body_text: str,
    body_html: str,
    active: bool,
) -> MessageTemplate:
    """Create or change a template; raises ValidationError by field (a disallowed variable named)."""
    template = template or MessageTemplate()
    template.key, template.language = key, language
    template.case_type, template.cause, template.step = case_type.strip(), cause.strip(), step.strip()
    template.subject, template.body_text, template.body_html = subject, body_text, body_html
    template.active = active
    try:
        template.full_clean()  # runs template_check through MessageTemplate.clean
    except ValidationError as error:
        if "__all__" in getattr(error, "error_dict", {}):
            raise ValidationError(
                {"key": _("A template for this key, language and scope exists already.")}
            ) from error
        raise
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise ValidationError(
            {"key": _("A template for this key, language and scope exists already.")}
        ) from None
    log.info("Template %s saved by %s", template, actor.get_username())
    return template


def channel_update(
    *,
    channel: Channel,
    actor: User,
    name: str,
    active: bool,
    is_default: bool,
    url: str | None,
    secret: str | None,
    options: dict[str, Any],
) -> Channel:
    """Change a channel; raises ValidationError by field. Credentials are write-only
    (`channel_secrets`): a blank `url` or `secret` keeps the stored one, and an option posted back
    as the mask keeps its stored value."""
    channel.name, channel.active, channel.is_default = name.strip(), active, is_default
    channel.options = options_merged(options, channel.options)
    if url and url.strip():
        channel.url = url.strip()
    if secret:
        channel.secret = secret
    channel.full_clean(exclude=["key", "kind"], validate_constraints=False)
    with transaction.atomic():
        if channel.is_default and channel.active:
            clash = Channel.objects.filter(kind=channel.kind, is_default=True, active=True).exclude(
                pk=channel.pk
            )
            if clash.exists():
                raise ValidationError(
                    {
                        "is_default": _(
                            "%(other)s is the default for this kind already; make it not default first."
                        )
                        % {"other": clash.first()}
                    }
                )
        channel.save()
    log.info("Channel %s changed by %s", channel.key, actor.get_username())
    return channel
