"""Admin for messaging: channels (with "send test"), templates (checked on save, previewed with
sample values) and the outbox / delivery log (read-only: deliveries change only through the worker)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from unstuck.core.errors import DomainError
from unstuck.messaging.models import Channel, DeliveryAttempt, Message, MessageTemplate
from unstuck.messaging.services import channel_test_send
from unstuck.messaging.templating import SAMPLE_VALUES, TemplateRefused, render_parts, template_check
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "name", "kind", "active", "is_default", "url"]
    list_filter = ["kind", "active"]
    search_fields = ["key", "name"]
    actions = ["send_test"]

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
class MessageTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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


class AttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "started_at", "finished_at", "outcome", "status_code", "detail")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
