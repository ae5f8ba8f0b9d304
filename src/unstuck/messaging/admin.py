"""Admin for messaging, all read-only: channels (credentials never shown; "send test" goes through the
service) and templates (previewed with sample values) are edited on the desk's settings screens, which
check them; the outbox / delivery log changes only through the worker."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from unstuck.core.admin import DeskScreenAdmin, ReadOnlyAdmin, ReadOnlyInline
from unstuck.core.errors import DomainError
from unstuck.messaging.channel_secrets import options_masked, url_masked
from unstuck.messaging.models import Channel, DeliveryAttempt, Message, MessageTemplate
from unstuck.messaging.services import channel_test_send
from unstuck.messaging.templating import SAMPLE_VALUES, TemplateRefused, render_parts, template_check
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES


@admin.register(Channel)
class ChannelAdmin(DeskScreenAdmin):
    """Channels with what is set, never the values (credentials are write-only, on the desk's screen)."""

    desk_screen = "desk:admin_channels"
    list_display = ["key", "name", "kind", "active", "is_default", "address", "secret_state"]
    list_filter = ["kind", "active"]
    search_fields = ["key", "name"]
    actions = ["send_test"]
    fields = readonly_fields = (
        "key",
        "name",
        "kind",
        "active",
        "is_default",
        "address",
        "secret_state",
        "masked_options",
    )

    @admin.display(description=_("address"))
    def address(self, obj: Channel) -> str:
        set_ = pgettext("secret", "Set") if obj.url else pgettext("secret", "Not set")
        return f"{set_} · {url_masked(obj.url)}" if obj.url else set_

    @admin.display(description=_("secret"))
    def secret_state(self, obj: Channel) -> str:
        return pgettext("secret", "Set") if obj.secret else pgettext("secret", "Not set")

    @admin.display(description=_("options"))
    def masked_options(self, obj: Channel) -> str:
        return json.dumps(options_masked(obj.options or {}), ensure_ascii=False)

    @admin.action(description=_("Send a test message (the worker delivers it)"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[Channel]) -> None:
        for channel in queryset:
            try:
                message = channel_test_send(channel=channel, actor=request.user)  # type: ignore[arg-type]
            except DomainError as error:
                self.message_user(request, f"{channel.key}: {error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("%(channel)s: test message %(id)s queued; see its status under Messages.")
                % {"channel": channel.key, "id": message.pk},
                messages.SUCCESS,
            )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(DeskScreenAdmin):
    """Templates are written on the desk's template screen, which refuses variables a key may not use."""

    desk_screen = "desk:admin_templates"
    list_display = ["key", "language", "case_type", "cause", "step", "subject", "active"]
    list_filter = ["key", "language", "active"]
    search_fields = ["subject", "body_text"]
    readonly_fields = ["allowed_variables", "preview"]
    fields = [
        "key",
        "language",
        "case_type",
        "cause",
        "step",
        "active",
        "allowed_variables",
        "subject",
        "body_text",
        "body_html",
        "preview",
    ]

    @admin.display(description=_("variables this key may use"))
    def allowed_variables(self, obj: MessageTemplate | None) -> str:
        if obj is None or not obj.key:
            return gettext("Save once to see them; per key: ") + "; ".join(
                f"{key}: {', '.join(names)}" for key, names in TEMPLATE_VARIABLES.items()
            )
        return ", ".join("{{ " + name + " }}" for name in TEMPLATE_VARIABLES.get(obj.key, ()))

    @admin.display(description=_("preview (sample values)"))
    def preview(self, obj: MessageTemplate | None) -> str:
        if obj is None or not obj.pk:
            return gettext("Shown after saving.")
        try:
            template_check(key=obj.key, subject=obj.subject, body_text=obj.body_text, body_html=obj.body_html)
        except TemplateRefused as refused:
            return refused.message
        subject, text, html = render_parts(
            key=obj.key,
            subject=obj.subject,
            body_text=obj.body_text,
            body_html=obj.body_html,
            context=SAMPLE_VALUES,
        )
        return format_html(
            '<div class="messaging-preview"><p><strong>{}</strong></p>'
            '<pre style="white-space:pre-wrap">{}</pre>'
            '<iframe sandbox="" srcdoc="{}" style="width:100%;min-height:12em;border:1px solid #ccc">'
            "</iframe></div>",
            subject,
            text,
            html or text,
        )


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = readonly_fields = ("number", "started_at", "finished_at", "outcome", "status_code", "detail")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    """The outbox and the delivery log, read-only."""

    list_display = [
        "id",
        "direction",
        "channel",
        "template_key",
        "recipient",
        "status",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "channel", "direction", "template_key"]
    search_fields = ["recipient", "subject", "dedupe_key", "message_id", "case__number"]
    list_select_related = ["case"]
    inlines = [AttemptInline]
