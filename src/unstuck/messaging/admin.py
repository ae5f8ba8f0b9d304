"""Admin for messaging: channels (with "send test"), templates (checked on save, previewed with
sample values) and the outbox / delivery log (read-only: deliveries change only through the worker)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from unstuck.core.errors import DomainError
from unstuck.messaging.channel_secrets import options_masked, options_merged, url_masked
from unstuck.messaging.models import Channel, DeliveryAttempt, Message, MessageTemplate
from unstuck.messaging.services import channel_test_send
from unstuck.messaging.templating import SAMPLE_VALUES, TemplateRefused, render_parts, template_check
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES


class ChannelForm(forms.ModelForm):  # type: ignore[type-arg]
    """Credentials are write-only (`channel_secrets`): the URL and the secret are never rendered back,
    blank keeps the stored value, and masked options keep theirs."""

    url = forms.CharField(
        label=_("URL"),
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored and never shown again; leave blank to keep it."),
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored and never shown again; leave blank to keep it."),
    )

    class Meta:
        model = Channel
        fields = ["key", "name", "kind", "active", "is_default", "url", "secret", "options"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "options" in self.fields:
            self.initial["options"] = options_masked(self.instance.options or {})
            self.fields["options"].help_text = gettext(
                "Keys, tokens, secrets and passwords are never shown: ****** keeps the stored value."
            )

    def clean_url(self) -> str:
        return str(self.cleaned_data.get("url") or "").strip() or self.instance.url

    def clean_secret(self) -> str:
        return str(self.cleaned_data.get("secret") or "") or self.instance.secret

    def clean_options(self) -> Any:
        return options_merged(self.cleaned_data.get("options") or {}, self.instance.options)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ChannelForm
    list_display = ["key", "name", "kind", "active", "is_default", "address", "secret_state"]
    list_filter = ["kind", "active"]
    search_fields = ["key", "name"]
    actions = ["send_test"]
    _SHOWN = ["key", "name", "kind", "active", "is_default", "address", "secret_state", "masked_options"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:  # django-stubs: field groups
        if obj is not None and not self.has_change_permission(request, obj):
            return self._SHOWN  # a reader: what is set, never the values
        return ["key", "name", "kind", "active", "is_default", "address", "url", "secret", "options"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and not self.has_change_permission(request, obj):
            return self._SHOWN
        return ["address"]

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
