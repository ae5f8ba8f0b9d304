"""Messages (消息): configured channels, zh-Hans/English templates, the outbox and its delivery log.

The outbox is the `Message` table itself: a row is written in the caller's transaction, and the
worker delivers it (see `outbox`). Inbound mail replies are `Message` rows too (direction `in`), so
a case's conversation is one list.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unstuck.messaging.vocabulary import ChannelKind, MessageLanguage, TemplateKey


class Channel(models.Model):
    """A configured way out: a group robot, an SMS provider account, an integrator's webhook, a mailer.

    Messages for a kind go to its default active channel unless a caller names a channel by key.
    """

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default for its kind"), default=True, help_text=_("Messages of this kind go here.")
    )
    url = models.URLField(
        _("URL"),
        max_length=1000,
        blank=True,
        help_text=_("Webhook address (robots, webhooks) or the SMS provider's endpoint."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=500,
        blank=True,
        help_text=_("Signing secret (DingTalk, Feishu, webhooks), bearer token or AccessKey secret (SMS)."),
    )
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_(
            'Per kind, e.g. {"format": "markdown"} for robots; SMS: {"provider": "aliyun", '
            '"access_key_id": "...", "sign_name": "...", "template_codes": {"stall_update": "SMS_1"}}.'
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(is_default=True, active=True),
                name="channel_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class MessageTemplate(models.Model):
    """The words of one message key in one language, optionally for one case type, cause or step.

    The most specific active template wins (see `templating.template_pick`). Saving one that uses a
    variable its key does not allow is refused (`clean`), so a template can never print a blank.
    """

    key = models.CharField(_("key"), max_length=40, choices=TemplateKey.choices)
    language = models.CharField(_("language"), max_length=8, choices=MessageLanguage.choices)
    case_type = models.CharField(_("case type"), max_length=24, blank=True, help_text=_("Empty: any."))
    cause = models.CharField(_("cause"), max_length=63, blank=True, help_text=_("Empty: any."))
    step = models.CharField(_("step"), max_length=100, blank=True, help_text=_("Empty: any."))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(
        _("HTML body"), blank=True, help_text=_("Optional; variables are HTML-escaped.")
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key", "language", "case_type", "cause", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language", "case_type", "cause", "step"], name="template_scope_unique"
            ),
        ]

    def __str__(self) -> str:
        scope = "/".join(part for part in (self.case_type, self.cause, self.step) if part)
        return f"{self.key} [{self.language}]{' ' + scope if scope else ''}"

    def clean(self) -> None:
        from unstuck.messaging.templating import TemplateRefused, template_check

        try:
            template_check(
                key=self.key, subject=self.subject, body_text=self.body_text, body_html=self.body_html
            )
        except TemplateRefused as refused:
            raise ValidationError({refused.field: refused.message}) from refused


class Message(models.Model):
    """One message in or out. Outbound rows are the outbox: the worker claims due ones and delivers.

    States: queued → sending (leased, committed before the network call) → sent; a failed attempt
    goes back to `failed` with a later `next_attempt_at`, and after the last attempt (or a permanent
    refusal) to `dead`. A `sending` row whose lease expired is delivered again with the same
    `message_id` / `uuid`, so a receiver that deduplicates by them sees it once.
    """

    class Direction(models.TextChoices):
        OUT = "out", _("Outgoing")
        IN = "in", _("Incoming")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Failed for good")
        RECEIVED = "received", _("Received")

    uuid = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    # RFC 5322 Message-ID: ours for outgoing mail (stable across retries), the sender's for replies.
    message_id = models.CharField(_("Message-ID"), max_length=300, unique=True, null=True, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True, null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default="out")
    template_key = models.CharField(_("template"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=MessageLanguage.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices)
    channel_config = models.ForeignKey(
        Channel, verbose_name=_("channel settings"), on_delete=models.PROTECT, null=True, blank=True
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True
    )
    item = models.ForeignKey(
        "tracking.Item", verbose_name=_("item"), on_delete=models.SET_NULL, null=True, blank=True
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.SET_NULL, null=True, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    context = models.JSONField(_("variables"), default=dict, blank=True)
    in_reply_to = models.ForeignKey(
        "self", verbose_name=_("in reply to"), on_delete=models.SET_NULL, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # While queued/failed: when to try next. While sending: when the lease runs out (= lease_expires_at),
    # so one index range finds both due rows and abandoned sends.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("lease expires at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=300, blank=True)
    reason = models.TextField(_("provider's reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="message_due_idx",
                condition=Q(status__in=["queued", "failed", "sending"]),
            ),
            models.Index(fields=["case", "id"], name="message_case_idx"),
            models.Index(fields=["user", "channel", "read_at"], name="message_user_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.template_key or self.subject[:40]} ({self.status})"


class DeliveryAttempt(models.Model):
    """The delivery log: one row per try, with what the provider answered."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Message.Status.choices)
    status_code = models.CharField(_("provider's code"), max_length=40, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "number"]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.number} {self.outcome}"


class QuarantinedMail(models.Model):
    """An inbound mail not threaded onto a case: its sender is not the case's customer or a colleague,
    its `Authentication-Results` say the sender's domain failed DMARC/SPF/DKIM, or it names no case.
    It waits here until a supervisor attaches it to a case or discards it."""

    class Reason(models.TextChoices):
        UNKNOWN_SENDER = "unknown_sender", _("Sender is not the case's customer or a colleague")
        AUTHENTICATION_FAILED = "authentication_failed", _("Sender's domain failed authentication")
        NO_CASE = "no_case", _("Names no case")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        ATTACHED = "attached", _("Attached to a case")
        DISCARDED = "discarded", _("Discarded")

    message = models.OneToOneField(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="quarantine"
    )
    claimed_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case it claimed"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    received_at = models.DateTimeField(_("received at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    attached_to = models.ForeignKey(
        "cases.Case",
        verbose_name=_("attached to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("quarantined mail")
        verbose_name_plural = _("quarantined mail")
        indexes = [models.Index(fields=["status", "received_at"], name="quarantine_status_idx")]

    def __str__(self) -> str:
        return f"{self.message.sender} {self.reason} ({self.status})"
